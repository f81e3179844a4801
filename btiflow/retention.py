"""Retention: legal holds, and the purge that erases a case's contents after its time.

A closed case whose archive package was written (``btiflow.archive``) longer ago than its
guide's ``retention.after_archive`` is *purged*: the content of every entry (who, as what,
in which unit, and what the entry says) and its state are erased, its access log removed, and
a ``case_purged`` entry says what is left and under which decision. Each erased entry keeps
its seq, time, kind, guide version and hashes (hash form 2 keeps a content hash), so the chain
still verifies and exported chain heads still match. Each case's access log keeps its rows for
``retention.access_log``; older rows are removed, recorded by an ``access_log_erased`` entry.

A case under a legal hold (``place_hold``, by an administrator, with a reason) is never
touched until the hold is released (``release_hold``). Everything here writes through
``Store.erase`` or ``Store.append``, one transaction per case: a refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from btiflow.access import AccessRecord
from btiflow.case.entries import GENESIS, Draft, Entry, Tombstone
from btiflow.case.fold import extend
from btiflow.case.kinds import (
    AccessLogErased,
    CaseArchived,
    CasePurged,
    LegalHoldPlaced,
    LegalHoldReleased,
    WorkflowRef,
)
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.errors import InWords, RetentionError
from btiflow.localtime import OSLO
from btiflow.store.base import KEPT_ON_PURGE, Erasure, Store
from btiflow.workflow.model import Period, Workflow

__all__ = [
    "PurgeItem",
    "PurgeRun",
    "access_cut_day",
    "archived_at",
    "place_hold",
    "purge",
    "purge_day",
    "release_hold",
]


_ENDED = ("closed", "transferred")
"""A case's status once it has ended here: closed, or moved with the family (btiflow.transfer)."""


@attrs.frozen
class PurgeItem:
    """One thing a purge erased (or, in a dry run, would erase): a whole case (``what`` is
    'case') or the oldest rows of its access log ('access_log')."""

    case_id: str
    what: str
    entries: int  # entries whose content is erased (0 for an access-log cut)
    access_rows: int  # access-log rows removed
    day: dt.date  # a case: the day it became due; an access log: rows before it went


@attrs.frozen
class PurgeRun:
    """What ``purge`` did: the items erased, the cases it left alone because of a legal hold
    (though due), and whether it was a dry run (nothing written)."""

    items: tuple[PurgeItem, ...]
    held: tuple[str, ...]
    dry_run: bool


def _check_admin(by: Actor, what: str) -> None:
    """Only an administrator may ``what`` ("purge", "hold", "release")."""
    if by.role != "admin":
        raise RetentionError.coded(f"retention.not_admin.{what}", who=by.id)


def _check_reason(reason: str, what: str) -> str:
    """A purge, a hold or its release (``what``) says why."""
    if not isinstance(reason, str) or not reason.strip():
        raise RetentionError.coded(f"retention.no_reason.{what}")
    return reason.strip()


def _aware(now: dt.datetime | None) -> dt.datetime:
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise RetentionError.coded("naive_time")
    return now


def place_hold(
    store: Store, case_id: str, *, by: Actor, reason: str, now: dt.datetime | None = None
) -> Case:
    """Put a case under a legal hold (an administrator, with the reason): no purge touches it
    until ``release_hold``. Refused (nothing written) for a case already held or purged."""
    return _hold(store, case_id, by=by, reason=reason, now=now, place=True)


def release_hold(
    store: Store, case_id: str, *, by: Actor, reason: str, now: dt.datetime | None = None
) -> Case:
    """Release a case's legal hold (an administrator, with the reason)."""
    return _hold(store, case_id, by=by, reason=reason, now=now, place=False)


def _hold(
    store: Store,
    case_id: str,
    *,
    by: Actor,
    reason: str,
    now: dt.datetime | None,
    place: bool,
) -> Case:
    what = "hold" if place else "release"
    _check_admin(by, what)
    reason = _check_reason(reason, what)
    now = _aware(now)
    case = store.load(case_id)
    if case.status == "purged":
        raise RetentionError.coded("retention.purged_nothing_to_hold", case=case.id)
    if place and case.legal_hold is not None:
        raise RetentionError.coded("retention.already_held", case=case.id)
    if not place and case.legal_hold is None:
        raise RetentionError.coded("retention.not_held", case=case.id)
    body = LegalHoldPlaced(reason=reason) if place else LegalHoldReleased(reason=reason)
    entries, state = extend(case, [Draft(body)], by=by, time=now)
    kind = "hold" if place else "release"
    record = AccessRecord(
        case.id, now, by.id, by.name, by.role, by.unit, "admin", kind, entries[-1].seq
    )
    store.append(entries, state, expected_seq=case.seq, access=[record])
    return state


def archived_at(log: Sequence[Entry]) -> dt.datetime | None:
    """When the case's package was first archived after it ended (closed, or moved to another
    municipality); None: never."""
    for entry in log:
        if isinstance(entry.body, CaseArchived) and entry.body.status in _ENDED:
            return entry.time
    return None


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(OSLO).date()


def purge_day(log: Sequence[Entry], workflow: Workflow) -> dt.date | None:
    """The first day the case may be purged: its guide's ``retention.after_archive`` after the
    day its package was archived (Norway's days); None if it was not archived closed or its
    guide keeps cases forever."""
    period = workflow.retention.after_archive
    archived = archived_at(log)
    if period is None or archived is None:
        return None
    return period.after(_day(archived))


