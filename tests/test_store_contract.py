"""The store contract: every store (SQLite, PostgreSQL) passes the same tests, run on each."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, cast

import attrs
import casekit
import pytest
from casekit import TEACHER, Clock
from hypothesis import given, settings
from hypothesis import strategies as st
from storekit import Backend

from btiflow.case.entries import canonical_json
from btiflow.case.fold import fold, to_data
from btiflow.case.kinds import LeaderInformed, MinutesRecorded, NoteAdded, body_data
from btiflow.case.state import Case
from btiflow.engine import Engine, retry
from btiflow.errors import CaseNotFound, ConflictError
from btiflow.store.base import ChainHead, FeedEvent, Receipt, SessionStore, Store


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(backend: Backend, clock: Clock) -> Engine:
    return Engine(casekit.workflow(), backend.open(), clock=clock)


def realistic_run(engine: Engine, clock: Clock) -> list[Case]:
    """A few cases at different points: closed at level 0, level 1 with measures, level 2."""
    return [
        casekit.closed_at_level_0(engine, "elev-a"),
        casekit.open_case(engine, "elev-b"),
        casekit.at_level_1(engine, "elev-c"),
        casekit.with_measures(engine, clock, "elev-d", clock.in_days(14)),
        casekit.handed_to_nurse(engine, clock, "elev-e"),
    ]


def everything(store: Store) -> tuple[Any, ...]:
    """Every case's log, state and head as the store gives them: to show nothing changed."""
    ids = store.case_ids()
    return (ids, [store.entries(c) for c in ids], [store.load(c) for c in ids], store.heads())


# --- append-only, enforced by the database -------------------------------------------------


def test_update_of_an_entry_is_refused_by_the_database(engine: Engine, backend: Backend) -> None:
    """An UPDATE on entries fails inside the database, whoever runs it."""
    case = casekit.open_case(engine)
    with pytest.raises(Exception, match="append-only"):
        backend.run("UPDATE entries SET data = '{}' WHERE case_id = ?", case.id)
    assert engine.verify().ok


def test_delete_of_an_entry_is_refused_by_the_database(engine: Engine, backend: Backend) -> None:
    """A DELETE on entries fails inside the database, whoever runs it."""
    case = casekit.open_case(engine)
    with pytest.raises(Exception, match="append-only"):
        backend.run("DELETE FROM entries WHERE case_id = ?", case.id)
    assert len(engine.log(case.id)) == 1


# --- tamper evidence -----------------------------------------------------------------------


def test_verify_names_the_case_and_seq_of_a_changed_entry(
    engine: Engine, clock: Clock, backend: Backend
) -> None:
    """Changing one entry's data behind the store's back is caught, at that case and seq."""
    target = realistic_run(engine, clock)[3]
    assert engine.verify().ok
    entry = next(e for e in engine.log(target.id) if e.kind == "minutes_recorded")
    data = body_data(attrs.evolve(entry.body_as(MinutesRecorded), text="Endret i ettertid"))
    backend.tamper(
        "UPDATE entries SET data = ? WHERE case_id = ? AND seq = ?",
        json.dumps(data),
        target.id,
        entry.seq,
    )
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(target.id, entry.seq)]
    assert report.problems[0].code == "data_not_sealed"  # not the text that was hashed
    assert "changed" in report.problems[0].message
    assert str(report.problems[0]).startswith(f"{target.id} entry {entry.seq}:")
    assert report.problems[0].said("nb") == (
        f"{target.id} oppføring {entry.seq}: innholdet er ikke teksten som ble forseglet (endret)"
    )


def test_verify_names_an_entry_changed_so_it_no_longer_fits_its_kind(
    engine: Engine, clock: Clock, backend: Backend
) -> None:
    """An entry whose stored data lost a key its kind needs is named by verify, not a crash."""
    target = realistic_run(engine, clock)[3]
    entry = next(e for e in engine.log(target.id) if e.kind == "minutes_recorded")
    data = {key: value for key, value in entry.data.items() if key != "text"}
    backend.tamper(
        "UPDATE entries SET data = ? WHERE case_id = ? AND seq = ?",
        json.dumps(data),
        target.id,
        entry.seq,
    )
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(target.id, entry.seq)]
    assert report.problems[0].code == "entry_unreadable"
    assert "does not fit its kind (changed)" in report.problems[0].message
    assert "innholdet passer ikke til typen oppføring (endret)" in report.problems[0].words("nb")


