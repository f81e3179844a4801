"""Random actors reading cases at random points: nobody sees a case or a field the rules forbid."""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from casekit import (
    CHILD,
    GUARDIAN,
    HEALTH,
    PPT,
    TEACHER,
    Clock,
    make_engine,
    open_case,
    plan,
    to_level_0_decision,
    to_level_2,
    to_level_3,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import random_actors

from btiflow import access
from btiflow.case.people import Actor, Person
from btiflow.case.state import Case
from btiflow.engine import Engine
from btiflow.errors import AccessDenied, ActionRefused
from btiflow.views import FamilyView, StaffView

SECRET = "Internt notat: ikke for familien"
HIDDEN_DOC = "Intern kartlegging"
YOUNG_NOTE = "Ungdommens eget notat"


def _withdrawn(engine: Engine) -> Case:
    case = to_level_3(engine, birth_date="2010-01-01")
    engine.act(case.id, "withdraw_consent", GUARDIAN, units=[PPT])
    return engine.case(case.id)


def _level_0(engine: Engine) -> Case:
    return open_case(engine, birth_date="2015-01-01")


def _told(engine: Engine) -> Case:
    return to_level_0_decision(engine, open_case(engine, birth_date="2013-01-01").id)


def _planned(engine: Engine) -> Case:
    case = to_level_2(engine, birth_date="2012-01-01")
    return plan(engine, case.id)


SCENARIOS: dict[str, Callable[[Engine], Case]] = {
    "level 0, just opened": _level_0,
    "level 0, guardians told": _told,
    "level 2, planned": _planned,
    "level 3, PPT consent withdrawn, young person 16": _withdrawn,
}


@functools.cache
def world() -> tuple[Engine, dict[str, str]]:
    """One engine with a case per scenario, each with a secret note and an unshared document,
    and the young person's own note where their age lets them write one (from 15)."""
    folder = Path(tempfile.mkdtemp(prefix="btiflow-access-"))
    engine, _ = make_engine(folder, clock=Clock())
    ids = {}
    for name, build in SCENARIOS.items():
        case = build(engine)
        engine.act(case.id, "add_note", TEACHER, text=SECRET)
        engine.act(case.id, "add_document", TEACHER, title=HIDDEN_DOC)
        with contextlib.suppress(ActionRefused):  # below the self-consent age: refused
            engine.act(case.id, "add_note", CHILD, text=YOUNG_NOTE)
        ids[name] = case.id
    return engine, ids


def expected(case: Case, actor: Actor, age: int | None) -> str | None:
    """The rules restated: 'staff', 'family' or None."""
    staff_role = actor.role in ("employee", "leader")

    def is_(p: object) -> bool:
        return (
            staff_role
            and p is not None
            and getattr(p, "id", None) == actor.id
            and getattr(p, "unit", "") == actor.unit != ""
        )

    def may_know(unit: str) -> bool:
        return unit == case.opened_by.unit or case.has_consent(unit)

    if staff_role:
        if is_(case.opened_by):
            return "staff"
        leads = actor.role == "leader" and actor.unit == case.opened_by.unit != ""
        if leads and case.level == 0:
            return "staff"
        for p in (case.baton_holder, case.contact_person, case.coordinator):
            if is_(p) and may_know(actor.unit):
                return "staff"
        if actor.unit and actor.unit in case.units_involved() and case.has_consent(actor.unit):
            return "staff"
        return None
    if actor.role == "guardian":
        told = case.guardians_informed and actor.id in {g.id for g in case.guardians}
        return "family" if told else None
    if actor.role == "child" and actor.id == case.subject and age is not None and age >= 12:
        return "family"
    return None


@settings(max_examples=200, deadline=None)
@given(scenario=st.sampled_from(sorted(SCENARIOS)), actor=random_actors())
def test_nobody_sees_what_the_rules_forbid(scenario: str, actor: Actor) -> None:
    """The view matches the rules restated; a family view never holds staff-only content."""
    engine, ids = world()
    case = engine.case(ids[scenario])
    age = case.age_on(engine.clock().date())
    want = expected(case, actor, age)
    before = len(engine.store.access_log(case.id))
    try:
        view = engine.view(case.id, actor)
    except AccessDenied:
        assert want is None, f"{actor} should see {scenario}"
        assert len(engine.store.access_log(case.id)) == before, "a refused read was logged"
        return
    assert want is not None, f"{actor} saw {scenario}"
    assert len(engine.store.access_log(case.id)) == before + 1
    if want == "staff":
        assert isinstance(view, StaffView)
        return
    assert isinstance(view, FamilyView)
    text = repr(attrs.asdict(view))
    for secret in (SECRET, HIDDEN_DOC, case.concern or SECRET):
        assert secret not in text
    limited = actor.role == "guardian" and age is not None and age >= 16
    if limited:
        assert view.minutes == ()
        assert view.documents == ()
    # the young person's note (written from 15): theirs and the guardians' until 16
    wrote = age is not None and age >= 15
    assert (YOUNG_NOTE in text) == (wrote and not limited)
    # nobody may act on the case without a tie to it, either
    if want is None or actor.role not in ("guardian", "child"):
        return
    with pytest.raises(ActionRefused) as refused:
        engine.act(case.id, "add_document", actor, title="x")
    assert refused.value.reasons[0].code == "not_permitted"


def test_the_young_persons_note_is_written_from_the_self_consent_age() -> None:
    """The rule restated: the young person's note is in the log exactly when they were 15,
    and staff who see the case read it."""
    engine, ids = world()
    for case_id in ids.values():
        case = engine.case(case_id)
        age = case.age_on(engine.clock().date())
        notes = [e for e in engine.log(case_id) if e.kind == "note_added" and e.role == "child"]
        assert bool(notes) == (age is not None and age >= 15)
        if notes:
            seen = engine.view(case_id, TEACHER)
            assert isinstance(seen, StaffView)
            assert YOUNG_NOTE in [n.text for n in seen.notes]
    ages = {engine.case(c).age_on(engine.clock().date()) for c in ids.values()}
    assert any(a is not None and a >= 15 for a in ages)
    assert any(a is not None and a < 15 for a in ages)


def test_the_scenarios_cover_every_kind_of_viewer() -> None:
    """Sanity: in the scenarios someone sees as staff, someone as family, someone is refused."""
    engine, ids = world()
    seen = set()
    for case_id in ids.values():
        for actor in (TEACHER, GUARDIAN, Actor("helsesyk-e", "employee", HEALTH)):
            try:
                seen.add(type(engine.view(case_id, actor)).__name__)
            except AccessDenied:
                seen.add("denied")
    assert seen == {"StaffView", "FamilyView", "denied"}


@settings(max_examples=200, deadline=None)
@given(
    scenario=st.sampled_from(sorted(SCENARIOS)),
    actor=random_actors(),
    named=st.sampled_from(["contact_person", "baton_holder", "baton_offer", "opened_by"]),
    ident=st.sampled_from(["laerer-a", "helsesyk-e", "ukjent"]),
)
def test_a_person_named_without_a_unit_matches_nobody(
    scenario: str, actor: Actor, named: str, ident: str
) -> None:
    """A case naming someone without a unit (as an old log may) gives no actor access by it."""
    engine, ids = world()
    changes: dict[str, Any] = {named: Person(ident, "Navn")}
    case = attrs.evolve(engine.case(ids[scenario]), **changes)
    now = engine.clock()
    age = case.age_on(now.date())
    seen = access.access(engine.workflow_of(case), case, actor, now)
    assert seen.sees == expected(case, actor, age)
    assert named.replace("baton_offer", "offered").replace("opened_by", "opener") not in (
        seen.relations
    )


@settings(max_examples=60, deadline=None)
@given(
    scenario=st.sampled_from(sorted(SCENARIOS)),
    action=st.sampled_from(["appoint_contact_person", "offer_baton", "involve_unit", "decide"]),
    unit=st.sampled_from(["", " "]),
)
def test_naming_a_person_without_a_unit_is_refused(scenario: str, action: str, unit: str) -> None:
    """Every action that names a member of staff refuses one without a unit, writing nothing."""
    engine, ids = world()
    case = engine.case(ids[scenario])
    who = Person("ukjent-h", "Navn", unit)
    key = {"offer_baton": "to", "decide": "baton_holder"}.get(action, "person")
    extra = {"involve_unit": {"unit": HEALTH, "task": "x"}, "decide": {"outcome": "expand"}}
    before = len(engine.log(case.id))
    with pytest.raises(ActionRefused):
        engine.act(case.id, action, TEACHER, **{key: who}, **extra.get(action, {}))
    assert len(engine.log(case.id)) == before
