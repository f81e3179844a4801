"""The PostgreSQL webhook tables of one tenant (see ``btiflow.store.webhooks``, the SQLite ones).

A claim takes the next due delivery with ``FOR UPDATE SKIP LOCKED`` in one UPDATE, so any number
of dispatchers, on any machines, each get a different one and never wait on each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from btiflow.errors import ConflictError, StoreError
from btiflow.store.base import Receipt
from btiflow.store.postgres import PostgresStore, _safe
from btiflow.store.rows import RECEIPT_COLUMNS, receipt_values
from btiflow.store.webhooks import CLAIM_COLUMNS, delivery_from_row, new_webhook_id
from btiflow.webhooks.queue import STATUSES, Delivery, Webhook

_INSERT_RECEIPT = f"INSERT INTO receipts (tenant, {RECEIPT_COLUMNS}) VALUES (%s{', %s' * 6})"


class PostgresWebhooks:
    """Subscriptions and deliveries of ``tenant`` in the PostgreSQL database at ``url``."""

    def __init__(
        self, url: str, *, tenant: str = "default", timeout: float = 30.0, create: bool = True
    ) -> None:
        PostgresStore(url, tenant=tenant, timeout=timeout, create=create).close()
        self.url = url
        self.tenant = tenant
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout)))
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.webhooks_cannot_open", path=_safe(url), reason=str(exc)
            ) from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PostgresWebhooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            cur = self._conn.execute(sql.encode(), args)
            return cur.fetchall() if cur.description else []
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.webhooks_cannot_write", path=_safe(self.url), reason=str(exc)
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
        hook = Webhook(new_webhook_id(), url, owner, dt.datetime.now(dt.UTC))
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                cur.execute(
                    "INSERT INTO webhooks (tenant, id, url, secret, owner, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (self.tenant, hook.id, url, secret, owner, hook.created_at),
                )
                if receipt is not None:
                    cur.execute(_INSERT_RECEIPT, (self.tenant, *receipt_values(receipt(hook))))
        except pg_errors.UniqueViolation as exc:
            raise ConflictError(hook.id, 1) from exc
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.webhooks_cannot_write", path=_safe(self.url), reason=str(exc)
            ) from exc
        return hook

    def webhooks(self) -> list[Webhook]:
        rows = self._run(
            "SELECT id, url, owner, created_at FROM webhooks WHERE tenant = %s "
            "ORDER BY created_at, id",
            [self.tenant],
        )
        return [Webhook(*r) for r in rows]

    def remove(self, webhook_id: str, *, receipt: Receipt | None = None) -> bool:
        """Unsubscribe; what was not yet sent to it is cancelled. False if there was none."""
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                cur.execute(
                    "DELETE FROM webhooks WHERE tenant = %s AND id = %s", (self.tenant, webhook_id)
                )
                gone = cur.rowcount
                cur.execute(
                    "UPDATE webhook_outbox SET status = 'cancelled' WHERE tenant = %s "
                    "AND webhook_id = %s AND status IN ('pending', 'sending')",
                    (self.tenant, webhook_id),
                )
                if gone and receipt is not None:
                    cur.execute(_INSERT_RECEIPT, (self.tenant, *receipt_values(receipt)))
        except pg_errors.UniqueViolation as exc:
            raise ConflictError(webhook_id, 1) from exc
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.webhooks_cannot_write", path=_safe(self.url), reason=str(exc)
            ) from exc
        return gone == 1

    # --- deliveries ---

    def counts(self) -> dict[str, int]:
        rows = self._run(
            "SELECT status, count(*) FROM webhook_outbox WHERE tenant = %s GROUP BY status",
            [self.tenant],
        )
        found = {r[0]: int(r[1]) for r in rows}
        return {s: found.get(s, 0) for s in STATUSES}

    def claim(self, now: dt.datetime, lease: dt.timedelta, worker: str) -> Delivery | None:
        """Take the next delivery due (pending, or held by a dispatcher whose lease ran out)."""
        rows = self._run(
            "WITH taken AS (UPDATE webhook_outbox SET status = 'sending', claimed_by = %s, "
            "claimed_until = %s, attempts = attempts + 1 "
            "WHERE id = (SELECT id FROM webhook_outbox WHERE tenant = %s AND "
            "((status = 'pending' AND next_attempt_at <= %s) OR "
            "(status = 'sending' AND claimed_until <= %s)) "
            "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *) "
            f"SELECT {CLAIM_COLUMNS} FROM taken o "
            "JOIN webhooks w ON w.tenant = o.tenant AND w.id = o.webhook_id "
            "JOIN feed f ON f.tenant = o.tenant AND f.case_id = o.case_id AND f.seq = o.seq",
            [worker, now + lease, self.tenant, now, now],
        )
        return delivery_from_row(rows[0]) if rows else None

    def _finish(self, delivery_id: int, worker: str, sql: str, args: Sequence[Any]) -> bool:
        rows = self._run(
            f"UPDATE webhook_outbox SET {sql}, claimed_by = NULL, claimed_until = NULL "
            "WHERE tenant = %s AND id = %s AND status = 'sending' AND claimed_by = %s "
            "RETURNING id",
            [*args, self.tenant, delivery_id, worker],
        )
        return len(rows) == 1

    def mark_sent(self, delivery_id: int, worker: str, now: dt.datetime) -> bool:
        return self._finish(delivery_id, worker, "status = 'sent', sent_at = %s", [now])

    def mark_failed(self, delivery_id: int, worker: str, error: str) -> bool:
        return self._finish(delivery_id, worker, "status = 'failed', error = %s", [error])

    def retry_later(self, delivery_id: int, worker: str, error: str, at: dt.datetime) -> bool:
        return self._finish(
            delivery_id,
            worker,
            "status = 'pending', error = %s, next_attempt_at = %s",
            [error, at],
        )
