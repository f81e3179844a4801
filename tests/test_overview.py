"""The overview of a line manager and the BTI coordinator, and the offers awaiting a person:
answered by store queries (both stores), figures equal to a count over every case, and never a
case listed that the person may not see (btiflow.overview, docs/permissions.md)."""

from __future__ import annotations

import datetime as dt
import importlib
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import casekit as k
import pytest
from casekit import HEALTH, LEADER, NURSE, PPT, SCHOOL, TEACHER, Clock
from hypothesis import given
from hypothesis import strategies as st
from storekit import Backend

from btiflow import AccessDenied, Actor, Engine
from btiflow.access import access, may_see_any
from btiflow.case.state import Case
from btiflow.overview import Overview, scope_of
from btiflow.store.base import CaseCount

COORDINATOR = Actor("bti-koord-h", "coordinator", "Kommunen", "BTI-koordinator H")
HEALTH_LEADER = Actor("leder-helse-i", "leader", HEALTH, "Leder I")
PPT_LEADER = Actor("leder-ppt-j", "leader", PPT, "Leder J")
NURSE_LEADER_CASE = Actor("helsesyk-k", "employee", HEALTH, "Helsesykepleier K")


def varied(engine: Engine, clock: Clock) -> dict[str, Case]:
    """Cases at every point the overview tells apart: level 2 held by the nurse (the health
    station involved) and overdue, closed at level 0, level 0 in the school and in the health
    station, level 1 overdue, due soon, and offered to the nurse (the health station
    involved)."""
    nurse = k.handed_to_nurse(engine, clock, "elev-g")
    offered = k.to_level_2(engine, subject="elev-f")
    engine.act(offered.id, "offer_baton", TEACHER, to=NURSE)
    k.plan(engine, nurse.id, NURSE, days=3)
    cases = {
        "nurse": nurse,
        "closed": k.closed_at_level_0(engine, "elev-a"),
        "level0": k.open_case(engine, "elev-b"),
        "health0": k.open_case(engine, "elev-c", by=NURSE_LEADER_CASE),
        "overdue": k.with_measures(engine, clock, "elev-d", clock.in_days(3)),
        "soon": k.with_measures(engine, clock, "elev-e", clock.in_days(12)),
        "offered": offered,
    }
    clock.advance(days=5)
    return {name: engine.case(c.id) for name, c in cases.items()}


def in_scope(case: Case, unit: str | None) -> bool:
    """The overview's scope, told case by case: the reference the store's query must match."""
    if unit is None:
        return True
    offer = case.baton_offer if case.is_open else None
    holder = case.baton_holder
    return (
        case.opened_by.unit == unit
        or (holder is not None and holder.unit == unit)
        or (offer is not None and offer.unit == unit)
    )


def reference_counts(cases: list[Case], unit: str | None, day: dt.date) -> list[CaseCount]:
    until = day + dt.timedelta(days=7)
    found: dict[tuple[int, str], list[int]] = {}
    for case in cases:
        if not in_scope(case, unit):
            continue
        row = found.setdefault((case.level, case.status), [0, 0, 0, 0])
        due = dt.date.fromisoformat(case.next_evaluation_due) if case.next_evaluation_due else None
        row[0] += 1
        row[1] += case.is_open and due is not None and due < day
        row[2] += case.is_open and due is not None and day <= due <= until
        row[3] += case.is_open and case.baton_offer is not None
    return [CaseCount(level, status, *n) for (level, status), n in sorted(found.items())]


@pytest.fixture
def run(backend: Backend) -> tuple[Engine, Clock, dict[str, Case]]:
    clock = Clock()
    engine = Engine(k.workflow(), backend.open(), clock=clock)
    return engine, clock, varied(engine, clock)


def test_offers_to_finds_the_person_offered_and_no_one_else(
    run: tuple[Engine, Clock, dict[str, Case]],
) -> None:
    """The store's index answers who is offered a baton: that person in that unit only; an
    offer answered is gone from it."""
    engine, _, cases = run
    offered = cases["offered"].id
    assert engine.store.offers_to(NURSE.id, HEALTH) == [offered]
    assert engine.store.offers_to(NURSE.id, SCHOOL) == []
    assert engine.store.offers_to(TEACHER.id, SCHOOL) == []
    assert engine.offers(NURSE) == [offered]
    assert engine.offers(Actor(NURSE.id, "guardian", "", "x")) == []
    assert engine.offers(Actor(NURSE.id, "employee", PPT, "x")) == []
    engine.act(offered, "accept_baton", NURSE)
    assert engine.store.offers_to(NURSE.id, HEALTH) == []
    assert engine.offers(NURSE) == []


@pytest.mark.parametrize("who", ["coordinator", "school", "health", "ppt"])
def test_the_counts_equal_a_count_over_every_case(
    run: tuple[Engine, Clock, dict[str, Case]], who: str
) -> None:
    """Per level and status, overdue, due soon and offers: as counting every case by hand."""
    engine, clock, _ = run
    viewer = {
        "coordinator": COORDINATOR,
        "school": LEADER,
        "health": HEALTH_LEADER,
        "ppt": PPT_LEADER,
    }[who]
    shown = engine.overview(viewer)
    every = [engine.case(c) for c in engine.store.case_ids()]
    unit = None if who == "coordinator" else viewer.unit
    assert list(shown.counts) == reference_counts(every, unit, clock.today)
    assert shown.count() == sum(in_scope(c, unit) for c in every)


