"""btiflow: a municipality's BTI action guide as an enforced state machine, and the relay log.

Load a guide with ``load_workflow``, keep relay logs in a ``SqliteStore`` (or PostgreSQL, through
``open_store("postgresql://…", tenant=...)`` with ``btiflow[postgres]``), and run cases with an
``Engine``; everything btiflow raises on purpose is a ``BtiflowError``.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from btiflow._version import __version__ as __version__

# btiflow logs through the ``btiflow.*`` loggers; a program decides where the lines go (the
# command line's -v sends them to stderr), so without that nothing is printed, not even warnings.
logging.getLogger("btiflow").addHandler(logging.NullHandler())

# Type checkers and editors see every public name here; at run time each is imported from its
# module the first time it is used (PEP 562), so "import btiflow" and the command line load
# mail, iCalendar, SQLite, PostgreSQL and rendering code only when it is used.
if TYPE_CHECKING:
    from btiflow.access import AccessRecord
    from btiflow.archive import (
        ArchivePackage,
        ArchiveRun,
        Classification,
        archive_case,
        archive_closed,
    )
    from btiflow.case.actions import ACTIONS, Option
    from btiflow.case.entries import Entry
    from btiflow.case.fold import fold
    from btiflow.case.national_id import national_id_key
    from btiflow.case.people import Actor, Person
    from btiflow.case.state import Case, Migration
    from btiflow.engine import Engine, ManualClock, retry, system_clock
    from btiflow.errors import (
        AccessDenied,
        ActionRefused,
        ArchiveError,
        BtiflowError,
        CaseNotFound,
        CommitUnknown,
        ConflictError,
        MigrationError,
        Problem,
        Reason,
        RetentionError,
        StoreError,
        TransferError,
        WorkflowError,
    )
    from btiflow.insight import Insight, person_insight, write_insight
    from btiflow.migrate import (
        CasePlan,
        MigrationPlan,
        MigrationResult,
        apply_migration,
        plan_migration,
    )
    from btiflow.notify.dispatch import Dispatcher, DispatchReport, SmtpSettings
    from btiflow.notify.messages import NotifyConfig
    from btiflow.notify.outbox import OutboxMessage
    from btiflow.overview import Overview
    from btiflow.render.casepage import case_page
    from btiflow.render.diagram import diagram
    from btiflow.render.site import Site, render_site
    from btiflow.retention import PurgeItem, PurgeRun, place_hold, purge, release_hold
    from btiflow.store.base import CaseCount, ChainHead, DueCase, FeedEvent, Receipt, VerifyReport
    from btiflow.store.copy import copy_log
    from btiflow.store.outbox import Outbox
    from btiflow.store.sqlite import SqliteStore
    from btiflow.store.url import open_store
    from btiflow.transfer import Transfer, consent_to_transfer, export_case, import_case
    from btiflow.views import CaseSummary, FamilyView, StaffView
    from btiflow.workflow.diff import Change, diff
    from btiflow.workflow.load import (
        check_workflow,
        load_workflow,
        load_workflow_text,
    )
    from btiflow.workflow.model import (
        Advice,
        Consent,
        Deadlines,
        Duration,
        Level,
        Outcome,
        Period,
        Principle,
        Retention,
        Step,
        Text,
        Tool,
        Workflow,
    )

# Public name -> the module it lives in (tests/test_public_api.py resolves each one).
_HOMES = {
    "ACTIONS": "btiflow.case.actions",
    "AccessDenied": "btiflow.errors",
    "AccessRecord": "btiflow.access",
    "ActionRefused": "btiflow.errors",
    "Actor": "btiflow.case.people",
    "Advice": "btiflow.workflow.model",
    "ArchiveError": "btiflow.errors",
    "ArchivePackage": "btiflow.archive",
    "ArchiveRun": "btiflow.archive",
    "BtiflowError": "btiflow.errors",
    "Case": "btiflow.case.state",
    "CaseCount": "btiflow.store.base",
    "CaseNotFound": "btiflow.errors",
    "CasePlan": "btiflow.migrate",
    "CaseSummary": "btiflow.views",
    "ChainHead": "btiflow.store.base",
    "Change": "btiflow.workflow.diff",
    "Classification": "btiflow.archive",
    "CommitUnknown": "btiflow.errors",
    "ConflictError": "btiflow.errors",
    "Consent": "btiflow.workflow.model",
    "Deadlines": "btiflow.workflow.model",
    "DispatchReport": "btiflow.notify.dispatch",
    "Dispatcher": "btiflow.notify.dispatch",
    "DueCase": "btiflow.store.base",
    "Duration": "btiflow.workflow.model",
    "Engine": "btiflow.engine",
    "Entry": "btiflow.case.entries",
    "FamilyView": "btiflow.views",
    "FeedEvent": "btiflow.store.base",
    "Insight": "btiflow.insight",
    "Level": "btiflow.workflow.model",
    "ManualClock": "btiflow.engine",
    "Migration": "btiflow.case.state",
    "MigrationError": "btiflow.errors",
    "MigrationPlan": "btiflow.migrate",
    "MigrationResult": "btiflow.migrate",
    "NotifyConfig": "btiflow.notify.messages",
    "Option": "btiflow.case.actions",
    "Outbox": "btiflow.store.outbox",
    "OutboxMessage": "btiflow.notify.outbox",
    "Outcome": "btiflow.workflow.model",
    "Overview": "btiflow.overview",
    "Period": "btiflow.workflow.model",
    "Person": "btiflow.case.people",
    "Principle": "btiflow.workflow.model",
    "Problem": "btiflow.errors",
    "PurgeItem": "btiflow.retention",
    "PurgeRun": "btiflow.retention",
    "Reason": "btiflow.errors",
    "Receipt": "btiflow.store.base",
    "Retention": "btiflow.workflow.model",
    "RetentionError": "btiflow.errors",
    "Site": "btiflow.render.site",
    "SmtpSettings": "btiflow.notify.dispatch",
    "SqliteStore": "btiflow.store.sqlite",
    "StaffView": "btiflow.views",
    "Step": "btiflow.workflow.model",
    "StoreError": "btiflow.errors",
    "Text": "btiflow.workflow.model",
    "Tool": "btiflow.workflow.model",
    "Transfer": "btiflow.transfer",
    "TransferError": "btiflow.errors",
    "VerifyReport": "btiflow.store.base",
    "Workflow": "btiflow.workflow.model",
    "WorkflowError": "btiflow.errors",
    "apply_migration": "btiflow.migrate",
    "archive_case": "btiflow.archive",
    "archive_closed": "btiflow.archive",
    "case_page": "btiflow.render.casepage",
    "check_workflow": "btiflow.workflow.load",
    "consent_to_transfer": "btiflow.transfer",
    "copy_log": "btiflow.store.copy",
    "diagram": "btiflow.render.diagram",
    "diff": "btiflow.workflow.diff",
    "export_case": "btiflow.transfer",
    "fold": "btiflow.case.fold",
    "import_case": "btiflow.transfer",
    "load_workflow": "btiflow.workflow.load",
    "load_workflow_text": "btiflow.workflow.load",
    "national_id_key": "btiflow.case.national_id",
    "open_store": "btiflow.store.url",
    "person_insight": "btiflow.insight",
    "place_hold": "btiflow.retention",
    "plan_migration": "btiflow.migrate",
    "purge": "btiflow.retention",
    "release_hold": "btiflow.retention",
    "render_site": "btiflow.render.site",
    "retry": "btiflow.engine",
    "system_clock": "btiflow.engine",
    "write_insight": "btiflow.insight",
}

__all__ = [
    "ACTIONS",
    "AccessDenied",
    "AccessRecord",
    "ActionRefused",
    "Actor",
    "Advice",
    "ArchiveError",
    "ArchivePackage",
    "ArchiveRun",
    "BtiflowError",
    "Case",
    "CaseCount",
    "CaseNotFound",
    "CasePlan",
    "CaseSummary",
    "ChainHead",
    "Change",
    "Classification",
    "CommitUnknown",
    "ConflictError",
    "Consent",
    "Deadlines",
    "DispatchReport",
    "Dispatcher",
    "DueCase",
    "Duration",
    "Engine",
    "Entry",
    "FamilyView",
    "FeedEvent",
    "Insight",
    "Level",
    "ManualClock",
    "Migration",
    "MigrationError",
    "MigrationPlan",
    "MigrationResult",
    "NotifyConfig",
    "Option",
    "Outbox",
    "OutboxMessage",
    "Outcome",
    "Overview",
    "Period",
    "Person",
    "Principle",
    "Problem",
    "PurgeItem",
    "PurgeRun",
    "Reason",
    "Receipt",
    "Retention",
    "RetentionError",
    "Site",
    "SmtpSettings",
    "SqliteStore",
    "StaffView",
    "Step",
    "StoreError",
    "Text",
    "Tool",
    "Transfer",
    "TransferError",
    "VerifyReport",
    "Workflow",
    "WorkflowError",
    "apply_migration",
    "archive_case",
    "archive_closed",
    "case_page",
    "check_workflow",
    "consent_to_transfer",
    "copy_log",
    "diagram",
    "diff",
    "export_case",
    "fold",
    "import_case",
    "load_workflow",
    "load_workflow_text",
    "national_id_key",
    "open_store",
    "person_insight",
    "place_hold",
    "plan_migration",
    "purge",
    "release_hold",
    "render_site",
    "retry",
    "system_clock",
    "write_insight",
]


def __getattr__(name: str) -> object:
    """Import a public name's module on first use, then keep the name here (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'btiflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, imported or not yet, with the module's own attributes."""
    return sorted({*globals(), *__all__})
