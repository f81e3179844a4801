"""Benchmark: what a demo case costs on disk in SQLite, table by table and column by column.

Run with ``python tests/benchmarks/bench_disk.py [--runs N]``. Not collected by pytest. It
runs the demo (``btiflow.demo.run_demo``, two cases a run, the kafjord guide) ``N`` times
into one file, checkpoints and VACUUMs it, then prints per case: the file, each table's and
index's pages (SQLite's ``dbstat``), each table's largest columns, and the bytes of 64-digit
hex hashes (in their own columns and inside the JSON texts).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # measure this working tree, installed or not

from btiflow.demo import run_demo  # noqa: E402
from btiflow.store.sqlite import SqliteStore  # noqa: E402
from btiflow.workflow.load import load_workflow  # noqa: E402

HEX = re.compile(r"[0-9a-f]{64}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="demo runs (two cases each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.db"
        store = SqliteStore(path)
        workflow = load_workflow(ROOT / "workflows" / "kafjord.yaml")
        for _ in range(args.runs):
            run_demo(workflow, store)
        store.close()
        db = sqlite3.connect(path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cases = int(db.execute("SELECT count(*) FROM cases").fetchone()[0])
        before = path.stat().st_size
        db.execute("VACUUM")
        after = path.stat().st_size
        print(f"{cases} cases: {before / cases:,.0f} B a case, {after / cases:,.0f} after VACUUM")
        print("\npages a case, by table and index (dbstat):")
        for name, size, payload in db.execute(
            "SELECT name, sum(pgsize), sum(payload) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ):
            if size / cases >= 100:
                print(f"  {name:28} {size / cases:8,.0f} B (payload {payload / cases:,.0f})")
        print("\ncolumns a case (bytes of the stored values; hex: 64-digit hashes among them):")
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        hexes = 0.0
        for table in tables:
            hexes += _columns(db, table, cases)
        print(f"\n64-digit hex hashes in all: {hexes:,.0f} B a case")
        db.close()


def _columns(db: sqlite3.Connection, table: str, cases: int) -> float:
    """Print ``table``'s largest columns a case; the bytes of hex hashes it holds a case."""
    found: list[tuple[str, float, float]] = []
    for column in [r[1] for r in db.execute(f"PRAGMA table_info({table})")]:
        values = [v for (v,) in db.execute(f"SELECT {column} FROM {table}")]
        size = sum(len(str(v).encode()) for v in values if v is not None)
        hexes = sum(64 * len(HEX.findall(v)) for v in values if isinstance(v, str))
        found.append((column, size / cases, hexes / cases))
    if sum(size for _, size, _ in found) < 100:
        return 0.0
    found.sort(key=lambda c: -c[1])
    shown = ", ".join(
        f"{c} {size:,.0f}" + (f" (hex {hexes:,.0f})" if hexes else "")
        for c, size, hexes in found[:7]
    )
    print(f"  {table}: {shown}")
    return sum(hexes for _, _, hexes in found)


if __name__ == "__main__":
    main()
