"""A case's state, and how each log entry changes it: ``Case = fold(entries)``.

The fold needs nothing but the entries: every entry that moves the case carries where it moved
to, so an old case replays the same way even after its guide's file has changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from btiflow.case.entries import GENESIS, Draft, Entry, seal
from btiflow.case.people import Actor, Person
from btiflow.codec import converter

CHILD_VOICE_KINDS = ("planning", "evaluation")
"""Meeting kinds where the child's voice must be heard (taking part, or recorded how)."""


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


@attrs.frozen
class Measure:
    """An agreed measure: what, who is responsible, by when."""

    id: str
    what: str
    responsible: str
    by_date: str | None
    meeting: str
    level: int


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
    seq: int = 0
    head_hash: str = GENESIS

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def meeting(self, meeting_id: str) -> Meeting | None:
        return next((m for m in self.meetings if m.id == meeting_id), None)

    def consent_for(self, unit: str) -> ConsentState | None:
        return next((c for c in self.consents if c.unit == unit), None)

    def has_consent(self, unit: str) -> bool:
        state = self.consent_for(unit)
        return state is not None and state.status == "given"

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
        return tuple(i.unit for i in self.involved)

    def age_on(self, day: dt.date) -> int | None:
        """The subject's age in whole years on ``day``, when the birth date is known."""
        if self.birth_date is None:
            return None
        born = dt.date.fromisoformat(self.birth_date)
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def cycle_meetings(self) -> tuple[Meeting, ...]:
        """Meetings held since the level (or the current round after 'continue') began."""
        return tuple(m for m in self.meetings if m.cycle == self.cycle and m.held)


# --- the fold ------------------------------------------------------------------------------

_converter = converter


def person(data: Mapping[str, Any] | None) -> Person | None:
    return None if data is None else _converter.structure(dict(data), Person)


def person_data(p: Person | None) -> dict[str, Any] | None:
    return None if p is None else dict(_converter.unstructure(p))


def _mark(case: Case, *records: str) -> Case:
    merged = tuple(sorted(set(case.cycle_records) | set(records)))
    return attrs.evolve(case, cycle_records=merged)


def _new_cycle(case: Case) -> Case:
    return attrs.evolve(case, cycle=case.cycle + 1, cycle_records=())


def _replace_meeting(case: Case, meeting_id: str, **changes: Any) -> Case:
    meetings = tuple(attrs.evolve(m, **changes) if m.id == meeting_id else m for m in case.meetings)
    return attrs.evolve(case, meetings=meetings)


def _set_consent(case: Case, units: Iterable[str], status: str, by: str, at: str) -> Case:
    units = list(units)
    kept = tuple(c for c in case.consents if c.unit not in units)
    added = tuple(ConsentState(u, status, by, at) for u in units)
    return attrs.evolve(case, consents=kept + added)


def _opened(case: Case, e: Entry) -> Case:  # pragma: no cover - handled in open_state
    return case


def _concern(case: Case, e: Entry) -> Case:
    case = attrs.evolve(
        case,
        concern=e.data["description"],
        suspected_harm=bool(e.data.get("suspected_harm", False)),
    )
    return _mark(case, "concern")


def _level_changed(case: Case, e: Entry) -> Case:
    holder = person(e.data.get("baton_holder")) or case.baton_holder
    case = attrs.evolve(
        case,
        level=e.data["to_level"],
        step=e.data["step"],
        baton_holder=holder,
        baton_offer=person(e.data.get("baton_offer")),
    )
    case = _new_cycle(case)
    due = e.data.get("next_evaluation")
    if due is not None:
        case = attrs.evolve(case, next_evaluation_due=due)
    return _mark(case, "baton_holder")


def _closed(case: Case, e: Entry) -> Case:
    return attrs.evolve(
        case,
        status="closed",
        closed_at=e.time.isoformat(),
        baton_offer=None,
        next_evaluation_due=None,
    )


def _continued(case: Case, e: Entry) -> Case:
    case = attrs.evolve(case, step=e.data["step"], next_evaluation_due=e.data["next_evaluation"])
    return _new_cycle(case)


def _meeting_scheduled(case: Case, e: Entry) -> Case:
    d = e.data
    meeting = Meeting(
        id=d["meeting"],
        kind=d["kind"],
        at=d["at"],
        place=d.get("place", ""),
        invitees=tuple(p for p in (person(i) for i in d.get("invitees", ())) if p is not None),
        level=case.level,
        cycle=case.cycle,
    )
    return attrs.evolve(case, meetings=(*case.meetings, meeting))


def _meeting_moved(case: Case, e: Entry) -> Case:
    d = e.data
    meeting = case.meeting(d["meeting"])
    assert meeting is not None
    changes: dict[str, Any] = {"at": d["at"], "sequence": meeting.sequence + 1}
    if "place" in d:
        changes["place"] = d["place"]
    return _replace_meeting(case, d["meeting"], **changes)


