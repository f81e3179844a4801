"""Benchmark: the relay log on PostgreSQL (loopback, ``synchronous_commit`` on), with baselines.

Run with ``python tests/benchmarks/bench_postgres.py [--runs N] [--cases N]``. It starts a
throwaway cluster (tests/pgserver.py; or uses ``BTIFLOW_PG_URL``). Not collected by pytest.
Prints the median of several runs for:

(a) one durable action (``Engine.act``: read the state row, decide, then BEGIN, the state row,
    the entry, the access record, the feed row and COMMIT in one round trip) against a bare
    insert + commit of one row measured in the same run on the same server, with the client's
    CPU and the round trips of each; once more with ``synchronous_commit = off``;
(b) throughput of 8 writer processes acting at once, each on its own case;
(c) ``engine.overdue()`` over 1,000,000 cases (80% open, ``--overdue`` of them overdue), and
    the streamed ``engine.iter_overdue()`` (pages of 1,000 tuples) against a raw psycopg fetch
    of the same rows by one query (wall time: the server works for both); target: at most 1.3x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # measure this working tree, installed or not
sys.path.insert(0, str(ROOT / "tests"))

import casekit  # noqa: E402
import psycopg  # noqa: E402
from bench_engine import per_op_us  # noqa: E402
from pgserver import cluster  # noqa: E402
from sqlitebase import interleaved_us  # noqa: E402

from btiflow.case.entries import GENESIS, Draft, canonical_json, seal  # noqa: E402
from btiflow.case.fold import apply, to_data  # noqa: E402
from btiflow.case.kinds import CaseOpened, WorkflowRef  # noqa: E402
from btiflow.engine import Engine  # noqa: E402
from btiflow.store.due import due_bounds, due_query  # noqa: E402
from btiflow.store.postgres import PostgresStore  # noqa: E402

TEACHER = casekit.TEACHER
WRITERS = 8


def bench_act(url: str, runs: int) -> None:
    """(a): with the server's WAL flush at each COMMIT (the target's figure), and again in a
    database with ``synchronous_commit = off``, where what is left is the work besides the
    flush: the act's Python, the server's statements and the round trips."""
    _act_vs_bare(url, "on", runs)
    sync_off = _database(url, "bench_sync_off", "synchronous_commit = off")
    if sync_off is not None:
        _act_vs_bare(sync_off, "off", runs)


def _act_vs_bare(url: str, label: str, runs: int) -> None:
    store = PostgresStore(url, tenant=f"bench-{uuid.uuid4().hex[:6]}")
    eng = Engine(casekit.workflow(), store, clock=casekit.Clock())
    case = casekit.at_level_1(eng, "elev-bench")
    bare = psycopg.connect(url, autocommit=True)
    bare.execute("CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, v text)")
    value = "x" * 400  # about the size of a note entry

    def insert() -> object:
        with bare.transaction():
            return bare.execute("INSERT INTO bench_bare (v) VALUES (%s)", (value,))

    def act() -> object:
        return eng.act(case.id, "add_note", TEACHER, text="Kort notat etter samtale")

    (act_us, act_cpu), (bare_us, bare_cpu) = _paired(act, insert, 100, runs)
    trips = _round_trips(store, act), _round_trips(bare, insert)
    print(f"(a) one durable action on PostgreSQL (synchronous_commit={label})")
    print(f"    Engine.act (add_note)         {act_us:10.1f} us (client CPU {act_cpu:.0f} us)")
    print(f"    bare insert + commit          {bare_us:10.1f} us (client CPU {bare_cpu:.0f} us)")
    print(f"    act / bare = {act_us / bare_us:.2f}x; round trips: act {trips[0]}, bare {trips[1]}")
    bare.close()
    store.close()


def _paired(
    a: Callable[[], object], b: Callable[[], object], ops: int, runs: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Like ``paired_us``, with each call's client CPU (median per run) beside its time."""
    a()
    b()
    samples: tuple[list[tuple[float, float]], ...] = ([], [])
    for _ in range(runs):
        for fn, found in ((a, samples[0]), (b, samples[1])):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(ops):
                fn()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            found.append((wall / ops * 1e6, cpu / ops * 1e6))
    return (
        (statistics.median(w for w, _ in samples[0]), statistics.median(c for _, c in samples[0])),
        (statistics.median(w for w, _ in samples[1]), statistics.median(c for _, c in samples[1])),
    )


def _round_trips(on: PostgresStore | psycopg.Connection[Any], call: Callable[[], object]) -> int:
    """How many times ``call`` waits for the server: the ReadyForQuery answers in libpq's trace
    of the connection (the store's own, read from its insides: a benchmark may)."""
    conn = on._link._conn if isinstance(on, PostgresStore) else on
    assert conn is not None
    with tempfile.TemporaryFile("w+") as out:
        conn.pgconn.trace(out.fileno())
        conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        call()
        conn.pgconn.untrace()
        out.seek(0)
        return sum("ReadyForQuery" in line for line in out)


