"""A message built when it is sent, from the small recipe the action stored in the outbox.

An action's transaction stores only what must be sent (kind, recipient, language, the meeting
as it then stood, the day a reminder is about, the sender and login address) — a few hundred
bytes of JSON — and the dispatcher builds the MIME message and its calendar from it. Building
is deterministic: the same recipe gives the same message (Message-ID from the outbox key, the
calendar's UID and SEQUENCE from the meeting, Date from the entry's time), so a retry sends the
same mail. Rows written before this (composed messages) are sent as they are.
"""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage
from typing import Any

import attrs

from btiflow.notify import messages as m
from btiflow.notify.ics import Method, event_ics, meeting_uid

MARK = b"btiflow-mail/1\n"
"""How a recipe starts (a composed message starts with its headers)."""


@attrs.frozen
class MeetingFacts:
    """A meeting as it stood when the entry was written: what an invitation needs."""

    case_id: str
    id: str
    kind: str
    at: str
    place: str
    sequence: int


@attrs.frozen
class Recipe:
    """Everything needed to build one message later, the same every time."""

    key: str
    kind: str
    language: str
    to: str
    date: str
    sender: str
    sender_name: str
    login_url: str
    meeting_minutes: int
    meeting: MeetingFacts | None = None
    day: str | None = None
    case_pages: bool = False
    """The login address serves btiflow's web pages: a meeting's message links to its case."""

    def encode(self) -> bytes:
        """The recipe as the outbox stores it."""
        data = attrs.asdict(self)
        if not self.case_pages:
            del data["case_pages"]  # added later: a recipe without it reads as before
        return MARK + json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def is_recipe(data: bytes) -> bool:
    """Whether an outbox row holds a recipe (else a message composed by an older btiflow)."""
    return data.startswith(MARK)


def decode(data: bytes) -> Recipe:
    """The recipe an outbox row holds."""
    fields: dict[str, Any] = json.loads(data[len(MARK) :])
    meeting = fields.pop("meeting")
    return Recipe(**fields, meeting=MeetingFacts(**meeting) if meeting else None)


def subject(recipe: Recipe) -> str:
    """The message's subject (also stored in the outbox row, for listing)."""
    return m.text(recipe.language, f"{recipe.kind}.subject", **_values(recipe))


def _values(recipe: Recipe) -> dict[str, str]:
    """What the kind's subject and body name: the meeting's kind and time, or the day."""
    lang = recipe.language
    if recipe.meeting is not None:
        at = dt.datetime.fromisoformat(recipe.meeting.at)
        return {"kind": m.meeting_kind(lang, recipe.meeting.kind), "when": m.when(lang, at)}
    assert recipe.day is not None
    return {"day": m.day_text(dt.date.fromisoformat(recipe.day), lang)}


def link(recipe: Recipe) -> str:
    """The one link the message carries: the case's page for a meeting's message when the
    login address serves btiflow's pages, else the login address."""
    if recipe.case_pages and recipe.meeting is not None:
        return m.case_link(recipe.login_url, recipe.meeting.case_id)
    return recipe.login_url


def build(recipe: Recipe) -> EmailMessage:
    """The message the recipe describes."""
    lang = recipe.language
    config = m.NotifyConfig(
        recipe.login_url, recipe.sender, recipe.sender_name, recipe.meeting_minutes
    )
    url = link(recipe)
    calendar: bytes | None = None
    method: Method | None = None
    values = _values(recipe)  # worded once, for the subject and the body
    lines = [m.text(lang, f"{recipe.kind}.body", **values)]
    if recipe.meeting is not None:
        meeting = recipe.meeting
        words = values["kind"]
        if meeting.place:
            lines.append(m.text(lang, "place", place=meeting.place))
        method = "CANCEL" if recipe.kind == "cancellation" else "REQUEST"
        start = dt.datetime.fromisoformat(meeting.at)
        calendar = event_ics(
            method=method,
            uid=meeting_uid(meeting.case_id, meeting.id),
            sequence=meeting.sequence,
            start=start,
            end=start + dt.timedelta(minutes=recipe.meeting_minutes),
            stamp=dt.datetime.fromisoformat(recipe.date),
            summary=words[:1].upper() + words[1:],
            location=meeting.place,
            description=m.text(lang, "login", url=url),
            organizer=recipe.sender,
            attendee=recipe.to,
            language=m.mail_language(lang),
        )
    return m.compose(
        config=config,
        key=recipe.key,
        to=recipe.to,
        subject=m.text(lang, f"{recipe.kind}.subject", **values),
        body=m.body_text(lang, *lines, login_url=url),
        date=dt.datetime.fromisoformat(recipe.date),
        language=lang,
        calendar=calendar,
        method=method,
    )
