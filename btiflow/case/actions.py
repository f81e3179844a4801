"""The functional core: (workflow, case, actor, action, time) → log drafts, or the reasons not.

Nothing here reads a clock, a file or a database. ``decide`` turns one action into the drafts to
append, or raises ``ActionRefused`` with every reason; ``options`` answers "what can this person
do now, and if not, why not" for every action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from btiflow.case.conditions import CONDITION_CHECKS, RECORD_CHECKS
from btiflow.case.entries import Draft
from btiflow.case.machine import GuideMachine, machine_for
from btiflow.case.people import Actor, Person
from btiflow.case.rules import label, reason
from btiflow.case.state import CHILD_VOICE_KINDS, Case, person_data
from btiflow.errors import ActionRefused, Reason
from btiflow.localtime import OSLO
from btiflow.workflow.model import Step, Workflow

MEETING_KINDS = ("planning", "startup", "evaluation", "other")
OUTCOMES = ("close", "continue", "expand")


@attrs.frozen
class Option:
    """One thing a person could do now: allowed, or refused with the reasons."""

    action: str
    allowed: bool
    reasons: tuple[Reason, ...] = ()
    params: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Context:
    workflow: Workflow
    machine: GuideMachine
    case: Case
    actor: Actor
    now: dt.datetime

    @property
    def language(self) -> str:
        return self.workflow.language

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(OSLO).date()

    @property
    def step(self) -> Step:
        return self.workflow.find_step(self.case.step)[1]

    def reason(self, code: str, **values: Any) -> Reason:
        return reason(code, self.language, **values)


class _Refused(Exception):
    def __init__(self, reasons: list[Reason]) -> None:
        self.reasons = reasons


# --- parameters ------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, problem: str) -> None:
        self.problem = problem


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("expected a non-empty text")
    return value.strip()


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("expected true or false")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("expected a whole number")
    return value


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        raise _Invalid("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise _Invalid("expected a date such as 2026-12-24")


def _datetime(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise _Invalid("expected a date and time such as 2026-12-01T09:00+01:00") from exc
    if not isinstance(value, dt.datetime):
        raise _Invalid("expected a date and time")
    if value.tzinfo is None:
        raise _Invalid("the time needs a time zone (e.g. +01:00, or ZoneInfo('Europe/Oslo'))")
    return value.isoformat()


def _person(value: Any) -> dict[str, Any]:
    if isinstance(value, Actor):
        value = value.as_person()
    if isinstance(value, Mapping):
        try:
            value = Person(**value)
        except (TypeError, ValueError) as exc:
            raise _Invalid(f"a person needs id, and may have name, unit, email ({exc})") from exc
    if not isinstance(value, Person):
        raise _Invalid("expected a Person (id, name, unit)")
    data = person_data(value)
    assert data is not None
    return data


def _persons(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple):
        raise _Invalid("expected a list of persons")
    return [_person(v) for v in value]


def _units(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise _Invalid("expected one or more units (e.g. ['Helsestasjonen'])")
    return sorted({_text(v) for v in value})


def _measures(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple) or not value:
        raise _Invalid("expected a list of measures, each with what and responsible")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) - {"what", "responsible", "by_date"}:
            raise _Invalid("each measure has what, responsible and optionally by_date")
        measure = {"what": _text(item.get("what")), "responsible": _text(item.get("responsible"))}
        if item.get("by_date") is not None:
            measure["by_date"] = _date(item["by_date"])
        out.append(measure)
    return out


def _meeting_kind(value: Any) -> str:
    if value not in MEETING_KINDS:
        raise _Invalid(f"expected one of {', '.join(MEETING_KINDS)}")
    return str(value)


def _outcome(value: Any) -> str:
    if value not in OUTCOMES:
        raise _Invalid(f"expected one of {', '.join(OUTCOMES)}")
    return str(value)


def _rights(value: Any) -> dict[str, str]:
    keys = ("responsibility_group", "individual_plan", "child_coordinator")
    if not isinstance(value, Mapping) or set(value) != set(keys):
        raise _Invalid(f"expected a mapping with {', '.join(keys)}")
    return {k: _text(value[k]) for k in keys}


Param = tuple[Callable[[Any], Any], bool]


@attrs.frozen
class ActionSpec:
    """An action: its parameters, who may do it, at which levels, and what it writes."""

    name: str
    params: Mapping[str, Param]
    build: Callable[[Context, dict[str, Any]], list[Draft]]
    precheck: Callable[[Context], list[Reason]] = lambda ctx: []
    levels: tuple[int, ...] = (0, 1, 2, 3)
    staff_only: bool = True


def _parse(spec: ActionSpec, ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    reasons = []
    out: dict[str, Any] = {}
    for key in params:
        if key not in spec.params:
            allowed = ", ".join(spec.params) or "none"
            reasons.append(
                ctx.reason(
                    "invalid_input",
                    param=key,
                    problem=f"{spec.name} takes no such parameter (it takes: {allowed})",
                )
            )
    for key, (parser, required) in spec.params.items():
        value = params.get(key)
        if value is None:
            if required:
                reasons.append(ctx.reason("invalid_input", param=key, problem="it is required"))
            continue
        try:
            out[key] = parser(value)
        except _Invalid as exc:
            reasons.append(ctx.reason("invalid_input", param=key, problem=exc.problem))
    if reasons:
        raise _Refused(reasons)
    return out


# --- shared checks ---------------------------------------------------------------------------


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


def _gaps(ctx: Context, step: Step) -> list[str]:
    lang = ctx.language
    missing = [label(n, lang) for n in step.records if not RECORD_CHECKS[n](ctx.case)]
    missing += [label(n, lang) for n in step.requires if not CONDITION_CHECKS[n](ctx.case)]
    return list(dict.fromkeys(missing))


def _evaluation_limit(
    ctx: Context, date: str, delay_reason: str | None, level: int | None = None
) -> list[Reason]:
    day = dt.date.fromisoformat(date)
    limit = ctx.workflow.evaluation_limit(ctx.case.level if level is None else level)
    latest = ctx.today + limit.timedelta
    if day < ctx.today:
        return [ctx.reason("evaluation_in_past", date=date)]
    if day > latest and not delay_reason:
        return [ctx.reason("evaluation_too_late", limit=limit.iso, latest=latest.isoformat())]
    return []


def _meeting_reasons(ctx: Context, meeting_id: str, *, held: bool) -> list[Reason]:
    meeting = ctx.case.meeting(meeting_id)
    if meeting is None:
        return [ctx.reason("unknown_meeting", meeting=meeting_id)]
    if meeting.cancelled:
        return [ctx.reason("meeting_cancelled", meeting=meeting_id)]
    if held and not meeting.held:
        return [ctx.reason("meeting_not_held", meeting=meeting_id)]
    if not held and meeting.held:
        return [ctx.reason("meeting_already_held", meeting=meeting_id)]
    return []


def _person_label(data: Mapping[str, Any] | Person | None) -> str:
    if data is None:
        return "?"
    if isinstance(data, Person):
        return data.label()
    return Person(**data).label()


def _may_consent(ctx: Context) -> list[Reason]:
    age_limit = ctx.workflow.consent.self_consent_age
    if ctx.actor.role == "guardian":
        return []
    if ctx.actor.role == "child":
        age = ctx.case.age_on(ctx.today)
        if age is not None and age >= age_limit:
            return []
    return [ctx.reason("consent_by_guardian", age=age_limit)]


def _unit_allowed(ctx: Context, unit: str) -> bool:
    return unit == ctx.case.opened_by.unit or ctx.case.has_consent(unit)


# --- the actions -----------------------------------------------------------------------------


def _simple(kind: str) -> Callable[[Context, dict[str, Any]], list[Draft]]:
    return lambda ctx, p: [Draft(kind, p)]


def _inform_guardians_check(ctx: Context) -> list[Reason]:
    reasons = []
    if not ctx.case.leader_informed:
        reasons.append(ctx.reason("leader_before_guardians"))
    if ctx.case.suspected_harm and not ctx.case.child_welfare_consulted:
        reasons.append(ctx.reason("child_welfare_first"))
    return reasons


def _inform_child_check(ctx: Context) -> list[Reason]:
    # The source names guardians; talking with the child before the child welfare service has
    # advised on a suspected-harm concern can do as much harm, so the same order applies.
    return _inform_guardians_check(ctx)


def _complete_check(ctx: Context) -> list[Reason]:
    step = ctx.step
    if step.is_decision:
        return [ctx.reason("decision_step", step=step.title.get(ctx.language))]
    missing = _gaps(ctx, step)
    if missing:
        return [
            ctx.reason(
                "step_incomplete", step=step.title.get(ctx.language), missing=", ".join(missing)
            )
        ]
    if "advance" not in ctx.machine.moves(ctx.case.step):
        return [ctx.reason("decision_step", step=step.title.get(ctx.language))]
    return []


def _complete(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    dest = ctx.machine.fire(ctx.case, "advance")
    assert dest is not None  # the precheck saw the same guards pass
    return [Draft("step_completed", {"from_step": ctx.case.step, "to_step": dest})]


def _decision_check(ctx: Context) -> list[Reason]:
    step = ctx.step
    if not step.is_decision:
        level = ctx.workflow.level(ctx.case.level)
        decision = next((s for s in level.steps if s.is_decision), step)
        return [
            ctx.reason(
                "not_a_decision_step",
                decision=decision.title.get(ctx.language),
                step=step.title.get(ctx.language),
            )
        ]
    missing = _gaps(ctx, step)
    if missing:
        return [
            ctx.reason(
                "step_incomplete", step=step.title.get(ctx.language), missing=", ".join(missing)
            )
        ]
    return []


def _allowed_outcomes(ctx: Context) -> list[str]:
    allowed = []
    for outcome in ctx.step.outcomes:
        if outcome.kind == "expand":
            allowed += [f"expand to {t}" for t in outcome.to]
        else:
            allowed.append(outcome.kind)
    return allowed


_HAND_DOWN = ("hand_down_to", "family_wish", "baton_holder", "next_evaluation", "delay_reason")
_OUTCOME_PARAMS = {
    "close": ("changes", "agreed", *_HAND_DOWN),
    "continue": ("next_evaluation", "delay_reason", "agreed"),
    "expand": ("to_level", "family_wish", "baton_holder", "rights_assessment"),
}


def _misplaced(ctx: Context, p: dict[str, Any]) -> list[Reason]:
    """Details given that the chosen outcome would not use: say so rather than drop them."""
    kind = p["outcome"]
    fits: tuple[str, ...] = _OUTCOME_PARAMS[kind]
    if kind == "close" and ctx.case.level == 0:
        fits = ("reason",)
    elif kind == "close" and "hand_down_to" not in p:
        fits = ("changes", "agreed", "hand_down_to")
    return [
        ctx.reason(
            "invalid_input",
            param=key,
            problem=f"it does not apply to {kind} here (this takes: {', '.join(fits)})",
        )
        for key in p
        if key != "outcome" and key not in fits
    ]


def _decide(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    kind = p["outcome"]
    step = ctx.step
    outcome = step.outcome(kind)
    allowed = ", ".join(_allowed_outcomes(ctx))
    if outcome is None:
        raise _Refused([ctx.reason("outcome_not_allowed", outcome=kind, allowed=allowed)])
    misplaced = _misplaced(ctx, p)
    if misplaced:
        raise _Refused(misplaced)
    if kind == "close":
        return _close(ctx, p)
    if kind == "continue":
        return _continue(ctx, p)
    target = p.get("to_level")
    if target is None or target not in outcome.to:
        shown = f"expand to {target}" if target is not None else "expand"
        raise _Refused([ctx.reason("outcome_not_allowed", outcome=shown, allowed=allowed)])
    return _expand(ctx, p, target)


def _close(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    case = ctx.case
    hand_down = p.get("hand_down_to")
    if case.level == 0:
        if not p.get("reason"):
            raise _Refused([ctx.reason("close_reason_required")])
        return [Draft("case_closed", {"level": 0, "outcome": "close", "reason": p["reason"]})]
    reasons = []
    if not p.get("changes") or not p.get("agreed"):
        reasons.append(ctx.reason("closing_summary_required"))
    if hand_down is None:
        if reasons:
            raise _Refused(reasons)
        return [
            Draft(
                "case_closed",
                {
                    "level": case.level,
                    "outcome": "close",
                    "changes": p["changes"],
                    "agreed": p["agreed"],
                },
            )
        ]
    dest = ctx.machine.fire(case, f"hand_down_{hand_down}") if case.level == 3 else None
    if dest is None:
        raise _Refused(
            [
                ctx.reason(
                    "outcome_not_allowed",
                    outcome=f"close, hand down to {hand_down}",
                    allowed=", ".join(_allowed_outcomes(ctx)),
                )
            ]
        )
    reasons += _level_change_reasons(ctx, p)
    if not p.get("next_evaluation"):
        reasons.append(ctx.reason("evaluation_date_required"))
    else:
        # the next evaluation happens at the lower level, so that level's limit applies
        reasons += _evaluation_limit(ctx, p["next_evaluation"], p.get("delay_reason"), hand_down)
    if reasons:
        raise _Refused(reasons)
    data: dict[str, Any] = {
        "from_level": case.level,
        "to_level": hand_down,
        "step": dest,
        "outcome": "hand_down",
        "changes": p["changes"],
        "agreed": p["agreed"],
        "family_wish": p["family_wish"],
        "next_evaluation": p["next_evaluation"],
    }
    if p.get("delay_reason"):
        data["delay_reason"] = p["delay_reason"]
    holder = p.get("baton_holder")
    if (
        holder is not None
        and case.baton_holder is not None
        and holder["id"] != case.baton_holder.id
    ):
        data["baton_offer"] = holder  # the holder keeps the baton until this is accepted
    return [Draft("level_changed", data)]


def _continue(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    if not p.get("next_evaluation"):
        raise _Refused([ctx.reason("evaluation_date_required")])
    reasons = _evaluation_limit(ctx, p["next_evaluation"], p.get("delay_reason"))
    if reasons:
        raise _Refused(reasons)
    dest = ctx.machine.fire(ctx.case, "continue")
    assert dest is not None
    data = {"step": dest, "outcome": "continue", "next_evaluation": p["next_evaluation"]}
    if p.get("delay_reason"):
        data["delay_reason"] = p["delay_reason"]
    if p.get("agreed"):
        data["agreed"] = p["agreed"]
    return [Draft("evaluation_continued", data)]


def _level_change_reasons(ctx: Context, p: dict[str, Any]) -> list[Reason]:
    return [] if p.get("family_wish") else [ctx.reason("family_wish_required")]


def _expand(ctx: Context, p: dict[str, Any], target: int) -> list[Draft]:
    case = ctx.case
    reasons = _level_change_reasons(ctx, p)
    drafts = []
    holder = p.get("baton_holder")
    if case.level == 0 and holder is None:
        reasons.append(ctx.reason("baton_holder_required"))
    elif (
        case.baton_holder is None and holder is not None and not _unit_allowed(ctx, holder["unit"])
    ):
        # appointed at once, so the consent an accepted offer would need is needed now
        reasons.append(ctx.reason("baton_unit_without_consent", unit=holder["unit"] or "?"))
    if case.level == 3 and target == 3 and not case.rights_assessed:
        if p.get("rights_assessment") is None:
            reasons.append(ctx.reason("rights_assessment_required"))
        else:
            drafts.append(Draft("rights_assessed", p["rights_assessment"]))
    if reasons:
        raise _Refused(reasons)
    dest = ctx.machine.fire(case, f"expand_{target}")
    assert dest is not None
    data: dict[str, Any] = {
        "from_level": case.level,
        "to_level": target,
        "step": dest,
        "outcome": "expand",
        "family_wish": p["family_wish"],
    }
    if case.baton_holder is None:
        data["baton_holder"] = holder  # appointed: from level 1 there is always one
    elif holder is not None and holder["id"] != case.baton_holder.id:
        data["baton_offer"] = holder  # the holder keeps the baton until this is accepted
    drafts.append(Draft("level_changed", data))
    return drafts


def _schedule(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    data = dict(p)
    data["meeting"] = f"m{len(ctx.case.meetings) + 1}"
    data.setdefault("invitees", [])
    return [Draft("meeting_scheduled", data)]


def _move(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _meeting_reasons(ctx, p["meeting"], held=False)
    meeting = ctx.case.meeting(p["meeting"])
    if not reasons and meeting is not None:
        same_time = dt.datetime.fromisoformat(p["at"]) == dt.datetime.fromisoformat(meeting.at)
        if same_time and p.get("place", meeting.place) == meeting.place:
            reasons.append(ctx.reason("meeting_unchanged", meeting=meeting.id))
    if reasons:
        raise _Refused(reasons)
    return [Draft("meeting_moved", p)]


def _cancel(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _meeting_reasons(ctx, p["meeting"], held=False)
    if reasons:
        raise _Refused(reasons)
    return [Draft("meeting_cancelled", p)]


def _hold(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _meeting_reasons(ctx, p["meeting"], held=False)
    meeting = ctx.case.meeting(p["meeting"])
    if (
        meeting is not None
        and meeting.kind in CHILD_VOICE_KINDS
        and not p["child_took_part"]
        and not p.get("child_voice")
    ):
        reasons.append(ctx.reason("child_voice_missing"))
    if reasons:
        raise _Refused(reasons)
    return [Draft("meeting_held", p)]


def _minutes_check(ctx: Context) -> list[Reason]:
    case = ctx.case
    allowed = {p.id for p in (case.contact_person, case.baton_holder) if p is not None}
    return [] if ctx.actor.id in allowed else [ctx.reason("minutes_by_contact_or_holder")]


def _minutes(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _meeting_reasons(ctx, p["meeting"], held=True)
    meeting = ctx.case.meeting(p["meeting"])
    if meeting is not None and meeting.minutes:
        reasons.append(ctx.reason("minutes_exist", meeting=p["meeting"]))
    if reasons:
        raise _Refused(reasons)
    return [Draft("minutes_recorded", p)]


def _agree(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _meeting_reasons(ctx, p["meeting"], held=True)
    reasons += _evaluation_limit(ctx, p["next_evaluation"], p.get("delay_reason"))
    if reasons:
        raise _Refused(reasons)
    first = len(ctx.case.measures) + 1
    measures = [{"id": f"t{first + i}", **m} for i, m in enumerate(p["measures"])]
    return [Draft("measures_agreed", {**p, "measures": measures})]


def _evaluate(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _meeting_reasons(ctx, p["meeting"], held=True)
    meeting = ctx.case.meeting(p["meeting"])
    if meeting is not None and meeting.kind != "evaluation":
        reasons.append(ctx.reason("not_evaluation_meeting", meeting=meeting.id, kind=meeting.kind))
    missing = [m.id for m in ctx.case.meetings if m.held and not m.minutes and m.id != p["meeting"]]
    if missing:
        reasons.append(ctx.reason("minutes_missing", meetings=", ".join(missing)))
    if reasons:
        raise _Refused(reasons)
    return [Draft("evaluation_recorded", p)]


def _reschedule_check(ctx: Context) -> list[Reason]:
    return [] if ctx.case.next_evaluation_due else [ctx.reason("no_measures")]


def _reschedule(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _evaluation_limit(ctx, p["next_evaluation"], p.get("reason"))
    if reasons:
        raise _Refused(reasons)
    return [Draft("evaluation_rescheduled", p)]


def _withdraw_consent(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    missing = [u for u in p["units"] if not ctx.case.has_consent(u)]
    if missing:
        raise _Refused([ctx.reason("no_consent_to_withdraw", units=", ".join(missing))])
    return [Draft("consent_withdrawn", p)]


def _involve(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    unit = p["unit"]
    if unit == ctx.case.opened_by.unit:
        raise _Refused([ctx.reason("own_unit", unit=unit)])
    if not ctx.case.has_consent(unit):
        raise _Refused([ctx.reason("consent_missing", unit=unit)])
    return [Draft("unit_involved", p)]


def _offer_check(ctx: Context) -> list[Reason]:
    case = ctx.case
    reasons = []
    holder = case.baton_holder
    if holder is not None and ctx.actor.id != holder.id and not case.baton_stranded:
        reasons.append(ctx.reason("only_baton_holder", person=holder.label()))
    if case.baton_offer is not None:
        reasons.append(ctx.reason("baton_offer_pending", person=case.baton_offer.label()))
    return reasons


def _offer(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    holder = ctx.case.baton_holder
    if holder is not None and p["to"]["id"] == holder.id:
        raise _Refused([ctx.reason("already_baton_holder", person=holder.label())])
    return [Draft("baton_offered", p)]


def _answer_check(ctx: Context) -> list[Reason]:
    offer = ctx.case.baton_offer
    if offer is None:
        return [ctx.reason("no_baton_offer")]
    if ctx.actor.id != offer.id:
        return [ctx.reason("not_offered_to_you", person=offer.label())]
    return []


def _accept(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    offer = ctx.case.baton_offer
    assert offer is not None
    if not _unit_allowed(ctx, offer.unit):
        raise _Refused([ctx.reason("baton_unit_without_consent", unit=offer.unit or "?")])
    return [Draft("baton_accepted", {"holder": person_data(offer)})]


def _withdraw_offer_check(ctx: Context) -> list[Reason]:
    case = ctx.case
    if case.baton_offer is None:
        return [ctx.reason("no_baton_offer")]
    holder = case.baton_holder
    if holder is not None and ctx.actor.id != holder.id and not case.baton_stranded:
        return [ctx.reason("only_baton_holder", person=holder.label())]
    return []


_T, _F = True, False
ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            "record_concern",
            {"description": (_text, _T), "suspected_harm": (_bool, _F)},
            _simple("concern_recorded"),
            levels=(0,),
        ),
        ActionSpec(
            "consult_child_welfare", {"advice": (_text, _F)}, _simple("child_welfare_consulted")
        ),
        ActionSpec("inform_leader", {"leader": (_text, _F)}, _simple("leader_informed")),
        ActionSpec(
            "inform_guardians",
            {"note": (_text, _F), "guardians": (_persons, _F)},
            _simple("guardians_informed"),
            precheck=_inform_guardians_check,
        ),
        ActionSpec(
            "inform_child",
            {"note": (_text, _F)},
            _simple("child_informed"),
            precheck=_inform_child_check,
        ),
        ActionSpec("complete_step", {}, _complete, precheck=_complete_check),
        ActionSpec(
            "decide",
            {
                "outcome": (_outcome, _T),
                "to_level": (_int, _F),
                "reason": (_text, _F),
                "changes": (_text, _F),
                "agreed": (_text, _F),
                "family_wish": (_text, _F),
                "baton_holder": (_person, _F),
                "next_evaluation": (_date, _F),
                "delay_reason": (_text, _F),
                "hand_down_to": (_int, _F),
                "rights_assessment": (_rights, _F),
            },
            _decide,
            precheck=_decision_check,
        ),
        ActionSpec(
            "appoint_contact_person",
            {"person": (_person, _T)},
            _simple("contact_person_appointed"),
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "schedule_meeting",
            {
                "kind": (_meeting_kind, _T),
                "at": (_datetime, _T),
                "place": (_text, _F),
                "invitees": (_persons, _F),
            },
            _schedule,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "move_meeting",
            {"meeting": (_text, _T), "at": (_datetime, _T), "place": (_text, _F)},
            _move,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "cancel_meeting",
            {"meeting": (_text, _T), "reason": (_text, _F)},
            _cancel,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "hold_meeting",
            {
                "meeting": (_text, _T),
                "child_took_part": (_bool, _T),
                "child_voice": (_text, _F),
            },
            _hold,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "record_minutes",
            {"meeting": (_text, _T), "text": (_text, _T)},
            _minutes,
            precheck=_minutes_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "agree_measures",
            {
                "meeting": (_text, _T),
                "measures": (_measures, _T),
                "next_evaluation": (_date, _T),
                "delay_reason": (_text, _F),
            },
            _agree,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "record_evaluation",
            {
                "meeting": (_text, _T),
                "experience": (_text, _T),
                "changes": (_text, _T),
                "status": (_text, _T),
            },
            _evaluate,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "reschedule_evaluation",
            {"next_evaluation": (_date, _T), "reason": (_text, _F)},
            _reschedule,
            precheck=_reschedule_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "give_consent",
            {"units": (_units, _T), "note": (_text, _F)},
            _simple("consent_given"),
            precheck=_may_consent,
            staff_only=False,
        ),
        ActionSpec(
            "refuse_consent",
            {"units": (_units, _T), "reason": (_text, _F)},
            _simple("consent_refused"),
            precheck=_may_consent,
            staff_only=False,
        ),
        ActionSpec(
            "withdraw_consent",
            {"units": (_units, _T)},
            _withdraw_consent,
            precheck=_may_consent,
            staff_only=False,
        ),
        ActionSpec(
            "involve_unit",
            {"unit": (_text, _T), "task": (_text, _T), "person": (_person, _F)},
            _involve,
            levels=(2, 3),
        ),
        ActionSpec(
            "offer_baton", {"to": (_person, _T)}, _offer, precheck=_offer_check, levels=(1, 2, 3)
        ),
        ActionSpec("accept_baton", {}, _accept, precheck=_answer_check, levels=(1, 2, 3)),
        ActionSpec(
            "decline_baton",
            {"reason": (_text, _F)},
            _simple("baton_declined"),
            precheck=_answer_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "withdraw_baton_offer",
            {},
            _simple("baton_offer_withdrawn"),
            precheck=_withdraw_offer_check,
            levels=(1, 2, 3),
        ),
        ActionSpec(
            "record_rights_assessment",
            {
                "responsibility_group": (_text, _T),
                "individual_plan": (_text, _T),
                "child_coordinator": (_text, _T),
            },
            _simple("rights_assessed"),
            levels=(2, 3),
        ),
        ActionSpec("add_note", {"text": (_text, _T)}, _simple("note_added"), staff_only=False),
        ActionSpec("register_guardian", {"person": (_person, _T)}, _simple("guardian_registered")),
        ActionSpec(
            "ask_to_close", {"reason": (_text, _F)}, _simple("close_requested"), staff_only=False
        ),
        ActionSpec(
            "add_document",
            {"title": (_text, _T), "text": (_text, _F), "shared_with_family": (_bool, _F)},
            _simple("document_added"),
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
            raise _Refused(reasons)
        return spec.build(ctx, _parse(spec, ctx, params))
    except _Refused as refused:
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
        result.append(Option(spec.name, not reasons, tuple(reasons)))
    return result
