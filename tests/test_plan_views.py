"""The new records (goals, measures revised and ended, the responsibility group, the individual
plan's coordinator, a child coordinator applied for) in the family's view, the case page and the
timeline, in the guide's language (bokmål and nynorsk)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from casekit import ADVISER, GUARDIAN, NURSE, TEACHER, make_engine, to_level_3

from btiflow.engine import Engine
from btiflow.render.casepage import case_page
from btiflow.timeline import timeline
from btiflow.views import FamilyView, family_view, render_family


def _case(engine: Engine) -> str:
    clock = engine.clock
    case = to_level_3(engine)
    engine.act(case.id, "complete_step", TEACHER)
    at = clock.now + dt.timedelta(days=1)  # type: ignore[attr-defined]
    engine.act(case.id, "schedule_meeting", TEACHER, kind="planning", at=at)
    engine.act(case.id, "hold_meeting", TEACHER, meeting="m3", child_took_part=True)
    engine.act(case.id, "set_goal", TEACHER, text="Møter på skolen hver dag")
    engine.act(
        case.id, "agree_measures", TEACHER, meeting="m3", next_evaluation="2026-10-10",
        measures=[
            {"what": "Skyss til skolen", "responsible": "Lærer A", "goal": "g1"},
            {"what": "Samtaler med helsesykepleier", "responsible": "Helsesykepleier E"},
        ],
    )  # fmt: skip
    engine.act(case.id, "revise_measure", TEACHER, measure="t2", by_date="2026-10-01",
               reason="Ny plan")  # fmt: skip
    engine.act(case.id, "end_measure", TEACHER, measure="t3", reason="Ikke lenger behov")
    members = [TEACHER.as_person(), NURSE.as_person(), GUARDIAN.as_person()]
    engine.act(case.id, "form_responsibility_group", TEACHER, members=members)
    engine.act(case.id, "start_individual_plan", TEACHER, coordinator=ADVISER)
    engine.act(case.id, "apply_child_coordinator", TEACHER)
    return case.id


@pytest.mark.parametrize(
    ("guide", "ended", "revised"),
    [("bti", "avsluttet", "endret"), ("nore-og-uvdal", "avslutta", "endra")],
)
def test_the_family_sees_the_plan_and_the_arrangements(
    tmp_path: Path, guide: str, ended: str, revised: str
) -> None:
    engine, _ = make_engine(tmp_path, guide)
    case_id = _case(engine)
    view = engine.view(case_id, GUARDIAN)
    assert isinstance(view, FamilyView)
    assert [g.text for g in view.goals] == ["Møter på skolen hver dag"]
    first = next(m for m in view.measures if m.what == "Skyss til skolen")
    assert first.goal == "Møter på skolen hver dag"
    assert first.by_date == "2026-10-01"
    assert any(m.ended for m in view.measures)
    assert [c.name for c in view.responsibility_group] == [
        TEACHER.name,
        NURSE.name,
        GUARDIAN.name,
    ]
    assert view.individual_plan
    assert view.coordinator is not None
    assert view.coordinator.name == ADVISER.name
    assert view.child_coordinator_applied
    text = render_family(view)
    assert "Ansvarsgruppe" in text
    assert "Koordinator for individuell plan" in text
    assert f"[{ended}]" in text
    case = engine.case(case_id)
    html = case_page(
        engine.workflow, view, case.step, printed=dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    )
    for words in ("Ansvarsgruppe", "Individuell plan", "barnekoordinator", "Møter på skolen"):
        assert words in html
    assert f"– {ended}" in html
    log = timeline(engine.log(case_id), engine.workflow)
    assert "Mål g1: Møter på skolen hver dag" in log
    assert f"Tiltak t2 {revised}: frist 01.10.2026 (Ny plan)" in log
    assert f"Tiltak t3 {ended} (Ikke lenger behov)" in log
    assert "Ansvarsgruppe: " in log
    assert "Individuell plan, koordinator: " in log
    assert "Søkt om barnekoordinator" in log


def test_what_guardians_may_not_see_hides_the_goals_and_the_group_too(tmp_path: Path) -> None:
    """From guardian_limit_age with measures and involved hidden, goals and the group go too."""
    engine, _ = make_engine(tmp_path)
    case_id = _case(engine)
    view = family_view(
        engine.workflow, engine.case(case_id), engine.log(case_id), hidden=("measures", "involved")
    )
    assert view.goals == ()
    assert view.measures == ()
    assert view.responsibility_group == ()
