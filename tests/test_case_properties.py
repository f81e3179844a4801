"""Properties of the case engine: random actions by random people against a real SQLite store."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from strategies import (
    ACTORS,
    CHILD_BORN,
    OSLO,
    START,
    good_params,
    random_params,
)

from btiflow.access import may_see
from btiflow.case.actions import ACTIONS, decide
from btiflow.case.consent import RELAY_LOG, log_shared
from btiflow.case.entries import canonical_json
from btiflow.case.fold import fold, state_json, to_data
from btiflow.case.kinds import BODY_TYPES
from btiflow.case.people import Actor, Person
from btiflow.case.state import Case
from btiflow.codec import converter
from btiflow.engine import Engine
from btiflow.errors import ActionRefused
from btiflow.store.sqlite import SqliteStore
from btiflow.workflow.load import load_workflow

WORKFLOW = load_workflow(Path(__file__).resolve().parent.parent / "workflows" / "bti.yaml")
ACTOR_NAMES = sorted(ACTORS)
MAX_CASES = 2
CONSENT_ACTIONS = ("give_consent", "refuse_consent", "withdraw_consent")

# Codes options() can give (the gate before an action's details are looked at): an allowed
# option acted on with valid details must never be refused for one of these.
GATE_CODES = {
    "case_closed",
    "staff_only",
    "not_at_level",
    "leader_before_guardians",
    "child_welfare_first",
    "step_incomplete",
    "decision_step",
    "not_a_decision_step",
    "minutes_by_contact_or_holder",
    "no_measures",
    "consent_by_guardian",
    "only_baton_holder",
    "baton_offer_pending",
    "no_baton_offer",
    "not_offered_to_you",
    "not_permitted",
    "not_evaluation_step",
    "child_welfare_advised_not_to_tell",
}


def preferred(case: Case) -> list[str]:
    """The actions that move a case on from where it stands, most urgent first (steering only)."""
    order = ["accept_baton"] if case.baton_offer else []
    order += _level_0_moves(case) + _involving_moves(case) + _meeting_moves(case)
    if "avklar-behov" in case.step:
        if case.level == 3 and not case.rights_assessed:
            order.append("record_rights_assessment")
        order.append("decide")
    return [*order, "complete_step"]


def _level_0_moves(case: Case) -> list[str]:
    """What level 0's steps ask for: the concern, the leader told, the guardians told, and the
    family's consent to the relay log before going on."""
    step = case.step
    order: list[str] = []
    if "avklar-behov" in step and not log_shared(case):
        order.append("give_consent")
    if step == "n0-konkretiser" and not case.concern:
        order.append("record_concern")
    if step == "n0-del-med-leder" and not case.leader_informed:
        order.append("inform_leader")
    if step == "n0-del-med-foresatte":
        if case.suspected_harm and not case.child_welfare_consulted:
            order.append("consult_child_welfare")
        if not case.guardians_informed:
            order.append("inform_guardians")
    return order


def _involving_moves(case: Case) -> list[str]:
    """A contact person, the guardian's consent and the units it lets in."""
    step, done = case.step, case.cycle_records
    order: list[str] = []
    if "kontaktperson" in step and "contact_person" not in done:
        order.append("appoint_contact_person")
    if "kontakt-" in step or "planlegg" in step:
        if not any(c.status == "given" for c in case.consents):
            order.append("give_consent")
        elif "kontakt-" in step and "units_involved" not in done:
            order.append("involve_unit")
    return order


def _meeting_moves(case: Case) -> list[str]:
    """Meetings in the steps that hold them: minutes, holding, scheduling, what they agree."""
    step, done = case.step, case.cycle_records
    order: list[str] = []
    if not ("forstaelse" in step or "planlegg" in step or "evaluer" in step):
        return order
    held = [m for m in case.meetings if m.held and m.cycle == case.cycle]
    if any(m.held and not m.minutes for m in case.meetings):
        order.append("record_minutes")
    if any(not m.held for m in case.meetings):
        order.append("hold_meeting")
    evaluated = any(m.kind == "evaluation" for m in held)
    if not held or ("evaluer" in step and not evaluated):
        order.append("schedule_meeting")
    if "evaluer" in step and evaluated and "evaluation" not in done:
        order.append("record_evaluation")
    if "evaluer" not in step and held and "measures" not in done:
        order.append("agree_measures")
    return order


