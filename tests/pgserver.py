"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temp dir, on loopback.

``BTIFLOW_PG_URL`` (a libpq URL to a database the tests may create tables in) is used as it
is, if set. Otherwise the cluster runs from Debian's binaries (``apt-get install postgresql``)
as an unprivileged user (``postgres`` when the tests run as root), on a free port of
127.0.0.1, with its unix socket in the temp dir, and is stopped and removed afterwards. Outside
CI, missing binaries skip the PostgreSQL tests; in CI (``CI`` set) they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class NoPostgres(RuntimeError):
    """PostgreSQL's server binaries are not installed."""


def bindir() -> Path:
    """Where initdb and pg_ctl are (Debian keeps them out of PATH, per major version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major, reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise NoPostgres("no initdb: apt-get install postgresql")


def _major(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def cluster() -> Iterator[str]:
    """A running cluster's URL (superuser ``btiflow``, database ``postgres``, trust on loopback)."""
    url = os.environ.get("BTIFLOW_PG_URL")
    if url:
        yield url
        return
    with server() as running:
        yield running.url


class Server:
    """A throwaway cluster the test may stop, restart or freeze (its own, never BTIFLOW_PG_URL)."""

    def __init__(self, url: str, data: Path, run: dict[str, Any], options: str) -> None:
        self.url = url
        self._data = data
        self._run = run
        self._options = options

    def ctl(self, *args: str) -> None:
        """pg_ctl on this cluster, e.g. ``ctl("stop", "-m", "immediate")`` (a crash)."""
        # a started server logs to its file: on our pipes, run() would wait for it to exit
        log = ["-l", str(self._data.parent / "server.log")]
        opts = ["-o", self._options, *log] if args[0] in ("start", "restart") else []
        subprocess.run([bindir() / "pg_ctl", "-D", self._data, "-w", *opts, *args], **self._run)

    def pids(self) -> list[int]:
        """The postmaster and every process it started (backends, writer, ...)."""
        head = int((self._data / "postmaster.pid").read_text().split()[0])
        found = [head]
        for pid in Path("/proc").iterdir():
            if pid.name.isdigit():
                try:
                    parent = int((pid / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if parent == head:
                    found.append(int(pid.name))
        return found


@contextmanager
def server(extra: str = "") -> Iterator[Server]:
    """A new cluster of our own, stopped and removed afterwards; ``extra`` server options."""
    bin_ = bindir()
    run: dict[str, Any] = {"check": True, "capture_output": True, "text": True}
    run["env"] = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    tmp = Path(tempfile.mkdtemp(prefix="btiflow-pg-"))
    if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        user = pwd.getpwnam("postgres")
        os.chown(tmp, user.pw_uid, user.pw_gid)
        run.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
    data, port = tmp / "data", _free_port()
    try:
        subprocess.run(
            [bin_ / "initdb", "-D", data, "-U", "btiflow", "--auth=trust", "--no-sync"],
            **run,
        )
        options = f"-k {tmp} -p {port} -c listen_addresses=127.0.0.1 -c max_connections=200"
        options += f" {extra}" if extra else ""
        subprocess.run(
            [bin_ / "pg_ctl", "-D", data, "-l", tmp / "server.log", "-w", "-o", options, "start"],
            **run,
        )
        url = f"postgresql://btiflow@127.0.0.1:{port}/postgres"
        try:
            yield Server(url, data, run, options)
        finally:
            subprocess.run(
                [bin_ / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                **{**run, "check": False},
            )
    except subprocess.CalledProcessError as exc:
        log = tmp / "server.log"
        detail = log.read_text() if log.exists() else ""
        raise RuntimeError(f"{exc}\n{exc.stdout}\n{exc.stderr}\n{detail}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
