"""Writer processes on one SQLite file: acts per second with 1 and 2 processes, distinct cases.

Each process opens the relay log, opens its own case and adds notes as fast as it can
(synchronous=FULL, WAL); the figure is all acts over the wall time from the first start to the
last finish. Writers wait in SQLite's busy handler, which sleeps in growing steps; issue 14 asks
two processes to get near the machine's parallelism.
Run: ``python tests/benchmarks/bench_writers.py``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import casekit


def _writer(path: str, name: str, acts: int, start: float) -> None:
    engine = casekit.engine_on(Path(path))
    case = casekit.at_level_1(engine, name)
    while time.time() < start:
        time.sleep(0.001)
    for n in range(acts):
        engine.act(case.id, "add_note", casekit.TEACHER, text=f"Notat {n} etter samtale")
    engine.store.close()


def rate(path: Path, processes: int, acts: int) -> float:
    """Acts per second with ``processes`` writers, each doing ``acts`` acts."""
    start = time.time() + 1.0  # every writer ready (imports, its case) before the clock starts
    workers = [
        mp.Process(target=_writer, args=(str(path), f"elev-{processes}-{i}", acts, start))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
        assert w.exitcode == 0
    return processes * acts / (time.time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acts", type=int, default=300, help="acts per writer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "writers.db"
        casekit.engine_on(path).store.close()
        one = rate(path, 1, args.acts)
        two = rate(path, 2, args.acts)
    print(f"writer processes on one SQLite file: 1 → {one:.0f} acts/s, 2 → {two:.0f} acts/s: "
          f"{two / one:.2f}x (target >= 1.7x)")  # fmt: skip


if __name__ == "__main__":
    main()
