"""Moving municipality: a case leaves one store in a signed bundle and enters another.

A family that moves may take the case along, with their consent (``consent_to_transfer``: a
``transfer_consented`` entry by a guardian of the case or the young person). ``export_case``
writes a bundle (JSON): every entry of the case as stored, every guide version it pinned, its
chain head, the sending municipality's name, signed with the sending store's Ed25519 key; the
sending case is then closed with a ``case_transferred`` entry (the bundle's checksum).
``import_case`` checks the signature against the sender's public key it is given, every
entry's hash and link, the guide versions' hashes and the family's consent, refuses a case
the store already holds, and writes the case with a ``case_received`` entry, in one
transaction. The case keeps its pinned guide version: the receiving municipality's guide may
differ, and the case moves to it only by a migration (``btiflow migrate``).

Only ``btiflow.transfer`` imports ``cryptography`` (the extra ``btiflow[transfer]``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from btiflow.access import AccessRecord
from btiflow.case.entries import Draft, Entry, canonical_json
from btiflow.case.fold import extend, fold
from btiflow.case.kinds import (
    CaseReceived,
    CaseTransferred,
    TransferConsented,
)
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.errors import BtiflowError, CaseNotFound, InWords, TransferError, os_reason
from btiflow.store.base import Store
from btiflow.store.check import check_chain, recorded_cut
from btiflow.store.rows import ENTRY_COLUMNS, UnreadableEntry, entry_from_row, entry_values
from btiflow.workflow.convert import unstructure
from btiflow.workflow.model import Workflow

__all__ = [
    "FORMAT",
    "Transfer",
    "consent_to_transfer",
    "export_case",
    "generate_key",
    "import_case",
    "load_private_key",
    "load_public_key",
]

FORMAT = "btiflow-transfer/1"
"""The bundle's ``format``."""

_NAMES = ENTRY_COLUMNS.split(", ")
_KEYS = {
    "format", "case_id", "source", "to", "exported_at", "exported_by", "entries", "workflows",
    "head", "key", "signature",
}  # fmt: skip


@attrs.frozen
class Transfer:
    """A bundle written or read: the case, its head, the bundle's SHA-256 and the sending
    municipality; ``path`` when written."""

    case_id: str
    head_seq: int
    head_hash: str
    checksum: str
    source: str
    to: str
    path: Path | None = None


# --- keys -------------------------------------------------------------------------------------


