"""PostgreSQL failing under an act: a commit lost on the wire, a server crash and restart, a frozen
server. An act's outcome is known (written, or not and a plain StoreError) except when it truly
cannot be learned (CommitUnknown); the same store works again once the server is back."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Iterator

import casekit
import pgserver
import pytest
from casekit import TEACHER, Clock
from pgproxy import Proxy

from btiflow.case.kinds import NoteAdded
from btiflow.engine import Engine
from btiflow.errors import CommitUnknown, StoreError
from btiflow.store.postgres import PostgresStore


@pytest.fixture(scope="module")
def server() -> Iterator[pgserver.Server]:
    """A cluster of this module's own: these tests crash, restart and freeze it."""
    try:
        pgserver.bindir()
    except pgserver.NoPostgres as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL tests skipped outside CI: {exc}")
    # fsync off: a crash here is the server's processes dying, not the machine, so the page
    # cache keeps every commit; and recovery after each crash takes a fraction of the time.
    with pgserver.server("-c fsync=off") as running:
        yield running


@pytest.fixture
def proxy(server: pgserver.Server) -> Iterator[Proxy]:
    wire = Proxy(server.url)
    yield wire
    wire.close()


def _engine(url: str, timeout: float = 5.0) -> Engine:
    store = PostgresStore(url, tenant=f"kommune-{uuid.uuid4().hex[:8]}", timeout=timeout)
    return Engine(casekit.workflow(), store, clock=Clock())


def _notes(engine: Engine, case_id: str) -> list[str]:
    return [e.body.text for e in engine.log(case_id) if isinstance(e.body, NoteAdded)]


def test_a_commit_lost_after_the_server_wrote_it_is_a_success(proxy: Proxy) -> None:
    """The answer to COMMIT never arrives, but the entry landed: the act returns normally."""
    engine = _engine(proxy.url)
    try:
        case = casekit.open_case(engine)
        proxy.cut_at_commit(after=True)
        after = engine.act(case.id, "add_note", TEACHER, text="Skrevet")
        assert proxy.cuts == 1
        assert after.seq == case.seq + 1
        assert _notes(engine, case.id) == ["Skrevet"]
        assert engine.verify().ok
    finally:
        engine.store.close()


def test_a_commit_lost_before_the_server_saw_it_is_a_plain_store_error(proxy: Proxy) -> None:
    """The COMMIT never reaches the server: StoreError (not CommitUnknown), nothing written,
    and trying again with the same store writes it once."""
    engine = _engine(proxy.url)
    try:
        case = casekit.open_case(engine)
        proxy.cut_at_commit(after=False)
        with pytest.raises(StoreError) as raised:
            engine.act(case.id, "add_note", TEACHER, text="Skrevet")
        assert not isinstance(raised.value, CommitUnknown)
        assert _notes(engine, case.id) == []
        engine.act(case.id, "add_note", TEACHER, text="Skrevet")
        assert _notes(engine, case.id) == ["Skrevet"]
        assert engine.verify().ok
    finally:
        engine.store.close()


def test_commit_unknown_only_when_the_server_cannot_be_asked(proxy: Proxy) -> None:
    """The answer to COMMIT is lost and the server cannot be reached to ask: CommitUnknown,
    naming the case and entry; once it can be asked, the entry is there, once."""
    engine = _engine(proxy.url, timeout=1.0)
    try:
        case = casekit.open_case(engine)
        proxy.down = True  # new connections refused; the open one works until the cut
        proxy.cut_at_commit(after=True)
        with pytest.raises(CommitUnknown) as raised:
            engine.act(case.id, "add_note", TEACHER, text="Skrevet")
        assert (raised.value.case_id, raised.value.seq) == (case.id, case.seq + 1)
        assert isinstance(raised.value, StoreError)
        proxy.down = False
        assert _notes(engine, case.id) == ["Skrevet"]
    finally:
        engine.store.close()


def test_the_same_store_works_again_after_a_server_restart(server: pgserver.Server) -> None:
    """A crash and restart of the server: the store's next act reconnects and succeeds."""
    engine = _engine(server.url)
    try:
        case = casekit.open_case(engine)
        server.ctl("stop", "-m", "immediate")  # a crash
        server.ctl("start")
        engine.act(case.id, "add_note", TEACHER, text="Etter omstart")
        assert _notes(engine, case.id) == ["Etter omstart"]
        assert engine.verify().ok
    finally:
        engine.store.close()


def test_an_act_on_a_frozen_server_fails_within_the_timeout(server: pgserver.Server) -> None:
    """Every server process stopped (SIGSTOP): the act fails within its timeout, writes
    nothing, and the store works once the server runs again."""
    timeout = 1.5
    engine = _engine(server.url, timeout=timeout)
    try:
        case = casekit.open_case(engine)
        pids = server.pids()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            start = time.monotonic()
            with pytest.raises(StoreError):
                engine.act(case.id, "add_note", TEACHER, text="Fryst")
            took = time.monotonic() - start
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        assert took < 2 * timeout + 1, took
        assert _notes(engine, case.id) in ([], ["Fryst"])
        engine.act(case.id, "add_note", TEACHER, text="Etterpå")
        assert _notes(engine, case.id)[-1] == "Etterpå"
        assert engine.verify().ok
    finally:
        engine.store.close()


def test_server_crashes_during_acts_leave_no_undocumented_outcome(
    server: pgserver.Server,
) -> None:
    """The server killed (immediate stop) at a random moment while acts run: an act that
    returned is in the log, one that raised a plain StoreError is not, CommitUnknown may be
    either; after the restart the same store goes on and the log verifies."""
    engine = _engine(server.url, timeout=1.0)
    rng = random.Random(11)
    try:
        case = casekit.open_case(engine)
        outcomes: dict[str, str] = {}
        for round_ in range(2):
            stop = threading.Event()

            def acts(round_: int = round_, stop: threading.Event = stop) -> None:
                n = 0
                while not stop.is_set():
                    text = f"runde {round_} nr {n}"
                    n += 1
                    try:
                        engine.act(case.id, "add_note", TEACHER, text=text)
                        outcomes[text] = "written"
                    except CommitUnknown:
                        outcomes[text] = "unknown"
                    except StoreError:
                        outcomes[text] = "not written"
                        time.sleep(0.05)

            worker = threading.Thread(target=acts)
            worker.start()
            time.sleep(rng.uniform(0.1, 0.4))
            server.ctl("stop", "-m", "immediate")
            time.sleep(0.2)
            server.ctl("start")
            stop.set()
            worker.join(timeout=30)
            assert not worker.is_alive()
        notes = _notes(engine, case.id)
        assert len(notes) == len(set(notes))
        for text, outcome in outcomes.items():
            if outcome == "written":
                assert text in notes, text
            elif outcome == "not written":
                assert text not in notes, text
        assert "not written" in outcomes.values()  # the crashes did hit acts
        assert engine.verify().ok
    finally:
        engine.store.close()
