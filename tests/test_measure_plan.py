"""The measure plan (issue 12): goals as data, measures tied to goals with who is responsible and
their own deadline, the evaluation per goal, and measures revised or ended, each as an entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casekit import (
    GUARDIAN,
    TEACHER,
    make_engine,
    refuse,
    to_level_1,
)

from btiflow.case.fold import fold, to_data
from btiflow.engine import Engine


def _planned(engine: Engine) -> str:
    """A case at level 1 with a goal, a planning meeting and two measures, one tied to it."""
    case = to_level_1(engine)
    engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)
    engine.act(case.id, "complete_step", TEACHER)
    clock = engine.clock
    case = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning",
        at=clock.now + dt.timedelta(days=1),  # type: ignore[attr-defined]
    )  # fmt: skip
    engine.act(case.id, "hold_meeting", TEACHER, meeting="m1", child_took_part=True)
    case = engine.act(case.id, "set_goal", TEACHER, text="Trives i friminuttene", meeting="m1")
    assert [(g.id, g.text, g.level) for g in case.goals] == [("g1", "Trives i friminuttene", 1)]
    engine.act(
        case.id, "agree_measures", TEACHER, meeting="m1", next_evaluation="2026-09-20",
        measures=[
            {"what": "Fast voksen i friminuttene", "responsible": "Lærer A", "goal": "g1",
             "by_date": "2026-09-15"},
            {"what": "Samtale hjemme hver uke", "responsible": "Foresatte"},
        ],
    )  # fmt: skip
    return case.id


def test_measures_serve_goals_with_responsible_and_own_deadline(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    case = engine.case(_planned(engine))
    first, second = case.measures
    assert (first.goal, first.responsible, first.by_date) == ("g1", "Lærer A", "2026-09-15")
    assert (second.goal, second.by_date) == (None, None)
    refuse(
        engine, case.id, "agree_measures", TEACHER, "unknown_goal", meeting="m1",
        next_evaluation="2026-09-20", measures=[{"what": "X", "responsible": "Y", "goal": "g7"}],
    )  # fmt: skip


def test_a_measure_is_revised_and_ended_by_entries(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    case_id = _planned(engine)
    case = engine.act(
        case_id, "revise_measure", TEACHER, measure="t2", responsible="Mor",
        by_date="2026-09-30", reason="Far er bortreist",
    )  # fmt: skip
    revised = case.measure("t2")
    assert revised is not None
    assert (revised.responsible, revised.by_date, revised.revisions) == ("Mor", "2026-09-30", 1)
    refuse(engine, case_id, "revise_measure", TEACHER, "measure_unchanged", measure="t2",
           responsible="Mor")  # fmt: skip
    refuse(engine, case_id, "revise_measure", TEACHER, "unknown_measure", measure="t9", what="X")
    case = engine.act(case_id, "end_measure", TEACHER, measure="t1", reason="Nådd")
    ended = case.measure("t1")
    assert ended is not None
    assert ended.ended
    refuse(engine, case_id, "end_measure", TEACHER, "measure_ended", measure="t1")
    refuse(engine, case_id, "revise_measure", GUARDIAN, "not_permitted", measure="t2", what="X")
    engine.act(case_id, "end_measure", TEACHER, measure="t2")
    refuse(engine, case_id, "end_measure", TEACHER, "no_running_measures", measure="t2")
    kinds = [e.kind for e in engine.log(case_id)]
    assert kinds.count("measure_revised") == 1
    assert kinds.count("measure_ended") == 2
    assert fold(engine.log(case_id)) == engine.case(case_id)


def test_the_evaluation_says_per_goal_how_it_went(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    case_id = _planned(engine)
    engine.act(case_id, "record_minutes", TEACHER, meeting="m1", text="Referat")
    engine.act(case_id, "complete_step", TEACHER)
    engine.act(case_id, "complete_step", TEACHER)
    clock.advance(days=14)
    engine.act(case_id, "schedule_meeting", TEACHER, kind="evaluation", at=clock.now)
    engine.act(case_id, "hold_meeting", TEACHER, meeting="m2", child_took_part=True)
    evaluation = {
        "meeting": "m2", "experience": "Bedre", "changes": "Mer med i lek", "status": "Delvis",
    }  # fmt: skip
    refuse(engine, case_id, "record_evaluation", TEACHER, "unknown_goal", **evaluation,
           goals=[{"goal": "g5", "status": "reached"}])  # fmt: skip
    refuse(engine, case_id, "record_evaluation", TEACHER, "invalid_input", **evaluation,
           goals=[{"goal": "g1", "status": "kanskje"}])  # fmt: skip
    case = engine.act(
        case_id, "record_evaluation", TEACHER, **evaluation,
        goals=[{"goal": "g1", "status": "partly", "note": "Bedre på tirsdager"}],
    )  # fmt: skip
    (goal,) = case.goals
    assert (goal.status, goal.note) == ("partly", "Bedre på tirsdager")


def test_a_plan_without_goals_keeps_old_state_rows(tmp_path: Path) -> None:
    """Measures without a goal, never revised, are stored as before (no new keys)."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    data = to_data(engine.case(case.id))
    assert "goals" not in data
    case_id = _planned(engine)
    data = to_data(engine.case(case_id))
    assert "goal" not in data["measures"][1]
    assert "ended" not in data["measures"][1]
    assert "revisions" not in data["measures"][1]
