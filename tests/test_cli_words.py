"""The command line speaks the user's language: --lang, then the environment, then the guide.

What a command prints as its result or error comes from the text catalogue (area ``cli``):
statuses and kinds translated, dates in one style, click's own "Error:" as "Feil:".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.store.sqlite import SqliteStore
from btiflow.words import coverage

NO_LOCALE = {"LANG": "C.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={**NO_LOCALE, **(env or {})})
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def nynorsk_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("nn") / "demo.db"
    code, output = _run("demo", "--db", str(db), "--workflow", "nore-og-uvdal")
    assert code == 0, output
    return db


def _closed(db: Path) -> str:
    with SqliteStore(db) as store:
        return next(c for c in store.case_ids() if store.load(c).status == "closed")


def test_a_nynorsk_guide_gives_nynorsk_output(nynorsk_db: Path) -> None:
    code, log = _run("log", str(nynorsk_db), _closed(nynorsk_db))
    assert code == 0, log
    assert "Status: avslutta, nivå 2, stafetthaldar:" in log
    code, due = _run("due", str(nynorsk_db), "--at", "2026-11-03")
    assert code == 0, due
    assert due.startswith("Evalueringar som forfell tysdag 3. november 2026 – ")
    assert "07.11.2026  sak " in due


def test_lang_and_the_environment_come_before_the_guide(nynorsk_db: Path) -> None:
    closed = _closed(nynorsk_db)
    english = _run("--lang", "en", "log", str(nynorsk_db), closed)[1]
    assert "Status: closed, level 2, baton holder:" in english
    assert "Status: avsluttet, nivå 2" in _run("--lang", "nb", "log", str(nynorsk_db), closed)[1]
    by_env = _run("log", str(nynorsk_db), closed, env={"LANG": "en_GB.UTF-8"})[1]
    assert "Status: closed, level 2" in by_env


def test_errors_start_with_feil_in_norwegian_and_error_in_english(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.db")
    code, output = _run("log", missing, "x")
    assert code == 1
    assert output.startswith(f"Feil: {missing}: ingen slik stafettlogg («btiflow demo» skriver")
    code, output = _run("--lang", "en", "log", missing, "x")
    assert (code, output.split(":")[0]) == (1, "Error")
    code, output = _run("log")
    assert code == 2
    assert "Feil: Mangler argumentet 'DB'." in output
    # CliRunner names the program "main"; click names its help option -h or --help by version
    assert re.search(r"Prøv «main log (-h|--help)» for hjelp\.", output)
    assert not re.search(r"\b(Error|Usage|Missing|Try)\b", output)


def test_a_day_is_typed_either_way(nynorsk_db: Path) -> None:
    dotted = _run("due", str(nynorsk_db), "--at", "03.11.2026")
    assert dotted == _run("due", str(nynorsk_db), "--at", "2026-11-03")
    assert dotted[0] == 0
    code, output = _run("--lang", "nb", "due", str(nynorsk_db), "--at", "31.02.2026")
    assert code == 2
    assert "Feil: Ugyldig verdi for '--at': «31.02.2026» er ikke en dato" in output


def test_words_prints_each_catalogues_coverage() -> None:
    code, output = _run("words")
    assert code == 0
    lines = output.splitlines()
    assert [line.split()[0] for line in lines] == list(coverage())
    done, total = coverage()["nn"]
    assert f"nn {done}/{total} (100 %)" in lines
