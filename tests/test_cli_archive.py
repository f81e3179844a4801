"""btiflow archive and insight at a terminal: each package once, clear errors, nothing half-done."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.store.sqlite import SqliteStore

pytest.importorskip("weasyprint")


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A relay log written by the demo: one closed case, one open."""
    db = tmp_path / "stafettlogg.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def fingerprint(db: Path) -> str:
    """The database's rows (entries, cases, access log) as one hash, after a checkpoint."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("entries", "cases", "access_log")
        ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def run(*args: str) -> tuple[int, str]:
    """The command's output in English (the messages' words are checked here, not their
    language: tests/test_cli_words.py checks the Norwegian)."""
    result = CliRunner().invoke(main, ["--lang", "en", *args], prog_name="btiflow")
    return result.exit_code, result.output


def test_closed_before_twice_archives_the_closed_case_once(demo_db: Path, tmp_path: Path) -> None:
    """The first run writes the closed case's package; the second finds nothing to do."""
    out = tmp_path / "arkiv"
    code, text = run("archive", str(demo_db), "--closed-before", "2027-01-01", "-o", str(out),
                     "--by", "arkivar-1")  # fmt: skip
    assert code == 0, text
    assert "archived 1 case(s)" in text
    code, text = run("archive", str(demo_db), "--closed-before", "2027-01-01", "-o", str(out),
                     "--by", "arkivar-1")  # fmt: skip
    assert code == 0, text
    assert "archived 0 case(s)" in text
    (package,) = out.iterdir()
    store = SqliteStore(demo_db)
    case_id = package.name.rsplit("-", 1)[0]
    assert [e.kind for e in store.entries(case_id)].count("case_archived") == 1
    assert store.verify().ok


def test_one_case_by_id(demo_db: Path, tmp_path: Path) -> None:
    """archive DB CASE writes that case's package, even an open one."""
    store = SqliteStore(demo_db)
    open_id = next(c for c in store.case_ids() if store.load(c).status == "open")
    code, text = run("archive", str(demo_db), open_id, "-o", str(tmp_path / "a"), "--by", "ark")
    assert code == 0, text
    package = tmp_path / "a" / f"{open_id}-{store.load(open_id).seq - 1}"
    assert (package / "arkivmelding.xml").exists()


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (["no-such-case", "-o", "{out}"], 1, "no case with id 'no-such-case'"),
        (["--closed-before", "2027-01-01", "-o", "{file}/arkiv"], 1, "not a directory"),
        (["--closed-before", "2026-13-45", "-o", "{out}"], 2, "'2026-13-45'"),
        (["--closed-before", "2027-01-01", "-o", "{out}", "--class", "B31"], 2, "SYSTEM=CLASS"),
        (["-o", "{out}"], 2, "either CASE or --closed-before"),
    ],
)
def test_bad_input_is_one_clear_error_and_writes_nothing(
    demo_db: Path, tmp_path: Path, args: list[str], exit_code: int, says: str
) -> None:
    """An unknown case, a file for a directory, a date that is no date: error, nothing written."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    out = tmp_path / "arkiv"
    before = fingerprint(demo_db)
    filled = [a.format(out=out, file=blocker) for a in args]
    code, text = run("archive", str(demo_db), *filled, "--by", "arkivar-1")
    assert code == exit_code, text
    errors = [line for line in text.splitlines() if line.startswith("Error")]
    assert len(errors) == 1
    assert says in errors[0]
    assert fingerprint(demo_db) == before
    assert not out.exists()
    assert blocker.read_text() == "not a directory"


def test_insight_for_the_demo_guardian(demo_db: Path, tmp_path: Path) -> None:
    """insight writes the JSON and the PDF for a guardian; an unknown person writes nothing."""
    out = tmp_path / "innsyn"
    before = fingerprint(demo_db)
    code, text = run("insight", str(demo_db), "--person", "ingen-slik", "-o", str(out),
                     "--by", "personvern-1")  # fmt: skip
    assert code == 1
    assert "no case in this store names the person 'ingen-slik'" in text
    assert fingerprint(demo_db) == before
    assert not out.exists()
    code, text = run("insight", str(demo_db), "--person", "foresatt-1", "-o", str(out),
                     "--by", "personvern-1")  # fmt: skip
    assert code == 0, text
    assert sorted(p.name for p in out.iterdir()) == ["innsyn.json", "innsyn.pdf"]
