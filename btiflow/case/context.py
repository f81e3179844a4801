"""What every rule sees when it judges an action: the guide, the case, who acts, and when.

The rule modules (``concern``, ``baton``, ``meetings``, ``decisions``, ``consent``...) take a
``Context`` and return reasons or drafts; ``actions`` builds it. The compiled guide is seen
through the small ``Moves`` protocol, so that this module (and so every rule module) does not
import ``machine``, which imports the built-in checks, which use the rules' own predicates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import attrs

from btiflow.case.messages import reason
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.errors import Reason
from btiflow.localtime import OSLO
from btiflow.workflow.model import Step, Workflow


class Moves(Protocol):
    """The compiled guide as the rules use it (``machine.GuideMachine`` is one)."""

    def moves(self, step: str) -> dict[str, str]: ...

    def fire(self, case: Case, trigger: str) -> str | None: ...


@attrs.frozen
class Context:
    workflow: Workflow
    machine: Moves
    case: Case
    actor: Actor
    now: dt.datetime

    @property
    def language(self) -> str:
        return self.workflow.language

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(OSLO).date()

    @property
    def step(self) -> Step:
        return self.workflow.find_step(self.case.step)[1]

    def reason(self, code: str, **values: Any) -> Reason:
        return reason(code, self.language, **values)


class Refused(Exception):
    """Raised inside the core with every reason; ``actions.decide`` turns it into
    ``ActionRefused``."""

    def __init__(self, reasons: list[Reason]) -> None:
        self.reasons = reasons
