"""The relay log in SQLite (through sqlite-utils): WAL, ``synchronous=FULL``, append-only entries.

Tables: ``entries`` (primary key case_id + seq; triggers refuse UPDATE and DELETE), ``cases``
(the current state of each case, written in the same transaction as its entries) and
``workflows`` (every workflow version a case pins), ``access_log`` (every read and action;
append-only like ``entries``, an action's row written with its entries). A writer whose view
is stale (another entry took its seq) gets ``ConflictError`` and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from btiflow.access import AccessRecord
from btiflow.case.entries import Entry, canonical_json
from btiflow.case.state import Case, from_data
from btiflow.errors import CaseNotFound, ConflictError, StoreError
from btiflow.notify.rows import INSERT_OUTBOX, OutboxRow
from btiflow.store.base import ChainHead, ChainProblem, DueCase, VerifyReport, check_case
from btiflow.store.rows import (
    ACCESS_COLUMNS,
    ENTRY_COLUMNS,
    STATE_COLUMNS,
    access_values,
    entry_from_row,
    entry_values,
    state_values,
)
from btiflow.workflow.load import structure, unstructure
from btiflow.workflow.model import Workflow

migrations = Migrations("btiflow")

_STATES_KEPT = 256
"""How many decoded case states a store keeps (see ``SqliteStore.load``)."""


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


_INSERT_ACCESS = f"INSERT INTO access_log ({ACCESS_COLUMNS}) VALUES ({', '.join('?' * 9)})"


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


_INSERT_CASE = (
    f"INSERT INTO cases ({', '.join(STATE_COLUMNS)}) VALUES ({', '.join('?' * len(STATE_COLUMNS))})"
)
_UPDATE_CASE = (
    f"UPDATE cases SET {', '.join(f'{c} = ?' for c in STATE_COLUMNS[1:])} "
    f"WHERE case_id = ? AND last_seq = ?"
)
_INSERT_ENTRY = f"INSERT INTO entries ({ENTRY_COLUMNS}) VALUES ({', '.join('?' * 11)})"


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (BEGIN IMMEDIATE) so writers queue, not fail; rolled
    back on any error. For connections opened with ``isolation_level=None``."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class SqliteStore:
    """A relay-log store in one SQLite file (created, and its schema migrated, on open)."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self._states: OrderedDict[str, Case] = OrderedDict()
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._conn = conn
            self.db = sqlite_utils.Database(conn)
            with self._write():
                migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise StoreError(f"cannot open the relay log {self.path!r}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on this store's connection."""
        with write_transaction(self._conn) as conn:
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
        rows = self._conn.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = ? ORDER BY seq", (case_id,)
        ).fetchall()
        if not rows:
            raise CaseNotFound(case_id)
        return [entry_from_row(r) for r in rows]

    def case_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT case_id FROM cases ORDER BY opened_at")]

    def _due(self, where: str, args: tuple[Any, ...]) -> list[DueCase]:
        rows = self._conn.execute(
            "SELECT case_id, next_evaluation_due, level, step, baton_holder, baton_unit "
            "FROM cases WHERE status = 'open' AND next_evaluation_due IS NOT NULL AND "
            + where
            + " ORDER BY next_evaluation_due, case_id",
            args,
        ).fetchall()
        return [DueCase(r[0], dt.date.fromisoformat(r[1]), r[2], r[3], r[4], r[5]) for r in rows]

    def due_between(self, start: dt.date, end: dt.date) -> list[DueCase]:
        """Open cases whose next evaluation falls on a day from ``start`` to ``end``."""
        return self._due(
            "next_evaluation_due BETWEEN ? AND ?", (start.isoformat(), end.isoformat())
        )

    def overdue(self, today: dt.date) -> list[DueCase]:
        """Open cases whose next evaluation was due before ``today``."""
        return self._due("next_evaluation_due < ?", (today.isoformat(),))

    # --- writing ---

    def append(
        self,
        entries: Sequence[Entry],
        state: Case,
        *,
        expected_seq: int,
        access: Sequence[AccessRecord] = (),
        outbox: Sequence[OutboxRow] = (),
    ) -> None:
        """Append ``entries`` and write ``state`` atomically, or raise ``ConflictError``.

        ``outbox`` rows (the mail the entries cause) and ``access`` records (the action, for the
        access log) are written in the same transaction.
        """
        values = state_values(state)
        try:
            with self._write() as conn:
                if expected_seq == 0:
                    conn.execute(_INSERT_CASE, values)
                else:
                    cur = conn.execute(_UPDATE_CASE, [*values[1:], state.id, expected_seq])
                    if cur.rowcount != 1:
                        raise ConflictError(state.id, expected_seq + 1)
                conn.executemany(_INSERT_ENTRY, [entry_values(e) for e in entries])
                conn.executemany(INSERT_OUTBOX, [r.values() for r in outbox])
                conn.executemany(_INSERT_ACCESS, [access_values(r) for r in access])
        except sqlite3.IntegrityError as exc:
            raise ConflictError(state.id, expected_seq + 1) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"could not write to {self.path!r}: {exc}") from exc
        self._remember(state)

    def record_access(self, records: Sequence[AccessRecord]) -> None:
        """Add reads to the access log (append-only)."""
        try:
            with self._write() as conn:
                conn.executemany(_INSERT_ACCESS, [access_values(r) for r in records])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"could not write to {self.path!r}: {exc}") from exc

    def access_log(self, case_id: str) -> list[AccessRecord]:
        """Every read and action recorded for the case, oldest first."""
        rows = self._conn.execute(
            "SELECT case_id, time, actor, name, role, unit, relation, what, seq "
            "FROM access_log WHERE case_id = ? ORDER BY id",
            (case_id,),
        ).fetchall()
        return [AccessRecord(r[0], dt.datetime.fromisoformat(r[1]), *r[2:]) for r in rows]

    def enqueue(self, rows: Sequence[OutboxRow]) -> int:
        """Add outbox rows not there yet (by key), e.g. reminders; how many were new."""
        try:
            with self._write() as conn:
                before = conn.total_changes
                conn.executemany(INSERT_OUTBOX, [r.values() for r in rows])
                return conn.total_changes - before
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"could not write to {self.path!r}: {exc}") from exc

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
            raise StoreError(f"this relay log holds no workflow version {content_hash[:12]}")
        return structure(json.loads(row[0]))

    def workflow_versions(self) -> list[tuple[str, str, str]]:
        """(hash, id, version) of every workflow version saved."""
        rows = self._conn.execute("SELECT hash, id, version FROM workflows ORDER BY saved_at")
        return [(r[0], r[1], r[2]) for r in rows]

    # --- checking ---

    def heads(self) -> list[ChainHead]:
        """The head of every case's hash chain, to keep elsewhere as a witness."""
        rows = self._conn.execute(
            "SELECT case_id, last_seq, head_hash FROM cases ORDER BY case_id"
        ).fetchall()
        return [ChainHead(*r) for r in rows]

    def verify(self) -> VerifyReport:
        """Recompute every chain; compare each state row with the replay of its log.

        It reads one snapshot, so a writer appending meanwhile cannot make it see a case row
        and a log from different moments.
        """
        with self._snapshot():
            return self._verify()

    def _verify(self) -> VerifyReport:
        problems: list[ChainProblem] = []
        cases = entries = 0
        rows = self._conn.execute(
            "SELECT case_id, last_seq, head_hash, state FROM cases ORDER BY case_id"
        ).fetchall()
        known = {r[0] for r in rows}
        orphans = self._conn.execute("SELECT DISTINCT case_id FROM entries").fetchall()
        for (case_id,) in orphans:
            if case_id not in known:
                problems.append(ChainProblem(case_id, 0, "entries without a case row"))
        for case_id, last_seq, head_hash, state in rows:
            cases += 1
            log = [
                entry_from_row(r)
                for r in self._conn.execute(
                    f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = ? ORDER BY seq",
                    (case_id,),
                )
            ]
            entries += len(log)
            problem = check_case(case_id, log, last_seq, head_hash, state)
            if problem is not None:
                problems.append(problem)
        return VerifyReport(cases, entries, tuple(problems))
