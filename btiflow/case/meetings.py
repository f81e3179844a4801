"""Rules 7–9 of the domain: meetings, their evaluation dates, minutes and the child's voice.

7. Evaluation within 4 weeks (or the guide's limit for the level): every meeting that agrees
   measures, and every evaluation that goes on, sets the next evaluation date within the limit.
8. Minutes: every held meeting is minuted (by the contact person or the baton holder) before
   the evaluation is recorded.
9. The child's voice: at planning and evaluation meetings the child takes part, or the case
   records how the child's voice was brought in.

The predicates on held meetings here are also the guide's built-in checks (``conditions``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from btiflow.case import measureplan
from btiflow.case.context import Context, Refused
from btiflow.case.entries import Draft
from btiflow.case.kinds import (
    AgreedMeasure,
    EvaluationRecorded,
    EvaluationRescheduled,
    MeasuresAgreed,
    MeetingCancelled,
    MeetingHeld,
    MeetingMoved,
    MeetingScheduled,
    MinutesRecorded,
)
from btiflow.case.state import Meeting
from btiflow.errors import Reason

CHILD_VOICE_KINDS = ("planning", "evaluation")
"""Meeting kinds where the child's voice must be heard (taking part, or recorded how)."""


def child_voice_missing(kind: str, took_part: bool | None, voice: str | None) -> bool:
    """Rule 9: a meeting of this kind, held without the child and without their voice."""
    return kind in CHILD_VOICE_KINDS and not took_part and not voice


def heard(meeting: Meeting) -> bool:
    """Rule 9: the child took part in the meeting, or the case records how their voice came in."""
    return bool(meeting.child_took_part or meeting.child_voice)


def unminuted(meetings: Iterable[Meeting]) -> list[str]:
    """Rule 8: the ids of held meetings that have no minutes yet."""
    return [m.id for m in meetings if m.held and not m.minutes]


def evaluation_limit(
    ctx: Context, day: dt.date, delay_reason: str | None, level: int | None = None
) -> list[Reason]:
    """Rule 7: ``day`` is not past, and within the level's limit unless a delay is explained."""
    limit = ctx.workflow.evaluation_limit(ctx.case.level if level is None else level)
    latest = ctx.today + limit.timedelta
    if day < ctx.today:
        return [ctx.reason("evaluation_in_past", date=day.isoformat())]
    if day > latest and not delay_reason:
        return [ctx.reason("evaluation_too_late", limit=limit.iso, latest=latest.isoformat())]
    return []


def next_evaluation_reasons(
    ctx: Context, p: dict[str, Any], level: int | None = None
) -> list[Reason]:
    """Rule 7 for work that goes on: a next evaluation date is set, within the limit."""
    if not p.get("next_evaluation"):
        return [ctx.reason("evaluation_date_required")]
    return evaluation_limit(ctx, p["next_evaluation"], p.get("delay_reason"), level)


def meeting_reasons(ctx: Context, meeting_id: str, *, held: bool) -> list[Reason]:
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


def schedule(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    fields = {"invitees": (), **p}  # scheduled without invitees: an empty list is stored
    return [Draft(MeetingScheduled(meeting=f"m{len(ctx.case.meetings) + 1}", **fields))]


def move(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = meeting_reasons(ctx, p["meeting"], held=False)
    meeting = ctx.case.meeting(p["meeting"])
    if not reasons and meeting is not None:
        same_time = p["at"] == dt.datetime.fromisoformat(meeting.at)
        if same_time and p.get("place", meeting.place) == meeting.place:
            reasons.append(ctx.reason("meeting_unchanged", meeting=meeting.id))
    if reasons:
        raise Refused(reasons)
    return [Draft(MeetingMoved(**p))]


def cancel(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = meeting_reasons(ctx, p["meeting"], held=False)
    if reasons:
        raise Refused(reasons)
    return [Draft(MeetingCancelled(**p))]


def hold(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = meeting_reasons(ctx, p["meeting"], held=False)
    meeting = ctx.case.meeting(p["meeting"])
    if meeting is not None and child_voice_missing(
        meeting.kind, p["child_took_part"], p.get("child_voice")
    ):
        reasons.append(ctx.reason("child_voice_missing"))
    if reasons:
        raise Refused(reasons)
    return [Draft(MeetingHeld(**p))]


def minutes_check(ctx: Context) -> list[Reason]:
    case = ctx.case
    named = (case.contact_person, case.baton_holder, case.coordinator)
    allowed = {p.id for p in named if p is not None}
    return [] if ctx.actor.id in allowed else [ctx.reason("minutes_by_contact_or_holder")]


def minutes(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = meeting_reasons(ctx, p["meeting"], held=True)
    meeting = ctx.case.meeting(p["meeting"])
    if meeting is not None and meeting.minutes:
        reasons.append(ctx.reason("minutes_exist", meeting=p["meeting"]))
    if reasons:
        raise Refused(reasons)
    return [Draft(MinutesRecorded(**p))]


def agree(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = meeting_reasons(ctx, p["meeting"], held=True)
    meeting = ctx.case.meeting(p["meeting"])
    if meeting is not None and not heard(meeting) and not p.get("child_voice"):
        # whatever the meeting's kind: measures are planned with the child heard (rule 9)
        reasons.append(ctx.reason("child_voice_missing"))
    reasons += evaluation_limit(ctx, p["next_evaluation"], p.get("delay_reason"))
    reasons += measureplan.goal_reasons(ctx, (m.get("goal") for m in p["measures"]))
    if reasons:
        raise Refused(reasons)
    first = len(ctx.case.measures) + 1
    measures = tuple(AgreedMeasure(id=f"t{first + i}", **m) for i, m in enumerate(p["measures"]))
    return [Draft(MeasuresAgreed(**{**p, "measures": measures}))]


def evaluate(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = meeting_reasons(ctx, p["meeting"], held=True)
    meeting = ctx.case.meeting(p["meeting"])
    if meeting is not None and meeting.kind != "evaluation":
        reasons.append(ctx.reason("not_evaluation_meeting", meeting=meeting.id, kind=meeting.kind))
    missing = [m for m in unminuted(ctx.case.meetings) if m != p["meeting"]]
    if missing:
        reasons.append(ctx.reason("minutes_missing", meetings=", ".join(missing)))
    goal_problems, p = measureplan.goal_statuses(ctx, p)
    reasons += goal_problems
    if reasons:
        raise Refused(reasons)
    return [Draft(EvaluationRecorded(**p))]


def evaluation_step_check(ctx: Context) -> list[Reason]:
    """Rule 7: the evaluation is recorded at the level's evaluation step (the step that records
    it; the decision step if none does). Recorded earlier, it cleared the due date while the
    measures were still being carried out, and the step waiting on that date was stuck."""
    steps = ctx.workflow.level(ctx.case.level).steps
    home = next((s for s in steps if "evaluation" in s.records), None)
    home = home or next((s for s in steps if s.is_decision), None)
    if home is None or home.id == ctx.case.step:
        return []
    lang = ctx.language
    return [
        ctx.reason(
            "not_evaluation_step", step=home.title.get(lang), current=ctx.step.title.get(lang)
        )
    ]


def reschedule_check(ctx: Context) -> list[Reason]:
    return [] if ctx.case.next_evaluation_due else [ctx.reason("no_measures")]


def reschedule(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = evaluation_limit(ctx, p["next_evaluation"], p.get("reason"))
    if reasons:
        raise Refused(reasons)
    return [Draft(EvaluationRescheduled(**p))]
