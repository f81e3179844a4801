"""The outbox table, from the dispatcher's side: list, claim, and mark what happened.

A row is ``pending`` until a dispatcher claims it (``sending``, with a lease), then ``sent``,
``failed`` (the server refused it for good; its reply is kept) or back to ``pending`` with a
later ``next_attempt_at``. ``skipped`` rows were never sendable (no address). A claim is taken
in a write transaction, so two dispatchers never hold the same row; a dispatcher that dies
holding one loses it when the lease runs out, and the next one sends it again with the same
Message-ID (see docs/design.md: at least once).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any, Protocol

import attrs

from btiflow.errors import StoreError
from btiflow.notify.ics import CalendarEvent, read_event
from btiflow.notify.rows import INSERT_OUTBOX, OutboxRow, stamp
from btiflow.store.sqlite import SqliteStore, write_transaction

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
        """The message as a mail client reads it (None for a skipped row)."""
        if not self.message:
            return None
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
        msg = self.email()
        for part in msg.iter_attachments() if msg is not None else ():
            if part.get_filename() == "invite.ics":
                data = part.get_payload(decode=True)
                assert isinstance(data, bytes)
                return read_event(data)
        return None


READ_COLUMNS = (
    "id, key, case_id, kind, recipient, address, message_id, subject, message, status, note, "
    "attempts, created_at, next_attempt_at, sent_at, error"
)


def message_from_row(row: tuple[Any, ...]) -> OutboxMessage:
    """An outbox message from a row of ``READ_COLUMNS`` (the same for SQLite and PostgreSQL)."""
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


class Outbox:
    """The outbox of the relay log in ``path`` (its schema made by ``SqliteStore``)."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        SqliteStore(path, timeout=timeout).close()  # the file and its schema, migrated
        self.path = str(path)
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the outbox in {self.path!r}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            with write_transaction(self._conn) as conn:
                yield conn
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"could not write the outbox in {self.path!r}: {exc}") from exc

    # --- reading ---

    def messages(
        self, status: str | None = None, case_id: str | None = None
    ) -> list[OutboxMessage]:
        """Every row (or those with ``status`` / of ``case_id``), oldest first."""
        where, args = [], []
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if case_id is not None:
            where.append("case_id = ?")
            args.append(case_id)
        sql = f"SELECT {READ_COLUMNS} FROM outbox"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [message_from_row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many rows have each status."""
        rows = self._conn.execute("SELECT status, count(*) FROM outbox GROUP BY status")
        found = dict(rows.fetchall())
        return {s: int(found.get(s, 0)) for s in STATUSES}

    # --- writing ---

    def enqueue(self, rows: list[OutboxRow]) -> int:
        """Add rows whose key is not there yet; how many were new."""
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(INSERT_OUTBOX, [r.values() for r in rows])
            return conn.total_changes - before

    def claim(self, now: dt.datetime, lease: dt.timedelta, worker: str) -> OutboxMessage | None:
        """Take the next message due (pending, or held by a dispatcher whose lease ran out)."""
        at = stamp(now)
        with self._write() as conn:
            row = conn.execute(
                "SELECT id, status FROM outbox WHERE (status = 'pending' AND next_attempt_at <= ?)"
                " OR (status = 'sending' AND claimed_until <= ?) ORDER BY next_attempt_at, id "
                "LIMIT 1",
                (at, at),
            ).fetchone()
            if row is None:
                return None
            id_, status = row
            note = "an earlier attempt was interrupted; sent again with the same Message-ID"
            conn.execute(
                "UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_until = ?, "
                "attempts = attempts + 1, error = CASE WHEN ? THEN ? ELSE error END WHERE id = ?",
                (worker, stamp(now + lease), status == "sending", note, id_),
            )
            found = conn.execute(
                f"SELECT {READ_COLUMNS} FROM outbox WHERE id = ?", (id_,)
            ).fetchone()
        return message_from_row(found)

    def _finish(self, message_id: int, worker: str, sql: str, args: tuple[object, ...]) -> bool:
        with self._write() as conn:
            cur = conn.execute(
                f"UPDATE outbox SET {sql}, claimed_by = NULL, claimed_until = NULL "
                "WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                (*args, message_id, worker),
            )
            return cur.rowcount == 1

    def mark_sent(self, message_id: int, worker: str, now: dt.datetime) -> bool:
        """The server accepted it."""
        return self._finish(message_id, worker, "status = 'sent', sent_at = ?", (stamp(now),))

    def mark_failed(self, message_id: int, worker: str, error: str) -> bool:
        """The server refused it for good (``error`` is its reply)."""
        return self._finish(message_id, worker, "status = 'failed', error = ?", (error,))

    def retry_later(self, message_id: int, worker: str, error: str, at: dt.datetime) -> bool:
        """Not sent this time (``error``); try again from ``at``."""
        return self._finish(
            message_id,
            worker,
            "status = 'pending', error = ?, next_attempt_at = ?",
            (error, stamp(at)),
        )
