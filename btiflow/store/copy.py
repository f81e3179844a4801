"""Move a municipality's relay log between stores (e.g. SQLite → PostgreSQL), chain verified."""

from __future__ import annotations

import attrs

from btiflow.errors import StoreError
from btiflow.store.base import Store, VerifyReport
from btiflow.store.check import recorded_cut


@attrs.frozen
class CopyReport:
    """What ``copy_log`` moved, and both sides' verification."""

    cases: int
    entries: int
    source: VerifyReport
    target: VerifyReport


def copy_log(source: Store, target: Store) -> CopyReport:
    """Copy every case (its log, state row and access log) and guide version to ``target``.

    The source must verify first, and the target must not hold any of its cases yet (a case
    already there is a ``ConflictError``, so running it twice copies nothing twice). Each case is
    written in one transaction; afterwards the target is verified and every copied chain head
    must equal the source's. Outbox rows (mail) are not copied.
    """
    before = source.verify()
    if not before.ok:
        raise StoreError.coded("store.source_not_verified", problem=before.problems[0])
    for content_hash, _, _ in source.workflow_versions():
        target.save_workflow(source.load_workflow(content_hash))
    ids = source.case_ids()
    entries = 0
    for case_id in ids:
        log = source.entries(case_id)
        target.append(
            log,
            source.load(case_id),
            expected_seq=0,
            access=source.access_log(case_id),
            access_cut=recorded_cut(log),  # rows a retention cut removed stay removed
        )
        entries += len(log)
    after = target.verify()
    heads = {h.case_id: h for h in target.heads()}
    for head in source.heads():
        if heads.get(head.case_id) != head:
            raise StoreError.coded("store.copy_head_differs", case=head.case_id)
    if not after.ok:
        raise StoreError.coded("store.copy_not_verified", problem=after.problems[0])
    return CopyReport(len(ids), entries, before, after)
