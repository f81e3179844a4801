"""Issue 11, hole 9: every misuse of the command line gives one line and exit code 1 or 2."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.store.sqlite import SqliteStore

ROOT = os.geteuid() == 0  # root writes a read-only file: those cases cannot be tried as root


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A relay log written by the demo (each test works on a copy)."""
    db = tmp_path_factory.mktemp("demo") / "stafettlogg.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


MISUSES: list[list[str]] = [
    ["demo", "--db", "{dir}"],
    ["demo", "--db", "{text}"],
    ["demo", "--db", "mysql://bruker@localhost/db"],
    ["demo", "--db", "postgresql://bruker@127.0.0.1:9/db?tenant=x&connect_timeout=2"],
    ["demo", "--db", "{missing}/stafettlogg.db"],
    ["demo", "--db", "{text}/stafettlogg.db"],
    ["schema", "-o", "{missing}/schema.json"],
    ["schema", "-o", "{text}/schema.json"],
    ["diagram", "bti", "-o", "{missing}/bti.svg"],
    ["diagram", "bti", "-o", "{text}/bti.svg"],
    ["case-page", "{db}", "{case}", "--as", "{viewer}", "-o", "{missing}/side.html"],
    ["case-page", "{db}", "{case}", "--as", "{viewer}", "-o", "{text}/side.html"],
    ["case-page", "{db}", "{case}", "--as", "{viewer}", "-o", "{dir}"],
    ["case-page", "{text}", "{case}", "--as", "{viewer}", "-o", "{dir}/side.html"],
    ["case-page", "{db}", "finnes-ikke", "--as", "{viewer}", "-o", "{dir}/side.html"],
    ["verify", "{db}", "--heads", "{missing}/heads.json"],
    ["verify", "{db}", "--heads", "{text}/heads.json"],
    ["verify", "{text}"],
    ["verify", "{dir}"],
    ["render", "bti", "-o", "{text}/site"],
    ["render", "bti", "-o", "{text}"],
    ["log", "{text}", "x"],
    ["log", "{db}", "\udcff"],
    ["due", "{text}"],
    ["outbox", "{text}"],
    ["remind", "{text}", "--login-url", "https://x.example", "--sender", "a@x.example"],
    ["send", "{db}", "--smtp", "127.0.0.1:9", "--cafile", "{text}"],
    ["send", "{db}", "--smtp", "127.0.0.1:9", "--cafile", "{missing}/ca.pem"],
    ["migrate", "{db}", "--to", "kafjord", "--by", " "],
    ["migrate", "{db}", "--to", "{text}", "--by", "admin-x"],
    ["copy", "{db}", "{text}/kopi.db"],
    ["copy", "{text}", "{dir}/kopi.db"],
    ["validate", "{dir}"],
    ["show", "{missing}/bti.yaml"],
]


def _fill(args: list[str], tmp: Path, demo: Path) -> list[str]:
    db = tmp / "relay.db"
    shutil.copy(demo, db)
    store = SqliteStore(db)
    case = store.load(store.case_ids()[0])
    store.close()
    text = tmp / "notes.txt"
    text.write_text("ikke en database\n", encoding="utf-8")
    (tmp / "folder").mkdir()
    values = {
        "db": str(db),
        "dir": str(tmp / "folder"),
        "text": str(text),
        "missing": str(tmp / "finnes" / "ikke"),
        "case": case.id,
        "viewer": case.guardians[0].id,
    }
    return [a.format(**values) if "{" in a else a for a in args]


@pytest.mark.parametrize("args", MISUSES, ids=[" ".join(m) for m in MISUSES])
def test_a_misused_command_says_one_line_and_exits_1_or_2(
    tmp_path: Path, demo: Path, args: list[str]
) -> None:
    """A wrong path, file, URL or value: a message, exit code 1 or 2, never a traceback."""
    filled = _fill(args, tmp_path, demo)
    result = CliRunner().invoke(main, filled, prog_name="btiflow")
    assert result.exit_code in (1, 2), (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.output.strip(), "nothing said"


@pytest.mark.skipif(ROOT, reason="root may write a read-only file")
@pytest.mark.parametrize("command", [["demo", "--db"], ["remind"]])
def test_a_read_only_log_is_a_one_line_error(
    tmp_path: Path, demo: Path, command: list[str]
) -> None:
    """A read-only relay log: a message and exit code 1."""
    db = tmp_path / "relay.db"
    shutil.copy(demo, db)
    db.chmod(0o444)
    extra = ["--login-url", "https://x.example", "--sender", "a@x.example"]
    args = [*command, str(db), *(extra if command == ["remind"] else [])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)


def _reads(db: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT actor, what FROM access_log WHERE what LIKE 'view:%'"
        ).fetchall()


def test_case_page_logs_no_read_it_did_not_deliver(tmp_path: Path, demo: Path) -> None:
    """An output that cannot be written: refused before the read, so no read is logged."""
    args = _fill(
        ["case-page", "{db}", "{case}", "--as", "{viewer}", "-o", "{missing}/side.html"],
        tmp_path,
        demo,
    )
    before = _reads(tmp_path / "relay.db")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert _reads(tmp_path / "relay.db") == before


def test_case_page_logs_who_ran_it(tmp_path: Path, demo: Path) -> None:
    """The access-log row names the operator who printed the page, not only whose view it is."""
    args = _fill(
        ["case-page", "{db}", "{case}", "--as", "{viewer}", "-o", "{dir}/side.html"],
        tmp_path,
        demo,
    )
    result = CliRunner().invoke(main, [*args, "--by", "saksbehandler-x"])
    assert result.exit_code == 0, result.output
    actor, what = _reads(tmp_path / "relay.db")[-1]
    assert actor == args[4]
    assert "saksbehandler-x" in what
    assert "case-page" in what
