"""Every store the contract suite runs against: SQLite (a file in tmp_path) and PostgreSQL.

A ``Backend`` opens stores on one database (a new store is another writer), and reaches past
the store the way an attacker with database access would (``tamper``), to prove that what
the database refuses or ``verify`` catches does not depend on which store it is.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

from btiflow.store.base import Store
from btiflow.store.url import open_store


class Backend:
    """One database for one test: ``open()`` gives a new store (another writer) on it."""

    name: str
    url: str
    tenant: str | None

    opened: list[Store]

    def open(self, tenant: str | None = None) -> Store:
        """A new store on this database (closed when the test ends)."""
        store = open_store(self.url, tenant=tenant or self.tenant)
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()

    def run(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """SQL (``?`` placeholders) as a plain database user: the triggers still fire."""
        raise NotImplementedError

    def tamper(self, sql: str, *params: Any) -> None:
        """SQL (``?`` placeholders) with the append-only triggers out of the way."""
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, tmp_path: Path) -> None:
        self.url = str(tmp_path / "relay.db")
        self.tenant = None
        self.opened = []

    def run(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.url, isolation_level=None)) as conn:
            return conn.execute(sql, params).fetchall()

    def tamper(self, sql: str, *params: Any) -> None:
        with closing(sqlite3.connect(self.url, isolation_level=None)) as conn:
            triggers = ("entries_no_update", "entries_no_delete", "access_log_no_delete")
            for trigger in triggers:
                conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            conn.execute(sql, params)


class PostgresBackend(Backend):
    name = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        self.tenant = f"kommune-{uuid.uuid4().hex[:10]}"  # each test its own municipality
        self.opened = []

    def run(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(sql.replace("?", "%s").encode(), params)
            return cur.fetchall() if cur.description else []

    def tamper(self, sql: str, *params: Any) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")  # triggers off, this session
            conn.execute(sql.replace("?", "%s").encode(), params)
