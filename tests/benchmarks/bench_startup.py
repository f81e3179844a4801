"""Benchmark: ``btiflow validate`` as a whole process, against starting Python and importing yaml.

Run with ``python tests/benchmarks/bench_startup.py [FILE] [--runs N]``. Not collected by pytest.
Starts each command ``--runs`` times, interleaved so the machine's drift hits all alike, and
prints the medians of the wall and CPU time: ``btiflow validate FILE`` (the script beside this
Python, else ``python -m btiflow``), the baseline ``python -c 'import yaml'`` (target: validate
at most 3x that), and ``python -c pass`` for reference. What validate costs over the baseline is
importing click, attrs, cattrs and the loader, and loading the guide; mail, SQL and rendering
code stay unloaded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_ms(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``command``, in milliseconds."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, command
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default="workflows/kafjord.yaml")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()

    python = sys.executable
    # The command as people run it: the installed script (an editable install runs this tree).
    script = Path(python).parent / "btiflow"
    btiflow = [str(script)] if script.exists() else [python, "-m", "btiflow"]
    commands = {
        "validate": [*btiflow, "validate", args.file],
        "import yaml": [python, "-c", "import yaml"],
        "pass": [python, "-c", "pass"],
    }
    # As installed: with compiled bytecode (pip writes it; PYTHONDONTWRITEBYTECODE would make
    # every run compile btiflow from source). Kept in a folder of its own, not in the tree.
    cache = tempfile.TemporaryDirectory(prefix="btiflow-pycache-")
    env = {**os.environ, "PYTHONPYCACHEPREFIX": cache.name}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():
        run_ms(command, env)  # warm up: the file cache, and compile the bytecode
    for _ in range(args.runs):
        for name, command in commands.items():
            wall, cpu = run_ms(command, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    ms = {name: statistics.median(times) for name, times in walls.items()}
    cpu_ms = {name: statistics.median(times) for name, times in cpus.items()}
    cache.cleanup()
    print(f"medians over {args.runs} runs, whole processes (wall, and CPU: user + system):")
    labels = {
        "validate": f"btiflow validate {args.file}",
        "import yaml": "python -c 'import yaml'",
        "pass": "python -c pass",
    }
    for name, label in labels.items():
        print(f"    {label:46} {ms[name]:8.1f} ms   CPU {cpu_ms[name]:8.1f} ms")
    ratio = ms["validate"] / ms["import yaml"]
    verdict = "ok" if ratio <= 3 else "MISSED"
    print(f"validate / import yaml = {ratio:.2f}x wall   (target <= 3x: {verdict}); "
          f"{cpu_ms['validate'] / cpu_ms['import yaml']:.2f}x CPU; "
          f"validate / pass = {ms['validate'] / ms['pass']:.1f}x wall")  # fmt: skip


if __name__ == "__main__":
    main()
