"""The relay log in SQLite (through sqlite-utils): WAL, ``synchronous=FULL``, append-only entries.

Tables: ``entries`` (primary key case_id + seq; triggers refuse UPDATE and DELETE), ``cases``
(the current state of each case, written in the same transaction as its entries) and
``workflows`` (every workflow version a case pins), ``access_log`` (every read and action;
append-only like ``entries``, an action's row written with its entries, hash-chained per case
with the head in the case row). A writer whose view
is stale (another entry took its seq) gets ``ConflictError`` and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
import sqlite_utils
from sqlite_utils.migrations import Migrations

from btiflow.access import AccessRecord
from btiflow.case.entries import GENESIS, Entry, canonical_json
from btiflow.case.fold import from_data
from btiflow.case.state import Case
from btiflow.errors import CaseNotFound, ConflictError, StoreError
from btiflow.notify.rows import OutboxRow, stamp
from btiflow.store import logs
from btiflow.store.base import (
    KEPT_ON_PURGE,
    CaseCount,
    ChainHead,
    ChainProblem,
    DueAfter,
    DueCase,
    DueRow,
    Erasure,
    FeedEvent,
    Receipt,
    VerifyReport,
)
from btiflow.store.check import Queries, verify_rows
from btiflow.store.due import due_bounds, due_query
from btiflow.store.rows import (
    ACCESS_COLUMNS,
    ENTRY_COLUMNS,
    ENTRY_COUNT,
    FEED_COLUMNS,
    INSERT_OUTBOX,
    RECEIPT_COLUMNS,
    STATE_COLUMNS,
    chain_existing,
    chained_access,
    checked_id,
    entry_from_row,
    entry_values,
    feed_event,
    group_by_case,
    receipt_from_row,
    receipt_values,
    state_values,
    ties_values,
    workflow_from_row,
)
from btiflow.workflow.convert import unstructure
from btiflow.workflow.model import Workflow

migrations = Migrations("btiflow")
log = logging.getLogger(__name__)

_STATES_KEPT = 256
"""How many decoded case states a store keeps (see ``SqliteStore.load``)."""


class _Days(dict[bytes, dt.date]):
    """Due days as SQLite gives them to a converter (ISO text, as bytes) to dates, each made
    once. A page of due rows then comes from the driver as the very tuples returned, with no
    Python run per row (``due_page``): about as cheap as a raw fetch, however many rows."""

    def __missing__(self, key: bytes) -> dt.date:
        day = self[key] = dt.date.fromisoformat(key.decode())
        return day


sqlite3.register_converter("btiflow_day", _Days().__getitem__)
_DUE_DAY = 'next_evaluation_due AS "due [btiflow_day]"'
"""The due day, converted by the driver (the store's connection parses column names)."""


@migrations()
def m001_relay_log(db: sqlite_utils.Database) -> None:
    db["entries"].create(  # type: ignore[union-attr]
        {
            "case_id": str,
            "seq": int,
            "time": str,
            "actor": str,
            "role": str,
            "unit": str,
            "kind": str,
            "data": str,
            "workflow_hash": str,
            "prev_hash": str,
            "hash": str,
        },
        pk=("case_id", "seq"),
        not_null={"case_id", "seq", "time", "kind", "data", "hash"},
    )
    db["cases"].create(  # type: ignore[union-attr]
        {
            "case_id": str,
            "workflow_id": str,
            "workflow_version": str,
            "workflow_hash": str,
            "subject": str,
            "status": str,
            "level": int,
            "step": str,
            "baton_holder": str,
            "baton_unit": str,
            "next_evaluation_due": str,
            "last_seq": int,
            "head_hash": str,
            "opened_at": str,
            "closed_at": str,
            "state": str,
        },
        pk="case_id",
        not_null={"status", "last_seq", "state"},
    )
    db["workflows"].create(  # type: ignore[union-attr]
        {"hash": str, "id": str, "version": str, "content": str, "saved_at": str},
        pk="hash",
    )
    db.execute(
        "CREATE INDEX cases_due ON cases(next_evaluation_due) "
        "WHERE status = 'open' AND next_evaluation_due IS NOT NULL"
    )
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER entries_no_{event.lower()} BEFORE {event} ON entries "
            f"BEGIN SELECT RAISE(ABORT, 'relay log entries are append-only'); END"
        )


@migrations()
def m002_covering_due_index(db: sqlite_utils.Database) -> None:
    """``due``/``overdue`` answered from the index alone, in its order (no table lookups)."""
    db.execute("DROP INDEX cases_due")
    db.execute(
        "CREATE INDEX cases_due ON cases"
        "(next_evaluation_due, case_id, level, step, baton_holder, baton_unit, status) "
        "WHERE status = 'open' AND next_evaluation_due IS NOT NULL"
    )


