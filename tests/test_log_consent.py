"""The family's log, with consent (rule 11): the relay log follows the child across services only
with the guardians' (or the young person's) consent to the log itself; level 0 stays inside the
opening unit, and withdrawing it closes the shared log (kept, shown to no other service)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
from casekit import (
    CHILD,
    GUARDIAN,
    HEALTH,
    NURSE,
    TEACHER,
    WISH,
    give_log_consent,
    make_engine,
    open_case,
    refuse,
    to_level_0_decision,
    to_level_1,
    to_level_2,
)

from btiflow.access import may_see
from btiflow.case.consent import RELAY_LOG, log_shared
from btiflow.engine import Engine
from btiflow.timeline import timeline


def _now(engine: Engine) -> dt.datetime:
    return engine.clock.now  # type: ignore[attr-defined,no-any-return]


def test_leaving_level_0_needs_consent_to_the_relay_log(tmp_path: Path) -> None:
    """Without the family's consent to the log, level 0 → 1 is refused (rule 11); with it, on."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    refuse(
        engine, case.id, "decide", TEACHER, "log_consent_missing", rule="11 consent",
        says="samtykke til stafettloggen", outcome="expand", to_level=1, family_wish=WISH,
        baton_holder=TEACHER,
    )  # fmt: skip
    give_log_consent(engine, case.id)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=1, family_wish=WISH,
        baton_holder=TEACHER,
    )  # fmt: skip
    assert case.level == 1
    assert log_shared(case)


def test_the_young_person_consents_to_the_log_from_the_self_consent_age(tmp_path: Path) -> None:
    """A 16-year-old's own consent to the log lets the case leave level 0."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine, birth_date="2010-01-15")
    to_level_0_decision(engine, case.id)
    give_log_consent(engine, case.id, by=CHILD)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=1, family_wish=WISH,
        baton_holder=TEACHER,
    )  # fmt: skip
    assert case.level == 1


def test_level_0_stays_inside_the_opening_unit(tmp_path: Path) -> None:
    """At level 0 a unit's consent does not let another unit's person hold the baton without the
    log: the consent to that unit alone is not enough."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    engine.act(case.id, "give_consent", GUARDIAN, units=[HEALTH])
    refused = refuse(
        engine, case.id, "decide", TEACHER, "log_consent_missing", outcome="expand",
        to_level=1, family_wish=WISH, baton_holder=NURSE,
    )  # fmt: skip
    assert "baton_unit_without_consent" in {r.code for r in refused.reasons}
    assert not may_see(engine.workflow, engine.case(case.id), NURSE, _now(engine))


def test_withdrawing_the_log_consent_closes_the_shared_log(tmp_path: Path) -> None:
    """The guardian withdraws consent to the log at level 2: the case closes, what is written is
    kept, and the involved health station sees it no more; the opening unit and family still do."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    assert may_see(engine.workflow, case, NURSE, _now(engine))
    before = len(engine.log(case.id))
    case = engine.act(case.id, "withdraw_consent", GUARDIAN, units=[RELAY_LOG])
    assert not case.is_open
    assert not log_shared(case)
    log = engine.log(case.id)
    assert [e.kind for e in log[before:]] == ["consent_withdrawn", "case_closed"]
    assert "den delte loggen er lukket" in timeline(log, engine.workflow)
    assert "Samtykke trukket tilbake for stafettloggen" in timeline(log, engine.workflow)
    assert not may_see(engine.workflow, case, NURSE, _now(engine))
    assert may_see(engine.workflow, case, TEACHER, _now(engine))
    assert may_see(engine.workflow, case, GUARDIAN, _now(engine))


def test_the_log_is_no_unit_to_involve(tmp_path: Path) -> None:
    """'stafettlogg' names the consent to the log; involving it as a unit is refused."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    refuse(engine, case.id, "involve_unit", TEACHER, "log_is_no_unit", unit=RELAY_LOG, task="x")


def test_an_old_case_past_level_0_counts_as_consented_to_the_log(tmp_path: Path) -> None:
    """A case that left level 0 before log consent existed has no decision on the log: it counts
    as shared (it went on under the old process); the family can still withdraw it."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    assert case.consent_for(RELAY_LOG) is not None
    old = attrs.evolve(case, consents=())  # as an old log replays: no decision on the log
    assert log_shared(old)
    assert not log_shared(attrs.evolve(old, level=0))
