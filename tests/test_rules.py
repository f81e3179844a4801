"""The 14 rules of the BTI model as the engine enforces them: each allowed path, each refused path
with its code, rule and a message a user understands, and nothing written when refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from casekit import (
    ADVISER,
    CHILD,
    COLLEAGUE,
    GUARDIAN,
    HEALTH,
    LEADER,
    NURSE,
    PPT,
    SCHOOL,
    TEACHER,
    WISH,
    evaluate,
    make_engine,
    open_case,
    plan,
    refuse,
    to_level_0_decision,
    to_level_1,
    to_level_1_decision,
    to_level_2,
    to_level_3,
    to_level_3_decision,
    unchanged,
    workflow,
)

from btiflow.case.actions import ACTIONS
from btiflow.case.conditions import CONDITION_CHECKS
from btiflow.case.consent import RELAY_LOG
from btiflow.case.kinds import CaseClosed, LevelChanged, MeasuresAgreed
from btiflow.case.people import Actor
from btiflow.workflow.load import load_workflow

R1 = "1 leader-before-guardians"
R2 = "2 child-welfare-first"
R3 = "3 close-at-level-0"
R4 = "4 one-baton-holder"
R5 = "5 baton-kept-until-accepted"
R6 = "6 baton-at-level-change"
R7 = "7 evaluation-within-limit"
R8 = "8 minutes"
R9 = "9 child-voice"
R10 = "10 evaluation-outcome"
R11 = "11 consent"
R12 = "12 documentation"
R13 = "13 level-3-rights"


def overlay(tmp_path: Path, body: str, name: str = "testkommune") -> Path:
    """A municipality's guide in ``tmp_path`` that extends the standard one."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f'format: btiflow/1\nextends: bti\nid: {name}\nversion: "2026.1"\n{body}',
        encoding="utf-8",
    )
    return path


# --- rule 1: the line manager before guardians or the child ------------------------------------


def test_guardians_told_before_the_leader_is_refused(tmp_path: Path) -> None:
    """Telling guardians before the line manager is refused, naming rule 1, and writes nothing."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    refuse(
        engine, case.id, "inform_guardians", TEACHER, "leader_before_guardians",
        rule=R1, says="nærmeste leder",
    )  # fmt: skip
    assert not engine.case(case.id).guardians_informed


def test_child_told_before_the_leader_is_refused(tmp_path: Path) -> None:
    """Telling the child before the line manager is refused under rule 1 as well."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    refuse(
        engine, case.id, "inform_child", TEACHER, "leader_before_guardians",
        rule=R1, says="barnet",
    )  # fmt: skip


def test_guardians_and_child_told_after_the_leader(tmp_path: Path) -> None:
    """Once the line manager is told, guardians and child may be told."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    engine.act(case.id, "inform_leader", TEACHER, leader=LEADER.id)
    engine.act(case.id, "inform_guardians", TEACHER)
    case = engine.act(case.id, "inform_child", TEACHER)
    assert case.leader_informed
    assert case.guardians_informed
    assert case.child_informed
    kinds = [e.kind for e in engine.log(case.id)]
    assert kinds.index("leader_informed") < kinds.index("guardians_informed")


def test_the_guardian_step_cannot_be_completed_before_the_leader_step(tmp_path: Path) -> None:
    """Level 0's steps come in order: step 1 needs the concern, step 2 the leader told."""
    engine, _ = make_engine(tmp_path)
    case = engine.open_case("elev-0042", TEACHER)  # no concern yet
    refuse(engine, case.id, "complete_step", TEACHER, "step_incomplete", says="bekymring")
    engine.act(case.id, "record_concern", TEACHER, description="Sover i timene")
    case = engine.act(case.id, "complete_step", TEACHER)
    assert case.step == "n0-del-med-leder"
    refuse(engine, case.id, "complete_step", TEACHER, "step_incomplete", says="nærmeste leder")


def test_nynorsk_guide_refuses_in_nynorsk(tmp_path: Path) -> None:
    """A case on Nore og Uvdal's guide (nn) gets the refusal in nynorsk."""
    engine, _ = make_engine(tmp_path, "nore-og-uvdal")
    case = open_case(engine)
    refused = refuse(
        engine, case.id, "inform_guardians", TEACHER, "leader_before_guardians",
        rule=R1, says="næraste leiar",
    )  # fmt: skip
    assert "nærmeste" not in refused.reasons[0].message


# --- rule 2: suspected violence, abuse or neglect ----------------------------------------------


def test_suspected_harm_needs_child_welfare_before_guardians(tmp_path: Path) -> None:
    """With suspected harm, guardians cannot be told until child welfare has been consulted."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine, suspected_harm=True)
    engine.act(case.id, "inform_leader", TEACHER, leader=LEADER.id)
    refused = refuse(
        engine, case.id, "inform_guardians", TEACHER, "child_welfare_first",
        rule=R2, says="barneverntjenesten anonymt",
    )  # fmt: skip
    assert [r.code for r in refused.reasons] == ["child_welfare_first"]
    engine.act(case.id, "consult_child_welfare", TEACHER, advice="Drøftet anonymt")
    assert engine.act(case.id, "inform_guardians", TEACHER).guardians_informed


def test_suspected_harm_without_leader_gives_both_reasons(tmp_path: Path) -> None:
    """Telling guardians first in a harm case lists both rule 1 and rule 2."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine, suspected_harm=True)
    refused = refuse(engine, case.id, "inform_guardians", TEACHER, "child_welfare_first", rule=R2)
    assert [r.rule for r in refused.reasons] == [R1, R2]


def test_harm_recorded_later_also_blocks_guardians(tmp_path: Path) -> None:
    """Suspected harm recorded with the concern (not at opening) also puts child welfare first."""
    engine, _ = make_engine(tmp_path)
    case = engine.open_case("elev-0042", TEACHER)
    engine.act(
        case.id, "record_concern", TEACHER, description="Blåmerker på armene", suspected_harm=True
    )
    engine.act(case.id, "inform_leader", TEACHER)
    refuse(engine, case.id, "inform_guardians", TEACHER, "child_welfare_first", rule=R2)


