"""What a person is shown of a case: the family's view and the staff view, as frozen data.

Built by pure functions from the workflow version the case is pinned to, the case, its log and
what ``btiflow.access`` allows. The family's view (``FamilyView``) is in the workflow's language
and plain words, and never holds the concern, internal notes or documents not shared with the
family. The staff view (``StaffView``) adds those and the whole log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import attrs

from btiflow.case.consent import RELAY_LOG, lapses_on
from btiflow.case.entries import Entry
from btiflow.case.interpreter import who_needs
from btiflow.case.kinds import DocumentAdded, NoteAdded
from btiflow.case.messages import meeting_kind_name, origin_name
from btiflow.case.people import Person
from btiflow.case.state import Case, ConsentState
from btiflow.localtime import OSLO
from btiflow.words import dates, has, say
from btiflow.workflow.model import Workflow

FAMILY_ROLES = ("guardian", "child")


def moved_note(case: Case, language: str = "nb") -> str | None:
    """'Saken ble flyttet til versjon X av veilederen torsdag 3. september 2026.' for the
    case's last migration."""
    if not case.migrations:
        return None
    last = case.migrations[-1]
    day = dates.day(dt.datetime.fromisoformat(last.at), language)
    return say(language, "views.moved", version=last.to_version, day=day)


def _word(language: str, key: str) -> str:
    """A word of the views (``views.<key>`` in the catalogue); a key it lacks reads as itself."""
    return say(language, f"views.{key}") if has("nb", f"views.{key}") else key


@attrs.frozen
class Contact:
    """Someone the family can reach: name, service, e-mail when recorded."""

    name: str
    unit: str
    email: str | None = None


@attrs.frozen
class MeetingInfo:
    """A meeting in plain words: which kind, when, where."""

    id: str
    kind: str
    at: str
    place: str


@attrs.frozen
class Involved:
    """A service taking part, its task, and the person there when named."""

    unit: str
    task: str
    person: str | None = None


@attrs.frozen
class MeasureInfo:
    """An agreed measure: what, who is responsible, by when."""

    what: str
    responsible: str
    by_date: str | None = None
    goal: str | None = None  # the goal it serves, in words
    ended: bool = False


@attrs.frozen
class GoalInfo:
    """A goal of the measure plan and, once evaluated, how it went (in words)."""

    text: str
    status: str | None = None
    note: str | None = None


@attrs.frozen
class Minutes:
    """The minutes of a held meeting."""

    meeting: str
    kind: str
    at: str
    text: str
    interpreter_present: bool | None = None  # None: not recorded


@attrs.frozen
class InterpreterInfo:
    """Someone in the case needs an interpreter: who (in words) and for which language."""

    who: str
    language: str


@attrs.frozen
class Document:
    """A document added to the case; ``shared_with_family`` tells whether the family sees it."""

    title: str
    text: str
    added_at: str
    shared_with_family: bool


@attrs.frozen
class Note:
    """A note in the case: who wrote it (id, role), when, what."""

    by: str
    role: str
    at: str
    text: str


@attrs.frozen
class ConsentInfo:
    """A consent decision for one service, in words."""

    unit: str
    status: str
    at: str
    ends: str | None = None  # the day a given consent ends (the guide's consent.valid_for)


@attrs.frozen
class FamilyView:
    """The case as the guardians and the young person see it (never the concern or staff notes).

    ``hidden`` names the parts withheld from a guardian once the young person has reached the
    workflow's ``guardian_limit_age``; ``notice`` says so in words. ``guide_version`` is the
    version of the guide the case is on (its texts are that version's); ``moved`` says when the
    case last moved to a new version of the guide, or is None.
    """

    case_id: str
    language: str
    status: str
    level: int
    level_title: str
    step_title: str
    next_step: str | None
    baton_holder: Contact | None
    contact_person: Contact | None
    next_meeting: MeetingInfo | None
    next_evaluation: str | None
    involved: tuple[Involved, ...]
    measures: tuple[MeasureInfo, ...]
    minutes: tuple[Minutes, ...]
    documents: tuple[Document, ...]
    consents: tuple[ConsentInfo, ...]
    family_notes: tuple[Note, ...]
    hidden: tuple[str, ...] = ()
    notice: str = ""
    guide_version: str = ""
    moved: str | None = None
    origin: str | None = None  # who brought the concern, in words (None: the staff member)
    interpreters: tuple[InterpreterInfo, ...] = ()
    goals: tuple[GoalInfo, ...] = ()  # shown with the measures
    responsibility_group: tuple[Contact, ...] = ()  # shown with who is involved
    individual_plan: bool = False
    coordinator: Contact | None = None  # the individual plan's coordinator
    child_coordinator_applied: bool = False


@attrs.frozen
class StaffView:
    """The case as staff with access see it: the family's view plus what staff need."""

    case_id: str
    relation: str
    family: FamilyView
    concern: str | None
    suspected_harm: bool
    notes: tuple[Note, ...]
    documents: tuple[Document, ...]
    case: Case
    log: tuple[Entry, ...]


