"""The relay log's entries: immutable, hash-chained records of what happened in a case.

An entry is sealed once: its ``hash`` covers every field and the previous entry's hash, so any
later change to a stored entry (or a removed one) breaks the chain and ``verify`` names it.
What an entry says is its typed ``body`` (one class per kind, in ``btiflow.case.kinds``); the
body's stored form is the canonical JSON of its unstructured data, the text that is hashed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, TypeVar

import attrs

from btiflow.case.kinds import EntryBody, body_data

_B = TypeVar("_B", bound=EntryBody)

GENESIS = "0" * 64
"""The ``prev_hash`` of a case's first entry."""


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces: the same data always gives the same text."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@attrs.frozen
class Draft:
    """An entry decided by the core, not yet numbered, timed or sealed: its typed body."""

    body: EntryBody

    @property
    def kind(self) -> str:
        return self.body.entry_kind

    @property
    def data(self) -> dict[str, Any]:
        """The body in its stored form (a new plain dict each time; changing it changes nothing)."""
        return body_data(self.body)


@attrs.frozen
class Entry:
    """One sealed entry of a case's relay log.

    ``kind`` comes from the body's class. ``data`` is the body in its stored form (plain
    JSON-ready data, as hashed and stored), kept for callers that read dicts: a new dict each
    time, so it is read-only in effect.
    """

    case_id: str
    seq: int
    time: dt.datetime
    actor: str
    role: str
    unit: str
    body: EntryBody
    workflow_hash: str
    prev_hash: str
    hash: str

    @property
    def kind(self) -> str:
        return self.body.entry_kind

    @property
    def data(self) -> dict[str, Any]:
        """The body's stored form (what is hashed and stored)."""
        return body_data(self.body)

    def body_as(self, cls: type[_B]) -> _B:
        """The body, which must be a ``cls`` (``TypeError`` otherwise): for typed reading."""
        if not isinstance(self.body, cls):
            raise TypeError(f"entry {self.seq} is {self.kind}, not {cls.entry_kind}")
        return self.body

    def compute_hash(self) -> str:
        """The hash this entry should have, from its fields and ``prev_hash``."""
        return _hash(self, canonical_json(self.data))


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
    entry = Entry(case_id, seq, time, actor, role, unit, draft.body, workflow_hash, prev_hash, "")
    return attrs.evolve(entry, hash=_hash(entry, canonical_json(draft.data)))