def test_verify_catches_a_changed_entry_even_with_its_hash_recomputed(
    engine: Engine, backend: Backend
) -> None:
    """Rewriting an entry and its own hash breaks the next entry's link."""
    case = casekit.at_level_1(engine, "elev-x")
    victim = engine.log(case.id)[2]
    forged = attrs.evolve(
        victim, body=attrs.evolve(victim.body_as(LeaderInformed), leader="en-annen"), hash=""
    )
    forged = attrs.evolve(forged, content_hash=forged.compute_content_hash())
    backend.tamper(
        "UPDATE entries SET data = ?, content_hash = ?, hash = ? WHERE case_id = ? AND seq = ?",
        canonical_json(forged.data),
        forged.content_hash,
        forged.compute_hash(),
        case.id,
        victim.seq,
    )
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(case.id, victim.seq + 1)]


def test_verify_catches_a_deleted_last_entry(
    engine: Engine, clock: Clock, backend: Backend
) -> None:
    """Removing a case's newest entry (trigger bypassed) is caught and names the missing seq."""
    target = realistic_run(engine, clock)[2]
    last = engine.log(target.id)[-1].seq
    backend.tamper("DELETE FROM entries WHERE case_id = ? AND seq = ?", target.id, last)
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(target.id, last)]
    assert (report.problems[0].code, report.problems[0].values) == (
        "head_beyond_log",
        {"head": last},
    )
    assert "missing" in report.problems[0].message


def test_verify_catches_a_deleted_middle_entry(engine: Engine, backend: Backend) -> None:
    """Removing an entry from the middle of a log is caught at the gap."""
    case = casekit.at_level_1(engine, "elev-y")
    backend.tamper("DELETE FROM entries WHERE case_id = ? AND seq = 4", case.id)
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(case.id, 4)]


def test_verify_catches_a_state_row_that_differs_from_the_log(
    engine: Engine, backend: Backend
) -> None:
    """A cases row edited directly (here: another baton holder) no longer equals the fold."""
    case = casekit.at_level_1(engine, "elev-z")
    [(text,)] = backend.run("SELECT state FROM cases WHERE case_id = ?", case.id)
    state = json.loads(text)
    state["baton_holder"] = None
    backend.tamper("UPDATE cases SET state = ? WHERE case_id = ?", json.dumps(state), case.id)
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(case.id, case.seq)]


# --- optimistic concurrency ----------------------------------------------------------------


class StaleReads:
    """A store whose ``load`` lets another engine act first, ``times`` times: a stale reader."""

    def __init__(self, store: Store, meanwhile: Callable[[], object], times: int) -> None:
        self._store = store
        self._meanwhile = meanwhile
        self.left = times

    def load(self, case_id: str) -> Case:
        state = self._store.load(case_id)
        if self.left:
            self.left -= 1
            self._meanwhile()
        return state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def two_engines(
    backend: Backend, clock: Clock, times: int
) -> tuple[Engine, Engine, StaleReads, Case]:
    """Two engines on one database; the first reads, then the second acts, then the first."""
    second = Engine(casekit.workflow(), backend.open(), clock=clock)
    case = casekit.at_level_1(second, "elev-s")
    stale = StaleReads(
        backend.open(),
        lambda: second.act(case.id, "add_note", TEACHER, text="Den andre skriver først"),
        times,
    )
    first = Engine(casekit.workflow(), stale, clock=clock)
    return first, second, stale, case


def test_a_stale_writer_gets_conflict_and_writes_nothing(backend: Backend, clock: Clock) -> None:
    """The first engine read before the second acted: ConflictError, and only the second's entry."""
    first, second, _, case = two_engines(backend, clock, times=1)
    with pytest.raises(ConflictError) as info:
        first.act(case.id, "add_note", TEACHER, text="Den første kommer for sent")
    assert info.value.case_id == case.id
    assert info.value.expected_seq == case.seq + 1
    log = second.log(case.id)
    assert [e.body_as(NoteAdded).text for e in log[case.seq :]] == ["Den andre skriver først"]
    before = everything(second.store)
    stale_state = fold(log[: case.seq])
    with pytest.raises(ConflictError):  # the store refuses the stale seq on its own too
        first.store.append(log[case.seq :], stale_state, expected_seq=case.seq - 1)
    with pytest.raises(ConflictError):  # and an entry whose seq is taken, whatever the state
        first.store.append(log[case.seq :], second.case(case.id), expected_seq=case.seq + 1)
    assert everything(backend.open()) == before
    assert second.verify().ok


