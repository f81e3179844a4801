"""The relay log's entries: immutable, hash-chained records of what happened in a case.

An entry is sealed once: its ``hash`` covers every field and the previous entry's hash, so any
later change to a stored entry (or a removed one) breaks the chain and ``verify`` names it.
What an entry says is its typed ``body`` (one class per kind, in ``btiflow.case.kinds``); the
body's stored form is the canonical JSON of its unstructured data, the text that is hashed.

Two hash forms (docs/design.md, "Retention and erasure"):

- form 1 (btiflow 0.1.0 until retention came): the hash covers the header fields and the
  body's text itself. ``content_hash`` is None.
- form 2 (every entry sealed since): ``content_hash`` is SHA-256 of the entry's personal
  content (actor, role, unit and the body's text), and the hash covers the header fields
  (case, seq, time, kind, guide version, previous hash) and that content hash. Erasing the
  content (a purge) keeps the content hash, so the chain still verifies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, ClassVar, TypeVar

import attrs

from btiflow.case.kinds import EntryBody, body_data

_B = TypeVar("_B", bound=EntryBody)

GENESIS = "0" * 64
"""The ``prev_hash`` of a case's first entry."""

_FORM_2 = "btiflow-entry/2"
"""The first item of a form-2 entry's hashed header (a form-1 header starts with the case id)."""


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
    content_hash: str | None = None  # None: hash form 1 (entries sealed before retention)
    erased: Tombstone | None = None  # set when a purge erased the content

    @property
    def kind(self) -> str:
        if isinstance(self.body, Erased):
            return self.body.kind
        return self.body.entry_kind

    @property
    def data(self) -> dict[str, Any]:
        """The body's stored form (what is hashed and stored; ``{}`` once erased)."""
        if isinstance(self.body, Erased):
            return {}
        return body_data(self.body)

    @property
    def form(self) -> int:
        """The hash form: 1 (the body's text hashed directly) or 2 (a content hash)."""
        return 1 if self.content_hash is None else 2

    def body_as(self, cls: type[_B]) -> _B:
        """The body, which must be a ``cls`` (``TypeError`` otherwise): for typed reading."""
        if not isinstance(self.body, cls):
            raise TypeError(f"entry {self.seq} is {self.kind}, not {cls.entry_kind}")
        return self.body

    def compute_content_hash(self) -> str:
        """The content hash this entry's content gives (form 2; meaningless once erased)."""
        return content_hash(self.actor, self.role, self.unit, canonical_json(self.data))

    def compute_hash(self) -> str:
        """The hash this entry should have, from its fields and ``prev_hash``: in form 2 from
        its stored ``content_hash`` (so an erased entry still gives it), in form 1 from the
        body itself."""
        if self.content_hash is not None:
            return _hash_2(self, self.content_hash)
        return _hash(self, canonical_json(self.data))


@attrs.frozen
class Tombstone:
    """What is left of an erased entry's content: when, by which entry of the log (the
    ``case_purged`` entry's seq) and under which decision or reference."""

    at: str
    by_seq: int
    reference: str

    def to_json(self) -> str:
        return canonical_json({"at": self.at, "by_seq": self.by_seq, "reference": self.reference})

    @classmethod
    def from_json(cls, text: str) -> Tombstone:
        data = json.loads(text)
        if not isinstance(data, dict) or set(data) != {"at", "by_seq", "reference"}:
            raise ValueError("a tombstone has at, by_seq and reference")
        at, by_seq, reference = data["at"], data["by_seq"], data["reference"]
        if not isinstance(at, str) or type(by_seq) is not int or not isinstance(reference, str):
            raise ValueError("a tombstone's at and reference are texts, by_seq a whole number")
        return cls(at, by_seq, reference)


@attrs.frozen(kw_only=True)
class Erased(EntryBody):
    """The body of an erased entry: only its kind is left (never stored as a kind itself)."""

    entry_kind: ClassVar[str] = "erased"
    kind: str


def content_hash(actor: str, role: str, unit: str, data_text: str) -> str:
    """SHA-256 of an entry's personal content: who (actor, role, unit) and what (the body)."""
    who = canonical_json([actor, role, unit])
    return hashlib.sha256(f"{who}\n{data_text}".encode()).hexdigest()


def _hash_2(entry: Entry, digest: str) -> str:
    head = canonical_json(
        [
            _FORM_2,
            entry.case_id,
            entry.seq,
            entry.time.isoformat(),
            entry.kind,
            entry.workflow_hash,
            entry.prev_hash,
            digest,
        ]
    )
    return hashlib.sha256(head.encode()).hexdigest()


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
    """Number, time and hash a draft (hash form 2), chaining it to ``prev_hash``."""
    if time.tzinfo is None:
        raise ValueError("entry time must be timezone-aware")
    time = time.astimezone(dt.UTC)
    digest = content_hash(actor, role, unit, canonical_json(draft.data))
    entry = Entry(
        case_id, seq, time, actor, role, unit, draft.body, workflow_hash, prev_hash, "", digest
    )
    return attrs.evolve(entry, hash=_hash_2(entry, digest))
