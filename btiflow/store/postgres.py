"""The relay log in PostgreSQL (through psycopg 3): the same tables and rules as the SQLite store.

Install with ``pip install 'btiflow[postgres]'``. Every table carries a ``tenant`` (the
municipality) and every query is scoped to the store's tenant, so many municipalities can
share one database without one ever seeing another's cases.

Tables: ``entries`` (primary key tenant + case_id + seq; a trigger refuses UPDATE and DELETE),
``cases`` (the current state, written in the same transaction as its entries), ``workflows``,
``access_log`` (append-only) and ``outbox``. Schema versions are recorded in
``btiflow_migrations`` (m001..m004, mirroring the SQLite store's names).

Concurrency: writes run at READ COMMITTED. Appending to a case updates its state row with
``WHERE last_seq = <the seq the writer read>``; a concurrent writer of the same case waits on
that row's lock and then finds ``last_seq`` moved, so it updates nothing and gets
``ConflictError`` (a new case's INSERT, and every entry's INSERT, collide on the primary key
instead). An append's writes are one call of the server function ``btiflow_append``, sent
with BEGIN and COMMIT in one pipeline, its values bound parameters (``btiflow.store.pgappend``).
``verify`` reads one
REPEATABLE READ snapshot. See docs/design.md.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import select
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NamedTuple, TypeVar

import psycopg
from psycopg import errors as pg_errors

from btiflow.access import AccessRecord
from btiflow.case.entries import GENESIS, Entry, canonical_json
from btiflow.case.fold import from_data
from btiflow.case.state import Case
from btiflow.errors import CaseNotFound, CommitUnknown, ConflictError, StoreError
from btiflow.notify.outbox import STATUSES as OUTBOX_STATUSES
from btiflow.notify.outbox import OutboxMessage
from btiflow.notify.problems import text as dispatch_text
from btiflow.notify.rows import OUTBOX_COLUMNS, OutboxRow, stamp
from btiflow.store import logs, pgappend, watchdog
from btiflow.store.base import (
    KEPT_ON_PURGE,
    CaseCount,
    ChainHead,
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
    DUE_INDEX,
    ENTRY_COLUMNS,
    ENTRY_COUNT,
    FEED_COLUMNS,
    OUTBOX_READ_COLUMNS,
    RECEIPT_COLUMNS,
    STATE_COLUMNS,
    chain_existing,
    chained_access,
    checked_id,
    entry_from_row,
    entry_values,
    feed_event,
    group_by_case,
    outbox_message,
    receipt_from_row,
    receipt_values,
    state_values,
    ties_values,
    workflow_from_row,
)
from btiflow.workflow.convert import unstructure
from btiflow.workflow.model import Workflow

_STATES_KEPT = 256

_T = TypeVar("_T")
log = logging.getLogger(__name__)

_M001 = """
CREATE TABLE entries (
    tenant text NOT NULL,
    case_id text NOT NULL,
    seq integer NOT NULL,
    time text NOT NULL,
    actor text,
    role text,
    unit text,
    kind text NOT NULL,
    data text NOT NULL,
    workflow_hash text,
    prev_hash text,
    hash text NOT NULL,
    PRIMARY KEY (tenant, case_id, seq)
);
CREATE TABLE cases (
    tenant text NOT NULL,
    case_id text NOT NULL,
    workflow_id text,
    workflow_version text,
    workflow_hash text,
    subject text,
    status text NOT NULL,
    level integer,
    step text,
    baton_holder text,
    baton_unit text,
    next_evaluation_due date,
    last_seq integer NOT NULL,
    head_hash text,
    opened_at text,
    closed_at text,
    state text NOT NULL,
    PRIMARY KEY (tenant, case_id)
);
CREATE TABLE workflows (
    tenant text NOT NULL,
    hash text NOT NULL,
    id text,
    version text,
    content text,
    saved_at text,
    PRIMARY KEY (tenant, hash)
);
CREATE FUNCTION btiflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
    FOR EACH ROW EXECUTE FUNCTION btiflow_append_only('relay log entries are');
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION btiflow_append_only('relay log entries are');
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION btiflow_append_only('relay log entries are');
"""

_M002 = """
CREATE INDEX cases_due ON cases (tenant, next_evaluation_due, case_id)
    INCLUDE (level, step, baton_holder, baton_unit)
    WHERE status = 'open' AND next_evaluation_due IS NOT NULL;
"""

_M003 = """
CREATE TABLE access_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant text NOT NULL,
    case_id text NOT NULL,
    time text NOT NULL,
    actor text NOT NULL,
    name text,
    role text NOT NULL,
    unit text,
    relation text,
    what text NOT NULL,
    seq integer
);
CREATE INDEX access_log_case ON access_log (tenant, case_id, id);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    FOR EACH ROW EXECUTE FUNCTION btiflow_append_only('the access log is');
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION btiflow_append_only('the access log is');
"""

_M004 = """
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant text NOT NULL,
    key text NOT NULL,
    case_id text NOT NULL,
    seq integer,
    kind text NOT NULL,
    recipient text,
    address text,
    message_id text NOT NULL,
    subject text,
    message bytea,
    status text NOT NULL,
    note text,
    attempts integer NOT NULL DEFAULT 0,
    created_at text NOT NULL,
    next_attempt_at text,
    claimed_by text,
    claimed_until text,
    sent_at text,
    error text
);
CREATE UNIQUE INDEX outbox_key ON outbox (tenant, key);
CREATE INDEX outbox_due ON outbox (tenant, status, next_attempt_at);
"""

_M005 = """
ALTER TABLE access_log ADD COLUMN prev_hash text, ADD COLUMN hash text;
ALTER TABLE cases ADD COLUMN access_count integer NOT NULL DEFAULT 0,
    ADD COLUMN access_head text;
"""


def _m005_access_chain(conn: psycopg.Connection[Any]) -> None:
    """The access log hash-chained per case, its head in the case row; rows written before are
    chained here, as they stand (docs/design.md, 2026-12-01)."""
    conn.execute(_M005.encode())
    rows = conn.execute(
        f"SELECT id, tenant, {ACCESS_COLUMNS} FROM access_log ORDER BY tenant, id"
    ).fetchall()
    conn.execute("ALTER TABLE access_log DISABLE TRIGGER access_log_no_update")
    for tenant in sorted({r[1] for r in rows}):
        ours = [(r[0], *r[2:]) for r in rows if r[1] == tenant]
        for id_, prev_hash, digest, case_id, count in chain_existing(ours):
            conn.execute(
                "UPDATE access_log SET prev_hash = %s, hash = %s WHERE id = %s",
                (prev_hash, digest, id_),
            )
            conn.execute(
                "UPDATE cases SET access_count = %s, access_head = %s "
                "WHERE tenant = %s AND case_id = %s",
                (count, digest, tenant, case_id),
            )
    conn.execute("ALTER TABLE access_log ENABLE TRIGGER access_log_no_update")


_M006 = """
CREATE TABLE receipts (
    tenant text NOT NULL,
    caller text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    status integer NOT NULL,
    headers text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, caller, key)
);
"""

_M007 = """
CREATE TABLE feed (
    tenant text NOT NULL,
    position bigint NOT NULL,
    case_id text NOT NULL,
    seq integer NOT NULL,
    kind text NOT NULL,
    time text NOT NULL,
    PRIMARY KEY (tenant, position),
    UNIQUE (tenant, case_id, seq)
);
INSERT INTO feed (tenant, position, case_id, seq, kind, time)
    SELECT tenant, row_number() OVER (PARTITION BY tenant ORDER BY time, case_id, seq),
           case_id, seq, kind, time
    FROM entries;
