"""The services a guide names for consent (``consent.services``), and the young person's login
id (``register_young_person``): the engine's side of the family's pages (issue 16).

A guide naming its services takes consent (given or refused) for those and the relay log only;
withdrawing is never blocked. A guide naming none takes any unit, and keeps its content hash.
The young person is matched by the subject id or by the login key registered for them, in
access, in consent (their own decisions stand) and in the access log a guardian reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import casekit as k
import pytest

from btiflow import Actor, Person, national_id_key
from btiflow.access import access
from btiflow.case.consent import RELAY_LOG
from btiflow.engine import Engine
from btiflow.errors import WorkflowError
from btiflow.workflow.load import load_workflow, load_workflow_text

NORDVIK = k.REPO / "examples" / "nordvik" / "veileder.yaml"
SECRET = "en hemmelighet for Nordvik kommune, minst 32 tegn lang"
YOUNG = national_id_key("14831012345", SECRET)  # synthetic: month 83
YOUNG_ACTOR = Actor(YOUNG, "child")


def _nordvik(tmp_path: Path) -> tuple[Engine, k.Clock]:
    return k.make_engine(tmp_path, load_workflow(NORDVIK))


def test_consent_for_a_service_the_guide_does_not_name_is_refused(tmp_path: Path) -> None:
    engine, _ = _nordvik(tmp_path)
    case = k.to_level_0_decision(engine, k.open_case(engine).id)
    for action in ("give_consent", "refuse_consent"):
        k.refuse(
            engine, case.id, action, k.GUARDIAN, "unknown_service", rule="11 consent",
            says="Helsestasjon på Månen", units=["Helsestasjon på Månen", k.HEALTH],
        )  # fmt: skip
    case = engine.act(case.id, "give_consent", k.GUARDIAN, units=[RELAY_LOG, k.HEALTH])
    assert case.has_consent(k.HEALTH)
    assert case.has_consent(RELAY_LOG)


def test_withdrawing_is_never_blocked_by_the_list(tmp_path: Path) -> None:
    """The list is not asked when consent is withdrawn: what was given can always be taken
    back (a unit never given answers only that there is nothing to withdraw)."""
    engine, _ = _nordvik(tmp_path)
    case = k.to_level_0_decision(engine, k.open_case(engine).id)
    refused = k.refuse(
        engine, case.id, "withdraw_consent", k.GUARDIAN, "no_consent_to_withdraw",
        units=["Ukjent tjeneste"],
    )  # fmt: skip
    assert [r.code for r in refused.reasons] == ["no_consent_to_withdraw"]
    engine.act(case.id, "give_consent", k.GUARDIAN, units=["PPT"])
    assert not engine.act(case.id, "withdraw_consent", k.GUARDIAN, units=["PPT"]).has_consent("PPT")


def test_a_guide_naming_no_services_takes_any_and_keeps_its_hash(tmp_path: Path) -> None:
    engine, _ = k.make_engine(tmp_path)
    case = k.to_level_0_decision(engine, k.open_case(engine).id)
    case = engine.act(case.id, "give_consent", k.GUARDIAN, units=["Hvilken som helst"])
    assert case.has_consent("Hvilken som helst")
    # the standard guide's hash as it was before the key existed (cases pin it)
    bti = k.workflow("bti").content_hash
    assert bti == "e8ebd361f87f1f82ca6bc5bb58aafce802818c271f6c74a8e415be8b1abeaa53"


def test_a_service_named_twice_is_a_problem_of_the_guide() -> None:
    text = NORDVIK.read_text(encoding="utf-8").replace("- unit: PPT", "- unit: Helsestasjonen")
    with pytest.raises(WorkflowError) as caught:
        load_workflow_text(text, base_dir=NORDVIK.parent)
    assert [p.code for p in caught.value.problems] == ["id_twice"]


def _young_persons_case(engine: Engine, born: str) -> str:
    case = k.to_level_0_decision(engine, k.open_case(engine, birth_date=born).id)
    engine.act(case.id, "register_young_person", k.TEACHER, person=Person(YOUNG, "Ungdom"))
    return case.id


def _now(engine: Engine) -> dt.datetime:
    return engine.clock.now  # type: ignore[attr-defined,no-any-return]


def test_the_young_persons_login_key_is_the_young_person(tmp_path: Path) -> None:
    engine, _ = k.make_engine(tmp_path)
    old = _young_persons_case(engine, "2010-03-14")  # 16 on the clock's day
    case = engine.case(old)
    assert case.young_person == YOUNG
    assert case.is_subject(YOUNG)
    assert case.is_subject(case.subject)
    seen = access(engine.workflow_of(case), case, YOUNG_ACTOR, _now(engine))
    assert {"child", "young_person"} <= seen.relations
    assert seen.sees == "family"
    young = _young_persons_case(engine, "2013-05-05")  # 13: sees, may not consent alone
    case = engine.case(young)
    seen = access(engine.workflow_of(case), case, YOUNG_ACTOR, _now(engine))
    assert "young_person" not in seen.relations
    k.refuse(engine, young, "give_consent", YOUNG_ACTOR, "not_permitted", units=[k.HEALTH])
    # someone else's key, or the key as a guardian's role, is not the young person
    other = Actor(national_id_key("05851398765", SECRET), "child")
    assert not engine.relations(old, other)
    assert not engine.relations(old, Actor(YOUNG, "guardian"))


def test_the_young_persons_own_decision_under_their_key_stands(tmp_path: Path) -> None:
    engine, _ = k.make_engine(tmp_path)
    case_id = _young_persons_case(engine, "2010-03-14")
    engine.act(case_id, "refuse_consent", YOUNG_ACTOR, units=[k.HEALTH])
    assert engine.case(case_id).young_person_decided(k.HEALTH)
    k.refuse(engine, case_id, "give_consent", k.GUARDIAN, "young_person_decides", units=[k.HEALTH])
    case = engine.act(case_id, "give_consent", YOUNG_ACTOR, units=[k.HEALTH])
    assert case.has_consent(k.HEALTH)


def test_a_guardian_named_by_a_bare_national_id_is_refused_as_a_young_person_too(
    tmp_path: Path,
) -> None:
    engine, _ = k.make_engine(tmp_path)
    case = k.open_case(engine, birth_date="2010-03-14")
    k.refuse(
        engine, case.id, "register_young_person", k.TEACHER, "invalid_input",
        person={"id": "14831012345"},
    )  # fmt: skip
    k.refuse(
        engine, case.id, "register_young_person", k.GUARDIAN, "not_permitted",
        person={"id": YOUNG},
    )  # fmt: skip