def test_no_suspected_harm_needs_no_child_welfare(tmp_path: Path) -> None:
    """Without suspected harm, guardians may be told once the leader knows."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    engine.act(case.id, "inform_leader", TEACHER)
    case = engine.act(case.id, "inform_guardians", TEACHER)
    assert case.guardians_informed
    assert not case.child_welfare_consulted


def test_child_welfare_advice_shows_at_the_first_step() -> None:
    """The guide's first step advises contacting child welfare anonymously when harm is suspected,
    and the guardians' step repeats it when the case has suspected harm."""
    wf = workflow("bti")
    first = wf.levels[0].steps[0]
    texts = [a.text.get("nb") for a in first.advice if a.when is None]
    assert any("barneverntjenesten anonymt" in t for t in texts)
    _, guardians = wf.find_step("n0-del-med-foresatte")
    gated = [a for a in guardians.advice if a.when == "suspected_harm"]
    assert gated
    assert "før du deler bekymringen med foresatte" in gated[0].text.get("nb")
    assert "child_welfare_consulted_if_suspected_harm" in guardians.requires


def test_harm_advice_condition_holds_for_the_case(tmp_path: Path) -> None:
    """The advice's condition (suspected_harm) holds for a harm case and not for another."""
    engine, _ = make_engine(tmp_path)
    harm = open_case(engine, suspected_harm=True)
    plain = open_case(engine, subject="elev-0043")
    assert CONDITION_CHECKS["suspected_harm"](engine.case(harm.id))
    assert not CONDITION_CHECKS["suspected_harm"](engine.case(plain.id))


# --- rule 3: a case may end at level 0 ---------------------------------------------------------


def test_close_at_level_0_with_a_reason(tmp_path: Path) -> None:
    """At level 0's decision step the case closes with a recorded reason."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="close", reason="Forbigående; foresatte forklarte"
    )
    assert case.status == "closed"
    assert case.closed_at is not None
    assert engine.log(case.id)[-1].body_as(CaseClosed).reason == "Forbigående; foresatte forklarte"


def test_close_at_level_0_without_a_reason_is_refused(tmp_path: Path) -> None:
    """Closing at level 0 without saying why is refused under rule 3."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    refuse(
        engine, case.id, "decide", TEACHER, "close_reason_required",
        rule=R3, says="ikke er grunn", outcome="close",
    )  # fmt: skip


def test_deciding_before_the_decision_step_is_refused(tmp_path: Path) -> None:
    """The decision is made at the level's decision step, not at step 1."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "not_a_decision_step",
        says="Avklar behov for videre oppfølging", outcome="close", reason="Ingen grunn",
    )  # fmt: skip


# --- rule 4: exactly one baton holder from level 1 ---------------------------------------------


def test_expanding_to_level_1_appoints_the_baton_holder(tmp_path: Path) -> None:
    """The 0 → 1 expansion appoints the named baton holder at once."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    assert engine.case(case.id).baton_holder is None
    case = to_level_1(engine, holder=COLLEAGUE)
    assert case.level == 1
    assert case.step == "n1-kontaktperson"
    assert case.baton_holder == COLLEAGUE.as_person()
    assert case.baton_offer is None


def test_expanding_to_level_1_without_a_baton_holder_is_refused(tmp_path: Path) -> None:
    """Going to level 1 without naming a baton holder is refused under rule 4."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    refuse(
        engine, case.id, "decide", TEACHER, "baton_holder_required",
        rule=R4, says="stafettholder", outcome="expand", to_level=1, family_wish=WISH,
    )  # fmt: skip


def test_baton_holder_from_another_unit_needs_consent_at_level_1(tmp_path: Path) -> None:
    """Appointing a holder in another unit at 0 → 1 needs consent covering that unit."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    refuse(
        engine, case.id, "decide", TEACHER, "baton_unit_without_consent", rule=R11,
        says=HEALTH, outcome="expand", to_level=1, family_wish=WISH, baton_holder=NURSE,
    )  # fmt: skip
    engine.act(case.id, "give_consent", GUARDIAN, units=[RELAY_LOG, HEALTH])
    case = engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=1, family_wish=WISH,
        baton_holder=NURSE,
    )  # fmt: skip
    assert case.baton_holder == NURSE.as_person()


def test_there_is_always_one_baton_holder_from_level_1_until_closed(tmp_path: Path) -> None:
    """Replaying the log of a case through levels 1, 2 and 3 never finds a moment without one."""
    engine, _ = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=NURSE)
    engine.act(case.id, "accept_baton", NURSE)
    engine.act(case.id, "decide", NURSE, outcome="close", changes="Trives", agreed="Avslutter")
    from btiflow.case.fold import apply

    state = None
    for entry in engine.log(case.id):
        state = apply(state, entry)
        if state.level >= 1 and state.is_open:
            assert state.baton_holder is not None, entry
    assert state is not None
    assert state.status == "closed"


# --- rule 5: the baton is kept until accepted --------------------------------------------------


def test_baton_moves_when_the_offered_person_accepts(tmp_path: Path) -> None:
    """An offer leaves the holder in place; acceptance by the offered person moves the baton."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    case = engine.act(case.id, "offer_baton", TEACHER, to=COLLEAGUE)
    assert case.baton_holder == TEACHER.as_person()
    assert case.baton_offer == COLLEAGUE.as_person()
    case = engine.act(case.id, "accept_baton", COLLEAGUE)
    assert case.baton_holder == COLLEAGUE.as_person()
    assert case.baton_offer is None


def test_only_the_offered_person_can_accept(tmp_path: Path) -> None:
    """Someone else accepting the offer is refused; the holder keeps the baton."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=COLLEAGUE)
    refuse(
        engine, case.id, "accept_baton", LEADER, "not_permitted",
        rule="actor", says="den som har fått tilbudet",
    )  # fmt: skip
    refuse(engine, case.id, "decline_baton", TEACHER, "not_permitted", rule="actor")