@migrations()
def m003_access_log(db: sqlite_utils.Database) -> None:
    """Every read of a case through a view and every action: who, as what, when, what."""
    db["access_log"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "case_id": str,
            "time": str,
            "actor": str,
            "name": str,
            "role": str,
            "unit": str,
            "relation": str,
            "what": str,
            "seq": int,
        },
        pk="id",
        not_null={"case_id", "time", "actor", "role", "what"},
    )
    db.execute("CREATE INDEX access_log_case ON access_log(case_id, id)")
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER access_log_no_{event.lower()} BEFORE {event} ON access_log "
            f"BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END"
        )


_INSERT_ACCESS = (
    f"INSERT INTO access_log ({ACCESS_COLUMNS}, prev_hash, hash) VALUES ({', '.join('?' * 11)})"
)


@migrations()
def m004_outbox(db: sqlite_utils.Database) -> None:
    """Mail to send, each row written in the same transaction as the entry that caused it."""
    db["outbox"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "key": str,
            "case_id": str,
            "seq": int,
            "kind": str,
            "recipient": str,
            "address": str,
            "message_id": str,
            "subject": str,
            "message": bytes,
            "status": str,
            "note": str,
            "attempts": int,
            "created_at": str,
            "next_attempt_at": str,
            "claimed_by": str,
            "claimed_until": str,
            "sent_at": str,
            "error": str,
        },
        pk="id",
        not_null={"key", "case_id", "kind", "message_id", "status", "attempts", "created_at"},
        defaults={"attempts": 0},
    )
    db.execute("CREATE UNIQUE INDEX outbox_key ON outbox(key)")
    db.execute("CREATE INDEX outbox_due ON outbox(status, next_attempt_at)")


@migrations()
def m005_access_chain(db: sqlite_utils.Database) -> None:
    """The access log hash-chained per case, its head kept in the case row. Rows written
    before are chained here, as they stand (docs/design.md, 2026-12-01)."""
    db.execute("ALTER TABLE access_log ADD COLUMN prev_hash TEXT")
    db.execute("ALTER TABLE access_log ADD COLUMN hash TEXT")
    db.execute("ALTER TABLE cases ADD COLUMN access_count INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE cases ADD COLUMN access_head TEXT")
    db.execute("DROP TRIGGER access_log_no_update")
    rows = db.execute(f"SELECT id, {ACCESS_COLUMNS} FROM access_log ORDER BY id").fetchall()
    for id_, prev_hash, digest, case_id, count in chain_existing(rows):
        db.execute(
            "UPDATE access_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev_hash, digest, id_)
        )
        db.execute(
            "UPDATE cases SET access_count = ?, access_head = ? WHERE case_id = ?",
            (count, digest, case_id),
        )
    db.execute(
        "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
        "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END"
    )


@migrations()
def m006_receipts(db: sqlite_utils.Database) -> None:
    """The first answer to each request that carried an Idempotency-Key, per caller and key,
    written with the entries the request produced."""
    db.execute(
        "CREATE TABLE receipts (caller TEXT NOT NULL, key TEXT NOT NULL, "
        "fingerprint TEXT NOT NULL, status INTEGER NOT NULL, headers TEXT NOT NULL, "
        "body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (caller, key))"
    )


@migrations()
def m007_feed(db: sqlite_utils.Database) -> None:
    """The event feed: one row per entry, its position in the log's one order. SQLite has one
    writer at a time, so positions (max + 1, never reused: no row is ever deleted) are taken in
    commit order. Entries written before are numbered here by time."""
    db.execute(
        "CREATE TABLE feed (position INTEGER PRIMARY KEY, case_id TEXT NOT NULL, "
        "seq INTEGER NOT NULL, kind TEXT NOT NULL, time TEXT NOT NULL, UNIQUE (case_id, seq))"
    )
    db.execute(
        "INSERT INTO feed (case_id, seq, kind, time) "
        "SELECT case_id, seq, kind, time FROM entries ORDER BY time, case_id, seq"
    )
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER feed_no_{event.lower()} BEFORE {event} ON feed "
            f"BEGIN SELECT RAISE(ABORT, 'the event feed is append-only'); END"
        )


@migrations()
def m008_webhooks(db: sqlite_utils.Database) -> None:
    """Webhook subscriptions, and one delivery row per subscription and entry, written with
    the entry (btiflow.webhooks.queue)."""
    db.execute(
        "CREATE TABLE webhooks (id TEXT PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL, "
        "owner TEXT NOT NULL, created_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE webhook_outbox (id INTEGER PRIMARY KEY, webhook_id TEXT NOT NULL, "
        "case_id TEXT NOT NULL, seq INTEGER NOT NULL, status TEXT NOT NULL, "
        "attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, "
        "claimed_by TEXT, claimed_until TEXT, sent_at TEXT, error TEXT, "
        "created_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX webhook_outbox_due ON webhook_outbox(status, next_attempt_at)")


