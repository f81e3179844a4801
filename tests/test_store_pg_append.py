"""An act's writes on PostgreSQL in one round trip (``btiflow_append``, store/pgappend.py): the
count of round trips, a read logged between an act's read and its write, a stale writer, and a
database made before the function existed."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import casekit
import psycopg
import pytest
from casekit import TEACHER, Clock
from pgproxy import Proxy
from pgserver import server

from btiflow.case.kinds import NoteAdded
from btiflow.engine import Engine
from btiflow.errors import CommitUnknown, ConflictError, StoreError
from btiflow.store import postgres
from btiflow.store.base import Receipt
from btiflow.store.postgres import PostgresStore


def _engine(url: str, tenant: str, clock: Clock | None = None) -> Engine:
    return Engine(casekit.workflow(), PostgresStore(url, tenant=tenant), clock=clock or Clock())


def _tenant() -> str:
    return f"kommune-{uuid.uuid4().hex[:8]}"


def test_an_act_is_two_round_trips(pg_url: str, tmp_path: Path) -> None:
    """An act waits on the server twice: reading the state row, then BEGIN, every write and
    COMMIT sent as one query (libpq's trace of the store's connection counts the answers)."""
    engine = _engine(pg_url, _tenant())
    try:
        case = casekit.at_level_1(engine)
        conn = engine.store._link._conn  # type: ignore[attr-defined]
        assert conn is not None
        trace = tmp_path / "trace.txt"
        with trace.open("w") as out:
            conn.pgconn.trace(out.fileno())
            conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            engine.act(case.id, "add_note", TEACHER, text="Kort notat")
            conn.pgconn.untrace()
        lines = trace.read_text().splitlines()
        assert sum("ReadyForQuery" in line for line in lines) == 2, lines
        assert engine.verify().ok
    finally:
        engine.store.close()


def test_a_read_logged_between_an_acts_read_and_write_is_chained_on(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone reads the case after the act read its state and before it wrote: the act's
    access row, chained on the head it read, is refused by the server and chained again on
    the new head; both rows are in the log, in order, and the log verifies."""
    tenant, clock = _tenant(), Clock()
    writer, reader = _engine(pg_url, tenant, clock), _engine(pg_url, tenant, clock)
    try:
        case = casekit.at_level_1(writer)
        load = writer.store.load

        def load_then_someone_reads(case_id: str) -> object:
            found = load(case_id)
            reader.view(case_id, TEACHER)
            return found

        in_steps = writer.store._append_in_steps  # type: ignore[attr-defined]
        chained_again: list[str] = []

        def spy(*args: object) -> None:
            chained_again.append("yes")
            in_steps(*args)

        monkeypatch.setattr(writer.store, "load", load_then_someone_reads)
        monkeypatch.setattr(writer.store, "_append_in_steps", spy)
        writer.act(case.id, "add_note", TEACHER, text="Etter en lesning")
        monkeypatch.undo()
        assert chained_again == ["yes"]
        whats = [r.what for r in writer.store.access_log(case.id)]
        assert whats[-2:] == ["view:staff", "action:add_note"]
        writer.act(case.id, "add_note", TEACHER, text="Og en til")
        assert writer.verify().ok
        assert reader.verify().ok
    finally:
        writer.store.close()
        reader.store.close()


