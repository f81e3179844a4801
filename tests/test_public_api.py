"""The public face of btiflow: a small, deliberate surface, pinned."""

import btiflow
from btiflow.case.conditions import CONDITION_CHECKS, RECORD_CHECKS
from btiflow.case.rules import LABELS, MESSAGES
from btiflow.workflow.registry import CONDITIONS, RECORDS

EXPECTED = [
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


def test_all_is_pinned_and_sorted() -> None:
    """__all__ is exactly the documented surface, sorted, and every name exists."""
    assert btiflow.__all__ == EXPECTED
    assert sorted(btiflow.__all__) == btiflow.__all__
    for name in btiflow.__all__:
        assert getattr(btiflow, name).__doc__, f"{name} has no docstring"


def test_every_error_is_a_btiflow_error() -> None:
    """One root for everything btiflow raises on purpose, with builtins mixed in where natural."""
    for name in ("WorkflowError", "ActionRefused", "CaseNotFound", "ConflictError", "StoreError"):
        assert issubclass(getattr(btiflow, name), btiflow.BtiflowError)
    assert issubclass(btiflow.WorkflowError, ValueError)
    assert issubclass(btiflow.CaseNotFound, LookupError)


def test_every_registry_name_is_implemented() -> None:
    """Each name a workflow may use in records/requires/when has a check and a label."""
    assert set(RECORD_CHECKS) == set(RECORDS)
    assert set(CONDITION_CHECKS) == set(CONDITIONS)
    assert set(RECORDS) | set(CONDITIONS) <= set(LABELS)


def test_every_message_is_translated() -> None:
    """Every refusal message exists in bokmål, nynorsk and English."""
    for code, (rule, texts) in MESSAGES.items():
        assert rule, code
        assert set(texts) == {"nb", "nn", "en"}, code
