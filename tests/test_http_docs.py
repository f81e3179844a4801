"""docs/http-api.md's curl examples run, in order, against a real server, and say what it says."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import casekit as k
import pytest
from serverkit import ADMIN, serving, token

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "http-api.md"


def _sh_blocks() -> str:
    return "\n".join(re.findall(r"```sh\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S))


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl, jq")
def test_curl_examples_run(tmp_path: Path) -> None:
    """Every sh block of docs/http-api.md runs (set -e), opening, reading and acting on a case."""
    script = "set -euo pipefail\n" + _sh_blocks()
    (tmp_path / "world").mkdir()
    with serving(tmp_path / "world") as world:
        env = {
            "PATH": "/usr/bin:/bin",
            "API": world.url,
            "TOKEN": token(world.key, k.TEACHER),
            "ADMIN_TOKEN": token(world.key, ADMIN),
            "SYSTEM_TOKEN": token(world.key, client="paaminner", scope="due:read events:read"),
        }
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("bti\n")
    assert "opened " in out
    assert '{"action":"complete_step","case_id":' in out
    assert "422\nleader_before_guardians: " in out
    assert "\n3\n3\nidempotent-replayed: true" in out.lower()
    assert 'etag: "3"' in out.lower()
    assert "\nopener\n" in out
    assert "Sak åpnet av" in out
    assert "laerer-a opener view:staff" in out
    assert "\nnote_added\n0\n" in out
    assert "\ntrue\nhttps://mottak.kafjord.kommune.no/btiflow\n204\n" in out
