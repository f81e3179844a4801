"""Opening a relay log: only what creates a log may create tables; everything else refuses a file
that is not a btiflow log (empty, another program's, a newer schema) with a clear StoreError."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.errors import StoreError
from btiflow.store.sqlite import SqliteStore
from btiflow.store.url import open_outbox, open_store

# Every command that reads or changes an existing log, with the arguments after DB.
READING_COMMANDS = {
    "verify": [],
    "log": ["sak-1"],
    "due": [],
    "case-page": ["sak-1", "--as", "kari", "-o", "side.html"],
    "outbox": [],
    "send": ["--smtp", "127.0.0.1:1"],
    "remind": ["--login-url", "https://kommune.example.org", "--sender", "a@example.org"],
    "migrate": ["--to", "bti", "--dry-run"],
}


def _tables(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [r[0] for r in rows]


def _other_program(path: Path) -> Path:
    """A SQLite database another program made: one table of its own."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE kunder (id INTEGER PRIMARY KEY, navn TEXT)")
        conn.execute("INSERT INTO kunder (navn) VALUES ('Ola Nordmann')")
        conn.commit()
    return path


def _newer_log(path: Path) -> Path:
    """A relay log a later btiflow wrote: one migration this btiflow does not know."""
    SqliteStore(path).close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('btiflow', 'm999_from_the_future', '2030-01-01')"
        )
        conn.commit()
    return path


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), prog_name="btiflow")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("command", sorted(READING_COMMANDS))
def test_a_reading_command_leaves_an_empty_file_untouched(command: str, tmp_path: Path) -> None:
    """An empty file is not a relay log: exit 1, one line, and the file stays empty."""
    db = tmp_path / "tom.db"
    db.touch()
    code, out = _cli(command, str(db), *READING_COMMANDS[command])
    assert code == 1, out
    assert len(out.strip().splitlines()) == 1, out
    assert f"Feil: «{db}» er en tom fil, ikke en stafettlogg" in out
    assert db.stat().st_size == 0


@pytest.mark.parametrize("command", sorted(READING_COMMANDS))
def test_a_reading_command_leaves_another_programs_database_alone(
    command: str, tmp_path: Path
) -> None:
    """Another program's SQLite file gets no btiflow tables; the command says what it is."""
    db = _other_program(tmp_path / "kunder.db")
    before = db.read_bytes()
    code, out = _cli(command, str(db), *READING_COMMANDS[command])
    assert code == 1, out
    assert len(out.strip().splitlines()) == 1, out
    assert f"Feil: «{db}» er ikke en stafettlogg fra btiflow" in out
    assert _tables(db) == ["kunder"]
    assert db.read_bytes() == before


@pytest.mark.parametrize("command", sorted(READING_COMMANDS))
def test_a_reading_command_refuses_a_newer_schema(command: str, tmp_path: Path) -> None:
    """A log with a migration this btiflow does not know: exit 1, one line naming it."""
    db = _newer_log(tmp_path / "ny.db")
    code, out = _cli(command, str(db), *READING_COMMANDS[command])
    assert code == 1, out
    assert len(out.strip().splitlines()) == 1, out
    assert "m999_from_the_future" in out


def test_demo_does_not_take_over_another_programs_database(tmp_path: Path) -> None:
    """Even a command that creates a log refuses a file with another program's tables."""
    db = _other_program(tmp_path / "kunder.db")
    code, out = _cli("demo", "--db", str(db))
    assert code == 1, out
    assert "er ikke en stafettlogg fra btiflow" in out
    assert _tables(db) == ["kunder"]


def test_open_store_without_create_refuses_a_missing_file(tmp_path: Path) -> None:
    """open_store(..., create=False) on a path with no file raises and creates nothing."""
    path = tmp_path / "finnes-ikke.db"
    with pytest.raises(StoreError, match="no relay log"):
        open_store(path, create=False)
    assert not path.exists()


def test_open_store_without_create_refuses_an_empty_file(tmp_path: Path) -> None:
    """An empty file is refused and stays empty."""
    path = tmp_path / "tom.db"
    path.touch()
    with pytest.raises(StoreError, match="empty file"):
        open_store(path, create=False)
    with pytest.raises(StoreError, match="empty file"):
        open_outbox(path, create=False)
    assert path.stat().st_size == 0


def test_open_store_refuses_another_programs_database_even_to_create(tmp_path: Path) -> None:
    """The default (create=True) makes a new log, never tables in someone else's database."""
    db = _other_program(tmp_path / "kunder.db")
    with pytest.raises(StoreError, match="not a btiflow relay log"):
        open_store(db)
    with pytest.raises(StoreError, match="not a btiflow relay log"):
        open_outbox(db)
    assert _tables(db) == ["kunder"]


def test_open_store_refuses_a_text_file(tmp_path: Path) -> None:
    """A file that is not SQLite at all is a StoreError naming the file."""
    path = tmp_path / "notat.txt"
    path.write_text("Dette er ikke en database.\n" * 100, encoding="utf-8")
    with pytest.raises(StoreError, match=r"notat\.txt"):
        open_store(path, create=False)


def test_open_store_refuses_a_newer_schema_in_either_mode(tmp_path: Path) -> None:
    """A newer schema is refused whether or not the caller may create a log."""
    db = _newer_log(tmp_path / "ny.db")
    for create in (True, False):
        with pytest.raises(StoreError, match="newer btiflow"):
            open_store(db, create=create)


def test_open_store_without_create_opens_an_existing_log(tmp_path: Path) -> None:
    """A log made before opens with create=False, and its schema is as the creator left it."""
    db = tmp_path / "relay.db"
    SqliteStore(db).close()
    tables = _tables(db)
    store = open_store(db, create=False)
    try:
        assert store.case_ids() == []
        assert store.verify().ok
    finally:
        store.close()
    assert _tables(db) == tables


def test_postgres_without_create_refuses_a_database_without_a_log(pg_url: str) -> None:
    """A PostgreSQL database with no btiflow tables is refused, and none are created."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS annet_program")
        conn.execute("CREATE DATABASE annet_program")
    other = pg_url.rsplit("/", 1)[0] + "/annet_program"
    with pytest.raises(StoreError, match="not a btiflow relay log"):
        open_store(other, create=False)
    with psycopg.connect(other) as conn:
        found = conn.execute("SELECT to_regclass('btiflow_migrations')").fetchone()
    assert found == (None,)


def test_postgres_refuses_a_newer_schema(pg_url: str) -> None:
    """A PostgreSQL log with a migration this btiflow does not know is refused."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS ny_btiflow")
        conn.execute("CREATE DATABASE ny_btiflow")
    newer = pg_url.rsplit("/", 1)[0] + "/ny_btiflow"
    open_store(newer).close()
    with psycopg.connect(newer, autocommit=True) as conn:
        conn.execute("INSERT INTO btiflow_migrations (name) VALUES ('m999_from_the_future')")
    for create in (True, False):
        with pytest.raises(StoreError, match="m999_from_the_future"):
            open_store(newer, create=create)
