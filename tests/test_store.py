"""What only the SQLite store has (the contract every store passes: test_store_contract.py)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import casekit
import pytest
from casekit import TEACHER, Clock

from btiflow.case.fold import fold
from btiflow.case.state import Case
from btiflow.engine import Engine
from btiflow.errors import CaseNotFound, StoreError
from btiflow.store.sqlite import SqliteStore


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to the file, in autocommit mode, closed afterwards."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        yield conn


def dump(path: Path) -> list[str]:
    """Every row and schema statement of the file, to show that nothing was written."""
    with raw(path) as conn:
        return list(conn.iterdump())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "relay.db"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(db: Path, clock: Clock) -> Iterator[Engine]:
    eng = casekit.engine_on(db, clock)
    yield eng
    eng.store.close()


def realistic_run(engine: Engine, clock: Clock) -> list[Case]:
    """A few cases at different points: closed at level 0, level 1 with measures, level 2."""
    return [
        casekit.closed_at_level_0(engine, "elev-a"),
        casekit.open_case(engine, "elev-b"),
        casekit.at_level_1(engine, "elev-c"),
        casekit.with_measures(engine, clock, "elev-d", clock.in_days(14)),
        casekit.handed_to_nurse(engine, clock, "elev-e"),
    ]


# --- verify reads one snapshot ----------------------------------------------------------------


def test_verify_is_one_snapshot_while_another_writer_appends(
    engine: Engine, db: Path, clock: Clock
) -> None:
    """A write landing in the middle of verify() does not make it report a false problem."""
    cases = [casekit.at_level_1(engine, f"elev-{n}") for n in range(3)]
    other = Engine(casekit.workflow(), SqliteStore(db), clock=clock)
    store = engine.store
    assert isinstance(store, SqliteStore)
    real = store._conn

    class Interleaving:
        """The store's connection, with another writer acting right after the cases are read."""

        def __init__(self) -> None:
            self.fired = False

        def execute(self, sql: str, *args: Any) -> Any:
            cursor = real.execute(sql, *args)
            if not self.fired and "access_base FROM cases" in sql:
                rows = cursor.fetchall()
                self.fired = True
                for case in cases:
                    other.act(case.id, "add_note", TEACHER, text="Midt i kontrollen")
                return Rows(rows)
            return cursor

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    class Rows(list[Any]):
        def fetchall(self) -> list[Any]:
            return list(self)

    hook = Interleaving()
    store._conn = hook  # type: ignore[assignment]
    try:
        report = store.verify()
    finally:
        store._conn = real
        other.store.close()
    assert hook.fired
    assert report.ok, report.problems
    assert engine.verify().ok


# --- projections ---------------------------------------------------------------------------


def test_the_states_a_store_keeps_equal_a_fresh_read(
    engine: Engine, clock: Clock, db: Path
) -> None:
    """load() from the store's kept states gives what a fresh store decodes from the rows."""
    cases = realistic_run(engine, clock)
    with SqliteStore(db) as fresh:
        for case in cases:
            assert engine.case(case.id) == fresh.load(case.id) == fold(engine.log(case.id))


def test_overdue_reads_only_the_covering_index(engine: Engine, db: Path) -> None:
    """The due query is answered from the covering partial index, with no sort step."""
    with raw(db) as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT case_id, next_evaluation_due, level, step, "
            "baton_holder, baton_unit FROM cases WHERE status = 'open' AND "
            "next_evaluation_due IS NOT NULL AND next_evaluation_due < ? "
            "ORDER BY next_evaluation_due, case_id",
            ("2026-10-01",),
        ).fetchall()
    details = " ".join(row[-1] for row in plan)
    assert "COVERING INDEX cases_due" in details
    assert "TEMP B-TREE" not in details


# --- opening and reading -------------------------------------------------------------------


def test_a_file_that_is_not_sqlite_gives_store_error(tmp_path: Path) -> None:
    """Garbage bytes: StoreError (with sqlite3's error as its cause), and the file is untouched."""
    path = tmp_path / "not-a-db.db"
    garbage = b"this is not a relay log\x00\xff" * 300
    path.write_bytes(garbage)
    with pytest.raises(StoreError) as info:
        SqliteStore(path)
    assert not isinstance(info.value, sqlite3.Error)
    assert isinstance(info.value.__cause__, sqlite3.DatabaseError)
    assert str(path) in str(info.value)
    assert path.read_bytes() == garbage


def test_a_directory_gives_store_error(tmp_path: Path) -> None:
    """A path SQLite cannot open at all is a StoreError too."""
    with pytest.raises(StoreError):
        SqliteStore(tmp_path)


def test_a_missing_case_gives_case_not_found(engine: Engine) -> None:
    """Loading, listing or acting on an unknown case id raises CaseNotFound (a LookupError)."""
    for call in (
        lambda: engine.case("finnes-ikke"),
        lambda: engine.log("finnes-ikke"),
        lambda: engine.act("finnes-ikke", "add_note", TEACHER, text="x"),
        lambda: engine.options("finnes-ikke", TEACHER),
    ):
        with pytest.raises(CaseNotFound) as info:
            call()
        assert info.value.case_id == "finnes-ikke"
        assert isinstance(info.value, LookupError)