def test_declined_offer_changes_nothing(tmp_path: Path) -> None:
    """A declined offer is recorded and the holder keeps the baton."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=COLLEAGUE)
    case = engine.act(case.id, "decline_baton", COLLEAGUE, reason="Har for mange saker")
    assert case.baton_holder == TEACHER.as_person()
    assert case.baton_offer is None
    assert engine.log(case.id)[-1].kind == "baton_declined"
    # no offer, and the colleague (not holder, not opener) does not see the case
    refuse(engine, case.id, "accept_baton", COLLEAGUE, "not_permitted", rule="actor")
    refuse(engine, case.id, "accept_baton", TEACHER, "no_baton_offer", rule=R5)


def test_withdrawn_offer_changes_nothing(tmp_path: Path) -> None:
    """The holder may withdraw an offer; the holder keeps the baton and it can no longer be
    accepted."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=COLLEAGUE)
    refuse(engine, case.id, "withdraw_baton_offer", COLLEAGUE, "not_permitted", rule="actor")
    case = engine.act(case.id, "withdraw_baton_offer", TEACHER)
    assert case.baton_holder == TEACHER.as_person()
    assert case.baton_offer is None
    refuse(engine, case.id, "accept_baton", TEACHER, "no_baton_offer", says="tilbud")


def test_a_second_offer_while_one_is_pending_is_refused(tmp_path: Path) -> None:
    """A new offer while one is open is refused; the first offer stands."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=COLLEAGUE)
    refuse(
        engine, case.id, "offer_baton", TEACHER, "baton_offer_pending",
        rule=R5, says="allerede tilbudt", to=LEADER,
    )  # fmt: skip
    assert engine.case(case.id).baton_offer == COLLEAGUE.as_person()


def test_only_the_holder_offers_and_not_to_themselves(tmp_path: Path) -> None:
    """Offering the baton is the holder's; offering it to the holder is refused."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    refuse(
        engine, case.id, "offer_baton", COLLEAGUE, "not_permitted",
        rule="actor", says="bare stafettholderen", to=COLLEAGUE,
    )  # fmt: skip
    refuse(
        engine, case.id, "offer_baton", TEACHER, "already_baton_holder",
        rule=R5, says="allerede stafettholder", to=TEACHER,
    )  # fmt: skip


def test_accepting_into_a_unit_without_consent_is_refused(tmp_path: Path) -> None:
    """The baton cannot go to another unit before consent covers it; with consent it can."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=NURSE)
    refuse(
        engine, case.id, "accept_baton", NURSE, "baton_unit_without_consent",
        rule=R11, says="Helsestasjonen er ikke involvert med samtykke",
    )  # fmt: skip
    engine.act(case.id, "give_consent", GUARDIAN, units=[HEALTH])
    assert engine.act(case.id, "accept_baton", NURSE).baton_holder == NURSE.as_person()


# --- rule 6: the baton at each change of level, with the family --------------------------------


def test_level_change_needs_the_familys_wish(tmp_path: Path) -> None:
    """Expanding without recording the family's wish is refused under rule 6."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "family_wish_required",
        rule=R6, says="familien", outcome="expand", to_level=2,
    )  # fmt: skip


def test_level_0_to_1_also_needs_the_familys_wish(tmp_path: Path) -> None:
    """The first change of level records the family's wish too."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    refuse(
        engine, case.id, "decide", TEACHER, "family_wish_required",
        rule=R6, outcome="expand", to_level=1, baton_holder=TEACHER,
    )  # fmt: skip


def test_a_new_holder_at_level_change_is_an_offer(tmp_path: Path) -> None:
    """Naming another holder when expanding makes an offer; the old holder keeps the baton."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=2,
        family_wish="Familien ønsker helsesykepleieren", baton_holder=NURSE,
    )  # fmt: skip
    assert case.level == 2
    assert case.baton_holder == TEACHER.as_person()
    assert case.baton_offer == NURSE.as_person()
    entry = engine.log(case.id)[-1]
    assert entry.body_as(LevelChanged).family_wish == "Familien ønsker helsesykepleieren"


