"""The measure plan: goals (mål), the measures that serve them, and revising the plan.

The sources: at the planning meeting "blir dere enige om konkrete mål, tiltak og hvem som har
ansvar for de ulike tiltakene"; the evaluation covers "status i forhold til mål" (rule 10), and
going on means "revider tiltaksplanen". So goals are records of their own (``goal_set``), each
measure may name the goal it serves, an evaluation may say per goal how it went, and a measure is
changed (``measure_revised``) or ended (``measure_ended``) by an entry, never rewritten. None of
this is required to move a case on: a plan without goals is still a plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from btiflow.case.context import Context, Refused
from btiflow.case.entries import Draft
from btiflow.case.kinds import GoalSet, GoalStatus, MeasureEnded, MeasureRevised
from btiflow.errors import Reason


def goal_reasons(ctx: Context, goals: Iterable[str | None]) -> list[Reason]:
    """Every goal named is a goal of the case."""
    unknown = sorted({g for g in goals if g is not None and ctx.case.goal(g) is None})
    return [ctx.reason("unknown_goal", goal=", ".join(unknown))] if unknown else []


def goal_statuses(ctx: Context, p: dict[str, Any]) -> tuple[list[Reason], dict[str, Any]]:
    """An evaluation's per-goal statuses checked and typed (``goals`` left out when not given)."""
    said = p.get("goals")
    if said is None:
        return [], p
    reasons = goal_reasons(ctx, (g["goal"] for g in said))
    return reasons, {**p, "goals": tuple(GoalStatus(**g) for g in said)}


def set_goal(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    meeting = p.get("meeting")
    if meeting is not None and ctx.case.meeting(meeting) is None:
        raise Refused([ctx.reason("unknown_meeting", meeting=meeting)])
    goal = f"g{len(ctx.case.goals) + 1}"
    return [Draft(GoalSet(goal=goal, **p))]


def _measure_reasons(ctx: Context, measure_id: str) -> list[Reason]:
    measure = ctx.case.measure(measure_id)
    if measure is None:
        return [ctx.reason("unknown_measure", measure=measure_id)]
    if measure.ended:
        return [ctx.reason("measure_ended", measure=measure_id)]
    return []


def has_measures(ctx: Context) -> list[Reason]:
    """There is a measure still running to revise or end."""
    if any(not m.ended for m in ctx.case.measures):
        return []
    return [ctx.reason("no_running_measures")]


def revise(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _measure_reasons(ctx, p["measure"])
    reasons += goal_reasons(ctx, [p.get("goal")])
    measure = ctx.case.measure(p["measure"])
    if not reasons and measure is not None:
        now = {"what": measure.what, "responsible": measure.responsible, "goal": measure.goal}
        changed = [k for k, v in now.items() if k in p and p[k] != v]
        by_date = p.get("by_date")
        if by_date is not None and by_date.isoformat() != measure.by_date:
            changed.append("by_date")
        if not changed:
            reasons.append(ctx.reason("measure_unchanged", measure=measure.id))
    if reasons:
        raise Refused(reasons)
    return [Draft(MeasureRevised(**p))]


def end(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = _measure_reasons(ctx, p["measure"])
    if reasons:
        raise Refused(reasons)
    return [Draft(MeasureEnded(**p))]
