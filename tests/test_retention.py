"""Retention: purge after the guide's period, tombstones that keep the chain, legal holds, the
access log's own retention; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import casekit
import pytest
from casekit import GUARDIAN, TEACHER, Clock, to_level_1_decision
from storekit import Backend

from btiflow.case.entries import GENESIS, Draft, Tombstone
from btiflow.case.fold import extend
from btiflow.case.kinds import CaseArchived, CasePurged, LegalHoldPlaced
from btiflow.case.people import Actor
from btiflow.engine import Engine
from btiflow.errors import RetentionError
from btiflow.retention import access_cut_day, place_hold, purge, purge_day, release_hold
from btiflow.store.base import Erasure, Store
from btiflow.store.check import check_heads
from btiflow.store.sqlite import SqliteStore
from btiflow.timeline import timeline
from btiflow.workflow.convert import content_hash, structure, unstructure
from btiflow.workflow.fields import parse_period
from btiflow.workflow.model import Period, Retention, Workflow

ADMIN = Actor("arkivar-1", "admin", "Arkivtjenesten", "Arkivar A")
ARCHIVED = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2031, 11, 3, 10, 0, tzinfo=dt.UTC)  # P5Y after the archive day, and a day
CHANGES = "Eleven er mer med i leken"
AGREED = "Foresatte og skolen avslutter samarbeidet"
REFERENCE = "Arkivplan BTI, vedtak 2026/14"
FIXTURE = Path(__file__).parent / "fixtures" / "relay-log-0.1.0.sqlite"


def retained(after: str | None = "P5Y", access: str | None = "P1Y") -> Workflow:
    """The standard guide with retention periods (a new guide version)."""
    data = unstructure(casekit.workflow())
    data["version"] = "2026.2-retention"
    data["retention"] = {"after_archive": after, "access_log": access}
    return structure(data)


@pytest.fixture
def engine(backend: Backend) -> Engine:
    return Engine(retained(), backend.open(), clock=Clock())


def closed_case(engine: Engine) -> str:
    case = to_level_1_decision(engine)
    engine.act(case.id, "decide", TEACHER, outcome="close", changes=CHANGES, agreed=AGREED)
    return case.id


def mark_archived(store: Store, case_id: str, now: dt.datetime = ARCHIVED) -> None:
    """The case_archived entry an archive package writes (btiflow.archive), without the PDF."""
    case = store.load(case_id)
    body = CaseArchived(
        package="a" * 64, status=case.status, head_seq=case.seq, head_hash=case.head_hash
    )
    entries, state = extend(case, [Draft(body)], by=ADMIN, time=now)
    store.append(entries, state, expected_seq=case.seq)


def archived_case(engine: Engine) -> str:
    case_id = closed_case(engine)
    mark_archived(engine.store, case_id)
    return case_id


def rows(backend: Backend) -> tuple[Any, ...]:
    """Every row of the tables a purge writes: to show a refusal wrote nothing."""
    return tuple(
        backend.run(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
        for table in ("entries", "cases", "access_log", "workflows")
    )


# --- the period -------------------------------------------------------------------------------


def test_a_period_counts_calendar_years_and_months() -> None:
    assert parse_period("P5Y") == Period("P5Y", 5, 0, 0)
    assert parse_period("P1Y6M2W1D") == Period("P1Y6M2W1D", 1, 6, 15)
    assert parse_period("P0Y") is None
    assert parse_period("5 år") is None
    assert Period("P1Y", 1).after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert Period("P18M", 0, 18).after(dt.date(2026, 8, 31)) == dt.date(2028, 2, 29)
    one_year = Period("P1Y", 1)
    day = access_cut_day(one_year, dt.date(2027, 3, 1))
    assert day == dt.date(2026, 3, 2)
    assert one_year.after(day - dt.timedelta(days=1)) <= dt.date(2027, 3, 1) < one_year.after(day)


def test_the_guide_key_is_checked(tmp_path: Path) -> None:
    from btiflow.errors import WorkflowError
    from btiflow.workflow.load import load_workflow

    good = tmp_path / "good.yaml"
    good.write_text(
        "extends: bti\nformat: btiflow/1\nid: nordvik\nversion: '1'\n"
        "retention:\n  after_archive: P5Y\n  access_log: P2Y\n",
        encoding="utf-8",
    )
    wf = load_workflow(good)
    assert wf.retention.after_archive == Period("P5Y", 5)
    assert wf.retention.access_log == Period("P2Y", 2)
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("P2Y", "to år"), encoding="utf-8")
    with pytest.raises(WorkflowError, match=r"bad.yaml:7:15: ventet en periode som P5Y"):
        load_workflow(bad)


def test_a_guide_without_retention_keeps_its_content_hash() -> None:
    wf = casekit.workflow()
    assert structure(unstructure(wf)).content_hash == wf.content_hash
    with_retention = retained()
    assert content_hash(with_retention) == with_retention.content_hash
    assert content_hash(attrs.evolve(with_retention, retention=Retention())) != (
        with_retention.content_hash
    )


# --- the purge --------------------------------------------------------------------------------


def test_purge_erases_the_contents_and_the_chain_still_verifies(
    engine: Engine, backend: Backend
) -> None:
    case_id = archived_case(engine)
    other = casekit.open_case(engine, "elev-annen").id
    engine.view(case_id, GUARDIAN)  # an access-log row
    heads = engine.store.heads()
    store = engine.store
    assert purge_day(store.entries(case_id), retained()) == dt.date(2031, 11, 2)
    run = purge(store, by=ADMIN, reference=REFERENCE, at=DUE)
    # the other case is open: only its access log's old rows go (retention.access_log P1Y)
    assert sorted((i.case_id, i.what) for i in run.items) == sorted(
        [(case_id, "case"), (other, "access_log")]
    )
    log = store.entries(case_id)
    purged = log[-1]
    assert isinstance(purged.body, CasePurged)
    assert purged.body.reference == REFERENCE
    assert purged.body.access_rows > 0
    assert backend.run("SELECT 1 FROM access_log WHERE case_id = ?", case_id) == []
    for entry in log[:-1]:
        if entry.kind == "case_archived":
            assert entry.erased is None
            continue
        assert entry.erased == Tombstone(DUE.isoformat(), purged.seq, REFERENCE)
        assert (entry.actor, entry.role, entry.unit, entry.data) == ("", "", "", {})
    text = timeline(log)
    assert "Innhold slettet mandag 3. november 2031" in text
    assert f"oppbevaringstiden (fem år etter arkivering; {REFERENCE})" in text
    assert CHANGES not in text
    state = store.load(case_id)
    assert state.status == "purged"
    assert state.subject == ""
    assert store.access_log(case_id) == []
    report = store.verify()
    assert report.ok, report.problems
    assert [(n.case_id, n.code) for n in report.notes] == [(case_id, "erased")]
    assert "oppføringer tømt ved sletting (gravsteiner); kjeden holder" in report.notes[0].words(
        "nb"
    )
    assert check_heads(store, heads) == []
    assert store.load(other).status == "open"  # not archived: untouched


def test_the_purged_case_holds_no_content_in_the_file(tmp_path: Path) -> None:
    engine = Engine(retained(), SqliteStore(tmp_path / "relay.db"), clock=Clock())
    case_id = archived_case(engine)
    subject = engine.case(case_id).subject
    assert CHANGES.encode() in _file_bytes(tmp_path)  # in the file or its write-ahead log
    purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE)
    engine.store.close()
    data = _file_bytes(tmp_path)
    for text in (CHANGES, AGREED, subject, TEACHER.name, GUARDIAN.name, "Foresatt"):
        assert text.encode() not in data, text
    assert SqliteStore(tmp_path / "relay.db").verify().ok


def _file_bytes(directory: Path) -> bytes:
    """The database file with its write-ahead log and shared memory, as on disk."""
    return b"".join(p.read_bytes() for p in directory.iterdir() if p.name.startswith("relay.db"))


def test_verify_still_catches_a_changed_erased_entry(engine: Engine, backend: Backend) -> None:
    case_id = archived_case(engine)
    purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE)
    backend.tamper(
        "UPDATE entries SET time = ? WHERE case_id = ? AND seq = 2",
        "2026-09-02T07:00:00+00:00",
        case_id,
    )
    report = engine.store.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(case_id, 2)]


def test_an_erased_entry_cannot_be_changed_even_by_a_purge(
    engine: Engine, backend: Backend
) -> None:
    case_id = archived_case(engine)
    with pytest.raises(Exception, match="append-only"):
        backend.run("UPDATE entries SET data = '{}' WHERE case_id = ?", case_id)
    with pytest.raises(Exception, match="append-only"):
        backend.run("DELETE FROM access_log WHERE case_id = ?", case_id)


def test_a_purge_before_the_date_is_refused_and_writes_nothing(
    engine: Engine, backend: Backend
) -> None:
    case_id = archived_case(engine)
    before = rows(backend)
    early = DUE - dt.timedelta(days=2)
    with pytest.raises(RetentionError, match="may be purged from 2031-11-02"):
        purge(engine.store, by=ADMIN, reference=REFERENCE, at=early, case_ids=[case_id])
    assert rows(backend) == before
    run = purge(engine.store, by=ADMIN, reference=REFERENCE, at=early)
    assert [i.what for i in run.items] == ["access_log"]  # P1Y: only old access-log rows
    assert engine.store.load(case_id).status == "closed"
    assert engine.store.verify().ok


def test_a_case_not_archived_is_refused(engine: Engine, backend: Backend) -> None:
    case_id = closed_case(engine)
    before = rows(backend)
    with pytest.raises(RetentionError, match="not archived"):
        purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE, case_ids=[case_id])
    assert rows(backend) == before


def test_a_held_case_is_never_purged(engine: Engine, backend: Backend) -> None:
    case_id = archived_case(engine)
    held = place_hold(engine.store, case_id, by=ADMIN, reason="Tvist om tilrettelegging")
    assert held.legal_hold == "Tvist om tilrettelegging"
    assert engine.store.verify().ok
    before = rows(backend)
    with pytest.raises(RetentionError, match="legal hold"):
        purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE, case_ids=[case_id])
    run = purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE)
    assert (run.items, run.held) == ((), (case_id,))
    assert rows(backend) == before
    release_hold(engine.store, case_id, by=ADMIN, reason="Saken er avgjort")
    assert engine.store.load(case_id).legal_hold is None
    run = purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE)
    assert [i.case_id for i in run.items] == [case_id]
    assert engine.store.verify().ok


def test_only_an_admin_holds_or_purges_with_a_reason(engine: Engine, backend: Backend) -> None:
    case_id = archived_case(engine)
    before = rows(backend)
    with pytest.raises(RetentionError, match="administrator"):
        place_hold(engine.store, case_id, by=TEACHER, reason="x")
    with pytest.raises(RetentionError, match="reason"):
        place_hold(engine.store, case_id, by=ADMIN, reason="  ")
    with pytest.raises(RetentionError, match="not under a legal hold"):
        release_hold(engine.store, case_id, by=ADMIN, reason="x")
    with pytest.raises(RetentionError, match="administrator"):
        purge(engine.store, by=TEACHER, reference=REFERENCE, at=DUE)
    assert rows(backend) == before


def test_a_dry_run_lists_and_writes_nothing(engine: Engine, backend: Backend) -> None:
    case_id = archived_case(engine)
    before = rows(backend)
    run = purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE, dry_run=True)
    assert [(i.case_id, i.what) for i in run.items] == [(case_id, "case")]
    assert rows(backend) == before


def test_a_purged_case_is_not_purged_again_nor_held(engine: Engine) -> None:
    case_id = archived_case(engine)
    purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE)
    assert purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE).items == ()
    with pytest.raises(RetentionError, match="purged already"):
        purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE, case_ids=[case_id])
    with pytest.raises(RetentionError, match="purged"):
        place_hold(engine.store, case_id, by=ADMIN, reason="for sent")


# --- the access log's own retention ---------------------------------------------------------


def test_old_access_log_rows_are_cut_and_the_rest_still_chains(
    engine: Engine, backend: Backend
) -> None:
    clock = engine.clock
    assert isinstance(clock, Clock)
    case = casekit.at_level_1(engine, "elev-les")
    engine.view(case.id, TEACHER)
    old = len(engine.store.access_log(case.id))
    clock.advance(days=400)
    engine.view(case.id, TEACHER)
    at = clock.now + dt.timedelta(days=1)
    run = purge(engine.store, by=ADMIN, reference=REFERENCE, at=at)
    assert [(i.case_id, i.what, i.access_rows) for i in run.items] == [(case.id, "access_log", old)]
    assert len(engine.store.access_log(case.id)) == 1
    assert engine.store.entries(case.id)[-1].kind == "access_log_erased"
    assert engine.store.verify().ok
    engine.view(case.id, TEACHER)  # the chain goes on from what is left
    assert engine.store.verify().ok
    # a row removed behind the store's back is still caught
    backend.tamper(
        "DELETE FROM access_log WHERE id = (SELECT MIN(id) FROM access_log WHERE case_id = ?)",
        case.id,
    )
    assert not engine.store.verify().ok


# --- logs written before: hash form 1 -------------------------------------------------------


def test_an_old_log_verifies_and_a_purge_of_old_entries_is_reported(tmp_path: Path) -> None:
    copy = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, copy)
    store = SqliteStore(copy)
    assert store.verify().ok
    conn = sqlite3.connect(copy)
    forms = conn.execute("SELECT COUNT(*) FROM entries WHERE content_hash IS NULL").fetchone()
    conn.close()
    assert forms[0] > 200  # every entry 0.1.0 wrote is form 1
    case_id = next(c for c in store.case_ids() if store.load(c).status == "closed")
    case = store.load(case_id)
    body = CasePurged(
        workflow=_ref(case), opened_at=case.opened_at, closed_at=case.closed_at or "",
        archived_at=ARCHIVED.isoformat(), retention="P5Y", erased=case.seq, access_rows=0,
        reference=REFERENCE,
    )  # fmt: skip
    entries, state = extend(case, [Draft(body)], by=ADMIN, time=DUE)
    tomb = Tombstone(DUE.isoformat(), entries[-1].seq, REFERENCE)
    store.erase(Erasure(case_id, case.seq, tuple(entries), state, tomb, 0, GENESIS))
    report = store.verify()
    assert report.ok, report.problems
    assert [n.code for n in report.notes] == ["erased_old_form"]
    assert "hash form 1" in report.notes[0].message
    assert entries[-1].form == 2
    assert store.entries(case_id)[0].form == 1


def _ref(case: Any) -> Any:
    from btiflow.case.kinds import WorkflowRef

    return WorkflowRef(id=case.workflow_id, version=case.workflow_version, hash=case.workflow_hash)


def test_new_entries_are_sealed_in_form_2(engine: Engine) -> None:
    case = casekit.open_case(engine)
    entry = engine.store.entries(case.id)[0]
    assert entry.form == 2
    assert entry.content_hash == entry.compute_content_hash()
    assert entry.compute_hash() == entry.hash
    held = place_hold(engine.store, case.id, by=ADMIN, reason="Rettssak")
    assert engine.store.entries(case.id)[-1].body == LegalHoldPlaced(reason="Rettssak")
    assert held.legal_hold == "Rettssak"


# --- the command line -----------------------------------------------------------------------


def test_the_commands_hold_release_and_purge(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from btiflow.cli import main

    db = tmp_path / "relay.db"
    engine = Engine(retained(), SqliteStore(db), clock=Clock())
    case_id = archived_case(engine)
    engine.store.close()
    runner = CliRunner()
    admin = ["--by", ADMIN.id]
    ref = ["--reference", REFERENCE]
    result = runner.invoke(main, ["hold", str(db), case_id, "--reason", "Klagesak", *admin])
    assert result.exit_code == 0, result.output
    assert result.output == f"{case_id}: har nå bevaringsplikt\n"
    result = runner.invoke(main, ["purge", str(db), "--case", case_id, *ref, *admin])
    assert result.exit_code == 1
    assert f"Feil: saken {case_id} har bevaringsplikt; opphev den først" in result.output
    result = runner.invoke(main, ["release", str(db), case_id, "--reason", "Avgjort", *admin])
    assert result.exit_code == 0, result.output
    before = casekit.snapshot(Engine(retained(), SqliteStore(db), clock=Clock()))
    result = runner.invoke(main, ["purge", str(db), "--case", case_id, *ref, *admin])
    assert result.exit_code == 1  # today is long before 2031
    assert f"saken {case_id} kan slettes fra søndag 2. november 2031 (fem år etter" in (
        result.output
    )
    english = runner.invoke(
        main, ["--lang", "en", "purge", str(db), "--case", case_id, *ref, *admin]
    )
    assert "may be purged from 2031-11-02 (P5Y after it was archived)" in english.output
    result = runner.invoke(main, ["purge", str(db), "--dry-run", *ref, *admin])
    assert result.exit_code == 0, result.output
    assert "prøvekjøring: 0 sak(er) tømt" in result.output
    after = casekit.snapshot(Engine(retained(), SqliteStore(db), clock=Clock()))
    assert after[:2] == before[:2]
    result = runner.invoke(main, ["purge", str(db), "--at", "2999-01-01", *ref, *admin])
    assert result.exit_code == 2
    result = runner.invoke(main, ["verify", str(db)])
    assert result.exit_code == 0, result.output


def test_a_purged_and_cut_log_copies_to_another_store(backend: Backend, tmp_path: Path) -> None:
    from btiflow.store.copy import copy_log

    source = SqliteStore(tmp_path / "kilde.db")
    engine = Engine(retained(), source, clock=Clock())
    purged = archived_case(engine)
    kept = casekit.open_case(engine, "elev-aapen").id
    engine.view(kept, TEACHER)
    purge(source, by=ADMIN, reference=REFERENCE, at=DUE)
    assert source.load(kept).status == "open"
    engine.view(kept, TEACHER)  # a row after the cut
    target = backend.open()
    report = copy_log(source, target)
    assert report.target.ok, report.target.problems
    assert target.load(purged).status == "purged"
    assert target.access_log(kept) == source.access_log(kept)


def test_a_purged_case_takes_no_actions(engine: Engine) -> None:
    from btiflow.errors import ActionRefused

    case_id = archived_case(engine)
    purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE)
    with pytest.raises(ActionRefused):
        engine.act(case_id, "add_note", TEACHER, text="Etter slettingen")
    assert engine.store.verify().ok


def test_a_case_moved_away_is_purged_after_its_archive(engine: Engine, tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="the transfer extra (the minimum-versions step)")
    from btiflow.transfer import consent_to_transfer, export_case, generate_key, load_private_key

    case = casekit.at_level_1(engine, "elev-flyttet")
    consent_to_transfer(engine.store, case.id, by=GUARDIAN, to="Sørvik", now=ARCHIVED)
    generate_key(tmp_path / "k.key")
    key = load_private_key(tmp_path / "k.key")
    export_case(
        engine.store, case.id, tmp_path / "b.json", key=key, source="Nordvik", by=ADMIN,
        now=ARCHIVED,
    )  # fmt: skip
    mark_archived(engine.store, case.id)
    run = purge(engine.store, by=ADMIN, reference=REFERENCE, at=DUE, case_ids=[case.id])
    assert [i.what for i in run.items] == ["case"]
    assert engine.store.load(case.id).status == "purged"
    assert engine.store.verify().ok
