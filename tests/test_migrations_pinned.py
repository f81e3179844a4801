"""Shipped migrations never change: a database migrated before would not get the change, and
one migrated after would differ from it. Every migration of both stores is pinned by a hash of
its text (SQL), or of its source (a function: the constants and helpers it calls are not
covered, and must keep giving what they gave). A change of schema is a new migration. The
append function of m012 names its columns as literals, frozen: a new state column needs a new,
versioned function in a new migration (and ``pgappend.CALL`` to call it)."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from typing import Any

from btiflow.store import pgappend, postgres, rows, sqlite

PINNED_POSTGRES = {
    "m001_relay_log": "639743ed7d67458b",
    "m002_covering_due_index": "5950df55b865236f",
    "m003_access_log": "1b0f165bc8898066",
    "m004_outbox": "abe2ed129017c629",
    "m005_access_chain": "9ff602fdf080dea1",
    "m006_receipts": "ee18081bd0e8cf99",
    "m007_feed": "67b0b0515d694ecb",
    "m008_webhooks": "8609582d3e636c74",
    "m009_sessions": "fe7cd0b4b8e245b1",
    "m010_retention": "b05c772304092a80",
    "m011_case_ties": "1dc66e9c9c420544",
    "m012_append_function": "786d0e5711a127e6",
}
PINNED_SQLITE = {
    "m001_relay_log": "ef5fdab1780128e7",
    "m002_covering_due_index": "0d4d9deee26672a7",
    "m003_access_log": "e4e4e7b530b48f1c",
    "m004_outbox": "ebe9e179a837bd2d",
    "m005_access_chain": "c5932f9db91942dd",
    "m006_receipts": "75eb75d58587a9dc",
    "m007_feed": "89df27ced2d73442",
    "m008_webhooks": "e35808d9be48fc82",
    "m009_sessions": "49d1c17d7c9c008b",
    "m010_retention": "e699ef44da0c3cae",
    "m011_case_ties": "ff4043ef2d2a7089",
}


def _digest(step: str | Callable[..., Any]) -> str:
    text = step if isinstance(step, str) else inspect.getsource(step)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_no_shipped_postgres_migration_changed() -> None:
    """Each PostgreSQL migration's SQL (or function's source) is as it shipped; a new one is
    added here with its hash once it ships."""
    found = {name: _digest(step) for name, step in postgres.MIGRATIONS}
    assert found == PINNED_POSTGRES


def test_no_shipped_sqlite_migration_changed() -> None:
    """Each SQLite migration function's source is as it shipped."""
    found = {m.name: _digest(m.fn) for m in sqlite.migrations._migrations}
    assert found == PINNED_SQLITE


def test_the_append_function_has_todays_columns() -> None:
    """m012's frozen column lists are today's: the state row, an entry's row and an access
    row as ``call_args`` sends them. If this fails, the columns changed: add a new function
    (``btiflow_append_2``) in a new migration, and call it; never edit m012."""
    assert rows.STATE_COLUMNS == pgappend.M012_STATE_COLUMNS
    assert rows.ENTRY_COLUMNS.split(", ")[1:] == list(pgappend.M012_ENTRY_COLUMNS)
    access = (*rows.ACCESS_COLUMNS.split(", ")[1:], "prev_hash", "hash")
    assert access == pgappend.M012_ACCESS_COLUMNS
