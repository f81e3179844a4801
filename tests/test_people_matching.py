"""Issue 11, hole 1: a person named in a case matches an actor only on id *and* unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from casekit import HEALTH, SCHOOL, TEACHER, make_engine, refuse, to_level_1, to_level_2

from btiflow import access
from btiflow.case.people import Actor, Person
from btiflow.errors import ActionRefused

KARI = "kari-h"

# each way a case names a member of staff, with a person given without a unit
NAMINGS: list[tuple[str, dict[str, Any], str]] = [
    ("appoint_contact_person", {"person": Person(KARI, "Kari H")}, "person"),
    ("appoint_contact_person", {"person": {"id": KARI, "name": "Kari H"}}, "person"),
    ("offer_baton", {"to": Person(KARI, "Kari H", " ")}, "to"),
    ("involve_unit", {"unit": HEALTH, "task": "Samtaler", "person": Person(KARI)}, "person"),
]


@pytest.mark.parametrize(("action", "params", "param"), NAMINGS)
def test_a_member_of_staff_named_without_a_unit_is_refused(
    tmp_path: Path, action: str, params: dict[str, Any], param: str
) -> None:
    """Naming a contact person, a baton holder or an involved person needs their unit."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine) if action == "involve_unit" else to_level_1(engine)
    refused = refuse(engine, case.id, action, TEACHER, "invalid_input", **params)
    assert any(f"«{param}»" in r.message for r in refused.reasons)


def test_a_baton_holder_named_without_a_unit_at_the_decision_is_refused(tmp_path: Path) -> None:
    """decide(baton_holder=...) refuses a person without a unit, as appointing does."""
    from casekit import WISH, open_case, to_level_0_decision

    engine, _ = make_engine(tmp_path)
    case = to_level_0_decision(engine, open_case(engine).id)
    refuse(
        engine, case.id, "decide", TEACHER, "invalid_input", outcome="expand", to_level=1,
        family_wish=WISH, baton_holder=Person(KARI),
    )  # fmt: skip


def test_a_unit_less_person_in_an_old_case_matches_nobody(tmp_path: Path) -> None:
    """A contact person recorded without a unit (an old log) gives no actor their access."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    old = attrs.evolve(case, contact_person=Person(KARI, "Kari H"), baton_offer=Person(KARI))
    wf, now = engine.workflow, engine.clock()
    for unit in (SCHOOL, HEALTH, ""):
        impostor = Actor(KARI, "employee", unit)
        assert access.relations(wf, old, impostor, now.date()) == frozenset()


def test_an_employee_without_a_unit_may_not_open_a_case(tmp_path: Path) -> None:
    """The opener is named in the case: staff without a unit are refused, nothing written."""
    engine, _ = make_engine(tmp_path)
    with pytest.raises(ActionRefused) as caught:
        engine.open_case("elev-1", Actor("laerer-x", "employee", ""))
    assert "by.unit" in str(caught.value)
    assert engine.store.case_ids() == []
