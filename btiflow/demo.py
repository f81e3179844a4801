"""The README's main job: a realistic case run through a real guide on a real SQLite file.

Everyone here is invented. A simulated clock moves the case through about three months: a
teacher's concern at level 0, measures in the school at level 1 with the contact teacher as
baton holder, an evaluation after four weeks, expansion to level 2 with the guardians' consent,
the health station joining, the baton offered to the public health nurse and accepted, a later
evaluation, and closing. A second case is left with an evaluation coming up, so that ``due``
has something to show.

The demo writes to its own file (``DEFAULT_DB``), never to the name a real relay log goes by,
and its cases are marked by their subject ids (``DEMO_SUBJECTS``): it adds invented cases only
to a log that holds nothing but its own (``foreign_cases``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from btiflow.case.consent import RELAY_LOG
from btiflow.case.people import Actor, Person
from btiflow.case.state import Case
from btiflow.engine import Engine, ManualClock
from btiflow.localtime import OSLO
from btiflow.notify.messages import NotifyConfig
from btiflow.store.base import Store
from btiflow.store.url import open_store
from btiflow.views import FamilyView, render_family
from btiflow.words import say
from btiflow.workflow.model import Workflow

DEMO_GUIDE = str(Path(__file__).with_name("demo_guide.yaml"))
"""The guide ``btiflow serve --demo`` runs on: Kåfjord's, with the services a family may consent
to named (``consent.services``), so the family's page shows consent as checkboxes."""

DEFAULT_DB = "btiflow-demo.db"
"""Where the demo writes unless told otherwise: its own file, not ``stafettlogg.db``."""

DEMO_SUBJECTS = ("demo-elev-17", "demo-elev-23")
"""The invented subject ids of the demo's cases: how a log's demo cases are known."""

SCHOOL = "Olderdalen skole"
HEALTH = "Helsestasjonen"

TEACHER = Actor("kontaktlaerer-1", "employee", SCHOOL, "Kari Eksempel (kontaktlærer)")
PRINCIPAL = Actor("rektor-1", "leader", SCHOOL, "Ola Prøve (rektor)")
NURSE = Actor("helsesykepleier-1", "employee", HEALTH, "Sara Demo (helsesykepleier)")
GUARDIAN = Actor("foresatt-1", "guardian", "", "Anne Test (foresatt)")
PEOPLE = (TEACHER, PRINCIPAL, NURSE, GUARDIAN)
"""Who ``btiflow serve --demo``'s development login offers."""

# Invitations and reminders go to invented addresses at example.org (reserved for examples).
MAIL = NotifyConfig("https://bti.kommune.example.org", "bti@kommune.example.org", "BTI (demo)")
FAMILY = Person(GUARDIAN.id, GUARDIAN.name, "", "foresatt@example.org")
CONTACT = Person(TEACHER.id, TEACHER.name, SCHOOL, "kontaktlaerer@skole.example.org")


def foreign_cases(store: Store) -> list[str]:
    """The ids of the cases in ``store`` the demo did not make (its subjects are not the demo's)."""
    return [c for c in store.case_ids() if store.load(c).subject not in DEMO_SUBJECTS]


def refusal(db: str, count: int, lang: str = "nb") -> str:
    """Why the demo writes nothing to ``db``, which holds ``count`` cases it did not make."""
    return say(lang, "cli.demo.refused", db=db, count=count, default=DEFAULT_DB)


def run_demo(workflow: Workflow, db: str | Store) -> tuple[Engine, list[Case]]:
    """Run the demo cases in ``db`` (a path or URL, or an open store); return the engine and
    the cases as they ended. Callers that must not mix the demo into a real log check
    ``foreign_cases`` first (the command line does)."""
    clock = ManualClock(dt.datetime(2026, 9, 1, 8, 30, tzinfo=OSLO))
    store = open_store(db) if isinstance(db, str) else db
    engine = Engine(workflow, store, clock=clock, notify=MAIL)
    first = _main_case(engine, clock)
    second = _case_with_evaluation_due(engine, clock)
    engine.plan_reminders()  # the second case's evaluation is near: its holder is reminded
    return engine, [first, second]


