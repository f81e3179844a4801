"""Issue 11, hole 6: the access log a guardian reads hides what their view of the case hides."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import attrs
from casekit import (
    CHILD,
    GUARDIAN,
    HEALTH,
    NURSE,
    TEACHER,
    make_engine,
    to_level_2,
    workflow,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import random_actors

from btiflow.case.people import Actor
from btiflow.engine import Engine
from btiflow.errors import AccessDenied

BORN_17 = "2009-06-01"  # 17 on the tests' start day: the guardians see less (limit 16)


def _busy_case(engine: Engine) -> str:
    """A 17-year-old's case at level 2: the nurse reads it, the young person reads and acts."""
    case = to_level_2(engine, birth_date=BORN_17)
    engine.view(case.id, NURSE)
    engine.view(case.id, CHILD)
    engine.act(case.id, "add_note", TEACHER, text="Notat")
    engine.act(case.id, "add_document", TEACHER, title="Kartlegging")
    engine.act(case.id, "give_consent", CHILD, units=["PPT"])
    return case.id


def test_a_limited_guardian_does_not_see_the_young_persons_own_reads_and_acts(
    tmp_path: Path,
) -> None:
    """From guardian_limit_age the young person's own rows and hidden parts' acts are left out."""
    engine, _ = make_engine(tmp_path)
    case_id = _busy_case(engine)
    rows = engine.access_log(case_id, GUARDIAN)
    assert rows, "the guardian still sees the log"
    assert all(r.actor != CHILD.id for r in rows)
    hidden = {f"action:{a}" for a in ("add_document", "record_minutes")}
    assert not {r.what for r in rows} & hidden
    # the young person and an administrator still see every row
    everything = engine.store.access_log(case_id)
    assert len(engine.access_log(case_id, CHILD)) == len(everything) + 1
    assert any(r.actor == CHILD.id for r in everything)


def test_a_guardian_who_may_not_see_involvement_does_not_see_the_nurse(tmp_path: Path) -> None:
    """With ``involved`` hidden, the reads and acts of an involved service's staff are left out."""
    hides = (*workflow().consent.guardian_hides, "involved")
    guide = attrs.evolve(workflow(), consent=attrs.evolve(workflow().consent, guardian_hides=hides))
    engine, _ = make_engine(tmp_path, guide)
    case_id = _busy_case(engine)
    rows = engine.access_log(case_id, GUARDIAN)
    assert all(r.unit != HEALTH for r in rows)
    assert all(r.what != "action:involve_unit" for r in rows)
    assert any(r.actor == TEACHER.id for r in rows)


def test_an_unlimited_guardian_sees_every_row(tmp_path: Path) -> None:
    """Below guardian_limit_age the guardian's access log is the whole log."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine, birth_date="2013-01-01")
    engine.view(case.id, NURSE)
    rows = engine.access_log(case.id, GUARDIAN)
    assert len(rows) == len(engine.store.access_log(case.id))


@functools.cache
def _limited_case() -> tuple[Engine, str]:
    engine, _ = make_engine(Path(tempfile.mkdtemp(prefix="btiflow-hides-")))
    return engine, _busy_case(engine)


@settings(max_examples=max(10, settings().max_examples // 5), deadline=None)
@given(readers=st.lists(random_actors(), min_size=1, max_size=6))
def test_whoever_reads_a_limited_guardian_never_sees_a_hidden_row(readers: list[Actor]) -> None:
    """Random reads and log reads: a limited guardian's access log holds no row the view hides."""
    engine, case_id = _limited_case()
    for reader in readers:
        try:
            engine.view(case_id, reader)
            engine.access_log(case_id, reader)
        except AccessDenied:
            pass
    rows = engine.access_log(case_id, GUARDIAN)
    hidden_acts = {"action:add_document", "action:record_minutes"}
    assert not [r for r in rows if r.actor == CHILD.id and r.role == "child"]
    assert not [r for r in rows if r.what in hidden_acts]
    assert len(rows) < len(engine.store.access_log(case_id))
