"""How each log entry changes a case's state: ``Case = fold(entries)``.

The fold needs nothing but the entries: every entry that moves the case carries where it moved
to, so an old case replays the same way even after its guide's file has changed. The state's
classes are in ``state.py``; this module turns entries into them, and a state into plain data
(for the store's state row) and back.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from btiflow.case import kinds
from btiflow.case.entries import Draft, Entry, canonical_json, seal
from btiflow.case.kinds import EntryBody
from btiflow.case.people import Actor, Person
from btiflow.case.state import (
    Case,
    ConsentState,
    Goal,
    InterpreterNeed,
    Involvement,
    Measure,
    Meeting,
    Migration,
)
from btiflow.codec import converter

# --- the fold ------------------------------------------------------------------------------
#
# One small handler per body class, chosen by the body's type (``_change``). ``case_opened``
# is not among them: it makes the first state (``open_state``) instead of changing one.

_converter = converter


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _mark(case: Case, *records: str) -> Case:
    merged = tuple(sorted(set(case.cycle_records) | set(records)))
    return attrs.evolve(case, cycle_records=merged)


def _new_cycle(case: Case) -> Case:
    return attrs.evolve(case, cycle=case.cycle + 1, cycle_records=())


def _replace_meeting(case: Case, meeting_id: str, **changes: Any) -> Case:
    meetings = tuple(attrs.evolve(m, **changes) if m.id == meeting_id else m for m in case.meetings)
    return attrs.evolve(case, meetings=meetings)


def _set_consent(case: Case, units: Iterable[str], status: str, e: Entry) -> Case:
    units = list(units)
    kept = tuple(c for c in case.consents if c.unit not in units)
    added = tuple(ConsentState(u, status, e.actor, e.time.isoformat()) for u in units)
    return attrs.evolve(case, consents=kept + added)


def _add_guardians(case: Case, added: Iterable[Person]) -> Case:
    """The guardians of the case, each once (by id); a later record replaces an earlier one."""
    new = list(added)
    ids = {p.id for p in new}
    kept = tuple(g for g in case.guardians if g.id not in ids)
    return attrs.evolve(case, guardians=kept + tuple(new))


@functools.singledispatch
def _change(body: EntryBody, case: Case, e: Entry) -> Case:
    raise ValueError(f"entry {e.seq}: no rule folds a {body.entry_kind} entry into a case")


@_change.register
def _opened(body: kinds.CaseOpened, case: Case, e: Entry) -> Case:
    raise ValueError(f"entry {e.seq}: a case is opened only once")


@_change.register
def _concern(body: kinds.ConcernRecorded, case: Case, e: Entry) -> Case:
    case = attrs.evolve(case, concern=body.description, suspected_harm=bool(body.suspected_harm))
    return _mark(case, "concern")


@_change.register
def _child_welfare(body: kinds.ChildWelfareConsulted, case: Case, e: Entry) -> Case:
    # each consultation's advice replaces the last; one that says nothing lifts no hold
    against = case.advised_not_to_tell if body.tell_guardians is None else not body.tell_guardians
    return attrs.evolve(case, child_welfare_consulted=True, advised_not_to_tell=against)


@_change.register
def _not_told(body: kinds.GuardiansNotInformed, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, guardians_not_informed=body.reason)


@_change.register
def _report(body: kinds.ReportSent, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, report_sent=True)


@_change.register
def _leader(body: kinds.LeaderInformed, case: Case, e: Entry) -> Case:
    return _mark(attrs.evolve(case, leader_informed=True), "leader_informed")


@_change.register
def _guardians_informed(body: kinds.GuardiansInformed, case: Case, e: Entry) -> Case:
    case = _add_guardians(attrs.evolve(case, guardians_informed=True), body.guardians or ())
    return _mark(case, "guardians_informed")


@_change.register
def _guardian(body: kinds.GuardianRegistered, case: Case, e: Entry) -> Case:
    return _add_guardians(case, [body.person])


@_change.register
def _young_person(body: kinds.YoungPersonRegistered, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, young_person=body.person.id)


@_change.register
def _child_informed(body: kinds.ChildInformed, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, child_informed=True)


@_change.register
def _step(body: kinds.StepCompleted, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, step=body.to_step)


@_change.register
def _level_changed(body: kinds.LevelChanged, case: Case, e: Entry) -> Case:
    case = attrs.evolve(
        case,
        level=body.to_level,
        step=body.step,
        baton_holder=body.baton_holder or case.baton_holder,
        baton_offer=body.baton_offer,
    )
    case = _new_cycle(case)
    if body.next_evaluation is not None:
        case = attrs.evolve(case, next_evaluation_due=_iso(body.next_evaluation))
    return _mark(case, "baton_holder")


@_change.register
def _closed(body: kinds.CaseClosed, case: Case, e: Entry) -> Case:
    return attrs.evolve(
        case,
        status="closed",
        closed_at=e.time.isoformat(),
        baton_offer=None,
        next_evaluation_due=None,
    )


@_change.register
def _continued(body: kinds.EvaluationContinued, case: Case, e: Entry) -> Case:
    case = attrs.evolve(case, step=body.step, next_evaluation_due=_iso(body.next_evaluation))
    return _new_cycle(case)


@_change.register
def _contact_person(body: kinds.ContactPersonAppointed, case: Case, e: Entry) -> Case:
    return _mark(attrs.evolve(case, contact_person=body.person), "contact_person")


@_change.register
def _offered(body: kinds.BatonOffered, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, baton_offer=body.to)


@_change.register
def _accepted(body: kinds.BatonAccepted, case: Case, e: Entry) -> Case:
    return _mark(attrs.evolve(case, baton_holder=body.holder, baton_offer=None), "baton_holder")


@_change.register(kinds.BatonDeclined)
@_change.register(kinds.BatonOfferWithdrawn)
def _offer_ended(body: kinds.EntryBody, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, baton_offer=None)


@_change.register
def _scheduled(body: kinds.MeetingScheduled, case: Case, e: Entry) -> Case:
    meeting = Meeting(
        id=body.meeting,
        kind=body.kind,
        at=body.at.isoformat(),
        place=body.place or "",
        invitees=body.invitees,
        level=case.level,
        cycle=case.cycle,
    )
    return attrs.evolve(case, meetings=(*case.meetings, meeting))


@_change.register
def _moved(body: kinds.MeetingMoved, case: Case, e: Entry) -> Case:
    meeting = case.meeting(body.meeting)
    assert meeting is not None
    changes: dict[str, Any] = {"at": body.at.isoformat(), "sequence": meeting.sequence + 1}
    if body.place is not None:
        changes["place"] = body.place
    return _replace_meeting(case, body.meeting, **changes)


@_change.register
def _cancelled(body: kinds.MeetingCancelled, case: Case, e: Entry) -> Case:
    meeting = case.meeting(body.meeting)
    assert meeting is not None
    return _replace_meeting(case, meeting.id, cancelled=True, sequence=meeting.sequence + 1)


@_change.register
def _held(body: kinds.MeetingHeld, case: Case, e: Entry) -> Case:
    case = _replace_meeting(
        case,
        body.meeting,
        held=True,
        child_took_part=body.child_took_part,
        child_voice=body.child_voice,
        cycle=case.cycle,
        interpreter_present=body.interpreter_present,
    )
    return _mark(case, "meeting")


@_change.register
def _minutes(body: kinds.MinutesRecorded, case: Case, e: Entry) -> Case:
    return _replace_meeting(case, body.meeting, minutes=body.text)


@_change.register
def _measures(body: kinds.MeasuresAgreed, case: Case, e: Entry) -> Case:
    added = tuple(
        Measure(m.id, m.what, m.responsible, _iso(m.by_date), body.meeting, case.level, m.goal)
        for m in body.measures
    )
    case = attrs.evolve(
        case, measures=case.measures + added, next_evaluation_due=_iso(body.next_evaluation)
    )
    if body.child_voice is not None:
        case = _replace_meeting(case, body.meeting, child_voice=body.child_voice)
    return _mark(case, "measures", "evaluation_date")


@_change.register
def _evaluation(body: kinds.EvaluationRecorded, case: Case, e: Entry) -> Case:
    case = attrs.evolve(case, next_evaluation_due=None, evaluations=case.evaluations + 1)
    said = {g.goal: g for g in body.goals or ()}
    goals = tuple(
        attrs.evolve(g, status=said[g.id].status, note=said[g.id].note) if g.id in said else g
        for g in case.goals
    )
    return _mark(attrs.evolve(case, goals=goals), "evaluation")


@_change.register
def _goal(body: kinds.GoalSet, case: Case, e: Entry) -> Case:
    goal = Goal(body.goal, body.text, case.level)
    return attrs.evolve(case, goals=(*case.goals, goal))


def _replace_measure(case: Case, measure_id: str, **changes: Any) -> Case:
    measures = tuple(attrs.evolve(m, **changes) if m.id == measure_id else m for m in case.measures)
    return attrs.evolve(case, measures=measures)


@_change.register
def _revised(body: kinds.MeasureRevised, case: Case, e: Entry) -> Case:
    measure = case.measure(body.measure)
    assert measure is not None
    changes: dict[str, Any] = {"revisions": measure.revisions + 1}
    for name in ("what", "responsible", "goal"):
        if getattr(body, name) is not None:
            changes[name] = getattr(body, name)
    if body.by_date is not None:
        changes["by_date"] = _iso(body.by_date)
    return _replace_measure(case, body.measure, **changes)


@_change.register
def _ended(body: kinds.MeasureEnded, case: Case, e: Entry) -> Case:
    return _replace_measure(case, body.measure, ended=True)


@_change.register
def _group(body: kinds.ResponsibilityGroupFormed, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, responsibility_group=body.members)


@_change.register
def _individual_plan(body: kinds.IndividualPlanStarted, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, individual_plan=True, coordinator=body.coordinator)


@_change.register
def _child_coordinator(body: kinds.ChildCoordinatorApplied, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, child_coordinator_applied=True)


@_change.register
def _rescheduled(body: kinds.EvaluationRescheduled, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, next_evaluation_due=_iso(body.next_evaluation))


@_change.register
def _consent_given(body: kinds.ConsentGiven, case: Case, e: Entry) -> Case:
    return _mark(_set_consent(case, body.units, "given", e), "consent")


@_change.register
def _consent_refused(body: kinds.ConsentRefused, case: Case, e: Entry) -> Case:
    # refusing a consent given earlier ends the unit's involvement, as a withdrawal does
    return _consent_ended(case, e, body.units, "refused")


@_change.register
def _consent_withdrawn(body: kinds.ConsentWithdrawn, case: Case, e: Entry) -> Case:
    return _consent_ended(case, e, body.units, "withdrawn")


def _consent_ended(case: Case, e: Entry, ended: Iterable[str], status: str) -> Case:
    units = set(ended)
    case = _set_consent(case, units, status, e)
    involved = tuple(i for i in case.involved if i.unit not in units)
    offer = case.baton_offer
    if offer is not None and offer.unit in units:
        offer = None
    return attrs.evolve(case, involved=involved, baton_offer=offer)


@_change.register
def _unit_involved(body: kinds.UnitInvolved, case: Case, e: Entry) -> Case:
    # A unit can have several people, each with their task. The same person involved again gets
    # the new task; a person named fills in the unit's place held without a name (as an old log
    # did: there the named person replaced it, so old logs replay to the state they stored).
    who = body.person.id if body.person else None
    kept = tuple(
        i
        for i in case.involved
        if not (i.unit == body.unit and (i.person is None or i.person.id == who))
    )
    joined = Involvement(body.unit, body.task, body.person)
    return _mark(attrs.evolve(case, involved=(*kept, joined)), "units_involved")


@_change.register
def _rights(body: kinds.RightsAssessed, case: Case, e: Entry) -> Case:
    return _mark(attrs.evolve(case, rights_assessed=True), "rights_assessment")


@_change.register(kinds.CloseRequested)
@_change.register(kinds.NoteAdded)
@_change.register(kinds.DocumentAdded)
@_change.register(kinds.CaseArchived)  # an archive package was written (btiflow.archive)
@_change.register(kinds.AccessLogErased)  # the access log's oldest rows (btiflow.retention)
@_change.register(kinds.TransferConsented)  # the family's consent to a move (btiflow.transfer)
@_change.register(kinds.CaseReceived)  # the case came from another municipality
def _unchanged(body: kinds.EntryBody, case: Case, e: Entry) -> Case:
    return case


@_change.register
def _interpreter(body: kinds.InterpreterNeeded, case: Case, e: Entry) -> Case:
    kept = tuple(i for i in case.interpreters if i.person != body.person)
    need = InterpreterNeed(body.person, body.language)
    return attrs.evolve(case, interpreters=(*kept, need))


@_change.register
def _migrated(body: kinds.WorkflowMigrated, case: Case, e: Entry) -> Case:
    moved = Migration(
        from_version=body.from_workflow.version,
        from_hash=body.from_workflow.hash,
        to_version=body.to_workflow.version,
        to_hash=body.to_workflow.hash,
        at=e.time.isoformat(),
        by=e.actor,
        from_step=body.from_step,
        to_step=body.to_step,
    )
    case = attrs.evolve(
        case,
        workflow_version=body.to_workflow.version,
        workflow_hash=body.to_workflow.hash,
        step=body.to_step,
        migrations=(*case.migrations, moved),
    )
    if body.next_evaluation is not None:
        case = attrs.evolve(case, next_evaluation_due=_iso(body.next_evaluation))
    return case


@_change.register
def _hold(body: kinds.LegalHoldPlaced, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, legal_hold=body.reason)


@_change.register
def _released(body: kinds.LegalHoldReleased, case: Case, e: Entry) -> Case:
    return attrs.evolve(case, legal_hold=None)


@_change.register
def _transferred(body: kinds.CaseTransferred, case: Case, e: Entry) -> Case:
    # moved with the family to another municipality: closed here
    closed = attrs.evolve(case, status="transferred", closed_at=e.time.isoformat())
    return attrs.evolve(closed, baton_offer=None)


@_change.register
def _purged(body: kinds.CasePurged, case: Case, e: Entry) -> Case:
    return purged_state(e)


ERASED_PERSON = Person("(erased)")
"""Who opened a purged case, as its state says: the opener is erased with the rest."""


def purged_state(e: Entry) -> Case:
    """The state of a purged case after its ``case_purged`` entry: the guide version, when it
    was opened and closed, status ``purged``; nothing about the child or the people."""
    body = e.body_as(kinds.CasePurged)
    return Case(
        id=e.case_id,
        workflow_id=body.workflow.id,
        workflow_version=body.workflow.version,
        workflow_hash=body.workflow.hash,
        subject="",
        opened_by=ERASED_PERSON,
        opened_at=body.opened_at,
        status="purged",
        closed_at=body.closed_at,
    )


ENTRY_KINDS: tuple[str, ...] = tuple(kinds.BODY_TYPES)
"""Every kind of entry the relay log can hold."""


def open_state(e: Entry) -> Case:
    """The state right after a ``case_opened`` entry."""
    body = e.body
    if not isinstance(body, kinds.CaseOpened):
        raise ValueError(f"entry {e.seq}: the first entry must open the case")
    case = Case(
        id=e.case_id,
        workflow_id=body.workflow.id,
        workflow_version=body.workflow.version,
        workflow_hash=body.workflow.hash,
        subject=body.subject,
        opened_by=body.opened_by,
        opened_at=e.time.isoformat(),
        birth_date=_iso(body.birth_date),
        step=body.step,
        origin=body.origin,
    )
    if body.concern:
        case = attrs.evolve(case, concern=body.concern, suspected_harm=bool(body.suspected_harm))
        case = _mark(case, "concern")
    return case


def apply(case: Case | None, entry: Entry) -> Case:
    """The state after ``entry``; ``case`` is None only for the first entry."""
    if isinstance(entry.body, kinds.CasePurged):
        new = purged_state(entry)
    else:
        new = open_state(entry) if case is None else _change(entry.body, case, entry)
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
    """Replay a case's entries, in order, into its state (a purged case's from its last
    ``case_purged`` entry: the entries before it are erased)."""
    log = list(entries)
    start = max((i for i, e in enumerate(log) if isinstance(e.body, kinds.CasePurged)), default=0)
    case: Case | None = None
    for entry in log[start:]:
        case = apply(case, entry)
    if case is None:
        raise ValueError("a case has at least one entry")
    return case


_LATER_FIELDS = (
    "migrations",
    "guardians",
    "guardians_not_informed",
    "advised_not_to_tell",
    "report_sent",
    "origin",
    "interpreters",
    "legal_hold",
    "goals",
    "responsibility_group",
    "individual_plan",
    "coordinator",
    "child_coordinator_applied",
    "young_person",
)
"""Fields added after state rows were first written: left out of the data while empty, so a
row written before they existed still equals the replay of its log."""


_MEETING_LATER_FIELDS: dict[str, Any] = {
    "sequence": 0,
    "cancelled": False,
    "interpreter_present": None,
}


_MEASURE_LATER_FIELDS: dict[str, Any] = {"goal": None, "ended": False, "revisions": 0}
_ITEM_LATER_FIELDS: dict[type, dict[str, Any]] = {
    Meeting: _MEETING_LATER_FIELDS,
    Measure: _MEASURE_LATER_FIELDS,
}


def _trim(item: Any, data: dict[str, Any]) -> dict[str, Any]:
    # fields added to a list item after state rows were first written (meetings: moving and
    # cancelling; measures: goals and revisions) are left out while unused, as rows had them
    for name, unused in _ITEM_LATER_FIELDS.get(type(item), {}).items():
        if data.get(name) == unused:
            del data[name]
    return data


def to_data(case: Case) -> dict[str, Any]:
    """The state as plain JSON-ready data (for the store's state row)."""
    data: dict[str, Any] = _converter.unstructure(case)
    for name in ("meetings", "measures"):
        data[name] = [_trim(i, d) for i, d in zip(getattr(case, name), data[name], strict=True)]
    for name in _LATER_FIELDS:
        if not data.get(name):
            data.pop(name, None)
    return data


# The state row is written at every act. Its lists (meetings, measures, consents...) only grow,
# and their items are immutable and kept from one state to the next by ``apply``, so each item's
# JSON is cached by identity and the row is spliced together from the cached pieces: an act on a
# case with 200 meetings then costs about what one on a fresh case does (issue 14).
_ITEM_JSON: dict[int, tuple[weakref.ref[Any], str]] = {}
_ITEM_JSON_LIMIT = 100_000


def _item_json(item: Any) -> str:
    hit = _ITEM_JSON.get(id(item))
    if hit is not None and hit[0]() is item:
        return hit[1]
    text = canonical_json(_trim(item, _converter.unstructure(item)))
    if len(_ITEM_JSON) >= _ITEM_JSON_LIMIT:
        _ITEM_JSON.clear()
    _ITEM_JSON[id(item)] = (weakref.ref(item), text)
    return text


_FIELDS = tuple(f.name for f in attrs.fields(Case))


def state_json(case: Case) -> str:
    """``canonical_json(to_data(case))``, the state row's data, built from the cached JSON of
    the list items that did not change (a test holds the two equal)."""
    lists: dict[str, tuple[Any, ...]] = {}
    for name in _FIELDS:
        value = getattr(case, name)
        if isinstance(value, tuple) and value and attrs.has(type(value[0])):
            lists[name] = value
    emptied: dict[str, Any] = dict.fromkeys(lists, ())
    data = to_data(attrs.evolve(case, **emptied))
    # a marker a case's own text cannot produce at a top-level key: a NUL, encoded \u0000
    data.update({name: f"\x00{name}" for name in lists})
    text = canonical_json(data)
    for name, items in lists.items():
        spliced = "[" + ",".join(_item_json(item) for item in items) + "]"
        text = text.replace(f'"{name}":"\\u0000{name}"', f'"{name}":{spliced}', 1)
    return text


def from_data(data: Mapping[str, Any]) -> Case:
    """The state from ``to_data``'s output."""
    return _converter.structure(dict(data), Case)
