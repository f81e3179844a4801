"""Write a case's archive package, and record in its log that it was written.

A package is one directory, ``DIR/<case id>-<entries>``, holding the relay log document
(``stafettlogg.pdf``, PDF/A-3b), the Fiks Arkiv messages that file it (``arkivmelding*.xml``,
see ``btiflow.archive.arkivmelding``) and ``manifest.json``: every file's SHA-256 and size, the
log's head, and the order to send the messages in. The package's checksum is the SHA-256 of
``manifest.json``; a ``case_archived`` entry in the case's log records it, with who archived.

Everything is checked and built before anything is written; the files go to a hidden directory
that is renamed into place, then the entry is appended, and the directory is removed again if
the append fails. So a refused or failed run leaves neither files nor entries behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from btiflow.access import AccessRecord
from btiflow.archive.arkivmelding import (
    MESSAGE_TYPE,
    ArchivedFile,
    Classification,
    closing_message,
    relay_log_message,
)
from btiflow.archive.document import relay_log_pdf
from btiflow.case.entries import Draft, Entry
from btiflow.case.fold import extend
from btiflow.case.kinds import CaseArchived, CaseClosed
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.errors import ArchiveError, BtiflowError, os_reason
from btiflow.localtime import OSLO
from btiflow.store.base import Store
from btiflow.timeline import describe
from btiflow.workflow.model import Workflow

ARCHIVED = CaseArchived.entry_kind
"""The kind of the log entry that records a package (``CaseArchived``): ``package`` (the
manifest's SHA-256), ``status`` (the case's status when archived), ``head_seq`` and
``head_hash`` (the last entry the package holds)."""

DOCUMENT = "stafettlogg.pdf"
RELAY_LOG_MESSAGE = "arkivmelding.xml"
CLOSING_MESSAGE = "arkivmelding-avslutning.xml"
MANIFEST = "manifest.json"
FORMAT = "btiflow-archive/1"


@attrs.frozen
class ArchivePackage:
    """A package written: where, its files, and its checksum (SHA-256 of ``manifest.json``)."""

    case_id: str
    directory: Path
    files: tuple[ArchivedFile, ...]
    checksum: str


@attrs.frozen
class ArchiveRun:
    """What ``archive_closed`` did: the packages written, and the cases that failed (why)."""

    packages: tuple[ArchivePackage, ...]
    failed: tuple[tuple[str, str], ...] = ()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_archived(log: Sequence[Entry]) -> bool:
    """The case was archived after it closed (a package archived while open does not count)."""
    return any(isinstance(e.body, CaseArchived) and e.body.status == "closed" for e in log)


def closing_summary(log: Sequence[Entry], workflow: Workflow) -> str | None:
    """The closing entry as the timeline says it, or None for a case not closed."""
    closing = [e for e in log if isinstance(e.body, CaseClosed)]
    return describe(closing[-1], workflow) if closing else None


def check_archivist(by: Actor) -> None:
    """Only a municipality administrator archives: the package holds the whole log."""
    if by.role != "admin":
        raise ArchiveError.coded("archive.not_admin", who=by.id)


def check_directory(out_dir: Path) -> None:
    """``out_dir`` is a directory that can be written, or can be made in an existing one."""
    target = out_dir if out_dir.exists() else out_dir.parent
    if not target.is_dir():
        raise ArchiveError.coded("archive.not_directory", path=str(out_dir))
    if not os.access(target, os.W_OK | os.X_OK):
        raise ArchiveError.coded("archive.not_writable", path=str(out_dir))


def build_files(
    store: Store,
    case: Case,
    log: Sequence[Entry],
    *,
    by: Actor,
    now: dt.datetime,
    classification: Classification,
) -> dict[str, bytes]:
    """The package's files, by name, built in memory (nothing is written)."""
    workflow = store.load_workflow(case.workflow_hash)
    versions = {h: store.load_workflow(h) for h in {e.workflow_hash for e in log}}
    pdf = relay_log_pdf(workflow, case, log, versions=versions, archived_at=now, archived_by=by.id)
    document = ArchivedFile(DOCUMENT, _sha256(pdf), len(pdf))
    files = {
        DOCUMENT: pdf,
        RELAY_LOG_MESSAGE: relay_log_message(
            case, document, classification=classification, archived_at=now, archived_by=by.id
        ),
    }
    summary = closing_summary(log, versions.get(log[-1].workflow_hash, workflow))
    if summary is not None:
        files[CLOSING_MESSAGE] = closing_message(case, summary, archived_at=now, archived_by=by.id)
    files[MANIFEST] = _manifest(case, files, by=by, now=now)
    return files


