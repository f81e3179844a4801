"""How entries, state rows and access records become table rows, for every store.

The SQL dialects differ (placeholders, tenants); the columns and their values do not, so both
stores take them from here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from btiflow.access import AccessRecord
from btiflow.case.entries import GENESIS, Entry, Erased, Tombstone, canonical_json
from btiflow.case.fold import state_json
from btiflow.case.kinds import BodyError, EntryBody, body_from_data
from btiflow.case.people import storable
from btiflow.case.state import Case
from btiflow.errors import CaseNotFound, StoreError
from btiflow.notify.outbox import OutboxMessage
from btiflow.notify.rows import OUTBOX_COLUMNS
from btiflow.store.base import FeedEvent, Receipt
from btiflow.workflow.convert import structure
from btiflow.workflow.model import Workflow

ENTRY_COLUMNS = (
    "case_id, seq, time, actor, role, unit, kind, data, workflow_hash, prev_hash, hash, "
    "content_hash, erased"
)
"""An entry's columns: ``content_hash`` is NULL in hash form 1, ``erased`` NULL unless a
purge erased the entry (then its tombstone, as JSON)."""

ENTRY_COUNT = len(ENTRY_COLUMNS.split(", "))

STATE_COLUMNS = (
    "case_id",
    "workflow_id",
    "workflow_version",
    "workflow_hash",
    "subject",
    "status",
    "level",
    "step",
    "baton_holder",
    "baton_unit",
    "next_evaluation_due",
    "last_seq",
    "head_hash",
    "opened_at",
    "closed_at",
    "state",
    "opened_unit",
    "offer_to",
    "offer_unit",
)
"""The columns of a case's state row, in the order ``state_values`` gives them. The last three
(m011) let the store answer who is offered a case's baton and which unit a case belongs to
(``Store.offers_to``, ``Store.case_counts``) without reading every case's state."""

ACCESS_COLUMNS = "case_id, time, actor, name, role, unit, relation, what, seq"


def entry_values(e: Entry) -> tuple[Any, ...]:
    """An entry's values in ``ENTRY_COLUMNS`` order (data as its canonical JSON, as hashed)."""
    return (
        e.case_id,
        e.seq,
        e.time.isoformat(),
        e.actor,
        e.role,
        e.unit,
        e.kind,
        canonical_json(e.data),
        e.workflow_hash,
        e.prev_hash,
        e.hash,
        e.content_hash,
        None if e.erased is None else e.erased.to_json(),
    )


def entry_from_row(row: Sequence[Any]) -> Entry:
    """An entry from a row of ``ENTRY_COLUMNS``; ``UnreadableEntry`` if its time or data cannot
    be read, or its data does not fit its kind (which only a change behind the store's back
    can cause)."""
    (case_id, seq, time, actor, role, unit, kind, data, wf_hash, prev_hash, digest, content,
     erased) = row  # fmt: skip
    try:
        moment = dt.datetime.fromisoformat(time)
        tombstone = None if erased is None else Tombstone.from_json(erased)
        if tombstone is not None:
            if data != "{}" or (actor, role, unit) != ("", "", ""):
                raise ValueError("an erased entry still holds content")
            body: EntryBody = Erased(kind=kind)
        else:
            body = body_from_data(kind, strict_json(data))
    except (BodyError, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise UnreadableEntry(case_id, seq, str(exc) or type(exc).__name__) from exc
    return Entry(
        case_id,
        seq,
        moment,
        actor,
        role,
        unit,
        body,
        wf_hash,
        prev_hash,
        digest,
        content,
        tombstone,
    )


def strict_json(text: str) -> Any:
    """JSON with no key given twice: SQLite's ``json_extract`` reads the first of two equal
    keys and Python the last, so such a text could say one thing to SQL and another to the
    hash. ValueError for a duplicate key, as for any text that is not JSON."""
    return json.loads(text, object_pairs_hook=_unique_keys)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        keys = [k for k, _ in pairs]
        twice = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"the key {twice!r} is given twice")
    return found


class UnreadableEntry(ValueError):
    """A stored entry whose data is not a body of its kind."""

    def __init__(self, case_id: str, seq: int, problem: str) -> None:
        super().__init__(f"{case_id} entry {seq}: cannot be read ({problem})")
        self.case_id = case_id
        self.seq = seq
        self.problem = problem


def state_values(case: Case) -> list[Any]:
    """A case's state row in ``STATE_COLUMNS`` order; the due date only while the case is open."""
    holder = case.baton_holder
    return [
        case.id,
        case.workflow_id,
        case.workflow_version,
        case.workflow_hash,
        case.subject,
        case.status,
        case.level,
        case.step,
        holder.id if holder else None,
        holder.unit if holder else None,
        case.next_evaluation_due if case.is_open else None,
        case.seq,
        case.head_hash,
        case.opened_at,
        case.closed_at,
        state_json(case),
        *ties_values(case),
    ]


def ties_values(case: Case) -> tuple[str | None, str | None, str | None]:
    """The opening unit, and who is offered the baton and in which unit (only while the case is
    open: closing ends an offer), as the state row's last three columns hold them."""
    offer = case.baton_offer if case.is_open else None
    return (
        case.opened_by.unit or None,
        offer.id if offer else None,
        (offer.unit or None) if offer else None,
    )


