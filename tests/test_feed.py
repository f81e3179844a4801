"""The event feed: every entry once, in one order per tenant, gapless under concurrent writers.

A reader following the feed (``after`` = the last position it read) must never miss an entry
that commits later with a lower position than one it already read. Eight writers, each with its
own connection, and a reader polling all the while, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import casekit
import psycopg
import pytest
from casekit import TEACHER, Clock
from storekit import Backend

from btiflow import Engine, FeedEvent

WRITERS = 8
NOTES = 12


def follow(read: Callable[[int], list[FeedEvent]], done: threading.Event) -> list[FeedEvent]:
    """Poll the feed until ``done`` and one more empty read: what a follower saw, in order."""
    seen: list[FeedEvent] = []
    last = 0
    while True:
        finished = done.is_set()
        page = read(last)
        seen.extend(page)
        if page:
            last = page[-1].position
        elif finished:
            return seen


def _writer(backend: Backend, errors: list[BaseException]) -> Callable[[], None]:
    def run() -> None:
        try:
            engine = Engine(casekit.workflow(), backend.open(), clock=Clock())
            case = casekit.open_case(engine, f"elev-{uuid.uuid4().hex[:6]}")
            for n in range(NOTES):
                engine.act(case.id, "add_note", TEACHER, text=f"Notat {n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    return run


def assert_once_in_order(seen: list[FeedEvent], engine: Engine) -> None:
    """Every entry of every case exactly once; positions 1, 2, 3, ... in the order read; each
    case's entries in their own order."""
    assert [e.position for e in seen] == list(range(1, len(seen) + 1))
    logged = [(c, e.seq) for c in engine.store.case_ids() for e in engine.log(c)]
    got = [(e.case_id, e.seq) for e in seen]
    assert len(got) == len(set(got))
    assert sorted(got) == sorted(logged)
    for case_id in {c for c, _ in got}:
        seqs = [s for c, s in got if c == case_id]
        assert seqs == sorted(seqs)


def test_a_follower_sees_every_entry_once_in_order_under_8_writers(backend: Backend) -> None:
    reader = Engine(casekit.workflow(), backend.open(), clock=Clock())
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_writer(backend, errors)) for _ in range(WRITERS)]
    done = threading.Event()
    result: list[list[FeedEvent]] = []
    poller = threading.Thread(target=lambda: result.append(follow(reader.events, done)))
    poller.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    poller.join()
    assert not errors, errors
    seen = result[0]
    assert len(seen) == WRITERS * (NOTES + 1)
    assert_once_in_order(seen, reader)


def test_pages_of_the_feed_join_without_gap_or_overlap(backend: Backend) -> None:
    engine = Engine(casekit.workflow(), backend.open(), clock=Clock())
    case = casekit.open_case(engine)
    for n in range(6):
        engine.act(case.id, "add_note", TEACHER, text=f"Notat {n}")
    whole = engine.events(0, 100)
    paged: list[FeedEvent] = []
    while page := engine.events(paged[-1].position if paged else 0, 2):
        paged.extend(page)
    assert paged == whole
    assert [e.kind for e in whole] == ["case_opened"] + ["note_added"] * 6


def test_tenants_have_a_feed_each(backend: Backend) -> None:
    if backend.name != "postgres":
        pytest.skip("a SQLite file is one tenant")
    ours = Engine(casekit.workflow(), backend.open(), clock=Clock())
    theirs = Engine(casekit.workflow(), backend.open(tenant="en-annen-kommune"), clock=Clock())
    casekit.open_case(ours)
    casekit.open_case(theirs)
    assert [e.position for e in ours.events()] == [1]
    assert ours.events()[0].case_id != theirs.events()[-1].case_id


def test_a_position_in_flight_holds_back_every_later_one(pg_url: str) -> None:
    """While one transaction holds the tenant's feed lock (it has taken the next position and
    not yet committed), no other writer can commit an entry: so a reader can never read a
    later position and then miss this one."""
    tenant = f"kommune-{uuid.uuid4().hex[:10]}"
    engine = casekit.engine_on(pg_url, tenant=tenant)
    case = casekit.open_case(engine)
    done = threading.Event()
    with psycopg.connect(pg_url) as slow:  # a writer between its position and its COMMIT
        slow.execute("SELECT pg_advisory_xact_lock(hashtext('btiflow feed ' || %s))", (tenant,))

        def write() -> None:
            other = casekit.engine_on(pg_url, tenant=tenant)
            other.act(case.id, "add_note", TEACHER, text="Senere")
            other.store.close()
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.5)
        assert not done.is_set()  # it waits for the slow one's COMMIT (or ROLLBACK)
        assert [e.seq for e in engine.events()] == [1]
        slow.rollback()
    writer.join(timeout=10)
    assert done.is_set()
    assert [(e.position, e.seq) for e in engine.events()] == [(1, 1), (2, 2)]
    engine.store.close()