def test_the_school_leaders_figures(run: tuple[Engine, Clock, dict[str, Case]]) -> None:
    """The school's leader: the six cases the school opened (the health station's own concern
    is not the school's), two overdue, one due soon, one offer, and none listed: past level 0
    a leader does not see a case through being its unit's leader. The health station's leader:
    its own concern, the case its nurse holds (overdue) and the one offered to her; both are
    listed, for the health station is involved in them."""
    engine, _, cases = run
    shown = engine.overview(LEADER)
    assert (shown.scope, shown.unit) == ("unit", SCHOOL)
    assert shown.count() == 6
    assert shown.count(level=0) == 2
    assert shown.count(level=0, status="closed") == 1
    assert shown.count(level=1, status="open") == 2
    assert shown.count(level=2) == 2  # opened in the school; one's baton is with the nurse
    assert (shown.total_overdue, shown.total_due_soon, shown.total_offers) == (2, 1, 1)
    assert shown.overdue == shown.due_soon == shown.offers == ()
    health = engine.overview(HEALTH_LEADER)
    assert health.count() == 3  # its own concern, the case it holds, the one offered to it
    assert (health.total_overdue, health.total_due_soon, health.total_offers) == (1, 0, 1)
    assert [s.case_id for s in health.offers] == [cases["offered"].id]
    assert [s.case_id for s in health.overdue] == [cases["nurse"].id]
    assert engine.overview(PPT_LEADER).count() == 0  # involved nowhere as opener or holder


@pytest.mark.parametrize(
    "actor",
    [TEACHER, NURSE, k.GUARDIAN, k.CHILD, Actor("admin-l", "admin", "Kommunen", "Admin L"),
     Actor("rektor-m", "leader", "", "Rektor uten enhet")],
)  # fmt: skip
def test_no_overview_for_anyone_else(
    run: tuple[Engine, Clock, dict[str, Case]], actor: Actor
) -> None:
    """An employee, a family member, an administrator, a leader without a unit: no overview."""
    engine, _, _ = run
    assert scope_of(actor) is None
    with pytest.raises(AccessDenied):
        engine.overview(actor)


UNITS = (SCHOOL, HEALTH, PPT, "Barnehagen")
PEOPLE_IDS = (TEACHER.id, LEADER.id, NURSE.id, NURSE_LEADER_CASE.id, "noen-andre")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Clock, list[Case]]:
    clock = Clock()
    engine, _ = k.make_engine(tmp_path_factory.mktemp("overview"), clock=clock)
    made = varied(engine, clock)
    return engine, clock, [engine.case(c.id) for c in made.values()]


actors = st.builds(
    Actor,
    id=st.sampled_from(PEOPLE_IDS),
    role=st.sampled_from(("employee", "leader", "coordinator", "admin", "guardian", "child")),
    unit=st.sampled_from(UNITS),
    name=st.just("Noen"),
)


@given(actor=actors, ahead=st.integers(min_value=0, max_value=60))
def test_the_overview_never_lists_a_case_the_person_may_not_see(
    shared: tuple[Engine, Clock, list[Case]], actor: Actor, ahead: int
) -> None:
    """For anyone on any day: every case listed is one they may see (btiflow.access), in
    their scope and needing attention; every such case they may see is listed; the figures
    are the count over every case. Nothing is written to any access log."""
    engine, clock, _ = shared
    start = clock.now
    clock.advance(days=ahead)
    try:
        before = [len(engine.store.access_log(c)) for c in engine.store.case_ids()]
        scope = scope_of(actor)
        if scope is None:
            with pytest.raises(AccessDenied):
                engine.overview(actor)
            return
        shown = engine.overview(actor)
        check_lists(engine, shown, actor, scope.unit)
        after = [len(engine.store.access_log(c)) for c in engine.store.case_ids()]
        assert after == before
    finally:
        clock.now = start


def check_lists(engine: Engine, shown: Overview, actor: Actor, unit: str | None) -> None:
    now = engine.clock()
    day = now.astimezone(k.OSLO).date()
    every = [engine.case(c) for c in engine.store.case_ids()]
    assert list(shown.counts) == reference_counts(every, unit, day)
    expected: dict[str, set[str]] = {"overdue": set(), "soon": set(), "offer": set()}
    for case in every:
        seen = access(engine.workflow_of(case), case, actor, now)
        if not in_scope(case, unit) or not case.is_open or seen.sees is None:
            continue
        due = dt.date.fromisoformat(case.next_evaluation_due) if case.next_evaluation_due else None
        if due is not None and due < day:
            expected["overdue"].add(case.id)
        elif due is not None and due <= day + dt.timedelta(days=7):
            expected["soon"].add(case.id)
        if case.baton_offer is not None:
            expected["offer"].add(case.id)
    listed = {
        "overdue": {s.case_id for s in shown.overdue},
        "soon": {s.case_id for s in shown.due_soon},
        "offer": {s.case_id for s in shown.offers},
    }
    assert listed == expected
    for line in (*shown.overdue, *shown.due_soon, *shown.offers):
        case = engine.case(line.case_id)
        assert access(engine.workflow_of(case), case, actor, now).sees == line.sees


