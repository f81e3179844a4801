"""The dead ends found in use (issue 12, "Defects found"): each path that got stuck or slipped
past a rule, and the way on the engine now gives."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml
from casekit import (
    COLLEAGUE,
    HEALTH,
    LEADER,
    NURSE,
    TEACHER,
    Clock,
    evaluate,
    make_engine,
    open_case,
    plan,
    refuse,
    to_level_1,
    to_level_2,
)

from btiflow.case.conditions import RECORD_CHECKS
from btiflow.case.people import Actor
from btiflow.engine import Engine
from btiflow.errors import Problem
from btiflow.workflow.load import check_workflow, load_workflow
from btiflow.workflow.schema import json_schema

R7 = "7 evaluation-within-limit"


# --- defect 1: the evaluation trap (rule 7) ----------------------------------------------------


def test_an_evaluation_is_recorded_at_the_evaluation_step_only(tmp_path: Path) -> None:
    """Recording the evaluation while measures are carried out is refused, so the date stays."""
    engine, clock = make_engine(tmp_path)
    case = plan(engine, to_level_1(engine).id)
    assert case.step == "n1-iverksett"
    case = engine.act(case.id, "schedule_meeting", TEACHER, kind="evaluation", at=clock.now)
    meeting = case.meetings[-1].id
    engine.act(case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=True)
    refuse(
        engine, case.id, "record_evaluation", TEACHER, "not_evaluation_step", rule=R7,
        says="Evaluer", meeting=meeting, experience="Bra", changes="Roligere", status="Nådd",
    )  # fmt: skip
    case = engine.case(case.id)
    assert case.next_evaluation_due is not None
    engine.act(case.id, "record_minutes", TEACHER, meeting=meeting, text="Referat")
    case = evaluate(engine, case.id)  # the way on: the evaluation step, as the guide has it
    assert case.step == "n1-avklar-behov"


# --- defect 2: the child's voice at every meeting that agrees measures (rule 9) -----------------

R9 = "9 child-voice"


def _other_meeting_without_the_child(tmp_path: Path) -> tuple[Engine, Clock, str]:
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)
    engine.act(case.id, "complete_step", TEACHER)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="other", at=clock.now)
    engine.act(case.id, "hold_meeting", TEACHER, meeting="m1", child_took_part=False)
    return engine, clock, case.id


def test_measures_agreed_without_the_childs_voice_are_refused(tmp_path: Path) -> None:
    """A meeting of kind 'other' without the child agrees no measures unless the voice is told."""
    engine, clock, case_id = _other_meeting_without_the_child(tmp_path)
    measures = [{"what": "Fast voksen i friminuttene", "responsible": TEACHER.id}]
    refuse(
        engine, case_id, "agree_measures", TEACHER, "child_voice_missing", rule=R9,
        meeting="m1", measures=measures, next_evaluation=clock.in_days(14),
    )  # fmt: skip
    engine.act(case_id, "record_minutes", TEACHER, meeting="m1", text="Referat")
    refuse(engine, case_id, "complete_step", TEACHER, "step_incomplete")
    case = engine.act(
        case_id, "agree_measures", TEACHER, meeting="m1", measures=measures,
        next_evaluation=clock.in_days(14), child_voice="Eleven fortalte hva som hjelper",
    )  # fmt: skip
    assert case.meeting("m1").child_voice  # type: ignore[union-attr]
    assert engine.act(case_id, "complete_step", TEACHER).step == "n1-iverksett"


def test_a_round_without_the_childs_voice_does_not_complete(tmp_path: Path) -> None:
    """'Skap felles forståelse' needs a meeting in the round where the child was heard."""
    engine, _, case_id = _other_meeting_without_the_child(tmp_path)
    assert not RECORD_CHECKS["child_voice"](engine.case(case_id))


# --- defect 6: a service has several people, each with their task -----------------------------


def test_a_second_professional_of_a_unit_joins_the_first(tmp_path: Path) -> None:
    """Another person of the same unit is added; the same person again gets the new task."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    engine.act(case.id, "involve_unit", TEACHER, unit=HEALTH, task="Samtaler", person=NURSE)
    doctor = Actor("lege-h", "employee", HEALTH, "Lege H")
    case = engine.act(
        case.id, "involve_unit", TEACHER, unit=HEALTH, task="Utredning", person=doctor
    )
    people = {(i.person.id if i.person else None, i.task) for i in case.involved}
    assert {(NURSE.id, "Samtaler"), ("lege-h", "Utredning")} <= people
    case = engine.act(case.id, "involve_unit", TEACHER, unit=HEALTH, task="Vekt", person=NURSE)
    tasks = {i.person.id: i.task for i in case.involved if i.person}
    assert tasks == {NURSE.id: "Vekt", "lege-h": "Utredning"}
    assert case.units_involved() == (HEALTH,)


