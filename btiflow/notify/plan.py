"""What mail an event causes: entries → outbox rows, and a case on a day → reminders. Pure.

Nothing here reads a clock, a file or a database: the engine calls ``for_entries`` with the
entries an action is about to append (and writes the rows in the same transaction), and
``reminders`` with a case and the time it plans for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import attrs

from btiflow.case.entries import Entry
from btiflow.case.fold import apply
from btiflow.case.kinds import (
    BatonOffered,
    EntryBody,
    LevelChanged,
    MeetingCancelled,
    MeetingMoved,
    MeetingScheduled,
)
from btiflow.case.people import Person
from btiflow.case.state import Case, Meeting
from btiflow.localtime import OSLO
from btiflow.notify import compose, problems
from btiflow.notify import messages as m
from btiflow.notify.compose import MeetingFacts, Recipe
from btiflow.notify.rows import OutboxRow
from btiflow.workflow.model import Duration

_MEETING_ENTRIES: dict[type[EntryBody], str] = {
    MeetingScheduled: "invitation",
    MeetingMoved: "update",
    MeetingCancelled: "cancellation",
}


def _unique(persons: Iterable[Person | None]) -> list[Person]:
    seen: dict[str, Person] = {}
    for p in persons:
        if p is not None and p.id not in seen:
            seen[p.id] = p
    return list(seen.values())


def _address(person: Person) -> tuple[str | None, str]:
    """The person's address, or None and why not."""
    if not person.email:
        return None, problems.text("no_address")
    try:
        m.parse_address(person.email)
    except ValueError:
        return None, problems.text("bad_address")
    return person.email, ""


def _row(
    *,
    recipe: Recipe,
    case_id: str,
    seq: int | None,
    person: Person,
    subject: str,
    now: dt.datetime,
) -> OutboxRow:
    """The outbox row: the recipe the dispatcher builds the message from (nothing composed
    here, so the action's transaction stays small), or a skipped row saying why."""
    address, note = _address(person)
    return OutboxRow(
        key=recipe.key,
        case_id=case_id,
        seq=seq,
        kind=recipe.kind,
        recipient=person.id,
        address=address,
        message_id=m.message_id(recipe.key, recipe.sender),
        subject=subject,
        message=recipe.encode() if address is not None else b"",
        created_at=now,
        status="pending" if address is not None else "skipped",
        note=note,
    )


def _recipe(
    config: m.NotifyConfig, key: str, kind: str, language: str, to: str, now: dt.datetime
) -> Recipe:
    return Recipe(
        key=key,
        kind=kind,
        language=language,
        to=to,
        date=now.isoformat(),
        sender=config.sender,
        sender_name=config.sender_name,
        login_url=config.login_url,
        meeting_minutes=config.meeting_minutes,
        case_pages=config.case_pages,
    )


def meeting_rows(
    case_id: str,
    meeting: Meeting,
    kind: str,
    seq: int,
    now: dt.datetime,
    config: m.NotifyConfig,
    language: str,
) -> list[OutboxRow]:
    """One invitation, update or cancellation per invitee of ``meeting`` (after the entry)."""
    facts = MeetingFacts(
        case_id, meeting.id, meeting.kind, meeting.at, meeting.place, meeting.sequence
    )
    rows = []
    subject: str | None = None
    for person in _unique(meeting.invitees):
        key = f"{kind}:{case_id}:{seq}:{person.id}"
        recipe = attrs.evolve(
            _recipe(config, key, kind, language, person.email or "", now), meeting=facts
        )
        subject = subject or compose.subject(recipe)  # the same for every invitee
        rows.append(
            _row(recipe=recipe, case_id=case_id, seq=seq, person=person, subject=subject, now=now)
        )
    return rows


def for_entries(
    before: Case | None, entries: Sequence[Entry], config: m.NotifyConfig, language: str
) -> list[OutboxRow]:
    """The outbox rows the new ``entries`` cause (``before`` is the case they append to)."""
    rows: list[OutboxRow] = []
    state = before
    for entry in entries:
        state = apply(state, entry)
        body = entry.body
        if not isinstance(body, MeetingScheduled | MeetingMoved | MeetingCancelled):
            continue
        kind = _MEETING_ENTRIES[type(body)]
        meeting = state.meeting(body.meeting)
        assert meeting is not None
        rows += meeting_rows(state.id, meeting, kind, entry.seq, entry.time, config, language)
    return rows


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(OSLO).date()


def reminders(
    case: Case,
    now: dt.datetime,
    config: m.NotifyConfig,
    language: str,
    *,
    evaluation_reminder: Duration,
    baton_offer_reminder: Duration,
    offered_at: dt.datetime | None = None,
    consents_ending: Sequence[dt.date] = (),
) -> list[OutboxRow]:
    """The reminders due for ``case`` at ``now``: an evaluation soon due or overdue (to the
    baton holder and the contact person), an offer of the baton left unanswered (to the
    offered person and the holder), a consent that ends soon (``consents_ending``: the days
    consents end, to the holder and the contact person, or the opener before there are any;
    the mail names no unit). Keys make each one once per case, date and kind."""
    if not case.is_open:
        return []
    today = _day(now)
    rows: list[OutboxRow] = []
    staff = _unique([case.baton_holder, case.contact_person])
    if case.next_evaluation_due is not None:
        due = dt.date.fromisoformat(case.next_evaluation_due)
        kind = None
        if today > due:
            kind = "evaluation_overdue"
        elif today >= due - evaluation_reminder.timedelta:
            kind = "evaluation_soon"
        if kind is not None:
            for person in staff:
                rows.append(
                    _reminder(
                        case,
                        kind,
                        due.isoformat(),
                        due,
                        person,
                        now,
                        config,
                        language,
                    )
                )
    unanswered = offered_at is not None and now >= offered_at + baton_offer_reminder.timedelta
    if case.baton_offer is not None and offered_at is not None and unanswered:
        offered = offered_at.astimezone(OSLO)
        for person in _unique([case.baton_offer, case.baton_holder]):
            rows.append(
                _reminder(
                    case,
                    "baton_unanswered",
                    offered.isoformat(),
                    offered.date(),
                    person,
                    now,
                    config,
                    language,
                )
            )
    for ends in sorted(set(consents_ending)):
        for person in staff or [case.opened_by]:
            rows.append(
                _reminder(
                    case,
                    "consent_ending",
                    ends.isoformat(),
                    ends,
                    person,
                    now,
                    config,
                    language,
                )
            )
    return rows


def _reminder(
    case: Case,
    kind: str,
    about: str,
    day: dt.date,
    person: Person,
    now: dt.datetime,
    config: m.NotifyConfig,
    language: str,
) -> OutboxRow:
    key = f"{kind}:{case.id}:{about}:{person.id}"
    recipe = attrs.evolve(
        _recipe(config, key, kind, language, person.email or "", now), day=day.isoformat()
    )
    subject = compose.subject(recipe)
    return _row(recipe=recipe, case_id=case.id, seq=None, person=person, subject=subject, now=now)


def baton_offered_at(entries: Sequence[Entry]) -> dt.datetime | None:
    """When the open offer of the baton was made: the last entry that made one."""
    for entry in reversed(entries):
        body = entry.body
        if isinstance(body, BatonOffered) or (
            isinstance(body, LevelChanged) and body.baton_offer is not None
        ):
            return entry.time
    return None
