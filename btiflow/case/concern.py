"""Rules 1–3 of the domain: what happens with a concern at level 0.

1. Leader before guardians: the line manager is told before the guardians or the child.
2. Suspected violence, sexual abuse or neglect: the child welfare service is consulted
   (anonymously, for advice) before the guardians or the child are told.
3. A case may end at level 0, with the reason why.
"""

from __future__ import annotations

from typing import Any

from btiflow.case.context import Context, Refused
from btiflow.case.entries import Draft
from btiflow.case.kinds import CaseClosed
from btiflow.case.state import Case
from btiflow.errors import Reason

ORIGINS = ("guardians", "young_person", "other")
"""Who may bring a concern to a service besides the staff member's own observation: guardians
on their own initiative, a young person seeking help, another person who is worried (the
Sortland and Nore og Uvdal sources). The staff member who receives it opens the case."""


def child_welfare_advice_pending(case: Case) -> bool:
    """Rule 2: harm is suspected and the child welfare service has not yet been consulted."""
    return case.suspected_harm and not case.child_welfare_consulted


def inform_guardians_check(ctx: Context) -> list[Reason]:
    reasons = []
    if not ctx.case.leader_informed:
        reasons.append(ctx.reason("leader_before_guardians"))
    if child_welfare_advice_pending(ctx.case):
        reasons.append(ctx.reason("child_welfare_first"))
    if ctx.case.advised_not_to_tell:
        # never force what the advice forbids: the way on is a report, closing, or going on
        reasons.append(ctx.reason("child_welfare_advised_not_to_tell"))
    return reasons


def guardian_step_done(case: Case) -> bool:
    """Rules 1–2: the guide's "share with guardians/child" is done when the guardians or the
    child were told, when it was decided (with the reason) to go no further, or when the
    child welfare service advised not to tell them."""
    return (
        case.guardians_informed
        or case.child_informed
        or case.guardians_not_informed is not None
        or case.advised_not_to_tell
    )


def withhold_check(ctx: Context) -> list[Reason]:
    """Rule 1: deciding not to tell the guardians comes after talking with the leader."""
    return [] if ctx.case.leader_informed else [ctx.reason("leader_before_guardians")]


def inform_child_check(ctx: Context) -> list[Reason]:
    # The source names guardians; talking with the child before the child welfare service has
    # advised on a suspected-harm concern can do as much harm, so the same order applies.
    return inform_guardians_check(ctx)


def close_at_level_0(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    """Rule 3: the concern goes no further; the reason is the record of why."""
    if not p.get("reason"):
        raise Refused([ctx.reason("close_reason_required")])
    return [Draft(CaseClosed(level=0, outcome="close", reason=p["reason"]))]
