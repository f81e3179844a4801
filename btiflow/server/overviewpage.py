"""The overview page (``/oversikt``) of a line manager and the municipality's BTI coordinator.

``Engine.overview`` decides what is counted and which cases are listed (``btiflow.overview``):
this page only words it. Figures by level and status, evaluations overdue and due soon, offers
of the baton not yet answered, and links only to the cases the person may already see. Anyone
whose role gives no overview gets 403. Linked from "Mine saker" for those whose role gives one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get

from btiflow import AccessDenied, Actor, CaseSummary, Engine, Overview
from btiflow.overview import scope_of
from btiflow.server.pages import PageError, Pages, _pages, show
from btiflow.server.pages import title as word

STATUSES = ("open", "closed", "transferred", "purged")
"""The table's columns in this order; the last two only when a case has that status."""


def overview_title(pages: Pages, actor: Actor) -> str:
    """The title of ``actor``'s overview ("" when their role gives none): the link's words."""
    scope = scope_of(actor)
    if scope is None:
        return ""
    if scope.unit is None:
        return word(pages, "title.overview_municipality")
    return word(pages, "title.overview_unit", unit=scope.unit)


def _line(engine: Engine, summary: CaseSummary) -> dict[str, Any]:
    workflow = engine.workflow_of(engine.case(summary.case_id))
    step = workflow.find_step(summary.step)[1].title.get(workflow.language)
    due = summary.next_evaluation_due
    return {
        "case_id": summary.case_id,
        "subject": summary.subject,
        "level": summary.level,
        "step": step,
        "due": dt.date.fromisoformat(due) if due else None,
    }


def _table(
    engine: Engine, shown: Overview
) -> tuple[list[str], list[tuple[int, list[int], int]], tuple[list[int], int]]:
    """The columns (statuses), a row per level (the guide's levels and any a case stands
    at), and the totals."""
    statuses = [s for s in STATUSES if s in ("open", "closed") or shown.count(status=s)]
    levels = sorted({lvl.level for lvl in engine.workflow.levels} | {c.level for c in shown.counts})
    table = [
        (level, [shown.count(level, s) for s in statuses], shown.count(level)) for level in levels
    ]
    return statuses, table, ([shown.count(status=s) for s in statuses], shown.count())


@get("/oversikt", sync_to_thread=True)
def overview_page(request: Request[Any, Any, Any]) -> Response[str]:
    """The person's overview; 403 for a role that gives none (not logged: no case's contents)."""
    pages = _pages(request)
    _, session, actor = pages.person(request)
    engine = pages.engines.get()
    try:
        shown = engine.overview(actor)
    except AccessDenied as exc:
        raise PageError(403, "not_permitted") from exc
    if shown.unit is None:
        scope = word(pages, "overview.scope_municipality")
    else:
        scope = word(pages, "overview.scope_unit", unit=shown.unit)
    statuses, table, totals = _table(engine, shown)
    attention = [
        (word(pages, "overview.overdue"), shown.total_overdue),
        (word(pages, "overview.soon"), shown.total_due_soon),
        (word(pages, "overview.offers"), shown.total_offers),
    ]
    return show(
        pages,
        "overview.html",
        overview_title(pages, actor),
        session,
        scope=scope,
        as_of=shown.day,
        attention=attention,
        statuses=statuses,
        table=table,
        totals=totals,
        overdue=[_line(engine, s) for s in shown.overdue],
        soon=[_line(engine, s) for s in shown.due_soon],
        offers=[_line(engine, s) for s in shown.offers],
    )
