"""`btiflow serve` in a real process: the demo's relay log, a JWKS on loopback, two workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from serverkit import AUDIENCE, ISSUER, Jwks, SigningKey, free_port, token

from btiflow import Actor


def test_serve_runs_the_demo_data(tmp_path: Path) -> None:
    """The demo's relay log served by `btiflow serve --workers 2`: tokens checked, cases listed."""
    db = tmp_path / "stafettlogg.db"
    demo = [sys.executable, "-m", "btiflow", "demo", "--db", str(db)]
    subprocess.run(demo, check=True, capture_output=True, timeout=120)
    key = SigningKey()
    jwks = Jwks([key])
    port = free_port()
    command = [sys.executable, "-m", "btiflow", "serve", str(db), "--workflow", "kafjord"]
    command += ["--port", str(port), "--workers", "2", "--issuer", ISSUER]
    command += ["--audience", AUDIENCE, "--jwks-url", jwks.url]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ}
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/guide", timeout=5).status_code == 401:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "btiflow serve did not start"
            time.sleep(0.2)
        admin = Actor("admin-1", "admin", "Kommunen")
        headers = {"Authorization": f"Bearer {token(key, admin)}"}
        guide = httpx.get(base + "/guide", headers=headers, timeout=10)
        assert guide.status_code == 200
        assert guide.json()["id"] == "kafjord"
        system = {"Authorization": f"Bearer {token(key, client='arkiv', scope='due:read')}"}
        due = httpx.get(base + "/due", params={"within_days": 366}, headers=system, timeout=10)
        overdue = httpx.get(base + "/overdue", headers=system, timeout=10)
        assert due.status_code == overdue.status_code == 200
        assert due.json() + overdue.json(), "the demo leaves a case with an evaluation to come"
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr:
            server.stderr.close()
        jwks.close()


def test_serve_reports_a_bad_workflow(tmp_path: Path) -> None:
    """A guide that does not load: its problems, exit 1, no server."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: btiflow/1\nid: x\n", encoding="utf-8")
    command = [sys.executable, "-m", "btiflow", "serve", str(tmp_path / "r.db")]
    command += ["--workflow", str(bad), "--issuer", ISSUER, "--audience", AUDIENCE]
    command += ["--jwks-url", "http://127.0.0.1:9/jwks"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "bad.yaml:" in done.stderr
