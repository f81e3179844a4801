"""Meeting invitations as iCalendar (RFC 5545/5546): the only importer of ``icalendar``.

One event per meeting, with a UID that never changes (``{case}-{meeting}@btiflow``) and a
SEQUENCE raised by every move and by the cancellation, so a calendar (Outlook, Gmail, a phone)
updates or removes the event it already has instead of adding a second one. Times are written
in UTC (``DTSTART:20260903T080000Z``), which every calendar reads without a time zone table.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import attrs
import icalendar

Method = Literal["REQUEST", "CANCEL"]
PRODID = "-//btiflow//BTI stafettlogg//NB"


@attrs.frozen
class CalendarEvent:
    """What an invitation's calendar part says (as read back by ``read_event``)."""

    method: str
    uid: str
    sequence: int
    start: dt.datetime
    end: dt.datetime
    summary: str
    location: str
    description: str
    status: str
    organizer: str
    attendees: tuple[str, ...]


def meeting_uid(case_id: str, meeting_id: str) -> str:
    """The meeting's UID, the same in every invitation, update and cancellation."""
    return f"{case_id}-{meeting_id}@btiflow"


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(dt.UTC)


def event_ics(
    *,
    method: Method,
    uid: str,
    sequence: int,
    start: dt.datetime,
    end: dt.datetime,
    stamp: dt.datetime,
    summary: str,
    location: str,
    description: str,
    organizer: str,
    attendee: str | None,
    language: str = "nb",
) -> bytes:
    """One VEVENT in a VCALENDAR with ``method`` (REQUEST or CANCEL), as bytes (CRLF lines)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("summary", summary, parameters={"LANGUAGE": language})
    if location:
        event.add("location", location)
    event.add("description", description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", icalendar.vCalAddress(f"mailto:{organizer}"))
    if attendee:
        who = icalendar.vCalAddress(f"mailto:{attendee}")
        who.params["ROLE"] = "REQ-PARTICIPANT"
        who.params["PARTSTAT"] = "NEEDS-ACTION"
        who.params["RSVP"] = "FALSE"
        event.add("attendee", who, encode=False)
    cal.add_component(event)
    return bytes(cal.to_ical())


def _address(value: object) -> str:
    text = str(value)
    return text[7:] if text.lower().startswith("mailto:") else text


def read_event(data: bytes | str) -> CalendarEvent:
    """The first event of an iCalendar text, with its METHOD (ValueError if there is none)."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"not an iCalendar text: {exc}") from exc
    events = cal.walk("VEVENT")
    if not events:
        raise ValueError("the calendar holds no event")
    ev = events[0]
    attendees = ev.get("attendee", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    start = ev.decoded("dtstart")
    end = ev.decoded("dtend")
    return CalendarEvent(
        method=str(cal.get("method", "")),
        uid=str(ev.get("uid", "")),
        sequence=int(ev.get("sequence", 0)),
        start=start,
        end=end,
        summary=str(ev.get("summary", "")),
        location=str(ev.get("location", "")),
        description=str(ev.get("description", "")),
        status=str(ev.get("status", "")),
        organizer=_address(ev.get("organizer", "")),
        attendees=tuple(_address(a) for a in attendees),
    )
