"""The tests' one helper module: an injected clock, invented actors, and walks to a point.

Every person here is invented (ids like ``laerer-a``); no real names. Each walk takes an engine
whose clock is a ``Clock``, follows the standard guide (``workflows/bti.yaml``) unless told
otherwise, and returns the case as it stands at the named point. The store, durability and
benchmark tests use the walks at the end (``engine_on``, ``at_level_1``, ``with_measures`` …),
which also run in a worker process (``tests/helpers/worker.py``).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from btiflow.case.consent import RELAY_LOG
from btiflow.case.people import Actor, Person
from btiflow.case.state import Case
from btiflow.engine import Engine, ManualClock
from btiflow.errors import ActionRefused
from btiflow.store.sqlite import SqliteStore
from btiflow.store.url import open_store
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import Workflow

OSLO = ZoneInfo("Europe/Oslo")
REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / "workflows"
START = dt.datetime(2026, 9, 1, 9, 0, tzinfo=OSLO)

SCHOOL = "Nordvik skole"
HEALTH = "Helsestasjonen"
PPT = "PPT"

TEACHER = Actor("laerer-a", "employee", SCHOOL, "Lærer A")
LEADER = Actor("rektor-b", "leader", SCHOOL, "Rektor B")
GUARDIAN = Actor("foresatt-c", "guardian", "", "Foresatt C")
CHILD = Actor("elev-0042", "child", "", "Elev D")  # the subject of open_case
NURSE = Actor("helsesyk-e", "employee", HEALTH, "Helsesykepleier E")
COLLEAGUE = Actor("laerer-f", "employee", SCHOOL, "Lærer F")
ADVISER = Actor("ppt-g", "employee", PPT, "Rådgiver G")

WISH = "Familien ønsker at kontaktlæreren fortsatt er stafettholder"


class Clock(ManualClock):
    """The engine's clock in tests, starting at ``START``: ``clock.advance(days=14)``."""

    def __init__(self, start: dt.datetime = START) -> None:
        super().__init__(start)


_workflows: dict[str, Workflow] = {}


def workflow(name: str = "bti") -> Workflow:
    """A shipped workflow by name, loaded once per process (a workflow is frozen)."""
    if name not in _workflows:
        _workflows[name] = load_workflow(WORKFLOWS / f"{name}.yaml")
    return _workflows[name]


def make_engine(
    tmp_path: Path, wf: Workflow | str = "bti", clock: Clock | None = None, db: str = "relay.db"
) -> tuple[Engine, Clock]:
    """An engine on a fresh SQLite file in ``tmp_path``, with an injected clock."""
    clock = clock or Clock()
    loaded = workflow(wf) if isinstance(wf, str) else wf
    return Engine(loaded, SqliteStore(tmp_path / db), clock=clock), clock


# --- the database, before and after ------------------------------------------------------------


def snapshot(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], bytes]:
    """Every row of ``entries`` and ``cases``, and the file's bytes after a WAL checkpoint."""
    path = engine.store.path  # type: ignore[attr-defined]
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        entries = conn.execute("SELECT * FROM entries ORDER BY case_id, seq").fetchall()
        cases = conn.execute("SELECT * FROM cases ORDER BY case_id").fetchall()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return entries, cases, Path(path).read_bytes()


@contextmanager
def unchanged(engine: Engine, case_id: str) -> Iterator[None]:
    """Assert that the block leaves the database byte-identical and the case as it was."""
    before_case = engine.case(case_id)
    before = snapshot(engine)
    yield
    after = snapshot(engine)
    assert after[0] == before[0], "entries changed"
    assert after[1] == before[1], "cases changed"
    assert after[2] == before[2], "database file changed"
    assert engine.case(case_id) == before_case


def refuse(
    engine: Engine,
    case_id: str,
    action: str,
    by: Actor,
    code: str,
    *,
    rule: str | None = None,
    says: str | None = None,
    **params: Any,
) -> ActionRefused:
    """Act, expect a refusal naming ``code`` (and ``rule``, a message containing ``says``),
    and check that nothing was written."""
    with unchanged(engine, case_id), pytest.raises(ActionRefused) as caught:
        engine.act(case_id, action, by, **params)
    refused = caught.value
    codes = [r.code for r in refused.reasons]
    assert code in codes, f"expected {code}, got {codes}: {refused}"
    found = next(r for r in refused.reasons if r.code == code)
    if rule is not None:
        assert found.rule == rule
    if says is not None:
        assert says in found.message, found.message
    assert found.message
    assert "{" not in found.message
    return refused


# --- walks ------------------------------------------------------------------------------------


