"""The relay log's entry kinds: one frozen class per kind, the body of an ``Entry``.

Each class mirrors exactly what the log has always stored for its kind, so a body read from the
store and written again gives the same JSON byte for byte (and every hash chain still verifies).
Keys come in two sorts, and the classes keep them apart:

- always written: a plain field (``birth_date`` is always there, null when unknown);
- left out when not given: a field defaulting to None with ``OMIT_IF_NONE``; a stored null for
  such a key is refused, since it was never written.

Dates are ``datetime.date``, meeting times ``datetime.datetime`` (stored as their isoformat),
people ``Person`` (stored with all four keys), lists tuples. ``body_from_data`` and
``body_data`` convert with the one converter of ``btiflow.codec``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeVar

import attrs

from btiflow.case.people import Person
from btiflow.codec import KEY, OMIT_IF_NONE, StructureError, converter, problems, register_record

_OMIT = {OMIT_IF_NONE: True}


@attrs.frozen(kw_only=True)
class EntryBody:
    """What an entry says; its class names its kind (``entry_kind``, e.g. 'baton_offered')."""

    entry_kind: ClassVar[str] = ""


@attrs.frozen(kw_only=True)
class WorkflowRef:
    """A guide version as an entry names it."""

    id: str
    version: str
    hash: str


@attrs.frozen(kw_only=True)
class AgreedMeasure:
    """One measure as ``measures_agreed`` records it."""

    id: str
    what: str
    responsible: str
    by_date: dt.date | None = attrs.field(default=None, metadata=_OMIT)
    goal: str | None = attrs.field(default=None, metadata=_OMIT)  # the goal it serves (g1...)


@attrs.frozen(kw_only=True)
class GoalStatus:
    """How one goal went, as an evaluation says (``goal_statuses``: reached, partly, not)."""

    goal: str
    status: str
    note: str | None = attrs.field(default=None, metadata=_OMIT)


# --- opening and level 0 --------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CaseOpened(EntryBody):
    """The first entry: the guide version the case follows, its subject and first step."""

    entry_kind: ClassVar[str] = "case_opened"
    workflow: WorkflowRef
    subject: str
    birth_date: dt.date | None  # always written, null when unknown
    opened_by: Person
    step: str
    concern: str | None = attrs.field(default=None, metadata=_OMIT)
    suspected_harm: bool | None = attrs.field(default=None, metadata=_OMIT)  # with concern
    # who brought the concern to the service (concern.ORIGINS); None: the opener's own concern
    origin: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class ConcernRecorded(EntryBody):
    entry_kind: ClassVar[str] = "concern_recorded"
    description: str
    suspected_harm: bool | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class ChildWelfareConsulted(EntryBody):
    entry_kind: ClassVar[str] = "child_welfare_consulted"
    advice: str | None = attrs.field(default=None, metadata=_OMIT)
    # False when the advice is not to tell the guardians (or the child) now (rule 2)
    tell_guardians: bool | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class LeaderInformed(EntryBody):
    entry_kind: ClassVar[str] = "leader_informed"
    leader: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class GuardiansInformed(EntryBody):
    entry_kind: ClassVar[str] = "guardians_informed"
    note: str | None = attrs.field(default=None, metadata=_OMIT)
    guardians: tuple[Person, ...] | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class GuardianRegistered(EntryBody):
    entry_kind: ClassVar[str] = "guardian_registered"
    person: Person


@attrs.frozen(kw_only=True)
class CloseRequested(EntryBody):
    entry_kind: ClassVar[str] = "close_requested"
    reason: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class ChildInformed(EntryBody):
    entry_kind: ClassVar[str] = "child_informed"
    note: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class StepCompleted(EntryBody):
    entry_kind: ClassVar[str] = "step_completed"
    from_step: str
    to_step: str


# --- decisions ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LevelChanged(EntryBody):
    """Expanded to a higher level (``outcome`` 'expand') or handed down ('hand_down').

    ``baton_holder`` is set when a holder is appointed at once (no holder yet), ``baton_offer``
    when the baton is offered to someone else (the holder keeps it until it is accepted).
    """

    entry_kind: ClassVar[str] = "level_changed"
    from_level: int
    to_level: int
    step: str
    outcome: str
    family_wish: str
    changes: str | None = attrs.field(default=None, metadata=_OMIT)
    agreed: str | None = attrs.field(default=None, metadata=_OMIT)
    next_evaluation: dt.date | None = attrs.field(default=None, metadata=_OMIT)
    delay_reason: str | None = attrs.field(default=None, metadata=_OMIT)
    baton_holder: Person | None = attrs.field(default=None, metadata=_OMIT)
    baton_offer: Person | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class CaseClosed(EntryBody):
    """Closed: at level 0 with a ``reason``, above it with ``changes`` and ``agreed``."""

    entry_kind: ClassVar[str] = "case_closed"
    level: int
    outcome: str
    reason: str | None = attrs.field(default=None, metadata=_OMIT)
    changes: str | None = attrs.field(default=None, metadata=_OMIT)
    agreed: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class EvaluationContinued(EntryBody):
    entry_kind: ClassVar[str] = "evaluation_continued"
    step: str
    outcome: str
    next_evaluation: dt.date
    delay_reason: str | None = attrs.field(default=None, metadata=_OMIT)
    agreed: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class RightsAssessed(EntryBody):
    entry_kind: ClassVar[str] = "rights_assessed"
    responsibility_group: str
    individual_plan: str
    child_coordinator: str


# --- people and the baton -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ContactPersonAppointed(EntryBody):
    entry_kind: ClassVar[str] = "contact_person_appointed"
    person: Person


@attrs.frozen(kw_only=True)
class BatonOffered(EntryBody):
    entry_kind: ClassVar[str] = "baton_offered"
    to: Person
    # why, when someone other than the holder offers it (the holder is away or has left)
    reason: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class BatonAccepted(EntryBody):
    entry_kind: ClassVar[str] = "baton_accepted"
    holder: Person


@attrs.frozen(kw_only=True)
class BatonDeclined(EntryBody):
    entry_kind: ClassVar[str] = "baton_declined"
    reason: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class BatonOfferWithdrawn(EntryBody):
    entry_kind: ClassVar[str] = "baton_offer_withdrawn"


# --- meetings and measures ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MeetingScheduled(EntryBody):
    """A meeting scheduled; ``kind`` is the meeting's kind (planning, startup, ...)."""

    entry_kind: ClassVar[str] = "meeting_scheduled"
    meeting: str
    kind: str
    at: dt.datetime
    invitees: tuple[Person, ...]
    place: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class MeetingMoved(EntryBody):
    entry_kind: ClassVar[str] = "meeting_moved"
    meeting: str
    at: dt.datetime
    place: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class MeetingCancelled(EntryBody):
    entry_kind: ClassVar[str] = "meeting_cancelled"
    meeting: str
    reason: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class MeetingHeld(EntryBody):
    entry_kind: ClassVar[str] = "meeting_held"
    meeting: str
    child_took_part: bool
    child_voice: str | None = attrs.field(default=None, metadata=_OMIT)
    interpreter_present: bool | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class MinutesRecorded(EntryBody):
    entry_kind: ClassVar[str] = "minutes_recorded"
    meeting: str
    text: str


