"""Moving municipality: a case leaves one store in a signed bundle and enters another, with its
chain intact; every bad bundle is refused and writes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import casekit
import pytest
from casekit import GUARDIAN, TEACHER, Clock
from storekit import Backend

from btiflow.case.people import Actor
from btiflow.engine import Engine
from btiflow.errors import ActionRefused, TransferError
from btiflow.store.base import Store
from btiflow.store.sqlite import SqliteStore
from btiflow.timeline import timeline
from btiflow.transfer import (
    consent_to_transfer,
    export_case,
    generate_key,
    import_case,
    load_private_key,
    load_public_key,
)
from btiflow.workflow.convert import structure, unstructure

ADMIN = Actor("arkivar-1", "admin", "Arkivtjenesten", "Arkivar A")
THEIR_ADMIN = Actor("arkivar-9", "admin", "Arkivet", "Arkivar Ny")
NOW = dt.datetime(2026, 10, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Any, Any]:
    generate_key(tmp_path / "nordvik.key")
    return load_private_key(tmp_path / "nordvik.key"), load_public_key(tmp_path / "nordvik.key.pub")


@pytest.fixture
def sender(backend: Backend) -> Engine:
    return Engine(casekit.workflow(), backend.open(), clock=Clock())


@pytest.fixture
def receiver(backend: Backend, tmp_path: Path) -> Store:
    """Another municipality's store: another SQLite file, or another PostgreSQL tenant."""
    if backend.name == "sqlite":
        store = SqliteStore(tmp_path / "mottaker.db")
        backend.opened.append(store)
        return store
    return backend.open(tenant=f"{backend.tenant}-mottaker")


def everything(store: Store) -> tuple[Any, ...]:
    ids = store.case_ids()
    return (
        ids,
        [store.entries(c) for c in ids],
        [store.load(c) for c in ids],
        [store.access_log(c) for c in ids],
        store.heads(),
        store.workflow_versions(),
    )


def moving_case(engine: Engine) -> str:
    case = casekit.at_level_1(engine, "elev-flytter")
    consent_to_transfer(engine.store, case.id, by=GUARDIAN, to="Sørvik kommune", now=NOW)
    return case.id


def exported(engine: Engine, tmp_path: Path, key: Any) -> tuple[str, bytes]:
    case_id = moving_case(engine)
    out = tmp_path / "flytting.json"
    export_case(engine.store, case_id, out, key=key, source="Nordvik kommune", by=ADMIN, now=NOW)
    return case_id, out.read_bytes()


def test_a_case_moves_with_its_chain_intact(
    sender: Engine, receiver: Store, keys: tuple[Any, Any], tmp_path: Path
) -> None:
    private, public = keys
    case_id, data = exported(sender, tmp_path, private)
    sent = sender.store.load(case_id)
    assert sent.status == "transferred"
    assert sender.store.entries(case_id)[-1].kind == "case_transferred"
    assert sender.store.verify().ok
    done = import_case(receiver, data, sender_key=public, by=THEIR_ADMIN, now=NOW)
    assert done.source == "Nordvik kommune"
    moved = receiver.entries(case_id)
    before = sender.store.entries(case_id)[:-1]
    assert moved[:-1] == before  # every entry as it was, hashes and all
    assert moved[-1].kind == "case_received"
    assert receiver.verify().ok
    text = timeline(moved)
    assert "Familien samtykker til at saken flyttes med til Sørvik kommune" in text
    assert f"Saken mottatt fra Nordvik kommune (kontrollsum {done.checksum[:12]})" in text
    case = receiver.load(case_id)
    assert case.is_open
    assert case.baton_holder is not None
    assert case.baton_holder.id == TEACHER.id


def test_a_case_with_a_cut_access_log_moves(
    backend: Backend, receiver: Store, keys: tuple[Any, Any], tmp_path: Path
) -> None:
    from btiflow.retention import purge

    data_wf = unstructure(casekit.workflow())
    data_wf["retention"] = {"after_archive": None, "access_log": "P1Y"}
    clock = Clock()
    engine = Engine(structure(data_wf), backend.open(), clock=clock)
    case_id = moving_case(engine)
    clock.advance(days=400)
    at = clock.now
    purge(engine.store, by=ADMIN, reference="Arkivplan", at=at)
    assert engine.store.entries(case_id)[-1].kind == "access_log_erased"
    out = tmp_path / "cut.json"
    export_case(engine.store, case_id, out, key=keys[0], source="Nordvik", by=ADMIN, now=at)
    import_case(receiver, out.read_bytes(), sender_key=keys[1], by=THEIR_ADMIN, now=at)
    assert receiver.verify().ok


def test_the_case_keeps_its_pinned_guide_in_the_new_municipality(
    sender: Engine, receiver: Store, keys: tuple[Any, Any], tmp_path: Path
) -> None:
    private, public = keys
    case_id, data = exported(sender, tmp_path, private)
    import_case(receiver, data, sender_key=public, by=THEIR_ADMIN, now=NOW)
    data_wf = unstructure(casekit.workflow())
    data_wf["id"], data_wf["version"] = "sorvik", "2027.1"
    theirs = structure(data_wf)
    engine = Engine(theirs, receiver, clock=Clock(NOW))
    case = engine.case(case_id)
    assert case.workflow_hash == casekit.workflow().content_hash != theirs.content_hash
    engine.act(case_id, "add_note", TEACHER, text="Eleven har startet på ny skole")
    assert receiver.load(case_id).workflow_id == "bti"
    assert receiver.verify().ok


