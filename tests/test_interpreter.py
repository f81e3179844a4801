"""The right to an interpreter ("rett til tolk"): the need is recorded for the child or a guardian,
whoever plans a meeting is told, and a held meeting records whether an interpreter was present."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casekit import GUARDIAN, TEACHER, make_engine, refuse, to_level_1
from test_case_page import _page

from btiflow.case.fold import to_data
from btiflow.case.kinds import body_data
from btiflow.timeline import timeline
from btiflow.views import FamilyView, InterpreterInfo, StaffView


def test_whoever_plans_a_meeting_is_told_who_needs_an_interpreter(tmp_path: Path) -> None:
    """A guardian's need (arabisk) is in the options for scheduling a meeting and in both views."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "record_interpreter_need", TEACHER, person=GUARDIAN.id, language="arabisk")
    engine.act(case.id, "record_interpreter_need", TEACHER, person="child", language="tigrinja")
    schedule = next(o for o in engine.options(case.id, TEACHER) if o.action == "schedule_meeting")
    assert schedule.allowed
    assert schedule.notes == (
        "Husk tolk: Foresatt C trenger tolk (arabisk).",
        "Husk tolk: barnet trenger tolk (tigrinja).",
    )
    staff = engine.view(case.id, TEACHER)
    assert isinstance(staff, StaffView)
    assert staff.family.interpreters == (
        InterpreterInfo("Foresatt C", "arabisk"),
        InterpreterInfo("barnet", "tigrinja"),
    )
    family = engine.view(case.id, GUARDIAN)
    assert isinstance(family, FamilyView)
    assert InterpreterInfo("Foresatt C", "arabisk") in family.interpreters
    assert "Foresatt C har rett til tolk: arabisk" in _page(engine, case.id)
    assert "Behov for tolk: barnet (tigrinja)" in timeline(engine.log(case.id), engine.workflow)


def test_a_later_need_for_the_same_person_replaces_the_earlier(tmp_path: Path) -> None:
    """Recording a new language for the same person keeps one need, the latest."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "record_interpreter_need", TEACHER, person="child", language="arabisk")
    case = engine.act(
        case.id, "record_interpreter_need", TEACHER, person="child", language="somali"
    )
    assert [(i.person, i.language) for i in case.interpreters] == [("child", "somali")]


def test_an_interpreter_need_for_someone_outside_the_case_is_refused(tmp_path: Path) -> None:
    """Only the child or one of the case's guardians can need an interpreter in the case."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    refuse(
        engine, case.id, "record_interpreter_need", TEACHER, "interpreter_for_whom",
        says="child", person="nabo-x", language="polsk",
    )  # fmt: skip


def test_a_held_meeting_records_whether_an_interpreter_was_present(tmp_path: Path) -> None:
    """hold_meeting's interpreter_present is in the meeting, the minutes and the timeline."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "record_interpreter_need", TEACHER, person=GUARDIAN.id, language="arabisk")
    engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)
    engine.act(case.id, "complete_step", TEACHER)
    case = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning",
        at=clock.now + dt.timedelta(days=1), invitees=[GUARDIAN.as_person()],
    )  # fmt: skip
    meeting = case.meetings[-1].id
    case = engine.act(
        case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=True,
        interpreter_present=True,
    )  # fmt: skip
    assert case.meeting(meeting).interpreter_present is True  # type: ignore[union-attr]
    engine.act(case.id, "record_minutes", TEACHER, meeting=meeting, text="Avtalt tiltak")
    assert "tolk til stede" in timeline(engine.log(case.id), engine.workflow)
    family = engine.view(case.id, GUARDIAN)
    assert isinstance(family, FamilyView)
    assert family.minutes[-1].interpreter_present is True
    assert "Tolk var til stede." in _page(engine, case.id)


def test_a_meeting_held_without_saying_stores_what_it_stored_before(tmp_path: Path) -> None:
    """Without interpreter_present the meeting_held entry and the meeting's state have no key."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)
    engine.act(case.id, "complete_step", TEACHER)
    case = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning", at=clock.now + dt.timedelta(days=1)
    )
    case = engine.act(
        case.id, "hold_meeting", TEACHER, meeting=case.meetings[-1].id, child_took_part=True
    )
    assert "interpreter_present" not in body_data(engine.log(case.id)[-1].body)
    assert "interpreter_present" not in to_data(case)["meetings"][-1]
    assert "interpreters" not in to_data(case)
