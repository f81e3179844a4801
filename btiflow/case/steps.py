"""The guide's own order: a step is complete when what it records and requires is there.

Not a rule of the domain but of the municipality's guide (``records`` and ``requires`` in its
YAML, checked through ``conditions``): ``complete_step`` moves to the next step, and only a
complete decision step may be decided (``decisions``).
"""

from __future__ import annotations

from typing import Any

from btiflow.case.conditions import CONDITION_CHECKS, RECORD_CHECKS
from btiflow.case.context import Context
from btiflow.case.entries import Draft
from btiflow.case.kinds import StepCompleted
from btiflow.case.messages import label
from btiflow.errors import Reason
from btiflow.workflow.model import Step


def gaps(ctx: Context, step: Step) -> list[str]:
    lang = ctx.language
    missing = [label(n, lang) for n in step.records if not RECORD_CHECKS[n](ctx.case)]
    missing += [label(n, lang) for n in step.requires if not CONDITION_CHECKS[n](ctx.case)]
    return list(dict.fromkeys(missing))


def complete_check(ctx: Context) -> list[Reason]:
    step = ctx.step
    if step.is_decision:
        return [ctx.reason("decision_step", step=step.title.get(ctx.language))]
    missing = gaps(ctx, step)
    if missing:
        return [
            ctx.reason(
                "step_incomplete", step=step.title.get(ctx.language), missing=", ".join(missing)
            )
        ]
    if "advance" not in ctx.machine.moves(ctx.case.step):
        return [ctx.reason("decision_step", step=step.title.get(ctx.language))]
    return []


def complete(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    dest = ctx.machine.fire(ctx.case, "advance")
    assert dest is not None  # the precheck saw the same guards pass
    return [Draft(StepCompleted(from_step=ctx.case.step, to_step=dest))]


def decision_check(ctx: Context) -> list[Reason]:
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
    missing = gaps(ctx, step)
    if missing:
        return [
            ctx.reason(
                "step_incomplete", step=step.title.get(ctx.language), missing=", ".join(missing)
            )
        ]
    return []