# --- the reference model ----------------------------------------------------------------------


def person_of(value: Any) -> tuple[str, str]:
    """(id, unit) of a person parameter, in any of the forms the engine accepts."""
    if isinstance(value, Actor | Person):
        return value.id, value.unit
    assert isinstance(value, Mapping)
    return value["id"], value.get("unit", "")


def units_of(value: Any) -> set[str]:
    """The units a consent parameter names."""
    return {u.strip() for u in ([value] if isinstance(value, str) else value)}


def date_of(value: Any) -> str:
    return (
        value.isoformat()
        if isinstance(value, dt.date)
        else dt.date.fromisoformat(value).isoformat()
    )


@attrs.define
class Expected:
    """What the test independently expects of one case, from successful actions' parameters."""

    own_unit: str
    level: int = 0
    status: str = "open"
    holder: tuple[str, str] | None = None
    offer: tuple[str, str] | None = None
    consented: set[str] = attrs.field(factory=set)
    involved: set[str] = attrs.field(factory=set)
    entries: int = 1
    due: str | None = None
    measures_since_evaluation: bool = False
    rights_assessed: bool = False

    def drop_units(self, units: set[str]) -> None:
        self.consented -= units
        self.involved -= units
        if self.offer is not None and self.offer[1] in units:
            self.offer = None

    def _consent_ended(self, units: set[str]) -> None:
        shared = RELAY_LOG in self.consented
        self.drop_units(units)
        if RELAY_LOG in units and shared and self.level >= 1:
            # ending the consent to the relay log closes the shared log
            self.entries += 1
            self.status, self.offer, self.due = "closed", None, None

    def record(self, action: str, by: Actor, p: dict[str, Any]) -> None:
        """Update from a successful action's name, actor and parameters."""
        self.entries += 1
        if action == "decide":
            self._decide(p)
        elif action == "offer_baton":
            self.offer = person_of(p["to"])
        elif action == "accept_baton":
            assert self.offer is not None
            assert self.offer[0] == by.id
            self.holder, self.offer = self.offer, None
        elif action in ("decline_baton", "withdraw_baton_offer"):
            self.offer = None
        elif action == "give_consent":
            self.consented |= units_of(p["units"])
        elif action in ("refuse_consent", "withdraw_consent"):
            self._consent_ended(units_of(p["units"]))
        elif action == "involve_unit":
            self.involved.add(p["unit"].strip())
        elif action == "agree_measures":
            self.due = date_of(p["next_evaluation"])
            self.measures_since_evaluation = True
        elif action == "record_evaluation":
            self.due = None
            self.measures_since_evaluation = False
        elif action == "reschedule_evaluation":
            self.due = date_of(p["next_evaluation"])
        elif action == "record_rights_assessment":
            self.rights_assessed = True

    def _decide(self, p: dict[str, Any]) -> None:
        outcome = p["outcome"]
        if outcome == "close":
            if self.level != 0 and p.get("hand_down_to") is not None:
                self.level = p["hand_down_to"]
                self.offer = None
                self.due = date_of(p["next_evaluation"])
                return
            self.status, self.offer, self.due = "closed", None, None
        elif outcome == "continue":
            self.due = date_of(p["next_evaluation"])
        else:
            target = p["to_level"]
            if self.level == 3 and not self.rights_assessed and p.get("rights_assessment"):
                self.entries += 1  # the assessment is its own entry
                self.rights_assessed = True
            holder = p.get("baton_holder")
            if self.holder is None:
                assert holder is not None
                self.holder, self.offer = person_of(holder), None
            elif holder is not None and person_of(holder)[0] != self.holder[0]:
                self.offer = person_of(holder)
            else:
                self.offer = None
            self.level = target


# --- the harness --------------------------------------------------------------------------------


