"""btiflow copy and open_store URLs: a municipality starts on SQLite and moves to PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.store.postgres import PostgresStore
from btiflow.store.sqlite import SqliteStore


@pytest.fixture
def tenant_url(pg_url: str) -> str:
    """A PostgreSQL URL naming a fresh municipality (``?tenant=``)."""
    return f"{pg_url}?tenant=kommune-{uuid.uuid4().hex[:8]}"


def test_the_demo_runs_on_postgresql_and_verifies(tenant_url: str) -> None:
    """btiflow demo --db postgresql://…: the same story, and the log verifies there."""
    result = CliRunner().invoke(main, ["demo", "--db", tenant_url])
    assert result.exit_code == 0, result.output
    assert "Saken avsluttet på nivå 2" in result.output
    assert "Kontroll av loggen: 2 saker" in result.output
    checked = CliRunner().invoke(main, ["verify", tenant_url])
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip().endswith("oppføringer, ok")
    assert ": 2 saker, " in checked.output
    due = CliRunner().invoke(main, ["due", tenant_url, "--at", "2026-12-01"])
    assert due.exit_code == 0, due.output
    assert "Forfalte evalueringer per tirsdag 1. desember 2026" in due.output


def test_a_demo_log_moves_from_sqlite_to_postgresql_and_verifies(
    tmp_path: Path, tenant_url: str
) -> None:
    """btiflow copy SQLITE POSTGRES: every case, entry and head arrives; both sides verify."""
    db = tmp_path / "stafettlogg.db"
    assert CliRunner().invoke(main, ["demo", "--db", str(db)]).exit_code == 0
    result = CliRunner().invoke(main, ["copy", f"sqlite:///{db}", tenant_url])
    assert result.exit_code == 0, result.output
    assert "kopierte 2 saker" in result.output
    tenant = tenant_url.split("tenant=")[1]
    with SqliteStore(db) as src, PostgresStore(tenant_url.split("?")[0], tenant=tenant) as dst:
        assert dst.case_ids() == src.case_ids()
        assert dst.heads() == src.heads()
        for case_id in src.case_ids():
            assert dst.entries(case_id) == src.entries(case_id)
            assert dst.load(case_id) == src.load(case_id)
            assert dst.access_log(case_id) == src.access_log(case_id)
        assert dst.verify().ok
        first = src.case_ids()[0]
    log = CliRunner().invoke(main, ["log", tenant_url, first])
    assert log.exit_code == 0, log.output
    assert "Saken avsluttet på nivå 2" in log.output
    again = CliRunner().invoke(main, ["copy", str(db), tenant_url])
    assert again.exit_code == 1
    assert "har allerede sak" in again.output


def test_copy_refuses_a_source_that_does_not_verify(tmp_path: Path, tenant_url: str) -> None:
    """A tampered source is not copied: exit 1, the problem named, nothing in the target."""
    db = tmp_path / "stafettlogg.db"
    assert CliRunner().invoke(main, ["demo", "--db", str(db)]).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER entries_no_update")
        conn.execute("UPDATE entries SET actor = 'en-annen' WHERE seq = 2")
    result = CliRunner().invoke(main, ["copy", str(db), tenant_url])
    assert result.exit_code == 1
    assert "Feil: kilden består ikke kontrollen: " in result.output
    tenant = tenant_url.split("tenant=")[1]
    with PostgresStore(tenant_url.split("?")[0], tenant=tenant) as dst:
        assert dst.case_ids() == []


def test_the_demo_on_postgresql_lists_its_mail(tenant_url: str) -> None:
    """The demo's invitations are in the PostgreSQL outbox: the demo and 'outbox' list them."""
    result = CliRunner().invoke(main, ["demo", "--db", tenant_url])
    assert result.exit_code == 0, result.output
    assert "E-post i utboksen (" in result.output
    listing = CliRunner().invoke(main, ["outbox", tenant_url])
    assert listing.exit_code == 0, listing.output
    assert "invitasjon" in listing.output
    assert "venter" in listing.output