def _consent_unit(unit: str, language: str) -> str:
    # the consent to the relay log itself is recorded under a unit's name; say what it is
    return _word(language, "relay_log") if unit == RELAY_LOG else unit


@attrs.frozen
class CaseSummary:
    """One line of a list of cases: where the case stands, never its concern or content.

    ``sees`` is the view the person listing it gets (``staff`` or ``family``).
    """

    case_id: str
    subject: str
    status: str
    level: int
    step: str
    next_evaluation_due: str | None
    baton_holder: str | None
    sees: str


def summary(case: Case, sees: str) -> CaseSummary:
    """The list line of ``case`` for a person who gets the ``sees`` view of it."""
    held = case.baton_holder.id if case.baton_holder else None
    return CaseSummary(
        case.id,
        case.subject,
        case.status,
        case.level,
        case.step,
        case.next_evaluation_due,
        held,
        sees,
    )


def _contact(p: Person | None) -> Contact | None:
    return None if p is None else Contact(p.name or p.id, p.unit, p.email)


def _documents(log: Sequence[Entry]) -> tuple[Document, ...]:
    return tuple(
        Document(
            e.body.title,
            e.body.text or "",
            e.time.isoformat(),
            bool(e.body.shared_with_family),
        )
        for e in log
        if isinstance(e.body, DocumentAdded)
    )


def _notes(log: Sequence[Entry]) -> tuple[Note, ...]:
    return tuple(
        Note(e.actor, e.role, e.time.isoformat(), e.body.text)
        for e in log
        if isinstance(e.body, NoteAdded)
    )


def family_notes(log: Sequence[Entry], *, limited: bool = False) -> tuple[Note, ...]:
    """The family's own notes (guardians' and the young person's; never staff's). ``limited``:
    for a guardian whose view is limited (the young person has reached the guide's
    ``guardian_limit_age``), the young person's notes are left out, as their own reads and acts
    are in the access log (``access.log_shown``): from that age their words are their own."""
    shown = ("guardian",) if limited else FAMILY_ROLES
    return tuple(n for n in _notes(log) if n.role in shown)


def _next_step(workflow: Workflow, case: Case, language: str) -> str | None:
    if not case.is_open:
        return None
    level, step = workflow.find_step(case.step)
    if step.is_decision:
        return _word(language, "decision")
    later = level.steps[level.step_number(step.id) :]
    return later[0].title.get(language) if later else None


def family_view(
    workflow: Workflow,
    case: Case,
    log: Sequence[Entry],
    *,
    hidden: Sequence[str] = (),
) -> FamilyView:
    """The family's view of ``case``; the parts named in ``hidden`` are left empty."""
    lang = workflow.language
    level, step = workflow.find_step(case.step)
    kinds = {m.id: meeting_kind_name(m.kind, lang) for m in case.meetings}
    waiting = sorted(
        (m for m in case.meetings if not m.held and not getattr(m, "cancelled", False)),
        key=lambda m: dt.datetime.fromisoformat(m.at),
    )
    goals = {g.id: g.text for g in case.goals}
    parts = ("minutes", "documents", "measures", "meetings", "involved")
    show = {part: part not in hidden for part in parts}
    notice = ""
    if hidden:
        notice = say(
            lang,
            "views.hidden",
            age=workflow.consent.guardian_limit_age,
            parts=", ".join(_word(lang, f"part.{h}") for h in hidden),
        )
    return FamilyView(
        case_id=case.id,
        language=lang,
        status=_word(lang, f"status.{case.status}"),
        level=case.level,
        level_title=level.title.get(lang),
        step_title=step.title.get(lang),
        next_step=_next_step(workflow, case, lang),
        baton_holder=_contact(case.baton_holder),
        contact_person=_contact(case.contact_person),
        next_meeting=(
            MeetingInfo(waiting[0].id, kinds[waiting[0].id], waiting[0].at, waiting[0].place)
            if waiting and show["meetings"]
            else None
        ),
        next_evaluation=case.next_evaluation_due,
        involved=tuple(
            Involved(i.unit, i.task, (i.person.name or i.person.id) if i.person else None)
            for i in case.involved
        )
        if show["involved"]
        else (),
        measures=tuple(
            MeasureInfo(m.what, m.responsible, m.by_date, goals.get(m.goal or ""), m.ended)
            for m in case.measures
        )
        if show["measures"]
        else (),
        minutes=tuple(
            Minutes(m.id, kinds[m.id], m.at, m.minutes, m.interpreter_present)
            for m in case.meetings
            if m.minutes
        )
        if show["minutes"]
        else (),
        documents=tuple(d for d in _documents(log) if d.shared_with_family)
        if show["documents"]
        else (),
        consents=tuple(
            ConsentInfo(
                _consent_unit(c.unit, lang),
                _word(lang, f"consent.{c.status}"),
                c.at,
                _ends(workflow, c),
            )
            for c in case.consents
        ),
        family_notes=family_notes(log, limited=bool(hidden)),
        hidden=tuple(hidden),
        notice=notice,
        guide_version=workflow.version,
        moved=moved_note(case, lang),
        origin=origin_name(case.origin, lang) if case.origin else None,
        interpreters=tuple(
            InterpreterInfo(who_needs(case, i.person, lang), i.language) for i in case.interpreters
        ),
        goals=tuple(
            GoalInfo(g.text, _word(lang, f"goal.{g.status}") if g.status else None, g.note)
            for g in case.goals
        )
        if show["measures"]
        else (),
        responsibility_group=tuple(c for c in map(_contact, case.responsibility_group) if c)
        if show["involved"]
        else (),
        individual_plan=case.individual_plan,
        coordinator=_contact(case.coordinator),
        child_coordinator_applied=case.child_coordinator_applied,
    )