def open_case(
    engine: Engine,
    subject: str = "elev-0042",
    *,
    by: Actor = TEACHER,
    suspected_harm: bool = False,
    birth_date: dt.date | str | None = None,
) -> Case:
    """A case at level 0, step 1, with the concern made concrete."""
    return engine.open_case(
        subject,
        by,
        birth_date=birth_date,
        concern="Trekker seg unna i friminuttene over flere uker",
        suspected_harm=suspected_harm,
    )


def to_level_0_decision(engine: Engine, case_id: str, by: Actor = TEACHER) -> Case:
    """From step 1 of level 0 to its decision step: leader told, guardians told."""
    engine.act(case_id, "complete_step", by)
    engine.act(case_id, "inform_leader", by, leader=LEADER.id)
    engine.act(case_id, "complete_step", by)
    case = engine.case(case_id)
    if case.suspected_harm and not case.child_welfare_consulted:
        engine.act(case_id, "consult_child_welfare", by, advice="Anonym drøfting: meld bekymring")
    engine.act(
        case_id, "inform_guardians", by, note="Samtale med foresatte",
        guardians=[GUARDIAN.as_person()],
    )  # fmt: skip
    engine.act(case_id, "complete_step", by)
    return engine.act(case_id, "complete_step", by)


def give_log_consent(engine: Engine, case_id: str, by: Actor = GUARDIAN) -> Case:
    """The family's consent to the relay log itself (given like a unit's consent)."""
    return engine.act(case_id, "give_consent", by, units=[RELAY_LOG])


def to_level_1(engine: Engine, *, holder: Actor = TEACHER, **opening: Any) -> Case:
    """A new case expanded 0 → 1 with ``holder`` as baton holder, at level 1 step 1; the
    guardian has consented to the relay log (``give_log_consent``), which leaving level 0 needs."""
    case = open_case(engine, **opening)
    to_level_0_decision(engine, case.id)
    give_log_consent(engine, case.id)
    return engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=1, family_wish=WISH,
        baton_holder=holder,
    )  # fmt: skip


def plan(engine: Engine, case_id: str, by: Actor = TEACHER, *, days: int = 14) -> Case:
    """From the level's first step to its 'carry out' step: a planning meeting with measures,
    minutes and the child's voice, and an evaluation ``days`` ahead."""
    clock: Clock = engine.clock  # type: ignore[assignment]
    case = engine.case(case_id)
    if case.level == 1:
        engine.act(case_id, "appoint_contact_person", by, person=by)
    engine.act(case_id, "complete_step", by)
    case = engine.act(
        case_id, "schedule_meeting", by, kind="planning", at=clock.now + dt.timedelta(days=1),
        invitees=[GUARDIAN.as_person()],
    )  # fmt: skip
    meeting = case.meetings[-1].id
    engine.act(case_id, "hold_meeting", by, meeting=meeting, child_took_part=True)
    engine.act(
        case_id, "agree_measures", by, meeting=meeting,
        measures=[{"what": "Fast voksen i friminuttene", "responsible": by.id}],
        next_evaluation=clock.in_days(days),
    )  # fmt: skip
    engine.act(case_id, "record_minutes", by, meeting=meeting, text="Referat fra planleggingsmøtet")
    return engine.act(case_id, "complete_step", by)


def evaluate(engine: Engine, case_id: str, by: Actor = TEACHER, *, days: int = 14) -> Case:
    """From the 'carry out' step to the decision step: ``days`` pass, an evaluation meeting is
    held, the evaluation and its minutes recorded."""
    clock: Clock = engine.clock  # type: ignore[assignment]
    engine.act(case_id, "complete_step", by)
    clock.advance(days=days)
    case = engine.act(case_id, "schedule_meeting", by, kind="evaluation", at=clock.now)
    meeting = case.meetings[-1].id
    engine.act(
        case_id, "hold_meeting", by, meeting=meeting, child_took_part=False,
        child_voice="Samtale med eleven dagen før møtet",
    )  # fmt: skip
    engine.act(
        case_id, "record_evaluation", by, meeting=meeting, experience="Eleven trives bedre",
        changes="Mer med i lek", status="Delvis nådd",
    )  # fmt: skip
    engine.act(case_id, "record_minutes", by, meeting=meeting, text="Referat fra evalueringen")
    return engine.act(case_id, "complete_step", by)


def to_level_1_decision(engine: Engine, **opening: Any) -> Case:
    """A case at level 1's decision step, after planning and one evaluation."""
    case = to_level_1(engine, **opening)
    plan(engine, case.id)
    return evaluate(engine, case.id)