class Harness:
    """An engine on a fresh SQLite file, an injected clock, and the reference model."""

    def __init__(self) -> None:
        base = "/dev/shm" if Path("/dev/shm").is_dir() else None
        self.dir = tempfile.mkdtemp(prefix="btiflow-props-", dir=base)
        self.path = str(Path(self.dir) / "relay.db")
        self.now = START
        self.store = SqliteStore(self.path)
        self.engine = Engine(WORKFLOW, self.store, clock=lambda: self.now)
        self.reader = sqlite3.connect(self.path)
        self.expected: dict[str, Expected] = {}
        self.ids: list[str] = []
        self.last_refusal = ActionRefused("none", [])

    def close(self) -> None:
        self.reader.close()
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def snapshot(self) -> tuple[list[Any], ...]:
        """Every row of every table, in a stable order."""
        return tuple(
            self.reader.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("entries", "cases", "workflows", "access_log")
        )

    def open_case(
        self, by: Actor, birth_date: str | None, concern: str | None, origin: str | None = None
    ) -> None:
        before = self.snapshot()
        try:
            case = self.engine.open_case(
                "elev-17", by, birth_date=birth_date, concern=concern, origin=origin
            )
        except ActionRefused:
            assert not by.is_staff
            assert self.snapshot() == before, "a refused open_case wrote to the database"
            return
        assert by.is_staff
        assert case.origin == origin
        self.ids.append(case.id)
        self.expected[case.id] = Expected(own_unit=by.unit)

    def act(self, case_id: str, action: str, by: Actor, params: dict[str, Any]) -> Case | None:
        """Do the action; check what a refusal or a success must leave behind. None if refused."""
        old = self.engine.case(case_id)
        before = self.snapshot()
        refused: ActionRefused | None = None
        try:
            new = self.engine.act_with(case_id, action, by, params)
        except ActionRefused as exc:
            refused = exc
        if refused is not None:
            assert refused.reasons, "a refusal names at least one reason"
            assert self.snapshot() == before, f"refused {action} changed the database"
            assert self.engine.case(case_id) == old, f"refused {action} changed the case"
            self.last_refusal = refused
            return None
        expected = self.expected[case_id]
        offered = expected.offer
        expected.record(action, by, params)
        if action in CONSENT_ACTIONS and by.id != old.subject:
            # rule 11: the young person's own decision stands against anyone else's
            for unit in units_of(params["units"]):
                state = old.consent_for(unit)
                assert state is None or state.by != old.subject, (
                    f"{by.id} overrode the young person's decision on {unit}"
                )
        # The baton moves only by acceptance of the offered person, or appointment at 0 -> 1.
        if new.baton_holder != old.baton_holder:
            appointed = action == "decide" and old.level == 0 and old.baton_holder is None
            accepted = action == "accept_baton" and offered is not None and offered[0] == by.id
            assert appointed or accepted, f"the baton moved on {action} by {by.id}"
            unit = new.baton_holder.unit if new.baton_holder else ""
            assert unit == old.opened_by.unit or new.has_consent(unit), (
                f"the baton went to {unit!r}, which has no consent"
            )
        if new.level > old.level or not new.is_open:
            event(f"reached level {new.level}" + ("" if new.is_open else ", closed"))
        return new

    def check(self) -> None:
        """Every invariant, for every case."""
        today = self.now.astimezone(OSLO).date()
        report = self.engine.verify()
        assert report.ok, report.problems
        assert report.cases == len(self.ids)
        overdue = {d.case_id for d in self.engine.overdue()}
        for case_id in self.ids:
            case = self.engine.case(case_id)
            log = self.engine.log(case_id)
            exp = self.expected[case_id]
            assert [e.seq for e in log] == list(range(1, len(log) + 1))
            assert case.seq == len(log) == exp.entries
            assert to_data(fold(log)) == to_data(case)
            # the state row spliced from cached pieces is the plain encoding, byte for byte
            plain = canonical_json(to_data(case))
            assert state_json(case) == plain
            assert state_json(fold(log)) == plain
            if case.is_open and case.level >= 1:
                assert case.baton_holder is not None, "from level 1 there is a baton holder"
            if case.level == 0:
                assert case.baton_holder is None, "no baton holder before level 1"
            for unit in case.units_involved():
                assert case.has_consent(unit), f"{unit} involved without consent"
            if case.level >= 1 and case.is_open:
                assert log_shared(case), "past level 0 without consent to the relay log"
            if not log_shared(case):
                # nothing is shown across services without the family's consent to the log
                for actor in ACTORS.values():
                    if actor.is_staff and actor.unit and actor.unit != case.opened_by.unit:
                        assert not may_see(WORKFLOW, case, actor, self.now), actor.id
            guardians = {g.id for g in case.guardians}
            for need in case.interpreters:
                assert need.person == "child" or need.person in guardians, need
            if case.is_open and exp.measures_since_evaluation:
                assert case.next_evaluation_due is not None, "measures without evaluation date"
            due = case.next_evaluation_due
            assert (case_id in overdue) == (
                case.is_open and due is not None and dt.date.fromisoformat(due) < today
            )
            # The reference model agrees with the engine.
            holder = case.baton_holder
            offer = case.baton_offer
            assert ((holder.id, holder.unit) if holder else None) == exp.holder
            assert ((offer.id, offer.unit) if offer else None) == exp.offer
            assert case.level == exp.level
            assert case.status == exp.status
            assert {c.unit for c in case.consents if c.status == "given"} == exp.consented
            assert set(case.units_involved()) == exp.involved
            assert due == exp.due
            assert case.rights_assessed == exp.rights_assessed
            assert case.opened_by.unit == exp.own_unit
        self.check_stored_entries()

    def check_stored_entries(self) -> set[str]:
        """Every stored entry's data is its typed body's unstructured form, byte for byte."""
        kinds = set()
        for kind, text in self.reader.execute("SELECT kind, data FROM entries"):
            data = json.loads(text)
            body = converter.structure(data, BODY_TYPES[kind])
            assert converter.unstructure(body) == data
            assert canonical_json(converter.unstructure(body)) == text
            kinds.add(kind)
        return kinds


