"""An outbox row as the engine writes it (the store inserts these; nothing here touches a file)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

OUTBOX_COLUMNS = (
    "key",
    "case_id",
    "seq",
    "kind",
    "recipient",
    "address",
    "message_id",
    "subject",
    "message",
    "status",
    "note",
    "attempts",
    "created_at",
    "next_attempt_at",
)
"""The columns a new row fills; the dispatcher fills the rest (claims, sent_at, error)."""


def stamp(moment: dt.datetime) -> str:
    """A time as the outbox stores it: UTC, fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("outbox times must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@attrs.frozen
class OutboxRow:
    """One message to send (``pending``), or one that cannot be (``skipped``, with a note).

    ``key`` is unique in the outbox: an invitation's names the entry that caused it, a
    reminder's the case, the date it is about and its kind, so each is enqueued once.
    """

    key: str
    case_id: str
    seq: int | None
    kind: str
    recipient: str
    address: str | None
    message_id: str
    subject: str
    message: bytes
    created_at: dt.datetime
    status: str = "pending"
    note: str = ""

    def values(self) -> tuple[Any, ...]:
        """The values of ``OUTBOX_COLUMNS``, in order (the stores insert them)."""
        return (
            self.key,
            self.case_id,
            self.seq,
            self.kind,
            self.recipient,
            self.address,
            self.message_id,
            self.subject,
            self.message,
            self.status,
            self.note,
            0,
            stamp(self.created_at),
            stamp(self.created_at),
        )