def involve(engine: Engine, case_id: str, *units: str) -> Case:
    """A guardian consents to ``units``; the teacher involves each with a task."""
    engine.act(case_id, "give_consent", GUARDIAN, units=list(units))
    case = engine.case(case_id)
    for unit in units:
        case = engine.act(case_id, "involve_unit", TEACHER, unit=unit, task=f"Oppfølging i {unit}")
    return case


def to_level_2(engine: Engine, **opening: Any) -> Case:
    """A case expanded 1 → 2 (baton kept by the teacher), the health station involved with
    consent, at level 2 step 1 ready to complete."""
    case = to_level_1_decision(engine, **opening)
    engine.act(case.id, "decide", TEACHER, outcome="expand", to_level=2, family_wish=WISH)
    return involve(engine, case.id, HEALTH)


def to_level_3(engine: Engine, **opening: Any) -> Case:
    """A case expanded 1 → 3 (baton kept by the teacher), health station and PPT involved with
    consent, at level 3 step 1 ready to complete."""
    case = to_level_1_decision(engine, **opening)
    engine.act(case.id, "decide", TEACHER, outcome="expand", to_level=3, family_wish=WISH)
    return involve(engine, case.id, HEALTH, PPT)


def to_level_3_decision(engine: Engine, **opening: Any) -> Case:
    """A case at level 3's decision step, after planning and one evaluation."""
    case = to_level_3(engine, **opening)
    plan(engine, case.id)
    return evaluate(engine, case.id)


def person(actor: Actor) -> Person:
    """The actor as a person named in a case."""
    return actor.as_person()


# --- walks for the store, durability and benchmark tests ----------------------------------------


def engine_on(store: str | Path, clock: Clock | None = None, tenant: str | None = None) -> Engine:
    """An engine on the standard guide, on the store at ``store`` (a SQLite file, or a URL)."""
    return Engine(workflow(), open_store(store, tenant=tenant), clock=clock or Clock())


def closed_at_level_0(engine: Engine, subject: str = "elev-0") -> Case:
    """A case closed at level 0: no reason to go on."""
    case = open_case(engine, subject)
    to_level_0_decision(engine, case.id)
    return engine.act(
        case.id, "decide", TEACHER, outcome="close", reason="Bekymringen var grunnløs"
    )


def at_level_1(engine: Engine, subject: str = "elev-1") -> Case:
    """A case just expanded to level 1, the teacher holding the baton and contact person."""
    case = to_level_1(engine, subject=subject)
    return engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)


def with_measures(engine: Engine, clock: Clock, subject: str, due: str) -> Case:
    """A level 1 case whose planning meeting agreed measures, next evaluation on ``due``."""
    case = at_level_1(engine, subject)
    engine.act(case.id, "complete_step", TEACHER)
    planned = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning",
        at=clock.now + dt.timedelta(hours=2), invitees=[GUARDIAN.as_person()],
    )  # fmt: skip
    meeting = planned.meetings[-1].id
    engine.act(
        case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=False,
        child_voice="Samtale med kontaktlærer før møtet",
    )  # fmt: skip
    engine.act(
        case.id, "agree_measures", TEACHER, meeting=meeting,
        measures=[{"what": "Voksen i friminuttene", "responsible": TEACHER.id}],
        next_evaluation=due,
    )  # fmt: skip
    return engine.act(case.id, "record_minutes", TEACHER, meeting=meeting, text="Referat")


def handed_to_nurse(engine: Engine, clock: Clock, subject: str = "elev-2") -> Case:
    """A case evaluated at level 1 and expanded to level 2, the nurse taking the baton and the
    health station involved under the guardian's consent."""
    case = with_measures(engine, clock, subject, clock.in_days(27))
    for _ in range(2):
        engine.act(case.id, "complete_step", TEACHER)
    clock.advance(days=27)
    held = engine.act(case.id, "schedule_meeting", TEACHER, kind="evaluation", at=clock.now)
    meeting = held.meetings[-1].id
    engine.act(case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=True)
    engine.act(
        case.id, "record_evaluation", TEACHER, meeting=meeting, experience="Bedre",
        changes="Mer med i leken", status="Delvis nådd",
    )  # fmt: skip
    engine.act(case.id, "record_minutes", TEACHER, meeting=meeting, text="Referat 2")
    engine.act(case.id, "complete_step", TEACHER)
    engine.act(
        case.id, "decide", TEACHER, outcome="expand", to_level=2,
        family_wish="Ønsker helsesykepleier", baton_holder=NURSE,
    )  # fmt: skip
    engine.act(case.id, "give_consent", GUARDIAN, units=[HEALTH])
    engine.act(case.id, "accept_baton", NURSE)
    return engine.act(case.id, "involve_unit", TEACHER, unit=HEALTH, task="Samtaler")
