"""The demo's day with mail vs without: what invitations and reminders add to the actions.

Each run works the demo's two cases (btiflow.demo) through the same guide on a fresh in-memory
SQLite store, once with a NotifyConfig (every meeting writes an outbox row per invitee,
reminders are planned) and once without; the ratio of the two is the cost of mail in the
action. Building the messages happens later, in the dispatcher, and is timed apart (per
message) against sending nothing. Run: ``python tests/benchmarks/bench_mail.py [--cases N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import btiflow.demo as demo
from btiflow.engine import Engine, ManualClock
from btiflow.localtime import OSLO
from btiflow.notify import compose
from btiflow.store.sqlite import SqliteStore
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import Workflow


def day(workflow: Workflow, cases: int, *, mail: bool) -> tuple[float, list[bytes]]:
    """Seconds to work ``cases`` demo cases (two per run), and the outbox rows written."""
    start = time.perf_counter()
    rows: list[bytes] = []
    for _ in range(max(1, cases // 2)):
        clock = ManualClock(dt.datetime(2026, 9, 1, 8, 30, tzinfo=OSLO))
        store = SqliteStore(":memory:")
        engine = Engine(workflow, store, clock=clock, notify=demo.MAIL if mail else None)
        demo._main_case(engine, clock)
        demo._case_with_evaluation_due(engine, clock)
        if mail:
            engine.plan_reminders()
            rows += [
                r[0]
                for r in store.db.conn.execute(
                    "SELECT message FROM outbox WHERE address IS NOT NULL"
                )
            ]
        store.close()
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="demo cases per run")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    args = parser.parse_args()
    workflow = load_workflow("kafjord")
    day(workflow, 4, mail=True)  # warm: imports, the catalogue, Babel's locale data
    without: list[float] = []
    with_mail: list[float] = []
    rows: list[bytes] = []
    for _ in range(args.runs):  # interleaved, so a noisy moment hits both alike
        without.append(day(workflow, args.cases, mail=False)[0])
        seconds, rows = day(workflow, args.cases, mail=True)
        with_mail.append(seconds)
        plain, mailed = statistics.median(without), statistics.median(with_mail)
    print(f"the demo's day, {args.cases} cases in memory: without mail {plain:.2f} s, "
          f"with mail {mailed:.2f} s")  # fmt: skip
    print(f"  with mail vs without: {mailed / plain:.2f}x (target <= 1.3x)")
    size = statistics.mean(len(r) for r in rows)
    start = time.perf_counter()
    for recipe in rows:
        compose.build(compose.decode(recipe)).as_bytes()
    per = (time.perf_counter() - start) / len(rows) * 1e6
    print(f"  {len(rows)} outbox rows, {size:.0f} bytes each (a recipe); "
          f"built when sent: {per:.0f} µs a message")  # fmt: skip


if __name__ == "__main__":
    main()