def _meeting_cancelled(case: Case, e: Entry) -> Case:
    meeting = case.meeting(e.data["meeting"])
    assert meeting is not None
    return _replace_meeting(case, meeting.id, cancelled=True, sequence=meeting.sequence + 1)


def _meeting_held(case: Case, e: Entry) -> Case:
    d = e.data
    case = _replace_meeting(
        case,
        d["meeting"],
        held=True,
        child_took_part=d["child_took_part"],
        child_voice=d.get("child_voice"),
        cycle=case.cycle,
    )
    return _mark(case, "meeting")


def _measures(case: Case, e: Entry) -> Case:
    d = e.data
    added = tuple(
        Measure(m["id"], m["what"], m["responsible"], m.get("by_date"), d["meeting"], case.level)
        for m in d["measures"]
    )
    case = attrs.evolve(
        case, measures=case.measures + added, next_evaluation_due=d["next_evaluation"]
    )
    return _mark(case, "measures", "evaluation_date")


def _evaluation(case: Case, e: Entry) -> Case:
    case = attrs.evolve(case, next_evaluation_due=None, evaluations=case.evaluations + 1)
    return _mark(case, "evaluation")


def _consent_given(case: Case, e: Entry) -> Case:
    return _mark(
        _set_consent(case, e.data["units"], "given", e.actor, e.time.isoformat()), "consent"
    )


def _consent_refused(case: Case, e: Entry) -> Case:
    # refusing a consent given earlier ends the unit's involvement, as a withdrawal does
    return _consent_ended(case, e, "refused")


def _consent_withdrawn(case: Case, e: Entry) -> Case:
    return _consent_ended(case, e, "withdrawn")


def _consent_ended(case: Case, e: Entry, status: str) -> Case:
    units = set(e.data["units"])
    case = _set_consent(case, units, status, e.actor, e.time.isoformat())
    involved = tuple(i for i in case.involved if i.unit not in units)
    offer = case.baton_offer
    if offer is not None and offer.unit in units:
        offer = None
    return attrs.evolve(case, involved=involved, baton_offer=offer)


def _unit_involved(case: Case, e: Entry) -> Case:
    d = e.data
    kept = tuple(i for i in case.involved if i.unit != d["unit"])
    joined = Involvement(d["unit"], d["task"], person(d.get("person")))
    return _mark(attrs.evolve(case, involved=(*kept, joined)), "units_involved")


def _migrated(case: Case, e: Entry) -> Case:
    d = e.data
    moved = Migration(
        from_version=d["from"]["version"],
        from_hash=d["from"]["hash"],
        to_version=d["to"]["version"],
        to_hash=d["to"]["hash"],
        at=e.time.isoformat(),
        by=e.actor,
        from_step=d["from_step"],
        to_step=d["to_step"],
    )
    case = attrs.evolve(
        case,
        workflow_version=d["to"]["version"],
        workflow_hash=d["to"]["hash"],
        step=d["to_step"],
        migrations=(*case.migrations, moved),
    )
    if "next_evaluation" in d:
        case = attrs.evolve(case, next_evaluation_due=d["next_evaluation"])
    return case


def _add_guardians(case: Case, added: Iterable[Mapping[str, Any]]) -> Case:
    """The guardians of the case, each once (by id); a later record replaces an earlier one."""
    new = [p for p in (person(d) for d in added) if p is not None]
    ids = {p.id for p in new}
    kept = tuple(g for g in case.guardians if g.id not in ids)
    return attrs.evolve(case, guardians=kept + tuple(new))


def _simple(**changes: Any) -> Callable[[Case, Entry], Case]:
    def apply(case: Case, e: Entry) -> Case:
        return attrs.evolve(case, **changes) if changes else case

    return apply


def _record(record: str, **changes: Any) -> Callable[[Case, Entry], Case]:
    def apply(case: Case, e: Entry) -> Case:
        return _mark(attrs.evolve(case, **changes), record)

    return apply