def _database(url: str, name: str, setting: str) -> str | None:
    """A fresh database on the same server with ``setting``; None if one cannot be made."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}".encode())
            conn.execute(f"CREATE DATABASE {name}".encode())
            conn.execute(f"ALTER DATABASE {name} SET {setting}".encode())
    except psycopg.Error:
        return None
    return url.rsplit("/", 1)[0] + f"/{name}"


def bench_writers(url: str, ops: int) -> None:
    tenant = f"bench-{uuid.uuid4().hex[:6]}"
    clock = casekit.Clock()
    eng = casekit.engine_on(url, clock, tenant)
    cases = [casekit.handed_to_nurse(eng, clock, f"elev-{n}").id for n in range(WRITERS)]
    eng.store.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as barrier:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.helpers.worker",
                    "concurrent",
                    url,
                    case,
                    f"--tenant={tenant}",
                    f"--actor=skriver-{i}",
                    f"--ops={ops}",
                    f"--seed={i}",
                    f"--barrier={barrier}",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for i, case in enumerate(cases)
        ]
        while len(list(Path(barrier).glob("ready-*"))) < WRITERS:
            time.sleep(0.01)
        start = time.perf_counter()
        (Path(barrier) / "go").touch()
        done = sum(len(json.loads(p.communicate()[0])["done"]) for p in procs)
        wall = time.perf_counter() - start
    print(f"(b) {WRITERS} writer processes, each on its own case ({os.cpu_count()} CPUs)")
    print(f"    {done} actions in {wall:.2f} s: {done / wall:,.0f} actions/s")


def bulk_cases(url: str, tenant: str, count: int, today: dt.date, share: float = 0.05) -> int:
    """``count`` state rows by COPY (synthetic, from one sealed template); how many overdue."""
    wf = casekit.workflow()
    rng = random.Random(17)
    opened = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    body = CaseOpened(
        workflow=WorkflowRef(id=wf.id, version=wf.version, hash=wf.content_hash),
        subject="elev-0",
        birth_date=None,
        opened_by=TEACHER.as_person(),
        step=wf.levels[0].steps[0].id,
    )
    entry = seal(
        Draft(body),
        case_id="c0",
        seq=1,
        time=opened,
        actor=TEACHER.id,
        role=TEACHER.role,
        unit=TEACHER.unit,
        workflow_hash=wf.content_hash,
        prev_hash=GENESIS,
    )
    template: dict[str, Any] = to_data(apply(None, entry))
    overdue = 0
    columns = (
        "tenant, case_id, workflow_id, workflow_version, workflow_hash, subject, status, "
        "level, step, next_evaluation_due, last_seq, head_hash, opened_at, closed_at, state"
    )
    sql = f"COPY cases ({columns}) FROM STDIN"
    with psycopg.connect(url) as conn, conn.cursor() as cur, cur.copy(sql) as copy:
        for n in range(count):
            case_id = f"c{n:07d}"
            state = {**template, "id": case_id, "subject": f"elev-{n}"}
            if n % 5 == 0:
                state.update(status="closed", closed_at=opened.isoformat())
                due = None
            else:
                late = rng.random() < share
                days = -rng.randint(1, 60) if late else rng.randint(0, 28)
                due = today + dt.timedelta(days)
                state.update(level=1, next_evaluation_due=str(due))
                overdue += late
            copy.write_row(
                (
                    tenant,
                    case_id,
                    wf.id,
                    wf.version,
                    wf.content_hash,
                    state["subject"],
                    state["status"],
                    state["level"],
                    state["step"],
                    due,
                    1,
                    entry.hash,
                    state["opened_at"],
                    state["closed_at"],
                    canonical_json(state),
                )
            )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases")
    return overdue


def bench_overdue(url: str, count: int, runs: int, share: float) -> None:
    at = dt.datetime(2026, 10, 1, 12, 0, tzinfo=casekit.OSLO)
    tenant = f"bench-{uuid.uuid4().hex[:6]}"
    PostgresStore(url, tenant=tenant).close()  # the schema, when (a) did not run
    start = time.perf_counter()
    expected = bulk_cases(url, tenant, count, at.date(), share)
    built = time.perf_counter() - start
    store = PostgresStore(url, tenant=tenant)
    eng = Engine(casekit.workflow(), store)
    assert len(eng.overdue(at)) == expected
    ms = per_op_us(lambda: eng.overdue(at), 1, runs) / 1000
    print(f"(c) engine.overdue() over {count:,} cases (80% open, {share:.0%} of those overdue)")
    print(f"    {expected} rows in {ms:.1f} ms (loaded by COPY in {built:.0f} s)")
    where, args = due_bounds(None, at.date() - dt.timedelta(days=1), None, "%s")
    sql, params = due_query("tenant = %s AND " + where), (tenant, *args)
    raw = psycopg.connect(url, autocommit=True)
    fns: list[Callable[[], object]] = [
        lambda: raw.execute(sql, params).fetchall(),
        lambda: list(eng.iter_overdue(at)),
    ]
    assert [r[0] for r in raw.execute(sql, params)] == [r[0] for r in eng.iter_overdue(at)]
    fetch_us, stream_us = interleaved_us(fns, 1, runs)
    ratio = stream_us / fetch_us
    print(f"    raw psycopg fetchall() {fetch_us / 1000:.0f} ms, list(engine.iter_overdue()) "
          f"{stream_us / 1000:.0f} ms: {ratio:.2f}x (target <= 1.3x: "
          f"{'ok' if ratio <= 1.3 else 'MISSED'})")  # fmt: skip
    raw.close()
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median)")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases for (c)")
    parser.add_argument("--ops", type=int, default=100, help="actions per writer for (b)")
    parser.add_argument("--overdue", type=float, default=0.05, help="share overdue for (c)")
    parser.add_argument("--only", choices="abc", help="run only this part")
    parser.add_argument("--only-act", action="store_true", help="the same as --only a")
    args = parser.parse_args()
    with cluster() as url:
        with psycopg.connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        print(f"python {sys.version.split()[0]}, PostgreSQL {version[0] if version else '?'}")
        if args.only_act:
            args.only = "a"
        if args.only in (None, "a"):
            bench_act(url, args.runs)
        if args.only in (None, "b"):
            bench_writers(url, args.ops)
        if args.only in (None, "c"):
            bench_overdue(url, args.cases, args.runs, args.overdue)


if __name__ == "__main__":
    main()