def test_the_same_holder_at_level_change_keeps_it_without_offer(tmp_path: Path) -> None:
    """Naming the current holder when expanding keeps the baton with no offer."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=2, family_wish=WISH,
        baton_holder=TEACHER,
    )  # fmt: skip
    assert case.baton_holder == TEACHER.as_person()
    assert case.baton_offer is None


# --- rule 7: an evaluation within the limit ----------------------------------------------------


def _at_planning(tmp_path: Path, wf: str | Path = "bti", level: int = 1):  # type: ignore[no-untyped-def]
    """A case with a planning meeting held at ``level``; returns (engine, clock, case, meeting)."""
    engine, clock = make_engine(tmp_path, load_workflow(wf) if isinstance(wf, Path) else wf)
    if level == 1:
        case = to_level_1(engine)
        engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)
    else:
        case = to_level_2(engine)
    engine.act(case.id, "complete_step", TEACHER)
    case = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning", at=clock.now + dt.timedelta(days=1)
    )
    meeting = case.meetings[-1].id
    engine.act(case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=True)
    return engine, clock, engine.case(case.id), meeting


MEASURES = [{"what": "Leksehjelp to dager i uken", "responsible": TEACHER.id}]


def test_measures_set_an_evaluation_within_four_weeks(tmp_path: Path) -> None:
    """Measures agreed with an evaluation 28 days ahead are accepted and the date is due."""
    engine, clock, case, meeting = _at_planning(tmp_path)
    case = engine.act(
        case.id, "agree_measures", TEACHER, meeting=meeting, measures=MEASURES,
        next_evaluation=clock.in_days(28),
    )  # fmt: skip
    assert case.next_evaluation_due == clock.in_days(28)
    assert [m.id for m in case.measures] == ["t1"]


def test_an_evaluation_later_than_four_weeks_needs_a_reason(tmp_path: Path) -> None:
    """A date past P4W is refused under rule 7 unless a delay reason is given."""
    engine, clock, case, meeting = _at_planning(tmp_path)
    latest = clock.in_days(28)
    refuse(
        engine, case.id, "agree_measures", TEACHER, "evaluation_too_late", rule=R7,
        says=f"innen P4W (senest {latest})", meeting=meeting, measures=MEASURES,
        next_evaluation=clock.in_days(29),
    )  # fmt: skip
    case = engine.act(
        case.id, "agree_measures", TEACHER, meeting=meeting, measures=MEASURES,
        next_evaluation=clock.in_days(42), delay_reason="Høstferie; PPT kan først om seks uker",
    )  # fmt: skip
    assert case.next_evaluation_due == clock.in_days(42)
    delay_reason = engine.log(case.id)[-1].body_as(MeasuresAgreed).delay_reason
    assert str(delay_reason).startswith("Høstferie")


def test_an_evaluation_date_in_the_past_is_refused(tmp_path: Path) -> None:
    """An evaluation date before today is refused, even with a delay reason."""
    engine, clock, case, meeting = _at_planning(tmp_path)
    yesterday = clock.in_days(-1)
    refuse(
        engine, case.id, "agree_measures", TEACHER, "evaluation_in_past", rule=R7,
        says=f"{yesterday} er passert", meeting=meeting, measures=MEASURES,
        next_evaluation=yesterday, delay_reason="Glemte det",
    )  # fmt: skip


def test_measures_need_an_evaluation_date(tmp_path: Path) -> None:
    """Agreeing measures without an evaluation date is refused as missing input."""
    engine, _, case, meeting = _at_planning(tmp_path)
    refused = refuse(
        engine, case.id, "agree_measures", TEACHER, "invalid_input", rule="input",
        says="next_evaluation", meeting=meeting, measures=MEASURES,
    )  # fmt: skip
    assert "den må fylles ut" in refused.reasons[0].message


def test_a_per_level_limit_from_the_municipalitys_guide(tmp_path: Path) -> None:
    """An overlay that sets P2W at level 2 refuses a 3-week date there, and keeps P4W at level 1."""
    path = overlay(tmp_path, "levels:\n  - level: 2\n    deadlines:\n      evaluation: P2W\n")
    engine, clock, case, meeting = _at_planning(tmp_path, path, level=2)
    assert case.level == 2
    assert case.workflow_id == "testkommune"
    refuse(
        engine, case.id, "agree_measures", TEACHER, "evaluation_too_late", rule=R7,
        says="innen P2W", meeting=meeting, measures=MEASURES, next_evaluation=clock.in_days(21),
    )  # fmt: skip
    case = engine.act(
        case.id, "agree_measures", TEACHER, meeting=meeting, measures=MEASURES,
        next_evaluation=clock.in_days(14),
    )  # fmt: skip
    assert case.next_evaluation_due == clock.in_days(14)
    # level 1 on the same guide still allows four weeks
    (tmp_path / "l1").mkdir()
    engine1, clock1, case1, meeting1 = _at_planning(tmp_path / "l1", path, level=1)
    case1 = engine1.act(
        case1.id, "agree_measures", TEACHER, meeting=meeting1, measures=MEASURES,
        next_evaluation=clock1.in_days(28),
    )  # fmt: skip
    assert case1.next_evaluation_due == clock1.in_days(28)


def test_continue_requires_the_next_evaluation_date(tmp_path: Path) -> None:
    """Continuing without the next evaluation date is refused; with one it returns to carrying
    out the measures."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "evaluation_date_required", rule=R7,
        says="evalueringsmøte", outcome="continue",
    )  # fmt: skip
    refuse(
        engine, case.id, "decide", TEACHER, "evaluation_too_late", rule=R7,
        outcome="continue", next_evaluation=clock.in_days(35),
    )  # fmt: skip
    refuse(
        engine, case.id, "decide", TEACHER, "evaluation_in_past", rule=R7,
        outcome="continue", next_evaluation=clock.in_days(-3),
    )  # fmt: skip
    case = engine.act(
        case.id, "decide", TEACHER, outcome="continue", next_evaluation=clock.in_days(21),
        agreed="Fortsetter med leksehjelp",
    )  # fmt: skip
    assert case.step == "n1-iverksett"
    assert case.next_evaluation_due == clock.in_days(21)


def test_rescheduling_later_needs_a_reason(tmp_path: Path) -> None:
    """Moving the evaluation past the limit needs a reason; with no measures there is none to
    move."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    refuse(
        engine, case.id, "reschedule_evaluation", TEACHER, "no_measures", rule=R7,
        next_evaluation=clock.in_days(7),
    )  # fmt: skip
    plan(engine, case.id)
    refuse(
        engine, case.id, "reschedule_evaluation", TEACHER, "evaluation_too_late", rule=R7,
        next_evaluation=clock.in_days(40),
    )  # fmt: skip
    case = engine.act(
        case.id, "reschedule_evaluation", TEACHER, next_evaluation=clock.in_days(40),
        reason="Foresatte er bortreist",
    )  # fmt: skip
    assert case.next_evaluation_due == clock.in_days(40)


# --- rule 8: minutes -----------------------------------------------------------------------------


def test_minutes_only_by_contact_person_or_baton_holder(tmp_path: Path) -> None:
    """Another employee cannot record minutes; the contact person (not holding the baton) can."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "appoint_contact_person", TEACHER, person=COLLEAGUE)
    engine.act(case.id, "complete_step", TEACHER)
    case = engine.act(case.id, "schedule_meeting", TEACHER, kind="other", at=clock.now)
    engine.act(case.id, "hold_meeting", TEACHER, meeting="m1", child_took_part=False)
    refuse(
        engine, case.id, "record_minutes", LEADER, "not_permitted",
        rule="actor", says="stafettholderen, kontaktpersonen og koordinatoren",
        meeting="m1", text="Referat",
    )  # fmt: skip
    refuse(
        engine, case.id, "record_minutes", GUARDIAN, "not_permitted", rule="actor",
        meeting="m1", text="Referat",
    )  # fmt: skip
    case = engine.act(case.id, "record_minutes", COLLEAGUE, meeting="m1", text="Referat")
    assert case.meeting("m1").minutes == "Referat"  # type: ignore[union-attr]
    refuse(
        engine, case.id, "record_minutes", TEACHER, "minutes_exist", rule=R8,
        meeting="m1", text="Nytt referat",
    )  # fmt: skip


