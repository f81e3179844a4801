"""The SQLite relay-log store: append-only entries, tamper evidence, conflicts, projections."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers import scenario
from helpers.scenario import TEACHER, Clock

from btiflow.case.state import Case, fold, to_data
from btiflow.engine import Engine, retry
from btiflow.errors import CaseNotFound, ConflictError, StoreError
from btiflow.store.base import ChainHead
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
    eng = scenario.engine(db, clock)
    yield eng
    eng.store.close()  # type: ignore[attr-defined]


def realistic_run(engine: Engine, clock: Clock) -> list[Case]:
    """A few cases at different points: closed at level 0, level 1 with measures, level 2."""
    return [
        scenario.closed_at_level0(engine, "elev-a"),
        scenario.open_case(engine, "elev-b"),
        scenario.at_level1(engine, "elev-c"),
        scenario.with_measures(engine, clock, "elev-d", clock.in_days(14)),
        scenario.to_level2(engine, clock, "elev-e"),
    ]


# --- append-only ---------------------------------------------------------------------------


def test_update_of_an_entry_is_refused_by_the_database(engine: Engine, db: Path) -> None:
    """An UPDATE on entries fails inside SQLite, whoever runs it."""
    case = scenario.open_case(engine)
    with raw(db) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE entries SET data = '{}' WHERE case_id = ?", (case.id,))
    assert engine.verify().ok


def test_delete_of_an_entry_is_refused_by_the_database(engine: Engine, db: Path) -> None:
    """A DELETE on entries fails inside SQLite, whoever runs it."""
    case = scenario.open_case(engine)
    with raw(db) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM entries WHERE case_id = ?", (case.id,))
    assert len(engine.log(case.id)) == 1


# --- tamper evidence -----------------------------------------------------------------------


def test_verify_names_the_case_and_seq_of_a_changed_entry(
    engine: Engine, clock: Clock, db: Path
) -> None:
    """Changing one entry's data behind the store's back is caught, at that case and seq."""
    cases = realistic_run(engine, clock)
    target = cases[3]
    assert engine.verify().ok
    with raw(db) as conn:
        conn.execute("DROP TRIGGER entries_no_update")
        conn.execute(
            "UPDATE entries SET data = json_set(data, '$.text', 'Endret i ettertid') "
            "WHERE case_id = ? AND kind = 'minutes_recorded'",
            (target.id,),
        )
    seq = next(e.seq for e in engine.log(target.id) if e.kind == "minutes_recorded")
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(target.id, seq)]
    assert "changed" in report.problems[0].message
    assert str(report.problems[0]).startswith(f"{target.id} entry {seq}:")


def test_verify_catches_a_changed_entry_even_with_its_hash_recomputed(
    engine: Engine, clock: Clock, db: Path
) -> None:
    """Rewriting an entry and its own hash breaks the next entry's link."""
    case = scenario.at_level1(engine, "elev-x")
    log = engine.log(case.id)
    victim = log[2]
    forged = victim.__class__(
        *(getattr(victim, f) for f in ("case_id", "seq", "time", "actor", "role", "unit", "kind")),
        {**victim.data, "leader": "en-annen"},
        victim.workflow_hash,
        victim.prev_hash,
        "",
    )
    with raw(db) as conn:
        conn.execute("DROP TRIGGER entries_no_update")
        conn.execute(
            "UPDATE entries SET data = ?, hash = ? WHERE case_id = ? AND seq = ?",
            (json.dumps(dict(forged.data)), forged.compute_hash(), case.id, victim.seq),
        )
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(case.id, victim.seq + 1)]


def test_verify_catches_a_deleted_last_entry(engine: Engine, clock: Clock, db: Path) -> None:
    """Removing a case's newest entry (trigger dropped) is caught and names the missing seq."""
    cases = realistic_run(engine, clock)
    target = cases[2]
    last = engine.log(target.id)[-1].seq
    with raw(db) as conn:
        conn.execute("DROP TRIGGER entries_no_delete")
        conn.execute("DELETE FROM entries WHERE case_id = ? AND seq = ?", (target.id, last))
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(target.id, last)]
    assert "missing" in report.problems[0].message


def test_verify_catches_a_deleted_middle_entry(engine: Engine, db: Path) -> None:
    """Removing an entry from the middle of a log is caught at the gap."""
    case = scenario.at_level1(engine, "elev-y")
    with raw(db) as conn:
        conn.execute("DROP TRIGGER entries_no_delete")
        conn.execute("DELETE FROM entries WHERE case_id = ? AND seq = 4", (case.id,))
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(case.id, 4)]


