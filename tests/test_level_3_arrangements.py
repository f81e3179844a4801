"""Level 3 step 3 (issue 12): a responsibility group with its members, an individual plan with
its coordinator, a child coordinator applied for; the case goes on with the coordinator named."""

from __future__ import annotations

from pathlib import Path

from casekit import (
    ADVISER,
    GUARDIAN,
    NURSE,
    PPT,
    TEACHER,
    make_engine,
    refuse,
    to_level_2,
    to_level_3,
)

from btiflow.access import may_see, relations
from btiflow.case.fold import fold, to_data
from btiflow.case.people import Person


def test_the_group_its_members_and_the_plan_are_recorded(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    case = to_level_3(engine)
    members = [TEACHER.as_person(), NURSE.as_person(), ADVISER.as_person(), GUARDIAN.as_person()]
    case = engine.act(case.id, "form_responsibility_group", TEACHER, members=members)
    assert [m.id for m in case.responsibility_group] == [m.id for m in members]
    refuse(engine, case.id, "form_responsibility_group", TEACHER, "group_unchanged",
           members=members)  # fmt: skip
    case = engine.act(case.id, "start_individual_plan", TEACHER, coordinator=ADVISER)
    assert case.individual_plan
    assert case.coordinator is not None
    assert case.coordinator.id == ADVISER.id
    assert case.is_open  # the case goes on, it is not closed to start again elsewhere
    assert case.baton_holder is not None
    assert case.baton_holder.id == TEACHER.id  # the baton stays where it was
    refuse(engine, case.id, "start_individual_plan", TEACHER, "already_coordinator",
           coordinator=ADVISER)  # fmt: skip
    case = engine.act(case.id, "apply_child_coordinator", TEACHER, note="Søknad sendt")
    assert case.child_coordinator_applied
    assert fold(engine.log(case.id)) == case
    # the coordinator works the case: leads meetings and writes minutes
    assert "plan_coordinator" in relations(engine.workflow, case, ADVISER, clock.today)
    engine.act(case.id, "schedule_meeting", ADVISER, kind="other", at=clock.now)


def test_the_baton_holder_may_be_the_coordinator(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    case = to_level_3(engine)
    case = engine.act(case.id, "start_individual_plan", TEACHER, coordinator=TEACHER)
    assert case.coordinator == case.baton_holder


def test_staff_named_must_be_of_a_unit_that_may_know(tmp_path: Path) -> None:
    """A coordinator or member from a service without consent is refused (rule 11); so is a
    coordinator's loss of consent: they lose sight of the case like anyone in their service."""
    engine, clock = make_engine(tmp_path)
    case = to_level_3(engine)
    stranger = Person("bup-h", "Behandler H", "BUP")
    refuse(engine, case.id, "start_individual_plan", TEACHER, "consent_missing",
           coordinator=stranger)  # fmt: skip
    refuse(engine, case.id, "form_responsibility_group", TEACHER, "consent_missing",
           members=[stranger])  # fmt: skip
    case = engine.act(case.id, "start_individual_plan", TEACHER, coordinator=ADVISER)
    assert may_see(engine.workflow, case, ADVISER, clock.now)
    case = engine.act(case.id, "withdraw_consent", GUARDIAN, units=[PPT])
    assert not may_see(engine.workflow, case, ADVISER, clock.now)


def test_only_at_level_3_and_old_rows_unchanged(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    refuse(engine, case.id, "start_individual_plan", TEACHER, "not_at_level",
           coordinator=TEACHER)  # fmt: skip
    data = to_data(case)
    for key in ("responsibility_group", "individual_plan", "coordinator", "goals"):
        assert key not in data