def _manifest(case: Case, files: dict[str, bytes], *, by: Actor, now: dt.datetime) -> bytes:
    data: dict[str, Any] = {
        "format": FORMAT,
        "case": case.id,
        "status": case.status,
        "log": {"entries": case.seq, "head": case.head_hash},
        "archived_at": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "archived_by": by.id,
        "message_type": MESSAGE_TYPE,
        "send_in_order": [n for n in (RELAY_LOG_MESSAGE, CLOSING_MESSAGE) if n in files],
        "files": [
            {"name": name, "sha256": _sha256(content), "size": len(content)}
            for name, content in files.items()
        ],
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def archive_case(
    store: Store,
    case_id: str,
    out_dir: str | os.PathLike[str],
    *,
    by: Actor,
    now: dt.datetime | None = None,
    classification: Classification | None = None,
) -> ArchivePackage:
    """Write the archive package of ``case_id`` under ``out_dir``; log it in the case.

    A closed case gets both Fiks Arkiv messages; an open case (archived on demand) only the
    first, and its package does not count as the closed case's. ``by`` must be an
    administrator. Raises ``CaseNotFound``, ``ArchiveError`` (wrong directory or archivist,
    package already there) or ``ConflictError``; nothing is written then.
    """
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ArchiveError.coded("naive_time")
    check_archivist(by)
    directory = Path(out_dir)
    check_directory(directory)
    case = store.load(case_id)
    return _archive(store, case, directory, by=by, now=now, classification=classification)


def _archive(
    store: Store,
    case: Case,
    directory: Path,
    *,
    by: Actor,
    now: dt.datetime,
    classification: Classification | None,
) -> ArchivePackage:
    log = store.entries(case.id)
    final = directory / f"{case.id}-{case.seq}"
    if final.exists():
        raise ArchiveError.coded("archive.exists", path=str(final), seq=case.seq)
    files = build_files(
        store, case, log, by=by, now=now, classification=classification or Classification()
    )
    checksum = _sha256(files[MANIFEST])
    made_dir = not directory.exists()
    try:
        directory.mkdir(exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=directory))
    except OSError as exc:
        reason = os_reason(exc)
        raise ArchiveError.coded(
            "archive.cannot_write_dir", path=str(directory), reason=reason
        ) from exc
    try:
        for name, content in files.items():
            (partial / name).write_bytes(content)
        partial.rename(final)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        _forget(directory, made_dir)
        reason = os_reason(exc)
        raise ArchiveError.coded(
            "archive.cannot_write", path=str(directory), reason=reason
        ) from exc
    try:
        _record(store, case, checksum, by=by, now=now)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        _forget(directory, made_dir)
        raise
    described = tuple(
        ArchivedFile(name, _sha256(content), len(content)) for name, content in files.items()
    )
    return ArchivePackage(case.id, final, described, checksum)


def _forget(directory: Path, made: bool) -> None:
    if made:
        shutil.rmtree(directory, ignore_errors=True)


def _record(store: Store, case: Case, checksum: str, *, by: Actor, now: dt.datetime) -> None:
    body = CaseArchived(
        package=checksum, status=case.status, head_seq=case.seq, head_hash=case.head_hash
    )
    entries, state = extend(case, [Draft(body)], by=by, time=now)
    read = AccessRecord(
        case.id, now, by.id, by.name, by.role, by.unit, "admin", "archive", entries[-1].seq
    )
    store.append(entries, state, expected_seq=case.seq, access=[read])


def archive_closed(
    store: Store,
    out_dir: str | os.PathLike[str],
    *,
    closed_before: dt.date,
    by: Actor,
    now: dt.datetime | None = None,
    classification: Classification | None = None,
) -> ArchiveRun:
    """Archive every case closed before ``closed_before`` (Norway's date) not yet archived.

    Each case is archived once: a case whose log has a ``case_archived`` entry written after
    it closed is skipped, so running this again writes nothing new. A case that fails (its
    package directory already there, changed meanwhile) is reported, and the others go on.
    """
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ArchiveError.coded("naive_time")
    check_archivist(by)
    directory = Path(out_dir)
    check_directory(directory)
    packages, failed = [], []
    for case_id in store.case_ids():
        case = store.load(case_id)
        if case.closed_at is None or _local_day(case.closed_at) >= closed_before:
            continue
        if is_archived(store.entries(case_id)):
            continue
        try:
            packages.append(
                _archive(store, case, directory, by=by, now=now, classification=classification)
            )
        except BtiflowError as exc:
            failed.append((case_id, str(exc)))
    return ArchiveRun(tuple(packages), tuple(failed))


def _local_day(moment: str) -> dt.date:
    return dt.datetime.fromisoformat(moment).astimezone(OSLO).date()
