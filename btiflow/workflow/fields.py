"""The format's keys, derived from the attrs classes in ``model.py``.

One description of every key (``fields_of``) serves three purposes: checking a located YAML tree
key by key (``shape.ShapeChecker``), merging an overlay onto the guide it extends
(``overlay.Merger``), and the JSON Schema (``schema.py``). So the loader, the overlay and the
schema cannot drift apart.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any, Literal, Union

import attrs

from btiflow.workflow import model
from btiflow.workflow.model import LANGUAGES, Duration, Period, Text
from btiflow.workflow.registry import CONDITIONS, RECORDS

FORMAT = "btiflow/1"
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
DURATION_PATTERN = r"^P(?:[0-9]+W)?(?:[0-9]+D)?$"
_DURATION = re.compile(r"^P(?:([0-9]+)W)?(?:([0-9]+)D)?$")
PERIOD_PATTERN = r"^P(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+W)?(?:[0-9]+D)?$"
_PERIOD = re.compile(r"^P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?$")

# Extra checks on single fields, by (class, field): the kind of value and its limits.
CHECKS: dict[tuple[type, str], Any] = {
    (model.Workflow, "format"): ("enum", (FORMAT,)),
    (model.Workflow, "id"): ("id",),
    (model.Principle, "id"): ("id",),
    (model.Step, "id"): ("id",),
    (model.Workflow, "languages"): ("enum", LANGUAGES),
    (model.Step, "records"): ("enum", tuple(RECORDS)),
    (model.Step, "requires"): ("enum", tuple(CONDITIONS)),
    (model.Advice, "when"): ("enum", tuple(CONDITIONS)),
    (model.Outcome, "to"): ("range", 0, 3),
    (model.Level, "level"): ("range", 0, 3),
    (model.Consent, "self_consent_age"): ("range", 12, 18),
    (model.Consent, "child_view_age"): ("range", 6, 18),
    (model.Consent, "guardian_limit_age"): ("range", 12, 18),
    (model.Consent, "guardian_hides"): (
        "enum",
        ("minutes", "documents", "measures", "meetings", "involved"),
    ),
    (model.Tool, "url"): ("url",),
    (model.Tool, "file"): ("file",),
}

# Lists whose items an overlay merges by a key instead of replacing the whole list.
KEYED_LISTS: dict[tuple[type, str], str] = {
    (model.Workflow, "levels"): "level",
    (model.Workflow, "principles"): "id",
    (model.Level, "steps"): "id",
    (model.Step, "outcomes"): "kind",
}

# Keys allowed only in a file that extends another, per class: what they do.
OVERLAY_KEYS: dict[type, dict[str, str]] = {
    model.Workflow: {"extends": "the guide this file builds on: 'bti' or a relative path"},
    model.Principle: {
        "after": "this principle goes after the principle with this id",
        "remove": "true removes this principle of the guide extended",
    },
    model.Step: {
        "after": "this step goes after the step with this id (in the same level)",
        "remove": "true removes this step of the guide extended",
        "add_tools": "tools added after the extended guide's tools",
        "add_questions": "questions added after the extended guide's questions",
        "add_advice": "advice added after the extended guide's advice",
    },
    model.Outcome: {"remove": "true removes this outcome of the guide extended"},
}


@attrs.frozen
class Field:
    """One key of the format: its name, the kind of value, whether it is required, its doc."""

    name: str
    kind: tuple[Any, ...]
    required: bool
    doc: str


def _kind(tp: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _kind(inner[0])
    if origin is tuple:
        return ("list", _kind(typing.get_args(tp)[0]))
    if origin is Literal:
        return ("enum", typing.get_args(tp))
    if tp is Text:
        return ("text",)
    if tp is Duration:
        return ("duration",)
    if tp is Period:
        return ("period",)
    if tp is str:
        return ("str",)
    if tp is int:
        return ("int",)
    if attrs.has(tp):
        return ("class", tp)
    raise TypeError(f"no shape for {tp!r}")  # a programming error in model.py


@functools.cache
def fields_of(cls: type) -> tuple[Field, ...]:
    """The keys of ``cls`` in the YAML format, in declaration order."""
    hints = typing.get_type_hints(cls)
    result = []
    for a in attrs.fields(cls):
        if a.metadata.get("internal"):
            continue
        kind = _kind(hints[a.name])
        check = CHECKS.get((cls, a.name))
        if check is not None:
            kind = ("list", check) if kind[0] == "list" else check
        required = a.default is attrs.NOTHING
        result.append(Field(a.name, kind, required, a.metadata.get("doc", "")))
    return tuple(result)


def parse_duration(iso: str) -> int | None:
    """Days in an ISO 8601 duration of weeks and days, or None when it is not one."""
    match = _DURATION.match(iso)
    if not match or iso == "P":
        return None
    weeks, days = (int(g) if g else 0 for g in match.groups())
    return weeks * 7 + days


def parse_period(iso: str) -> Period | None:
    """A period of years, months, weeks and days (``P5Y``), or None when it is not one (or
    is no time at all)."""
    match = _PERIOD.match(iso)
    if not match:
        return None
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    if not (years or months or weeks or days):
        return None
    return Period(iso, years, months, weeks * 7 + days)


def path_join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key