DUE_INDEX = STATE_COLUMNS.index("next_evaluation_due")


def access_hash(prev_hash: str, values: Sequence[Any]) -> str:
    """The hash of an access-log row: its ``ACCESS_COLUMNS`` values and the case's previous
    access-log hash, so a row edited, removed or slipped in breaks the chain."""
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(list(values))}".encode()).hexdigest()


def chained_access(prev_hash: str, records: Sequence[AccessRecord]) -> list[tuple[Any, ...]]:
    """Access records as rows of ``ACCESS_COLUMNS`` + prev_hash, hash, chained from
    ``prev_hash`` (the case's access head)."""
    rows = []
    for r in records:
        values = access_values(r)
        digest = access_hash(prev_hash, values)
        rows.append((*values, prev_hash, digest))
        prev_hash = digest
    return rows


def access_values(r: AccessRecord) -> tuple[Any, ...]:
    """An access record's values in ``ACCESS_COLUMNS`` order."""
    return (
        r.case_id,
        r.time.isoformat(),
        r.actor,
        r.name,
        r.role,
        r.unit,
        r.relation,
        r.what,
        r.seq,
    )


# --- the outbox (the rows come from notify.plan; each store owns its table) ---

INSERT_OUTBOX = (  # SQLite's; PostgreSQL adds the tenant
    f"INSERT OR IGNORE INTO outbox ({', '.join(OUTBOX_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(OUTBOX_COLUMNS))})"
)
"""New rows; a key already there is left as it is (so planning a reminder twice is harmless)."""


OUTBOX_READ_COLUMNS = (
    "id, key, case_id, kind, recipient, address, message_id, subject, message, status, note, "
    "attempts, created_at, next_attempt_at, sent_at, error"
)


def outbox_message(row: tuple[Any, ...]) -> OutboxMessage:
    """An outbox message from a row of ``OUTBOX_READ_COLUMNS`` (SQLite and PostgreSQL alike)."""
    (id_, key, case_id, kind, recipient, address, message_id, subject, message, status, note,
     attempts, created, next_at, sent, error) = row  # fmt: skip
    return OutboxMessage(
        id=id_,
        key=key,
        case_id=case_id,
        kind=kind,
        recipient=recipient,
        address=address,
        message_id=message_id,
        subject=subject,
        message=bytes(message or b""),
        status=status,
        note=note or "",
        attempts=attempts,
        created_at=dt.datetime.fromisoformat(created),
        next_attempt_at=dt.datetime.fromisoformat(next_at),
        sent_at=None if sent is None else dt.datetime.fromisoformat(sent),
        error=error,
    )


def group_by_case(records: Sequence[AccessRecord]) -> list[tuple[str, list[AccessRecord]]]:
    """Access records by case, each case's in the order given (each case has its own chain)."""
    groups: dict[str, list[AccessRecord]] = {}
    for r in records:
        groups.setdefault(r.case_id, []).append(r)
    return list(groups.items())


def chain_existing(
    rows: Sequence[Sequence[Any]],
) -> list[tuple[Any, str, str, str, int]]:
    """For a migration: access-log rows (id, then ``ACCESS_COLUMNS``) in id order, chained per
    case as they stand: (id, prev_hash, hash, case_id, rows of the case so far) for each."""
    heads: dict[str, tuple[str, int]] = {}
    out = []
    for id_, *values in rows:
        case_id = values[0]
        prev, count = heads.get(case_id, (GENESIS, 0))
        digest = access_hash(prev, values)
        heads[case_id] = (digest, count + 1)
        out.append((id_, prev, digest, case_id, count + 1))
    return out


def workflow_from_row(content_hash: str, content: str) -> Workflow:
    """A stored guide version, refused (StoreError) if its content no longer gives its hash:
    an edited age limit must not quietly decide who may read a case."""
    try:
        workflow = structure(strict_json(content))
    except Exception as exc:  # a changed row can hold anything
        raise StoreError.coded("store.version_unreadable", version=content_hash[:12]) from exc
    if workflow.content_hash != content_hash:
        raise StoreError.coded("store.version_changed", version=content_hash[:12])
    return workflow


def checked_id(case_id: object) -> str:
    """``case_id`` when a store could hold it; else ``CaseNotFound`` (no such case can exist).

    A caller may pass anything: a list, a text with a lone surrogate or a NUL (which neither
    SQLite's driver nor PostgreSQL accepts) must not escape as a driver's error. The value is
    not quoted back: it may be whatever the caller had at hand.
    """
    if not storable(case_id) or "\x00" in str(case_id):
        raise CaseNotFound("?")
    return str(case_id)


# --- idempotency receipts and the event feed ---

RECEIPT_COLUMNS = "caller, key, fingerprint, status, headers, body"

FEED_COLUMNS = "position, case_id, seq, kind, time"


def receipt_from_row(row: Sequence[Any]) -> Receipt:
    return Receipt(*row)


def receipt_values(r: Receipt) -> tuple[Any, ...]:
    return (r.caller, r.key, r.fingerprint, r.status, r.headers, r.body)


def feed_event(row: Sequence[Any]) -> FeedEvent:
    position, case_id, seq, kind, time = row
    return FeedEvent(position, case_id, seq, kind, dt.datetime.fromisoformat(time))