def test_retry_recovers_from_a_conflict(backend: Backend, clock: Clock) -> None:
    """btiflow.retry re-reads and acts again: both writers' entries end up in the log."""
    first, second, stale, case = two_engines(backend, clock, times=2)
    state = retry(lambda: first.act(case.id, "add_note", TEACHER, text="Til slutt"))
    assert stale.left == 0
    texts = [e.body_as(NoteAdded).text for e in second.log(case.id)[case.seq :]]
    assert texts == ["Den andre skriver først", "Den andre skriver først", "Til slutt"]
    assert state.seq == case.seq + 3
    assert second.verify().ok


def test_retry_surfaces_the_conflict_when_attempts_run_out(backend: Backend, clock: Clock) -> None:
    """Every attempt stale: retry raises ConflictError, and the first writer wrote nothing."""
    first, second, _, case = two_engines(backend, clock, times=10)
    with pytest.raises(ConflictError):
        retry(lambda: first.act(case.id, "add_note", TEACHER, text="Aldri"), attempts=3)
    texts = [e.body_as(NoteAdded).text for e in second.log(case.id)[case.seq :]]
    assert texts == ["Den andre skriver først"] * 3


def test_opening_a_case_id_twice_is_a_conflict(engine: Engine) -> None:
    """A second case_opened for the same id (expected_seq 0) is refused as a conflict."""
    case = casekit.open_case(engine)
    with pytest.raises(ConflictError):
        engine.store.append(engine.log(case.id), case, expected_seq=0)
    assert engine.verify().ok


# --- projections ---------------------------------------------------------------------------


def test_the_cases_row_equals_the_fold_for_every_case(
    engine: Engine, clock: Clock, backend: Backend
) -> None:
    """After a realistic run, each case's state row (and its columns) equals fold(entries)."""
    mine = {c.id for c in realistic_run(engine, clock)}
    rows = backend.run(
        "SELECT case_id, state, status, level, step, baton_holder, baton_unit, "
        "next_evaluation_due, last_seq, head_hash FROM cases"
    )
    rows = [r for r in rows if r[0] in mine]  # other tests' tenants share a PostgreSQL database
    assert len(rows) == 5
    for case_id, state, *columns in rows:
        folded = fold(engine.log(case_id))
        assert json.loads(state) == to_data(folded)
        holder = folded.baton_holder
        due = columns[5]
        columns[5] = None if due is None else str(due)  # a DATE on PostgreSQL, text in SQLite
        assert columns == [
            folded.status,
            folded.level,
            folded.step,
            holder.id if holder else None,
            holder.unit if holder else None,
            folded.next_evaluation_due if folded.is_open else None,
            folded.seq,
            folded.head_hash,
        ]
        assert engine.case(case_id) == folded
    assert {r[3] for r in rows} == {0, 1, 2}
    assert engine.verify().ok


def test_heads_export_the_last_entry_of_every_case(engine: Engine, clock: Clock) -> None:
    """heads() gives each case's last seq and hash, sorted by case id: a witness to keep."""
    cases = realistic_run(engine, clock)
    expected = [ChainHead(c.id, engine.log(c.id)[-1].seq, engine.log(c.id)[-1].hash) for c in cases]
    assert engine.store.heads() == sorted(expected, key=lambda h: h.case_id)
    casekit.open_case(engine, "elev-ny")
    assert len(engine.store.heads()) == len(cases) + 1


def test_a_kept_state_is_not_used_once_another_writer_appended(
    engine: Engine, backend: Backend, clock: Clock
) -> None:
    """After another store appends to a case, load() returns the new state, not the kept one."""
    case = casekit.at_level_1(engine, "elev-k")
    assert engine.case(case.id) == case
    other = Engine(casekit.workflow(), backend.open(), clock=clock)
    moved = other.act(case.id, "add_note", TEACHER, text="Fra en annen prosess")
    assert engine.case(case.id) == moved
    assert engine.case(case.id).seq == case.seq + 1


