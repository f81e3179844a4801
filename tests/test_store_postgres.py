"""What only the PostgreSQL store has: tenants in one database, its schema, its errors."""

from __future__ import annotations

import datetime as dt
import os
import resource
import uuid
from collections.abc import Iterator
from pathlib import Path

import casekit
import psycopg
import pytest
from casekit import TEACHER, Clock

from btiflow.engine import Engine
from btiflow.errors import CaseNotFound, StoreError
from btiflow.store.postgres import PostgresStore
from btiflow.store.url import open_store


@pytest.fixture
def kommuner(pg_url: str) -> Iterator[tuple[Engine, Engine, Clock]]:
    """Two municipalities' engines on the same database, one clock."""
    clock = Clock()
    tag = uuid.uuid4().hex[:6]
    nordvik = PostgresStore(pg_url, tenant=f"nordvik-{tag}")
    sorvik = PostgresStore(pg_url, tenant=f"sorvik-{tag}")
    yield (
        Engine(casekit.workflow(), nordvik, clock=clock),
        Engine(casekit.workflow(), sorvik, clock=clock),
        clock,
    )
    nordvik.close()
    sorvik.close()


def test_a_municipality_never_sees_another_municipalitys_cases(
    kommuner: tuple[Engine, Engine, Clock],
) -> None:
    """Nordvik's cases are invisible to Sørvik: load, log, list, due, overdue, heads, verify."""
    nordvik, sorvik, clock = kommuner
    theirs = casekit.with_measures(nordvik, clock, "elev-nord", clock.in_days(7))
    closed = casekit.closed_at_level_0(nordvik, "elev-nord-2")
    mine = casekit.at_level_1(sorvik, "elev-sor")
    for call in (
        lambda: sorvik.case(theirs.id),
        lambda: sorvik.log(theirs.id),
        lambda: sorvik.act(theirs.id, "add_note", TEACHER, text="Skal ikke gå"),
        lambda: sorvik.case(closed.id),
    ):
        with pytest.raises(CaseNotFound):
            call()
    assert sorvik.store.case_ids() == [mine.id]
    assert sorvik.store.access_log(theirs.id) == []
    assert [h.case_id for h in sorvik.store.heads()] == [mine.id]
    report = sorvik.verify()
    assert (report.ok, report.cases) == (True, 1)
    # due() and overdue() over every date: only the municipality's own cases
    assert [d.case_id for d in nordvik.due(within=dt.timedelta(days=30))] == [theirs.id]
    assert sorvik.due(within=dt.timedelta(days=3650)) == []
    clock.advance(days=60)
    assert [d.case_id for d in nordvik.overdue()] == [theirs.id]
    assert sorvik.overdue() == []
    assert sorvik.store.due_between(dt.date(1900, 1, 1), dt.date(2999, 1, 1)) == []
    assert nordvik.verify().ok


def test_the_same_case_id_in_two_municipalities_is_two_cases(pg_url: str) -> None:
    """Case ids are unique per municipality: the same id in another tenant is its own case."""
    tag = uuid.uuid4().hex[:6]
    ids = iter(["sak-1", "sak-1"])
    stores = [PostgresStore(pg_url, tenant=f"{name}-{tag}") for name in ("a", "b")]
    try:
        engines = [
            Engine(casekit.workflow(), s, clock=Clock(), new_id=lambda: next(ids)) for s in stores
        ]
        one = casekit.open_case(engines[0], "elev-a")
        two = casekit.at_level_1(engines[1], "elev-b")
        assert one.id == two.id == "sak-1"
        assert engines[0].case("sak-1").seq == 1
        assert engines[1].case("sak-1").seq == two.seq
        assert all(e.verify().ok for e in engines)
    finally:
        for s in stores:
            s.close()


def test_migrations_are_recorded_and_not_reapplied(pg_url: str) -> None:
    """The schema's migrations are recorded in btiflow_migrations; re-opening applies nothing."""
    with PostgresStore(pg_url) as store:
        names = store.migrations()
    assert names == [
        "m001_relay_log",
        "m002_covering_due_index",
        "m003_access_log",
        "m004_outbox",
        "m005_access_chain",
        "m006_receipts",
        "m007_feed",
        "m008_webhooks",
        "m009_sessions",
        "m010_retention",
        "m011_case_ties",
        "m012_append_function",
    ]
    with psycopg.connect(pg_url) as conn:
        before = conn.execute("SELECT name, applied_at FROM btiflow_migrations").fetchall()
    with PostgresStore(pg_url, tenant="noen-andre") as store:
        assert store.migrations() == names
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT name, applied_at FROM btiflow_migrations").fetchall() == before


def test_overdue_uses_the_due_index(pg_url: str) -> None:
    """overdue() is answered by an index-only scan of cases_due, in its order (no sort)."""
    with PostgresStore(pg_url) as store, psycopg.connect(pg_url) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN SELECT case_id, next_evaluation_due, level, step, baton_holder, "
                "baton_unit FROM cases WHERE tenant = %s AND status = 'open' AND "
                "next_evaluation_due IS NOT NULL AND next_evaluation_due < %s "
                "ORDER BY next_evaluation_due, case_id",
                (store.tenant, dt.date(2026, 10, 1)),
            )
        )
    assert "Index Only Scan using cases_due" in plan
    assert "Sort" not in plan


def test_an_unreachable_server_gives_store_error(pg_url: str) -> None:
    """No server at the URL: StoreError naming the database (without a password)."""
    with pytest.raises(StoreError) as info:
        PostgresStore("postgresql://btiflow:hemmelig@127.0.0.1:1/postgres", timeout=2)
    assert isinstance(info.value.__cause__, psycopg.Error)
    assert "hemmelig" not in str(info.value)
    assert "127.0.0.1:1" in str(info.value)


def test_open_store_takes_a_url_or_a_path(pg_url: str, tmp_path: Path) -> None:
    """open_store: postgresql:// URLs, sqlite:/// URLs and paths; SQLite holds one tenant."""
    with open_store(pg_url, tenant="x") as store:  # type: ignore[attr-defined]
        assert isinstance(store, PostgresStore)
        assert store.tenant == "x"
    with pytest.raises(ValueError, match="one municipality"):
        open_store(f"sqlite:///{tmp_path}/relay.db", tenant="x")
    store = open_store(f"sqlite:///{tmp_path}/relay.db")
    store.close()


def test_a_connection_on_a_high_file_descriptor_works(pg_url: str) -> None:
    """A busy process holds many files: the store's connection gets a descriptor above 1024,
    where select() refuses to look; checking whether the server closed it still works."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("too few file descriptors allowed")
    if soft != resource.RLIM_INFINITY and soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        store = PostgresStore(pg_url, tenant=f"k-{uuid.uuid4().hex[:8]}")
        try:
            assert store.case_ids() == []
            assert store.case_ids() == []  # the second call checks the idle connection
            conn = store._link._conn
            assert conn is not None
            assert conn.pgconn.socket >= 1024
        finally:
            store.close()
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