_APPLY: dict[str, Callable[[Case, Entry], Case]] = {
    "concern_recorded": _concern,
    "child_welfare_consulted": _simple(child_welfare_consulted=True),
    "leader_informed": _record("leader_informed", leader_informed=True),
    "guardians_informed": lambda c, e: _mark(
        _add_guardians(attrs.evolve(c, guardians_informed=True), e.data.get("guardians", ())),
        "guardians_informed",
    ),
    "guardian_registered": lambda c, e: _add_guardians(c, [e.data["person"]]),
    "close_requested": _simple(),
    "child_informed": _simple(child_informed=True),
    "step_completed": lambda c, e: attrs.evolve(c, step=e.data["to_step"]),
    "level_changed": _level_changed,
    "case_closed": _closed,
    "evaluation_continued": _continued,
    "contact_person_appointed": lambda c, e: _mark(
        attrs.evolve(c, contact_person=person(e.data["person"])), "contact_person"
    ),
    "baton_offered": lambda c, e: attrs.evolve(c, baton_offer=person(e.data["to"])),
    "baton_accepted": lambda c, e: _mark(
        attrs.evolve(c, baton_holder=person(e.data["holder"]), baton_offer=None), "baton_holder"
    ),
    "baton_declined": _simple(baton_offer=None),
    "baton_offer_withdrawn": _simple(baton_offer=None),
    "meeting_scheduled": _meeting_scheduled,
    "meeting_moved": _meeting_moved,
    "meeting_cancelled": _meeting_cancelled,
    "meeting_held": _meeting_held,
    "minutes_recorded": lambda c, e: _replace_meeting(c, e.data["meeting"], minutes=e.data["text"]),
    "measures_agreed": _measures,
    "evaluation_recorded": _evaluation,
    "evaluation_rescheduled": lambda c, e: attrs.evolve(
        c, next_evaluation_due=e.data["next_evaluation"]
    ),
    "consent_given": _consent_given,
    "consent_refused": _consent_refused,
    "consent_withdrawn": _consent_withdrawn,
    "unit_involved": _unit_involved,
    "rights_assessed": _record("rights_assessment", rights_assessed=True),
    "note_added": _simple(),
    "document_added": _simple(),
    "workflow_migrated": _migrated,
}

ENTRY_KINDS: tuple[str, ...] = ("case_opened", *_APPLY)
"""Every kind of entry the relay log can hold."""


def open_state(e: Entry) -> Case:
    """The state right after a ``case_opened`` entry."""
    d = e.data
    opener = person(d["opened_by"])
    assert opener is not None
    case = Case(
        id=e.case_id,
        workflow_id=d["workflow"]["id"],
        workflow_version=d["workflow"]["version"],
        workflow_hash=d["workflow"]["hash"],
        subject=d["subject"],
        opened_by=opener,
        opened_at=e.time.isoformat(),
        birth_date=d.get("birth_date"),
        step=d["step"],
    )
    if d.get("concern"):
        case = _mark(
            attrs.evolve(case, concern=d["concern"], suspected_harm=bool(d.get("suspected_harm"))),
            "concern",
        )
    return case


def apply(case: Case | None, entry: Entry) -> Case:
    """The state after ``entry``; ``case`` is None only for the first entry."""
    if entry.kind == "case_opened":
        if case is not None:
            raise ValueError(f"entry {entry.seq}: a case is opened only once")
        new = open_state(entry)
    else:
        if case is None:
            raise ValueError(f"entry {entry.seq}: the first entry must open the case")
        new = _APPLY[entry.kind](case, entry)
    return attrs.evolve(new, seq=entry.seq, head_hash=entry.hash)


def extend(
    case: Case,
    drafts: Iterable[Draft],
    *,
    by: Actor,
    time: dt.datetime,
    workflow_hash: str | None = None,
) -> tuple[list[Entry], Case]:
    """Seal ``drafts`` as the case's next entries (by ``by``, at ``time``) and fold them in.

    The entries carry the case's pinned workflow hash unless another is given (a migration).
    """
    entries = []
    for draft in drafts:
        entry = seal(
            draft,
            case_id=case.id,
            seq=case.seq + 1,
            time=time,
            actor=by.id,
            role=by.role,
            unit=by.unit,
            workflow_hash=workflow_hash or case.workflow_hash,
            prev_hash=case.head_hash,
        )
        case = apply(case, entry)
        entries.append(entry)
    return entries, case


def fold(entries: Iterable[Entry]) -> Case:
    """Replay a case's entries, in order, into its state."""
    case: Case | None = None
    for entry in entries:
        case = apply(case, entry)
    if case is None:
        raise ValueError("a case has at least one entry")
    return case


_LATER_FIELDS = ("migrations", "guardians")
"""Fields added after state rows were first written: left out of the data while empty, so a
row written before they existed still equals the replay of its log."""


_MEETING_LATER_FIELDS: dict[str, Any] = {"sequence": 0, "cancelled": False}


def to_data(case: Case) -> dict[str, Any]:
    """The state as plain JSON-ready data (for the store's state row)."""
    data: dict[str, Any] = _converter.unstructure(case)
    for meeting in data["meetings"]:
        # added with moving and cancelling: left out while unused, as state rows had them before
        for name, unused in _MEETING_LATER_FIELDS.items():
            if meeting.get(name) == unused:
                del meeting[name]
    for name in _LATER_FIELDS:
        if not data.get(name):
            data.pop(name, None)
    return data


def from_data(data: Mapping[str, Any]) -> Case:
    """The state from ``to_data``'s output."""
    return _converter.structure(dict(data), Case)
