"""btiflow: a municipality's BTI action guide as an enforced state machine, and the relay log.

Load a guide with ``load_workflow``, keep relay logs in a ``SqliteStore`` (or PostgreSQL, through
``open_store("postgresql://…", tenant=...)`` with ``btiflow[postgres]``), and run cases with an
``Engine``; everything btiflow raises on purpose is a ``BtiflowError``.
"""

from btiflow.access import AccessRecord
from btiflow.case.actions import ACTIONS, Option
from btiflow.case.entries import Entry
from btiflow.case.people import Actor, Person
from btiflow.case.state import Case, Migration, fold
from btiflow.engine import Engine, ManualClock, retry, system_clock
from btiflow.errors import (
    AccessDenied,
    ActionRefused,
    BtiflowError,
    CaseNotFound,
    ConflictError,
    MigrationError,
    Problem,
    Reason,
    StoreError,
    WorkflowError,
)
from btiflow.migrate import (
    CasePlan,
    MigrationPlan,
    MigrationResult,
    apply_migration,
    plan_migration,
)
from btiflow.notify.dispatch import Dispatcher, DispatchReport, SmtpSettings
from btiflow.notify.messages import NotifyConfig
from btiflow.notify.outbox import Outbox, OutboxMessage
from btiflow.render.casepage import case_page
from btiflow.render.diagram import diagram
from btiflow.render.site import Site, render_site
from btiflow.store.base import ChainHead, DueCase, VerifyReport
from btiflow.store.copy import copy_log
from btiflow.store.sqlite import SqliteStore
from btiflow.store.url import open_store
from btiflow.views import FamilyView, StaffView
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
    Principle,
    Step,
    Text,
    Tool,
    Workflow,
)

__all__ = [
    "ACTIONS",
    "AccessDenied",
    "AccessRecord",
    "ActionRefused",
    "Actor",
    "Advice",
    "BtiflowError",
    "Case",
    "CaseNotFound",
    "CasePlan",
    "ChainHead",
    "Change",
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
    "Person",
    "Principle",
    "Problem",
    "Reason",
    "Site",
    "SmtpSettings",
    "SqliteStore",
    "StaffView",
    "Step",
    "StoreError",
    "Text",
    "Tool",
    "VerifyReport",
    "Workflow",
    "WorkflowError",
    "apply_migration",
    "case_page",
    "check_workflow",
    "copy_log",
    "diagram",
    "diff",
    "fold",
    "load_workflow",
    "load_workflow_text",
    "open_store",
    "plan_migration",
    "render_site",
    "retry",
    "system_clock",
]
