"""Several writer processes on the same cases, and writers killed mid-action (SIGKILL).

Run on every store (SQLite and PostgreSQL: the ``backend`` fixture), as part of the contract.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import casekit
from storekit import Backend

from btiflow.case.fold import fold, to_data

WRITERS = 8


def _worker(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(casekit.REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.worker", *args],
        cwd=casekit.REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stopped(procs: list[subprocess.Popen[str]]) -> list[tuple[str, str]]:
    """Every worker's (stdout, stderr), the live ones killed first: a failure report, not a hang."""
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
    return [proc.communicate() for proc in procs]


def _tenant(backend: Backend) -> list[str]:
    return [f"--tenant={backend.tenant}"] if backend.tenant else []


def _seed_cases(backend: Backend, count: int, *, level: int = 1) -> list[str]:
    clock = casekit.Clock()
    engine = casekit.engine_on(backend.url, clock, backend.tenant)
    walk = casekit.at_level_1 if level == 1 else lambda e, s: casekit.handed_to_nurse(e, clock, s)
    ids = [walk(engine, f"elev-{n}").id for n in range(count)]
    engine.store.close()
    return ids


def _assert_consistent(backend: Backend) -> dict[str, list[int]]:
    """The store opens, every chain verifies, and every state row equals the fold of its log."""
    store = backend.open()
    report = store.verify()
    assert report.ok, report.problems
    seqs = {}
    for case_id in store.case_ids():
        log = store.entries(case_id)
        assert to_data(store.load(case_id)) == to_data(fold(log))
        seqs[case_id] = [e.seq for e in log]
    return seqs


def test_eight_writers_lose_no_update(tmp_path: Path, backend: Backend) -> None:
    """8 processes acting on 3 cases at once: every success is in the log, nothing else is."""
    cases = _seed_cases(backend, 3, level=2)
    store = backend.open()
    before = {c: len(store.entries(c)) for c in cases}
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [
        _worker(
            "concurrent",
            backend.url,
            *_tenant(backend),
            ",".join(cases),
            f"--actor=skriver-{i}",
            "--ops=25",
            f"--seed={i}",
            f"--barrier={barrier}",
        )
        for i in range(WRITERS)
    ]
    deadline = time.monotonic() + 60
    while len(list(barrier.glob("ready-*"))) < WRITERS:
        assert all(p.poll() is None for p in procs), _stopped(procs)
        assert time.monotonic() < deadline, "the writers did not start"
        time.sleep(0.01)
    (barrier / "go").touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))

    done = [tuple(d) for r in results for d in r["done"]]
    retried = sum(r["retried"] for r in results)
    surfaced = sum(r["surfaced"] for r in results)
    assert retried > 0, "the writers never collided; the test proves nothing"

    seqs = _assert_consistent(backend)
    for case_id in cases:
        log = store.entries(case_id)
        written = [e for e in log if e.seq > before[case_id]]
        mine = [(c, s, a) for c, s, a in done if c == case_id]
        # every acknowledged action is in the log, under its seq, by its writer; and the
        # log holds nothing else (no conflict, retried or surfaced, wrote anything)
        assert len(written) == len(mine)
        assert sorted(s for _, s, _ in mine) == [e.seq for e in written]
        assert seqs[case_id] == list(range(1, len(log) + 1))
    log = [e for c in cases for e in store.entries(c)]
    seeders = {casekit.TEACHER.id, casekit.NURSE.id, casekit.GUARDIAN.id}
    by_actor = Counter(e.actor for e in log if e.actor not in seeders)
    assert by_actor == Counter({f"skriver-{i}": len(r["done"]) for i, r in enumerate(results)})
    print(f"{len(done)} actions, {retried} conflicts retried, {surfaced} surfaced")


def test_sigkill_mid_action_leaves_a_consistent_log(backend: Backend) -> None:
    """A writer killed at random moments: the log then opens, verifies, and equals the fold."""
    cases = _seed_cases(backend, 2)
    rng = random.Random(20260901)
    acknowledged: set[tuple[str, int]] = set()
    for round_ in range(10):
        proc = _worker("churn", backend.url, ",".join(cases), f"--seed={round_}", *_tenant(backend))
        lines: list[str] = []
        first = threading.Event()

        def read(
            proc: subprocess.Popen[str] = proc,
            lines: list[str] = lines,
            first: threading.Event = first,
        ) -> None:
            assert proc.stdout is not None
            try:
                for line in proc.stdout:
                    lines.append(line)
                    first.set()
            finally:
                first.set()

        reader = threading.Thread(target=read)
        reader.start()
        first.wait(30)
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join()
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL, err
        assert lines, err

        seqs = _assert_consistent(backend)
        for line in lines:
            _, case_id, seq = line.split()
            acknowledged.add((case_id, int(seq)))
        # an action whose commit returned is in the log, after any later crash
        assert all(seq in seqs.get(case_id, ()) for case_id, seq in acknowledged)
    assert len(acknowledged) > 50