def generate_key(path: str | os.PathLike[str]) -> str:
    """Write a new Ed25519 private key (PEM, readable by its owner only) to ``path`` and its
    public key to ``path`` + ``.pub``; the public key's hex. Refused if either file exists."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    target, pub = Path(path), Path(f"{os.fspath(path)}.pub")
    for file in (target, pub):
        if file.exists():
            raise TransferError.coded("transfer.key_exists", path=str(file))
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(private)
        pub.write_bytes(public)
    except OSError as exc:
        raise TransferError.coded(
            "transfer.key_not_written", path=str(target), reason=os_reason(exc)
        ) from exc
    return _raw_hex(key.public_key())


def load_private_key(path: str | os.PathLike[str]) -> Any:
    """The Ed25519 private key in the PEM file ``path`` (TransferError if it is not one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise TransferError.coded("transfer.no_private_key", path=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise TransferError.coded("transfer.not_ed25519_private", path=str(path))
    return key


def load_public_key(path: str | os.PathLike[str]) -> Any:
    """The Ed25519 public key in the PEM file ``path`` (TransferError if it is not one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise TransferError.coded("transfer.no_public_key", path=str(path)) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise TransferError.coded("transfer.not_ed25519_public", path=str(path))
    return key


def _raw_hex(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw: bytes = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


# --- the family's consent -------------------------------------------------------------------


def consent_to_transfer(
    store: Store, case_id: str, *, by: Actor, to: str, now: dt.datetime | None = None
) -> Case:
    """Record the family's consent to moving the case to the municipality ``to``: by a
    guardian the case names, or the young person the case is about (role child)."""
    now = _aware(now)
    case = store.load(case_id)
    family = {g.id for g in case.guardians}
    if not (
        (by.role == "guardian" and by.id in family)
        or (by.role == "child" and case.is_subject(by.id))
    ):
        raise TransferError.coded("transfer.not_consenter", who=by.id, case=case.id)
    if not isinstance(to, str) or not to.strip():
        raise TransferError.coded("transfer.no_destination")
    if not case.is_open:
        raise TransferError.coded(
            "transfer.not_open", case=case.id, status=InWords(case.status, "status")
        )
    entries, state = extend(case, [Draft(TransferConsented(to=to.strip()))], by=by, time=now)
    record = AccessRecord(
        case.id, now, by.id, by.name, by.role, by.unit, "family", "consent_to_transfer",
        entries[-1].seq,
    )  # fmt: skip
    store.append(entries, state, expected_seq=case.seq, access=[record])
    return state


def _aware(now: dt.datetime | None) -> dt.datetime:
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise TransferError.coded("naive_time")
    return now


def _check_admin(by: Actor, what: str) -> None:
    if by.role != "admin":
        raise TransferError.coded(f"transfer.not_admin.{what}", who=by.id)


def _consent(log: Sequence[Entry]) -> TransferConsented | None:
    for entry in reversed(log):
        if isinstance(entry.body, TransferConsented):
            return entry.body
    return None


# --- export -----------------------------------------------------------------------------------


def export_case(
    store: Store,
    case_id: str,
    out_file: str | os.PathLike[str],
    *,
    key: Any,
    source: str,
    by: Actor,
    now: dt.datetime | None = None,
) -> Transfer:
    """Write the case's signed bundle to ``out_file`` and close the case here with a
    ``case_transferred`` entry. Refused (nothing written) without the family's consent, for
    a case purged or moved already, or a file that is already there or cannot be written."""
    _check_admin(by, "export")
    now = _aware(now)
    if not isinstance(source, str) or not source.strip():
        raise TransferError.coded("transfer.no_source")
    case = store.load(case_id)
    if case.status in ("purged", "transferred"):
        raise TransferError.coded(
            "transfer.nothing_to_move", case=case.id, status=InWords(case.status, "status")
        )
    log = store.entries(case.id)
    consent = _consent(log)
    if consent is None:
        raise TransferError.coded("transfer.no_consent", case=case.id)
    target = Path(out_file)
    if target.exists():
        raise TransferError.coded("transfer.file_exists", path=str(target))
    text = _bundle_text(store, case, log, key=key, source=source.strip(), to=consent.to, by=by,
                        now=now)  # fmt: skip
    checksum = hashlib.sha256(text).hexdigest()
    _write_private(target, text)
    body = CaseTransferred(
        to=consent.to, bundle=checksum, head_seq=case.seq, head_hash=case.head_hash
    )
    try:
        entries, state = extend(case, [Draft(body)], by=by, time=now)
        record = AccessRecord(
            case.id, now, by.id, by.name, by.role, by.unit, "admin", "export", entries[-1].seq
        )
        store.append(entries, state, expected_seq=case.seq, access=[record])
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return Transfer(case.id, case.seq, case.head_hash, checksum, source.strip(), consent.to, target)


def _bundle_text(
    store: Store,
    case: Case,
    log: Sequence[Entry],
    *,
    key: Any,
    source: str,
    to: str,
    by: Actor,
    now: dt.datetime,
) -> bytes:
    hashes = sorted({e.workflow_hash for e in log} | {case.workflow_hash})
    workflows = [_workflow_item(store.load_workflow(h)) for h in hashes if h]
    payload: dict[str, Any] = {
        "format": FORMAT,
        "case_id": case.id,
        "source": source,
        "to": to,
        "exported_at": now.isoformat(),
        "exported_by": by.id,
        "entries": [dict(zip(_NAMES, entry_values(e), strict=True)) for e in log],
        "workflows": workflows,
        "head": {"seq": case.seq, "hash": case.head_hash},
        "key": _raw_hex(key.public_key()),
    }
    signature = key.sign(canonical_json(payload).encode())
    bundle = {**payload, "signature": signature.hex()}
    return (json.dumps(bundle, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _workflow_item(workflow: Workflow) -> dict[str, str]:
    return {"hash": workflow.content_hash, "content": canonical_json(unstructure(workflow))}


def _write_private(target: Path, data: bytes) -> None:
    """``data`` to ``target`` whole or not at all, readable by its owner only."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=target.parent)
    except OSError as exc:
        raise TransferError.coded(
            "transfer.file_not_written", path=str(target), reason=os_reason(exc)
        ) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.link(tmp, target)  # fails if the target appeared meanwhile
    except OSError as exc:
        raise TransferError.coded(
            "transfer.file_not_written", path=str(target), reason=os_reason(exc)
        ) from exc
    finally:
        os.unlink(tmp)


# --- import -----------------------------------------------------------------------------------


def import_case(
    store: Store,
    data: bytes,
    *,
    sender_key: Any,
    by: Actor,
    now: dt.datetime | None = None,
) -> Transfer:
    """Take in a case from another municipality's bundle, checked end to end (see the
    module's docstring); refused with TransferError, nothing written, if anything fails."""
    _check_admin(by, "import")
    now = _aware(now)
    bundle = _parse(data)
    _check_signature(bundle, sender_key)
    case_id = bundle["case_id"]
    log = _entries(case_id, bundle["entries"])
    problem = check_chain(case_id, log)
    if problem is not None:
        raise TransferError.coded("transfer.chain_broken", problem=problem)
    head = bundle["head"]
    if head != {"seq": log[-1].seq, "hash": log[-1].hash}:
        raise TransferError.coded("transfer.head_not_last")
    if _consent(log) is None:
        raise TransferError.coded("transfer.consent_missing", case=case_id)
    if any(e.erased is not None for e in log):
        raise TransferError.coded("transfer.erased_entries", case=case_id)
    workflows = _workflows(bundle["workflows"])
    missing = {e.workflow_hash for e in log} - {w.content_hash for w in workflows}
    if missing:
        raise TransferError.coded("transfer.guide_missing", version=sorted(missing)[0][:12])
    try:
        store.load(case_id)
    except CaseNotFound:
        pass
    else:
        raise TransferError.coded("transfer.already_here", case=case_id)
    try:
        state = fold(log)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise TransferError.coded("transfer.not_replayable", reason=str(exc)) from exc
    if not state.is_open:
        raise TransferError.coded(
            "transfer.not_open", case=case_id, status=InWords(state.status, "status")
        )
    checksum = hashlib.sha256(data).hexdigest()
    body = CaseReceived(source=bundle["source"], bundle=checksum, key=bundle["key"])
    received, state = extend(state, [Draft(body)], by=by, time=now)
    record = AccessRecord(
        case_id, now, by.id, by.name, by.role, by.unit, "admin", "import", received[-1].seq
    )
    for workflow in workflows:
        store.save_workflow(workflow)
    # the sender's access log stays with the sender (who read the case there); a retention cut
    # its log records still sets where this store's access log chains from
    store.append(
        [*log, *received], state, expected_seq=0, access=[record], access_cut=recorded_cut(log)
    )
    return Transfer(case_id, log[-1].seq, log[-1].hash, checksum, bundle["source"], bundle["to"])


def _parse(data: bytes) -> dict[str, Any]:
    try:
        bundle = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TransferError.coded("transfer.not_json", reason=str(exc)) from exc
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise TransferError.coded("transfer.wrong_format", format=FORMAT)
    if set(bundle) != _KEYS:
        raise TransferError.coded("transfer.wrong_keys", keys=", ".join(sorted(_KEYS)))
    texts = ("case_id", "source", "to", "key", "signature")
    if not all(isinstance(bundle[k], str) for k in texts):
        raise TransferError.coded("transfer.not_texts")
    if not isinstance(bundle["entries"], list) or not isinstance(bundle["workflows"], list):
        raise TransferError.coded("transfer.not_lists")
    return bundle


def _check_signature(bundle: Mapping[str, Any], sender_key: Any) -> None:
    from cryptography.exceptions import InvalidSignature

    expected = _raw_hex(sender_key)
    if bundle["key"] != expected:
        raise TransferError.coded(
            "transfer.other_key", key=bundle["key"][:16], expected=expected[:16]
        )
    payload = {k: v for k, v in bundle.items() if k != "signature"}
    try:
        signature = bytes.fromhex(bundle["signature"])
        sender_key.verify(signature, canonical_json(payload).encode())
    except (ValueError, InvalidSignature) as exc:
        raise TransferError.coded("transfer.bad_signature") from exc


def _entries(case_id: str, items: Sequence[Any]) -> list[Entry]:
    log = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or set(item) != set(_NAMES):
            raise TransferError.coded("transfer.not_an_entry", n=n)
        row = tuple(item[name] for name in _NAMES)
        try:
            entry = entry_from_row(row)
        except (UnreadableEntry, TypeError, ValueError) as exc:
            raise TransferError.coded("transfer.entry_unreadable", n=n, reason=str(exc)) from exc
        if entry.case_id != case_id:
            raise TransferError.coded("transfer.other_case", n=n)
        if item["data"] != canonical_json(entry.data):
            raise TransferError.coded("transfer.not_sealed", n=n)
        log.append(entry)
    return log


def _workflows(items: Sequence[Any]) -> list[Workflow]:
    from btiflow.store.rows import workflow_from_row

    found = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"hash", "content"}:
            raise TransferError.coded("transfer.not_a_guide")
        try:
            found.append(workflow_from_row(item["hash"], item["content"]))
        except BtiflowError as exc:
            raise TransferError.coded("transfer.guide_unreadable", reason=str(exc)) from exc
    return found
