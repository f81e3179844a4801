"""Writer processes on one SQLite file: acts per second with 1 and 2 processes, distinct cases.

Each process opens the relay log, opens its own case, adds a few notes, waits for the common
start, then adds notes as fast as it can (synchronous=FULL, WAL warmed past its first
checkpoint) and reports when its first act began and its last ended; the figure is all acts
over the time from the first start to the last end (no interpreter start-up or exit in it).
Runs of 1 and 2 writers alternate; each pair gives a ratio, and the median is printed beside
two ceilings measured in the same run:

- the machine's: two processes of pure CPU work against one (other load lowers it);
- the write lock's: one writer's act over the time it holds SQLite's write lock (BEGIN
  IMMEDIATE to COMMIT, fsync included): two writers cannot do better than that.

Writers wait for the lock in ``btiflow.store.sqlite.begin_immediate`` (short naps with jitter),
not in SQLite's busy handler (1, 2, 5, 10 ms …); runs waiting in the busy handler, as before,
alternate with them for comparison. Issue 14's target: 2 writers >= 1.7x one.
Run: ``python tests/benchmarks/bench_writers.py [--acts N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # measure this working tree, installed or not
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

import casekit  # noqa: E402
from sqlitebase import warm_wal  # noqa: E402

import btiflow.store.sqlite as sqlite_store  # noqa: E402


def _sqlites_own_wait(conn: Any, timeout: float) -> None:
    """As before issue 14: BEGIN IMMEDIATE under SQLite's busy handler (the connection's
    busy_timeout), for the comparison."""
    conn.execute("BEGIN IMMEDIATE")


def _writer(path: str, name: str, acts: int, start: float, done: Any, busy: bool) -> None:
    if busy:
        sqlite_store.begin_immediate = _sqlites_own_wait
    engine = casekit.engine_on(Path(path))
    case = casekit.at_level_1(engine, name)
    for n in range(20):  # the connection's statements prepared, the case's state cached
        engine.act(case.id, "add_note", casekit.TEACHER, text=f"Notat {n} før start")
    while time.time() < start:
        time.sleep(0.0005)
    first = time.time()
    for n in range(acts):
        engine.act(case.id, "add_note", casekit.TEACHER, text=f"Notat {n} etter samtale")
    done.put((first, time.time()))
    engine.store.close()


def rate(path: Path, processes: int, acts: int, turn: int, busy: bool = False) -> float:
    """Acts per second with ``processes`` writers, each doing ``acts`` acts (waiting in SQLite's
    busy handler with ``busy``)."""
    done: Any = mp.Queue()
    start = time.time() + 1.5  # every writer ready (imports, its case) before the clock starts
    workers = [
        mp.Process(target=_writer, args=(str(path), f"elev-{turn}-{i}", acts, start, done, busy))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    spans: list[tuple[float, float]] = [done.get() for _ in workers]
    for w in workers:
        w.join()
        assert w.exitcode == 0
    return processes * acts / (max(end for _, end in spans) - min(first for first, _ in spans))


def _spin(seconds_of_work: int, done: Any) -> None:
    first = time.time()
    n = 0
    for i in range(seconds_of_work):
        n += i * i
    done.put((first, time.time()))


def machine_ceiling(work: int = 3_000_000) -> float:
    """Two processes of pure CPU work against one: the machine's parallelism just now."""
    times: list[float] = []
    for processes in (1, 2, 1, 2):
        done: Any = mp.Queue()
        workers = [mp.Process(target=_spin, args=(work, done)) for _ in range(processes)]
        for w in workers:
            w.start()
        spans: list[tuple[float, float]] = [done.get() for _ in workers]
        for w in workers:
            w.join()
        wall = max(e for _, e in spans) - min(f for f, _ in spans)
        times.append(processes * work / wall)
    return statistics.median([times[1] / times[0], times[3] / times[2]])


def lock_share(path: Path, acts: int = 300) -> float:
    """The share of a single writer's act spent holding the write lock (BEGIN to COMMIT)."""
    held: list[float] = []
    original = sqlite_store.write_transaction

    @contextmanager
    def timed(conn: Any, timeout: float = 30.0) -> Any:
        began = time.perf_counter()
        with original(conn, timeout) as c:
            yield c
        held.append(time.perf_counter() - began)

    engine = casekit.engine_on(path)
    case = casekit.at_level_1(engine, "elev-laas")
    sqlite_store.write_transaction = timed
    try:
        for n in range(20):
            engine.act(case.id, "add_note", casekit.TEACHER, text=f"Notat {n}")
        held.clear()
        began = time.perf_counter()
        for n in range(acts):
            engine.act(case.id, "add_note", casekit.TEACHER, text=f"Notat {n} etter samtale")
        total = time.perf_counter() - began
    finally:
        sqlite_store.write_transaction = original
        engine.store.close()
    return sum(held) / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acts", type=int, default=1000, help="acts per writer")
    parser.add_argument("--runs", type=int, default=5, help="pairs of runs (median)")
    parser.add_argument("--dir", type=Path, help="where the SQLite file goes (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "writers.db"
        casekit.engine_on(path).store.close()
        share = lock_share(path)
        keeper = casekit.engine_on(path)  # keeps the WAL (the last close would remove it)
        wal = warm_wal(path)
        ceiling = machine_ceiling()
        pairs, before = [], []
        for turn in range(args.runs):
            one = rate(path, 1, args.acts, 4 * turn)
            two = rate(path, 2, args.acts, 4 * turn + 1)
            pairs.append((one, two, two / one))
            one = rate(path, 1, args.acts, 4 * turn + 2, busy=True)
            two = rate(path, 2, args.acts, 4 * turn + 3, busy=True)
            before.append((one, two, two / one))
        keeper.store.close()
    load = os.getloadavg()[0]
    print(f"writer processes on one SQLite file in {args.dir or tempfile.gettempdir()} "
          f"({os.cpu_count()} CPUs, load {load:.1f}; "
          f"WAL warmed to {wal // 1024} KB), {args.acts} acts each")  # fmt: skip
    for (one, two, ratio), (one_b, two_b, ratio_b) in zip(pairs, before, strict=True):
        print(f"    1 → {one:5.0f} acts/s, 2 → {two:5.0f} acts/s: {ratio:.2f}x   "
              f"(busy handler: 1 → {one_b:5.0f}, 2 → {two_b:5.0f}: {ratio_b:.2f}x)")  # fmt: skip
    ratio = statistics.median(r for _, _, r in pairs)
    print(f"    median 2 / 1 = {ratio:.2f}x (target >= 1.7x: {'ok' if ratio >= 1.7 else 'MISSED'})")
    old = statistics.median(r for _, _, r in before)
    one, two, one_b, two_b = (
        statistics.median(run[i] for run in runs) for runs in (pairs, before) for i in (0, 1)
    )
    print(f"    the runs between, waiting in SQLite's busy handler (as before): median {old:.2f}x")
    print(f"    median acts/s: naps 1 → {one:.0f}, 2 → {two:.0f}; "
          f"busy handler 1 → {one_b:.0f}, 2 → {two_b:.0f}")  # fmt: skip
    print(f"    ceilings in this run: the machine {ceiling:.2f}x (2 CPU-bound processes vs 1); "
          f"the write lock {1 / share:.2f}x (a writer holds it {share:.0%} of an act)")  # fmt: skip


if __name__ == "__main__":
    main()
