"""What mail an event causes: entries → outbox rows, and a case on a day → reminders. Pure.

Nothing here reads a clock, a file or a database: the engine calls ``for_entries`` with the
entries an action is about to append (and writes the rows in the same transaction), and
``reminders`` with a case and the time it plans for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from email.policy import SMTP

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
from btiflow.notify import messages as m
from btiflow.notify.ics import Method, event_ics, meeting_uid
from btiflow.notify.rows import OutboxRow
from btiflow.workflow.model import Duration

_MEETING_ENTRIES: dict[type[EntryBody], str] = {
    MeetingScheduled: "invitation",
    MeetingMoved: "update",
    MeetingCancelled: "cancellation",
}
NO_ADDRESS = "no e-mail address: not sent (tell them another way)"


def _unique(persons: Iterable[Person | None]) -> list[Person]:
    seen: dict[str, Person] = {}
    for p in persons:
        if p is not None and p.id not in seen:
            seen[p.id] = p
    return list(seen.values())


def _address(person: Person) -> tuple[str | None, str]:
    """The person's address, or None and why not."""
    if not person.email:
        return None, NO_ADDRESS
    try:
        m.parse_address(person.email)
    except ValueError:
        return None, "not a usable e-mail address: not sent (tell them another way)"
    return person.email, ""


def _row(
    *,
    config: m.NotifyConfig,
    key: str,
    case_id: str,
    seq: int | None,
    kind: str,
    person: Person,
    subject: str,
    body: str,
    now: dt.datetime,
    language: str,
    calendar: bytes | None = None,
    method: str | None = None,
) -> OutboxRow:
    address, note = _address(person)
    message = b""
    if address is not None:
        message = m.compose(
            config=config,
            key=key,
            to=address,
            subject=subject,
            body=body,
            date=now,
            language=language,
            calendar=calendar,
            method=method,
        ).as_bytes(policy=SMTP)  # CRLF line ends, as sent
    return OutboxRow(
        key=key,
        case_id=case_id,
        seq=seq,
        kind=kind,
        recipient=person.id,
        address=address,
        message_id=m.message_id(key, config.sender),
        subject=subject,
        message=message,
        created_at=now,
        status="pending" if address is not None else "skipped",
        note=note,
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
    start = dt.datetime.fromisoformat(meeting.at)
    words = m.meeting_kind(language, meeting.kind)
    at = m.when(language, start)
    subject = m.text(language, f"{kind}.subject", kind=words, when=at)
    lines = [m.text(language, f"{kind}.body", kind=words, when=at)]
    if meeting.place:
        lines.append(m.text(language, "place", place=meeting.place))
    body = m.body_text(language, *lines, login_url=config.login_url)
    method: Method = "CANCEL" if kind == "cancellation" else "REQUEST"
    rows = []
    for person in _unique(meeting.invitees):
        address, _ = _address(person)
        calendar = event_ics(
            method=method,
            uid=meeting_uid(case_id, meeting.id),
            sequence=meeting.sequence,
            start=start,
            end=start + dt.timedelta(minutes=config.meeting_minutes),
            stamp=now,
            summary=words[:1].upper() + words[1:],
            location=meeting.place,
            description=m.text(language, "login", url=config.login_url),
            organizer=config.sender,
            attendee=address,
            language=m.mail_language(language),
        )
        rows.append(
            _row(
                config=config,
                key=f"{kind}:{case_id}:{seq}:{person.id}",
                case_id=case_id,
                seq=seq,
                kind=kind,
                person=person,
                subject=subject,
                body=body,
                now=now,
                language=language,
                calendar=calendar,
                method=method,
            )
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
                        case, kind, due.isoformat(), m.day_text(due), person, now, config, language
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
                    m.day_text(offered.date()),
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
                    m.day_text(ends),
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
    day: str,
    person: Person,
    now: dt.datetime,
    config: m.NotifyConfig,
    language: str,
) -> OutboxRow:
    return _row(
        config=config,
        key=f"{kind}:{case.id}:{about}:{person.id}",
        case_id=case.id,
        seq=None,
        kind=kind,
        person=person,
        subject=m.text(language, f"{kind}.subject", day=day),
        body=m.body_text(
            language, m.text(language, f"{kind}.body", day=day), login_url=config.login_url
        ),
        now=now,
        language=language,
    )


def baton_offered_at(entries: Sequence[Entry]) -> dt.datetime | None:
    """When the open offer of the baton was made: the last entry that made one."""
    for entry in reversed(entries):
        body = entry.body
        if isinstance(body, BatonOffered) or (
            isinstance(body, LevelChanged) and body.baton_offer is not None
        ):
            return entry.time
    return None