def test_verify_catches_a_state_row_that_differs_from_the_log(engine: Engine, db: Path) -> None:
    """A cases row edited directly (here: another baton holder) no longer equals the fold."""
    case = scenario.at_level1(engine, "elev-z")
    with raw(db) as conn:
        state = json.loads(conn.execute("SELECT state FROM cases").fetchone()[0])
        state["baton_holder"] = None
        conn.execute("UPDATE cases SET state = ?", (json.dumps(state),))
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(case.id, case.seq)]


def test_verify_is_one_snapshot_while_another_writer_appends(
    engine: Engine, db: Path, clock: Clock
) -> None:
    """A write landing in the middle of verify() does not make it report a false problem."""
    cases = [scenario.at_level1(engine, f"elev-{n}") for n in range(3)]
    other = Engine(scenario.workflow(), SqliteStore(db), clock=clock)
    store = engine.store
    assert isinstance(store, SqliteStore)
    real = store._conn

    class Interleaving:
        """The store's connection, with another writer acting right after the cases are read."""

        def __init__(self) -> None:
            self.fired = False

        def execute(self, sql: str, *args: Any) -> Any:
            cursor = real.execute(sql, *args)
            if not self.fired and sql.startswith("SELECT case_id, last_seq"):
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
        other.store.close()  # type: ignore[attr-defined]
    assert hook.fired
    assert report.ok, report.problems
    assert engine.verify().ok


# --- optimistic concurrency ----------------------------------------------------------------


class StaleReads:
    """A store whose ``load`` lets another engine act first, ``times`` times: a stale reader."""

    def __init__(self, store: SqliteStore, meanwhile: Callable[[], object], times: int) -> None:
        self._store = store
        self._meanwhile = meanwhile
        self.left = times

    def load(self, case_id: str) -> Case:
        state = self._store.load(case_id)
        if self.left:
            self.left -= 1
            self._meanwhile()
        return state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def two_engines(db: Path, clock: Clock, times: int) -> tuple[Engine, Engine, StaleReads, Case]:
    """Two engines on one file; the first reads, then the second acts, then the first acts."""
    second = scenario.engine(db, clock)
    case = scenario.at_level1(second, "elev-s")
    stale = StaleReads(
        SqliteStore(db),
        lambda: second.act(case.id, "add_note", TEACHER, text="Den andre skriver først"),
        times,
    )
    first = Engine(scenario.workflow(), stale, clock=clock)  # type: ignore[arg-type]
    return first, second, stale, case


def test_a_stale_writer_gets_conflict_and_writes_nothing(tmp_path: Path, clock: Clock) -> None:
    """The first engine read before the second acted: ConflictError, and only the second's entry."""
    db = tmp_path / "relay.db"
    first, second, _, case = two_engines(db, clock, times=1)
    with pytest.raises(ConflictError) as info:
        first.act(case.id, "add_note", TEACHER, text="Den første kommer for sent")
    assert info.value.case_id == case.id
    assert info.value.expected_seq == case.seq + 1
    log = second.log(case.id)
    assert [e.data.get("text") for e in log[case.seq :]] == ["Den andre skriver først"]
    before = dump(db)
    stale_state = fold(log[: case.seq])
    with pytest.raises(ConflictError):  # the store refuses the stale seq on its own too
        first.store.append(log[case.seq :], stale_state, expected_seq=case.seq - 1)
    assert dump(db) == before
    assert second.verify().ok


def test_retry_recovers_from_a_conflict(tmp_path: Path, clock: Clock) -> None:
    """btiflow.retry re-reads and acts again: both writers' entries end up in the log."""
    db = tmp_path / "relay.db"
    first, second, stale, case = two_engines(db, clock, times=2)
    state = retry(lambda: first.act(case.id, "add_note", TEACHER, text="Til slutt"))
    assert stale.left == 0
    texts = [e.data.get("text") for e in second.log(case.id)[case.seq :]]
    assert texts == ["Den andre skriver først", "Den andre skriver først", "Til slutt"]
    assert state.seq == case.seq + 3
    assert second.verify().ok


def test_retry_surfaces_the_conflict_when_attempts_run_out(tmp_path: Path, clock: Clock) -> None:
    """Every attempt stale: retry raises ConflictError, and the first writer wrote nothing."""
    db = tmp_path / "relay.db"
    first, second, _, case = two_engines(db, clock, times=10)
    with pytest.raises(ConflictError):
        retry(lambda: first.act(case.id, "add_note", TEACHER, text="Aldri"), attempts=3)
    texts = [e.data.get("text") for e in second.log(case.id)[case.seq :]]
    assert texts == ["Den andre skriver først"] * 3