def family_text(engine: Engine, case_id: str) -> str:
    """The case as the demo's guardian sees it (the read is logged like any other)."""
    view = engine.view(case_id, GUARDIAN)
    assert isinstance(view, FamilyView)
    return render_family(view)


def _main_case(engine: Engine, clock: ManualClock) -> Case:
    case = engine.open_case(
        DEMO_SUBJECTS[0],
        TEACHER,
        birth_date="2013-03-14",
        concern="Trekker seg unna i friminuttene og virker lei seg. "
        "Observert flere ganger siden skolestart.",
    )
    cid = case.id

    def act(action: str, by: Actor = TEACHER, **params: object) -> Case:
        return engine.act(cid, action, by, **params)

    # Level 0: concern, line manager before guardians, decide to go on.
    act("complete_step")
    act("inform_leader", leader=PRINCIPAL.name)
    act("complete_step")
    clock.advance(days=1)
    act(
        "inform_guardians",
        note="Samtale med foresatte; de kjenner seg igjen i bekymringen.",
        guardians=[GUARDIAN.as_person()],
    )
    act("complete_step")
    act("complete_step")
    act("give_consent", GUARDIAN, units=[RELAY_LOG])  # the relay log follows the child
    act(
        "decide",
        outcome="expand",
        to_level=1,
        baton_holder=TEACHER,
        family_wish="Foresatte ønsker at kontaktlæreren følger opp.",
    )

    # Level 1: contact person, planning meeting, measures, evaluation within four weeks.
    act("appoint_contact_person", person=TEACHER)
    act("complete_step")
    meeting = (
        act(
            "schedule_meeting",
            kind="planning",
            at=clock.now + dt.timedelta(days=2),
            place="Olderdalen skole, møterom 2",
            invitees=[FAMILY, CONTACT],
        )
        .meetings[-1]
        .id
    )
    clock.advance(days=2)
    act("hold_meeting", meeting=meeting, child_took_part=True)
    act(
        "agree_measures",
        meeting=meeting,
        next_evaluation=clock.in_days(27),
        measures=[
            {"what": "Fast voksen ute i friminuttene", "responsible": TEACHER.name},
            {"what": "Ukentlig samtale med eleven", "responsible": TEACHER.name},
        ],
    )
    act("record_minutes", meeting=meeting, text="Enige om to tiltak; evaluering om fire uker.")
    act("complete_step")
    act("complete_step")
    clock.advance(days=27)
    meeting = (
        act("schedule_meeting", kind="evaluation", at=clock.now, invitees=[FAMILY]).meetings[-1].id
    )
    act(
        "hold_meeting",
        meeting=meeting,
        child_took_part=False,
        child_voice="Kontaktlæreren snakket med eleven dagen før møtet.",
    )
    act(
        "record_evaluation",
        meeting=meeting,
        experience="Eleven liker den faste voksne.",
        changes="Noe mer med i lek.",
        status="Målet er delvis nådd; søvn og trivsel er fortsatt en bekymring.",
    )
    act("record_minutes", meeting=meeting, text="Behov for helsestasjonen; foresatte enige.")
    act("complete_step")

    # Level 2: the baton offered to the public health nurse, consent, the nurse accepts.
    act(
        "decide",
        outcome="expand",
        to_level=2,
        baton_holder=NURSE,
        family_wish="Foresatte ønsker at helsesykepleier blir stafettholder.",
    )
    act(
        "give_consent",
        by=GUARDIAN,
        units=[HEALTH],
        note="Samtykke til å dele informasjon med helsestasjonen.",
    )
    clock.advance(days=1)
    act("accept_baton", by=NURSE)
    act(
        "involve_unit",
        by=NURSE,
        unit=HEALTH,
        person=NURSE,
        task="Samtaler om søvn og trivsel; stafettholder",
    )
    act(
        "add_document",
        by=NURSE,
        title="Søvndagbok",
        text="Skjema for å notere leggetid og oppvåkning i to uker.",
        shared_with_family=True,
    )
    act("add_note", by=GUARDIAN, text="Vi fører søvndagboken hjemme.")
    act("complete_step", by=NURSE)
    meeting = (
        act(
            "schedule_meeting",
            by=NURSE,
            kind="planning",
            at=clock.now + dt.timedelta(days=3),
            invitees=[FAMILY, CONTACT],
        )
        .meetings[-1]
        .id
    )
    # the family cannot come at that hour: the meeting moves, and the invitation is updated
    act("move_meeting", by=NURSE, meeting=meeting, at=clock.now + dt.timedelta(days=3, hours=1))
    clock.advance(days=3)
    act("hold_meeting", by=NURSE, meeting=meeting, child_took_part=True)
    act(
        "agree_measures",
        by=NURSE,
        meeting=meeting,
        next_evaluation=clock.in_days(28),
        measures=[
            {"what": "Samtaler hos helsesykepleier annenhver uke", "responsible": NURSE.name},
            {"what": "Fast voksen i friminuttene fortsetter", "responsible": TEACHER.name},
        ],
    )
    act(
        "record_minutes",
        by=NURSE,
        meeting=meeting,
        text="Plan for samtaler; evaluering om fire uker.",
    )
    act("complete_step", by=NURSE)
    act("complete_step", by=NURSE)
    clock.advance(days=28)
    meeting = (
        act(
            "schedule_meeting",
            by=NURSE,
            kind="evaluation",
            at=clock.now,
            invitees=[FAMILY, CONTACT],
        )
        .meetings[-1]
        .id
    )
    act("hold_meeting", by=NURSE, meeting=meeting, child_took_part=True)
    act(
        "record_evaluation",
        by=NURSE,
        meeting=meeting,
        experience="Eleven og foresatte er fornøyde med samtalene.",
        changes="Bedre søvn, med i lek hver dag.",
        status="Målene er nådd.",
    )
    act("record_minutes", by=NURSE, meeting=meeting, text="Tiltakene har virket; saken avsluttes.")
    act("complete_step", by=NURSE)
    return act(
        "decide",
        by=NURSE,
        outcome="close",
        changes="Eleven sover bedre og er med i lek i friminuttene.",
        agreed="Kontaktlæreren følger med videre som vanlig; foresatte tar kontakt ved behov.",
    )


