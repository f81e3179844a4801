"""Rules 10 and 13 of the domain: the decision that ends an evaluation, and level 3 rights.

10. Evaluation outcome: close, continue (a new evaluation date) or expand (to a higher level,
    or more units at level 3); closing level 3 may hand working measures down to level 1 or 2.
13. Level 3 rights: a responsibility group, an individual plan/coordinator and a child
    coordinator are considered; if not assessed before, expanding at level 3 assesses them.

Which outcomes a step offers is the guide's (``machine``); what each carries is checked with
the rules of its own module (baton, evaluation date, closing summary).
"""

from __future__ import annotations

from typing import Any

from btiflow.case.baton import appointment_reasons, at_level_change, level_change_reasons
from btiflow.case.concern import close_at_level_0
from btiflow.case.consent import log_consent_reasons
from btiflow.case.context import Context, Refused
from btiflow.case.documentation import closing_summary_reasons
from btiflow.case.entries import Draft
from btiflow.case.kinds import CaseClosed, EvaluationContinued, LevelChanged, RightsAssessed
from btiflow.case.meetings import next_evaluation_reasons
from btiflow.errors import Reason


def allowed_outcomes(ctx: Context) -> list[str]:
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


def decide_outcome(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    """The drafts of the ``decide`` action: the outcome chosen at a decision step."""
    kind = p["outcome"]
    step = ctx.step
    outcome = step.outcome(kind)
    allowed = ", ".join(allowed_outcomes(ctx))
    if outcome is None:
        raise Refused([ctx.reason("outcome_not_allowed", outcome=kind, allowed=allowed)])
    misplaced = _misplaced(ctx, p)
    if misplaced:
        raise Refused(misplaced)
    if kind == "close":
        return _close(ctx, p)
    if kind == "continue":
        return _continue(ctx, p)
    target = p.get("to_level")
    if target is None or target not in outcome.to:
        shown = f"expand to {target}" if target is not None else "expand"
        raise Refused([ctx.reason("outcome_not_allowed", outcome=shown, allowed=allowed)])
    return _expand(ctx, p, target)


def _close(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    case = ctx.case
    if case.level == 0:
        return close_at_level_0(ctx, p)
    reasons = closing_summary_reasons(ctx, p)
    hand_down = p.get("hand_down_to")
    if hand_down is None:
        if reasons:
            raise Refused(reasons)
        closed = CaseClosed(
            level=case.level, outcome="close", changes=p["changes"], agreed=p["agreed"]
        )
        return [Draft(closed)]
    return _hand_down(ctx, p, hand_down, reasons)


def _hand_down(
    ctx: Context, p: dict[str, Any], hand_down: int, reasons: list[Reason]
) -> list[Draft]:
    case = ctx.case
    dest = ctx.machine.fire(case, f"hand_down_{hand_down}") if case.level == 3 else None
    if dest is None:
        raise Refused(
            [
                ctx.reason(
                    "outcome_not_allowed",
                    outcome=f"close, hand down to {hand_down}",
                    allowed=", ".join(allowed_outcomes(ctx)),
                )
            ]
        )
    reasons += level_change_reasons(ctx, p)
    # the next evaluation happens at the lower level, so that level's limit applies
    reasons += next_evaluation_reasons(ctx, p, hand_down)
    if reasons:
        raise Refused(reasons)
    appointed, offered = at_level_change(case, p.get("baton_holder"))
    changed = LevelChanged(
        from_level=case.level,
        to_level=hand_down,
        step=dest,
        outcome="hand_down",
        changes=p["changes"],
        agreed=p["agreed"],
        family_wish=p["family_wish"],
        next_evaluation=p["next_evaluation"],
        delay_reason=p.get("delay_reason"),
        baton_holder=appointed,
        baton_offer=offered,
    )
    return [Draft(changed)]


def _continue(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = next_evaluation_reasons(ctx, p)
    if reasons:
        raise Refused(reasons)
    dest = ctx.machine.fire(ctx.case, "continue")
    assert dest is not None
    continued = EvaluationContinued(
        step=dest,
        outcome="continue",
        next_evaluation=p["next_evaluation"],
        delay_reason=p.get("delay_reason"),
        agreed=p.get("agreed"),
    )
    return [Draft(continued)]


def _rights(ctx: Context, p: dict[str, Any], target: int) -> tuple[list[Reason], list[Draft]]:
    """Rule 13: expanding at level 3 assesses the rights, unless they were assessed before."""
    if ctx.case.level != 3 or target != 3 or ctx.case.rights_assessed:
        return [], []
    if p.get("rights_assessment") is None:
        return [ctx.reason("rights_assessment_required")], []
    return [], [Draft(RightsAssessed(**p["rights_assessment"]))]


def _expand(ctx: Context, p: dict[str, Any], target: int) -> list[Draft]:
    case = ctx.case
    holder = p.get("baton_holder")
    reasons = level_change_reasons(ctx, p) + appointment_reasons(ctx, holder)
    reasons += log_consent_reasons(ctx)
    rights_reasons, drafts = _rights(ctx, p, target)
    reasons += rights_reasons
    if reasons:
        raise Refused(reasons)
    dest = ctx.machine.fire(case, f"expand_{target}")
    assert dest is not None
    appointed, offered = at_level_change(case, holder)
    changed = LevelChanged(
        from_level=case.level,
        to_level=target,
        step=dest,
        outcome="expand",
        family_wish=p["family_wish"],
        baton_holder=appointed,
        baton_offer=offered,
    )
    drafts.append(Draft(changed))
    return drafts
