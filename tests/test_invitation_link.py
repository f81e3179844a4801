"""The one link an invitation carries (btiflow.notify): with ``case_pages`` (the web pages serve
the login address) a meeting's mail links to its case's page by the opaque id; otherwise, and
for reminders, the login address as before. A recipe stored without the flag reads as before."""

from __future__ import annotations

import re

from btiflow.notify import compose
from btiflow.notify.compose import MeetingFacts, Recipe

MEETING = MeetingFacts("a1b2c3d4e5f6", "m1", "planning", "2027-01-12T09:30:00+01:00", "Rom 2", 0)


def _recipe(**changes: object) -> Recipe:
    fields: dict[str, object] = {
        "key": "invitation:a1b2c3d4e5f6:7:foresatt-1",
        "kind": "invitation",
        "language": "nb",
        "to": "foresatt@example.org",
        "date": "2026-12-01T10:00:00+01:00",
        "sender": "bti@nordvik.kommune.example.org",
        "sender_name": "",
        "login_url": "https://bti.nordvik.example.org/",
        "meeting_minutes": 60,
        "meeting": MEETING,
    } | changes
    return Recipe(**fields)  # type: ignore[arg-type]


def _links(recipe: Recipe) -> list[str]:
    body = compose.build(recipe).get_body(("plain",))
    assert body is not None
    return re.findall(r"https?://\S+", str(body.get_content()))


def test_an_invitation_links_to_its_case_page_when_the_pages_serve_the_address() -> None:
    recipe = _recipe(case_pages=True)
    assert _links(recipe) == ["https://bti.nordvik.example.org/saker/a1b2c3d4e5f6"]
    message = compose.build(recipe)
    ics = next(p for p in message.iter_attachments() if p.get_filename() == "invite.ics")
    data = ics.get_payload(decode=True)
    assert isinstance(data, bytes)
    assert b"/saker/a1b2c3d4e5f6" in data.replace(b"\r\n ", b"")  # the calendar's description
    assert compose.decode(recipe.encode()) == recipe


def test_without_the_pages_and_for_reminders_the_link_is_the_login_address() -> None:
    plain = _recipe()
    assert _links(plain) == ["https://bti.nordvik.example.org/"]
    assert b"case_pages" not in plain.encode()  # stored as before the flag existed
    assert compose.decode(plain.encode()) == plain
    reminder = _recipe(kind="evaluation_soon", meeting=None, day="2027-01-12", case_pages=True)
    assert _links(reminder) == ["https://bti.nordvik.example.org/"]
