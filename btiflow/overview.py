"""The overview a line manager and the municipality's BTI coordinator see: figures, not cases.

Which cases a person's overview counts follows from their role (``scope_of``):

=============  ============================================================================
role           counts
=============  ============================================================================
coordinator    every case of the municipality (the store's tenant): the BTI coordinator
               follows the model across services and may pass on any case's baton (rule 5)
leader         their unit's cases: opened in the unit (its concerns, level 0 included),
               whose baton is held in it, or whose baton is offered to someone in it: the
               cases the unit answers for, where the leader may pass the baton on (rule 5)
anyone else    no overview (``AccessDenied``)
=============  ============================================================================

The figures (``Store.case_counts``, read from indexes, never from the cases' contents): cases
by level and status; of the open ones, evaluations overdue and due soon (rule 7), offers of the
baton not yet answered (rule 5). They name no child and hold nothing a case says. Beside them
the overview lists only the overdue, soon-due and offered cases the person may already see
through ``btiflow.access``, exactly as their "Mine saker" would; a case they may
not see is in the figures and nowhere else. Reading the overview reads no case's contents, so
it adds no row to any case's access log. See docs/permissions.md, "The overview".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs

from btiflow.access import access, may_see_any
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.store.base import CaseCount, Store
from btiflow.views import CaseSummary, summary
from btiflow.workflow.model import Workflow

SOON = dt.timedelta(days=7)
"""How far ahead an evaluation counts as due soon (as "Mine saker" lists them)."""


@attrs.frozen
class Scope:
    """Which cases an overview counts: ``municipality`` (all) or ``unit`` (``unit``'s)."""

    name: str
    unit: str | None = None


def scope_of(actor: Actor) -> Scope | None:
    """The overview ``actor``'s role allows (see the module's table), or None."""
    if actor.role == "coordinator":
        return Scope("municipality")
    if actor.role == "leader" and actor.unit:
        return Scope("unit", actor.unit)
    return None


@attrs.frozen
class Overview:
    """The figures of the cases a leader's unit or the municipality answers for, and the
    cases among them needing attention that the person may see (``Engine.overview``)."""

    scope: str
    """``municipality`` (every case) or ``unit`` (the unit's cases)."""
    unit: str | None
    day: dt.date
    """The day the figures are for: overdue means due before it."""
    soon_until: dt.date
    """Due soon means due from ``day`` to this day."""
    counts: tuple[CaseCount, ...]
    """By level and status; a level or status with no case is left out."""
    overdue: tuple[CaseSummary, ...] = ()
    """Of the cases with an evaluation overdue, those the person may see."""
    due_soon: tuple[CaseSummary, ...] = ()
    """Of the cases with an evaluation due soon, those the person may see."""
    offers: tuple[CaseSummary, ...] = ()
    """Of the cases whose baton offer is unanswered, those the person may see."""

    def count(self, level: int | None = None, status: str | None = None) -> int:
        """How many cases, at ``level`` and with ``status`` (None: any)."""
        return sum(
            c.cases
            for c in self.counts
            if (level is None or c.level == level) and (status is None or c.status == status)
        )

    @property
    def total_overdue(self) -> int:
        return sum(c.overdue for c in self.counts)

    @property
    def total_due_soon(self) -> int:
        return sum(c.due_soon for c in self.counts)

    @property
    def total_offers(self) -> int:
        return sum(c.offers for c in self.counts)


def overview(
    store: Store,
    workflow_of: Callable[[Case], Workflow],
    viewer: Actor,
    now: dt.datetime,
    day: dt.date,
    within: dt.timedelta = SOON,
) -> Overview | None:
    """``viewer``'s overview on ``day`` (None: their role gives none): the store's figures
    for their scope, and the cases needing attention they may see at ``now``."""
    scope = scope_of(viewer)
    if scope is None:
        return None
    until = day + within
    counts = tuple(store.case_counts(scope.unit, day, until))
    listed: dict[str, list[CaseSummary]] = {"overdue": [], "soon": [], "offer": []}
    # a role that sees no case (the coordinator) reads none: the figures are all it gets
    candidates = store.needing_attention(scope.unit, day, until) if may_see_any(viewer) else []
    for case_id in candidates:
        case = store.load(case_id)
        seen = access(workflow_of(case), case, viewer, now)
        if seen.sees is None:
            continue
        line = summary(case, seen.sees)
        due = case.next_evaluation_due
        if due is not None and dt.date.fromisoformat(due) < day:
            listed["overdue"].append(line)
        elif due is not None and dt.date.fromisoformat(due) <= until:
            listed["soon"].append(line)
        if case.baton_offer is not None:
            listed["offer"].append(line)
    return Overview(
        scope.name,
        scope.unit,
        day,
        until,
        counts,
        tuple(listed["overdue"]),
        tuple(listed["soon"]),
        tuple(listed["offer"]),
    )
