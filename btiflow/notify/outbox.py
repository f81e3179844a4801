"""The outbox as the dispatcher sees it: a message (``OutboxMessage``) and a queue (``MailQueue``).

Each store owns its outbox table (``btiflow.store.outbox.Outbox`` for SQLite,
``btiflow.store.postgres.PostgresOutbox``); the dispatcher needs only this protocol, so
``notify`` never imports a store.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

import attrs

if TYPE_CHECKING:
    from btiflow.notify.ics import CalendarEvent

STATUSES = ("pending", "sending", "sent", "failed", "skipped")


@attrs.frozen
class OutboxMessage:
    """A row of the outbox as it stands."""

    id: int
    key: str
    case_id: str
    kind: str
    recipient: str
    address: str | None
    message_id: str
    subject: str
    message: bytes
    status: str
    note: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    error: str | None

    def email(self) -> EmailMessage | None:
        """The message as a mail client reads it (None for a skipped row): built from the
        row's recipe (``compose.py``), or as stored by an older btiflow."""
        if not self.message:
            return None
        # imported here: the stores import this module, and keep rows without building them
        from btiflow.notify import compose

        if compose.is_recipe(self.message):
            return compose.build(compose.decode(self.message))
        parsed = email.message_from_bytes(self.message, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def text(self) -> str:
        """The plain-text body ('' for a skipped row)."""
        msg = self.email()
        body = msg.get_body(("plain",)) if msg is not None else None
        return "" if body is None else str(body.get_content())

    def calendar(self) -> CalendarEvent | None:
        """The attached invitation (invite.ics), if the message has one."""
        # Imported here: the stores import this module, and need no icalendar to keep rows.
        from btiflow.notify.ics import read_event

        msg = self.email()
        for part in msg.iter_attachments() if msg is not None else ():
            if part.get_filename() == "invite.ics":
                data = part.get_payload(decode=True)
                assert isinstance(data, bytes)
                return read_event(data)
        return None


class MailQueue(Protocol):
    """What a dispatcher needs of an outbox: ``Outbox`` (SQLite) or ``PostgresOutbox``."""

    def messages(
        self, status: str | None = None, case_id: str | None = None
    ) -> list[OutboxMessage]: ...

    def counts(self) -> dict[str, int]: ...

    def claim(self, now: dt.datetime, lease: dt.timedelta, worker: str) -> OutboxMessage | None: ...

    def mark_sent(self, message_id: int, worker: str, now: dt.datetime) -> bool: ...

    def mark_failed(self, message_id: int, worker: str, error: str) -> bool: ...

    def retry_later(self, message_id: int, worker: str, error: str, at: dt.datetime) -> bool: ...

    def close(self) -> None: ...
