"""Benchmark: the HTTP service against the library it wraps, and under 8 concurrent clients.

Run with ``python tests/benchmarks/bench_http.py [--ops N] [--runs N] [--seconds S]
[--no-postgres]``. Not collected by pytest. The service runs as ``btiflow serve`` in its own
process(es) on a free loopback port, with tokens checked against a JWKS served on loopback
(tests/serverkit.py); the client is the standard library's ``http.client`` on one kept-alive
connection per client (so the figures are the service's, not a client library's). Library and
HTTP are measured in alternating batches and each ratio is the median of the per-run ratios, so
load from other processes on the machine hits both sides alike. Prints:

(a) one action (``add_note``) over HTTP against the same action through ``Engine.act`` on the
    same SQLite file; target: at most 1.5x;
(b) reading a case's staff view over HTTP (``GET /cases/{id}``) against ``Engine.view``;
(c) 8 concurrent clients, each acting on its own case, for a few seconds: actions per second,
    p50 and p99 latency — on SQLite with 1 worker, and on PostgreSQL (a throwaway cluster,
    tests/pgserver.py) with 1, 2 and 4 workers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # measure this working tree, installed or not
sys.path.insert(0, str(ROOT / "tests"))

import casekit as k  # noqa: E402
import httpx  # noqa: E402
from serverkit import AUDIENCE, ISSUER, Jwks, SigningKey, free_port, token  # noqa: E402

from btiflow import Engine, open_store  # noqa: E402

NOTE = {"text": "Kort notat fra samtale i friminuttet"}
NOTE_BODY = json.dumps(NOTE).encode()
JSON = {"Content-Type": "application/json"}


def _batch_us(fn: Callable[[], object], ops: int) -> float:
    start = time.perf_counter()
    for _ in range(ops):
        fn()
    return (time.perf_counter() - start) / ops * 1e6


def paired_us(
    a: Callable[[], object], b: Callable[[], object], ops: int, runs: int
) -> tuple[float, float, float]:
    """Batches of ``a`` and ``b`` in turn: the median time of each (us) and of the ratio b/a."""
    for _ in range(max(10, ops // 10)):
        a()  # warm up: connections, caches, worker threads
        b()
    times_a, times_b, ratios = [], [], []
    for _ in range(runs):
        ta, tb = _batch_us(a, ops), _batch_us(b, ops)
        times_a.append(ta)
        times_b.append(tb)
        ratios.append(tb / ta)
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


class Client:
    """One kept-alive HTTP/1.1 connection with the bearer token."""

    def __init__(self, base: str, bearer: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Authorization": f"Bearer {bearer}"}

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = self.headers if body is None else {**self.headers, **JSON}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


@contextmanager
def serve(db: str, jwks: Jwks, workers: int) -> Iterator[str]:
    """``btiflow serve`` in its own process(es); yields its base URL once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "btiflow", "serve", db, "--workflow", "bti"]
    command += ["--port", str(port), "--workers", str(workers), "--issuer", ISSUER]
    command += ["--audience", AUDIENCE, "--jwks-url", jwks.url]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/guide", timeout=5)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("btiflow serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def cases(engine: Engine, count: int) -> list[str]:
    """``count`` cases at level 0 the teacher opened (add_note is allowed in each, any time)."""
    return [k.open_case(engine, subject=f"elev-{i:04d}").id for i in range(count)]


def concurrent(base: str, bearer: str, case_ids: list[str], seconds: float) -> tuple[float, ...]:
    """8 clients (threads, keep-alive), each adding notes to its own case for ``seconds``:
    actions per second, p50 and p99 latency in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    errors: list[str] = []

    def client(case_id: str) -> None:
        mine = []
        http = Client(base, bearer)
        while time.monotonic() < stop:
            start = time.perf_counter()
            status, body = http.call("POST", f"/cases/{case_id}/actions/add_note", NOTE_BODY)
            mine.append(time.perf_counter() - start)
            if status != 200:
                errors.append(f"{status} {body[:200]!r}")
        http.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(c,)) for c in case_ids]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1e3
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e3
    return len(ordered) / elapsed, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=200, help="operations per run")
    parser.add_argument("--runs", type=int, default=5, help="runs (the median is reported)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL runs")
    args = parser.parse_args()

    key = SigningKey()
    jwks = Jwks([key])
    bearer = token(key, k.TEACHER, expires_in=3600)
    tmp = Path(tempfile.mkdtemp(prefix="btiflow-bench-http-"))
    db = str(tmp / "relay.db")
    engine = Engine(k.workflow("bti"), open_store(db))
    mine, loaded = cases(engine, 3), cases(engine, 8)

    with serve(db, jwks, 1) as base:
        http = Client(base, bearer)

        def lib_act() -> None:
            engine.act(mine[0], "add_note", k.TEACHER, **NOTE)

        def http_act() -> None:
            status, body = http.call("POST", f"/cases/{mine[1]}/actions/add_note", NOTE_BODY)
            assert status == 200, body

        def lib_view() -> None:
            engine.view(mine[2], k.TEACHER)

        def http_view() -> None:
            status, body = http.call("GET", f"/cases/{mine[2]}")
            assert status == 200, body

        act = paired_us(lib_act, http_act, args.ops, args.runs)
        view = paired_us(lib_view, http_view, args.ops, args.runs)
        http.close()
        sqlite_load = concurrent(base, bearer, loaded, args.seconds)
    engine.store.close()

    print(f"(a) one action: library {act[0]:6.0f} us, HTTP {act[1]:6.0f} us, "
          f"ratio {act[2]:4.2f}x (target <= 1.5x)")  # fmt: skip
    print(f"(b) a staff view: library {view[0]:6.0f} us, HTTP {view[1]:6.0f} us, "
          f"ratio {view[2]:4.2f}x")  # fmt: skip
    print("(c) 8 concurrent clients, each on its own case:")
    print(f"    SQLite, 1 worker:       {sqlite_load[0]:7.0f} actions/s, "
          f"p50 {sqlite_load[1]:6.1f} ms, p99 {sqlite_load[2]:6.1f} ms")  # fmt: skip

    if not args.no_postgres:
        import pgserver

        with pgserver.cluster() as url:
            for workers in (1, 2, 4):
                tenant_url = f"{url}{'&' if '?' in url else '?'}tenant=bench{workers}"
                pg_engine = Engine(k.workflow("bti"), open_store(tenant_url))
                ids = cases(pg_engine, 8)
                pg_engine.store.close()
                with serve(tenant_url, jwks, workers) as base:
                    rate, p50, p99 = concurrent(base, bearer, ids, args.seconds)
                print(f"    PostgreSQL, {workers} worker{'s' if workers > 1 else ' '}: "
                      f"{rate:7.0f} actions/s, p50 {p50:6.1f} ms, p99 {p99:6.1f} ms")  # fmt: skip
    jwks.close()


if __name__ == "__main__":
    main()