def test_without_the_familys_consent_nothing_moves(
    sender: Engine, keys: tuple[Any, Any], tmp_path: Path, backend: Backend
) -> None:
    private, _public = keys
    case = casekit.at_level_1(sender, "elev-blir")
    before = everything(sender.store)
    with pytest.raises(TransferError, match="has not consented"):
        export_case(
            sender.store, case.id, tmp_path / "x.json", key=private, source="Nordvik", by=ADMIN
        )
    assert not (tmp_path / "x.json").exists()
    with pytest.raises(TransferError, match="may not consent"):
        consent_to_transfer(sender.store, case.id, by=TEACHER, to="Sørvik")
    assert everything(sender.store) == before


def _refused(receiver: Store, data: bytes, public: Any, match: str) -> None:
    before = everything(receiver)
    with pytest.raises(TransferError, match=match):
        import_case(receiver, data, sender_key=public, by=THEIR_ADMIN, now=NOW)
    assert everything(receiver) == before


def test_a_broken_signature_is_refused(
    sender: Engine, receiver: Store, keys: tuple[Any, Any], tmp_path: Path
) -> None:
    private, public = keys
    _case_id, data = exported(sender, tmp_path, private)
    bundle = json.loads(data)
    bundle["signature"] = ("0" if bundle["signature"][0] != "0" else "1") + bundle["signature"][1:]
    _refused(receiver, json.dumps(bundle).encode(), public, "signature does not verify")
    generate_key(tmp_path / "fremmed.key")
    stranger = load_public_key(tmp_path / "fremmed.key.pub")
    _refused(receiver, data, stranger, "signed by another key")
    _refused(receiver, b"{not json", public, "not a transfer bundle")


def test_a_tampered_entry_is_refused(
    sender: Engine, receiver: Store, keys: tuple[Any, Any], tmp_path: Path
) -> None:
    private, public = keys
    _case_id, data = exported(sender, tmp_path, private)
    bundle = json.loads(data)
    entry = bundle["entries"][1]
    entry["data"] = entry["data"].replace("}", ',"note":"x"}') if entry["data"] != "{}" else "{}"
    _refused(receiver, json.dumps(bundle).encode(), public, "signature does not verify")
    # re-signed by the sender's own key, a changed entry still breaks its chain
    bundle = json.loads(data)
    bundle["entries"][2]["time"] = "2026-09-01T08:00:00+00:00"
    payload = {k: v for k, v in bundle.items() if k != "signature"}
    from btiflow.case.entries import canonical_json

    bundle["signature"] = private.sign(canonical_json(payload).encode()).hex()
    _refused(receiver, json.dumps(bundle).encode(), public, "does not hold: .* entry 3")


def test_a_case_already_present_is_refused(
    sender: Engine, receiver: Store, keys: tuple[Any, Any], tmp_path: Path
) -> None:
    private, public = keys
    _case_id, data = exported(sender, tmp_path, private)
    import_case(receiver, data, sender_key=public, by=THEIR_ADMIN, now=NOW)
    _refused(receiver, data, public, "already in this store")


def test_a_moved_case_is_closed_at_the_sender(
    sender: Engine, keys: tuple[Any, Any], tmp_path: Path
) -> None:
    private, _public = keys
    case_id, _data = exported(sender, tmp_path, private)
    with pytest.raises(ActionRefused):
        sender.act(case_id, "add_note", TEACHER, text="Etter flyttingen")
    with pytest.raises(TransferError, match="transferred"):
        export_case(
            sender.store, case_id, tmp_path / "igjen.json", key=private, source="N", by=ADMIN
        )
    other = moving_case(sender)
    before = everything(sender.store)
    with pytest.raises(TransferError, match="already there"):
        export_case(
            sender.store, other, tmp_path / "flytting.json", key=private, source="N", by=ADMIN
        )
    assert everything(sender.store) == before


def test_the_commands_export_and_import(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from btiflow.cli import main

    engine = Engine(casekit.workflow(), SqliteStore(tmp_path / "nordvik.db"), clock=Clock())
    case_id = moving_case(engine)
    engine.store.close()
    runner = CliRunner()
    key = str(tmp_path / "nordvik.key")
    assert runner.invoke(main, ["transfer-key", key]).exit_code == 0
    assert runner.invoke(main, ["transfer-key", key]).exit_code == 1  # never overwritten
    bundle = str(tmp_path / "flytting.json")
    args = ["export", str(tmp_path / "nordvik.db"), case_id, "-o", bundle, "--key", key]
    result = runner.invoke(main, [*args, "--source", "Nordvik kommune", "--by", ADMIN.id])
    assert result.exit_code == 0, result.output
    assert Path(bundle).stat().st_mode & 0o077 == 0  # personal data: the owner's only
    target = str(tmp_path / "sorvik.db")
    imp = ["import", target, bundle, "--sender-key", key + ".pub", "--by", THEIR_ADMIN.id]
    result = runner.invoke(main, imp)
    assert result.exit_code == 0, result.output
    assert f"importerte saken {case_id} fra Nordvik kommune" in result.output
    result = runner.invoke(main, imp)
    assert result.exit_code == 1
    assert f"Feil: saken {case_id} finnes allerede i denne loggen" in result.output
    stranger = str(tmp_path / "fremmed.key")
    assert runner.invoke(main, ["transfer-key", stranger]).exit_code == 0
    refused = ["import", str(tmp_path / "ny.db"), bundle, "--sender-key", stranger + ".pub"]
    result = runner.invoke(main, [*refused, "--by", THEIR_ADMIN.id])
    assert result.exit_code == 1
    assert "Feil: pakken er signert med en annen nøkkel" in result.output
    assert not list(tmp_path.glob("ny.db*"))  # refused: no empty log left behind
    assert runner.invoke(main, ["verify", target]).exit_code == 0