def access_cut_day(period: Period, today: dt.date) -> dt.date:
    """The first day whose access-log rows are still kept on ``today``: rows logged on an
    earlier day are past ``period`` (``period.after(day) <= today``)."""
    day = today - dt.timedelta(days=period.years * 366 + period.months * 31 + period.days + 2)
    while period.after(day) <= today:
        day += dt.timedelta(days=1)
    return day


def purge(
    store: Store,
    *,
    by: Actor,
    reference: str,
    at: dt.datetime | None = None,
    case_ids: Sequence[str] | None = None,
    dry_run: bool = False,
) -> PurgeRun:
    """Erase what the guides' retention periods say is due on ``at``'s day (Norway's).

    Every case (or only ``case_ids``) is looked at once: a case archived closed and past its
    ``retention.after_archive`` is purged; of any other case, access-log rows past
    ``retention.access_log`` are removed. Cases under a legal hold are left alone (listed in
    ``held`` when something was due). A case named in ``case_ids`` that cannot be purged
    (not archived, not yet due, held, already purged) is refused with ``RetentionError`` before
    anything is written. ``reference`` names the decision or rule the erasure follows; it is
    recorded in the log. With ``dry_run`` nothing is written.
    """
    _check_admin(by, "purge")
    reference = _check_reason(reference, "purge")
    now = _aware(at)
    today = _day(now)
    named = case_ids is not None
    plans: list[tuple[Case, PurgeItem, Erasure | None]] = []
    held: list[str] = []
    for case_id in case_ids if case_ids is not None else store.case_ids():
        case = store.load(case_id)
        if named:
            _refuse_named(store, case, today)
        plan = _plan(store, case, by=by, now=now, reference=reference)
        if plan is None:
            continue
        if case.legal_hold is not None:
            held.append(case.id)
            continue
        plans.append((case, *plan))
    if not dry_run:
        for _case, _item, erasure in plans:
            assert erasure is not None
            store.erase(erasure)
    return PurgeRun(tuple(item for _c, item, _e in plans), tuple(held), dry_run)


def _refuse_named(store: Store, case: Case, today: dt.date) -> None:
    """Why a case named for purging cannot be purged on ``today``, if it cannot."""
    if case.status == "purged":
        raise RetentionError.coded("retention.purged_already", case=case.id)
    if case.legal_hold is not None:
        raise RetentionError.coded("retention.held", case=case.id)
    log = store.entries(case.id)
    if case.status not in _ENDED or archived_at(log) is None:
        raise RetentionError.coded("retention.not_archived", case=case.id)
    workflow = store.load_workflow(case.workflow_hash)
    due = purge_day(log, workflow)
    if due is None:
        values = {"case": case.id, "guide": workflow.id, "version": workflow.version}
        raise RetentionError.coded("retention.kept", **values)
    if due > today:
        raise RetentionError.coded(
            "retention.not_yet",
            case=case.id,
            due=InWords(due, "day"),
            period=InWords(workflow.retention.after_archive, "period"),
            today=InWords(today, "day"),
        )


def _plan(
    store: Store, case: Case, *, by: Actor, now: dt.datetime, reference: str
) -> tuple[PurgeItem, Erasure] | None:
    """What is due of one case on ``now``'s day: a purge, an access-log cut, or nothing."""
    if case.status == "purged":
        return None
    today = _day(now)
    workflow = store.load_workflow(case.workflow_hash)
    log = store.entries(case.id)
    due = purge_day(log, workflow) if case.status in _ENDED else None
    chain = store.access_chain(case.id)
    if due is not None and due <= today:
        return _purge_plan(case, log, chain, workflow, due, by=by, now=now, reference=reference)
    period = workflow.retention.access_log
    if period is None or not chain:
        return None
    first_kept = access_cut_day(period, today)
    old = 0
    while old < len(chain) and _day(chain[old][0]) < first_kept:
        old += 1
    if not old:
        return None
    body = AccessLogErased(
        before=first_kept.isoformat(), rows=old, base=chain[old - 1][1], reference=reference
    )
    entries, state = extend(case, [Draft(body)], by=by, time=now)
    erasure = Erasure(case.id, case.seq, tuple(entries), state, None, old, body.base)
    return PurgeItem(case.id, "access_log", 0, old, first_kept), erasure


def _purge_plan(
    case: Case,
    log: Sequence[Entry],
    chain: Sequence[tuple[dt.datetime, str]],
    workflow: Workflow,
    due: dt.date,
    *,
    by: Actor,
    now: dt.datetime,
    reference: str,
) -> tuple[PurgeItem, Erasure]:
    archived = archived_at(log)
    assert archived is not None
    assert case.closed_at is not None
    period = workflow.retention.after_archive
    assert period is not None
    erased = sum(1 for e in log if e.kind not in KEPT_ON_PURGE)
    body = CasePurged(
        workflow=WorkflowRef(
            id=case.workflow_id, version=case.workflow_version, hash=case.workflow_hash
        ),
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        archived_at=archived.isoformat(),
        retention=period.iso,
        erased=erased,
        access_rows=len(chain),
        reference=reference,
    )
    entries, state = extend(case, [Draft(body)], by=by, time=now)
    tombstone = Tombstone(now.isoformat(), entries[-1].seq, reference)
    erasure = Erasure(case.id, case.seq, tuple(entries), state, tombstone, len(chain), GENESIS)
    return PurgeItem(case.id, "case", erased, len(chain), due), erasure