def test_migrations_are_recorded_and_not_reapplied(db: Path, clock: Clock) -> None:
    """The schema migration is recorded in _sqlite_migrations; re-opening applies nothing again."""
    first = casekit.engine_on(db, clock)
    case = casekit.open_case(first)
    first.store.close()
    with raw(db) as conn:
        applied = conn.execute(
            "SELECT migration_set, name, applied_at FROM _sqlite_migrations"
        ).fetchall()
    names = [n for _, n, _ in applied]
    assert {s for s, _, _ in applied} == {"btiflow"}
    assert names[:2] == ["m001_relay_log", "m002_covering_due_index"]
    assert "m004_outbox" in names
    assert names == sorted(names)  # applied in the order they are numbered
    for _ in range(2):
        with SqliteStore(db) as store:
            assert store.load(case.id) == case
    with raw(db) as conn:
        again = conn.execute("SELECT migration_set, name, applied_at FROM _sqlite_migrations")
        assert again.fetchall() == applied
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# --- due and overdue, with an injected clock ------------------------------------------------


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("due", "late_evening", "after_midnight"),
    [
        # summer time (UTC+2): 21:30 UTC is 23:30 in Oslo, 22:30 UTC is 00:30 the next day
        ("2026-09-20", utc(2026, 9, 20, 21, 30), utc(2026, 9, 20, 22, 30)),
        # winter time (UTC+1): 22:30 UTC is 23:30 in Oslo, 23:30 UTC is 00:30 the next day
        ("2026-11-02", utc(2026, 11, 2, 22, 30), utc(2026, 11, 2, 23, 30)),
    ],
)
def test_overdue_turns_at_midnight_in_oslo_not_utc(
    engine: Engine, clock: Clock, due: str, late_evening: dt.datetime, after_midnight: dt.datetime
) -> None:
    """A case due on a day is overdue from 00:00 Europe/Oslo the next day, by the injected clock."""
    case = (
        casekit.with_measures(engine, clock, "elev-frist", due)
        if due <= clock.in_days(28)
        else _with_late_measures(engine, clock, due)
    )
    casekit.closed_at_level_0(engine, "elev-lukket")
    clock.now = late_evening
    assert late_evening.date() == dt.date.fromisoformat(due)
    assert engine.overdue() == []
    assert [d.case_id for d in engine.due(within=dt.timedelta(0))] == [case.id]
    clock.now = after_midnight
    assert after_midnight.date() == dt.date.fromisoformat(due)  # still the same day in UTC
    overdue = engine.overdue()
    assert [(d.case_id, d.due.isoformat(), d.baton_holder) for d in overdue] == [
        (case.id, due, TEACHER.id)
    ]
    assert engine.due(within=dt.timedelta(days=30)) == []
    # an explicit moment gives the same answer as the clock
    assert engine.overdue(after_midnight) == overdue
    assert engine.overdue(late_evening) == []


def _with_late_measures(engine: Engine, clock: Clock, due: str) -> Case:
    """A level 1 case with measures evaluated later than the guide's limit, with a reason."""
    case = casekit.at_level_1(engine, "elev-frist")
    engine.act(case.id, "complete_step", TEACHER)
    planned = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning", at=clock.now, invitees=[]
    )
    meeting = planned.meetings[-1].id
    engine.act(case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=True)
    return engine.act(
        case.id,
        "agree_measures",
        TEACHER,
        meeting=meeting,
        measures=[{"what": "Leksehjelp", "responsible": TEACHER.id}],
        next_evaluation=due,
        delay_reason="Høstferie og sykefravær i teamet",
    )


def test_due_and_overdue_refuse_a_naive_moment(engine: Engine) -> None:
    """A datetime without a time zone cannot be placed on an Oslo day: ValueError."""
    with pytest.raises(ValueError, match="timezone"):
        engine.overdue(dt.datetime(2026, 9, 20, 23, 30))


def test_a_writer_waits_for_anothers_write_transaction(tmp_path: Path) -> None:
    """A writer finding the write lock held waits in short naps and goes on as soon as it is
    free; after its timeout it gets SQLite's "database is locked" (a StoreError from the store)
    and writes nothing. SQLite's own busy timeout is back in force after the BEGIN."""
    path = tmp_path / "relay.db"
    engine = casekit.engine_on(path)
    case = casekit.at_level_1(engine)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.2, lambda: other.execute("COMMIT"))
    release.start()
    began = time.monotonic()
    engine.act(case.id, "add_note", TEACHER, text="Notat mens en annen skriver")
    assert 0.15 < time.monotonic() - began < 5
    release.join()
    store = SqliteStore(path, timeout=0.3)
    assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 300
    second = Engine(casekit.workflow(), store, clock=Clock())
    other.execute("BEGIN IMMEDIATE")
    before = store.entries(case.id)
    began = time.monotonic()
    with pytest.raises(StoreError, match="database is locked"):
        second.act(case.id, "add_note", TEACHER, text="Notat som ikke kommer med")
    assert 0.25 < time.monotonic() - began < 5
    assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 300
    other.execute("ROLLBACK")
    assert store.entries(case.id) == before
    other.close()
    store.close()
    engine.store.close()
