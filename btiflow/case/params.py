"""An action's parameters: each one's parser, and the check of a whole set against the table.

A parser takes what the caller gave and returns the value an entry's typed body holds (dates
as ``date``, times as ``datetime``, people as ``Person``, lists as tuples), or raises ``Invalid``
with the problem in words; ``parse`` gathers every
problem into one refusal, so a caller learns all that is wrong at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from btiflow.case.context import Context, Refused
from btiflow.case.people import Actor, Person, storable
from btiflow.words import say

MEETING_KINDS = ("planning", "startup", "evaluation", "other")
OUTCOMES = ("close", "continue", "expand")


class Invalid(Exception):
    """A value a parser refuses: the problem's code (``param.<code>`` in the catalogue, worded
    in the guide's language by ``parse``) and the values its text names."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values

    def words(self, language: str) -> str:
        return say(language, f"param.{self.code}", **self.values)


FIRST_YEAR, LAST_YEAR = 1900, 2200
"""Dates and times outside these years are refused: a typo, and some (year 9999 with an offset,
year 1 at +14:00) cannot be turned into UTC or local time when the log is read."""


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("text")
    if not storable(value):
        raise Invalid("unstorable")
    return value.strip()


def _in_years(day: dt.date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid("years", first=FIRST_YEAR, last=LAST_YEAR)


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("boolean")
    return value


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("integer")
    return value


def date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise Invalid("date_not_time")
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Invalid("date") from exc
    _in_years(day)
    return day


def datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise Invalid("datetime") from exc
    if not isinstance(value, dt.datetime):
        raise Invalid("datetime")
    try:
        # a tzinfo whose utcoffset is None leaves the time naive, as no tzinfo does
        aware = value.utcoffset() is not None
        utc = value.astimezone(dt.UTC) if aware else value
    except (OverflowError, ValueError, TypeError) as exc:
        raise Invalid("years", first=FIRST_YEAR, last=LAST_YEAR) from exc
    if not aware:
        raise Invalid("time_zone")
    _in_years(value.date())
    _in_years(utc.date())
    return value


def person(value: Any) -> Person:
    if isinstance(value, Actor):
        value = value.as_person()
    if isinstance(value, Mapping):
        try:
            value = Person(**value)
        except (TypeError, ValueError) as exc:
            raise Invalid("person_fields") from exc
    if not isinstance(value, Person):
        raise Invalid("person")
    return value


def staff_person(value: Any) -> Person:
    """A member of staff named in a case (contact person, baton holder, involved person): their
    unit is required, since access matches the id *and* the unit (docs/permissions.md)."""
    found = person(value)
    if not found.unit.strip():
        raise Invalid("staff_unit")
    return found


def persons(value: Any) -> tuple[Person, ...]:
    if not isinstance(value, list | tuple):
        raise Invalid("persons")
    return tuple(person(v) for v in value)


def guardian(value: Any) -> Person:
    """A guardian recorded in a case: never by a national id in clear (docs/permissions.md)."""
    found = person(value)
    if looks_like_national_id(found.id):
        raise Invalid("national_id")
    return found


def guardians(value: Any) -> tuple[Person, ...]:
    if not isinstance(value, list | tuple):
        raise Invalid("persons")
    return tuple(guardian(v) for v in value)


def looks_like_national_id(person_id: str) -> bool:
    """Eleven digits, perhaps with spaces: a fødselsnummer or D-number."""
    digits = "".join(person_id.split())
    return len(digits) == 11 and digits.isascii() and digits.isdigit()


def units(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise Invalid("units")
    return tuple(sorted({text(v) for v in value}))


def measures(value: Any) -> list[dict[str, Any]]:
    """Each measure's what, responsible, and optionally by_date (its own deadline, a date) and
    goal (the id of the goal it serves); optional keys are left out when not given."""
    if not isinstance(value, list | tuple) or not value:
        raise Invalid("measures")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) - {"what", "responsible", "by_date", "goal"}:
            raise Invalid("measure")
        measure: dict[str, Any] = {
            "what": text(item.get("what")),
            "responsible": text(item.get("responsible")),
        }
        if item.get("by_date") is not None:
            measure["by_date"] = date(item["by_date"])
        if item.get("goal") is not None:
            measure["goal"] = text(item["goal"])
        out.append(measure)
    return out


GOAL_STATUSES = ("reached", "partly", "not")
"""How a goal went, as an evaluation says: reached, partly reached, not reached."""


def goal_statuses(value: Any) -> tuple[dict[str, Any], ...]:
    """Per goal how it went: goal (its id), status (reached, partly, not), optionally a note."""
    if not isinstance(value, list | tuple) or not value:
        raise Invalid("goals")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) - {"goal", "status", "note"}:
            raise Invalid("goal")
        if item.get("status") not in GOAL_STATUSES:
            raise Invalid("goal_status", allowed=", ".join(GOAL_STATUSES))
        said: dict[str, Any] = {"goal": text(item.get("goal")), "status": item["status"]}
        if item.get("note") is not None:
            said["note"] = text(item["note"])
        out.append(said)
    if len({g["goal"] for g in out}) < len(out):
        raise Invalid("goal_twice")
    return tuple(out)


def meeting_kind(value: Any) -> str:
    if value not in MEETING_KINDS:
        raise Invalid("one_of", allowed=", ".join(MEETING_KINDS))
    return str(value)


def outcome(value: Any) -> str:
    if value not in OUTCOMES:
        raise Invalid("one_of", allowed=", ".join(OUTCOMES))
    return str(value)


def rights(value: Any) -> dict[str, str]:
    keys = ("responsibility_group", "individual_plan", "child_coordinator")
    if not isinstance(value, Mapping) or set(value) != set(keys):
        raise Invalid("mapping", keys=", ".join(keys))
    return {k: text(value[k]) for k in keys}


Param = tuple[Callable[[Any], Any], bool]
"""A parameter's parser, and whether it is required."""


def parse(
    action: str, declared: Mapping[str, Param], ctx: Context, params: Mapping[str, Any]
) -> dict[str, Any]:
    """``params`` parsed by ``declared``; raises ``Refused`` with every problem found."""
    reasons = []
    out: dict[str, Any] = {}
    for key in params:
        if key not in declared:
            allowed = ", ".join(declared) or say(ctx.language, "param.none")
            problem = say(ctx.language, "param.unknown", action=action, allowed=allowed)
            reasons.append(ctx.reason("invalid_input", param=key, problem=problem))
    for key, (parser, required) in declared.items():
        value = params.get(key)
        if value is None:
            if required:
                problem = say(ctx.language, "param.required")
                reasons.append(ctx.reason("invalid_input", param=key, problem=problem))
            continue
        try:
            out[key] = parser(value)
        except Invalid as exc:
            reasons.append(ctx.reason("invalid_input", param=key, problem=exc.words(ctx.language)))
    if reasons:
        raise Refused(reasons)
    return out
