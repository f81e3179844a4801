"""Liveness: no open case gets stuck, in any of the four shipped guides (issue 12).

A random walk of allowed actions, by every kind of actor, with sensible parameters; at every
state reached: some person tied to the case has an allowed action that leads on (and ``options``
says so), measures awaiting evaluation have a due date, and from there the case can still be
driven to a decision and closed. The CI profile walks a few guides' worth; ``BTIFLOW_HYPOTHESIS=
deep`` runs 3,000 walks.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st
from strategies import ACTORS, CHILD_BORN, START, good_params
from test_case_properties import preferred

from btiflow.case.actions import Option
from btiflow.case.consent import RELAY_LOG
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.engine import Engine
from btiflow.errors import ActionRefused
from btiflow.store.sqlite import SqliteStore
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import Workflow

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
SHIPPED = sorted(p.stem for p in WORKFLOWS.glob("*.yaml"))
# The standard guide with consent that lapses after four weeks (consent.valid_for), so walks
# meet consents that end: units shut out, a stranded baton, level 0 kept until given again.
LAPSING = "bti+valid_for"
GUIDES = [*SHIPPED, LAPSING]
_LAPSING_OVERLAY = """\
format: btiflow/1
extends: bti
id: bti-lapsing
version: "1"
consent:
  valid_for: P4W
  renewal_reminder: P7D
"""
DEEP = os.environ.get("BTIFLOW_HYPOTHESIS") == "deep"

# Every kind of actor: employees of three units, a line manager, the family, an administrator,
# the municipality's BTI coordinator, and a stranger from a unit never in the case.
PEOPLE: dict[str, Actor] = {
    **ACTORS,
    "admin": Actor("admin-j", "admin", "Kommunen", "Administrator J"),
    "coordinator": Actor("bti-koord-k", "coordinator", "Kommunen", "BTI-koordinator K"),
}
NAMES = sorted(PEOPLE)

# Allowed, but they do not move a case on by themselves.
STANDING_STILL = {
    "add_note",
    "add_document",
    "ask_to_close",
    "register_guardian",
    "register_young_person",
    "move_meeting",
    "cancel_meeting",
    "decline_baton",
    "withdraw_baton_offer",
    "refuse_consent",
    "withdraw_consent",
    "set_goal",
    "revise_measure",
    "end_measure",
    "form_responsibility_group",
    "start_individual_plan",
    "apply_child_coordinator",
}


@functools.cache
def guide(name: str) -> Workflow:
    if name == LAPSING:
        folder = Path(tempfile.mkdtemp(prefix="btiflow-lapsing-"))
        (folder / "lapsing.yaml").write_text(_LAPSING_OVERLAY, encoding="utf-8")
        loaded = load_workflow(folder / "lapsing.yaml")
        shutil.rmtree(folder, ignore_errors=True)
        return loaded
    return load_workflow(WORKFLOWS / f"{name}.yaml")


class Walk:
    """One case in a fresh SQLite file, an injected clock, and every actor's options."""

    def __init__(self, engine: Engine, case_id: str) -> None:
        self.engine = engine
        self.case_id = case_id

    @property
    def case(self) -> Case:
        return self.engine.case(self.case_id)

    def allowed(self) -> list[tuple[str, Option]]:
        return [
            (name, option)
            for name in NAMES
            for option in self.engine.options(self.case_id, PEOPLE[name])
            if option.allowed
        ]

    def act(self, data: st.DataObject, name: str, option: Option) -> set[str]:
        """Act on an allowed option with a careful user's parameters; the refusal's codes."""
        case = self.case
        now = self.engine._now()
        params = good_params(data.draw, option.action, dict(option.params), case, now)
        return self.try_act(name, option.action, params)

    def try_act(self, name: str, action: str, params: dict[str, Any]) -> set[str]:
        try:
            self.engine.act_with(self.case_id, action, PEOPLE[name], params)
        except ActionRefused as refused:
            return {r.code for r in refused.reasons}
        return set()

    def remedy(self, codes: set[str]) -> None:
        """What a careful team does when told what is missing (the words say what to do)."""
        case = self.case
        if "child_voice_missing" in codes:
            for m in case.meetings:
                if not m.held and not m.cancelled:
                    params = {"meeting": m.id, "child_took_part": True}
                    for name in NAMES:  # whoever may lead meetings now
                        if not self.try_act(name, "hold_meeting", params):
                            return
        if "log_consent_missing" in codes:
            for name in ("guardian", "child"):
                if not self.try_act(name, "give_consent", {"units": [RELAY_LOG]}):
                    return


