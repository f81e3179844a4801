"""The functional core: (workflow, case, actor, action, time) → log drafts, or the reasons not.

Nothing here reads a clock, a file or a database. ``decide`` turns one action into the drafts to
append, or raises ``ActionRefused`` with every reason; ``options`` answers "what can this person
do now, and if not, why not" for every action.

This module is the action table: each action's parameters, who may do it, at which levels, and
which rule module judges it and writes its drafts. The rules themselves live in the modules named
for them (``concern`` 1–3, ``baton`` 4–6, ``meetings`` 7–9, ``decisions`` 10 and 13, ``consent``
11, ``documentation`` 12; docs/design.md has the table with the tests that prove each).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from btiflow.case import (
    baton,
    concern,
    consent,
    cooperation,
    decisions,
    interpreter,
    kinds,
    measureplan,
    meetings,
    steps,
)
from btiflow.case.context import Context, Refused
from btiflow.case.entries import Draft
from btiflow.case.kinds import EntryBody
from btiflow.case.machine import machine_for
from btiflow.case.params import (
    MEETING_KINDS,
    OUTCOMES,
    Param,
    boolean,
    date,
    datetime,
    goal_statuses,
    guardian,
    guardians,
    integer,
    measures,
    meeting_kind,
    outcome,
    parse,
    persons,
    rights,
    staff_person,
    text,
    units,
)
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.errors import ActionRefused, Reason
from btiflow.workflow.model import Workflow

__all__ = [
    "ACTIONS",
    "MEETING_KINDS",
    "OUTCOMES",
    "ActionSpec",
    "Context",
    "Option",
    "decide",
    "options",
]


@attrs.frozen
class Option:
    """One thing a person could do now: allowed, or refused with the reasons."""

    action: str
    allowed: bool
    reasons: tuple[Reason, ...] = ()
    params: Mapping[str, Any] = attrs.field(factory=dict)
    notes: tuple[str, ...] = ()  # what to keep in mind, e.g. an interpreter for a meeting


@attrs.frozen
class ActionSpec:
    """An action: its parameters, who may do it, at which levels, and what it writes."""

    name: str
    params: Mapping[str, Param]
    build: Callable[[Context, dict[str, Any]], list[Draft]]
    precheck: Callable[[Context], list[Reason]] = lambda ctx: []
    levels: tuple[int, ...] = (0, 1, 2, 3)
    staff_only: bool = True


def _common(spec: ActionSpec, ctx: Context) -> list[Reason]:
    if not ctx.case.is_open:
        return [ctx.reason("case_closed")]
    reasons = []
    if spec.staff_only and not ctx.actor.is_staff:
        reasons.append(ctx.reason("staff_only"))
    if ctx.case.level not in spec.levels:
        levels = ", ".join(str(lv) for lv in spec.levels)
        reasons.append(ctx.reason("not_at_level", levels=levels, level=ctx.case.level))
    return reasons


def _simple(body: type[EntryBody]) -> Callable[[Context, dict[str, Any]], list[Draft]]:
    # the parameters are named as the body's fields, and parsed to their types
    return lambda ctx, p: [Draft(body(**p))]


_T, _F = True, False
ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            "record_concern",
            {"description": (text, _T), "suspected_harm": (boolean, _F)},
            _simple(kinds.ConcernRecorded),
            levels=(0,),
        ),
        ActionSpec(
            "consult_child_welfare",
            {"advice": (text, _F), "tell_guardians": (boolean, _F)},
            _simple(kinds.ChildWelfareConsulted),
        ),
        ActionSpec("inform_leader", {"leader": (text, _F)}, _simple(kinds.LeaderInformed)),
        ActionSpec(
            "inform_guardians",
            {"note": (text, _F), "guardians": (guardians, _F)},
            _simple(kinds.GuardiansInformed),
            precheck=concern.inform_guardians_check,
        ),
        ActionSpec(
            "inform_child",
            {"note": (text, _F)},
            _simple(kinds.ChildInformed),
            precheck=concern.inform_child_check,
        ),
        ActionSpec("complete_step", {}, steps.complete, precheck=steps.complete_check),
        ActionSpec(
            "decide",
            {
                "outcome": (outcome, _T),
                "to_level": (integer, _F),
                "reason": (text, _F),
                "changes": (text, _F),
                "agreed": (text, _F),
                "family_wish": (text, _F),
                "baton_holder": (staff_person, _F),
                "next_evaluation": (date, _F),
                "delay_reason": (text, _F),
                "hand_down_to": (integer, _F),
                "rights_assessment": (rights, _F),
            },
            decisions.decide_outcome,
            precheck=steps.decision_check,
        ),
        ActionSpec(
            "appoint_contact_person",
            {"person": (staff_person, _T)},
            _simple(kinds.ContactPersonAppointed),
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "schedule_meeting",
            {
                "kind": (meeting_kind, _T),
                "at": (datetime, _T),
                "place": (text, _F),
                "invitees": (persons, _F),
            },
            meetings.schedule,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "move_meeting",
            {"meeting": (text, _T), "at": (datetime, _T), "place": (text, _F)},
            meetings.move,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "cancel_meeting",
            {"meeting": (text, _T), "reason": (text, _F)},
            meetings.cancel,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "hold_meeting",
            {
                "meeting": (text, _T),
                "child_took_part": (boolean, _T),
                "child_voice": (text, _F),
                "interpreter_present": (boolean, _F),
            },
            meetings.hold,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "record_minutes",
            {"meeting": (text, _T), "text": (text, _T)},
            meetings.minutes,
            precheck=meetings.minutes_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "agree_measures",
            {
                "meeting": (text, _T),
                "measures": (measures, _T),
                "next_evaluation": (date, _T),
                "delay_reason": (text, _F),
                "child_voice": (text, _F),
            },
            meetings.agree,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "record_evaluation",
            {
                "meeting": (text, _T),
                "experience": (text, _T),
                "changes": (text, _T),
                "status": (text, _T),
                "goals": (goal_statuses, _F),
            },
            meetings.evaluate,
            precheck=meetings.evaluation_step_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "reschedule_evaluation",
            {"next_evaluation": (date, _T), "reason": (text, _F)},
            meetings.reschedule,
            precheck=meetings.reschedule_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "give_consent",
            {"units": (units, _T), "note": (text, _F)},
            consent.give,
            precheck=consent.may_consent,
            staff_only=False,
        ),
        ActionSpec(
            "refuse_consent",
            {"units": (units, _T), "reason": (text, _F)},
            consent.refuse,
            precheck=consent.may_consent,
            staff_only=False,
        ),
        ActionSpec(
            "withdraw_consent",
            {"units": (units, _T)},
            consent.withdraw_consent,
            precheck=consent.may_consent,
            staff_only=False,
        ),
        ActionSpec(
            "involve_unit",
            {"unit": (text, _T), "task": (text, _T), "person": (staff_person, _F)},
            consent.involve,
            levels=(2, 3),
        ),
        ActionSpec(
            "offer_baton",
            {"to": (staff_person, _T), "reason": (text, _F)},
            baton.offer,
            precheck=baton.offer_check,
            levels=(1, 2, 3),
        ),
        ActionSpec("accept_baton", {}, baton.accept, precheck=baton.answer_check, levels=(1, 2, 3)),
        ActionSpec(
            "decline_baton",
            {"reason": (text, _F)},
            _simple(kinds.BatonDeclined),
            precheck=baton.answer_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "withdraw_baton_offer",
            {},
            _simple(kinds.BatonOfferWithdrawn),
            precheck=baton.withdraw_offer_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "record_rights_assessment",
            {
                "responsibility_group": (text, _T),
                "individual_plan": (text, _T),
                "child_coordinator": (text, _T),
            },
            _simple(kinds.RightsAssessed),
            levels=(2, 3),
        ),
        ActionSpec("add_note", {"text": (text, _T)}, _simple(kinds.NoteAdded), staff_only=False),
        ActionSpec(
            "record_interpreter_need",
            {"person": (text, _T), "language": (text, _T)},
            interpreter.record_need,
        ),
        ActionSpec(
            "register_guardian", {"person": (guardian, _T)}, _simple(kinds.GuardianRegistered)
        ),
        ActionSpec(
            "register_young_person",
            {"person": (guardian, _T)},
            _simple(kinds.YoungPersonRegistered),
        ),
        ActionSpec(
            "ask_to_close", {"reason": (text, _F)}, _simple(kinds.CloseRequested), staff_only=False
        ),
        ActionSpec(
            "add_document",
            {"title": (text, _T), "text": (text, _F), "shared_with_family": (boolean, _F)},
            _simple(kinds.DocumentAdded),
        ),
        ActionSpec(
            "withhold_from_guardians",
            {"reason": (text, _T)},
            _simple(kinds.GuardiansNotInformed),
            precheck=concern.withhold_check,
            levels=(0,),
        ),
        ActionSpec("send_report", {"note": (text, _F)}, _simple(kinds.ReportSent)),
        ActionSpec(
            "set_goal",
            {"text": (text, _T), "meeting": (text, _F)},
            measureplan.set_goal,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "revise_measure",
            {
                "measure": (text, _T),
                "what": (text, _F),
                "responsible": (text, _F),
                "by_date": (date, _F),
                "goal": (text, _F),
                "reason": (text, _F),
            },
            measureplan.revise,
            precheck=measureplan.has_measures,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "end_measure",
            {"measure": (text, _T), "reason": (text, _F)},
            measureplan.end,
            precheck=measureplan.has_measures,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "form_responsibility_group",
            {"members": (persons, _T), "note": (text, _F)},
            cooperation.form_group,
            levels=(3,),
        ),
        ActionSpec(
            "start_individual_plan",
            {"coordinator": (staff_person, _T), "note": (text, _F)},
            cooperation.start_plan,
            levels=(3,),
        ),
        ActionSpec(
            "apply_child_coordinator",
            {"note": (text, _F)},
            _simple(kinds.ChildCoordinatorApplied),
            levels=(3,),
        ),
    )
}


def _context(workflow: Workflow, case: Case, actor: Actor, now: dt.datetime) -> Context:
    if now.tzinfo is None:
        raise ValueError("the clock must give timezone-aware times")
    return Context(workflow, machine_for(workflow), case, actor, now)


def decide(
    workflow: Workflow,
    case: Case,
    action: str,
    params: Mapping[str, Any],
    actor: Actor,
    now: dt.datetime,
) -> list[Draft]:
    """The drafts ``action`` appends to ``case``; raises ``ActionRefused`` with every reason."""
    ctx = _context(workflow, case, actor, now)
    spec = ACTIONS.get(action)
    if spec is None:
        raise ActionRefused(
            action,
            [ctx.reason("unknown_action", action=action, allowed=", ".join(sorted(ACTIONS)))],
        )
    try:
        # Whether the action can be done now comes first; then whether its details are right.
        reasons = _common(spec, ctx)
        if not reasons:
            reasons = spec.precheck(ctx)
        if reasons:
            raise Refused(reasons)
        return spec.build(ctx, parse(spec.name, spec.params, ctx, params))
    except Refused as refused:
        raise ActionRefused(action, refused.reasons) from None


def options(workflow: Workflow, case: Case, actor: Actor, now: dt.datetime) -> list[Option]:
    """Every action with allowed / refused and why, as far as it can be told without details.

    ``decide`` is listed once per outcome the current step offers (``params`` names it);
    whether it then succeeds can still depend on details such as the evaluation date.
    """
    ctx = _context(workflow, case, actor, now)
    result = []
    for spec in ACTIONS.values():
        reasons = _common(spec, ctx) or spec.precheck(ctx)
        if spec.name == "decide" and not reasons:
            for outcome in ctx.step.outcomes:
                targets = outcome.to if outcome.kind == "expand" else (None,)
                for target in targets:
                    params: dict[str, Any] = {"outcome": outcome.kind}
                    if target is not None:
                        params["to_level"] = target
                    result.append(Option("decide", True, (), params))
            continue
        notes = _notes(spec.name, ctx) if not reasons else ()
        result.append(Option(spec.name, not reasons, tuple(reasons), notes=notes))
    return result


def _notes(action: str, ctx: Context) -> tuple[str, ...]:
    # whoever plans (or moves) a meeting is told who needs an interpreter
    if action in ("schedule_meeting", "move_meeting"):
        return interpreter.planning_notes(ctx.case, ctx.language)
    # the young person is told who reads the note they write (views.family_notes)
    if action == "add_note" and ctx.actor.role == "child":
        return (consent.young_note_readers(ctx.workflow, ctx.case, ctx.today),)
    return ()