def test_a_missing_case_gives_case_not_found(engine: Engine) -> None:
    """Loading, listing or acting on an unknown case id raises CaseNotFound."""
    for call in (
        lambda: engine.case("finnes-ikke"),
        lambda: engine.log("finnes-ikke"),
        lambda: engine.act("finnes-ikke", "add_note", TEACHER, text="x"),
    ):
        with pytest.raises(CaseNotFound):
            call()


def test_the_access_log_is_written_with_the_action(engine: Engine, backend: Backend) -> None:
    """Each action leaves its access record, in order, and the access log is append-only."""
    case = casekit.at_level_1(engine, "elev-logg")
    records = engine.store.access_log(case.id)
    assert [r.what for r in records][:2] == ["action:open_case", "action:complete_step"]
    assert records[-1].seq == case.seq
    with pytest.raises(Exception, match="append-only"):
        backend.run("DELETE FROM access_log WHERE case_id = ?", case.id)


# --- due and overdue, with an injected clock ------------------------------------------------


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("late_evening", "after_midnight"),
    [
        # summer time (UTC+2): 21:30 UTC is 23:30 in Oslo, 22:30 UTC is 00:30 the next day
        (utc(2026, 9, 20, 21, 30), utc(2026, 9, 20, 22, 30)),
    ],
)
def test_overdue_turns_at_midnight_in_oslo_not_utc(
    engine: Engine, clock: Clock, late_evening: dt.datetime, after_midnight: dt.datetime
) -> None:
    """A case due on a day is overdue from 00:00 Europe/Oslo the next day, by the injected clock."""
    due = "2026-09-20"
    case = casekit.with_measures(engine, clock, "elev-frist", due)
    casekit.closed_at_level_0(engine, "elev-lukket")
    clock.now = late_evening
    assert engine.overdue() == []
    assert [d.case_id for d in engine.due(within=dt.timedelta(0))] == [case.id]
    clock.now = after_midnight
    overdue = engine.overdue()
    assert [(d.case_id, d.due.isoformat(), d.baton_holder) for d in overdue] == [
        (case.id, due, TEACHER.id)
    ]
    assert isinstance(overdue[0].due, dt.date)
    assert engine.due(within=dt.timedelta(days=30)) == []


def test_due_and_overdue_stream_in_pages_of_any_size(engine: Engine, clock: Clock) -> None:
    """iter_due and iter_overdue, in pages of any size and from any row on, give the rows of
    due() and overdue() as tuples, in due-day then case-id order (ties on a day included)."""
    for n, days in enumerate([3, 10, 3, 21, 3, 10, 28]):
        casekit.with_measures(engine, clock, f"elev-{n}", clock.in_days(days))
    casekit.closed_at_level_0(engine, "elev-lukket")
    clock.advance(days=11)
    overdue = [attrs.astuple(d) for d in engine.overdue()]
    due = [attrs.astuple(d) for d in engine.due(within=dt.timedelta(days=17))]
    assert (len(overdue), len(due)) == (5, 2)
    assert all(type(row) is tuple for row in engine.iter_overdue())

    @given(page=st.integers(1, 7), start=st.integers(0, 5), due_from=st.integers(-12, 0))
    @settings(max_examples=40, deadline=None)
    def pages(page: int, start: int, due_from: int) -> None:
        after = None if start == 0 else (overdue[start - 1][1], overdue[start - 1][0])
        assert list(engine.iter_overdue(after=after, page=page)) == overdue[start:]
        # a window that begins in the past: the page's lower bound is the tighter of the two
        at = clock.today + dt.timedelta(days=due_from)
        window = [attrs.astuple(d) for d in engine.due(at, within=dt.timedelta(days=30))]
        assert list(engine.iter_due(at, within=dt.timedelta(30), page=page)) == window
        streamed = engine.iter_due(at, within=dt.timedelta(30), after=after, page=page)
        rest = window if after is None else [r for r in window if (r[1], r[0]) > after]
        assert list(streamed) == rest

    pages()
    assert list(engine.iter_due(within=dt.timedelta(days=17), page=1)) == due


