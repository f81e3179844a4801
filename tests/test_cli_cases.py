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
    assert "Status: avsluttet, nivå 2" in log.output
    due = runner.invoke(main, ["due", str(db), "--at", "2026-11-03"])
    assert due.exit_code == 0
    assert f"07.11.2026  sak {open_case}" in due.output
    overdue = runner.invoke(main, ["due", str(db), "--at", "2026-11-20"])
    assert f"sak {open_case}" in overdue.output.split("Forfalte")[1]
    heads = tmp_path / "heads.json"
    verify = runner.invoke(main, ["verify", str(db), "--heads", str(heads)])
    assert verify.exit_code == 0
    assert "2 saker" in verify.output
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
    assert f"{case_id} oppføring 1: innholdet stemmer ikke med sin hash (endret)" in result.output


def test_missing_db_is_a_clear_error(tmp_path: Path) -> None:
    """log, due and verify on a missing file say so, without a traceback."""
    for args in (["log", "nope.db", "x"], ["due", "nope.db"], ["verify", "nope.db"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1
        assert "ingen slik stafettlogg" in result.output
        assert result.output.startswith("Feil: ")


def test_unknown_case_is_a_clear_error(demo_db: tuple[Path, str]) -> None:
    """log of a case that is not there names it."""
    db, _ = demo_db
    result = CliRunner().invoke(main, ["log", str(db), "finnes-ikke"])
    assert result.exit_code == 1
    assert "ingen sak med id «finnes-ikke»" in result.output


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


def test_demo_writes_its_own_file_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --db the demo writes btiflow-demo.db, never stafettlogg.db (the real log's name);
    run again, it adds its cases to its own file."""
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Loggen ligger i btiflow-demo.db" in first.output
    assert not (tmp_path / "stafettlogg.db").exists()
    again = CliRunner().invoke(main, ["demo"])
    assert again.exit_code == 0, again.output
    assert "Kontroll av loggen: 4 saker" in again.output
    store = SqliteStore(tmp_path / "btiflow-demo.db")
    assert {store.load(c).subject for c in store.case_ids()} == {"demo-elev-17", "demo-elev-23"}
    store.close()


def test_demo_refuses_a_log_holding_other_cases(tmp_path: Path) -> None:
    """A log with a case the demo did not make: exit 1, a Norwegian message, the file as it was."""
    from btiflow import Actor, Engine, load_workflow

    db = tmp_path / "stafettlogg.db"
    store = SqliteStore(db)
    teacher = Actor("kari", "employee", "Olderdalen skole", "Kari Eksempel")
    Engine(load_workflow("kafjord"), store).open_case("elev-5", teacher, concern="Uro")
    store.close()
    before = db.read_bytes()
    result = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert result.exit_code == 1
    assert "inneholder 1 sak(er) som demoen ikke har laget" in result.output
    assert "Ingenting er skrevet." in result.output
    assert db.read_bytes() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)


def test_cases_finds_the_demo_cases_by_subject(demo_db: tuple[Path, str]) -> None:
    """btiflow cases lists the demo's cases as a table with names and dates, and narrows them."""
    db, _ = demo_db
    store = SqliteStore(db)
    closed = next(c for c in store.case_ids() if store.load(c).status == "closed")
    open_case = next(c for c in store.case_ids() if store.load(c).status == "open")
    runner = CliRunner()
    every = runner.invoke(main, ["cases", str(db)])
    assert every.exit_code == 0, every.output
    header, *rows = every.output.splitlines()
    assert header.split() == [
        "Sak",
        "Barn/elev",
        "Nivå",
        "Stafettholder",
        "Status",
        "Neste",
        "evaluering",
    ]
    assert rows[-1] == "2 sak(er)."
    by_subject = runner.invoke(main, ["cases", str(db), "--subject", "demo-elev-17"]).output
    assert closed in by_subject
    assert open_case not in by_subject
    line = next(r for r in by_subject.splitlines() if r.startswith(closed))
    assert line.split("  ")[0:1] == [closed]
    assert "Sara Demo (helsesykepleier)" in line
    assert "avsluttet" in line
    assert "helsesykepleier-1" not in by_subject
    narrowed = {
        "--status open": open_case,
        "--status closed": closed,
        "--level 1": open_case,
        "--holder Kari": open_case,
        "--holder helsesykepleier-1": closed,
        "--due-before 07.11.2026": open_case,
        "--due-before 2026-11-07": open_case,
    }
    for args, expected in narrowed.items():
        out = runner.invoke(main, ["cases", str(db), *args.split()]).output
        assert expected in out, (args, out)
        assert "1 sak(er)." in out, (args, out)
    assert "07.11.2026" in runner.invoke(main, ["cases", str(db), "--status", "open"]).output
    none = runner.invoke(main, ["cases", str(db), "--due-before", "2026-11-06"])
    assert none.exit_code == 0
    assert none.output == "Ingen saker funnet.\n"


def test_due_names_the_baton_holder(demo_db: tuple[Path, str]) -> None:
    """due shows the baton holder's name, not their id."""
    db, _ = demo_db
    due = CliRunner().invoke(main, ["due", str(db), "--at", "2026-11-03"]).output
    assert "stafettholder Kari Eksempel (kontaktlærer) (Olderdalen skole)" in due
    assert "kontaktlaerer-1" not in due


def test_unknown_case_says_how_to_find_one(demo_db: tuple[Path, str]) -> None:
    """log of an unknown id points to btiflow cases."""
    db, _ = demo_db
    result = CliRunner().invoke(main, ["log", str(db), "finnes-ikke"])
    assert result.exit_code == 1
    assert f"Finn sakens id med «btiflow cases {db}»" in result.output


def test_case_page_for_someone_not_in_the_case_lists_who_is(
    demo_db: tuple[Path, str], tmp_path: Path
) -> None:
    """case-page --as a stranger: exit 1, no page, and the people in the case by name and id."""
    db, _ = demo_db
    store = SqliteStore(db)
    closed = next(c for c in store.case_ids() if store.load(c).status == "closed")
    page = tmp_path / "side.html"
    result = CliRunner().invoke(
        main, ["case-page", str(db), closed, "--as", "ukjent-9", "-o", str(page), "--by", "t"]
    )
    assert result.exit_code == 1
    assert not page.exists()
    assert "ukjent-9 er ikke nevnt i sak" in result.output
    listed = {" ".join(line.split()) for line in result.output.splitlines()[1:]}
    assert listed == {
        "foresatt-1 Anne Test (foresatt)",
        "kontaktlaerer-1 Kari Eksempel (kontaktlærer)",
        "helsesykepleier-1 Sara Demo (helsesykepleier)",
        "demo-elev-17 (barnet/eleven selv)",
    }