@attrs.frozen(kw_only=True)
class MeasuresAgreed(EntryBody):
    entry_kind: ClassVar[str] = "measures_agreed"
    meeting: str
    measures: tuple[AgreedMeasure, ...]
    next_evaluation: dt.date
    delay_reason: str | None = attrs.field(default=None, metadata=_OMIT)
    # how the child's voice came in, when the meeting held without the child did not say (rule 9)
    child_voice: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class EvaluationRecorded(EntryBody):
    entry_kind: ClassVar[str] = "evaluation_recorded"
    meeting: str
    experience: str
    changes: str
    status: str
    goals: tuple[GoalStatus, ...] | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class EvaluationRescheduled(EntryBody):
    entry_kind: ClassVar[str] = "evaluation_rescheduled"
    next_evaluation: dt.date
    reason: str | None = attrs.field(default=None, metadata=_OMIT)


# --- consent and other services -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ConsentGiven(EntryBody):
    entry_kind: ClassVar[str] = "consent_given"
    units: tuple[str, ...]
    note: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class ConsentRefused(EntryBody):
    entry_kind: ClassVar[str] = "consent_refused"
    units: tuple[str, ...]
    reason: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class ConsentWithdrawn(EntryBody):
    entry_kind: ClassVar[str] = "consent_withdrawn"
    units: tuple[str, ...]