def legal_choices(h: Harness, case_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(actor, action, option params) for every option some actor is allowed now."""
    return [
        (name, option.action, dict(option.params))
        for name in ACTOR_NAMES
        for option in h.engine.options(case_id, ACTORS[name])
        if option.allowed
    ]


def steer(h: Harness, data: st.DataObject, case_id: str) -> Case | None:
    """Do an allowed action with sensible parameters, mostly the one that moves the case on."""
    choices = legal_choices(h, case_id)
    if not choices:
        return None
    case = h.engine.case(case_id)
    if data.draw(st.integers(0, 4)):
        for action in preferred(case):
            pool = [c for c in choices if c[1] == action]
            if action == "decide" and case.level == 0:
                pool = [c for c in pool if c[2]["outcome"] != "close"] or pool
            if pool:
                choices = pool
                break
    name, action, option_params = data.draw(st.sampled_from(choices))
    params = good_params(data.draw, action, option_params, case, h.now)
    new = h.act(case_id, action, ACTORS[name], params)
    if new is None:
        codes = {r.code for r in h.last_refusal.reasons}
        assert not codes & GATE_CODES, f"options() allowed {action}, act refused: {codes}"
    return new


# --- the state machine --------------------------------------------------------------------------


class CaseMachine(RuleBasedStateMachine):
    """Random actions, legal and not, by random people on up to two cases."""

    def __init__(self) -> None:
        super().__init__()
        self.h = Harness()

    def teardown(self) -> None:
        self.h.close()

    @initialize(harm=st.booleans(), born=st.sampled_from([CHILD_BORN, None]))
    def first_case(self, harm: bool, born: str | None) -> None:
        """Open the first case, by the teacher."""
        self.h.open_case(ACTORS["teacher"], born, "Trekker seg unna" if harm else None)

    @precondition(lambda self: len(self.h.ids) < MAX_CASES)
    @rule(
        opener=st.sampled_from(["teacher", "leader", "nurse", "guardian"]),
        born=st.sampled_from([CHILD_BORN, None, "2010-02-30"]),
        concern=st.sampled_from([None, "Mye fravær"]),
        origin=st.sampled_from([None, "guardians", "young_person", "other"]),
    )
    def open_another(
        self, opener: str, born: str | None, concern: str | None, origin: str | None
    ) -> None:
        """Open another case (a guardian may not)."""
        if born == "2010-02-30":
            before = self.h.snapshot()
            with pytest.raises(ActionRefused):
                self.h.engine.open_case("elev-18", ACTORS[opener], birth_date=born)
            assert self.h.snapshot() == before
            return
        self.h.open_case(ACTORS[opener], born, concern, origin)

    @rule(days=st.integers(0, 35), hours=st.integers(0, 23))
    def advance_clock(self, days: int, hours: int) -> None:
        """Let time pass."""
        self.h.now += dt.timedelta(days=days, hours=hours)

    @rule(data=st.data(), burst=st.integers(1, 10))
    def legal(self, data: st.DataObject, burst: int) -> None:
        """A few actions some actor is allowed now, with sensible parameters (mostly accepted)."""
        case_id = data.draw(st.sampled_from(self.h.ids))
        for _ in range(burst):
            steer(self.h, data, case_id)
            self.h.check()

    @rule(
        data=st.data(),
        actor=st.sampled_from(ACTOR_NAMES),
        action=st.sampled_from([*ACTIONS, "fly_away"]),
    )
    def anything(self, data: st.DataObject, actor: str, action: str) -> None:
        """Any action by anyone, with any parameters."""
        case_id = data.draw(st.sampled_from(self.h.ids))
        params = data.draw(random_params(action))
        self.h.act(case_id, action, ACTORS[actor], params)

    @invariant()
    def rules_hold(self) -> None:
        """Every invariant holds for every case."""
        self.h.check()


CaseMachine.TestCase.settings = settings(
    settings.default,
    max_examples=max(10, settings().max_examples // 2),
    stateful_step_count=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestCaseMachine = CaseMachine.TestCase


# --- plain properties ---------------------------------------------------------------------------


def drive(h: Harness, data: st.DataObject, steps: int) -> None:
    """Move one case on by up to ``steps`` allowed actions with sensible parameters."""
    for _ in range(steps):
        if data.draw(st.integers(0, 4)) == 0:
            h.now += dt.timedelta(days=data.draw(st.integers(0, 20)))
        steer(h, data, h.ids[0])


def with_harness(test: Callable[[Harness, st.DataObject], None]) -> Callable[[st.DataObject], None]:
    def run(data: st.DataObject) -> None:
        h = Harness()
        try:
            h.open_case(ACTORS["teacher"], CHILD_BORN, data.draw(st.sampled_from([None, "Uro"])))
            test(h, data)
        finally:
            h.close()

    return run


@settings(max_examples=max(10, settings().max_examples // 4))
@given(data=st.data(), steps=st.integers(0, 60))
def test_replaying_the_log_gives_the_state_row(data: st.DataObject, steps: int) -> None:
    """The state row equals the replay of the log after any run of successful actions."""

    def body(h: Harness, data: st.DataObject) -> None:
        drive(h, data, steps)
        case_id = h.ids[0]
        row = h.store.load(case_id)
        assert to_data(fold(h.store.entries(case_id))) == to_data(row)
        h.check()

    with_harness(body)(data)


@settings(max_examples=max(10, settings().max_examples // 4))
@given(data=st.data(), steps=st.integers(0, 80))
def test_stored_entries_read_back_byte_for_byte(data: st.DataObject, steps: int) -> None:
    """Every entry a random walk stores structures to its typed body and unstructures back."""

    def body(h: Harness, data: st.DataObject) -> None:
        drive(h, data, steps)
        for kind in h.check_stored_entries():
            event(f"stored {kind}")

    with_harness(body)(data)


@settings(max_examples=max(10, settings().max_examples // 4))
@given(data=st.data(), steps=st.integers(0, 50))
def test_options_agree_with_act(data: st.DataObject, steps: int) -> None:
    """options() and act agree: same first code when refused; never a gate reason when allowed."""

    def body(h: Harness, data: st.DataObject) -> None:
        drive(h, data, steps)
        case_id = h.ids[0]
        case = h.engine.case(case_id)
        for name in ACTOR_NAMES:
            by = ACTORS[name]
            for option in h.engine.options(case_id, by):
                params = good_params(data.draw, option.action, dict(option.params), case, h.now)
                if option.allowed:
                    # Decided purely (nothing written), so every option is tried on this state.
                    try:
                        decide(WORKFLOW, case, option.action, params, by, h.now)
                    except ActionRefused as refused:
                        codes = {r.code for r in refused.reasons}
                        assert not codes & GATE_CODES, (option, codes)
                    continue
                before = h.snapshot()
                with pytest.raises(ActionRefused) as raised:
                    h.engine.act_with(case_id, option.action, by, params)
                assert raised.value.reasons[0].code == option.reasons[0].code, (option, raised)
                assert h.snapshot() == before

    with_harness(body)(data)
