"""The e-mails btiflow sends, in bokmål or nynorsk, with nothing sensitive in them.

A message says only what kind of meeting (or reminder) it is, when, where, and where to log in:
never the child's name or subject id, never the concern, never who else is invited. Each has a
Message-ID derived from its outbox key, so the same message sent twice is recognisably the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import attrs

from btiflow.case.messages import meeting_kind_name
from btiflow.words import dates, say

MAIL_LANGUAGES = ("nb", "nn")


def _check_url(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise ValueError(f"login_url must be an http(s) address without spaces, not {value!r}")


def _check_sender(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    parse_address(value)


@attrs.frozen
class NotifyConfig:
    """How the embedding app wants mail: where people log in, and who the mail is from.

    ``login_url`` is the only link a message carries (e.g. ``https://bti.kommune.example.org``);
    ``sender`` is the From address and the calendar's organizer; ``meeting_minutes`` is the
    length a calendar entry gets. ``case_pages``: ``login_url`` serves btiflow's web pages
    (``btiflow serve``), so a message about a meeting links to its case's page there
    (``case_link``: the case's opaque id only), where the person lands after logging in.
    """

    login_url: str = attrs.field(validator=_check_url)
    sender: str = attrs.field(validator=_check_sender)
    sender_name: str = ""
    meeting_minutes: int = 60
    case_pages: bool = False


def case_link(login_url: str, case_id: str) -> str:
    """The case's page in btiflow's web pages: ``<login_url>/saker/<case id>``. The id is
    opaque (random hex); nothing else about the case is in the address."""
    return f"{login_url.rstrip('/')}/saker/{case_id}"


def parse_address(text: str) -> Address:
    """An e-mail address (``name@domain``) checked; ValueError for anything else."""
    if not isinstance(text, str) or any(c.isspace() or ord(c) < 32 for c in text):
        raise ValueError(f"not an e-mail address: {text!r}")
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise ValueError(f"not an e-mail address: {text!r}") from exc
    if not address.username or "." not in address.domain:
        raise ValueError(f"not an e-mail address: {text!r}")
    return address


def mail_language(language: str) -> str:
    """The language mail is written in: the workflow's if nb or nn, else bokmål."""
    return language if language in MAIL_LANGUAGES else "nb"


INVITATION_KINDS = ("invitation", "update", "cancellation")
REMINDER_KINDS = ("evaluation_soon", "evaluation_overdue", "baton_unanswered", "consent_ending")


def text(language: str, key: str, **values: str) -> str:
    """A message text in ``language`` (nb or nn; anything else reads bokmål)."""
    return say(mail_language(language), f"mail.{key}", **values)


def meeting_kind(language: str, kind: str) -> str:
    """The meeting's kind in words: 'planleggingsmøte'."""
    return meeting_kind_name(kind, mail_language(language))


def when(language: str, moment: dt.datetime) -> str:
    """A time as people read it, in Norway: 'torsdag 3. september 2026 kl. 10.00'."""
    return dates.moment(moment, mail_language(language))


def day_text(day: dt.date, language: str = "nb") -> str:
    """A day as 'torsdag 3. september 2026'."""
    return dates.day(day, mail_language(language))


def message_id(key: str, sender: str) -> str:
    """The Message-ID of the outbox row with ``key``: the same every time it is built."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{_domain(sender)}>"


@functools.lru_cache(maxsize=64)
def _domain(sender: str) -> str:
    # parsing an address is dear, and a deployment has one sender
    return parse_address(sender).domain


def compose(
    *,
    config: NotifyConfig,
    key: str,
    to: str,
    subject: str,
    body: str,
    date: dt.datetime,
    language: str,
    calendar: bytes | None = None,
    method: str | None = None,
) -> EmailMessage:
    """The e-mail: plain text, and the calendar part (inline and as ``invite.ics``) if given."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = Address(config.sender_name, addr_spec=config.sender)
    msg["To"] = parse_address(to)
    msg["Date"] = format_datetime(date.astimezone(dt.UTC))
    msg["Message-ID"] = message_id(key, config.sender)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    if calendar is not None:
        assert method is not None
        msg.add_alternative(
            calendar,
            maintype="text",
            subtype="calendar",
            params={"method": method, "charset": "utf-8"},
        )
        msg.add_attachment(calendar, maintype="application", subtype="ics", filename="invite.ics")
    msg["Content-Language"] = mail_language(language)
    # boundaries from the key, not random: the message is built when sent, and a retry must
    # send the same bytes
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"btiflow-{digest}-{i}")
    return msg


def body_text(language: str, *lines: str, login_url: str) -> str:
    """Lines, then where to log in, then the footer (template ``mail/body.txt``)."""
    from btiflow.render.templating import render

    return render("mail/body.txt", mail_language(language), lines=lines, login_url=login_url)