_FAN_OUT = (
    "INSERT INTO webhook_outbox (webhook_id, case_id, seq, status, next_attempt_at, created_at) "
    "SELECT id, ?, ?, 'pending', ?, ? FROM webhooks ORDER BY id"
)
"""One delivery per subscription for an entry (its position and kind come from the feed)."""

_INSERT_FEED = "INSERT INTO feed (case_id, seq, kind, time) VALUES (?, ?, ?, ?)"
_INSERT_RECEIPT = (
    f"INSERT INTO receipts ({RECEIPT_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


@migrations()
def m009_sessions(db: sqlite_utils.Database) -> None:
    """The web pages' login sessions (btiflow.server.sessions): keyed by a hash of the cookie's
    id, never the id itself; ``seen_at`` (seconds since the epoch) ends an idle one."""
    db.execute(
        "CREATE TABLE sessions (key TEXT PRIMARY KEY, data TEXT NOT NULL, seen_at REAL NOT NULL)"
    )
    db.execute("CREATE INDEX sessions_seen ON sessions(seen_at)")


@migrations()
def m010_retention(db: sqlite_utils.Database) -> None:
    """Hash form 2 (a content hash per entry), tombstones of erased entries, and the access
    log's retention cut (docs/design.md, "Retention and erasure"). Entries written before
    keep form 1 (``content_hash`` NULL). The triggers let a purge (a row in ``erasing`` for
    its case, inside its own transaction) empty an entry's content, never change its hashes,
    and remove the oldest access-log rows."""
    db.execute("ALTER TABLE entries ADD COLUMN content_hash TEXT")
    db.execute("ALTER TABLE entries ADD COLUMN erased TEXT")
    db.execute("ALTER TABLE cases ADD COLUMN access_cut INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE cases ADD COLUMN access_base TEXT")
    db.execute("CREATE TABLE erasing (case_id TEXT PRIMARY KEY, purge_seq INTEGER NOT NULL)")
    db.execute("DROP TRIGGER entries_no_update")
    kept = " OR ".join(
        f"NEW.{c} IS NOT OLD.{c}"
        for c in ("case_id", "seq", "time", "kind", "workflow_hash", "prev_hash", "hash")
    )
    db.execute(
        "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries "
        "WHEN NOT EXISTS (SELECT 1 FROM erasing WHERE case_id = OLD.case_id) "
        f"OR {kept} OR NEW.content_hash IS NOT OLD.content_hash OR NEW.erased IS NULL "
        "BEGIN SELECT RAISE(ABORT, 'relay log entries are append-only'); END"
    )
    db.execute("DROP TRIGGER access_log_no_delete")
    db.execute(
        "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
        "WHEN NOT EXISTS (SELECT 1 FROM erasing WHERE case_id = OLD.case_id) "
        "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END"
    )


_TALLY = "level, status, next_evaluation_due, offer_to"
"""The columns ``case_counts`` reads (all in the m011 indexes)."""
_COUNTS = (
    "SELECT level, status, count(*), coalesce(sum(next_evaluation_due < ?), 0), "
    "coalesce(sum(next_evaluation_due BETWEEN ? AND ?), 0), count(offer_to) "
    "FROM {source} GROUP BY level, status ORDER BY level, status"
)


def _scoped(unit: str | None) -> tuple[str, tuple[str, ...]]:
    """The rows (rowid and ``_TALLY``) of every case, or of ``unit``'s: those it opened, whose
    baton it holds or is offered; each from its own covering index, each case once."""
    if unit is None:
        return f"(SELECT rowid, {_TALLY} FROM cases)", ()
    branches = " UNION ".join(
        f"SELECT rowid, {_TALLY} FROM cases WHERE {column} = ?"
        for column in ("opened_unit", "baton_unit", "offer_unit")
    )
    return f"({branches})", (unit, unit, unit)


M011_BATCH = 500
"""How many cases m011 fills in at a time (their states are read, then written, per batch)."""


@migrations()
def m011_case_ties(db: sqlite_utils.Database) -> None:
    """Which unit opened each case and who is offered its baton (``rows.ties_values``), kept in
    the state row, so "Mine saker" finds the offers awaiting a person and the overview counts
    a unit's cases from indexes, without reading every case's state. Cases written before are
    filled in here from their state, ``M011_BATCH`` at a time (with today's ``from_data`` and
    ``ties_values``: a later change to them must give the same ties for a stored state). The
    indexes hold every column the counts read: a row's
    later columns sit behind its large state, which the counts never need to read."""
    for column in ("opened_unit", "offer_to", "offer_unit"):
        db.execute(f"ALTER TABLE cases ADD COLUMN {column} TEXT")
    after = ""
    while rows := db.execute(
        "SELECT case_id, state FROM cases WHERE case_id > ? ORDER BY case_id LIMIT ?",
        (after, M011_BATCH),
    ).fetchall():
        db.conn.executemany(
            "UPDATE cases SET opened_unit = ?, offer_to = ?, offer_unit = ? WHERE case_id = ?",
            [(*ties_values(from_data(json.loads(state))), c) for c, state in rows],
        )
        after = rows[-1][0]
    db.execute("CREATE INDEX cases_offer ON cases(offer_to, offer_unit) WHERE offer_to IS NOT NULL")
    db.execute(f"CREATE INDEX cases_tally ON cases({_TALLY})")
    for column in ("opened_unit", "baton_unit", "offer_unit"):
        db.execute(
            f"CREATE INDEX cases_by_{column} ON cases({column}, {_TALLY}) "
            f"WHERE {column} IS NOT NULL"
        )


_INSERT_CASE = (
    f"INSERT INTO cases ({', '.join(STATE_COLUMNS)}) VALUES ({', '.join('?' * len(STATE_COLUMNS))})"
)
_UPDATE_CASE = (
    f"UPDATE cases SET {', '.join(f'{c} = ?' for c in STATE_COLUMNS[1:])} "
    f"WHERE case_id = ? AND last_seq = ?"
)
_INSERT_ENTRY = f"INSERT INTO entries ({ENTRY_COLUMNS}) VALUES ({', '.join('?' * ENTRY_COUNT)})"
_ERASE = (
    "UPDATE entries SET actor = '', role = '', unit = '', data = '{}', erased = ? "
    f"WHERE case_id = ? AND seq <= ? AND kind NOT IN ({', '.join('?' * len(KEPT_ON_PURGE))})"
)


def _append_access(conn: sqlite3.Connection, records: Sequence[AccessRecord]) -> None:
    """Access records chained onto each case's access head (inside the write transaction,
    which holds SQLite's one write lock, so no other writer moves the head meanwhile)."""
    for case_id, group in group_by_case(records):
        row = conn.execute(
            "SELECT access_count, access_head FROM cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        count, head = row if row is not None else (0, None)
        rows = chained_access(head or GENESIS, group)
        conn.executemany(_INSERT_ACCESS, rows)
        conn.execute(
            "UPDATE cases SET access_count = ?, access_head = ? WHERE case_id = ?",
            (count + len(rows), rows[-1][-1], case_id),
        )


def _cut_access(conn: sqlite3.Connection, e: Erasure) -> None:
    """Remove the case's ``e.access_rows`` oldest access-log rows; the last must end at
    ``e.access_base`` (unless the whole log goes), else the plan is stale: ConflictError."""
    rows = conn.execute(
        "SELECT id, hash FROM access_log WHERE case_id = ? ORDER BY id LIMIT ?",
        (e.case_id, e.access_rows),
    ).fetchall()
    count, head = conn.execute(
        "SELECT access_count, access_head FROM cases WHERE case_id = ?", (e.case_id,)
    ).fetchone()
    whole = e.access_base == GENESIS
    if len(rows) != e.access_rows or (whole and count != e.access_rows):
        raise ConflictError(e.case_id, e.expected_seq + 1)
    if not whole and rows[-1][1] != e.access_base:
        raise ConflictError(e.case_id, e.expected_seq + 1)
    conn.execute("DELETE FROM access_log WHERE case_id = ? AND id <= ?", (e.case_id, rows[-1][0]))
    left = count - e.access_rows
    base = None if whole else e.access_base
    conn.execute(
        "UPDATE cases SET access_count = ?, access_cut = access_cut + ?, access_base = ?, "
        "access_head = ? WHERE case_id = ?",
        (left, e.access_rows, base, head if left else base, e.case_id),
    )


_FIRST_WAIT = 50e-6
"""Seconds a writer first waits, give or take half, for another's write transaction to end."""
_LONGEST_WAIT = 2e-3
"""The longest it waits before it looks again (each wait is half as long again as the last)."""


@contextmanager
def write_transaction(
    conn: sqlite3.Connection, timeout: float = 30.0
) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (BEGIN IMMEDIATE) so writers queue, not fail; rolled
    back on any error. For connections opened with ``isolation_level=None``.

    A writer that finds another's transaction open waits here (``begin_immediate``), not in
    SQLite's busy handler, whose naps (1, 2, 5, 10 ms …) are long beside a write transaction of
    a fraction of a millisecond; after ``timeout`` seconds it gives up (``database is locked``)."""
    begin_immediate(conn, timeout)
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def begin_immediate(conn: sqlite3.Connection, timeout: float) -> None:
    """BEGIN IMMEDIATE, and while another writer holds the lock, again after a short wait
    with jitter (from ``_FIRST_WAIT``, growing to ``_LONGEST_WAIT``) until ``timeout``.

    SQLite's busy handler is off for the BEGIN only (``busy_timeout`` 0): every other statement
    keeps it (e.g. a read while another connection recovers the WAL)."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        deadline, wait = 0.0, _FIRST_WAIT
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
                now = time.monotonic()
                deadline = deadline or now + timeout
                if now >= deadline:
                    raise
            time.sleep(wait * (0.5 + random.random()))
            wait = min(wait * 1.5, _LONGEST_WAIT)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {round(timeout * 1000)}")


def _iso(value: object) -> object:
    """A date as SQLite keeps it (ISO text); anything else as it is."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _refuse_missing_or_empty(path: str) -> None:
    if not os.path.isfile(path):
        raise StoreError.coded("store.no_file", path=path)
    if os.path.getsize(path) == 0:
        raise StoreError.coded("store.empty_file", path=path)


def _check_schema(path: str, conn: sqlite3.Connection, *, create: bool) -> None:
    """Refuse a file that is not a btiflow log (unless it is empty and ``create``), and a log
    with a migration this btiflow does not know (a newer btiflow wrote it)."""
    tables = {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not r[0].startswith("sqlite_")
    }
    applied: list[str] = []
    if Migrations.migrations_table in tables:
        applied = [
            r[0]
            for r in conn.execute(
                f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ?",
                (migrations.name,),
            )
        ]
    if not applied and (tables or not create):
        raise StoreError.coded("store.not_a_log", path=path)
    # sqlite-utils lists a set's migrations only privately; pending() needs a database
    known = {m.name for m in migrations._migrations}
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise StoreError.coded("store.newer", path=path, schema=", ".join(unknown))


class SqliteStore:
    """A relay-log store in one SQLite file (created, and its schema migrated, on open)."""

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, create: bool = True
    ) -> None:
        """Open the log in ``path``; with ``create`` (the default) a missing or empty file
        becomes a new log. Without it, anything but an existing btiflow log is a StoreError
        and the file is left as it was. A newer schema, or another program's database, is
        refused either way."""
        self.path = str(path)
        self.timeout = timeout
        self._states: OrderedDict[str, Case] = OrderedDict()
        if not create:
            _refuse_missing_or_empty(self.path)
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=timeout,
                isolation_level=None,
                check_same_thread=False,
                detect_types=sqlite3.PARSE_COLNAMES,  # only for a column named "x [btiflow_day]"
            )
            # Checked before anything is written: even WAL mode changes the file's header.
            _check_schema(self.path, conn, create=create)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._conn = conn
            self.db = sqlite_utils.Database(conn)
            with self._write():
                pending = [m.name for m in migrations.pending(self.db)]
                migrations.apply(self.db)
            logs.opened(log, self.path, pending)
        except (sqlite3.DatabaseError, StoreError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError.coded("store.cannot_open", path=self.path, reason=str(exc)) from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on this store's connection."""
        with write_transaction(self._conn, self.timeout) as conn:
            yield conn

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every SELECT inside sees the same committed state."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    # --- reading ---

    def load(self, case_id: str) -> Case:
        """The case's current state, from its state row (never a replay of the log).

        Decoding a large state row costs more than the rest of an action, so the last states
        this store read or wrote are kept, keyed by the chain head they belong to: a state row
        whose head is unchanged is the same state. Another writer's append moves the head.
        """
        case_id = checked_id(case_id)
        row = self._conn.execute(
            "SELECT last_seq, head_hash, state FROM cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        if row is None:
            raise CaseNotFound(case_id)
        last_seq, head_hash, state = row
        cached = self._states.get(case_id)
        if cached is not None and cached.seq == last_seq and cached.head_hash == head_hash:
            self._states.move_to_end(case_id)
            return cached
        case = from_data(json.loads(state))
        self._remember(case)
        return case

    def _remember(self, case: Case) -> None:
        self._states[case.id] = case
        self._states.move_to_end(case.id)
        while len(self._states) > _STATES_KEPT:
            self._states.popitem(last=False)

    def entries(self, case_id: str) -> list[Entry]:
        case_id = checked_id(case_id)
        rows = self._conn.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = ? ORDER BY seq", (case_id,)
        ).fetchall()
        if not rows:
            raise CaseNotFound(case_id)
        return [entry_from_row(r) for r in rows]

    def case_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT case_id FROM cases ORDER BY opened_at")]

    def _due(self, where: str, args: tuple[Any, ...]) -> list[DueCase]:
        rows = self._conn.execute(due_query(where, _DUE_DAY), args).fetchall()
        return [DueCase(*r) for r in rows]

    def due_between(self, start: dt.date, end: dt.date) -> list[DueCase]:
        """Open cases whose next evaluation falls on a day from ``start`` to ``end``."""
        return self._due(
            "next_evaluation_due BETWEEN ? AND ?", (start.isoformat(), end.isoformat())
        )

    def overdue(self, today: dt.date) -> list[DueCase]:
        """Open cases whose next evaluation was due before ``today``."""
        return self._due("next_evaluation_due < ?", (today.isoformat(),))

    def offers_to(self, person: str, unit: str) -> list[str]:
        """The open cases whose baton is offered to ``person`` of ``unit``, oldest first (an
        offer names its person by id and unit; closing a case ends its offer)."""
        rows = self._conn.execute(
            "SELECT case_id FROM cases WHERE offer_to = ? AND offer_unit = ? ORDER BY opened_at",
            (person, unit),
        )
        return [r[0] for r in rows]

    def case_counts(self, unit: str | None, today: dt.date, soon_until: dt.date) -> list[CaseCount]:
        """The cases counted by level and status (``CaseCount``): every case, or with ``unit``
        those it opened, whose baton it holds, or whose baton is offered to someone in it.
        Overdue: due before ``today``; due soon: from ``today`` to ``soon_until``."""
        source, args = _scoped(unit)
        rows = self._conn.execute(
            _COUNTS.format(source=source),
            (today.isoformat(), today.isoformat(), soon_until.isoformat(), *args),
        )
        return [CaseCount(*r) for r in rows]

    def needing_attention(self, unit: str | None, today: dt.date, soon_until: dt.date) -> list[str]:
        """The open cases counted by ``case_counts`` (for ``unit``, or all) with an evaluation
        due by ``soon_until`` (overdue included) or an offer of the baton unanswered: the
        soonest due first, then the offers."""
        source, args = _scoped(unit)
        rows = self._conn.execute(
            f"SELECT c.case_id FROM {source} AS t JOIN cases AS c ON c.rowid = t.rowid "
            "WHERE t.next_evaluation_due <= ? OR t.offer_to IS NOT NULL "
            "ORDER BY t.next_evaluation_due IS NULL, t.next_evaluation_due, c.opened_at",
            (*args, soon_until.isoformat()),
        )
        return [r[0] for r in rows]

    def due_page(
        self, first: dt.date | None, last: dt.date, *, after: DueAfter | None, limit: int
    ) -> list[DueRow]:
        """Up to ``limit`` open cases whose next evaluation falls from ``first`` (None: any day
        before) to ``last``, after ``after``, in order (``btiflow.store.due``)."""
        where, args = due_bounds(first, last, after, "?")
        sql = due_query(where, _DUE_DAY) + " LIMIT ?"
        return self._conn.execute(sql, [*(_iso(a) for a in args), limit]).fetchall()

    # --- writing ---

    def append(
        self,
        entries: Sequence[Entry],
        state: Case,
        *,
        expected_seq: int,
        access: Sequence[AccessRecord] = (),
        outbox: Sequence[OutboxRow] = (),
        receipt: Receipt | None = None,
        access_cut: tuple[int, str] | None = None,
    ) -> None:
        """Append ``entries`` and write ``state`` atomically, or raise ``ConflictError``.

        ``outbox`` rows (the mail the entries cause), ``access`` records (the action, for the
        access log), the entries' rows in the event feed and the request's ``receipt`` (its
        Idempotency-Key and first answer) are written in the same transaction. ``access_cut`` is
        for a new case that comes with an access log cut by retention (a copy): the rows cut and
        the hash the ``access`` records chain on from.
        """
        values = state_values(state)
        # every row that does not depend on what is stored is made before the write lock is
        # taken: the time under it is what two writers cannot share (docs/design.md)
        entry_rows = [entry_values(e) for e in entries]
        outbox_rows = [r.values() for r in outbox]
        feed_rows = [(e.case_id, e.seq, e.kind, e.time.isoformat()) for e in entries]
        try:
            with self._write() as conn:
                if expected_seq == 0:
                    conn.execute(_INSERT_CASE, values)
                    if access_cut is not None and access_cut[0]:
                        cut, base = access_cut
                        conn.execute(
                            "UPDATE cases SET access_cut = ?, access_base = ?, access_head = ? "
                            "WHERE case_id = ?",
                            (cut, None if base == GENESIS else base, base, state.id),
                        )
                else:
                    cur = conn.execute(_UPDATE_CASE, [*values[1:], state.id, expected_seq])
                    if cur.rowcount != 1:
                        raise ConflictError(state.id, expected_seq + 1)
                conn.executemany(_INSERT_ENTRY, entry_rows)
                conn.executemany(INSERT_OUTBOX, outbox_rows)
                _append_access(conn, access)
                now = stamp(dt.datetime.now(dt.UTC))
                if receipt is not None:
                    conn.execute(_INSERT_RECEIPT, (*receipt_values(receipt), now))
                conn.executemany(_INSERT_FEED, feed_rows)
                conn.executemany(_FAN_OUT, [(e.case_id, e.seq, now, now) for e in entries])
        except ConflictError:
            logs.conflict(log, state.id, expected_seq + 1)
            raise
        except sqlite3.IntegrityError as exc:
            logs.conflict(log, state.id, expected_seq + 1)
            raise ConflictError(state.id, expected_seq + 1) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError.coded("store.cannot_write", path=self.path, reason=str(exc)) from exc
        logs.appended(log, state.id, entries, len(outbox))
        self._remember(state)

    def receipt(self, caller: str, key: str) -> Receipt | None:
        """The first answer ``caller`` was given for a request with this Idempotency-Key."""
        row = self._conn.execute(
            f"SELECT {RECEIPT_COLUMNS} FROM receipts WHERE caller = ? AND key = ?", (caller, key)
        ).fetchone()
        return None if row is None else receipt_from_row(row)

    def events(self, after: int, limit: int) -> list[FeedEvent]:
        """Up to ``limit`` events of the feed after position ``after``, in feed order."""
        rows = self._conn.execute(
            f"SELECT {FEED_COLUMNS} FROM feed WHERE position > ? ORDER BY position LIMIT ?",
            (after, limit),
        ).fetchall()
        return [feed_event(r) for r in rows]

    def record_access(self, records: Sequence[AccessRecord]) -> None:
        """Add reads to the access log (append-only)."""
        try:
            with self._write() as conn:
                _append_access(conn, records)
        except sqlite3.DatabaseError as exc:
            raise StoreError.coded("store.cannot_write", path=self.path, reason=str(exc)) from exc

    def access_log(self, case_id: str) -> list[AccessRecord]:
        """Every read and action recorded for the case, oldest first."""
        case_id = checked_id(case_id)
        rows = self._conn.execute(
            "SELECT case_id, time, actor, name, role, unit, relation, what, seq "
            "FROM access_log WHERE case_id = ? ORDER BY id",
            (case_id,),
        ).fetchall()
        return [AccessRecord(r[0], dt.datetime.fromisoformat(r[1]), *r[2:]) for r in rows]

    def access_chain(self, case_id: str) -> list[tuple[dt.datetime, str]]:
        """(time, hash) of each access-log row of the case, oldest first (for a retention cut)."""
        case_id = checked_id(case_id)
        rows = self._conn.execute(
            "SELECT time, hash FROM access_log WHERE case_id = ? ORDER BY id", (case_id,)
        ).fetchall()
        return [(dt.datetime.fromisoformat(r[0]), r[1]) for r in rows]

    def erase(self, erasure: Erasure) -> None:
        """Erase a purged case's contents or cut its access log (see ``Erasure``), with the
        entries that record it, in one transaction; ``ConflictError`` (nothing written) if the
        case or its access log moved since the erasure was planned."""
        e = erasure
        values = state_values(e.state)
        try:
            # what is erased is overwritten with zeros in the file, not left in free space
            self._conn.execute("PRAGMA secure_delete = ON")
            with self._write() as conn:
                cur = conn.execute(_UPDATE_CASE, [*values[1:], e.case_id, e.expected_seq])
                if cur.rowcount != 1:
                    raise ConflictError(e.case_id, e.expected_seq + 1)
                conn.execute(
                    "INSERT INTO erasing (case_id, purge_seq) VALUES (?, ?)",
                    (e.case_id, e.expected_seq + 1),
                )
                if e.tombstone is not None:
                    args = (e.tombstone.to_json(), e.case_id, e.expected_seq, *KEPT_ON_PURGE)
                    conn.execute(_ERASE, args)
                if e.access_rows:
                    _cut_access(conn, e)
                conn.execute("DELETE FROM erasing WHERE case_id = ?", (e.case_id,))
                conn.executemany(_INSERT_ENTRY, [entry_values(x) for x in e.entries])
            # and the old pages leave the write-ahead log (a busy reader may keep them a while)
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.IntegrityError as exc:
            raise ConflictError(e.case_id, e.expected_seq + 1) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError.coded("store.cannot_write", path=self.path, reason=str(exc)) from exc
        finally:
            self._conn.execute("PRAGMA secure_delete = OFF")
        self._states.pop(e.case_id, None)

    def enqueue(self, rows: Sequence[OutboxRow]) -> int:
        """Add outbox rows not there yet (by key), e.g. reminders; how many were new."""
        try:
            with self._write() as conn:
                before = conn.total_changes
                conn.executemany(INSERT_OUTBOX, [r.values() for r in rows])
                new = conn.total_changes - before
        except sqlite3.DatabaseError as exc:
            raise StoreError.coded("store.cannot_write", path=self.path, reason=str(exc)) from exc
        logs.enqueued(log, new, len(rows))
        return new

    def save_workflow(self, workflow: Workflow) -> None:
        """Keep this workflow version, so a case pinned to it can always be explained."""
        content = canonical_json(unstructure(workflow))
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO workflows (hash, id, version, content, saved_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    workflow.content_hash,
                    workflow.id,
                    workflow.version,
                    content,
                    dt.datetime.now(dt.UTC).isoformat(),
                ),
            )

    def load_workflow(self, content_hash: str) -> Workflow:
        """A workflow version kept by ``save_workflow``: old cases can always be explained."""
        row = self._conn.execute(
            "SELECT content FROM workflows WHERE hash = ?", (content_hash,)
        ).fetchone()
        if row is None:
            raise StoreError.coded("store.no_version", version=content_hash[:12])
        return workflow_from_row(content_hash, row[0])

    def workflow_versions(self) -> list[tuple[str, str, str]]:
        """(hash, id, version) of every workflow version saved."""
        rows = self._conn.execute("SELECT hash, id, version FROM workflows ORDER BY saved_at")
        return [(r[0], r[1], r[2]) for r in rows]

    # --- checking ---

    # --- the web pages' login sessions (btiflow.server.sessions) ---

    def session_get(self, key: str) -> tuple[str, float] | None:
        """A session's data and when it was last used, or None."""
        row = self._conn.execute(
            "SELECT data, seen_at FROM sessions WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else (str(row[0]), float(row[1]))

    def session_put(self, key: str, data: str, seen_at: float) -> None:
        """Write a session (a new one, or one used again)."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sessions (key, data, seen_at) VALUES (?, ?, ?) ON CONFLICT(key) "
                "DO UPDATE SET data = excluded.data, seen_at = excluded.seen_at",
                (key, data, seen_at),
            )

    def session_delete(self, key: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM sessions WHERE key = ?", (key,))

    def session_purge(self, before: float) -> int:
        """Delete the sessions last used before ``before``; how many."""
        with self._write() as conn:
            return conn.execute("DELETE FROM sessions WHERE seen_at < ?", (before,)).rowcount

    def heads(self) -> list[ChainHead]:
        """The head of every case's hash chain, to keep elsewhere as a witness."""
        rows = self._conn.execute(
            "SELECT case_id, last_seq, head_hash FROM cases ORDER BY case_id"
        ).fetchall()
        return [ChainHead(*r) for r in rows]

    def verify(self) -> VerifyReport:
        """SQLite's own integrity check, then every check of ``store.check``: each chain, each
        state row column by column, each access log, each stored guide version.

        It reads one snapshot, so a writer appending meanwhile cannot make it see a case row
        and a log from different moments. A damaged file is a problem in the report.
        """
        with self._snapshot():
            damage = self._integrity()
            report = verify_rows(self._rows, _VERIFY, state_values, sqlite3.DatabaseError)
        return attrs.evolve(report, problems=(*damage, *report.problems))

    def _rows(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, args).fetchall()

    def _integrity(self) -> list[ChainProblem]:
        try:
            found = [r[0] for r in self._conn.execute("PRAGMA integrity_check(5)")]
        except sqlite3.DatabaseError as exc:
            found = [str(exc)]
        if found == ["ok"]:
            return []
        return [ChainProblem("", 0, "file_damaged", {"reason": "; ".join(found)})]


_VERIFY = Queries(
    scope=(),
    cases=f"SELECT {', '.join(STATE_COLUMNS)}, access_count, access_head, access_cut, "
    "access_base FROM cases ORDER BY case_id",
    orphans="SELECT DISTINCT case_id FROM entries",
    entries=f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = ? ORDER BY seq",
    access=f"SELECT {ACCESS_COLUMNS}, prev_hash, hash FROM access_log WHERE case_id = ? "
    "ORDER BY id",
    workflows="SELECT hash, content FROM workflows ORDER BY hash",
)