def test_minutes_only_for_a_held_meeting(tmp_path: Path) -> None:
    """Minutes of a meeting not yet held (or unknown) are refused."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="planning", at=clock.now)
    refuse(engine, case.id, "record_minutes", TEACHER, "meeting_not_held", meeting="m1", text="R")
    refuse(engine, case.id, "record_minutes", TEACHER, "unknown_meeting", meeting="m9", text="R")


def test_evaluation_refused_while_an_earlier_meeting_lacks_minutes(tmp_path: Path) -> None:
    """An evaluation cannot be recorded while an earlier held meeting has no minutes."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="other", at=clock.now)
    engine.act(case.id, "hold_meeting", TEACHER, meeting="m2", child_took_part=False)
    engine.act(case.id, "complete_step", TEACHER)
    clock.advance(days=14)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="evaluation", at=clock.now)
    engine.act(case.id, "hold_meeting", TEACHER, meeting="m3", child_took_part=True)
    details = {"experience": "Bra", "changes": "Roligere", "status": "Nådd"}
    refuse(
        engine, case.id, "record_evaluation", TEACHER, "minutes_missing", rule=R8,
        says="Referat mangler for møtet m2", meeting="m3", **details,
    )  # fmt: skip
    engine.act(case.id, "record_minutes", TEACHER, meeting="m2", text="Samtale med foresatte")
    case = engine.act(case.id, "record_evaluation", TEACHER, meeting="m3", **details)
    assert case.evaluations == 1


def test_evaluation_only_from_an_evaluation_meeting(tmp_path: Path) -> None:
    """Recording the evaluation from a planning meeting is refused under rule 10."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id)
    engine.act(case.id, "complete_step", TEACHER)  # at the evaluation step
    refuse(
        engine, case.id, "record_evaluation", TEACHER, "not_evaluation_meeting", rule=R10,
        meeting="m1", experience="Bra", changes="Roligere", status="Nådd",
    )  # fmt: skip


# --- rule 9: the child's voice -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["planning", "evaluation"])
def test_child_voice_needed_when_the_child_is_absent(tmp_path: Path, kind: str) -> None:
    """A planning or evaluation meeting without the child needs how the child's voice came in."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "schedule_meeting", TEACHER, kind=kind, at=clock.now)
    refuse(
        engine, case.id, "hold_meeting", TEACHER, "child_voice_missing", rule=R9,
        says="barnets stemme", meeting="m1", child_took_part=False,
    )  # fmt: skip
    case = engine.act(
        case.id, "hold_meeting", TEACHER, meeting="m1", child_took_part=False,
        child_voice="Eleven skrev ned ønskene sine med kontaktlæreren",
    )  # fmt: skip
    assert case.meeting("m1").child_voice  # type: ignore[union-attr]


def test_child_voice_not_needed_when_the_child_takes_part(tmp_path: Path) -> None:
    """A meeting the child took part in, or another kind of meeting, needs no voice note."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="planning", at=clock.now)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="other", at=clock.now)
    engine.act(case.id, "hold_meeting", TEACHER, meeting="m1", child_took_part=True)
    case = engine.act(case.id, "hold_meeting", TEACHER, meeting="m2", child_took_part=False)
    assert all(m.held for m in case.meetings)
    refuse(
        engine, case.id, "hold_meeting", TEACHER, "meeting_already_held",
        meeting="m1", child_took_part=True,
    )  # fmt: skip


# --- rule 10: evaluation outcomes and expansion targets ----------------------------------------


def test_level_1_expands_to_2_or_3(tmp_path: Path) -> None:
    """From level 1 the guide allows expanding to level 2 and to level 3."""
    for target, step in ((2, "n2-kontakt-enheter"), (3, "n3-kontakt-instanser")):
        engine, _ = make_engine(tmp_path, db=f"l{target}.db")
        case = to_level_1_decision(engine)
        case = engine.act(
            case.id, "decide", TEACHER, outcome="expand", to_level=target, family_wish=WISH
        )
        assert (case.level, case.step) == (target, step)


@pytest.mark.parametrize("target", [0, 1, 4])
def test_level_1_cannot_expand_to_itself_or_lower(tmp_path: Path, target: int) -> None:
    """Expanding from level 1 to 1 (or 0, or a level that does not exist) is refused."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "outcome_not_allowed", rule=R10,
        says="tillatt: close, continue, expand to 2, expand to 3",
        outcome="expand", to_level=target, family_wish=WISH,
    )  # fmt: skip


def test_expand_without_a_target_is_refused(tmp_path: Path) -> None:
    """'expand' with no level is refused and lists the allowed outcomes."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "outcome_not_allowed", rule=R10,
        outcome="expand", family_wish=WISH,
    )  # fmt: skip


def test_level_2_expands_only_to_3(tmp_path: Path) -> None:
    """From level 2, expanding to 1 or 2 is refused; to 3 is allowed."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    plan(engine, case.id)
    evaluate(engine, case.id)
    for target in (1, 2):
        refuse(
            engine, case.id, "decide", TEACHER, "outcome_not_allowed", rule=R10,
            says="expand to 3", outcome="expand", to_level=target, family_wish=WISH,
        )  # fmt: skip
    case = engine.act(case.id, "decide", TEACHER, outcome="expand", to_level=3, family_wish=WISH)
    assert case.level == 3


def test_level_0_expands_only_to_1(tmp_path: Path) -> None:
    """From level 0 the guide allows only level 1 and closing."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    refuse(
        engine, case.id, "decide", TEACHER, "outcome_not_allowed", rule=R10,
        outcome="expand", to_level=2, family_wish=WISH, baton_holder=TEACHER,
    )  # fmt: skip
    refuse(
        engine, case.id, "decide", TEACHER, "outcome_not_allowed", rule=R10,
        outcome="continue", next_evaluation="2026-09-10",
    )  # fmt: skip


def test_the_decision_step_cannot_be_skipped_with_complete_step(tmp_path: Path) -> None:
    """A decision step is left only by deciding, not by completing it."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    refuse(engine, case.id, "complete_step", TEACHER, "decision_step", says="beslutning")


# --- rule 11: consent ----------------------------------------------------------------------------


def test_guardian_gives_consent_and_the_unit_can_be_involved(tmp_path: Path) -> None:
    """With a guardian's consent for the health station, it can be involved at level 2."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    case = engine.act(case.id, "decide", TEACHER, outcome="expand", to_level=2, family_wish=WISH)
    refuse(
        engine, case.id, "involve_unit", TEACHER, "consent_missing", rule=R11,
        says="Det er ikke gitt samtykke til å involvere Helsestasjonen",
        unit=HEALTH, task="Samtaler",
    )  # fmt: skip
    engine.act(case.id, "give_consent", GUARDIAN, units=[HEALTH])
    case = engine.act(case.id, "involve_unit", TEACHER, unit=HEALTH, task="Samtaler", person=NURSE)
    assert case.units_involved() == (HEALTH,)
    consent = case.consent_for(HEALTH)
    assert consent is not None
    assert consent.by == GUARDIAN.id
    assert consent.status == "given"


def test_consent_covers_only_the_named_units(tmp_path: Path) -> None:
    """Consent for the health station does not cover PPT."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    refuse(
        engine, case.id, "involve_unit", TEACHER, "consent_missing", rule=R11, says=PPT,
        unit=PPT, task="Utredning",
    )  # fmt: skip


