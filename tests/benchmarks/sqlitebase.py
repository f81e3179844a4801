"""Fair SQLite baselines for the store benchmarks: a warm WAL, and an act's own statements.

On a fresh file a commit costs about twice its steady price while the WAL file still grows
(each growth is one more write of the file's size to disk); after SQLite's first checkpoint the
WAL is written over from its start. So every timed file is first warmed past that point
(``warm_wal``). An act is then compared with a bare insert + commit and with the very statements
it executed, replayed from raw ``sqlite3`` (``replay_of``): what it costs over the latter is
btiflow's own Python work.
"""

from __future__ import annotations

import re
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Params = Sequence[Any]


def warm_wal(path: Path) -> int:
    """Write to ``path`` until SQLite has checkpointed its WAL and begun it again; its size.

    Call it while the timed connections are open: the last connection to close removes the WAL.
    The filler goes to its own table, written without fsync (only the WAL's size matters).
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("CREATE TABLE IF NOT EXISTS bench_warmup (v BLOB NOT NULL)")
        # fetchall: a statement left unfinished keeps a read open, and the WAL could not restart
        pages = conn.execute("PRAGMA wal_autocheckpoint").fetchall()[0][0]
        page_size = conn.execute("PRAGMA page_size").fetchall()[0][0]
        blob = bytes(15 * page_size)  # 16 pages a commit, with the table's own page
        for _ in range(2 * pages // 16 + 2):  # twice past the checkpoint at ``pages`` frames
            conn.execute("INSERT INTO bench_warmup (v) VALUES (?)", (blob,))
        # The filler stays: deleting it would write its pages to the WAL once more.
        _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]
        assert 0 <= frames <= pages, f"the WAL of {path} did not begin again ({frames} frames)"
    finally:
        conn.close()
    return Path(f"{path}-wal").stat().st_size


class _Recorder:
    """Stands in for a store's connection for one act and notes every statement it runs."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.statements: list[tuple[str, Params, bool]] = []

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        self.statements.append((sql, list(params), False))
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        rows = [list(r) for r in rows]
        self.statements.append((sql, rows, True))
        return self.conn.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def _bound_columns(sql: str) -> list[str]:
    """The column each ``?`` of an INSERT or UPDATE stands for (a SELECT's: its WHERE's)."""
    flat = " ".join(sql.split())
    insert = re.match(r"INSERT (?:OR \w+ )?INTO \w+ \(([^)]*)\) VALUES", flat, re.IGNORECASE)
    if insert:
        return [c.strip() for c in insert.group(1).split(",")]
    return re.findall(r"(\w+) = \?", flat)


def _renumber(sql: str, params: Params, seq: int) -> list[Any]:
    """The parameters for the act that writes entry ``seq``: its entry, row and chain guard."""
    out = list(params)
    guard_seen = False
    for i, column in enumerate(_bound_columns(sql)[: len(out)]):
        if column == "seq":
            out[i] = seq
        elif column == "last_seq":  # SET last_seq = new, then WHERE ... AND last_seq = old
            out[i] = seq - 1 if guard_seen else seq
            guard_seen = True
    return out


def replay_of(store: Any, act: Callable[[], Any], path: Path) -> Callable[[], object]:
    """Run ``act`` once, noting the statements the store runs; a function that runs the same
    statements on ``path`` from its own raw connection (WAL, synchronous=FULL), each time as the
    case's next entry. ``act`` must act on a case nothing else writes to afterwards."""
    real = store._conn
    recorder = _Recorder(real)
    store._conn = recorder
    try:
        act()
    finally:
        store._conn = real
    statements = recorder.statements
    seq = next(p[1] for sql, rows, many in statements if many and "INTO entries" in sql
               for p in rows)  # fmt: skip
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    state = {"seq": seq}

    def replay() -> object:
        state["seq"] += 1
        n = state["seq"]
        for sql, params, many in statements:
            if many:
                conn.executemany(sql, [_renumber(sql, p, n) for p in params])
            else:
                cursor = conn.execute(sql, _renumber(sql, params, n))
                cursor.fetchall()  # a read is read to its end, as the store does
                if sql.lstrip().upper().startswith("UPDATE"):
                    assert cursor.rowcount == 1, "the replay lost track of the case's seq"
        return None

    replay.conn = conn  # type: ignore[attr-defined]
    replay()  # one run outside the timing proves the renumbering
    return replay


def interleaved_us(
    fns: Sequence[Callable[[], object]],
    ops: int,
    runs: int,
    clock: Callable[[], float] = time.perf_counter,
) -> list[float]:
    """Median microseconds of one call of each, their runs interleaved so drift hits all alike;
    by ``clock`` (wall time, or ``time.process_time``: this process's CPU, which other
    processes on a busy machine do not lengthen)."""
    for fn in fns:
        fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, mine in zip(fns, samples, strict=True):
            start = clock()
            for _ in range(ops):
                fn()
            mine.append((clock() - start) / ops * 1e6)
    return [statistics.median(s) for s in samples]