@attrs.frozen(kw_only=True)
class UnitInvolved(EntryBody):
    entry_kind: ClassVar[str] = "unit_involved"
    unit: str
    task: str
    person: Person | None = attrs.field(default=None, metadata=_OMIT)


# --- notes, documents, migrations -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class NoteAdded(EntryBody):
    entry_kind: ClassVar[str] = "note_added"
    text: str


@attrs.frozen(kw_only=True)
class DocumentAdded(EntryBody):
    entry_kind: ClassVar[str] = "document_added"
    title: str
    text: str | None = attrs.field(default=None, metadata=_OMIT)
    shared_with_family: bool | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class WorkflowMigrated(EntryBody):
    """The case moved to another version of its guide (stored keys ``from`` and ``to``)."""

    entry_kind: ClassVar[str] = "workflow_migrated"
    from_workflow: WorkflowRef = attrs.field(metadata={KEY: "from"})
    to_workflow: WorkflowRef = attrs.field(metadata={KEY: "to"})
    from_step: str
    from_title: str
    to_step: str
    how: str | None  # always written: auto | mapped
    mapping: Mapping[str, str]
    deadlines: str  # keep | recompute
    next_evaluation: dt.date | None = attrs.field(default=None, metadata=_OMIT)


# --- level 0 without the guardians (issue 12) -------------------------------------------------


@attrs.frozen(kw_only=True)
class GuardiansNotInformed(EntryBody):
    """At level 0, after the leader: the concern goes no further to the guardians, and why."""

    entry_kind: ClassVar[str] = "guardians_not_informed"
    reason: str


@attrs.frozen(kw_only=True)
class ReportSent(EntryBody):
    """The unit sent a report of concern (bekymringsmelding) to the child welfare service."""

    entry_kind: ClassVar[str] = "report_sent"
    note: str | None = attrs.field(default=None, metadata=_OMIT)


# --- what the sources describe (issue 12): interpreter -----------------------------------------


@attrs.frozen(kw_only=True)
class InterpreterNeeded(EntryBody):
    """The child or a guardian needs an interpreter ("rett til tolk") for ``language``."""

    entry_kind: ClassVar[str] = "interpreter_needed"
    person: str  # "child" (the case's subject) or a guardian's id
    language: str


# --- the archive (btiflow.archive) -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CaseArchived(EntryBody):
    """An archive package of the case was written: its checksum and the log it holds."""

    entry_kind: ClassVar[str] = "case_archived"
    package: str  # sha256 (hex) of the package's manifest.json
    status: str  # open | closed: the case when archived
    head_seq: int  # the last entry the package holds
    head_hash: str  # that entry's hash (64 hex)


# --- retention (btiflow.retention) --------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LegalHoldPlaced(EntryBody):
    """An administrator put the case under a legal hold: no purge touches it until released."""

    entry_kind: ClassVar[str] = "legal_hold_placed"
    reason: str


@attrs.frozen(kw_only=True)
class LegalHoldReleased(EntryBody):
    """An administrator released the case's legal hold."""

    entry_kind: ClassVar[str] = "legal_hold_released"
    reason: str