def test_employees_cannot_consent_for_the_family(tmp_path: Path) -> None:
    """Consent given by an employee or a leader is refused under rule 11."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    for actor in (TEACHER, LEADER):
        refuse(
            engine, case.id, "give_consent", actor, "not_permitted", rule="actor",
            says="sakens foresatte, og ungdommen selv fra 15 år", units=[HEALTH],
        )  # fmt: skip


def test_young_person_consents_from_15_not_at_14(tmp_path: Path) -> None:
    """A young person aged 14 cannot consent alone; the day they turn 15 they can."""
    engine, clock = make_engine(tmp_path)
    case = open_case(engine, birth_date=dt.date(2011, 9, 2))  # 15 on 2026-09-02
    refuse(
        engine, case.id, "give_consent", CHILD, "not_permitted", rule="actor",
        says="15 år", units=[HEALTH],
    )  # fmt: skip
    clock.advance(days=1)
    case = engine.act(case.id, "give_consent", CHILD, units=[HEALTH])
    assert case.has_consent(HEALTH)
    assert case.consent_for(HEALTH).by == CHILD.id  # type: ignore[union-attr]


def test_young_person_without_a_known_birth_date_cannot_consent(tmp_path: Path) -> None:
    """Without a birth date the engine cannot tell the age, so the child's consent is refused."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    refuse(engine, case.id, "give_consent", CHILD, "not_permitted", units=[HEALTH])


def _tell_guardian(engine: Any, case_id: str) -> None:
    engine.act(case_id, "inform_leader", TEACHER, leader=LEADER.id)
    engine.act(case_id, "inform_guardians", TEACHER, guardians=[GUARDIAN.as_person()])


def test_a_guardian_cannot_consent_over_a_young_persons_refusal(tmp_path: Path) -> None:
    """A 17-year-old refuses consent for a unit: a guardian's consent for it is refused."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine, birth_date="2009-05-01")  # 17 years old
    _tell_guardian(engine, case.id)
    engine.act(case.id, "refuse_consent", CHILD, units=[HEALTH], reason="Vil ikke")
    refuse(
        engine, case.id, "give_consent", GUARDIAN, "young_person_decides", rule=R11,
        says="15 år", units=[HEALTH],
    )  # fmt: skip
    assert not engine.case(case.id).has_consent(HEALTH)


def test_a_guardian_cannot_override_a_young_persons_withdrawal(tmp_path: Path) -> None:
    """A young person's withdrawal stands against a guardian; so does their own consent."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine, birth_date="2010-01-15")  # 16 years old
    _tell_guardian(engine, case.id)
    engine.act(case.id, "give_consent", CHILD, units=[HEALTH, PPT])
    refuse(
        engine, case.id, "withdraw_consent", GUARDIAN, "young_person_decides", rule=R11,
        units=[PPT],
    )  # fmt: skip
    engine.act(case.id, "withdraw_consent", CHILD, units=[HEALTH])
    refuse(
        engine, case.id, "give_consent", GUARDIAN, "young_person_decides", rule=R11,
        says=HEALTH, units=[HEALTH],
    )  # fmt: skip
    case = engine.act(case.id, "give_consent", CHILD, units=[HEALTH])  # they may change their mind
    assert case.has_consent(HEALTH)


def test_a_guardian_still_decides_units_the_young_person_has_not(tmp_path: Path) -> None:
    """The young person's say covers the units they decided on; a guardian consents to others."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine, birth_date="2009-05-01")
    _tell_guardian(engine, case.id)
    engine.act(case.id, "refuse_consent", CHILD, units=[HEALTH])
    case = engine.act(case.id, "give_consent", GUARDIAN, units=[PPT])
    assert case.has_consent(PPT)
    assert not case.has_consent(HEALTH)


def test_self_consent_age_comes_from_the_guide(tmp_path: Path) -> None:
    """A guide with self_consent_age 16 refuses a 15-year-old's consent and says 16."""
    path = overlay(tmp_path, "consent:\n  self_consent_age: 16\n")
    engine, _clock = make_engine(tmp_path, load_workflow(path))
    case = open_case(engine, birth_date="2011-08-01")  # 15 years old
    refuse(
        engine, case.id, "give_consent", CHILD, "not_permitted", says="16 år",
        units=[HEALTH],
    )  # fmt: skip


def test_refused_consent_is_recorded_and_blocks_involvement(tmp_path: Path) -> None:
    """A guardian refusing consent is written to the log; the unit then cannot be involved."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    engine.act(case.id, "decide", TEACHER, outcome="expand", to_level=2, family_wish=WISH)
    case = engine.act(
        case.id, "refuse_consent", GUARDIAN, units=[HEALTH], reason="Vil ikke dele nå"
    )
    assert engine.log(case.id)[-1].kind == "consent_refused"
    assert case.consent_for(HEALTH).status == "refused"  # type: ignore[union-attr]
    refuse(engine, case.id, "involve_unit", TEACHER, "consent_missing", unit=HEALTH, task="X")


def test_refusing_consent_after_giving_it_ends_the_involvement(tmp_path: Path) -> None:
    """A guardian who turns consent into a refusal takes the unit out of the case, like a
    withdrawal."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    assert case.units_involved() == (HEALTH,)
    case = engine.act(case.id, "refuse_consent", GUARDIAN, units=[HEALTH])
    assert case.units_involved() == ()
    assert not case.has_consent(HEALTH)


