"""`btiflow serve --demo` in a real process: the demo's cases and the development login, which
listens on loopback only."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from serverkit import free_port

from btiflow.demo import GUARDIAN, TEACHER


def _started(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(base + "/", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        assert time.monotonic() < deadline, "btiflow serve --demo did not start"
        time.sleep(0.2)


def _log_in_as(client: httpx.Client, person: str) -> httpx.Response:
    home = client.get("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert csrf, home.text
    return client.post(
        "/demo/login", data={"csrf": csrf.group(1), "person": person}, follow_redirects=True
    )


def _case_ids(page: str) -> list[str]:
    return sorted(set(re.findall(r'href="/saker/([^"]+)"', page)))


def test_serve_demo_logs_in_a_demo_person_without_a_password(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    port = free_port()
    command = [sys.executable, "-m", "btiflow", "serve", str(db), "--demo", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _started(base, server)
        with httpx.Client(base_url=base, timeout=30) as client:
            assert "Utviklingsinnlogging" in client.get("/").text
            mine = _log_in_as(client, TEACHER.id)
            assert mine.status_code == 200
            assert str(mine.url) == f"{base}/saker"
            first = re.search(r'href="/saker/([^"]+)"', mine.text)
            assert first, mine.text
            case = client.get(f"/saker/{first.group(1)}")
            assert case.status_code == 200
        with httpx.Client(base_url=base, timeout=30) as family:
            theirs = _log_in_as(family, GUARDIAN.id)
            assert theirs.status_code == 200
            pages = [family.get(f"/saker/{c}").text for c in _case_ids(theirs.text)]
            # the demo's guide names its services: the open case asks consent by checkbox
            (open_case,) = [p for p in pages if 'id="give_consent"' in p]
            assert 'type="checkbox"' in open_case
            assert "Helsestasjonen og skolehelsetjenesten" in open_case
            assert 'name="units" type="text"' not in open_case
        with httpx.Client(base_url=base, timeout=30) as nobody:
            refused = nobody.post("/demo/login", data={"person": TEACHER.id})
            assert refused.status_code == 403  # no session, no CSRF token
        for header in ({"X-Forwarded-For": "192.0.2.7"}, {"Host": "bti.kommune.example.org"}):
            with httpx.Client(base_url=base, timeout=30) as proxied:
                home = proxied.get("/")
                csrf = re.search(r'name="csrf" value="([^"]+)"', home.text)
                assert csrf, home.text
                data = {"csrf": csrf.group(1), "person": TEACHER.id}
                # a proxy on this machine would make any visitor look local: refused
                assert proxied.post("/demo/login", data=data, headers=header).status_code == 403
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr:
            server.stderr.close()


def test_serve_demo_refuses_any_address_but_loopback(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.0.2.10", "bti.kommune.example.org"):
        command = [sys.executable, "-m", "btiflow", "serve", "--demo", "--host", host]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert done.returncode == 2
        assert "only on loopback" in done.stderr
