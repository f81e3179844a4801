"""What the dispatcher writes in the outbox and reports, and those words in a person's language.

The outbox keeps the dispatcher's words as written, in English (``error`` and ``note`` are data,
read by developers and kept by older rows alike): "cannot reach the mail server HOST:PORT:
connection refused", "gave up after 12 attempts: ...". Each form is the catalogue's English
text of a stable code (``dispatch.<code>``), so :func:`reword` can tell which it is and word it
again in bokmål or nynorsk; a mail server's own reply ("550 5.1.1 User unknown") is its words
and stays as it is.
"""

from __future__ import annotations

import errno
import functools
import re
import string

from btiflow.words import say

FORMS = (
    "gave_up",
    "unreachable",
    "broke",
    "closing",
    "server_said",
    "interrupted",
    "no_address",
    "bad_address",
)
"""The codes of what the dispatcher and the outbox write (``dispatch.<code>``), in the order
:func:`reword` tries them."""

REASONS = ("refused", "timeout", "unknown_host", "no_route", "certificate", "disconnected")
"""The codes of why a connection failed (``dispatch.reason.<code>``), where they are known."""

_ERRNO = {
    errno.ECONNREFUSED: "refused",
    errno.ETIMEDOUT: "timeout",
    errno.EHOSTUNREACH: "no_route",
    errno.ENETUNREACH: "no_route",
}


def text(code: str, /, **values: object) -> str:
    """What the dispatcher writes for ``code`` (English, as the outbox keeps it)."""
    return say("en", f"dispatch.{code}", **values)


def reason(exc: BaseException) -> str:
    """Why a connection failed, as the outbox keeps it: a known reason in the catalogue's
    English (so it can be worded again), else the exception's own words."""
    import smtplib  # here: the stores import this module for its texts, and send no mail
    import socket
    import ssl

    code = None
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = "certificate"
    elif isinstance(exc, socket.gaierror):
        code = "unknown_host"
    elif isinstance(exc, TimeoutError | socket.timeout):
        code = "timeout"
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        code = "disconnected"
    elif isinstance(exc, OSError) and exc.errno is not None:
        code = _ERRNO.get(exc.errno)
    if code is not None:
        return say("en", f"dispatch.reason.{code}")
    return " ".join(str(exc).split()) or type(exc).__name__


@functools.cache
def _pattern(code: str) -> re.Pattern[str]:
    """The English text of ``code`` as a pattern, each ``{value}`` a named group."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(say("en", f"dispatch.{code}")):
        parts.append(re.escape(literal))
        if field:
            parts.append(f"(?P<{field}>.+?)")
    return re.compile("".join(parts), re.S)


def reword(stored: str, language: str) -> str:
    """What the dispatcher or the outbox wrote (``stored``, English), in ``language``: each
    form it knows worded again, the values within too; anything else (a server's reply, a
    row from an older btiflow) as it is."""
    if language == "en":
        return stored
    for code in REASONS:
        if stored == say("en", f"dispatch.reason.{code}"):
            return say(language, f"dispatch.reason.{code}")
    for code in FORMS:
        found = _pattern(code).fullmatch(stored)
        if found is not None:
            values = found.groupdict()
            for name in ("reason", "error"):
                if name in values:
                    values[name] = reword(values[name], language)
            return say(language, f"dispatch.{code}", **values)
    return stored
