"""The relay log's entries: immutable, hash-chained records of what happened in a case.

An entry is sealed once: its ``hash`` covers every field and the previous entry's hash, so any
later change to a stored entry (or a removed one) breaks the chain and ``verify`` names it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

GENESIS = "0" * 64
"""The ``prev_hash`` of a case's first entry."""


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces: the same data always gives the same text."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@attrs.frozen
class Draft:
    """An entry decided by the core, not yet numbered, timed or sealed."""

    kind: str
    data: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Entry:
    """One sealed entry of a case's relay log."""

    case_id: str
    seq: int
    time: dt.datetime
    actor: str
    role: str
    unit: str
    kind: str
    data: Mapping[str, Any]
    workflow_hash: str
    prev_hash: str
    hash: str

    def compute_hash(self) -> str:
        """The hash this entry should have, from its fields and ``prev_hash``."""
        return _hash(self, canonical_json(dict(self.data)))


def _hash(entry: Entry, data_text: str) -> str:
    # The header fields and the data's canonical JSON, on two lines: the data is encoded once
    # per entry, and stored as exactly the text that was hashed.
    head = canonical_json(
        [
            entry.case_id,
            entry.seq,
            entry.time.isoformat(),
            entry.actor,
            entry.role,
            entry.unit,
            entry.kind,
            entry.workflow_hash,
            entry.prev_hash,
        ]
    )
    return hashlib.sha256(f"{head}\n{data_text}".encode()).hexdigest()


def seal(
    draft: Draft,
    *,
    case_id: str,
    seq: int,
    time: dt.datetime,
    actor: str,
    role: str,
    unit: str,
    workflow_hash: str,
    prev_hash: str,
) -> Entry:
    """Number, time and hash a draft, chaining it to ``prev_hash``."""
    if time.tzinfo is None:
        raise ValueError("entry time must be timezone-aware")
    time = time.astimezone(dt.UTC)
    data_text = canonical_json(dict(draft.data))
    data = json.loads(data_text)  # what is stored is what is hashed (tuples become lists...)
    entry = Entry(
        case_id, seq, time, actor, role, unit, draft.kind, data, workflow_hash, prev_hash, ""
    )
    return attrs.evolve(entry, hash=_hash(entry, data_text))
