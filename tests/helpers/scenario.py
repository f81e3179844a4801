"""An injected clock, invented actors, and walks that bring a case to a known point.

Every person here is invented (ids like ``laerer-1``); no real names. The walks follow the
standard guide (``workflows/bti.yaml``) and return the case as it stands at the end.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.engine import Engine, ManualClock
from btiflow.store.url import open_store
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import Workflow

OSLO = ZoneInfo("Europe/Oslo")
REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / "workflows"
START = dt.datetime(2026, 9, 1, 9, 0, tzinfo=OSLO)

TEACHER = Actor("laerer-1", "employee", "Nordvik skole", "Lærer 1")
LEADER = Actor("rektor-1", "leader", "Nordvik skole", "Rektor 1")
GUARDIAN = Actor("foresatt-1", "guardian", "", "Foresatt 1")
NURSE = Actor("helsesyk-1", "employee", "Helsestasjonen", "Helsesykepleier 1")


class Clock(ManualClock):
    """The engine's clock in tests, starting at ``START``: ``clock.advance(days=14)``."""

    def __init__(self, start: dt.datetime = START) -> None:
        super().__init__(start)


_workflows: dict[str, Workflow] = {}


def workflow(name: str = "bti") -> Workflow:
    """A shipped workflow, loaded once per process."""
    if name not in _workflows:
        _workflows[name] = load_workflow(WORKFLOWS / f"{name}.yaml")
    return _workflows[name]


def engine(path: str | Path, clock: Clock | None = None, tenant: str | None = None) -> Engine:
    """An engine on the standard guide, on the store at ``path`` (a SQLite file, or a URL)."""
    return Engine(workflow(), open_store(path, tenant=tenant), clock=clock or Clock())


def open_case(eng: Engine, subject: str = "elev-1") -> Case:
    """A fresh case at level 0, opened by the teacher with a concern."""
    return eng.open_case(subject, TEACHER, concern="Trekker seg unna i friminuttene")


def level0_done(eng: Engine, case_id: str) -> Case:
    """Level 0 worked through: leader, then guardians told, up to the decision step."""
    eng.act(case_id, "complete_step", TEACHER)
    eng.act(case_id, "inform_leader", TEACHER, leader=LEADER.id)
    eng.act(case_id, "complete_step", TEACHER)
    eng.act(case_id, "inform_guardians", TEACHER, guardians=[GUARDIAN.as_person()])
    eng.act(case_id, "complete_step", TEACHER)
    return eng.act(case_id, "complete_step", TEACHER)


def closed_at_level0(eng: Engine, subject: str = "elev-0") -> Case:
    """A case closed at level 0: no reason to go on."""
    case = open_case(eng, subject)
    level0_done(eng, case.id)
    return eng.act(
        case.id,
        "decide",
        TEACHER,
        outcome="close",
        reason="Bekymringen var grunnløs",
    )


def at_level1(eng: Engine, subject: str = "elev-1") -> Case:
    """A case just expanded to level 1, the teacher holding the baton and contact person."""
    case = open_case(eng, subject)
    level0_done(eng, case.id)
    eng.act(
        case.id,
        "decide",
        TEACHER,
        outcome="expand",
        to_level=1,
        family_wish="Foreldrene ønsker kontaktlærer",
        baton_holder=TEACHER,
    )
    return eng.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)


def with_measures(eng: Engine, clock: Clock, subject: str, due: str) -> Case:
    """A level 1 case whose planning meeting agreed measures, next evaluation on ``due``."""
    case = at_level1(eng, subject)
    eng.act(case.id, "complete_step", TEACHER)
    planned = eng.act(
        case.id,
        "schedule_meeting",
        TEACHER,
        kind="planning",
        at=clock.now + dt.timedelta(hours=2),
        invitees=[GUARDIAN.as_person()],
    )
    meeting = planned.meetings[-1].id
    eng.act(
        case.id,
        "hold_meeting",
        TEACHER,
        meeting=meeting,
        child_took_part=False,
        child_voice="Samtale med kontaktlærer før møtet",
    )
    eng.act(
        case.id,
        "agree_measures",
        TEACHER,
        meeting=meeting,
        measures=[{"what": "Voksen i friminuttene", "responsible": TEACHER.id}],
        next_evaluation=due,
    )
    return eng.act(case.id, "record_minutes", TEACHER, meeting=meeting, text="Referat")


def to_level2(eng: Engine, clock: Clock, subject: str = "elev-2") -> Case:
    """A case evaluated at level 1 and expanded to level 2, the nurse taking the baton."""
    case = with_measures(eng, clock, subject, clock.in_days(27))
    for _ in range(2):
        eng.act(case.id, "complete_step", TEACHER)
    clock.advance(days=27)
    held = eng.act(case.id, "schedule_meeting", TEACHER, kind="evaluation", at=clock.now)
    meeting = held.meetings[-1].id
    eng.act(case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=True)
    eng.act(
        case.id,
        "record_evaluation",
        TEACHER,
        meeting=meeting,
        experience="Bedre",
        changes="Mer med i leken",
        status="Delvis nådd",
    )
    eng.act(case.id, "record_minutes", TEACHER, meeting=meeting, text="Referat 2")
    eng.act(case.id, "complete_step", TEACHER)
    eng.act(
        case.id,
        "decide",
        TEACHER,
        outcome="expand",
        to_level=2,
        family_wish="Ønsker helsesykepleier",
        baton_holder=NURSE,
    )
    eng.act(case.id, "give_consent", GUARDIAN, units=["Helsestasjonen"])
    eng.act(case.id, "accept_baton", NURSE)
    return eng.act(case.id, "involve_unit", TEACHER, unit="Helsestasjonen", task="Samtaler")