def test_withdrawn_consent_removes_the_unit_from_then_on(tmp_path: Path) -> None:
    """Withdrawing consent takes the unit out of the case and blocks involving it again."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=NURSE)
    case = engine.act(case.id, "withdraw_consent", GUARDIAN, units=[HEALTH])
    assert case.units_involved() == ()
    assert case.consent_for(HEALTH).status == "withdrawn"  # type: ignore[union-attr]
    assert case.baton_offer is None  # an offer into that unit lapses
    assert case.baton_holder == TEACHER.as_person()
    refuse(
        engine, case.id, "involve_unit", TEACHER, "consent_missing", rule=R11,
        unit=HEALTH, task="Samtaler",
    )  # fmt: skip
    # the earlier involvement stays in the log: "from then on"
    assert "unit_involved" in [e.kind for e in engine.log(case.id)]


def test_withdrawing_consent_never_given_is_refused(tmp_path: Path) -> None:
    """Withdrawing a consent that does not exist is refused."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    refuse(
        engine, case.id, "withdraw_consent", GUARDIAN, "no_consent_to_withdraw", rule=R11,
        says=PPT, units=[PPT],
    )  # fmt: skip


def test_involving_units_belongs_to_levels_2_and_3(tmp_path: Path) -> None:
    """Involving another unit at level 1 is refused; the case's own unit is never 'involved'."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "give_consent", GUARDIAN, units=[HEALTH])
    refuse(
        engine, case.id, "involve_unit", TEACHER, "not_at_level", says="nivå 2, 3",
        unit=HEALTH, task="Samtaler",
    )  # fmt: skip
    case = to_level_2(engine)
    refuse(engine, case.id, "involve_unit", TEACHER, "own_unit", rule=R11, unit=SCHOOL, task="X")


def test_level_2_cannot_start_planning_without_consent(tmp_path: Path) -> None:
    """Level 2's first step needs consent and an involved unit before planning begins."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    engine.act(case.id, "decide", TEACHER, outcome="expand", to_level=2, family_wish=WISH)
    refuse(
        engine, case.id, "complete_step", TEACHER, "step_incomplete",
        says="samtykke, andre enheter involvert",
    )  # fmt: skip


# --- rule 12: closing documents what changed -----------------------------------------------------


def test_closing_records_what_changed_and_what_was_agreed(tmp_path: Path) -> None:
    """Closing level 1 without what changed or what was agreed is refused; with both it closes."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "closing_summary_required", rule=R12,
        says="hva som er endret", outcome="close",
    )  # fmt: skip
    refuse(
        engine, case.id, "decide", TEACHER, "closing_summary_required", rule=R12,
        outcome="close", changes="Trives i friminuttene",
    )  # fmt: skip
    case = engine.act(
        case.id, "decide", TEACHER, outcome="close", changes="Trives i friminuttene",
        agreed="Kontaktlærer følger med som vanlig",
    )  # fmt: skip
    assert case.status == "closed"
    assert case.next_evaluation_due is None
    closed = engine.log(case.id)[-1].body_as(CaseClosed)
    assert closed.changes == "Trives i friminuttene"
    assert str(closed.agreed).startswith("Kontakt")


# --- rule 13: level 3 rights; handing measures down ----------------------------------------------


def test_expanding_at_level_3_needs_a_rights_assessment(tmp_path: Path) -> None:
    """3 → 3 without an earlier rights assessment is refused under rule 13."""
    engine, _ = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "rights_assessment_required", rule=R13,
        says="individuell plan", outcome="expand", to_level=3, family_wish=WISH,
    )  # fmt: skip


def test_rights_assessment_given_inline_when_expanding(tmp_path: Path) -> None:
    """The assessment given with the 3 → 3 expansion is recorded, then the level restarts."""
    engine, _ = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=3, family_wish=WISH,
        rights_assessment={
            "responsibility_group": "Ansvarsgruppe opprettes",
            "individual_plan": "Søkes",
            "child_coordinator": "Ikke aktuelt nå",
        },
    )  # fmt: skip
    assert case.rights_assessed
    assert case.step == "n3-kontakt-instanser"
    assert [e.kind for e in engine.log(case.id)[-2:]] == ["rights_assessed", "level_changed"]


def test_rights_assessment_recorded_earlier_is_enough(tmp_path: Path) -> None:
    """An assessment recorded before (record_rights_assessment) lets 3 → 3 go without another."""
    engine, _ = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    engine.act(
        case.id, "record_rights_assessment", TEACHER, responsibility_group="Ja",
        individual_plan="Nei", child_coordinator="Nei",
    )  # fmt: skip
    case = engine.act(case.id, "decide", TEACHER, outcome="expand", to_level=3, family_wish=WISH)
    assert case.level == 3
    assert case.step == "n3-kontakt-instanser"


def test_an_incomplete_rights_assessment_is_invalid(tmp_path: Path) -> None:
    """A rights assessment missing one of the three rights is refused as invalid input."""
    engine, _ = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "invalid_input", says="rights_assessment",
        outcome="expand", to_level=3, family_wish=WISH,
        rights_assessment={"responsibility_group": "Ja"},
    )  # fmt: skip


@pytest.mark.parametrize(("lower", "step"), [(1, "n1-iverksett"), (2, "n2-gjennomfor")])
def test_closing_level_3_hands_measures_down(tmp_path: Path, lower: int, step: str) -> None:
    """Closing level 3 with hand_down_to carries the measures on at a lower level."""
    engine, clock = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    measures = case.measures
    case = engine.act(
        case.id, "decide", TEACHER, outcome="close", hand_down_to=lower,
        changes="Koordinerte tiltak virker", agreed="Skolen fortsetter med tiltakene",
        family_wish=WISH, next_evaluation=clock.in_days(21),
    )  # fmt: skip
    assert case.is_open
    assert (case.level, case.step) == (lower, step)
    assert case.measures == measures
    assert case.next_evaluation_due == clock.in_days(21)
    assert case.baton_holder == TEACHER.as_person()
    assert engine.log(case.id)[-1].body_as(LevelChanged).outcome == "hand_down"


def test_handing_down_needs_family_wish_evaluation_and_summary(tmp_path: Path) -> None:
    """Handing down without the family's wish, the next evaluation or the summary is refused,
    listing each."""
    engine, clock = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    refused = refuse(
        engine, case.id, "decide", TEACHER, "family_wish_required", rule=R6,
        outcome="close", hand_down_to=1,
    )  # fmt: skip
    codes = {r.code for r in refused.reasons}
    assert codes == {"family_wish_required", "evaluation_date_required", "closing_summary_required"}
    refuse(
        engine, case.id, "decide", TEACHER, "evaluation_too_late", rule=R7, outcome="close",
        hand_down_to=1, changes="C", agreed="A", family_wish=WISH,
        next_evaluation=clock.in_days(60),
    )  # fmt: skip


@pytest.mark.parametrize("target", [0, 3])
def test_handing_down_only_to_level_1_or_2(tmp_path: Path, target: int) -> None:
    """Handing down to level 0 or to level 3 itself is refused."""
    engine, clock = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "outcome_not_allowed", rule=R10,
        outcome="close", hand_down_to=target, changes="C", agreed="A", family_wish=WISH,
        next_evaluation=clock.in_days(14),
    )  # fmt: skip


def test_handing_down_is_only_from_level_3(tmp_path: Path) -> None:
    """Closing level 1 with hand_down_to is refused."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    refuse(
        engine, case.id, "decide", TEACHER, "outcome_not_allowed", rule=R10, outcome="close",
        hand_down_to=1, changes="C", agreed="A", family_wish=WISH,
        next_evaluation=clock.in_days(14),
    )  # fmt: skip


