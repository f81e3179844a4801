"""The SQLite webhook tables: subscriptions, and their deliveries from the dispatcher's side.

The delivery rows are written by ``SqliteStore.append`` with the entries; here they are claimed
(in a write transaction, so two dispatchers never hold the same row; a lease lets another take
over from one that died) and marked. See ``btiflow.webhooks.queue``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from btiflow.errors import ConflictError, StoreError
from btiflow.notify.rows import stamp
from btiflow.store.base import Receipt
from btiflow.store.rows import RECEIPT_COLUMNS, receipt_values
from btiflow.store.sqlite import SqliteStore, write_transaction
from btiflow.webhooks.queue import STATUSES, Delivery, Webhook

CLAIM_COLUMNS = (
    "o.id, o.webhook_id, w.url, w.secret, f.position, o.case_id, o.seq, f.kind, f.time, o.attempts"
)
"""A delivery as claimed: the row, its subscription's URL and secret, its entry's feed row."""

_INSERT_RECEIPT = (
    f"INSERT INTO receipts ({RECEIPT_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def new_webhook_id() -> str:
    return "wh_" + secrets.token_hex(8)


def delivery_from_row(row: tuple[Any, ...]) -> Delivery:
    id_, webhook_id, url, secret, position, case_id, seq, kind, time, attempts = row
    when = time if isinstance(time, dt.datetime) else dt.datetime.fromisoformat(time)
    return Delivery(id_, webhook_id, url, secret, position, case_id, seq, kind, when, attempts)


def webhook_from_row(row: tuple[Any, ...]) -> Webhook:
    id_, url, owner, created_at = row
    return Webhook(id_, url, owner, dt.datetime.fromisoformat(created_at))


class SqliteWebhooks:
    """The webhooks of the relay log in ``path`` (its schema made by ``SqliteStore``)."""

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, create: bool = True
    ) -> None:
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
                "store.webhooks_cannot_open", path=self.path, reason=str(exc)
            ) from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteWebhooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            with write_transaction(self._conn, self.timeout) as conn:
                yield conn
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:
            raise StoreError.coded(
                "store.webhooks_cannot_write", path=self.path, reason=str(exc)
            ) from exc

    # --- subscriptions ---

    def add(
        self,
        url: str,
        secret: str,
        owner: str,
        *,
        receipt: Callable[[Webhook], Receipt] | None = None,
    ) -> Webhook:
        """Subscribe ``url``: it is told of every entry written from now on."""
        now = dt.datetime.now(dt.UTC)
        hook = Webhook(new_webhook_id(), url, owner, now)
        try:
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO webhooks (id, url, secret, owner, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (hook.id, url, secret, owner, stamp(now)),
                )
                if receipt is not None:
                    conn.execute(_INSERT_RECEIPT, (*receipt_values(receipt(hook)), stamp(now)))
        except sqlite3.IntegrityError as exc:  # the receipt's key was taken meanwhile
            raise ConflictError(hook.id, 1) from exc
        return hook

    def webhooks(self) -> list[Webhook]:
        rows = self._conn.execute(
            "SELECT id, url, owner, created_at FROM webhooks ORDER BY created_at, id"
        ).fetchall()
        return [webhook_from_row(r) for r in rows]

    def remove(self, webhook_id: str, *, receipt: Receipt | None = None) -> bool:
        """Unsubscribe; what was not yet sent to it is cancelled. False if there was none."""
        try:
            with self._write() as conn:
                gone = conn.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,)).rowcount
                conn.execute(
                    "UPDATE webhook_outbox SET status = 'cancelled' "
                    "WHERE webhook_id = ? AND status IN ('pending', 'sending')",
                    (webhook_id,),
                )
                if gone and receipt is not None:
                    now = stamp(dt.datetime.now(dt.UTC))
                    conn.execute(_INSERT_RECEIPT, (*receipt_values(receipt), now))
        except sqlite3.IntegrityError as exc:
            raise ConflictError(webhook_id, 1) from exc
        return gone == 1

    # --- deliveries ---

    def counts(self) -> dict[str, int]:
        rows = self._conn.execute("SELECT status, count(*) FROM webhook_outbox GROUP BY status")
        found = dict(rows.fetchall())
        return {s: int(found.get(s, 0)) for s in STATUSES}

    def claim(self, now: dt.datetime, lease: dt.timedelta, worker: str) -> Delivery | None:
        """Take the next delivery due (pending, or held by a dispatcher whose lease ran out)."""
        at = stamp(now)
        with self._write() as conn:
            row = conn.execute(
                "SELECT id FROM webhook_outbox WHERE (status = 'pending' AND next_attempt_at <= ?)"
                " OR (status = 'sending' AND claimed_until <= ?) ORDER BY next_attempt_at, id "
                "LIMIT 1",
                (at, at),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE webhook_outbox SET status = 'sending', claimed_by = ?, claimed_until = ?, "
                "attempts = attempts + 1 WHERE id = ?",
                (worker, stamp(now + lease), row[0]),
            )
            found = conn.execute(
                f"SELECT {CLAIM_COLUMNS} FROM webhook_outbox o "
                "JOIN webhooks w ON w.id = o.webhook_id "
                "JOIN feed f ON f.case_id = o.case_id AND f.seq = o.seq WHERE o.id = ?",
                (row[0],),
            ).fetchone()
        return delivery_from_row(found)

    def _finish(self, delivery_id: int, worker: str, sql: str, args: tuple[object, ...]) -> bool:
        with self._write() as conn:
            cur = conn.execute(
                f"UPDATE webhook_outbox SET {sql}, claimed_by = NULL, claimed_until = NULL "
                "WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                (*args, delivery_id, worker),
            )
            return cur.rowcount == 1

    def mark_sent(self, delivery_id: int, worker: str, now: dt.datetime) -> bool:
        return self._finish(delivery_id, worker, "status = 'sent', sent_at = ?", (stamp(now),))

    def mark_failed(self, delivery_id: int, worker: str, error: str) -> bool:
        return self._finish(delivery_id, worker, "status = 'failed', error = ?", (error,))

    def retry_later(self, delivery_id: int, worker: str, error: str, at: dt.datetime) -> bool:
        return self._finish(
            delivery_id,
            worker,
            "status = 'pending', error = ?, next_attempt_at = ?",
            (error, stamp(at)),
        )