def test_a_stale_writer_writes_nothing(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two stores read the same state; the second to write gets ConflictError, and nothing of
    its act is stored: no entry, no access row, no feed row, no webhook delivery."""
    tenant, clock = _tenant(), Clock()
    first, second = _engine(pg_url, tenant, clock), _engine(pg_url, tenant, clock)
    try:
        case = casekit.at_level_1(first)
        stale = second.case(case.id)
        first.act(case.id, "add_note", TEACHER, text="Først")
        with psycopg.connect(pg_url) as conn:
            before = _counts(conn, tenant)
        # the second engine decides on the state it read before the first wrote
        monkeypatch.setattr(second.store, "load", lambda case_id: stale)
        with pytest.raises(ConflictError):
            second.act(case.id, "add_note", TEACHER, text="For sent")
        monkeypatch.undo()
        with psycopg.connect(pg_url) as conn:
            assert _counts(conn, tenant) == before
        notes = [e.body.text for e in first.log(case.id) if isinstance(e.body, NoteAdded)]
        assert notes == ["Først"]
        assert first.verify().ok
    finally:
        first.store.close()
        second.store.close()


def _counts(conn: psycopg.Connection[tuple[int, ...]], tenant: str) -> list[int]:
    tables = ("entries", "access_log", "feed", "webhook_outbox", "outbox")
    found = []
    for table in tables:
        row = conn.execute(f"SELECT count(*) FROM {table} WHERE tenant = %s", (tenant,)).fetchone()
        found.append(row[0] if row else -1)
    return found


def test_a_database_from_before_the_append_function_opens_and_goes_on(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database written before m012 (statement by statement, without the function) gets
    the function on open; its cases verify, and acts go on in one round trip."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS for_m012")
        conn.execute("CREATE DATABASE for_m012")
    old = pg_url.rsplit("/", 1)[0] + "/for_m012"
    before = tuple(m for m in postgres.MIGRATIONS if m[0] != "m012_append_function")
    monkeypatch.setattr(postgres, "MIGRATIONS", before)
    monkeypatch.setattr(PostgresStore, "_chain_on", lambda *args, **kwargs: None)
    clock = Clock()
    engine = _engine(old, "default", clock)
    case = casekit.at_level_1(engine)
    engine.store.close()
    monkeypatch.undo()
    store = PostgresStore(old)
    assert store.migrations()[-1] == "m012_append_function"
    engine = Engine(casekit.workflow(), store, clock=clock)
    try:
        assert engine.verify().ok
        engine.act(case.id, "add_note", TEACHER, text="Etter oppgraderingen")
        engine.act(case.id, "add_note", TEACHER, text="Og en til")
        report = engine.verify()
        assert report.ok, report
    finally:
        engine.store.close()


def test_a_request_still_waiting_on_the_server_when_the_connection_is_lost_never_lands(
    pg_url: str,
) -> None:
    """The act's one query waits on the case row's lock (another transaction holds it) when
    its connection is cut. The server process has the whole request, COMMIT included, and
    would run it once the lock is free; the store ends that process before it looks for the
    entry, so the answer is a plain StoreError and the entry never lands."""
    tenant = _tenant()
    wire = Proxy(pg_url)
    store = PostgresStore(wire.url, tenant=tenant)
    engine = Engine(casekit.workflow(), store, clock=Clock())
    holder = psycopg.connect(pg_url)
    try:
        case = casekit.open_case(engine)
        holder.execute(
            "SELECT 1 FROM cases WHERE tenant = %s AND case_id = %s FOR UPDATE",
            (tenant, case.id),
        )
        cut, released = threading.Timer(0.5, wire.drop_all), threading.Timer(1.5, holder.commit)
        cut.start()
        released.start()
        with pytest.raises(StoreError) as raised:
            engine.act(case.id, "add_note", TEACHER, text="Ventet")
        assert not isinstance(raised.value, CommitUnknown)
        released.join()
        time.sleep(0.3)
        assert [e for e in engine.log(case.id) if isinstance(e.body, NoteAdded)] == []
        engine.act(case.id, "add_note", TEACHER, text="Etterpå")
        assert engine.verify().ok
    finally:
        holder.close()
        store.close()
        wire.close()


def test_a_stale_writers_conflict_leaves_no_case_text_in_the_servers_log() -> None:
    """The server writes a failed statement's text to its log (log_min_error_statement):
    an act's values are bound parameters, never in the text, and an ordinary conflict is no
    error at all. A stale writer's note, and its request's answer, are nowhere in the log;
    nor is the note of an act whose receipt is refused (an error, whose statement is logged)."""
    with server("-c log_min_error_statement=debug5 -c log_statement=none") as running:
        tenant, clock = _tenant(), Clock()
        first, second = _engine(running.url, tenant, clock), _engine(running.url, tenant, clock)
        try:
            case = casekit.at_level_1(first)
            stale = second.case(case.id)
            first.act(case.id, "add_note", TEACHER, text="Først")
            second.store.load = lambda case_id: stale  # type: ignore[method-assign]
            answer = Receipt("lærer", "nøkkel-1", "fp", 200, "{}", '{"svar": "HEMMELIG-SVAR"}')
            with pytest.raises(ConflictError):
                second.act_with(
                    case.id,
                    "add_note",
                    TEACHER,
                    {"text": "HEMMELIG-NOTAT om barnet"},
                    receipt=lambda case: answer,
                )
            assert second.store.receipt("lærer", "nøkkel-1") is None
            log = running._data.parent / "server.log"
            assert "ERROR" not in log.read_text()
            # an error that is logged: a receipt under a key already taken (a unique key)
            first.act_with(case.id, "add_note", TEACHER, {"text": "Ok"}, receipt=lambda c: answer)
            with pytest.raises(ConflictError):
                first.act_with(
                    case.id,
                    "add_note",
                    TEACHER,
                    {"text": "HEMMELIG-NOTAT nummer to"},
                    receipt=lambda c: answer,
                )
        finally:
            first.store.close()
            second.store.close()
        text = log.read_text()
    assert "ERROR" in text
    assert "INSERT INTO receipts" in text  # the statement is logged, without its values
    assert "HEMMELIG" not in text


def test_a_writer_waiting_on_the_case_row_holds_no_lock_another_needs(pg_url: str) -> None:
    """An act's receipt (and outbox rows) go in after the case row is taken: a transaction
    that holds the row (as the statement-by-statement path does first) and then writes the
    same Idempotency-Key's receipt never waits on the act, so there is no deadlock; the act
    learns of the other's receipt as a ConflictError."""
    tenant = _tenant()
    engine = _engine(pg_url, tenant)
    holder = psycopg.connect(pg_url)
    try:
        case = casekit.at_level_1(engine)
        holder.execute("SET statement_timeout = 10000")
        holder.execute(
            "UPDATE cases SET last_seq = last_seq WHERE tenant = %s AND case_id = %s",
            (tenant, case.id),
        )
        answer = Receipt("lærer", "nøkkel-2", "fp", 200, "{}", "{}")
        raised: list[BaseException] = []

        def act() -> None:
            try:
                engine.act_with(
                    case.id, "add_note", TEACHER, {"text": "Samtidig"}, receipt=lambda c: answer
                )
            except Exception as exc:
                raised.append(exc)

        writer = threading.Thread(target=act)
        writer.start()
        _wait_for_a_lock_wait(pg_url)
        holder.execute(
            "INSERT INTO receipts (tenant, caller, key, fingerprint, status, headers, body) "
            "VALUES (%s, 'lærer', 'nøkkel-2', 'fp', 200, '{}', '{}')",
            (tenant,),
        )
        holder.commit()
        writer.join(10)
        assert [type(e) for e in raised] == [ConflictError], raised
        assert engine.verify().ok
    finally:
        holder.close()
        engine.store.close()


def _wait_for_a_lock_wait(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(200):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the act never waited on the case row")
