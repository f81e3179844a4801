"""Properties of rules 1, 8 and 9: whatever order people act in, the log keeps the rule.

Pure and fast: the functional core (``decide``, then ``extend``) from a case prepared once, with
random actions by random people; every accepted entry is checked against the state before it.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path
from typing import Any

from casekit import (
    COLLEAGUE,
    LEADER,
    NURSE,
    START,
    TEACHER,
    Clock,
    make_engine,
    open_case,
    to_level_1,
    workflow,
)
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import good_params

from btiflow.case.actions import decide
from btiflow.case.conditions import RECORD_CHECKS
from btiflow.case.entries import Entry
from btiflow.case.fold import extend
from btiflow.case.meetings import CHILD_VOICE_KINDS
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.errors import ActionRefused

WF = workflow("bti")
STAFF = [TEACHER, TEACHER, TEACHER, COLLEAGUE, NURSE, LEADER]  # mostly the one who may

LEVEL_0_ACTIONS = [
    "inform_leader",
    "inform_guardians",
    "inform_child",
    "withhold_from_guardians",
    "consult_child_welfare",
    "send_report",
    "record_concern",
    "complete_step",
]
MEETING_ACTIONS = [
    "schedule_meeting",
    "hold_meeting",
    "record_minutes",
    "agree_measures",
    "record_evaluation",
    "complete_step",
    "complete_step",
    "cancel_meeting",
    "appoint_contact_person",
]
PLAN_ACTIONS = [*MEETING_ACTIONS, "set_goal", "set_goal", "revise_measure", "end_measure"]


@functools.cache
def prepared(point: str) -> Case:
    """A case at a point of the standard guide, made once through the engine (then pure)."""
    with tempfile.TemporaryDirectory() as folder:
        engine, _ = make_engine(Path(folder), clock=Clock())
        if point == "level 0":
            return open_case(engine)
        if point == "level 0, harm":
            return open_case(engine, suspected_harm=True)
        case = to_level_1(engine)
        engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)
        return engine.act(case.id, "complete_step", TEACHER)


def walk(
    data: st.DataObject, case: Case, actions: list[str], steps: int
) -> list[tuple[Case, Entry]]:
    """Random actions by random staff; each accepted entry with the state before it."""
    now = START
    written: list[tuple[Case, Entry]] = []
    for _ in range(steps):
        now += dt.timedelta(hours=data.draw(st.integers(0, 72)))
        action = data.draw(st.sampled_from(actions))
        by: Actor = data.draw(st.sampled_from(STAFF))
        params: dict[str, Any] = good_params(data.draw, action, {}, case, now)
        try:
            drafts = decide(WF, case, action, params, by, now)
        except ActionRefused:
            continue
        entries, after = extend(case, drafts, by=by, time=now)
        for entry in entries:
            written.append((case, entry))
            event(f"wrote {entry.kind}")
        case = after
    return written


@settings(max_examples=max(10, settings().max_examples // 3))
@given(data=st.data(), harm=st.booleans(), steps=st.integers(1, 30))
def test_rule_1_the_leader_hears_it_first(data: st.DataObject, harm: bool, steps: int) -> None:
    """Guardians or the child told, or the decision not to tell them, only after the leader;
    on suspected harm after child welfare, and never against its advice."""
    start = prepared("level 0, harm" if harm else "level 0")
    for before, entry in walk(data, start, LEVEL_0_ACTIONS, steps):
        if entry.kind in ("guardians_informed", "child_informed", "guardians_not_informed"):
            assert before.leader_informed, entry.kind
        if entry.kind in ("guardians_informed", "child_informed"):
            assert not (before.suspected_harm and not before.child_welfare_consulted)
            assert not before.advised_not_to_tell, "told against child welfare's advice"


@settings(max_examples=max(10, settings().max_examples // 3))
@given(data=st.data(), steps=st.integers(1, 60))
def test_rule_8_minutes_by_the_contact_person_or_holder(data: st.DataObject, steps: int) -> None:
    """Minutes only of a held meeting without minutes, by the contact person or baton holder;
    an evaluation only when every earlier held meeting has its minutes."""
    for before, entry in walk(data, prepared("level 1"), MEETING_ACTIONS, steps):
        if entry.kind == "minutes_recorded":
            named = (before.contact_person, before.baton_holder, before.coordinator)
            keepers = {p.id for p in named if p}
            assert entry.actor in keepers
            meeting = before.meeting(entry.data["meeting"])
            assert meeting is not None
            assert meeting.held
            assert not meeting.minutes
        if entry.kind == "evaluation_recorded":
            evaluated = entry.data["meeting"]
            assert all(m.minutes for m in before.meetings if m.held and m.id != evaluated)


@settings(max_examples=max(10, settings().max_examples // 3))
@given(data=st.data(), steps=st.integers(1, 60))
def test_rule_9_the_child_is_heard(data: st.DataObject, steps: int) -> None:
    """Every planning or evaluation meeting, and every agreement of measures, hears the child
    (took part, or how their voice came in); a round counts as heard only then."""
    for before, entry in walk(data, prepared("level 1"), MEETING_ACTIONS, steps):
        if entry.kind == "meeting_held":
            meeting = before.meeting(entry.data["meeting"])
            assert meeting is not None
            if meeting.kind in CHILD_VOICE_KINDS:
                assert entry.data["child_took_part"] or entry.data.get("child_voice")
        if entry.kind == "measures_agreed":
            meeting = before.meeting(entry.data["meeting"])
            assert meeting is not None
            assert meeting.child_took_part or meeting.child_voice or entry.data.get("child_voice")
        if RECORD_CHECKS["child_voice"](before):
            held = before.cycle_meetings()
            assert any(m.child_took_part or m.child_voice for m in held)


@settings(max_examples=max(10, settings().max_examples // 3))
@given(data=st.data(), steps=st.integers(1, 60))
def test_the_measure_plan_holds_together(data: st.DataObject, steps: int) -> None:
    """Measures name only goals the case has; an ended measure is never revised or ended again;
    a revision changes something; an evaluation's per-goal statuses name the case's goals."""
    for before, entry in walk(data, prepared("level 1"), PLAN_ACTIONS, steps):
        goals = {g.id for g in before.goals}
        if entry.kind == "measures_agreed":
            assert {m["goal"] for m in entry.data["measures"] if "goal" in m} <= goals
        if entry.kind in ("measure_revised", "measure_ended"):
            measure = before.measure(entry.data["measure"])
            assert measure is not None
            assert not measure.ended
        if entry.kind == "measure_revised":
            assert set(entry.data) - {"measure", "reason"}, "a revision that changes nothing"
            assert entry.data.get("goal", next(iter(goals), None)) in goals | {None}
        if entry.kind == "evaluation_recorded":
            assert {g["goal"] for g in entry.data.get("goals", [])} <= goals
