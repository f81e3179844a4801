"""verify reads on past a bad row: each broken case is named, the rest are still checked, and a
damaged file (empty, corrupted) is reported as such, never as "0 cases, ok"."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import casekit
import pytest
from casekit import Clock
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from storekit import Backend

from btiflow.cli import main
from btiflow.engine import Engine
from btiflow.store.sqlite import SqliteStore


@pytest.fixture
def engine(backend: Backend) -> Engine:
    return Engine(casekit.workflow(), backend.open(), clock=Clock())


# Each way a row can be broken behind the store's back: (table, column, value).
BAD_VALUES = {
    "time not a time": ("entries", "time", "i går"),
    "data cut off": ("entries", "data", "{"),
    "data null": ("entries", "data", "null"),
    "data a list": ("entries", "data", "[1, 2]"),
    "kind unknown": ("entries", "kind", "hemmelig"),
    "state cut off": ("cases", "state", "{"),
    "state null": ("cases", "state", "null"),
    "state not a case": ("cases", "state", '{"id": 1}'),
}


def _three_cases(engine: Engine) -> list[str]:
    return [casekit.at_level_1(engine, f"elev-{n}").id for n in range(3)]


@pytest.mark.parametrize("how", sorted(BAD_VALUES))
def test_verify_names_a_broken_case_and_checks_the_others(
    engine: Engine, backend: Backend, how: str
) -> None:
    """One case broken in one way: verify names it and still counts and checks every case."""
    ids = _three_cases(engine)
    table, column, value = BAD_VALUES[how]
    where = "case_id = ?" + (" AND seq = 2" if table == "entries" else "")
    backend.tamper(f"UPDATE {table} SET {column} = ? WHERE {where}", value, ids[1])
    report = engine.verify()
    assert report.cases == 3
    assert [p.case_id for p in report.problems] == [ids[1]], report.problems


def test_verify_names_every_broken_case_in_one_run(engine: Engine, backend: Backend) -> None:
    """Several cases broken in different ways: each is named, in one report."""
    ids = [casekit.at_level_1(engine, f"elev-{n}").id for n in range(len(BAD_VALUES) + 1)]
    for case_id, (table, column, value) in zip(ids, BAD_VALUES.values(), strict=False):
        where = "case_id = ?" + (" AND seq = 2" if table == "entries" else "")
        backend.tamper(f"UPDATE {table} SET {column} = ? WHERE {where}", value, case_id)
    report = engine.verify()
    assert report.cases == len(ids)
    assert sorted(p.case_id for p in report.problems) == sorted(ids[:-1])


@settings(max_examples=40)  # each example writes a new log
@given(st.text(max_size=30) | st.sampled_from(["{", "null", "[]", '{"a":1,"a":2}', "1e999"]))
def test_verify_never_raises_on_any_entry_data(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    """Whatever text stands in an entry's data, verify reports (or accepts) it, never raises."""
    path = tmp_path_factory.mktemp("fuzz") / "relay.db"
    engine = casekit.engine_on(path)
    try:
        case = casekit.open_case(engine)
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("DROP TRIGGER entries_no_update")
            conn.execute("UPDATE entries SET data = ? WHERE case_id = ?", (text, case.id))
        report = engine.verify()
    finally:
        engine.store.close()
    assert report.cases == 1
    assert [p.case_id for p in report.problems] == [case.id]


def _log_with_cases(path: Path) -> None:
    engine = casekit.engine_on(path)
    try:
        for n in range(30):
            casekit.at_level_1(engine, f"elev-{n}")
    finally:
        engine.store.close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _corrupt_a_page(path: Path) -> None:
    """Overwrite a page in the middle of the file (a bad disk, a bad copy)."""
    with closing(sqlite3.connect(path)) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with path.open("r+b") as f:
        f.seek(page_size * (pages // 2))
        f.write(b"\xa5" * page_size)


def test_verify_reports_a_corrupted_page_and_exits_1(tmp_path: Path) -> None:
    """A page overwritten with junk: verify says the file is damaged, never "ok"."""
    path = tmp_path / "relay.db"
    _log_with_cases(path)
    _corrupt_a_page(path)
    result = CliRunner().invoke(main, ["--lang", "nb", "verify", str(path)])
    assert result.exit_code == 1, result.output
    assert not result.output.splitlines()[-1].endswith(" ok")
    assert "filen er skadet (SQLite: " in result.output
    english = CliRunner().invoke(main, ["--lang", "en", "verify", str(path)]).output
    assert "the file is damaged (SQLite: " in english
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_verify_of_a_corrupted_page_names_it_as_a_problem(tmp_path: Path) -> None:
    """The library's report has a problem for the file itself (no case id)."""
    path = tmp_path / "relay.db"
    _log_with_cases(path)
    _corrupt_a_page(path)
    store = SqliteStore(path, create=False)
    try:
        report = store.verify()
    finally:
        store.close()
    assert not report.ok
    assert any(p.case_id == "" and p.code == "file_damaged" for p in report.problems)
    assert any("filen er skadet" in p.words("nb") for p in report.problems)


def test_verify_of_an_empty_file_exits_1(tmp_path: Path) -> None:
    """An empty file is not "0 cases, ok": it is no relay log at all."""
    path = tmp_path / "relay.db"
    path.touch()
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 1
    assert not result.output.strip().endswith(" ok")


def test_verify_of_a_truncated_file_exits_1(tmp_path: Path) -> None:
    """A log cut short (half a copy) is reported, not read as fewer cases."""
    path = tmp_path / "relay.db"
    _log_with_cases(path)
    cut = tmp_path / "cut.db"
    shutil.copyfile(path, cut)
    with cut.open("r+b") as f:
        f.truncate(cut.stat().st_size // 2)
    result = CliRunner().invoke(main, ["verify", str(cut)])
    assert result.exit_code == 1, result.output
    assert not result.output.splitlines()[-1].endswith(" ok")


def test_verify_of_an_untouched_log_reports_nothing(engine: Engine) -> None:
    """The control: an untouched log verifies (the tests above break only what they say)."""
    _three_cases(engine)
    report = engine.verify()
    assert report.ok, report.problems
    assert report.cases == 3


def test_every_verify_code_is_listed_and_worded_in_each_language() -> None:
    """Each code a ChainProblem is made with is in PROBLEMS or NOTES (docs/errors.md lists
    them), and the catalogue words each, in bokmål, nynorsk and English."""
    import re

    from btiflow.store import check, sqlite
    from btiflow.words import keys

    made = set()
    for module in (check, sqlite):
        text = Path(module.__file__ or "").read_text(encoding="utf-8")
        made |= set(re.findall(r'ChainProblem\(\s*[^,()]+,\s*[^,()]+,\s*"(\w+)"', text))
        made |= set(re.findall(r'return "(\w+)"', text))  # _check_hash's codes
    assert made <= set(check.PROBLEMS) | set(check.NOTES), made
    worded = {k.split(".")[1] for k in keys("nb") if k.startswith("verify.") and k.count(".") == 1}
    assert worded - {"at_entry", "in_case"} == set(check.PROBLEMS) | set(check.NOTES)
    assert len(made) > 20