@contextmanager
def walk_in(guide_name: str, born: str | None, harm: bool) -> Iterator[tuple[Walk, list[Any]]]:
    base = "/dev/shm" if Path("/dev/shm").is_dir() else None
    folder = tempfile.mkdtemp(prefix="btiflow-live-", dir=base)
    clock = [START]
    store = SqliteStore(Path(folder) / "relay.db")
    try:
        engine = Engine(guide(guide_name), store, clock=lambda: clock[0])
        case = engine.open_case(
            "elev-17", PEOPLE["teacher"], birth_date=born, concern="Uro", suspected_harm=harm
        )
        yield Walk(engine, case.id), clock
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


def awaiting_evaluation(walk: Walk) -> bool:
    """Measures were agreed after the last evaluation recorded."""
    awaiting = False
    for entry in walk.engine.log(walk.case_id):
        if entry.kind == "measures_agreed":
            awaiting = True
        elif entry.kind == "evaluation_recorded":
            awaiting = False
    return awaiting


def check_live(walk: Walk, allowed: list[tuple[str, Option]]) -> None:
    """The case is closed, or someone tied to it can move it on; measures have a due date."""
    case = walk.case
    if not case.is_open:
        return
    moving = [(n, o.action) for n, o in allowed if o.action not in STANDING_STILL]
    assert moving, f"stuck at {case.step} (level {case.level}): only {allowed}"
    if awaiting_evaluation(walk):
        assert case.next_evaluation_due is not None, f"measures without a due date at {case.step}"


def pick(
    data: st.DataObject,
    case: Case,
    allowed: list[tuple[str, Option]],
    closing: bool,
    wander: bool,
    rnd: random.Random,
) -> tuple[str, Option]:
    """Mostly what a careful team does next (closing when it decides), sometimes anything."""
    careful = data.draw(st.integers(0, 3)) < 3  # the simplest draw is the careful one
    if not wander and (closing or careful):
        for action in ["decide", *preferred(case)] if closing else preferred(case):
            pool = [(n, o) for n, o in allowed if o.action == action]
            if action == "decide":
                # walking: mostly on to a higher level (or another round); closing: close
                wanted = {"close"} if closing else {"expand", "continue"}
                pool = [(n, o) for n, o in pool if o.params.get("outcome") in wanted] or (
                    [] if closing else pool
                )
            if pool:
                return rnd.choice(pool)
    chosen: tuple[str, Option] = rnd.choice(allowed)  # uniform, unlike an early draw
    return chosen


def drive(walk: Walk, clock: list[Any], data: st.DataObject, steps: int, closing: bool) -> None:
    rnd = data.draw(st.randoms(use_true_random=False))
    wander = False
    for _ in range(steps):
        allowed = walk.allowed()
        check_live(walk, allowed)
        if not walk.case.is_open:
            return
        if data.draw(st.integers(0, 5)) == 5:
            clock[0] += dt.timedelta(days=data.draw(st.integers(0, 20)))
        name, option = pick(data, walk.case, allowed, closing, wander, rnd)
        codes = walk.act(data, name, option)
        walk.remedy(codes)
        wander = bool(codes)


@settings(
    max_examples=3000 if DEEP else 12,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a walk's shrinking takes too long
)
@given(
    data=st.data(),
    guide_name=st.sampled_from(GUIDES),
    born=st.sampled_from([CHILD_BORN, None]),
    harm=st.booleans(),
    steps=st.integers(0, 150),
)
def test_every_open_case_can_go_on_and_close(
    data: st.DataObject, guide_name: str, born: str | None, harm: bool, steps: int
) -> None:
    """From every state a random walk reaches, someone can act, and the case can still close."""
    with walk_in(guide_name, born, harm) as (walk, clock):
        drive(walk, clock, data, steps, closing=False)
        event(f"walked to level {walk.case.level}")
        drive(walk, clock, data, 400, closing=True)
        case = walk.case
        assert not case.is_open, f"{guide_name}: not closed, at {case.step} (level {case.level})"
