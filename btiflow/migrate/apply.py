"""Applying a migration plan: one ``workflow_migrated`` entry per moving case, each in its own
transaction; a case changed since planning is a conflict and the others go on.

Logged under ``btiflow.migrate.apply``: the guide versions, each case id and what happened to it,
and the counts (never a subject, a name or a concern).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Literal

import attrs

from btiflow.case.entries import Draft
from btiflow.case.fold import extend
from btiflow.case.kinds import WorkflowMigrated, WorkflowRef
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.errors import ConflictError
from btiflow.migrate.plan import CasePlan, MigrationPlan
from btiflow.store.base import Store
from btiflow.workflow.model import Workflow

log = logging.getLogger(__name__)


@attrs.frozen
class CaseResult:
    """What happened to one case in a real run: ``migrated``, or ``conflict`` with the reason."""

    case_id: str
    status: Literal["migrated", "conflict"]
    message: str = ""
    case: Case | None = None


@attrs.frozen
class MigrationResult:
    """The plan and what the real run did with each case it tried to move."""

    plan: MigrationPlan
    results: tuple[CaseResult, ...]

    @property
    def migrated(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == "migrated"]

    @property
    def conflicts(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == "conflict"]


def migration_draft(plan: CasePlan, new: Workflow, mapping: Mapping[str, str], mode: str) -> Draft:
    """The ``workflow_migrated`` entry for one planned move."""
    assert plan.action == "move"
    assert plan.to_step is not None
    due = plan.deadline.due_with(mode) if plan.deadline is not None else None
    body = WorkflowMigrated(
        from_workflow=WorkflowRef(
            id=plan.workflow_id, version=plan.from_version, hash=plan.from_hash
        ),
        to_workflow=WorkflowRef(id=new.id, version=new.version, hash=new.content_hash),
        from_step=plan.from_step,
        from_title=plan.from_title,
        to_step=plan.to_step,
        how=plan.how,
        mapping=dict(mapping),
        deadlines=mode,
        next_evaluation=None if due is None else dt.date.fromisoformat(due),
    )
    return Draft(body)


def apply_migration(
    store: Store,
    plan: MigrationPlan,
    *,
    by: Actor,
    now: dt.datetime | None = None,
) -> MigrationResult:
    """Move every case the plan moves, each in its own transaction, as a logged entry.

    The new workflow version is saved in the store first. A case changed since it was planned
    is not moved (``conflict``); the others go on.
    """
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("give a timezone-aware time")
    new = plan.workflow
    moving = plan.moving
    log.info("migrating %d cases to %s %s", len(moving), new.id, new.version)
    if moving:
        store.save_workflow(new)
    results = []
    for item in moving:
        try:
            case = store.load(item.case_id)
            if case.seq != item.seq:
                raise ConflictError(case.id, item.seq + 1)
            draft = migration_draft(item, new, plan.mapping, plan.deadlines)
            entries, state = extend(case, [draft], by=by, time=now, workflow_hash=new.content_hash)
            store.append(entries, state, expected_seq=item.seq)
        except ConflictError:
            log.warning("case %s changed since the plan was made; not migrated", item.case_id)
            results.append(
                CaseResult(
                    item.case_id,
                    "conflict",
                    "saken er endret etter at planen ble laget; kjør migreringen på nytt",
                )
            )
            continue
        log.debug("case %s migrated from %s to %s", item.case_id, item.from_version, new.version)
        results.append(CaseResult(item.case_id, "migrated", case=state))
    done = MigrationResult(plan, tuple(results))
    log.info("migration done: %d migrated, %d conflicts", len(done.migrated), len(done.conflicts))
    return done
