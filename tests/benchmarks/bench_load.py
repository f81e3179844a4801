"""Benchmark: time to load and check a shipped workflow (median of several runs).

Run with ``python tests/benchmarks/bench_load.py [FILE] [--runs N]``. Not collected by pytest
(its name does not match test_*.py). Prints the median of ``load_workflow`` and, as a baseline
measured in the same run, of ``yaml.safe_load`` of the same text (and of its base guide for an
overlay), so the figure can be compared across machines as a ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # measure this working tree, installed or not

from btiflow import load_workflow  # noqa: E402

WORKFLOWS = ROOT / "workflows"


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up (imports, caches)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    default = WORKFLOWS / "kafjord.yaml"
    if not default.exists():
        default = WORKFLOWS / "bti.yaml"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()

    path: Path = args.file
    texts = [path.read_text(encoding="utf-8")]
    if path.name != "bti.yaml" and "extends:" in texts[0]:
        texts.append((WORKFLOWS / "bti.yaml").read_text(encoding="utf-8"))  # what it extends

    load = median_ms(lambda: load_workflow(path), args.runs)
    baseline = median_ms(lambda: [yaml.safe_load(t) for t in texts], args.runs)
    print(f"load_workflow({path.name}): median {load:.1f} ms over {args.runs} runs")
    print(f"yaml.safe_load of the same YAML ({len(texts)} file(s)): median {baseline:.1f} ms")
    print(f"ratio: {load / baseline:.2f}x the plain YAML parse")


if __name__ == "__main__":
    main()