# --- defect 3: level 0 may close without telling the guardians (rules 1 and 3) ----------------


def _at_guardian_step(engine: Engine, *, harm: bool = False) -> str:
    case = open_case(engine, suspected_harm=harm)
    engine.act(case.id, "complete_step", TEACHER)
    engine.act(case.id, "inform_leader", TEACHER, leader=LEADER.id)
    case = engine.act(case.id, "complete_step", TEACHER)
    assert case.step == "n0-del-med-foresatte"
    return case.id


def test_level_0_closes_without_telling_the_guardians_with_the_reason(tmp_path: Path) -> None:
    """After the leader, the concern need not go to the guardians: the reason is recorded."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    refuse(
        engine, case.id, "withhold_from_guardians", TEACHER, "leader_before_guardians",
        reason="Bekymringen ble avklart med leder",
    )  # fmt: skip
    case_id = _at_guardian_step(engine)
    refuse(engine, case_id, "withhold_from_guardians", TEACHER, "invalid_input")
    case = engine.act(
        case_id, "withhold_from_guardians", TEACHER, reason="Avklart i samtale med leder"
    )
    assert case.guardians_not_informed == "Avklart i samtale med leder"
    assert not case.guardians_informed
    engine.act(case_id, "complete_step", TEACHER)
    engine.act(case_id, "complete_step", TEACHER)
    case = engine.act(case_id, "decide", TEACHER, outcome="close", reason="Ingen grunn til mer")
    assert not case.is_open
    assert "guardians_not_informed" in [e.kind for e in engine.log(case_id)]


def test_talking_with_the_child_counts_for_the_guardian_step(tmp_path: Path) -> None:
    """'Foresatte/barn': the step is done when the child (at a suitable age) was talked with."""
    engine, _ = make_engine(tmp_path)
    case_id = _at_guardian_step(engine)
    engine.act(case_id, "inform_child", TEACHER, note="Undringssamtale med eleven")
    assert engine.act(case_id, "complete_step", TEACHER).step == "n0-grunn-til-oppfolging"


# --- defect 4: suspected harm, child welfare advises not to tell (rule 2) ----------------------

R2 = "2 child-welfare-first"


def test_advice_not_to_tell_guardians_is_kept_and_the_case_closes(tmp_path: Path) -> None:
    """Child welfare advises not to tell; a report is sent; the case closes, guardians untold."""
    engine, _ = make_engine(tmp_path)
    case_id = _at_guardian_step(engine, harm=True)
    case = engine.act(
        case_id, "consult_child_welfare", TEACHER, advice="Send bekymringsmelding",
        tell_guardians=False,
    )  # fmt: skip
    assert case.advised_not_to_tell
    refuse(
        engine, case_id, "inform_guardians", TEACHER, "child_welfare_advised_not_to_tell", rule=R2
    )
    refuse(engine, case_id, "inform_child", TEACHER, "child_welfare_advised_not_to_tell", rule=R2)
    case = engine.act(case_id, "send_report", TEACHER, note="Sendt av rektor")
    assert case.report_sent
    engine.act(case_id, "complete_step", TEACHER)
    engine.act(case_id, "complete_step", TEACHER)
    case = engine.act(
        case_id,
        "decide",
        TEACHER,
        outcome="close",
        reason="Bekymringsmelding sendt til barnevernet",
    )
    assert not case.is_open
    assert not case.guardians_informed
    kinds = [e.kind for e in engine.log(case_id)]
    assert kinds.index("child_welfare_consulted") < kinds.index("report_sent")


def test_later_advice_may_allow_telling_the_guardians(tmp_path: Path) -> None:
    """A new consultation that allows telling them lifts the hold."""
    engine, _ = make_engine(tmp_path)
    case_id = _at_guardian_step(engine, harm=True)
    engine.act(case_id, "consult_child_welfare", TEACHER, tell_guardians=False)
    engine.act(case_id, "consult_child_welfare", TEACHER, tell_guardians=True)
    assert engine.act(case_id, "inform_guardians", TEACHER).guardians_informed


# --- defect 5: an absent baton holder's baton can be offered on (rules 4 and 5) ----------------

COORDINATOR = Actor("bti-koord-h", "coordinator", "Kommunen", "BTI-koordinator H")


def test_the_holders_line_manager_offers_the_baton_on(tmp_path: Path) -> None:
    """The holder is ill: their line manager offers the baton on, with why; the holder keeps it
    until the new holder accepts, and the log says who offered it."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    refuse(engine, case.id, "offer_baton", LEADER, "offer_reason_required", to=COLLEAGUE)
    case = engine.act(case.id, "offer_baton", LEADER, to=COLLEAGUE, reason="Lærer A er sykmeldt")
    assert case.baton_holder == TEACHER.as_person()
    offered = engine.log(case.id)[-1]
    assert (offered.kind, offered.actor) == ("baton_offered", LEADER.id)
    assert offered.data["reason"] == "Lærer A er sykmeldt"
    case = engine.act(case.id, "accept_baton", COLLEAGUE)
    assert case.baton_holder == COLLEAGUE.as_person()