def test_a_log_written_before_gets_its_ties_filled_in(tmp_path: Path) -> None:
    """m011 fills in the opening unit and the offer of every case already written (the
    fixture log of 0.1.0), so the counts and verify agree at once."""
    import shutil

    from btiflow import SqliteStore

    fixture = Path(__file__).parent / "fixtures" / "relay-log-0.1.0.sqlite"
    copy = tmp_path / "old.sqlite"
    shutil.copyfile(fixture, copy)
    with SqliteStore(copy) as store:
        assert store.verify().ok
        every = [store.load(c) for c in store.case_ids()]
        day = dt.date(2026, 10, 1)
        assert store.case_counts(None, day, day + dt.timedelta(days=7)) == reference_counts(
            every, None, day
        )
        for unit in {c.opened_by.unit for c in every}:
            counted = store.case_counts(unit, day, day + dt.timedelta(days=7))
            assert counted == reference_counts(every, unit, day)


def test_an_offer_to_a_person_is_found_without_reading_every_case(tmp_path: Path) -> None:
    """SQLite answers offers_to from the cases_offer index and the counts from covering
    indexes: the plan reads no table row of the cases it does not return."""
    engine, _ = k.make_engine(tmp_path)
    conn = engine.store._conn  # type: ignore[attr-defined]
    plan = " ".join(
        r[3]
        for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT case_id FROM cases WHERE offer_to = ? AND offer_unit = ?",
            ("x", "y"),
        )
    )
    assert "cases_offer" in plan
    assert "SCAN cases" not in plan.replace("SCAN cases USING", "")
    engine.store.case_counts(SCHOOL, dt.date(2026, 9, 1), dt.date(2026, 9, 8))
    for column in ("opened_unit", "baton_unit", "offer_unit"):
        plan = " ".join(
            r[3]
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT rowid, level, status, next_evaluation_due, offer_to "
                f"FROM cases WHERE {column} = ?",
                ("x",),
            )
        )
        assert f"USING COVERING INDEX cases_by_{column}" in plan, plan


@given(actor=actors, ahead=st.integers(min_value=0, max_value=60))
def test_a_role_that_sees_no_case_sees_none_of_these(
    shared: tuple[Engine, Clock, list[Case]], actor: Actor, ahead: int
) -> None:
    """access.may_see_any (which spares the coordinator's overview every case's state) says no
    only to a role that none of the cases lets see it, on any day."""
    engine, clock, cases = shared
    if may_see_any(actor):
        return
    now = clock.now + dt.timedelta(days=ahead)
    for case in cases:
        assert access(engine.workflow_of(case), case, actor, now).sees is None


def _undo_m011(run: Callable[[str], object]) -> None:
    """The schema as it was before m011: its columns and indexes gone, not recorded."""
    for index in ("cases_offer", "cases_tally", *(f"cases_by_{c}" for c in TIES)):
        run(f"DROP INDEX IF EXISTS {index}")
    for column in ("opened_unit", "offer_to", "offer_unit"):
        run(f"ALTER TABLE cases DROP COLUMN {column}")


TIES = ("opened_unit", "baton_unit", "offer_unit")


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_m011_fills_in_the_cases_written_before(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log written before m011 (its columns dropped, the migration not recorded) gets them
    filled in from each case's state on open, a few cases at a time (never every state read
    at once): verify agrees, and so do the counts and offers."""
    clock = Clock()
    url = str(tmp_path / "relay.db")
    tenant = None
    if kind == "postgres":
        url = request.getfixturevalue("pg_url")  # skips without PostgreSQL or psycopg
        tenant = f"m011-{tmp_path.name}"[-40:]
    store = importlib.import_module(f"btiflow.store.{kind}")
    monkeypatch.setattr(store, "M011_BATCH", 2)
    engine = k.engine_on(url, clock, tenant)
    made = varied(engine, clock)
    engine.store.close()
    if kind == "sqlite":
        with closing(sqlite3.connect(url)) as conn, conn:
            _undo_m011(conn.execute)
            conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_case_ties'")
    else:
        import psycopg  # the postgres extra, as pg_url needs

        with psycopg.connect(url, autocommit=True) as pg:
            _undo_m011(pg.execute)
            pg.execute("DELETE FROM btiflow_migrations WHERE name = 'm011_case_ties'")
    engine = k.engine_on(url, clock, tenant)
    try:
        assert engine.verify().ok
        every = [engine.case(c) for c in engine.store.case_ids()]
        for unit in (None, SCHOOL, HEALTH):
            shown = engine.overview(COORDINATOR if unit is None else Actor("l", "leader", unit))
            assert list(shown.counts) == reference_counts(every, unit, clock.today)
        assert engine.offers(NURSE) == [made["offered"].id]
    finally:
        engine.store.close()