def _case_with_evaluation_due(engine: Engine, clock: ManualClock) -> Case:
    case = engine.open_case(DEMO_SUBJECTS[1], TEACHER, concern="Mye fravær etter høstferien.")
    cid = case.id

    def act(action: str, by: Actor = TEACHER, **params: object) -> Case:
        return engine.act(cid, action, by, **params)

    act("complete_step")
    act("inform_leader")
    act("complete_step")
    act("inform_guardians", guardians=[GUARDIAN.as_person()])
    act("complete_step")
    act("complete_step")
    act("give_consent", GUARDIAN, units=[RELAY_LOG])
    act(
        "decide",
        outcome="expand",
        to_level=1,
        baton_holder=CONTACT,
        family_wish="Ingen særskilte ønsker.",
    )
    act("appoint_contact_person", person=TEACHER)
    act("complete_step")
    meeting = act("schedule_meeting", kind="planning", at=clock.now).meetings[-1].id
    act("hold_meeting", meeting=meeting, child_took_part=True)
    act(
        "agree_measures",
        meeting=meeting,
        next_evaluation=clock.in_days(5),
        measures=[{"what": "Oppmøteplan med daglig kontakt hjem", "responsible": TEACHER.name}],
    )
    return act("record_minutes", meeting=meeting, text="Oppmøteplan avtalt.")
