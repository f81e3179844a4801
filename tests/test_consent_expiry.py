"""Consent that lapses (rule 11, ``consent.valid_for``): from the day it ends the unit may no
longer know, until the family gives it again; the staff are reminded before it ends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casekit import (
    GUARDIAN,
    HEALTH,
    NURSE,
    OSLO,
    SCHOOL,
    TEACHER,
    WISH,
    Clock,
    give_log_consent,
    make_engine,
    open_case,
    refuse,
    to_level_0_decision,
    to_level_2,
    workflow,
)

from btiflow.access import may_see
from btiflow.case.consent import RELAY_LOG, ending, lapsed, lapses_on, log_shared
from btiflow.case.people import Person
from btiflow.engine import Engine
from btiflow.notify.messages import NotifyConfig
from btiflow.store.outbox import Outbox
from btiflow.store.sqlite import SqliteStore
from btiflow.workflow.convert import structure, unstructure
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import Workflow

OVERLAY = """\
format: btiflow/1
extends: bti
id: expiring
version: "1"
consent:
  valid_for: P26W
  renewal_reminder: P3W
"""
CONFIG = NotifyConfig("https://bti.kommune.example.org", "bti@kommune.example.org", "BTI Nordvik")
TEACHER_P = Person(TEACHER.id, TEACHER.name, SCHOOL, "laerer@skole.example.org")


def expiring(tmp_path: Path) -> Workflow:
    path = tmp_path / "expiring.yaml"
    path.write_text(OVERLAY, encoding="utf-8")
    return load_workflow(path)


def _now(engine: Engine) -> dt.datetime:
    return engine.clock.now  # type: ignore[attr-defined,no-any-return]


def test_valid_for_is_read_and_kept_and_old_guides_keep_their_hash(tmp_path: Path) -> None:
    """The new keys load and round-trip; a guide without them hashes as it did before."""
    wf = expiring(tmp_path)
    assert wf.consent.valid_for is not None
    assert wf.consent.valid_for.days == 182
    assert structure(unstructure(wf)).content_hash == wf.content_hash
    bti = workflow("bti")
    assert "valid_for" not in unstructure(bti)["consent"]
    assert structure(unstructure(bti)).content_hash == bti.content_hash


def test_a_lapsed_consent_shuts_the_unit_out_until_given_again(tmp_path: Path) -> None:
    """The health station sees the case at level 2; 26 weeks after the consents were given it
    no longer does, and cannot be involved again; the guardian gives consent again: it does."""
    engine, clock = make_engine(tmp_path, expiring(tmp_path))
    case = to_level_2(engine)
    assert may_see(engine.workflow, case, NURSE, _now(engine))
    given = case.consent_for(HEALTH)
    assert given is not None
    assert lapses_on(engine.workflow, given) == clock.today + dt.timedelta(weeks=26)
    log = case.consent_for(RELAY_LOG)
    assert log is not None
    ends = lapses_on(engine.workflow, log)  # given first (at level 0): it ends first
    assert ends is not None
    clock.now = dt.datetime.combine(ends - dt.timedelta(days=1), dt.time(12), OSLO)
    assert may_see(engine.workflow, engine.case(case.id), NURSE, _now(engine))
    clock.advance(days=1)
    case = engine.case(case.id)
    assert lapsed(engine.workflow, case, clock.today) == (RELAY_LOG,)
    assert not may_see(engine.workflow, case, NURSE, _now(engine))
    assert may_see(engine.workflow, case, TEACHER, _now(engine))  # the opening unit goes on
    refused = refuse(
        engine, case.id, "involve_unit", TEACHER, "consent_lapsed", unit=HEALTH, task="x",
        says="Be familien om å gi det på nytt",
    )  # fmt: skip
    assert [r.code for r in refused.reasons] == ["log_consent_missing", "consent_lapsed"]
    engine.act(case.id, "give_consent", GUARDIAN, units=[RELAY_LOG, HEALTH])
    case = engine.case(case.id)
    assert may_see(engine.workflow, case, NURSE, _now(engine))
    assert case.is_open


def test_a_lapsed_consent_to_the_log_keeps_the_case_at_level_0(tmp_path: Path) -> None:
    """Consent to the relay log given at level 0 and lapsed before the decision: leaving
    level 0 is refused until it is given again."""
    engine, clock = make_engine(tmp_path, expiring(tmp_path))
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    give_log_consent(engine, case.id)
    clock.advance(days=26 * 7)
    assert not log_shared(engine.case(case.id), engine.workflow, clock.today)
    refuse(
        engine, case.id, "decide", TEACHER, "consent_lapsed", outcome="expand", to_level=1,
        family_wish=WISH, baton_holder=TEACHER,
    )  # fmt: skip
    give_log_consent(engine, case.id)
    case = engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=1, family_wish=WISH,
        baton_holder=TEACHER,
    )  # fmt: skip
    assert case.level == 1


def test_a_holder_whose_consent_lapsed_is_stranded_and_the_opener_passes_it_on(
    tmp_path: Path,
) -> None:
    """The nurse holds the baton at level 2; the consent lapses: the nurse can no longer act,
    and the teacher who opened the case offers the baton on (no one is left without a way)."""
    engine, clock = make_engine(tmp_path, expiring(tmp_path))
    case = to_level_2(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=NURSE)
    case = engine.act(case.id, "accept_baton", NURSE)
    assert case.baton_holder is not None
    assert case.baton_holder.id == NURSE.id
    clock.advance(days=26 * 7)
    refuse(engine, case.id, "schedule_meeting", NURSE, "not_permitted", kind="planning",
           at=clock.now + dt.timedelta(days=1))  # fmt: skip
    engine.act(case.id, "offer_baton", TEACHER, to=TEACHER)
    case = engine.act(case.id, "accept_baton", TEACHER)
    assert case.baton_holder is not None
    assert case.baton_holder.id == TEACHER.id


def test_the_staff_are_reminded_before_a_consent_ends_once(tmp_path: Path) -> None:
    """Three weeks (renewal_reminder) before the consents end, the holder is reminded once; the
    mail names neither the unit nor the child."""
    clock = Clock(dt.datetime(2026, 9, 1, 9, 0, tzinfo=OSLO))
    engine = Engine(
        expiring(tmp_path), SqliteStore(tmp_path / "relay.db"), clock=clock, notify=CONFIG
    )
    case = to_level_2(engine, holder=TEACHER_P)
    state = engine.case(case.id)
    given = state.consent_for(RELAY_LOG)
    assert given is not None
    ends = lapses_on(engine.workflow, given)
    assert ends is not None
    clock.now = dt.datetime.combine(ends - dt.timedelta(days=22), dt.time(12), OSLO)
    assert ending(engine.workflow, state, clock.today) == []
    assert engine.plan_reminders() == 0
    clock.advance(days=1)
    assert [u for u, _ in ending(engine.workflow, state, clock.today)] == [RELAY_LOG]
    assert engine.plan_reminders() == 1  # one day, one person: one message
    assert engine.plan_reminders() == 0
    (row,) = [m for m in Outbox(tmp_path / "relay.db").messages() if m.kind == "consent_ending"]
    assert row.address == TEACHER_P.email
    assert f"{ends.day}." in row.subject
    for secret in (HEALTH, RELAY_LOG, "elev-0042", "Trekker seg"):
        assert secret not in row.subject
    clock.now = dt.datetime.combine(ends, dt.time(12), OSLO)
    later = [u for u, _ in ending(engine.workflow, state, clock.today)]
    assert RELAY_LOG not in later  # ended: no longer "ending" (the health station's comes next)
