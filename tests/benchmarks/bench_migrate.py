"""Benchmark: plan and apply a migration of 1,000 open cases to a new version of Kåfjord's guide.

Run with ``python tests/benchmarks/bench_migrate.py [--cases N] [--dir DIR]``. Not collected by
pytest. The cases are made through the engine (every one has a real relay log): a third just
opened, a third at level 1, a third at level 1 with measures and an evaluation date. The new
version renames a step (confirmed by a mapping), removes another (mapped) and shortens the
evaluation limit P4W → P3W; the migration recomputes dates. Prints the time to create the
cases, to plan (reading every case, as the dry run does), to render the dry run's text, and to
apply (one transaction per case, ``synchronous=FULL``), then checks ``verify``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # measure this working tree, installed or not
sys.path.insert(0, str(ROOT / "tests"))

from casekit import TEACHER, make_engine, open_case, plan, to_level_1  # noqa: E402
from helpers.variants import REMOVED, RENAMED, SHORTER_DEADLINE, write_variant  # noqa: E402

from btiflow import Actor, apply_migration, load_workflow, plan_migration  # noqa: E402
from btiflow.migrate import plan_text  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--dir", default=None, help="Folder for the SQLite file (default: tmp).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder)
        engine, clock = make_engine(path, "kafjord")
        start = time.perf_counter()
        for i in range(args.cases):
            kind = i % 3
            if kind == 0:
                case = open_case(engine, subject=f"elev-{i:05d}")
                engine.act(case.id, "complete_step", TEACHER)
                engine.act(case.id, "inform_leader", TEACHER)
                engine.act(case.id, "complete_step", TEACHER)  # at the step the new version removes
            elif kind == 1:
                to_level_1(engine, subject=f"elev-{i:05d}")
            else:
                plan(engine, to_level_1(engine, subject=f"elev-{i:05d}").id, days=28)
            if i % 50 == 49:
                clock.advance(hours=6)
        created = time.perf_counter() - start
        entries = sum(len(engine.log(c)) for c in engine.store.case_ids())

        steps = {0: REMOVED[0], 1: RENAMED[1]}
        new = load_workflow(write_variant(path, "ny", steps=steps, top=SHORTER_DEADLINE))
        mapping = {
            "n0-del-med-foresatte": "n0-grunn-til-oppfolging",
            "n1-iverksett": "n1-iverksett",
        }
        clock.advance(days=2)

        start = time.perf_counter()
        planned = plan_migration(
            engine.store, new, mapping=mapping, deadlines="recompute", today=clock.today
        )
        plan_s = time.perf_counter() - start
        start = time.perf_counter()
        text = plan_text(planned, dry_run=True)
        text_s = time.perf_counter() - start
        start = time.perf_counter()
        result = apply_migration(
            engine.store, planned, by=Actor("redaktor-h", "admin"), now=clock.now
        )
        apply_s = time.perf_counter() - start
        report = engine.verify()

    print(f"cases: {args.cases} ({entries} entries), created through the engine in {created:.1f} s")
    print(
        f"plan:  {plan_s * 1000:.0f} ms ({len(planned.moving)} move, "
        f"{len(planned.staying)} stay, {len(planned.recompute_changes)} dates recomputed)"
    )
    print(f"dry-run text: {text_s * 1000:.0f} ms ({len(text.splitlines())} lines)")
    print(
        f"apply: {apply_s * 1000:.0f} ms ({len(result.migrated)} migrated, "
        f"{len(result.conflicts)} conflicts; {apply_s / max(1, len(result.migrated)) * 1000:.2f} "
        "ms per case)"
    )
    print(f"verify: {'ok' if report.ok else report.problems[:3]} ({report.entries} entries)")


if __name__ == "__main__":
    main()