def test_due_window_starts_on_the_oslo_day(engine: Engine, clock: Clock) -> None:
    """due() counts days from the Oslo date of the moment, so 23:30 UTC already looks ahead."""
    case = casekit.with_measures(engine, clock, "elev-uke", "2026-09-28")
    clock.now = utc(2026, 9, 20, 21, 30)
    assert engine.due() == []
    clock.now = utc(2026, 9, 20, 23, 30)
    assert [d.case_id for d in engine.due()] == [case.id]


@pytest.mark.parametrize("bad_id", [["sak"], 42, None, "sak\ud800", "sak\x00x"])
def test_an_id_no_store_could_hold_is_not_found(engine: Engine, bad_id: Any) -> None:
    """An id of the wrong type, with a lone surrogate or a NUL: CaseNotFound, no driver's error."""
    store = engine.store
    with pytest.raises(CaseNotFound):
        store.load(bad_id)
    with pytest.raises(CaseNotFound):
        store.entries(bad_id)
    with pytest.raises(CaseNotFound):
        store.access_log(bad_id)


# --- idempotency receipts and the event feed -------------------------------------------------


def test_a_receipt_is_written_with_the_entries_and_found_per_caller(engine: Engine) -> None:
    case = casekit.open_case(engine)
    kept = Receipt("person:laerer-a", "k-1", "f" * 64, 200, '{"ETag": "\\"2\\""}', '{"a":1}')
    engine.act(case.id, "add_note", TEACHER, text="x")  # no receipt: nothing kept
    state = engine.act_with(case.id, "add_note", TEACHER, {"text": "y"}, receipt=lambda s: kept)
    assert engine.store.receipt("person:laerer-a", "k-1") == kept
    assert engine.store.receipt("person:laerer-b", "k-1") is None
    assert engine.store.receipt("person:laerer-a", "k-2") is None
    before = everything(engine.store)
    with pytest.raises(ConflictError):  # the key is taken: nothing of this append is written
        engine.act_with(case.id, "add_note", TEACHER, {"text": "z"}, receipt=lambda s: kept)
    assert everything(engine.store) == before
    assert engine.case(case.id).seq == state.seq


def test_the_feed_lists_every_entry_once_in_order_without_content(
    engine: Engine, clock: Clock
) -> None:
    cases = realistic_run(engine, clock)
    feed = engine.events(0, 1000)
    assert [e.position for e in feed] == list(range(1, len(feed) + 1))
    logged = {(c.id, e.seq, e.kind, e.time) for c in cases for e in engine.log(c.id)}
    assert {(e.case_id, e.seq, e.kind, e.time) for e in feed} == logged
    assert len(feed) == len(logged)
    paged = engine.events(0, 3) + engine.events(3, 1000)
    assert paged == feed
    assert engine.events(len(feed), 10) == []
    assert set(attrs.fields_dict(FeedEvent)) == {"position", "case_id", "seq", "kind", "time"}


# --- the web pages' sessions (btiflow.server.sessions) ---------------------------------------


def test_sessions_are_kept_replaced_deleted_and_purged(backend: Backend) -> None:
    """A session row by key: written, written again, read, deleted; idle ones purged."""
    store = cast(SessionStore, backend.open())
    assert store.session_get("k1") is None
    store.session_put("k1", '{"csrf": "a"}', 1000.0)
    store.session_put("k2", '{"csrf": "b"}', 2000.0)
    store.session_put("k1", '{"csrf": "c"}', 1500.0)
    assert store.session_get("k1") == ('{"csrf": "c"}', 1500.0)
    assert store.session_purge(1600.0) == 1
    assert store.session_get("k1") is None
    store.session_delete("k2")
    assert store.session_get("k2") is None
    store.session_delete("k2")  # deleting an ended session again is no error


def test_sessions_write_nothing_in_any_relay_log(engine: Engine, backend: Backend) -> None:
    """Sessions live beside the relay log: no entry, state or access row changes."""
    casekit.open_case(engine)
    before = everything(engine.store)
    store = cast(SessionStore, engine.store)
    store.session_put("k", "{}", 1.0)
    store.session_delete("k")
    assert everything(engine.store) == before
    assert engine.verify().ok
