"""Benchmark: the case engine's hot paths, each as a ratio to a baseline measured in the same run.

Run with ``python tests/benchmarks/bench_engine.py [--runs N] [--dir DIR]``. Not collected by
pytest (its name does not match test_*.py). Prints the median of several runs for:

(a) binding a case to its workflow's cached machine (``machine_for`` + ``GuideMachine.fire``)
    against building a ``transitions.Machine`` for the case (``build_machine`` + ``fire``);
    target: the cached path at least 20x cheaper;
(b) one durable action (``Engine.act``: read the state row, decide, append entry + state row,
    commit with ``synchronous=FULL``) against a bare SQLite insert + commit of one row in a WAL,
    ``synchronous=FULL`` file in the same directory; target: at most 2x;
(c) acting on a case with 1,000 entries against one with 10; target: about the same (no replay);
(d) ``engine.overdue()`` over 100,000 cases; target: at most 50 ms;
(e) the overdue list over 1,000,000 cases, 558,500 of them overdue, against a raw ``sqlite3``
    fetch of the same rows by the same query: ``engine.iter_overdue()`` (tuples, a page at a
    time) taken whole into a list vs ``fetchall()``, and streamed through vs the raw cursor
    iterated; ``engine.overdue()`` (a list of ``DueCase``) for comparison; target: at most 1.3x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # measure this working tree, installed or not
sys.path.insert(0, str(ROOT / "tests"))

import casekit  # noqa: E402
from sqlitebase import interleaved_us, replay_of, warm_wal  # noqa: E402

from btiflow.case.entries import GENESIS, Draft, canonical_json, seal  # noqa: E402
from btiflow.case.fold import apply, to_data  # noqa: E402
from btiflow.case.kinds import CaseOpened, WorkflowRef  # noqa: E402
from btiflow.case.machine import _Token, build_machine, machine_for  # noqa: E402
from btiflow.engine import Engine  # noqa: E402
from btiflow.store.due import due_bounds, due_query  # noqa: E402
from btiflow.store.rows import STATE_COLUMNS, entry_values  # noqa: E402
from btiflow.store.sqlite import _INSERT_CASE, _INSERT_ENTRY, SqliteStore  # noqa: E402

TEACHER = casekit.TEACHER


def per_op_us(fn: Callable[[], object], ops: int, runs: int) -> float:
    """Median over ``runs`` of the mean time of one call, in microseconds."""
    fn()  # warm up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(ops):
            fn()
        samples.append((time.perf_counter() - start) / ops * 1e6)
    return statistics.median(samples)


def paired_us(
    a: Callable[[], object], b: Callable[[], object], ops: int, runs: int
) -> tuple[float, float]:
    """Like ``per_op_us`` for two calls, alternating their runs so drift hits both alike."""
    a()
    b()
    sa: list[float] = []
    sb: list[float] = []
    for _ in range(runs):
        for fn, samples in ((a, sa), (b, sb)):
            start = time.perf_counter()
            for _ in range(ops):
                fn()
            samples.append((time.perf_counter() - start) / ops * 1e6)
    return statistics.median(sa), statistics.median(sb)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def bench_machine(runs: int) -> None:
    wf = casekit.workflow()
    with tempfile.TemporaryDirectory() as tmp:
        eng = casekit.engine_on(Path(tmp) / "m.db")
        case = casekit.at_level_1(eng)
        eng.store.close()

    def cached() -> object:
        return machine_for(wf).fire(case, "advance")

    def fresh() -> object:
        return build_machine(wf).fire(case, "advance")

    cached_us = per_op_us(cached, 20_000, runs)
    fresh_us = per_op_us(fresh, 50, runs)
    # Binding: what a case costs to attach to a machine, before any trigger runs. Cached: look
    # the machine up and make the throwaway token; per case: build the machine.
    bind_us = per_op_us(lambda: _Token(case, case.step) if machine_for(wf) else None, 100_000, runs)
    build_us = per_op_us(lambda: build_machine(wf), 50, runs)
    ratio = build_us / bind_us
    print("(a) bind a case to its machine")
    print(f"    cached machine_for + token    {bind_us:10.2f} us")
    print(f"    build_machine per case        {build_us:10.1f} us")
    print(f"    build / bind = {ratio:,.0f}x   (target >= 20x: {verdict(ratio >= 20)})")
    print(
        f"    with one trigger each: cached {cached_us:.1f} us vs per case {fresh_us:.1f} us "
        f"({fresh_us / cached_us:.0f}x); the trigger itself is transitions' own work"
    )


def bare_insert(path: Path) -> Callable[[], object]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    value = "x" * 400  # about the size of a note entry

    def insert() -> object:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v) VALUES (?)", (value,))
        return conn.execute("COMMIT")

    insert.conn = conn  # type: ignore[attr-defined]
    return insert


def grow(eng: Engine, case_id: str, total: int, *, meeting_every: int = 0) -> None:
    """Add notes until the case has ``total`` entries (and a meeting every ``meeting_every``)."""
    store = eng.store
    assert isinstance(store, SqliteStore)
    store._conn.execute("PRAGMA synchronous=OFF")  # only to build the case quickly
    seq = eng.case(case_id).seq
    while seq < total:
        if meeting_every and seq % meeting_every == 0 and seq + 2 <= total:
            state = eng.act(case_id, "schedule_meeting", TEACHER, kind="other", at=casekit.START)
            eng.act(case_id, "hold_meeting", TEACHER, meeting=state.meetings[-1].id,
                    child_took_part=True)  # fmt: skip
        else:
            eng.act(case_id, "add_note", TEACHER, text=f"Notat nr. {seq}: samtale med eleven")
        seq = eng.case(case_id).seq
    store._conn.execute("PRAGMA synchronous=FULL")


def bench_act(directory: Path, runs: int) -> None:
    eng = casekit.engine_on(directory / "act.db")
    small = casekit.at_level_1(eng, "elev-liten")
    notes = casekit.at_level_1(eng, "elev-notater")
    meetings = casekit.at_level_1(eng, "elev-moter")
    grow(eng, small.id, 10)
    grow(eng, notes.id, 1000)
    grow(eng, meetings.id, 1000, meeting_every=25)
    assert [eng.case(c.id).seq for c in (small, notes, meetings)] == [10, 1000, 1000]
    insert = bare_insert(directory / "bare.db")
    twin = casekit.at_level_1(eng, "elev-tvilling")  # what the raw replay writes to
    grow(eng, twin.id, 10)

    def act_on(case_id: str) -> Callable[[], object]:
        return lambda: eng.act(case_id, "add_note", TEACHER, text="Kort notat etter samtale")

    raw = replay_of(eng.store, act_on(twin.id), directory / "act.db")
    wal = [warm_wal(directory / name) for name in ("act.db", "bare.db")]
    fns = [act_on(small.id), insert, raw]
    act_us, bare_us, raw_us = interleaved_us(fns, 100, runs)
    print("(b) one durable action (synchronous=FULL, WAL past its first checkpoint: "
          f"{wal[0] // 1024} and {wal[1] // 1024} KB)")  # fmt: skip
    print(f"    Engine.act (add_note)         {act_us:10.1f} us")
    print(f"    bare insert + commit          {bare_us:10.1f} us")
    print(f"    its statements, raw sqlite3   {raw_us:10.1f} us")
    ratio = act_us / bare_us
    print(f"    act / bare = {ratio:.2f}x   (target <= 1.3x: {verdict(ratio <= 1.3)}); "
          f"act / raw = {act_us / raw_us:.2f}x")  # fmt: skip
    store = eng.store
    assert isinstance(store, SqliteStore)
    conns = (store._conn, insert.conn, raw.conn)  # type: ignore[attr-defined]
    for conn in conns:
        conn.execute("PRAGMA synchronous=OFF")
    act_us, bare_us, raw_us = interleaved_us(fns, 100, runs)
    ratio = act_us / raw_us
    print(f"    without fsync (synchronous=OFF, CPU): act {act_us:.1f} us, bare {bare_us:.1f} us, "
          f"raw statements {raw_us:.1f} us")  # fmt: skip
    print(f"    act / raw statements = {ratio:.2f}x   (target <= 2.5x: {verdict(ratio <= 2.5)})")
    for conn in conns:
        conn.execute("PRAGMA synchronous=FULL")

    n_meetings = len(eng.case(meetings.id).meetings)
    print("(c) act on a case with 1,000 entries vs one with 10")
    for label, big in (("notes", notes), (f"incl. {n_meetings} meetings", meetings)):
        small_us, big_us = paired_us(act_on(small.id), act_on(big.id), 100, runs)
        ratio = big_us / small_us
        print(f"    10 entries {small_us:8.1f} us, 1,000+ entries ({label}) {big_us:8.1f} us: "
              f"{ratio:.2f}x   (target about 1x: {verdict(ratio <= 1.5)})")  # fmt: skip
    eng.store.close()


def bulk_cases(store: SqliteStore, count: int, today: dt.date, overdue_share: float) -> int:
    """Insert ``count`` cases in one transaction: a sealed opening entry and a state row each.

    The state rows are synthetic (level 1 with an evaluation date, or closed; built from one
    template, as folding 100,000 cases would take minutes), since only the ``cases`` table is
    queried. A fifth of the cases are closed. Returns how many are overdue on ``today``.
    """
    wf = casekit.workflow()
    rng = random.Random(17)
    opened = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    template: dict[str, Any] | None = None
    overdue = 0
    entries, states = [], []
    for n in range(count):
        case_id = f"c{n:06d}"
        body = CaseOpened(
            workflow=WorkflowRef(id=wf.id, version=wf.version, hash=wf.content_hash),
            subject=f"elev-{n}",
            birth_date=None,
            opened_by=TEACHER.as_person(),
            step=wf.levels[0].steps[0].id,
        )
        entry = seal(Draft(body), case_id=case_id, seq=1, time=opened,
                     actor=TEACHER.id, role=TEACHER.role, unit=TEACHER.unit,
                     workflow_hash=wf.content_hash, prev_hash=GENESIS)  # fmt: skip
        if template is None:
            template = to_data(apply(None, entry))
        state = {**template, "id": case_id, "subject": body.subject, "head_hash": entry.hash}
        if n % 5 == 0:
            state.update(status="closed", closed_at=opened.isoformat())
            due = None
        else:
            late = rng.random() < overdue_share
            days = -rng.randint(1, 60) if late else rng.randint(0, 28)
            due = str(today + dt.timedelta(days))
            state.update(level=1, next_evaluation_due=due)
            overdue += late
        row = {
            **dict.fromkeys(STATE_COLUMNS),
            "case_id": case_id,
            "workflow_id": wf.id,
            "workflow_version": wf.version,
            "workflow_hash": wf.content_hash,
            "subject": state["subject"],
            "status": state["status"],
            "level": state["level"],
            "step": state["step"],
            "next_evaluation_due": due,
            "last_seq": 1,
            "head_hash": entry.hash,
            "opened_at": state["opened_at"],
            "closed_at": state["closed_at"],
            "state": canonical_json(state),
        }
        entries.append(entry_values(entry))
        states.append([row[c] for c in STATE_COLUMNS])
    with store._write() as conn:
        conn.executemany(_INSERT_CASE, states)
        conn.executemany(_INSERT_ENTRY, entries)
    return overdue


def bench_overdue(directory: Path, runs: int) -> None:
    at = dt.datetime(2026, 10, 1, 12, 0, tzinfo=casekit.OSLO)
    today = at.date()
    print("(d) engine.overdue() over 100,000 cases (80% open, 20% closed)")
    for label, share in (("5% of open cases overdue", 0.05), ("every open case overdue", 1.0)):
        path = directory / f"due-{share}.db"
        eng = casekit.engine_on(path)
        start = time.perf_counter()
        expected = bulk_cases(eng.store, 100_000, today, share)  # type: ignore[arg-type]
        built = time.perf_counter() - start
        assert len(eng.overdue(at)) == expected
        ms = per_op_us(lambda: eng.overdue(at), 1, runs) / 1000  # noqa: B023
        print(f"    {label:26} {expected:6} rows {ms:8.1f} ms"
              f"   (target <= 50 ms: {verdict(ms <= 50)}; inserted in {built:.1f} s)")  # fmt: skip
        eng.store.close()


def bulk_due_rows(store: SqliteStore, count: int, today: dt.date) -> int:
    """``count`` bare state rows, all the overdue query reads (its covering index's columns):
    no entries, and a placeholder where the state's JSON goes, as 1,000,000 sealed cases would
    take many minutes to build and a gigabyte of disk. A fifth are closed; of the open ones
    69.8 % are overdue on ``today`` (about 558,500 rows at 1,000,000), the rest due within four
    weeks. Returns how many are overdue."""
    wf = casekit.workflow()
    rng = random.Random(14)
    opened = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC).isoformat()
    base = dict.fromkeys(STATE_COLUMNS) | {
        "workflow_id": wf.id,
        "workflow_version": wf.version,
        "workflow_hash": wf.content_hash,
        "level": 1,
        "step": "n1-iverksett",
        "last_seq": 1,
        "head_hash": GENESIS,
        "opened_at": opened,
        "state": "{}",
    }
    overdue = 0

    def rows() -> Any:
        nonlocal overdue
        for n in range(count):
            closed = n % 5 == 0
            late = not closed and rng.random() < 0.698
            days = -rng.randint(1, 60) if late else rng.randint(0, 28)
            overdue += late
            row = base | {
                "case_id": f"c{n:07d}",
                "subject": f"elev-{n}",
                "status": "closed" if closed else "open",
                "closed_at": opened if closed else None,
                "next_evaluation_due": None if closed else str(today + dt.timedelta(days)),
            }
            yield [row[c] for c in STATE_COLUMNS]

    store._conn.execute("PRAGMA synchronous=OFF")  # only to build the file quickly
    with store._write() as conn:
        conn.executemany(_INSERT_CASE, rows())
    store._conn.execute("PRAGMA synchronous=FULL")
    return overdue


def bench_overdue_stream(directory: Path, runs: int, count: int) -> None:
    at = dt.datetime(2026, 10, 1, 12, 0, tzinfo=casekit.OSLO)
    today = at.date()
    eng = casekit.engine_on(directory / "overdue-1m.db")
    store = eng.store
    assert isinstance(store, SqliteStore)
    start = time.perf_counter()
    expected = bulk_due_rows(store, count, today)
    built = time.perf_counter() - start
    # the raw baseline: the same query the store runs, from a connection of its own
    where, args = due_bounds(None, today - dt.timedelta(days=1), None, "?")
    sql = due_query(where)
    raw = sqlite3.connect(directory / "overdue-1m.db", isolation_level=None)
    params = [a.isoformat() for a in args]

    def drain(rows: Any) -> None:
        for _ in rows:
            pass

    fns: list[Callable[[], object]] = [
        lambda: raw.execute(sql, params).fetchall(),
        lambda: list(eng.iter_overdue(at)),
        lambda: drain(raw.execute(sql, params)),
        lambda: drain(eng.iter_overdue(at)),
        lambda: eng.overdue(at),
    ]
    fetched, streamed_rows = raw.execute(sql, params).fetchall(), list(eng.iter_overdue(at))
    assert len(fetched) == len(streamed_rows) == len(eng.overdue(at)) == expected
    assert [r[0] for r in streamed_rows] == [r[0] for r in fetched]
    del fetched, streamed_rows
    cpu = interleaved_us(fns, 1, runs, time.process_time)
    fetch, listed, raw_iter, streamed, objects = (us / 1000 for us in cpu)
    print(f"(e) the overdue list over {count:,} cases, {expected:,} overdue "
          f"(built in {built:.0f} s); CPU time of this process, median of {runs}")  # fmt: skip
    print(f"    raw sqlite3 fetchall()              {fetch:8.0f} ms")
    print(f"    list(engine.iter_overdue())         {listed:8.0f} ms   {listed / fetch:.2f}x "
          f"(target <= 1.3x: {verdict(listed / fetch <= 1.3)})")  # fmt: skip
    print(f"    raw sqlite3 cursor, iterated        {raw_iter:8.0f} ms")
    print(
        f"    engine.iter_overdue(), iterated     {streamed:8.0f} ms   "
        f"{streamed / raw_iter:.2f}x (target <= 1.3x: {verdict(streamed / raw_iter <= 1.3)})"
    )
    print(f"    engine.overdue() (DueCase objects)  {objects:8.0f} ms   {objects / fetch:.2f}x "
          "vs fetchall (the list form, unchanged)")  # fmt: skip
    raw.close()
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median)")
    parser.add_argument("--dir", type=Path, help="where the SQLite files go (default: a temp dir)")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases for (e)")
    parser.add_argument("--only", choices="abcde", help="run only this part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, files in {tmp}")
        parts: dict[str, Callable[[], None]] = {
            "a": lambda: bench_machine(args.runs),
            "b": lambda: bench_act(directory, args.runs),
            "d": lambda: bench_overdue(directory, args.runs),
            "e": lambda: bench_overdue_stream(directory, args.runs, args.cases),
        }
        for name, run in parts.items():
            if args.only in (None, name) or (args.only == "c" and name == "b"):
                run()


if __name__ == "__main__":
    main()