def test_the_bti_coordinator_offers_the_baton_on(tmp_path: Path) -> None:
    """The municipality's BTI coordinator may offer the baton on when the holder has left."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    case = engine.act(case.id, "offer_baton", COORDINATOR, to=COLLEAGUE, reason="Har sluttet")
    assert case.baton_offer == COLLEAGUE.as_person()
    case = engine.act(case.id, "withdraw_baton_offer", COORDINATOR)
    assert case.baton_offer is None
    assert case.baton_holder == TEACHER.as_person()


def test_a_leader_of_another_unit_cannot_offer_the_baton(tmp_path: Path) -> None:
    """Only the holder's own line manager: a leader elsewhere is refused, nothing written."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    other = Actor("leder-i", "leader", HEALTH, "Leder I")
    refuse(engine, case.id, "offer_baton", other, "not_permitted", to=COLLEAGUE, reason="Syk")


# --- defect 7: the loader's hints ----------------------------------------------------------------

OVERLAY = 'format: btiflow/1\nextends: bti\nid: testkommune\nversion: "2026.1"\n'


def _problems(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "testkommune.yaml"
    path.write_text(text, encoding="utf-8")
    workflow, problems = check_workflow(path)
    assert workflow is None
    return list(problems)


def test_no_as_a_language_suggests_bokmaal_or_nynorsk(tmp_path: Path) -> None:
    """'no' is not a language code here: the hint names nb (bokmål) and nn (nynorsk)."""
    problems = _problems(tmp_path, OVERLAY + "title:\n  no: Testkommunens veileder\n")
    assert len(problems) == 1
    assert problems[0].code == "unknown_language"
    assert "mente du nb (bokmål) eller nn (nynorsk)?" in problems[0].hint


def test_languages_no_is_one_clear_problem(tmp_path: Path) -> None:
    """`languages: [no]` gives one problem, on the code, with the same hint."""
    problems = _problems(tmp_path, OVERLAY + "languages: [no]\n")
    assert len(problems) == 1, problems
    assert problems[0].code == "not_allowed"
    assert "mente du nb (bokmål) eller nn (nynorsk)?" in problems[0].hint


def test_an_unquoted_version_is_fine_for_the_loader_and_the_schema(tmp_path: Path) -> None:
    """`version: 2026.10` unquoted: the loader keeps the text; an editor's schema accepts it."""
    text = OVERLAY.replace('version: "2026.1"', "version: 2026.10")
    path = tmp_path / "testkommune.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_workflow(path).version == "2026.10"
    tree = yaml.safe_load(text)  # as an editor's YAML reads it: the number 2026.1
    validator = jsonschema.Draft202012Validator(json_schema())
    assert [e.message for e in validator.iter_errors(tree)] == []
