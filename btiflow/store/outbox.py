"""The SQLite outbox table, from the dispatcher's side: list, claim, and mark what happened.

A row is ``pending`` until a dispatcher claims it (``sending``, with a lease), then ``sent``,
``failed`` (the server refused it for good; its reply is kept) or back to ``pending`` with a
later ``next_attempt_at``. ``skipped`` rows were never sendable (no address). A claim is taken
in a write transaction, so two dispatchers never hold the same row; a dispatcher that dies
holding one loses it when the lease runs out, and the next one sends it again with the same
Message-ID (see docs/design.md: at least once).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from btiflow.errors import StoreError
from btiflow.notify.outbox import STATUSES, OutboxMessage
from btiflow.notify.problems import text as dispatch_text
from btiflow.notify.rows import OutboxRow, stamp
from btiflow.store.rows import INSERT_OUTBOX, OUTBOX_READ_COLUMNS, outbox_message
from btiflow.store.sqlite import SqliteStore, write_transaction


class Outbox:
    """The outbox of the relay log in ``path`` (its schema made by ``SqliteStore``)."""

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, create: bool = True
    ) -> None:
        # the file and its schema, migrated (or refused, as SqliteStore refuses it)
        SqliteStore(path, timeout=timeout, create=create).close()
        self.path = str(path)
        self.timeout = timeout
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:
            raise StoreError.coded(
                "store.outbox_cannot_open", path=self.path, reason=str(exc)
            ) from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            with write_transaction(self._conn, self.timeout) as conn:
                yield conn
        except sqlite3.DatabaseError as exc:
            raise StoreError.coded(
                "store.outbox_cannot_write", path=self.path, reason=str(exc)
            ) from exc

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
        sql = f"SELECT {OUTBOX_READ_COLUMNS} FROM outbox"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [outbox_message(r) for r in rows]

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
            note = dispatch_text("interrupted")
            conn.execute(
                "UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_until = ?, "
                "attempts = attempts + 1, error = CASE WHEN ? THEN ? ELSE error END WHERE id = ?",
                (worker, stamp(now + lease), status == "sending", note, id_),
            )
            found = conn.execute(
                f"SELECT {OUTBOX_READ_COLUMNS} FROM outbox WHERE id = ?", (id_,)
            ).fetchone()
        return outbox_message(found)

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