def test_opening_a_case_id_twice_is_a_conflict(engine: Engine) -> None:
    """A second case_opened for the same id (expected_seq 0) is refused as a conflict."""
    case = scenario.open_case(engine)
    log = engine.log(case.id)
    with pytest.raises(ConflictError):
        engine.store.append(log, case, expected_seq=0)
    assert engine.verify().ok


# --- projections ---------------------------------------------------------------------------


def test_the_cases_row_equals_the_fold_for_every_case(
    engine: Engine, clock: Clock, db: Path
) -> None:
    """After a realistic run, each case's state row (and its columns) equals fold(entries)."""
    realistic_run(engine, clock)
    with raw(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM cases").fetchall()
    assert len(rows) == 5
    for row in rows:
        folded = fold(engine.log(row["case_id"]))
        assert json.loads(row["state"]) == to_data(folded)
        holder = folded.baton_holder
        assert (
            row["status"],
            row["level"],
            row["step"],
            row["baton_holder"],
            row["baton_unit"],
            row["next_evaluation_due"],
            row["last_seq"],
            row["head_hash"],
        ) == (
            folded.status,
            folded.level,
            folded.step,
            holder.id if holder else None,
            holder.unit if holder else None,
            folded.next_evaluation_due if folded.is_open else None,
            folded.seq,
            folded.head_hash,
        )
    assert {r["level"] for r in rows} == {0, 1, 2}
    assert engine.verify().ok


def test_heads_export_the_last_entry_of_every_case(engine: Engine, clock: Clock) -> None:
    """heads() gives each case's last seq and hash, sorted by case id: a witness to keep."""
    cases = realistic_run(engine, clock)
    heads = engine.store.heads()
    expected = []
    for case in cases:
        last = engine.log(case.id)[-1]
        expected.append(ChainHead(case.id, last.seq, last.hash))
    assert heads == sorted(expected, key=lambda h: h.case_id)
    scenario.open_case(engine, "elev-ny")
    assert len(engine.store.heads()) == len(cases) + 1


def test_the_states_a_store_keeps_equal_a_fresh_read(
    engine: Engine, clock: Clock, db: Path
) -> None:
    """load() from the store's kept states gives what a fresh store decodes from the rows."""
    cases = realistic_run(engine, clock)
    with SqliteStore(db) as fresh:
        for case in cases:
            assert engine.case(case.id) == fresh.load(case.id) == fold(engine.log(case.id))


def test_a_kept_state_is_not_used_once_another_writer_appended(
    engine: Engine, db: Path, clock: Clock
) -> None:
    """After another store appends to a case, load() returns the new state, not the kept one."""
    case = scenario.at_level1(engine, "elev-k")
    assert engine.case(case.id) == case
    with SqliteStore(db) as other_store:
        other = Engine(scenario.workflow(), other_store, clock=clock)
        moved = other.act(case.id, "add_note", TEACHER, text="Fra en annen prosess")
    assert engine.case(case.id) == moved
    assert engine.case(case.id).seq == case.seq + 1


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
    first = scenario.engine(db, clock)
    case = scenario.open_case(first)
    first.store.close()  # type: ignore[attr-defined]
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


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


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
        scenario.with_measures(engine, clock, "elev-frist", due)
        if due <= clock.in_days(28)
        else _with_late_measures(engine, clock, due)
    )
    scenario.closed_at_level0(engine, "elev-lukket")
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
    case = scenario.at_level1(engine, "elev-frist")
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


def test_due_window_starts_on_the_oslo_day(engine: Engine, clock: Clock) -> None:
    """due() counts days from the Oslo date of the moment, so 23:30 UTC already looks ahead."""
    case = scenario.with_measures(engine, clock, "elev-uke", "2026-09-28")
    # 2026-09-20 21:30 UTC is still the 20th in Oslo: the 7-day window ends on the 27th
    clock.now = utc(2026, 9, 20, 21, 30)
    assert engine.due() == []
    # 23:30 UTC on the 20th is the 21st in Oslo: the window reaches the 28th
    clock.now = utc(2026, 9, 20, 23, 30)
    assert [d.case_id for d in engine.due()] == [case.id]
    assert engine.due(dt.date(2026, 9, 21)) == engine.due()


def test_due_and_overdue_refuse_a_naive_moment(engine: Engine) -> None:
    """A datetime without a time zone cannot be placed on an Oslo day: ValueError."""
    with pytest.raises(ValueError, match="timezone"):
        engine.overdue(dt.datetime(2026, 9, 20, 23, 30))