@attrs.frozen(kw_only=True)
class AccessLogErased(EntryBody):
    """The oldest rows of the case's access log were erased (the guide's access-log retention).

    The rows left chain on from the last erased row's hash (``base``)."""

    entry_kind: ClassVar[str] = "access_log_erased"
    before: str  # rows logged before this moment (ISO) were erased
    rows: int  # how many
    base: str  # the hash of the last erased row: the rows left chain on from it
    reference: str  # the decision or rule the erasure follows


@attrs.frozen(kw_only=True)
class CasePurged(EntryBody):
    """The case's contents were erased after its retention period (its entries keep their
    content hashes, so the chain still verifies); what is left is stated here."""

    entry_kind: ClassVar[str] = "case_purged"
    workflow: WorkflowRef  # the guide version the case followed (its retention rule)
    opened_at: str
    closed_at: str
    archived_at: str  # when the archive package the retention counts from was written
    retention: str  # the guide's retention.after_archive (ISO duration)
    erased: int  # entries whose content was erased (1..erased)
    access_rows: int  # access-log rows erased with them
    reference: str  # the decision or rule the purge follows


# --- moving municipality (btiflow.transfer) ----------------------------------------------------


@attrs.frozen(kw_only=True)
class TransferConsented(EntryBody):
    """The family (a guardian of the case, or the young person) consents to the case moving
    with them to another municipality."""

    entry_kind: ClassVar[str] = "transfer_consented"
    to: str  # the receiving municipality, as the family named it


@attrs.frozen(kw_only=True)
class CaseTransferred(EntryBody):
    """The sending side: the case was exported to another municipality and is closed here."""

    entry_kind: ClassVar[str] = "case_transferred"
    to: str
    bundle: str  # sha256 (hex) of the signed bundle
    head_seq: int  # the last entry the bundle holds
    head_hash: str


@attrs.frozen(kw_only=True)
class CaseReceived(EntryBody):
    """The receiving side: the case came in a signed bundle from another municipality."""

    entry_kind: ClassVar[str] = "case_received"
    source: str  # the sending municipality, as its bundle names it
    bundle: str  # sha256 (hex) of the signed bundle
    key: str  # the sender's Ed25519 public key (hex) that signed it


# --- goals and the measure plan (issue 12) -----------------------------------------------------


@attrs.frozen(kw_only=True)
class GoalSet(EntryBody):
    """A goal (mål) of the measure plan; measures name the goal they serve."""

    entry_kind: ClassVar[str] = "goal_set"
    goal: str  # g1, g2, ... in the case
    text: str
    meeting: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class MeasureRevised(EntryBody):
    """A measure changed ("revider tiltaksplanen"): only what changed is written."""

    entry_kind: ClassVar[str] = "measure_revised"
    measure: str
    what: str | None = attrs.field(default=None, metadata=_OMIT)
    responsible: str | None = attrs.field(default=None, metadata=_OMIT)
    by_date: dt.date | None = attrs.field(default=None, metadata=_OMIT)
    goal: str | None = attrs.field(default=None, metadata=_OMIT)
    reason: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class MeasureEnded(EntryBody):
    """A measure ended (done, or no longer fitting); it stays in the plan's history."""

    entry_kind: ClassVar[str] = "measure_ended"
    measure: str
    reason: str | None = attrs.field(default=None, metadata=_OMIT)


# --- level 3: responsibility group, individual plan and coordinator (issue 12) -----------------


@attrs.frozen(kw_only=True)
class ResponsibilityGroupFormed(EntryBody):
    """A responsibility group (ansvarsgruppe) formed, or its members changed: all members."""

    entry_kind: ClassVar[str] = "responsibility_group_formed"
    members: tuple[Person, ...]
    note: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class IndividualPlanStarted(EntryBody):
    """An individual plan (individuell plan) started with its coordinator, or a new coordinator
    named; the case goes on (it is not closed and opened again elsewhere)."""

    entry_kind: ClassVar[str] = "individual_plan_started"
    coordinator: Person
    note: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class ChildCoordinatorApplied(EntryBody):
    """An application for a child coordinator (barnekoordinator) was sent."""

    entry_kind: ClassVar[str] = "child_coordinator_applied"
    note: str | None = attrs.field(default=None, metadata=_OMIT)


