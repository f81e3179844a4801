"""btiflow: a municipality's BTI action guide as an enforced state machine, and the relay log.

Load a guide with ``load_workflow``; everything btiflow raises on purpose is a ``BtiflowError``.
"""

from btiflow.errors import (
    ActionRefused,
    BtiflowError,
    CaseNotFound,
    ConflictError,
    Problem,
    Reason,
    StoreError,
    WorkflowError,
)
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
    "ActionRefused",
    "Advice",
    "BtiflowError",
    "CaseNotFound",
    "ConflictError",
    "Consent",
    "Deadlines",
    "Duration",
    "Level",
    "Outcome",
    "Principle",
    "Problem",
    "Reason",
    "Step",
    "StoreError",
    "Text",
    "Tool",
    "Workflow",
    "WorkflowError",
    "check_workflow",
    "load_workflow",
    "load_workflow_text",
]
