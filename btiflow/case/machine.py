"""Workflow → one ``transitions.Machine`` per workflow version (the only importer of transitions).

States are the guide's step ids plus ``closed``. Triggers: ``advance`` (to the next step of the
level), ``close``, ``continue``, ``expand_N`` (to level N's first step) and, at level 3,
``hand_down_N`` (close level 3 and carry working measures on at level N). Each transition is
guarded by the source step's ``records`` and ``requires``, through the built-in checks.

The machine is built once per content hash (``model=None``) and drives any case through a
throwaway token, never ``add_model``: a machine per case would cost milliseconds and leak.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import attrs
from transitions import Machine, MachineError

from btiflow.case.conditions import CONDITION_CHECKS, RECORD_CHECKS
from btiflow.case.state import Case
from btiflow.workflow.model import Level, Step, Workflow

CLOSED = "closed"


class _Token:
    """The throwaway model a case is bound to for one trigger."""

    __slots__ = ("case", "state")

    def __init__(self, case: Case, state: str) -> None:
        self.case = case
        self.state = state


def _guard(step: Step) -> Callable[[Any], bool]:
    records = [RECORD_CHECKS[name] for name in step.records]
    requires = [CONDITION_CHECKS[name] for name in step.requires]
    checks = records + requires

    def guard(event: Any) -> bool:
        case = event.model.case
        return all(check(case) for check in checks)

    return guard


def _landing_step(workflow: Workflow, level: int) -> str:
    """Where handed-down measures go on: the step the level's 'continue' returns to."""
    lv = workflow.level(level)
    for step in lv.steps:
        outcome = step.outcome("continue")
        if outcome is not None and outcome.step:
            return outcome.step
    return lv.steps[0].id


@attrs.frozen
class GuideMachine:
    """A compiled workflow: which moves each step allows, and where they lead."""

    workflow: Workflow
    machine: Any
    moves_by_step: dict[str, dict[str, str]]

    def moves(self, step: str) -> dict[str, str]:
        """Trigger → destination step for every move the guide defines from ``step``."""
        return self.moves_by_step.get(step, {})

    def fire(self, case: Case, trigger: str) -> str | None:
        """Try ``trigger`` for ``case``; the destination if the guards pass, else None."""
        if trigger not in self.moves(case.step):
            return None
        token = _Token(case, case.step)
        try:
            moved = self.machine.events[trigger].trigger(token)
        except MachineError:
            return None
        return token.state if moved else None


def _build(workflow: Workflow) -> GuideMachine:
    states = [step.id for _, step in workflow.steps()] + [CLOSED]
    machine = Machine(
        model=None,
        states=states,
        initial=states[0],
        auto_transitions=False,
        send_event=True,
        queued=False,
    )
    moves: dict[str, dict[str, str]] = {}

    def add(trigger: str, source: str, dest: str, step: Step) -> None:
        machine.add_transition(trigger, source, dest, conditions=[_guard(step)])
        moves.setdefault(source, {})[trigger] = dest

    for level in workflow.levels:
        for i, step in enumerate(level.steps):
            for trigger, dest in _moves_from(workflow, level, i, step):
                add(trigger, step.id, dest, step)
    return GuideMachine(workflow, machine, moves)


def _moves_from(workflow: Workflow, level: Level, i: int, step: Step) -> list[tuple[str, str]]:
    """(trigger, destination) of every move the guide defines from ``level.steps[i]``."""
    if not step.is_decision:
        return [("advance", level.steps[i + 1].id)] if i + 1 < len(level.steps) else []
    found: list[tuple[str, str]] = []
    for outcome in step.outcomes:
        if outcome.kind == "close":
            found.append(("close", CLOSED))
            if level.level == 3:
                found += [(f"hand_down_{n}", _landing_step(workflow, n)) for n in (1, 2)]
        elif outcome.kind == "continue" and outcome.step:
            found.append(("continue", outcome.step))
        elif outcome.kind == "expand":
            found += [(f"expand_{n}", workflow.level(n).steps[0].id) for n in outcome.to]
    return found


_cache: dict[str, GuideMachine] = {}
_lock = threading.Lock()


def machine_for(workflow: Workflow) -> GuideMachine:
    """The compiled machine of this workflow version, built on first use and then reused."""
    key = workflow.content_hash
    found = _cache.get(key)
    if found is None:
        with _lock:
            found = _cache.get(key)
            if found is None:
                found = _build(workflow)
                _cache[key] = found
    return found


def build_machine(workflow: Workflow) -> GuideMachine:
    """Build a fresh machine (no cache); for the benchmark that compares the two."""
    return _build(workflow)