@attrs.frozen(kw_only=True)
class YoungPersonRegistered(EntryBody):
    """The young person the case is about, as they log in: by the keyed hash of their national
    id (``btiflow.national_id_key``), never the number. From the guide's self-consent age they
    see their case in the web pages under it."""

    entry_kind: ClassVar[str] = "young_person_registered"
    person: Person


BODY_TYPES: dict[str, type[EntryBody]] = {
    cls.entry_kind: cls
    for cls in (
        CaseOpened,
        ConcernRecorded,
        ChildWelfareConsulted,
        LeaderInformed,
        GuardiansInformed,
        GuardianRegistered,
        CloseRequested,
        ChildInformed,
        StepCompleted,
        LevelChanged,
        CaseClosed,
        EvaluationContinued,
        ContactPersonAppointed,
        BatonOffered,
        BatonAccepted,
        BatonDeclined,
        BatonOfferWithdrawn,
        MeetingScheduled,
        MeetingMoved,
        MeetingCancelled,
        MeetingHeld,
        MinutesRecorded,
        MeasuresAgreed,
        EvaluationRecorded,
        EvaluationRescheduled,
        ConsentGiven,
        ConsentRefused,
        ConsentWithdrawn,
        UnitInvolved,
        RightsAssessed,
        NoteAdded,
        DocumentAdded,
        WorkflowMigrated,
        GuardiansNotInformed,
        ReportSent,
        InterpreterNeeded,
        CaseArchived,
        LegalHoldPlaced,
        LegalHoldReleased,
        AccessLogErased,
        CasePurged,
        TransferConsented,
        CaseTransferred,
        CaseReceived,
        GoalSet,
        MeasureRevised,
        MeasureEnded,
        ResponsibilityGroupFormed,
        IndividualPlanStarted,
        ChildCoordinatorApplied,
        YoungPersonRegistered,
    )
}
"""Every entry kind and its body class, in the order the kinds were introduced."""

for _cls in (WorkflowRef, AgreedMeasure, GoalStatus, *BODY_TYPES.values()):
    register_record(_cls)


class BodyError(ValueError):
    """Stored data that is not a body of its kind (an unknown kind, a missing or unknown key)."""


_B = TypeVar("_B", bound=EntryBody)


def body_from_data(kind: str, data: Mapping[str, Any]) -> EntryBody:
    """The typed body of a ``kind`` entry from its stored form; ``BodyError`` if it does not fit."""
    cls = BODY_TYPES.get(kind)
    if cls is None:
        raise BodyError(f"unknown entry kind {kind!r}")
    body = structure_body(cls, data)
    written = body_data(body)
    if written != data:
        # e.g. a number where a text belongs: read leniently, it would be written differently
        keys = sorted(k for k in data if written.get(k) != data[k])
        raise BodyError(f"a {kind} entry does not read back as it is stored ({', '.join(keys)})")
    return body


def structure_body(cls: type[_B], data: Mapping[str, Any]) -> _B:
    """``data`` as a ``cls`` body; ``BodyError`` naming the kind if it does not fit."""
    try:
        return converter.structure(data, cls)
    except (StructureError, TypeError, ValueError, KeyError) as exc:
        detail = "; ".join(problems(exc))
        raise BodyError(f"a {cls.entry_kind} entry does not fit its kind: {detail}") from exc


def persons_in(body: EntryBody) -> Iterator[Person]:
    """Every person the body names: an opener, a holder, an invitee, a guardian..."""
    for field in attrs.fields(type(body)):
        value = getattr(body, field.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, Person):
                yield item


def body_data(body: EntryBody) -> dict[str, Any]:
    """The body's stored form: plain JSON-ready data, exactly as it is hashed and stored."""
    data: dict[str, Any] = converter.unstructure(body)
    return data