def _ends(workflow: Workflow, consent: ConsentState) -> str | None:
    day = lapses_on(workflow, consent)
    return None if day is None else day.isoformat()


def staff_view(workflow: Workflow, case: Case, log: Sequence[Entry], relation: str) -> StaffView:
    """The staff view of ``case``: the family's view, the concern, every note and document."""
    return StaffView(
        case_id=case.id,
        relation=relation,
        family=family_view(workflow, case, log),
        concern=case.concern,
        suspected_harm=case.suspected_harm,
        notes=_notes(log),
        documents=_documents(log),
        case=case,
        log=tuple(log),
    )


def _when(text: str | None, lang: str, *, table: bool = False) -> str:
    """A stored ISO day or moment in the one date style: in running text ("fredag 4. september
    2026 kl. 08.30"), or as a table's day ("04.09.2026"); text that is no date reads as itself."""
    if not text:
        return ""
    try:
        if "T" not in text and " " not in text.strip():
            day = dt.date.fromisoformat(text)
            return dates.short_day(day) if table else dates.day(day, lang)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OSLO)
    return dates.short_day(moment) if table else dates.moment(moment, lang)


def render_family(view: FamilyView) -> str:
    """The family's view as plain text, in its language (for the demo and simple front ends)."""
    lang = view.language

    def label(key: str) -> str:
        return say(lang, f"views.label.{key}")

    def short(text: str | None) -> str:
        return _when(text, lang, table=True)

    def who(c: Contact | None) -> str:
        if c is None:
            return label("none")
        parts = [c.name, c.unit, c.email or ""]
        return ", ".join(p for p in parts if p)

    lines = [
        f"{label('title')} ({view.case_id})",
        f"  {label('status')}: {view.status}",
        f"  {label('where')}: {label('level')} {view.level} {view.level_title} – {view.step_title}",
    ]
    if view.next_step:
        lines.append(f"  {label('next')}: {view.next_step}")
    lines.append(f"  {label('baton')}: {who(view.baton_holder)}")
    lines.append(f"  {label('contact')}: {who(view.contact_person)}")
    meeting = view.next_meeting
    lines.append(
        f"  {label('meeting')}: "
        + (
            f"{meeting.kind} {_when(meeting.at, lang)} {meeting.place}".strip()
            if meeting
            else label("none")
        )
    )
    evaluation = _when(view.next_evaluation, lang)
    lines.append(f"  {label('evaluation')}: {evaluation or label('none')}")
    if view.coordinator is not None:
        lines.append(f"  {label('coordinator')}: {who(view.coordinator)}")
    sections: list[tuple[str, list[str]]] = [
        (
            "involved",
            [f"{i.unit}: {i.task}" + (f" ({i.person})" if i.person else "") for i in view.involved],
        ),
        ("goals", [g.text + (f" – {g.status}" if g.status else "") for g in view.goals]),
        ("measures", [_measure_line(m, label, short) for m in view.measures]),
        ("group", [who(c) for c in view.responsibility_group]),
        ("minutes", [f"{m.kind} {short(m.at)}: {m.text}" for m in view.minutes]),
        ("documents", [f"{d.title}: {d.text}".rstrip(": ") for d in view.documents]),
        (
            "consents",
            [
                f"{c.unit}: {c.status} {short(c.at)}"
                + (f", {label('ends')} {short(c.ends)}" if c.ends else "")
                for c in view.consents
            ],
        ),
        ("notes", [f"{short(n.at)}: {n.text}" for n in view.family_notes]),
    ]
    for key, items in sections:
        if items:
            lines.append(f"  {label(key)}:")
            lines += [f"    - {item}" for item in items]
    if view.child_coordinator_applied:
        lines.append(f"  {label('child_coordinator')}")
    if view.notice:
        lines.append(f"  {view.notice}")
    return "\n".join(lines)


def _measure_line(
    m: MeasureInfo, label: Callable[[str], str], short: Callable[[str | None], str]
) -> str:
    line = f"{m.what} – {m.responsible}" + (f", {short(m.by_date)}" if m.by_date else "")
    if m.goal:
        line += f" ({label('goal')}: {m.goal})"
    return line + (f" [{label('ended')}]" if m.ended else "")
