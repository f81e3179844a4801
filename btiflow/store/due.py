"""Due and overdue evaluations over very many cases: streamed a page at a time, each row a tuple.

A store answers one page (``Store.due_page``: at most ``limit`` rows after a row, in due-day and
case-id order, from its covering index); ``due_rows`` and ``overdue_rows`` ask page after page,
each page a query of its own, so no read stays open between pages and memory stays flat however
many rows there are. The list is read live, not as one snapshot: a case acted on while the rows
are being read may be met at its old day, at its new one, both or neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from btiflow.case.people import storable

if TYPE_CHECKING:
    from btiflow.store.base import DueAfter, DueRow, Store

PAGE = 10_000
"""Rows a store is asked for at a time: a page costs a query (on PostgreSQL a round trip, about
a millisecond), so pages of 1,000 made a stream of 168,000 rows 1.8x a raw fetch there, pages
of 10,000 about 1.25x; a page of tuples this size is about 2 MB."""


def due_query(where: str, day: str = "next_evaluation_due") -> str:
    """The SELECT of open cases with an evaluation due, narrowed by ``where``, in order; ``day``
    is how the due day is selected (a store may name a converter for it)."""
    return (
        f"SELECT case_id, {day}, level, step, baton_holder, baton_unit FROM cases "
        f"WHERE status = 'open' AND next_evaluation_due IS NOT NULL AND {where} "
        "ORDER BY next_evaluation_due, case_id"
    )


def due_bounds(
    first: dt.date | None, last: dt.date, after: DueAfter | None, mark: str
) -> tuple[str, list[Any]]:
    """The WHERE clause (with ``mark`` as placeholder) and its arguments for a page."""
    where = [f"next_evaluation_due <= {mark}"]
    args: list[Any] = [last]
    # One lower bound, the tighter one, so the index is searched from it (SQLite would take
    # the day alone and step over every row before ``after``).
    if after is not None and (first is None or after[0] >= first):
        where.append(f"(next_evaluation_due, case_id) > ({mark}, {mark})")
        args.extend(after)
    elif first is not None:
        where.append(f"next_evaluation_due >= {mark}")
        args.append(first)
    return " AND ".join(where), args


def checked_after(after: object) -> DueAfter | None:
    """``after`` when it is a (day, case id) pair; TypeError or ValueError otherwise."""
    if after is None:
        return None
    if not (
        isinstance(after, tuple)
        and len(after) == 2
        and isinstance(after[0], dt.date)
        and not isinstance(after[0], dt.datetime)
        and isinstance(after[1], str)
    ):
        raise TypeError("after must be a (datetime.date, case id) pair: the last row's due, id")
    if not storable(after[1]) or "\x00" in after[1]:
        raise ValueError("after: not a case id a store could hold")
    return after[0], after[1]


def due_rows(
    store: Store,
    first: dt.date | None,
    last: dt.date,
    *,
    after: DueAfter | None = None,
    page: int = PAGE,
) -> Iterator[DueRow]:
    """Open cases whose evaluation falls from ``first`` (None: any day before) to ``last``,
    after ``after``, as ``DueRow`` tuples, in order; asked of ``store`` ``page`` rows at a time.
    Checked at once (TypeError, ValueError); the store is read as the rows are taken."""
    after = checked_after(after)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ValueError("page must be a whole number of rows, at least 1")
    return _pages(store, first, last, after, page)


def overdue_rows(
    store: Store, today: dt.date, *, after: DueAfter | None = None, page: int = PAGE
) -> Iterator[DueRow]:
    """Open cases whose evaluation was due before ``today``, as ``due_rows`` gives them."""
    if today == dt.date.min:  # no day comes before it
        checked_after(after)
        return iter(())
    return due_rows(store, None, today - dt.timedelta(days=1), after=after, page=page)


def _pages(
    store: Store, first: dt.date | None, last: dt.date, after: DueAfter | None, page: int
) -> Iterator[DueRow]:
    while True:
        rows = store.due_page(first, last, after=after, limit=page)
        yield from rows
        if len(rows) < page:
            return
        case_id, due = rows[-1][:2]
        after = (due, case_id)
