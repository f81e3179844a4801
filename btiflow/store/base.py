"""What a store of relay logs must do; the SQLite store implements it, a second store would too."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Protocol

import attrs

from btiflow.access import AccessRecord
from btiflow.case.entries import GENESIS, Entry
from btiflow.case.state import Case, fold, to_data
from btiflow.notify.rows import OutboxRow
from btiflow.workflow.model import Workflow


@attrs.frozen
class DueCase:
    """A case with an evaluation due: when, and who holds the baton."""

    case_id: str
    due: dt.date
    level: int
    step: str
    baton_holder: str | None
    baton_unit: str | None


@attrs.frozen
class ChainProblem:
    """The first entry of a case whose stored form does not match its hash chain."""

    case_id: str
    seq: int
    message: str

    def __str__(self) -> str:
        return f"{self.case_id} entry {self.seq}: {self.message}"


@attrs.frozen
class VerifyReport:
    """The result of recomputing every hash chain (and comparing every state row to its log)."""

    cases: int
    entries: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@attrs.frozen
class ChainHead:
    """The last entry of a case's chain: keep these elsewhere as a witness."""

    case_id: str
    seq: int
    hash: str


class Store(Protocol):
    """The storage a relay log needs. ``append`` is atomic and refuses a stale writer."""

    def load(self, case_id: str) -> Case: ...

    def append(
        self,
        entries: Sequence[Entry],
        state: Case,
        *,
        expected_seq: int,
        access: Sequence[AccessRecord] = (),
        outbox: Sequence[OutboxRow] = (),
    ) -> None: ...

    def record_access(self, records: Sequence[AccessRecord]) -> None: ...

    def access_log(self, case_id: str) -> list[AccessRecord]: ...

    def entries(self, case_id: str) -> list[Entry]: ...

    def case_ids(self) -> list[str]: ...

    def enqueue(self, rows: Sequence[OutboxRow]) -> int: ...

    def due_between(self, start: dt.date, end: dt.date) -> list[DueCase]: ...

    def overdue(self, today: dt.date) -> list[DueCase]: ...

    def verify(self) -> VerifyReport: ...

    def heads(self) -> list[ChainHead]: ...

    def save_workflow(self, workflow: Workflow) -> None: ...

    def load_workflow(self, content_hash: str) -> Workflow: ...

    def workflow_versions(self) -> list[tuple[str, str, str]]: ...

    def close(self) -> None: ...


def check_case(
    case_id: str, log: list[Entry], last_seq: int, head_hash: str, state: str
) -> ChainProblem | None:
    """The first problem of one case: its chain, its head, and its state row (JSON) vs the fold."""
    problem = _check_chain(case_id, log, last_seq, head_hash)
    if problem is not None:
        return problem
    try:
        replay = fold(log)
    except (KeyError, ValueError, TypeError) as exc:
        return ChainProblem(case_id, 0, f"the log cannot be replayed: {exc}")
    if to_data(replay) != json.loads(state):
        return ChainProblem(case_id, last_seq, "the state row differs from the replay of the log")
    return None


def _check_chain(
    case_id: str, log: list[Entry], last_seq: int, head_hash: str
) -> ChainProblem | None:
    prev = GENESIS
    for expected_seq, entry in enumerate(log, 1):
        if entry.seq != expected_seq:
            return ChainProblem(case_id, expected_seq, "entry missing (seq not contiguous)")
        if entry.prev_hash != prev:
            return ChainProblem(case_id, entry.seq, "previous-hash link broken")
        if entry.compute_hash() != entry.hash:
            return ChainProblem(case_id, entry.seq, "content does not match its hash (changed)")
        prev = entry.hash
    if len(log) < last_seq:
        return ChainProblem(
            case_id, len(log) + 1, f"entry missing (the case row's head is entry {last_seq})"
        )
    if len(log) > last_seq:
        return ChainProblem(
            case_id, last_seq + 1, f"entries after the case row's head (entry {last_seq})"
        )
    if prev != head_hash:
        return ChainProblem(case_id, last_seq, "the case row's head does not match the log")
    return None
