"""Days, times and durations in words, in one style (the Language Council's), through Babel/CLDR.

- in running text, a moment: "fredag 4. september 2026 kl. 08.30"; a day: "fredag 4. september
  2026"
- in tables and lists: "04.09.2026" and "04.09.2026 08.30"
- a duration: "fire uker", "ti dager" (numbers up to twelve in words)

Every time shown is Norway's (``btiflow.localtime.OSLO``). The patterns live in the catalogue
(``date.*`` keys), so a language words its own; Babel supplies the month and day names (CLDR).
"""

from __future__ import annotations

import datetime as dt
import re

from btiflow.localtime import OSLO
from btiflow.words.catalogue import language_of, say

_BABEL_LOCALE = {"nb": "nb", "nn": "nn", "se": "se", "en": "en_GB"}


def _format(value: dt.date | dt.datetime, pattern_key: str, language: str | None) -> str:
    # Babel is imported here, not at module level: most commands never word a date
    from babel.dates import format_date, format_datetime

    lang = language_of(language)
    pattern = say(lang, pattern_key)
    if isinstance(value, dt.datetime):
        return format_datetime(value.astimezone(OSLO), pattern, locale=_BABEL_LOCALE[lang])
    return format_date(value, pattern, locale=_BABEL_LOCALE[lang])


def moment(value: dt.datetime, language: str | None) -> str:
    """A moment in running text: "fredag 4. september 2026 kl. 08.30"."""
    return _format(value, "date.moment", language)


def day(value: dt.date | dt.datetime, language: str | None) -> str:
    """A day in running text: "fredag 4. september 2026"."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(OSLO).date()
    return _format(value, "date.day", language)


def short_day(value: dt.date | dt.datetime, language: str | None = None) -> str:
    """A day in a table: "04.09.2026"."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(OSLO).date()
    return _format(value, "date.short_day", language)


def short_moment(value: dt.datetime, language: str | None = None) -> str:
    """A moment in a table: "04.09.2026 08.30"."""
    return _format(value, "date.short_moment", language)


_ISO_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_UNITS = ("year", "month", "week", "day")


def duration(value: str | dt.timedelta, language: str | None) -> str:
    """A duration in words: ``P4W`` → "fire uker", ``P1Y`` → "ett år", ``P2W3D`` → "to uker og
    tre dager". A timedelta is worded in weeks when whole weeks, else in days."""
    lang = language_of(language)
    if isinstance(value, dt.timedelta):
        weeks, days = divmod(value.days, 7)
        counts = (0, 0, weeks, days) if days == 0 or weeks == 0 else (0, 0, 0, value.days)
    else:
        match = _ISO_DURATION.match(value.strip().upper())
        if match is None or not any(match.groups()):
            raise ValueError(f"not an ISO 8601 duration: {value!r}")
        counts = tuple(int(g or 0) for g in match.groups())  # type: ignore[assignment]
    parts = [_count(lang, unit, n) for unit, n in zip(_UNITS, counts, strict=True) if n]
    if not parts:
        return _count(lang, "day", 0)
    if len(parts) == 1:
        return parts[0]
    return say(lang, "date.and", first=", ".join(parts[:-1]), last=parts[-1])


def _count(lang: str, unit: str, n: int) -> str:
    if n == 1:
        return say(lang, f"date.one_{unit}")
    number = say(lang, f"number.{n}") if 2 <= n <= 12 else str(n)
    return say(lang, f"date.{unit}s", n=number)


_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(?:kl\.\s*)?(\d{1,2})[.:](\d{2}))?$")


def parse_day(text: str, language: str | None = None) -> dt.date:
    """A day typed by a person: ``2026-11-10`` or ``10.11.2026``.

    Raises ``ValueError`` naming both accepted forms, in ``language``.
    """
    value = text.strip()
    try:
        dotted = _DOTTED.match(value)
        if dotted and dotted.group(4) is None:
            d, m, y = (int(g) for g in dotted.groups()[:3])
            return dt.date(y, m, d)
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(say(language, "date.not_a_day", text=text))


def parse_moment(text: str, language: str | None = None) -> dt.datetime:
    """A moment typed by a person: ISO 8601 (``2026-11-10T09:00``, with or without an offset)
    or ``10.11.2026 09.00`` / ``10.11.2026 kl. 09.00``; without an offset it is Norway's time,
    and a day alone means its start."""
    value = text.strip()
    try:
        dotted = _DOTTED.match(value)
        if dotted:
            d, m, y, hh, mm = (int(g or 0) for g in dotted.groups())
            return dt.datetime(y, m, d, hh, mm, tzinfo=OSLO)
        moment_ = dt.datetime.fromisoformat(value)
        return moment_ if moment_.tzinfo else moment_.replace(tzinfo=OSLO)
    except ValueError:
        pass
    raise ValueError(say(language, "date.not_a_moment", text=text))
