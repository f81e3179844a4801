"""Where a concern comes from: guardians on their own initiative, a young person seeking help, or
another worried person bring it to a service, and the staff member who receives it opens the case
with that origin; the timeline, the staff and family views and the case page say so."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from casekit import GUARDIAN, LEADER, TEACHER, make_engine, snapshot
from test_case_page import _page

from btiflow.errors import ActionRefused
from btiflow.timeline import timeline
from btiflow.views import FamilyView, StaffView


def test_a_case_opened_on_the_guardians_initiative_says_so_everywhere(tmp_path: Path) -> None:
    """origin=guardians is in the state, the timeline, the staff view, the family view, the page."""
    engine, _ = make_engine(tmp_path)
    case = engine.open_case(
        "elev-0042", TEACHER, concern="Foresatte er bekymret", origin="guardians"
    )
    assert case.origin == "guardians"
    engine.act(case.id, "inform_leader", TEACHER, leader=LEADER.id)
    engine.act(case.id, "inform_guardians", TEACHER, guardians=[GUARDIAN.as_person()])
    log = engine.log(case.id)
    assert log[0].body.origin == "guardians"  # type: ignore[attr-defined]
    assert "etter at foresatte selv tok kontakt" in timeline(log, engine.workflow)
    staff = engine.view(case.id, TEACHER)
    assert isinstance(staff, StaffView)
    assert staff.family.origin == "foresatte selv tok kontakt"
    family = engine.view(case.id, GUARDIAN)
    assert isinstance(family, FamilyView)
    assert family.origin == "foresatte selv tok kontakt"
    assert "Saken ble opprettet etter at foresatte selv tok kontakt." in _page(engine, case.id)


def test_a_nynorsk_guide_words_the_origin_in_nynorsk(tmp_path: Path) -> None:
    """A young person seeking help, on Nore og Uvdal's guide: the family's view is in nynorsk."""
    engine, _ = make_engine(tmp_path, "nore-og-uvdal")
    case = engine.open_case("elev-0042", TEACHER, origin="young_person")
    staff = engine.view(case.id, TEACHER)
    assert isinstance(staff, StaffView)
    assert staff.family.origin == "ungdommen sjølv søkte hjelp"


def test_an_unknown_origin_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    """origin must be guardians, young_person or other: anything else is refused, no case made."""
    engine, _ = make_engine(tmp_path)
    before = snapshot(engine)
    with pytest.raises(ActionRefused) as refused:
        engine.open_case("elev-0042", TEACHER, origin="naboen")
    assert refused.value.code == "invalid_input"
    assert "young_person" in str(refused.value)
    assert snapshot(engine)[:2] == before[:2]


def test_a_case_without_origin_stores_what_it_stored_before(tmp_path: Path) -> None:
    """The opener's own concern writes no origin key: old and new case_opened entries match."""
    engine, _ = make_engine(tmp_path)
    case = engine.open_case("elev-0042", TEACHER, birth_date=dt.date(2012, 3, 4))
    assert case.origin is None
    conn = sqlite3.connect(tmp_path / "relay.db")
    try:
        (data,) = conn.execute("SELECT data FROM entries WHERE seq = 1").fetchone()
        (state,) = conn.execute("SELECT state FROM cases").fetchone()
    finally:
        conn.close()
    assert "origin" not in data
    assert '"origin"' not in state
