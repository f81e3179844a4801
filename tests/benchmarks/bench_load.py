"""Benchmark: time to load and check a shipped workflow (median of several runs).

Run with ``python tests/benchmarks/bench_load.py [FILE] [--runs N]``. Not collected by pytest
(its name does not match test_*.py). Prints the median of ``load_workflow`` (with libyaml's parser
where installed) and, as a baseline measured in the same run, of PyYAML's pure Python
``yaml.safe_load`` of the same text (and of its base guide for an overlay), so the figure can be
compared across machines as a ratio; and ``load_workflow`` with the pure parser, for reference.
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
from btiflow.workflow import yamlsource  # noqa: E402

WORKFLOWS = ROOT / "workflows"


def medians_ms(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """The median time of each function, their runs interleaved so drift hits all alike."""
    for fn in fns:
        fn()  # warm up (imports, caches)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, mine in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            mine.append(time.perf_counter() - start)
    return [statistics.median(t) * 1000 for t in times]


def pure_load(path: Path) -> object:
    """load_workflow with the pure Python parser, as where libyaml is not installed."""
    saved, yamlsource.USE_LIBYAML = yamlsource.USE_LIBYAML, False
    try:
        return load_workflow(path)
    finally:
        yamlsource.USE_LIBYAML = saved


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

    used = "libyaml" if yamlsource.USE_LIBYAML else "pure Python (no libyaml here)"
    load, baseline, pure = medians_ms(
        [
            lambda: load_workflow(path),
            lambda: [yaml.safe_load(t) for t in texts],
            lambda: pure_load(path),
        ],
        args.runs,
    )
    ratio = load / baseline
    verdict = "ok" if ratio <= 0.25 else "MISSED"
    print(f"load_workflow({path.name}), {used}: median {load:.1f} ms over {args.runs} runs")
    print(
        f"yaml.safe_load (pure Python) of the same YAML ({len(texts)} file(s)): {baseline:.1f} ms"
    )
    print(f"load_workflow with the pure Python parser forced: {pure:.1f} ms (for reference)")
    print(f"ratio: {ratio:.2f}x the plain YAML parse   (target <= 0.25x: {verdict})")


if __name__ == "__main__":
    main()
