"""How entries, state rows and access records become table rows, for every store.

The SQL dialects differ (placeholders, tenants); the columns and their values do not, so both
stores take them from here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from btiflow.access import AccessRecord
from btiflow.case.entries import Entry, canonical_json
from btiflow.case.state import Case, to_data

ENTRY_COLUMNS = "case_id, seq, time, actor, role, unit, kind, data, workflow_hash, prev_hash, hash"

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
)
"""The columns of a case's state row, in the order ``state_values`` gives them."""

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
        canonical_json(dict(e.data)),
        e.workflow_hash,
        e.prev_hash,
        e.hash,
    )


def entry_from_row(row: Sequence[Any]) -> Entry:
    """An entry from a row of ``ENTRY_COLUMNS``."""
    (case_id, seq, time, actor, role, unit, kind, data, wf_hash, prev_hash, digest) = row
    return Entry(
        case_id,
        seq,
        dt.datetime.fromisoformat(time),
        actor,
        role,
        unit,
        kind,
        json.loads(data),
        wf_hash,
        prev_hash,
        digest,
    )


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
        canonical_json(to_data(case)),
    ]


DUE_INDEX = STATE_COLUMNS.index("next_evaluation_due")


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