CREATE TRIGGER feed_no_update BEFORE UPDATE ON feed
    FOR EACH ROW EXECUTE FUNCTION btiflow_append_only('the event feed is');
CREATE TRIGGER feed_no_delete BEFORE DELETE ON feed
    FOR EACH ROW EXECUTE FUNCTION btiflow_append_only('the event feed is');
"""

_M008 = """
CREATE TABLE webhooks (
    tenant text NOT NULL,
    id text NOT NULL,
    url text NOT NULL,
    secret text NOT NULL,
    owner text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE webhook_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant text NOT NULL,
    webhook_id text NOT NULL,
    case_id text NOT NULL,
    seq integer NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    claimed_by text,
    claimed_until timestamptz,
    sent_at timestamptz,
    error text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (tenant, status, next_attempt_at);
"""

_M009 = """
CREATE TABLE sessions (
    tenant text NOT NULL,
    key text NOT NULL,
    data text NOT NULL,
    seen_at double precision NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX sessions_seen ON sessions (tenant, seen_at);
"""
"""The web pages' login sessions (btiflow.server.sessions), keyed by a hash of the cookie's id."""

_M010 = """
ALTER TABLE entries ADD COLUMN content_hash text, ADD COLUMN erased text;
ALTER TABLE cases ADD COLUMN access_cut integer NOT NULL DEFAULT 0, ADD COLUMN access_base text;
CREATE FUNCTION btiflow_erase_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('btiflow.erasing', true) = OLD.tenant || '/' || OLD.case_id
        AND NEW.erased IS NOT NULL
        AND (NEW.tenant, NEW.case_id, NEW.seq, NEW.time, NEW.kind, NEW.workflow_hash,
             NEW.prev_hash, NEW.hash, NEW.content_hash)
            IS NOT DISTINCT FROM
            (OLD.tenant, OLD.case_id, OLD.seq, OLD.time, OLD.kind, OLD.workflow_hash,
             OLD.prev_hash, OLD.hash, OLD.content_hash) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'relay log entries are append-only' USING ERRCODE = 'restrict_violation';
END $$;
CREATE FUNCTION btiflow_access_cut() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('btiflow.erasing', true) = OLD.tenant || '/' || OLD.case_id THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only' USING ERRCODE = 'restrict_violation';
END $$;
DROP TRIGGER entries_no_update ON entries;
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
    FOR EACH ROW EXECUTE FUNCTION btiflow_erase_only();
DROP TRIGGER access_log_no_delete ON access_log;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION btiflow_access_cut();
"""
"""Hash form 2, tombstones and the access log's retention cut (as SQLite's m010): a purge
sets ``btiflow.erasing`` to its tenant/case for its own transaction only."""

M011_BATCH = 500
"""How many cases m011 fills in at a time (their states are read, then written, per batch)."""

_M011 = """
ALTER TABLE cases ADD COLUMN opened_unit text, ADD COLUMN offer_to text,
    ADD COLUMN offer_unit text;
"""


def _m011_case_ties(conn: psycopg.Connection[Any]) -> None:
    """Which unit opened each case and who is offered its baton (as SQLite's m011), filled in
    from each case's state, ``M011_BATCH`` cases at a time (in the migration's transaction);
    indexes for "Mine saker"'s offers and the overview's counts.

    The fill-in uses today's ``from_data`` and ``ties_values``: a later change to them must
    give the same ties for a stored state (tests/test_migrations_pinned.py pins this source,
    not theirs)."""
    conn.execute(_M011.encode())
    after: tuple[Any, ...] = ("", "")
    while rows := conn.execute(
        "SELECT tenant, case_id, state FROM cases WHERE (tenant, case_id) > (%s, %s) "
        "ORDER BY tenant, case_id LIMIT %s",
        (*after, M011_BATCH),
    ).fetchall():
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE cases SET opened_unit = %s, offer_to = %s, offer_unit = %s "
                "WHERE tenant = %s AND case_id = %s",
                [(*ties_values(from_data(json.loads(state))), t, c) for t, c, state in rows],
            )
        after = rows[-1][:2]
    conn.execute(
        b"CREATE INDEX cases_offer ON cases (tenant, offer_to, offer_unit) "
        b"WHERE offer_to IS NOT NULL"
    )
    for column in ("opened_unit", "baton_unit", "offer_unit"):
        conn.execute(
            f"CREATE INDEX cases_by_{column} ON cases (tenant, {column}) "
            f"INCLUDE (level, status, next_evaluation_due, offer_to) "
            f"WHERE {column} IS NOT NULL".encode()
        )


MIGRATIONS: tuple[tuple[str, str | Callable[[psycopg.Connection[Any]], None]], ...] = (
    ("m001_relay_log", _M001),
    ("m002_covering_due_index", _M002),
    ("m003_access_log", _M003),
    ("m004_outbox", _M004),
    ("m005_access_chain", _m005_access_chain),
    ("m006_receipts", _M006),
    ("m007_feed", _M007),
    ("m008_webhooks", _M008),
    ("m009_sessions", _M009),
    ("m010_retention", _M010),
    ("m011_case_ties", _m011_case_ties),
    ("m012_append_function", pgappend.M012_APPEND),
)
"""The schema, in order: (name, SQL or a function of the connection). Never edit one that
shipped; add the next."""

_MIGRATION_LOCK = 0x62746966  # 'btif': one opener migrates at a time (advisory lock)

_INSERT_CASE = (
    f"INSERT INTO cases (tenant, {', '.join(STATE_COLUMNS)}) "
    f"VALUES (%s, {', '.join(['%s'] * len(STATE_COLUMNS))})"
)
_UPDATE_CASE = (
    f"UPDATE cases SET {', '.join(f'{c} = %s' for c in STATE_COLUMNS[1:])} "
    f"WHERE tenant = %s AND case_id = %s AND last_seq = %s"
)
_INSERT_ENTRY = f"INSERT INTO entries (tenant, {ENTRY_COLUMNS}) VALUES (%s{', %s' * ENTRY_COUNT})"
_ERASE = (
    "UPDATE entries SET actor = '', role = '', unit = '', data = '{}', erased = %s "
    "WHERE tenant = %s AND case_id = %s AND seq <= %s AND NOT (kind = ANY(%s))"
)
_INSERT_ACCESS = (
    f"INSERT INTO access_log (tenant, {ACCESS_COLUMNS}, prev_hash, hash) VALUES (%s{', %s' * 11})"
)
_INSERT_RECEIPT = f"INSERT INTO receipts (tenant, {RECEIPT_COLUMNS}) VALUES (%s{', %s' * 6})"
_FEED_LOCK = "SELECT pg_advisory_xact_lock(hashtext('btiflow feed ' || %s))"
"""Held from taking the feed's next positions to the COMMIT (docs/design.md, the event feed)."""
_FAN_OUT = (
    "INSERT INTO webhook_outbox (tenant, webhook_id, case_id, seq, status, next_attempt_at) "
    "SELECT tenant, id, %s, %s, 'pending', now() FROM webhooks WHERE tenant = %s ORDER BY id"
)
"""One delivery per subscription for an entry (its position and kind come from the feed)."""
_INSERT_FEED = f"INSERT INTO feed (tenant, {FEED_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)"

_OUTBOX_IF_APPENDED = (
    pgappend.appended_only(
        "outbox", OUTBOX_COLUMNS, {"seq": "integer", "message": "bytea", "attempts": "integer"}
    )
    + " ON CONFLICT (tenant, key) DO NOTHING"
)
_RECEIPT_IF_APPENDED = pgappend.appended_only(
    "receipts", RECEIPT_COLUMNS.split(", "), {"status": "integer"}
)
_INSERT_OUTBOX = (
    f"INSERT INTO outbox (tenant, {', '.join(OUTBOX_COLUMNS)}) "
    f"VALUES (%s{', %s' * len(OUTBOX_COLUMNS)}) ON CONFLICT (tenant, key) DO NOTHING"
)


def _state_values(case: Case) -> list[Any]:
    values = state_values(case)
    due = values[DUE_INDEX]
    values[DUE_INDEX] = dt.date.fromisoformat(due) if due else None  # a DATE column here
    return values


class PostgresStore:
    """A relay-log store in a PostgreSQL database, for one ``tenant`` (municipality).

    ``url`` is a libpq connection string (``postgresql://user@host:5432/db``). The schema is
    created, or migrated, on open. Two stores with different tenants on the same database
    never see each other's cases, logs, access logs or mail.
    """

    def __init__(
        self, url: str, *, tenant: str = "default", timeout: float = 30.0, create: bool = True
    ) -> None:
        if not tenant:
            raise ValueError("a tenant (municipality) cannot be empty")
        self.url = url
        self.tenant = tenant
        self.timeout = timeout
        self._states: OrderedDict[str, Case] = OrderedDict()
        self._access_heads: dict[str, str | None] = {}  # as last read (a hint: pgappend)
        settings: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": max(1, round(timeout)),
            "options": f"-c statement_timeout={max(1, round(timeout * 1000))}",
        }
        try:
            first = psycopg.connect(url, **settings)
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.cannot_connect", path=_safe(url), reason=str(exc)
            ) from exc
        try:
            with first:
                self._migrate(first, create=create)
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.cannot_migrate", path=_safe(url), reason=str(exc)
            ) from exc
        self._link = _Link(url, settings, timeout)

    def _migrate(self, conn: psycopg.Connection[Any], *, create: bool) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            found = conn.execute("SELECT to_regclass('btiflow_migrations')").fetchone()
            if (found is None or found[0] is None) and not create:
                raise StoreError.coded("store.not_a_log", path=_safe(self.url))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS btiflow_migrations "
                "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r[0] for r in conn.execute("SELECT name FROM btiflow_migrations")}
            unknown = sorted(done - {name for name, _ in MIGRATIONS})
            if unknown:
                raise StoreError.coded(
                    "store.newer", path=_safe(self.url), schema=", ".join(unknown)
                )
            applied = []
            for name, step in MIGRATIONS:
                if name not in done:
                    if callable(step):
                        step(conn)
                    else:
                        conn.execute(step.encode())
                    conn.execute("INSERT INTO btiflow_migrations (name) VALUES (%s)", (name,))
                    applied.append(name)
        logs.opened(log, _safe(self.url), applied)

    def migrations(self) -> list[str]:
        """The names of the schema migrations applied to this database, in order."""
        rows = self._read("SELECT name FROM btiflow_migrations ORDER BY name")
        return [r[0] for r in rows]

    def close(self) -> None:
        self._link.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresStore({_safe(self.url)!r}, tenant={self.tenant!r})"

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """The store's connection (made again if it was lost, e.g. the server restarted)."""
        with self._link.use() as conn:
            yield conn

    def _transact(self, work: Callable[[psycopg.Cursor[Any]], _T]) -> _T:
        """``work`` in one transaction, failed (StoreError) after the timeout; once more on a
        new connection if the old one turns out lost before the COMMIT (a server restart:
        nothing was written). Only for writes whose loss is harmless to learn of late
        (access reads, mail, guide versions): ``append`` settles a lost commit itself."""
        for attempt in (1, 2):
            try:
                with self._attempt() as (conn, watch), conn.transaction(), conn.cursor() as cur:
                    done = work(cur)
            except pg_errors.UniqueViolation:
                raise
            except psycopg.OperationalError as exc:
                if attempt == 1 and watch.again(conn):
                    continue
                raise StoreError.coded(
                    "store.cannot_write", path=_safe(self.url), reason=str(exc)
                ) from exc
            except psycopg.Error as exc:
                raise StoreError.coded(
                    "store.cannot_write", path=_safe(self.url), reason=str(exc)
                ) from exc
            return done
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _attempt(self) -> Iterator[tuple[psycopg.Connection[Any], _Watch]]:
        """The connection, under a deadline of the store's timeout."""
        with self._connection() as conn, _deadline(conn, self.timeout) as watch:
            yield conn, watch

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        for attempt in (1, 2):
            try:
                with self._attempt() as (conn, watch):
                    return conn.execute(sql, args).fetchall()
            except psycopg.OperationalError as exc:
                if attempt == 1 and watch.again(conn):
                    continue
                raise StoreError.coded(
                    "store.cannot_read", path=_safe(self.url), reason=str(exc)
                ) from exc
            except psycopg.Error as exc:
                raise StoreError.coded(
                    "store.cannot_read", path=_safe(self.url), reason=str(exc)
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # --- reading ---

    def load(self, case_id: str) -> Case:
        """The case's current state, from its state row (see ``SqliteStore.load``).

        The state's text is sent only when the state kept from the last read or write is not
        the current one; the access log's head comes along, for the next append to chain on
        (``pgappend``)."""
        case_id = checked_id(case_id)
        cached = self._states.get(case_id)
        seq, head = (cached.seq, cached.head_hash) if cached is not None else (-1, None)
        rows = self._read(
            "SELECT last_seq, head_hash, access_head, CASE WHEN last_seq = %s "
            "AND head_hash = %s THEN NULL ELSE state END FROM cases "
            "WHERE tenant = %s AND case_id = %s",
            (seq, head, self.tenant, case_id),
        )
        if not rows:
            raise CaseNotFound(case_id)
        last_seq, head_hash, access_head, state = rows[0]
        self._access_heads[case_id] = access_head
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
            gone, _ = self._states.popitem(last=False)
            self._access_heads.pop(gone, None)

    def entries(self, case_id: str) -> list[Entry]:
        case_id = checked_id(case_id)
        rows = self._read(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE tenant = %s AND case_id = %s ORDER BY seq",
            (self.tenant, case_id),
        )
        if not rows:
            raise CaseNotFound(case_id)
        return [entry_from_row(r) for r in rows]

    def case_ids(self) -> list[str]:
        rows = self._read(
            "SELECT case_id FROM cases WHERE tenant = %s ORDER BY opened_at, case_id",
            (self.tenant,),
        )
        return [r[0] for r in rows]

    def _due(self, where: str, args: tuple[Any, ...]) -> list[DueCase]:
        rows = self._read(due_query("tenant = %s AND " + where), (self.tenant, *args))
        return [DueCase(*r) for r in rows]

    def due_between(self, start: dt.date, end: dt.date) -> list[DueCase]:
        """Open cases whose next evaluation falls on a day from ``start`` to ``end``."""
        return self._due("next_evaluation_due BETWEEN %s AND %s", (start, end))

    def overdue(self, today: dt.date) -> list[DueCase]:
        """Open cases whose next evaluation was due before ``today``."""
        return self._due("next_evaluation_due < %s", (today,))

    def offers_to(self, person: str, unit: str) -> list[str]:
        """The open cases whose baton is offered to ``person`` of ``unit``, oldest first."""
        rows = self._read(
            "SELECT case_id FROM cases WHERE tenant = %s AND offer_to = %s AND offer_unit = %s "
            "ORDER BY opened_at, case_id",
            (self.tenant, person, unit),
        )
        return [r[0] for r in rows]

    def case_counts(self, unit: str | None, today: dt.date, soon_until: dt.date) -> list[CaseCount]:
        """The cases counted by level and status, as ``SqliteStore.case_counts``."""
        where, args = self._scoped(unit)
        rows = self._read(
            "SELECT level, status, count(*), "
            "count(*) FILTER (WHERE next_evaluation_due < %s), "
            "count(*) FILTER (WHERE next_evaluation_due BETWEEN %s AND %s), count(offer_to) "
            f"FROM cases WHERE {where} GROUP BY level, status ORDER BY level, status",
            (today, today, soon_until, *args),
        )
        return [CaseCount(*r) for r in rows]

    def needing_attention(self, unit: str | None, today: dt.date, soon_until: dt.date) -> list[str]:
        """As ``SqliteStore.needing_attention``."""
        where, args = self._scoped(unit)
        rows = self._read(
            f"SELECT case_id FROM cases WHERE {where} "
            "AND (next_evaluation_due <= %s OR offer_to IS NOT NULL) "
            "ORDER BY next_evaluation_due NULLS LAST, opened_at, case_id",
            (*args, soon_until),
        )
        return [r[0] for r in rows]

    def _scoped(self, unit: str | None) -> tuple[str, tuple[str, ...]]:
        """Every case of the tenant, or ``unit``'s: opened in it, its baton held or offered."""
        if unit is None:
            return "tenant = %s", (self.tenant,)
        where = "tenant = %s AND (opened_unit = %s OR baton_unit = %s OR offer_unit = %s)"
        return where, (self.tenant, unit, unit, unit)

    def due_page(
        self, first: dt.date | None, last: dt.date, *, after: DueAfter | None, limit: int
    ) -> list[DueRow]:
        """Up to ``limit`` open cases whose next evaluation falls from ``first`` (None: any day
        before) to ``last``, after ``after``, in order (``btiflow.store.due``)."""
        where, args = due_bounds(first, last, after, "%s")
        sql = due_query("tenant = %s AND " + where) + " LIMIT %s"
        return self._read(sql, (self.tenant, *args, limit))

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
        """Append ``entries`` and write ``state`` atomically, or raise ``ConflictError``; with
        them, in the same transaction, the ``outbox`` rows, the ``access`` records, the
        ``receipt`` and the entries' feed rows (see ``_feed``); ``access_cut``: see
        ``SqliteStore.append``.

        If the connection is lost while committing, the database is asked whether the entries
        landed: if so this returns as if nothing happened, if not it raises ``StoreError``
        (nothing written), and only if the database cannot be asked, ``CommitUnknown``.
        """
        values = _state_values(state)
        chain = self._chain_on(state, expected_seq, entries, access, access_cut)
        if chain is not None:
            rows = chained_access(chain[0] or GENESIS, access)
            args = pgappend.call_args(self.tenant, expected_seq, chain[0], values, entries, rows)
            after = [(_OUTBOX_IF_APPENDED, [(self.tenant, *r.values()) for r in outbox])]
            if receipt is not None:
                after.append((_RECEIPT_IF_APPENDED, [(self.tenant, *receipt_values(receipt))]))
            try:
                self._append_in_one_trip(
                    state.id, args, [b for b in after if b[1]], entries, expected_seq
                )
            except _AccessMoved:
                chain = None  # a read was logged since the state was read: chain under the lock
            else:
                if rows:
                    self._access_heads[state.id] = rows[-1][-1]
        if chain is None:
            self._access_heads.pop(state.id, None)
            self._append_in_steps(entries, state, values, expected_seq, access, outbox, receipt,
                                  access_cut)  # fmt: skip
        logs.appended(log, state.id, entries, len(outbox))
        self._remember(state)

    def _chain_on(
        self,
        state: Case,
        expected_seq: int,
        entries: Sequence[Entry],
        access: Sequence[AccessRecord],
        access_cut: tuple[int, str] | None,
    ) -> tuple[str | None] | None:
        """The access head this append's records chain on, if it can go in one round trip:
        everything is of the state's case, the head is known (read with the state, or a new
        case's), and no copied access log's cut comes along. Else None."""
        ours = all(e.case_id == state.id for e in entries)
        if not ours or any(r.case_id != state.id for r in access) or (access_cut or (0,))[0]:
            return None
        if expected_seq == 0 or not access:
            return (None,)
        if state.id not in self._access_heads:
            return None
        return (self._access_heads[state.id],)

    def _append_in_one_trip(
        self,
        case_id: str,
        args: Sequence[Any],
        after: Sequence[tuple[str, Sequence[Sequence[Any]]]],
        entries: Sequence[Entry],
        expected_seq: int,
    ) -> None:
        """BEGIN, ``btiflow_append(*args)``, the ``after`` rows (outbox, receipt: written only
        if the function wrote the act) and COMMIT in one pipeline: one round trip
        (``pgappend``). A lost answer is settled (``_settle``); nothing is sent twice."""
        conn: psycopg.Connection[Any] | None = None
        backend = None
        try:
            with self._attempt() as (conn, _):
                backend = self._link.backend
                status = _one_trip(conn, args, after)
        except psycopg.Error as exc:
            if isinstance(exc, pg_errors.UniqueViolation):
                logs.conflict(log, case_id, expected_seq + 1)
                raise ConflictError(case_id, expected_seq + 1) from exc
            if isinstance(exc, psycopg.OperationalError) and conn and _lost(conn) and entries:
                self._settle(entries[-1], expected_seq, exc, backend)
                return
            raise StoreError.coded(
                "store.cannot_write", path=_safe(self.url), reason=str(exc)
            ) from exc
        if status == pgappend.ACCESS_MOVED:
            raise _AccessMoved
        if status != pgappend.APPENDED:
            logs.conflict(log, case_id, expected_seq + 1)
            raise ConflictError(case_id, expected_seq + 1)

    def _append_in_steps(
        self,
        entries: Sequence[Entry],
        state: Case,
        values: Sequence[Any],
        expected_seq: int,
        access: Sequence[AccessRecord],
        outbox: Sequence[OutboxRow],
        receipt: Receipt | None,
        access_cut: tuple[int, str] | None,
    ) -> None:
        """``append`` statement by statement, each a round trip: for a copy's access cut, or
        records chained on a head not known beforehand."""
        for attempt in (1, 2):
            committing = False
            backend = None
            try:
                with self._attempt() as (conn, watch), conn.transaction(), conn.cursor() as cur:
                    backend = self._link.backend
                    self._write_state(cur, state, values, expected_seq, access_cut)
                    cur.executemany(
                        _INSERT_ENTRY, [(self.tenant, *entry_values(e)) for e in entries]
                    )
                    if outbox:
                        cur.executemany(
                            _INSERT_OUTBOX, [(self.tenant, *r.values()) for r in outbox]
                        )
                    self._append_access(cur, access)
                    if receipt is not None:
                        cur.execute(_INSERT_RECEIPT, (self.tenant, *receipt_values(receipt)))
                    cur.executemany(_FAN_OUT, [(e.case_id, e.seq, self.tenant) for e in entries])
                    self._feed(cur, entries)
                    committing = True  # the COMMIT is sent as this block ends
            except ConflictError:
                logs.conflict(log, state.id, expected_seq + 1)
                raise
            except pg_errors.UniqueViolation as exc:
                logs.conflict(log, state.id, expected_seq + 1)
                raise ConflictError(state.id, expected_seq + 1) from exc
            except psycopg.OperationalError as exc:
                if committing and entries:
                    self._settle(entries[-1], expected_seq, exc, backend)
                elif attempt == 1 and watch.again(conn):
                    continue  # lost before anything was committed: once more, reconnected
                else:
                    raise StoreError.coded(
                        "store.cannot_write", path=_safe(self.url), reason=str(exc)
                    ) from exc
            except psycopg.Error as exc:
                raise StoreError.coded(
                    "store.cannot_write", path=_safe(self.url), reason=str(exc)
                ) from exc
            return

    def _write_state(
        self,
        cur: psycopg.Cursor[Any],
        state: Case,
        values: Sequence[Any],
        expected_seq: int,
        access_cut: tuple[int, str] | None,
    ) -> None:
        """The case's state row: inserted for a new case (with a copied access log's cut),
        else moved on from ``expected_seq`` or ``ConflictError``."""
        if expected_seq == 0:
            cur.execute(_INSERT_CASE, [self.tenant, *values])
            if access_cut is not None and access_cut[0]:
                cut, base = access_cut
                cur.execute(
                    "UPDATE cases SET access_cut = %s, access_base = %s, "
                    "access_head = %s WHERE tenant = %s AND case_id = %s",
                    (cut, None if base == GENESIS else base, base, self.tenant, state.id),
                )
            return
        cur.execute(_UPDATE_CASE, [*values[1:], self.tenant, state.id, expected_seq])
        if cur.rowcount != 1:
            raise ConflictError(state.id, expected_seq + 1)

    def _feed(self, cur: psycopg.Cursor[Any], entries: Sequence[Entry]) -> None:
        """The entries' rows in the event feed, numbered after the tenant's last position.

        Taken last, just before the COMMIT, under a transaction-scoped advisory lock per
        tenant: the next writer waits for this COMMIT before it reads the last position, so
        positions become visible in their order and a reader never sees a position while a
        lower one is still to commit (docs/design.md, the event feed)."""
        if not entries:
            return
        cur.execute(_FEED_LOCK, (self.tenant,))
        cur.execute("SELECT coalesce(max(position), 0) FROM feed WHERE tenant = %s", (self.tenant,))
        row = cur.fetchone()
        last = int(row[0]) if row is not None else 0
        cur.executemany(
            _INSERT_FEED,
            [
                (self.tenant, last + n, e.case_id, e.seq, e.kind, e.time.isoformat())
                for n, e in enumerate(entries, 1)
            ],
        )

    def receipt(self, caller: str, key: str) -> Receipt | None:
        """The first answer ``caller`` was given for a request with this Idempotency-Key."""
        rows = self._read(
            f"SELECT {RECEIPT_COLUMNS} FROM receipts "
            "WHERE tenant = %s AND caller = %s AND key = %s",
            (self.tenant, caller, key),
        )
        return receipt_from_row(rows[0]) if rows else None

    def events(self, after: int, limit: int) -> list[FeedEvent]:
        """Up to ``limit`` events of the feed after position ``after``, in feed order."""
        rows = self._read(
            f"SELECT {FEED_COLUMNS} FROM feed WHERE tenant = %s AND position > %s "
            "ORDER BY position LIMIT %s",
            (self.tenant, after, limit),
        )
        return [feed_event(r) for r in rows]

    def _settle(
        self, last: Entry, expected_seq: int, lost: psycopg.Error, backend: _Backend | None
    ) -> None:
        """After a commit whose answer was lost: return if ``last`` landed, else raise.

        The lost connection's server process (``backend``) is ended first, and waited for: a
        request it has received but not yet run (one round trip sends the whole transaction)
        can then never commit after the answer. The case row is read FOR SHARE, so a commit
        still under way on the server is waited for, not missed.
        """
        try:
            with self._connection() as conn, _deadline(conn, self.timeout), conn.transaction():
                if backend is not None:
                    _end_backend(conn, backend, self.timeout)
                conn.execute(
                    "SELECT 1 FROM cases WHERE tenant = %s AND case_id = %s FOR SHARE",
                    (self.tenant, last.case_id),
                )
                row = conn.execute(
                    "SELECT hash FROM entries WHERE tenant = %s AND case_id = %s AND seq = %s",
                    (self.tenant, last.case_id, last.seq),
                ).fetchone()
        except (psycopg.Error, StoreError) as exc:
            raise CommitUnknown(last.case_id, last.seq, _first_line(lost)) from exc
        if row is None:
            raise StoreError.coded(
                "store.connection_lost", path=_safe(self.url), reason=_first_line(lost)
            ) from lost
        if row[0] != last.hash:  # another writer's entry took this seq
            raise ConflictError(last.case_id, expected_seq + 1) from lost

    def record_access(self, records: Sequence[AccessRecord]) -> None:
        """Add reads to the access log (append-only)."""
        self._transact(lambda cur: self._append_access(cur, records))

    def _append_access(self, cur: psycopg.Cursor[Any], records: Sequence[AccessRecord]) -> None:
        """Access records chained onto each case's access head; the case row is locked first
        (FOR UPDATE), so two writers never chain onto the same head."""
        for case_id, group in group_by_case(records):
            self._access_heads.pop(case_id, None)
            cur.execute(
                "SELECT access_count, access_head FROM cases "
                "WHERE tenant = %s AND case_id = %s FOR UPDATE",
                (self.tenant, case_id),
            )
            row = cur.fetchone()
            count, head = row if row is not None else (0, None)
            rows = chained_access(head or GENESIS, group)
            cur.executemany(_INSERT_ACCESS, [(self.tenant, *r) for r in rows])
            cur.execute(
                "UPDATE cases SET access_count = %s, access_head = %s "
                "WHERE tenant = %s AND case_id = %s",
                (count + len(rows), rows[-1][-1], self.tenant, case_id),
            )

    def access_log(self, case_id: str) -> list[AccessRecord]:
        """Every read and action recorded for the case, oldest first."""
        case_id = checked_id(case_id)
        rows = self._read(
            "SELECT case_id, time, actor, name, role, unit, relation, what, seq "
            "FROM access_log WHERE tenant = %s AND case_id = %s ORDER BY id",
            (self.tenant, case_id),
        )
        return [AccessRecord(r[0], dt.datetime.fromisoformat(r[1]), *r[2:]) for r in rows]

    def access_chain(self, case_id: str) -> list[tuple[dt.datetime, str]]:
        """(time, hash) of each access-log row of the case, oldest first (for a retention cut)."""
        case_id = checked_id(case_id)
        rows = self._read(
            "SELECT time, hash FROM access_log WHERE tenant = %s AND case_id = %s ORDER BY id",
            (self.tenant, case_id),
        )
        return [(dt.datetime.fromisoformat(r[0]), r[1]) for r in rows]

    def erase(self, erasure: Erasure) -> None:
        """Erase a purged case's contents or cut its access log (see ``Erasure`` and
        ``SqliteStore.erase``), in one transaction; ConflictError if the plan is stale."""
        e = erasure
        values = _state_values(e.state)

        def work(cur: psycopg.Cursor[Any]) -> None:
            cur.execute(_UPDATE_CASE, [*values[1:], self.tenant, e.case_id, e.expected_seq])
            if cur.rowcount != 1:
                raise ConflictError(e.case_id, e.expected_seq + 1)
            cur.execute(
                "SELECT set_config('btiflow.erasing', %s, true)", (f"{self.tenant}/{e.case_id}",)
            )
            if e.tombstone is not None:
                args = (e.tombstone.to_json(), self.tenant, e.case_id, e.expected_seq)
                cur.execute(_ERASE, (*args, list(KEPT_ON_PURGE)))
            if e.access_rows:
                self._cut_access(cur, e)
            cur.execute("SELECT set_config('btiflow.erasing', '', true)")
            cur.executemany(_INSERT_ENTRY, [(self.tenant, *entry_values(x)) for x in e.entries])

        try:
            self._transact(work)
        except pg_errors.UniqueViolation as exc:
            raise ConflictError(e.case_id, e.expected_seq + 1) from exc
        self._states.pop(e.case_id, None)
        self._access_heads.pop(e.case_id, None)

    def _cut_access(self, cur: psycopg.Cursor[Any], e: Erasure) -> None:
        cur.execute(
            "SELECT access_count, access_head FROM cases "
            "WHERE tenant = %s AND case_id = %s FOR UPDATE",
            (self.tenant, e.case_id),
        )
        count, head = cur.fetchone() or (0, None)
        cur.execute(
            "SELECT id, hash FROM access_log WHERE tenant = %s AND case_id = %s "
            "ORDER BY id LIMIT %s",
            (self.tenant, e.case_id, e.access_rows),
        )
        rows = cur.fetchall()
        whole = e.access_base == GENESIS
        if len(rows) != e.access_rows or (whole and count != e.access_rows):
            raise ConflictError(e.case_id, e.expected_seq + 1)
        if not whole and rows[-1][1] != e.access_base:
            raise ConflictError(e.case_id, e.expected_seq + 1)
        cur.execute(
            "DELETE FROM access_log WHERE tenant = %s AND case_id = %s AND id <= %s",
            (self.tenant, e.case_id, rows[-1][0]),
        )
        left = count - e.access_rows
        base = None if whole else e.access_base
        cur.execute(
            "UPDATE cases SET access_count = %s, access_cut = access_cut + %s, "
            "access_base = %s, access_head = %s WHERE tenant = %s AND case_id = %s",
            (left, e.access_rows, base, head if left else base, self.tenant, e.case_id),
        )

    def enqueue(self, rows: Sequence[OutboxRow]) -> int:
        """Add outbox rows not there yet (by key), e.g. reminders; how many were new."""

        def insert(cur: psycopg.Cursor[Any]) -> int:
            new = 0
            for r in rows:
                cur.execute(_INSERT_OUTBOX, (self.tenant, *r.values()))
                new += cur.rowcount
            return new

        added = self._transact(insert)
        logs.enqueued(log, added, len(rows))
        return added

    def outbox_keys(self) -> list[str]:
        """The key of every outbox row of this tenant, oldest first."""
        rows = self._read("SELECT key FROM outbox WHERE tenant = %s ORDER BY id", (self.tenant,))
        return [r[0] for r in rows]

    def save_workflow(self, workflow: Workflow) -> None:
        """Keep this workflow version, so a case pinned to it can always be explained."""
        content = canonical_json(unstructure(workflow))
        row = (
            self.tenant,
            workflow.content_hash,
            workflow.id,
            workflow.version,
            content,
            dt.datetime.now(dt.UTC).isoformat(),
        )
        self._transact(
            lambda cur: cur.execute(
                "INSERT INTO workflows (tenant, hash, id, version, content, saved_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant, hash) DO NOTHING",
                row,
            )
        )

    def load_workflow(self, content_hash: str) -> Workflow:
        """A workflow version kept by ``save_workflow``."""
        rows = self._read(
            "SELECT content FROM workflows WHERE tenant = %s AND hash = %s",
            (self.tenant, content_hash),
        )
        if not rows:
            raise StoreError.coded("store.no_version", version=content_hash[:12])
        return workflow_from_row(content_hash, rows[0][0])

    def workflow_versions(self) -> list[tuple[str, str, str]]:
        """(hash, id, version) of every workflow version saved."""
        rows = self._read(
            "SELECT hash, id, version FROM workflows WHERE tenant = %s ORDER BY saved_at, hash",
            (self.tenant,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    # --- checking ---

    # --- the web pages' login sessions (btiflow.server.sessions) ---

    def session_get(self, key: str) -> tuple[str, float] | None:
        """A session's data and when it was last used, or None."""
        rows = self._read(
            "SELECT data, seen_at FROM sessions WHERE tenant = %s AND key = %s",
            (self.tenant, key),
        )
        return None if not rows else (str(rows[0][0]), float(rows[0][1]))

    def session_put(self, key: str, data: str, seen_at: float) -> None:
        """Write a session (a new one, or one used again)."""

        def work(cur: psycopg.Cursor[Any]) -> None:
            cur.execute(
                "INSERT INTO sessions (tenant, key, data, seen_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (tenant, key) DO UPDATE SET data = EXCLUDED.data, "
                "seen_at = EXCLUDED.seen_at",
                (self.tenant, key, data, seen_at),
            )

        self._transact(work)

    def session_delete(self, key: str) -> None:
        def work(cur: psycopg.Cursor[Any]) -> None:
            cur.execute("DELETE FROM sessions WHERE tenant = %s AND key = %s", (self.tenant, key))

        self._transact(work)

    def session_purge(self, before: float) -> int:
        """Delete the sessions last used before ``before``; how many."""

        def work(cur: psycopg.Cursor[Any]) -> int:
            cur.execute(
                "DELETE FROM sessions WHERE tenant = %s AND seen_at < %s", (self.tenant, before)
            )
            return cur.rowcount

        return self._transact(work)

    def heads(self) -> list[ChainHead]:
        """The head of every case's hash chain, to keep elsewhere as a witness."""
        rows = self._read(
            "SELECT case_id, last_seq, head_hash FROM cases WHERE tenant = %s ORDER BY case_id",
            (self.tenant,),
        )
        return [ChainHead(*r) for r in rows]

    def verify(self) -> VerifyReport:
        """Recompute every chain; compare each state row with the replay of its log.

        It reads one REPEATABLE READ snapshot, so a writer appending meanwhile cannot make it
        see a case row and a log from different moments.
        """
        try:
            with self._connection() as conn, conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

                def read(sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
                    try:
                        with _deadline(conn, self.timeout):
                            return conn.execute(sql, args).fetchall()
                    except psycopg.Error as exc:
                        raise StoreError.coded(
                            "store.cannot_read", path=_safe(self.url), reason=str(exc)
                        ) from exc

                return self._verify(read)
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.cannot_read", path=_safe(self.url), reason=str(exc)
            ) from exc

    def _verify(self, read: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]) -> VerifyReport:
        tenant = "WHERE tenant = %s"
        queries = Queries(
            scope=(self.tenant,),
            cases=f"SELECT {', '.join(STATE_COLUMNS)}, access_count, access_head, access_cut, "
            f"access_base FROM cases {tenant} ORDER BY case_id",
            orphans=f"SELECT DISTINCT case_id FROM entries {tenant}",
            entries=f"SELECT {ENTRY_COLUMNS} FROM entries {tenant} AND case_id = %s ORDER BY seq",
            access=f"SELECT {ACCESS_COLUMNS}, prev_hash, hash FROM access_log {tenant} "
            "AND case_id = %s ORDER BY id",
            workflows=f"SELECT hash, content FROM workflows {tenant} ORDER BY hash",
        )
        return verify_rows(read, queries, _state_values, StoreError)


class _Link:
    """One connection to the server, made again when lost: after a server restart the same
    store works on (a call that finds its connection gone before it wrote anything is tried
    once more on a new one). Calls from several threads take turns."""

    def __init__(self, url: str, settings: dict[str, Any], timeout: float) -> None:
        self._url = url
        self._settings = settings
        self._timeout = timeout
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[Any] | None = None
        self.backend: _Backend | None = None
        """The server process of the connection, to end it if the connection is lost."""

    @contextmanager
    def use(self) -> Iterator[psycopg.Connection[Any]]:
        with self._lock:
            yield self._fresh()

    def _fresh(self) -> psycopg.Connection[Any]:
        conn = self._conn
        if conn is None or _lost(conn) or _closed_by_server(conn):
            if conn is not None:
                with suppress(psycopg.Error, OSError):
                    conn.close()
            self._conn = None
            try:
                conn = psycopg.connect(self._url, **self._settings)
                with _deadline(conn, self._timeout):
                    row = conn.execute(
                        "SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
                    ).fetchone()
            except psycopg.Error as exc:
                raise StoreError.coded(
                    "store.cannot_connect", path=_safe(self._url), reason=_first_line(exc)
                ) from exc
            self.backend = _Backend(conn.info.backend_pid, row[0] if row else None)
            self._conn = conn
        return conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()


class _Backend(NamedTuple):
    """A connection's server process: its pid, and when it started (a pid is used again)."""

    pid: int
    started: dt.datetime | None


def _end_backend(conn: psycopg.Connection[Any], backend: _Backend, timeout: float) -> None:
    """End a lost connection's server process and wait until it has gone (its transaction is
    then committed or rolled back for good); StoreError if it does not go within ``timeout``."""
    rows = conn.execute(
        "SELECT pg_terminate_backend(pid, %s) FROM pg_stat_activity "
        "WHERE pid = %s AND backend_start = %s AND pid <> pg_backend_pid()",
        (max(1, round(timeout * 1000)), backend.pid, backend.started),
    ).fetchall()
    if rows and not rows[0][0]:
        raise StoreError.coded("store.process_lingers", pid=backend.pid)


def _closed_by_server(conn: psycopg.Connection[Any]) -> bool:
    """An idle connection that the server has closed (a restart): its socket has something
    to read while nothing was asked. Found without a round trip, so the call goes to a new
    connection instead of failing on this one."""
    try:
        poller = select.poll()  # not select.select: it refuses a descriptor >= 1024
        poller.register(conn.pgconn.socket, select.POLLIN)
        if poller.poll(0):
            conn.pgconn.consume_input()
    except (OSError, ValueError, psycopg.Error):
        return True  # not known to be fine: a new connection costs little
    return conn.pgconn.status == psycopg.pq.ConnStatus.BAD


def _lost(conn: psycopg.Connection[Any]) -> bool:
    return conn.closed or conn.broken


class _AccessMoved(Exception):
    """The access head an append chained on moved on (a read was logged): nothing written."""


def _one_trip(
    conn: psycopg.Connection[Any],
    args: Sequence[Any],
    after: Sequence[tuple[str, Sequence[Sequence[Any]]]],
) -> str | None:
    """BEGIN, the ``btiflow_append`` call, the ``after`` statements and COMMIT in one pipeline
    (every value a bound parameter, never in the statement's text: a failed statement's text
    goes to the server's log): one Sync, one answer. The function's status is returned; a
    failed transaction is rolled back."""
    try:
        with conn.cursor() as call:
            with conn.pipeline():
                conn.execute(b"BEGIN")
                call.execute(pgappend.CALL.encode(), args)
                for sql, rows in after:
                    conn.cursor().executemany(sql.encode(), rows)
                conn.execute(b"COMMIT")
            row = call.fetchone()
    except psycopg.Error:
        idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        if not _lost(conn) and not idle:
            with suppress(psycopg.Error):
                conn.execute(b"ROLLBACK", prepare=False)
        raise
    return row[0] if row else None


class _Watch:
    """Whether a deadline cut the connection (then the server is not answering: no retry)."""

    def __init__(self) -> None:
        self.fired = False

    def again(self, conn: psycopg.Connection[Any]) -> bool:
        """Worth once more on a new connection: this one was lost, not cut for slowness."""
        return _lost(conn) and not self.fired


@contextmanager
def _deadline(conn: psycopg.Connection[Any], seconds: float) -> Iterator[_Watch]:
    """Cut the connection if the block takes longer than ``seconds``.

    The server's statement_timeout cancels a slow statement, but a server that has stopped
    (frozen, or a half-dead host) cancels nothing, and the client would wait on its socket for
    good. Shutting the socket down makes the waiting call fail at once; the link then drops
    the connection. One thread keeps every deadline (``btiflow.store.watchdog``).
    """
    watch = _Watch()

    def cut() -> None:
        watch.fired = True
        try:
            sock = socket.socket(fileno=os.dup(conn.pgconn.socket))
        except (OSError, psycopg.Error):
            return
        with sock, suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    token = watchdog.WATCHDOG.arm(seconds, cut)
    try:
        yield watch
    finally:
        watchdog.WATCHDOG.disarm(token)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "the PostgreSQL database"
    host, db = info.get("host", "localhost"), info.get("dbname", "")
    return f"postgresql://{info.get('user', '')}@{host}:{info.get('port', 5432)}/{db}"


class PostgresOutbox:
    """The outbox of one tenant in PostgreSQL, from the dispatcher's side (see ``Outbox``).

    A claim takes the next due row with ``FOR UPDATE SKIP LOCKED`` in one UPDATE, so any number
    of dispatchers, on any machines, each get a different message and never wait on each other.
    """

    def __init__(
        self, url: str, *, tenant: str = "default", timeout: float = 30.0, create: bool = True
    ) -> None:
        # the schema, migrated (or refused, as PostgresStore refuses it)
        PostgresStore(url, tenant=tenant, timeout=timeout, create=create).close()
        self.url = url
        self.tenant = tenant
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout)))
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.outbox_cannot_open", path=_safe(url), reason=str(exc)
            ) from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PostgresOutbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            cur = self._conn.execute(sql.encode(), args)
            return cur.fetchall() if cur.description else []
        except psycopg.Error as exc:
            raise StoreError.coded(
                "store.outbox_cannot_write", path=_safe(self.url), reason=str(exc)
            ) from exc

    def messages(
        self, status: str | None = None, case_id: str | None = None
    ) -> list[OutboxMessage]:
        """Every row (or those with ``status`` / of ``case_id``), oldest first."""
        sql = f"SELECT {OUTBOX_READ_COLUMNS} FROM outbox WHERE tenant = %s"
        args: list[Any] = [self.tenant]
        if status is not None:
            sql += " AND status = %s"
            args.append(status)
        if case_id is not None:
            sql += " AND case_id = %s"
            args.append(case_id)
        return [outbox_message(r) for r in self._run(sql + " ORDER BY id", args)]

    def counts(self) -> dict[str, int]:
        """How many rows have each status."""
        rows = self._run(
            "SELECT status, count(*) FROM outbox WHERE tenant = %s GROUP BY status", [self.tenant]
        )
        found = {r[0]: int(r[1]) for r in rows}
        return {s: found.get(s, 0) for s in OUTBOX_STATUSES}

    def enqueue(self, rows: Sequence[OutboxRow]) -> int:
        """Add rows whose key is not there yet; how many were new."""
        new = 0
        with self._conn.transaction(), self._conn.cursor() as cur:
            for r in rows:
                cur.execute(_INSERT_OUTBOX, (self.tenant, *r.values()))
                new += cur.rowcount
        return new

    def claim(self, now: dt.datetime, lease: dt.timedelta, worker: str) -> OutboxMessage | None:
        """Take the next message due (pending, or held by a dispatcher whose lease ran out)."""
        at = stamp(now)
        note = dispatch_text("interrupted")
        rows = self._run(
            "UPDATE outbox SET status = 'sending', claimed_by = %s, claimed_until = %s, "
            "attempts = attempts + 1, "
            "error = CASE WHEN status = 'sending' THEN %s ELSE error END "
            "WHERE id = (SELECT id FROM outbox WHERE tenant = %s AND "
            "((status = 'pending' AND next_attempt_at <= %s) OR "
            "(status = 'sending' AND claimed_until <= %s)) "
            "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
            f"RETURNING {OUTBOX_READ_COLUMNS}",
            [worker, stamp(now + lease), note, self.tenant, at, at],
        )
        return outbox_message(rows[0]) if rows else None

    def _finish(self, message_id: int, worker: str, sql: str, args: Sequence[Any]) -> bool:
        rows = self._run(
            f"UPDATE outbox SET {sql}, claimed_by = NULL, claimed_until = NULL "
            "WHERE tenant = %s AND id = %s AND status = 'sending' AND claimed_by = %s "
            "RETURNING id",
            [*args, self.tenant, message_id, worker],
        )
        return len(rows) == 1

    def mark_sent(self, message_id: int, worker: str, now: dt.datetime) -> bool:
        """The server accepted it."""
        return self._finish(message_id, worker, "status = 'sent', sent_at = %s", [stamp(now)])

    def mark_failed(self, message_id: int, worker: str, error: str) -> bool:
        """The server refused it for good (``error`` is its reply)."""
        return self._finish(message_id, worker, "status = 'failed', error = %s", [error])

    def retry_later(self, message_id: int, worker: str, error: str, at: dt.datetime) -> bool:
        """Not sent this time (``error``); try again from ``at``."""
        return self._finish(
            message_id,
            worker,
            "status = 'pending', error = %s, next_attempt_at = %s",
            [error, stamp(at)],
        )
