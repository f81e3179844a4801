"""A case's state: the ``Case`` and the records it holds (meetings, measures, consents...).

How each log entry changes it, ``Case = fold(entries)``, is in ``fold.py``.
"""

from __future__ import annotations

import datetime as dt

import attrs

from btiflow.case.entries import GENESIS
from btiflow.case.people import Person


@attrs.frozen
class Meeting:
    """A meeting in the case: scheduled (perhaps moved or cancelled), then held, then minuted.

    ``sequence`` counts the changes since it was scheduled (raised by each move and by a
    cancellation), as an iCalendar invitation's SEQUENCE does.
    """

    id: str
    kind: str
    at: str
    place: str
    invitees: tuple[Person, ...]
    level: int
    cycle: int
    held: bool = False
    child_took_part: bool | None = None
    child_voice: str | None = None
    minutes: str | None = None
    sequence: int = 0
    cancelled: bool = False
    interpreter_present: bool | None = None


@attrs.frozen
class Measure:
    """An agreed measure: what, who is responsible, by when, the goal it serves; revised or
    ended later by entries of their own."""

    id: str
    what: str
    responsible: str
    by_date: str | None
    meeting: str
    level: int
    goal: str | None = None
    ended: bool = False
    revisions: int = 0


@attrs.frozen
class Goal:
    """A goal of the measure plan, and how the last evaluation that named it said it went."""

    id: str
    text: str
    level: int
    status: str | None = None  # reached | partly | not (goal_statuses), from an evaluation
    note: str | None = None


@attrs.frozen
class InterpreterNeed:
    """Someone in the case needs an interpreter: "child" or a guardian's id, and the language."""

    person: str
    language: str


@attrs.frozen
class ConsentState:
    """The latest consent decision for one unit or agency."""

    unit: str
    status: str  # given | refused | withdrawn
    by: str
    at: str


@attrs.frozen
class Involvement:
    """A unit or agency taking part in the case, with its task."""

    unit: str
    task: str
    person: Person | None = None


@attrs.frozen
class Migration:
    """The case moved to another version of its guide (a ``workflow_migrated`` entry)."""

    from_version: str
    from_hash: str
    to_version: str
    to_hash: str
    at: str
    by: str
    from_step: str
    to_step: str


@attrs.frozen
class Case:
    """One child's case as it stands after its last entry."""

    id: str
    workflow_id: str
    workflow_version: str
    workflow_hash: str
    subject: str
    opened_by: Person
    opened_at: str
    birth_date: str | None = None
    status: str = "open"
    level: int = 0
    step: str = ""
    cycle: int = 0
    cycle_records: tuple[str, ...] = ()
    concern: str | None = None
    suspected_harm: bool = False
    child_welfare_consulted: bool = False
    leader_informed: bool = False
    guardians_informed: bool = False
    child_informed: bool = False
    contact_person: Person | None = None
    baton_holder: Person | None = None
    baton_offer: Person | None = None
    meetings: tuple[Meeting, ...] = ()
    measures: tuple[Measure, ...] = ()
    consents: tuple[ConsentState, ...] = ()
    involved: tuple[Involvement, ...] = ()
    rights_assessed: bool = False
    next_evaluation_due: str | None = None
    evaluations: int = 0
    closed_at: str | None = None
    migrations: tuple[Migration, ...] = ()
    guardians: tuple[Person, ...] = ()
    guardians_not_informed: str | None = None  # why level 0 went no further to them (rule 1)
    advised_not_to_tell: bool = False  # child welfare's advice: not the guardians, not now (2)
    report_sent: bool = False  # the unit sent a report of concern to child welfare (rule 2)
    origin: str | None = None  # who brought the concern (concern.ORIGINS); None: the opener
    interpreters: tuple[InterpreterNeed, ...] = ()  # who needs an interpreter, for which language
    legal_hold: str | None = None  # why the case is under a legal hold (no purge touches it)
    goals: tuple[Goal, ...] = ()  # the measure plan's goals (mål)
    responsibility_group: tuple[Person, ...] = ()  # the members of the ansvarsgruppe (level 3)
    individual_plan: bool = False  # an individual plan was started (level 3)
    coordinator: Person | None = None  # the individual plan's coordinator
    child_coordinator_applied: bool = False  # a child coordinator was applied for
    young_person: str | None = None  # the subject's login id (a national-id key), if registered
    seq: int = 0
    head_hash: str = GENESIS

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def meeting(self, meeting_id: str) -> Meeting | None:
        return next((m for m in self.meetings if m.id == meeting_id), None)

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)

    def goal(self, goal_id: str) -> Goal | None:
        return next((g for g in self.goals if g.id == goal_id), None)

    def consent_for(self, unit: str) -> ConsentState | None:
        return next((c for c in self.consents if c.unit == unit), None)

    def has_consent(self, unit: str) -> bool:
        state = self.consent_for(unit)
        return state is not None and state.status == "given"

    def is_subject(self, person_id: str) -> bool:
        """``person_id`` is the young person the case is about: the subject id, or the login id
        registered for them (``register_young_person``)."""
        return person_id == self.subject or (
            self.young_person is not None and person_id == self.young_person
        )

    def young_person_decided(self, unit: str) -> bool:
        """The latest consent decision for ``unit`` is the young person's own (the subject's)."""
        state = self.consent_for(unit)
        return state is not None and self.is_subject(state.by)

    @property
    def baton_stranded(self) -> bool:
        """The baton holder's unit has lost consent: the holder keeps the baton (there is never a
        moment without one) but can no longer act, so others who work the case may pass it on."""
        holder = self.baton_holder
        return (
            holder is not None
            and holder.unit != self.opened_by.unit
            and not self.has_consent(holder.unit)
        )

    def units_involved(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.unit for i in self.involved))

    def age_on(self, day: dt.date) -> int | None:
        """The subject's age in whole years on ``day``, when the birth date is known."""
        if self.birth_date is None:
            return None
        born = dt.date.fromisoformat(self.birth_date)
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def cycle_meetings(self) -> tuple[Meeting, ...]:
        """Meetings held since the level (or the current round after 'continue') began."""
        return tuple(m for m in self.meetings if m.cycle == self.cycle and m.held)
