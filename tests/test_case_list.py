"""Small engine calls for embedding apps: the cases a person may see (Engine.cases), how they
are tied to one (Engine.relations), and acting at a known position (act_with(position=))."""

from pathlib import Path

import casekit as k
import pytest

from btiflow import CaseNotFound, ConflictError


def test_cases_lists_only_what_the_viewer_may_see(tmp_path: Path) -> None:
    """Staff see the cases they are tied to, a guardian the ones they were told of."""
    engine, _ = k.make_engine(tmp_path)
    told = k.open_case(engine, subject="elev-1")
    k.to_level_0_decision(engine, told.id)
    untold = k.open_case(engine, subject="elev-2")
    assert {s.case_id for s in engine.cases(k.TEACHER)} == {told.id, untold.id}
    assert [s.case_id for s in engine.cases(k.GUARDIAN)] == [told.id]
    assert engine.cases(k.NURSE) == []
    summary = engine.cases(k.GUARDIAN)[0]
    assert summary.sees == "family"
    assert summary.subject == "elev-1"


def test_cases_narrow_by_subject_level_holder_and_due(tmp_path: Path) -> None:
    """Each filter narrows the list; none writes to the access log."""
    engine, clock = k.make_engine(tmp_path)
    one = k.to_level_1(engine, subject="elev-1")
    k.plan(engine, one.id, days=14)
    zero = k.open_case(engine, subject="elev-2")
    rows = len(engine.store.access_log(one.id))
    assert [s.case_id for s in engine.cases(k.TEACHER, subject="elev-2")] == [zero.id]
    assert [s.case_id for s in engine.cases(k.TEACHER, level=1)] == [one.id]
    assert [s.case_id for s in engine.cases(k.TEACHER, holder=k.TEACHER.id)] == [one.id]
    assert engine.cases(k.TEACHER, holder="laerer-z") == []
    soon = clock.today.fromisoformat(clock.in_days(14))
    assert [s.case_id for s in engine.cases(k.TEACHER, due_before=soon)] == [one.id]
    assert engine.cases(k.TEACHER, due_before=clock.today) == []
    assert len(engine.store.access_log(one.id)) == rows


def test_cases_narrow_by_status_and_list_all_for_the_store_holder(tmp_path: Path) -> None:
    """status= keeps open or closed cases; viewer=None (the command line) lists every case."""
    engine, _ = k.make_engine(tmp_path)
    mine = k.closed_at_level_0(engine, subject="elev-1")
    other = k.open_case(engine, subject="elev-2", by=k.NURSE)
    assert [s.case_id for s in engine.cases(k.TEACHER, status="closed")] == [mine.id]
    assert engine.cases(k.TEACHER, status="open") == []
    assert {s.case_id for s in engine.cases(None)} == {mine.id, other.id}
    assert [s.case_id for s in engine.cases(None, status="open")] == [other.id]
    assert {s.sees for s in engine.cases(None)} == {"staff"}


def test_relations_are_empty_for_a_stranger_and_raise_for_no_case(tmp_path: Path) -> None:
    """A person not tied to the case has no relation; an unknown id is CaseNotFound."""
    engine, _ = k.make_engine(tmp_path)
    case = k.open_case(engine)
    assert engine.relations(case.id, k.TEACHER) == {"opener"}
    assert engine.relations(case.id, k.ADVISER) == frozenset()
    with pytest.raises(CaseNotFound):
        engine.relations("finnes-ikke", k.TEACHER)


def test_act_at_a_position_that_moved_on_is_a_conflict(tmp_path: Path) -> None:
    """act_with(position=N) writes only while the case is still at N; otherwise ConflictError."""
    engine, _ = k.make_engine(tmp_path)
    case = k.open_case(engine)
    with k.unchanged(engine, case.id), pytest.raises(ConflictError):
        engine.act_with(case.id, "complete_step", k.TEACHER, {}, position=case.seq - 1)
    moved = engine.act_with(case.id, "complete_step", k.TEACHER, {}, position=case.seq)
    assert moved.seq == case.seq + 1
