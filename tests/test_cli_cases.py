"""The case commands: demo, log, due, verify — what a person at a terminal sees."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.store.sqlite import SqliteStore


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A relay log written by the demo, and its output."""
    db = tmp_path_factory.mktemp("demo") / "stafettlogg.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db, result.output


def test_demo_prints_the_whole_story(demo_db: tuple[Path, str]) -> None:
    """The demo's timeline walks from concern to closing, with the baton passed on acceptance."""
    _, out = demo_db
    for line in (
        "Nærmeste leder informert",
        "Foresatte informert",
        "Nivå 0 → 1 (utvides)",
        "Tiltak avtalt: Fast voksen ute i friminuttene",
        "Nivå 1 → 2 (utvides)",
        "Samtykke gitt for Helsestasjonen",
        "Stafettpinnen mottatt og akseptert av Sara Demo (helsesykepleier)",
        "Saken avsluttet på nivå 2",
        "Kontroll av loggen: 2 saker",
    ):
        assert line in out
    assert out.index("Nærmeste leder informert") < out.index("Foresatte informert")
    assert "sak " in out.split("Evalueringer som forfaller")[1]


def test_demo_writes_a_real_sqlite_file(demo_db: tuple[Path, str]) -> None:
    """The demo's file is SQLite with the entries and the cases' state rows."""
    db, _ = demo_db
    with sqlite3.connect(db) as conn:
        (entries,) = conn.execute("SELECT count(*) FROM entries").fetchone()
        statuses = sorted(r[0] for r in conn.execute("SELECT status FROM cases"))
    assert entries > 40
    assert statuses == ["closed", "open"]


def test_log_due_verify(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    """log prints a case's timeline, due lists the open case, verify says ok and writes heads."""
    db, _ = demo_db
    store = SqliteStore(db)
    closed = next(c for c in store.case_ids() if store.load(c).status == "closed")
    open_case = next(c for c in store.case_ids() if store.load(c).status == "open")
    runner = CliRunner()
    log = runner.invoke(main, ["log", str(db), closed])
    assert log.exit_code == 0
    assert "Status: closed, nivå 2" in log.output
    due = runner.invoke(main, ["due", str(db), "--at", "2026-11-03"])
    assert due.exit_code == 0
    assert f"2026-11-07  sak {open_case}" in due.output
    overdue = runner.invoke(main, ["due", str(db), "--at", "2026-11-20"])
    assert f"sak {open_case}" in overdue.output.split("Forfalte")[1]
    heads = tmp_path / "heads.json"
    verify = runner.invoke(main, ["verify", str(db), "--heads", str(heads)])
    assert verify.exit_code == 0
    assert "2 cases" in verify.output
    assert verify.output.strip().endswith("ok")
    assert {h["case_id"] for h in json.loads(heads.read_text())} == {closed, open_case}


def test_verify_names_a_tampered_entry(tmp_path: Path) -> None:
    """After an entry is changed behind btiflow's back, verify exits 1 and names it."""
    db = tmp_path / "logg.db"
    assert CliRunner().invoke(main, ["demo", "--db", str(db)]).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER entries_no_update")
        case_id = conn.execute("SELECT case_id FROM cases WHERE status='closed'").fetchone()[0]
        conn.execute(
            "UPDATE entries SET data = replace(data, 'lei seg', 'glad') "
            "WHERE case_id = ? AND seq = 1",
            (case_id,),
        )
    result = CliRunner().invoke(main, ["verify", str(db)])
    assert result.exit_code == 1
    assert f"{case_id} entry 1: content does not match its hash" in result.output


def test_missing_db_is_a_clear_error(tmp_path: Path) -> None:
    """log, due and verify on a missing file say so, without a traceback."""
    for args in (["log", "nope.db", "x"], ["due", "nope.db"], ["verify", "nope.db"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1
        assert "no such relay log" in result.output


def test_unknown_case_is_a_clear_error(demo_db: tuple[Path, str]) -> None:
    """log of a case that is not there names it."""
    db, _ = demo_db
    result = CliRunner().invoke(main, ["log", str(db), "finnes-ikke"])
    assert result.exit_code == 1
    assert "no case with id 'finnes-ikke'" in result.output


def test_demo_as_a_real_process(tmp_path: Path) -> None:
    """python -m btiflow demo runs as README's main job does."""
    result = subprocess.run(
        [sys.executable, "-m", "btiflow", "demo", "--db", "x.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.db").is_file()
