"""Property: random edits to a guide plus random open cases; after a migration every case
either moved and keeps every invariant of the case engine, or stayed on its version with a
reason."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from casekit import (
    TEACHER,
    Clock,
    make_engine,
    open_case,
    plan,
    to_level_0_decision,
    to_level_1,
    to_level_1_decision,
    to_level_2,
    to_level_3_decision,
)
from helpers.variants import variant_text
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from strategies import guide_edits

from btiflow import (
    Actor,
    Engine,
    WorkflowError,
    apply_migration,
    fold,
    load_workflow,
    plan_migration,
)
from btiflow.case.fold import to_data

EDITOR = Actor("redaktor-h", "admin")


def _at_guardians(engine: Engine) -> str:
    case = open_case(engine)
    engine.act(case.id, "complete_step", TEACHER)
    engine.act(case.id, "inform_leader", TEACHER)
    engine.act(case.id, "complete_step", TEACHER)
    return case.id


def _planned(engine: Engine, days: int) -> str:
    return plan(engine, to_level_1(engine).id, days=days).id


def _continued(engine: Engine, days: int) -> str:
    case = to_level_1_decision(engine)
    clock: Clock = engine.clock  # type: ignore[assignment]
    engine.act(case.id, "decide", TEACHER, outcome="continue", next_evaluation=clock.in_days(days))
    return case.id


WALKS: dict[str, Callable[[Engine, int], str]] = {
    "opened": lambda e, d: open_case(e).id,
    "at guardians": lambda e, d: _at_guardians(e),
    "level 0 decision": lambda e, d: to_level_0_decision(e, open_case(e).id).id,
    "level 1": lambda e, d: to_level_1(e).id,
    "level 1 planned": _planned,
    "level 1 decision": lambda e, d: to_level_1_decision(e).id,
    "level 1 continued": _continued,
    "level 2": lambda e, d: to_level_2(e).id,
    "level 3 decision": lambda e, d: to_level_3_decision(e).id,
}


@settings(max_examples=max(10, settings().max_examples // 5))
@given(
    edits=guide_edits(),
    walks=st.lists(
        st.tuples(st.sampled_from(sorted(WALKS)), st.integers(1, 28)), min_size=1, max_size=4
    ),
    wait=st.integers(0, 40),
    mode=st.sampled_from(["keep", "recompute"]),
    data=st.data(),
)
def test_every_case_moves_soundly_or_stays_with_a_reason(
    edits: dict[str, Any],
    walks: list[tuple[str, int]],
    wait: int,
    mode: str,
    data: st.DataObject,
) -> None:
    """Moved cases keep every invariant; the others are unchanged and say why."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        new_file = path / "ny.yaml"
        new_file.write_text(variant_text(**edits), encoding="utf-8")
        try:
            new = load_workflow(new_file)
        except WorkflowError:
            assume(False)
            raise
        engine, clock = make_engine(path, "kafjord")
        try:
            ids = [WALKS[name](engine, days) for name, days in walks]
            clock.advance(days=wait)
            before = {i: (engine.case(i), engine.log(i)) for i in ids}
            first = plan_migration(engine.store, new, deadlines=mode, today=clock.today)
            # an editor maps some of the steps that need it, to any step of the new version
            steps = [s.id for _, s in new.steps()]
            mapping = {
                c.from_step: data.draw(st.sampled_from(steps))
                for c in first.where("needs_mapping")
                if data.draw(st.booleans())
            }
            planned = plan_migration(
                engine.store, new, mapping=mapping, deadlines=mode, today=clock.today
            )
            result = apply_migration(engine.store, planned, by=EDITOR, now=clock.now)
            assert not result.conflicts
            check(engine, new, planned, before, clock, mode)
        finally:
            engine.store.close()


def check(engine: Engine, new: Any, planned: Any, before: Any, clock: Clock, mode: str) -> None:
    report = engine.verify()
    assert report.ok, report.problems
    plans = {c.case_id: c for c in planned.cases}
    for case_id, (old, old_log) in before.items():
        case = engine.case(case_id)
        log = engine.log(case_id)
        assert to_data(fold(log)) == to_data(case)
        item = plans[case_id]
        event(item.action)
        if item.action != "move":
            assert item.action in ("needs_mapping", "refused")
            assert item.reasons, "a case that stays says why"
            assert log == old_log
            assert case == old
            continue
        assert len(log) == len(old_log) + 1
        assert log[-1].kind == "workflow_migrated"
        assert case.workflow_hash == new.content_hash
        level, _ = new.find_step(case.step)  # its step exists in its pinned version
        assert level.level == case.level == old.level
        if case.level >= 1:
            assert case.baton_holder == old.baton_holder is not None
        assert case.baton_offer == old.baton_offer
        if old.next_evaluation_due is None:
            assert case.next_evaluation_due is None
        else:
            due = case.next_evaluation_due
            assert due is not None, "a due evaluation is never lost"
            if mode == "keep":
                assert due == old.next_evaluation_due
            else:
                assert due <= old.next_evaluation_due
                assert due >= min(old.next_evaluation_due, clock.today.isoformat())
        # the engine goes on with the case under the new version
        assert engine.workflow_of(case).content_hash == new.content_hash
        engine.options(case_id, TEACHER)
    overdue = {d.case_id for d in engine.overdue(clock.now)}
    for case_id in before:
        case = engine.case(case_id)
        due = case.next_evaluation_due
        expected = due is not None and dt.date.fromisoformat(due) < clock.today
        assert (case_id in overdue) == expected
