"""The e-mails btiflow sends, in bokmål or nynorsk, with nothing sensitive in them.

A message says only what kind of meeting (or reminder) it is, when, where, and where to log in:
never the child's name or subject id, never the concern, never who else is invited. Each has a
Message-ID derived from its outbox key, so the same message sent twice is recognisably the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import attrs

from btiflow.case.messages import MEETING_KIND_NAMES
from btiflow.localtime import OSLO

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
    length a calendar entry gets.
    """

    login_url: str = attrs.field(validator=_check_url)
    sender: str = attrs.field(validator=_check_sender)
    sender_name: str = ""
    meeting_minutes: int = 60


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


_KINDS = MEETING_KIND_NAMES
_DAYS = {
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "nn": ("måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "søndag"),
}
_MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)

_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "invitation.subject": "Invitasjon: {kind} {when}",
        "update.subject": "Endret: {kind} {when}",
        "cancellation.subject": "Avlyst: {kind} {when}",
        "invitation.body": "Du er invitert til et {kind} {when}.",
        "update.body": "Et {kind} du er invitert til, er endret. Ny tid: {when}.",
        "cancellation.body": "Et {kind} du var invitert til, er avlyst: {when}.",
        "place": "Sted: {place}",
        "evaluation_soon.subject": "Påminnelse: evaluering senest {day}",
        "evaluation_soon.body": "En evaluering i en sak du følger opp skal holdes senest {day}.",
        "evaluation_overdue.subject": "Forfalt: evaluering {day}",
        "evaluation_overdue.body": "En evaluering i en sak du følger opp skulle vært holdt "
        "senest {day}.",
        "baton_unanswered.subject": "Påminnelse: ubesvart tilbud om stafettpinnen",
        "baton_unanswered.body": "Et tilbud om stafettpinnen i en sak du er med i, gitt {day}, "
        "er ikke besvart.",
        "consent_ending.subject": "Påminnelse: samtykke går ut {day}",
        "consent_ending.body": "Et samtykke i en sak du følger opp går ut {day}. Snakk med "
        "familien om det skal fornyes.",
        "login": "Logg inn for å se mer: {url}",
        "footer": "Denne e-posten er sendt automatisk. Den inneholder ingen opplysninger om "
        "saken; alt annet finner du når du logger inn.",
        "at": "kl.",
    },
    "nn": {
        "invitation.subject": "Invitasjon: {kind} {when}",
        "update.subject": "Endra: {kind} {when}",
        "cancellation.subject": "Avlyst: {kind} {when}",
        "invitation.body": "Du er invitert til eit {kind} {when}.",
        "update.body": "Eit {kind} du er invitert til, er endra. Ny tid: {when}.",
        "cancellation.body": "Eit {kind} du var invitert til, er avlyst: {when}.",
        "place": "Stad: {place}",
        "evaluation_soon.subject": "Påminning: evaluering seinast {day}",
        "evaluation_soon.body": "Ei evaluering i ei sak du følgjer opp skal haldast seinast {day}.",
        "evaluation_overdue.subject": "Forfalle: evaluering {day}",
        "evaluation_overdue.body": "Ei evaluering i ei sak du følgjer opp skulle vore halden "
        "seinast {day}.",
        "baton_unanswered.subject": "Påminning: ubesvart tilbod om stafettpinnen",
        "baton_unanswered.body": "Eit tilbod om stafettpinnen i ei sak du er med i, gitt {day}, "
        "er ikkje svara på.",
        "consent_ending.subject": "Påminning: samtykke går ut {day}",
        "consent_ending.body": "Eit samtykke i ei sak du følgjer opp går ut {day}. Snakk med "
        "familien om det skal fornyast.",
        "login": "Logg inn for å sjå meir: {url}",
        "footer": "Denne e-posten er send automatisk. Han inneheld ingen opplysningar om saka; "
        "alt anna finn du når du loggar inn.",
        "at": "kl.",
    },
}

INVITATION_KINDS = ("invitation", "update", "cancellation")
REMINDER_KINDS = ("evaluation_soon", "evaluation_overdue", "baton_unanswered", "consent_ending")


def text(language: str, key: str, **values: str) -> str:
    """A message text in ``language`` (nb or nn; anything else reads bokmål)."""
    return _TEXTS[mail_language(language)][key].format(**values)


def meeting_kind(language: str, kind: str) -> str:
    """The meeting's kind in words: 'planleggingsmøte'."""
    return _KINDS[mail_language(language)].get(kind, _KINDS["nb"]["other"])


def when(language: str, moment: dt.datetime) -> str:
    """A time as people read it, in Norway: 'torsdag 3. september 2026 kl. 10:00'."""
    local = moment.astimezone(OSLO)
    lang = mail_language(language)
    day = _DAYS[lang][local.weekday()]
    at = _TEXTS[lang]["at"]
    return f"{day} {local.day}. {_MONTHS[local.month - 1]} {local.year} {at} {local:%H:%M}"


def day_text(day: dt.date) -> str:
    """A date as '3. september 2026'."""
    return f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"


def message_id(key: str, sender: str) -> str:
    """The Message-ID of the outbox row with ``key``: the same every time it is built."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{parse_address(sender).domain}>"


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
    return msg


def body_text(language: str, *lines: str, login_url: str) -> str:
    """Lines, then where to log in, then the footer."""
    parts = [*lines, "", text(language, "login", url=login_url), "", text(language, "footer")]
    return "\n".join(parts) + "\n"