def test_a_new_holder_when_handing_down_is_an_offer(tmp_path: Path) -> None:
    """Naming another baton holder when handing down makes an offer; the holder keeps it."""
    engine, clock = make_engine(tmp_path)
    case = to_level_3_decision(engine)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="close", hand_down_to=1, changes="C", agreed="A",
        family_wish="Familien ønsker kontaktlærer F", baton_holder=COLLEAGUE,
        next_evaluation=clock.in_days(14),
    )  # fmt: skip
    assert case.level == 1
    assert case.baton_holder == TEACHER.as_person()
    assert case.baton_offer == COLLEAGUE.as_person()


def test_handing_down_uses_the_lower_levels_limit(tmp_path: Path) -> None:
    """The next evaluation after handing down to level 1 follows level 1's limit (P6W here), not
    level 3's."""
    path = overlay(tmp_path, "levels:\n  - level: 1\n    deadlines:\n      evaluation: P6W\n")
    engine, clock = make_engine(tmp_path, load_workflow(path))
    case = to_level_3(engine)
    plan(engine, case.id)
    evaluate(engine, case.id)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="close", hand_down_to=1, changes="C", agreed="A",
        family_wish=WISH, next_evaluation=clock.in_days(40),
    )  # fmt: skip
    assert case.level == 1
    assert case.next_evaluation_due == clock.in_days(40)


# --- a closed case -------------------------------------------------------------------------------


def test_a_closed_case_refuses_everything(tmp_path: Path) -> None:
    """After closing, every action is refused as case_closed and nothing is written."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    engine.act(case.id, "decide", TEACHER, outcome="close", changes="C", agreed="A")
    attempts: dict[str, tuple[Actor, dict[str, Any]]] = {
        "add_note": (GUARDIAN, {"text": "Takk"}),
        "give_consent": (GUARDIAN, {"units": [HEALTH]}),
        "offer_baton": (TEACHER, {"to": COLLEAGUE}),
        "schedule_meeting": (TEACHER, {"kind": "evaluation", "at": clock.now}),
        "inform_leader": (TEACHER, {}),
        "decide": (TEACHER, {"outcome": "continue", "next_evaluation": clock.in_days(7)}),
        "complete_step": (TEACHER, {}),
        "reschedule_evaluation": (TEACHER, {"next_evaluation": clock.in_days(7)}),
        "add_document": (TEACHER, {"title": "Rapport"}),
    }
    for action, (actor, params) in attempts.items():
        refuse(
            engine, case.id, action, actor, "case_closed", rule="case",
            says="Saken er avsluttet", **params,
        )  # fmt: skip
    for actor in (TEACHER, GUARDIAN):
        options = engine.options(case.id, actor)
        assert {o.action for o in options} == set(ACTIONS)
        assert all(not o.allowed and o.reasons[0].code == "case_closed" for o in options)
    # the nurse's unit was never involved: she has no access, and is told so, not more
    options = engine.options(case.id, NURSE)
    assert all(not o.allowed and o.reasons[0].code == "not_permitted" for o in options)


def test_a_closed_level_0_case_refuses_reopening_by_decision(tmp_path: Path) -> None:
    """A case closed at level 0 cannot then be expanded."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    engine.act(case.id, "decide", TEACHER, outcome="close", reason="Ingen grunn")
    refuse(
        engine, case.id, "decide", TEACHER, "case_closed", outcome="expand", to_level=1,
        family_wish=WISH, baton_holder=TEACHER,
    )  # fmt: skip


# --- who may act ---------------------------------------------------------------------------------


def test_family_members_cannot_record_for_staff(tmp_path: Path) -> None:
    """A guardian or the child cannot record staff actions; a guardian who has been told can add
    a note."""
    engine, _ = make_engine(tmp_path)
    case = to_level_0_decision(engine, open_case(engine).id)
    for actor in (GUARDIAN, CHILD):
        refuse(engine, case.id, "inform_leader", actor, "not_permitted", rule="actor")
    case = engine.act(case.id, "add_note", GUARDIAN, text="Vi vil gjerne ha et møte")
    assert engine.log(case.id)[-1].actor == GUARDIAN.id


def test_a_refusal_with_unchanged_helper_detects_writes(tmp_path: Path) -> None:
    """The byte-identity check used by these tests does notice a write."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    with pytest.raises(AssertionError), unchanged(engine, case.id):
        engine.act(case.id, "add_note", TEACHER, text="Notat")


def test_an_employee_of_another_unit_cannot_write_minutes(tmp_path: Path) -> None:
    """An employee of an involved unit may add notes, but not minutes unless contact or holder."""
    engine, clock = make_engine(tmp_path)
    case = to_level_3(engine)
    engine.act(case.id, "add_note", ADVISER, text="PPT har mottatt henvisning")
    engine.act(case.id, "complete_step", TEACHER)
    case = engine.act(case.id, "schedule_meeting", TEACHER, kind="other", at=clock.now)
    meeting = case.meetings[-1].id
    engine.act(case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=False)
    refuse(
        engine, case.id, "record_minutes", ADVISER, "not_permitted", rule="actor",
        meeting=meeting, text="Referat",
    )  # fmt: skip
