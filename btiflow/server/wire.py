"""The one shape the service says differently from the library: a relay-log entry.

In the library an entry's body is typed (``Entry.body``, one class per kind in
``btiflow.case.kinds``). Over HTTP an entry is its header, its ``kind`` and ``data``: the body's
stored form, the JSON that is hashed and stored, so a client reads every kind the same way and
can check the hash chain. ``StaffView`` here is the library's, field for field, with its log
said so; every other answer is the library's own class. The names stay the library's, so the
OpenAPI document names the shapes as the library does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

import btiflow

# Not in btiflow.__all__ (yet): the staff view's parts
from btiflow.views import Document, Note


@attrs.frozen
class Entry:
    """One sealed entry of a case's relay log, its body in its stored form (``data``)."""

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

    @classmethod
    def of(cls, entry: btiflow.Entry) -> Entry:
        return cls(
            case_id=entry.case_id,
            seq=entry.seq,
            time=entry.time,
            actor=entry.actor,
            role=entry.role,
            unit=entry.unit,
            kind=entry.kind,
            data=entry.data,
            workflow_hash=entry.workflow_hash,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )


@attrs.frozen
class StaffView:
    """The case as staff with access see it: the family's view plus what staff need."""

    case_id: str
    relation: str
    family: btiflow.FamilyView
    concern: str | None
    suspected_harm: bool
    notes: tuple[Note, ...]
    documents: tuple[Document, ...]
    case: btiflow.Case
    log: tuple[Entry, ...]

    @classmethod
    def of(cls, view: btiflow.StaffView) -> StaffView:
        fields = attrs.asdict(view, recurse=False)
        fields["log"] = tuple(Entry.of(e) for e in view.log)
        return cls(**fields)
