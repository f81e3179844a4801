"""The JSON Schema (draft 2020-12) of the workflow format, for editors such as VS Code.

Generated from ``shape.fields_of``, the same description of every key the loader checks against,
so the schema's keys cannot drift from the loader's. Two definitions per class:

- ``<Class>``: a complete guide (a file without ``extends``); required keys are required and
  the overlay-only keys are unknown, as in the loader.
- ``<Class>Overlay``: a file with ``extends``, which only overrides or adds; nothing is required
  except the key that matches an item to the guide extended (a level's ``level``, a step's
  ``id``...) and the file's own ``id`` and ``version``; the overlay-only keys are allowed.

The schema checks each value on its own; what needs the whole guide (unique ids, levels 0-3,
outcomes that lead somewhere, translations) is left to ``btiflow validate``.
"""

from __future__ import annotations

from typing import Any

from btiflow.workflow import model
from btiflow.workflow.fields import (
    DURATION_PATTERN,
    FORMAT,
    ID_PATTERN,
    KEYED_LISTS,
    OVERLAY_KEYS,
    PERIOD_PATTERN,
    fields_of,
)
from btiflow.workflow.model import LANGUAGES

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# A text must have something besides white space (the loader: "the text is empty").
_NOT_BLANK = r"\S"
# DURATION_PATTERN also matches "P" and zero lengths, which the loader refuses.
_ZERO_DURATION = r"^P(?:0+W)?(?:0+D)?$"
_ZERO_PERIOD = r"^P(?:0+Y)?(?:0+M)?(?:0+W)?(?:0+D)?$"
# The loader's file check: relative, no '..' part, not a web address, not blank.
_FILE_PATTERN = r"^(?![/\\])(?!.*://)(?!(?:.*[/\\])?\.\.(?:[/\\]|$))\s*\S"
# The loader's link check: http or https, with a host.
_URL_PATTERN = r"^https?://[^/?#\s]+"

_LANGUAGE_NAMES = {"nb": "bokmål", "nn": "nynorsk", "se": "North Sámi", "en": "English"}

# Overlay-only keys are not fields of a class; their values, by key.
_OVERLAY_KINDS: dict[str, tuple[Any, ...]] = {
    "extends": ("str",),
    "after": ("id",),
    "remove": ("enum", (True,)),  # the loader: "remove takes true"
    "add_tools": ("list", ("class", model.Tool)),
    "add_questions": ("list", ("text",)),
    "add_advice": ("list", ("class", model.Advice)),
}

_OVERLAY_SUFFIX = "Overlay"


def _merge_keys() -> dict[type, str]:
    """Item class -> the key by which an overlay's item is matched to the extended guide's."""
    keys: dict[type, str] = {}
    for (cls, name), key in KEYED_LISTS.items():
        kind = next(f.kind for f in fields_of(cls) if f.name == name)
        keys[kind[1][1]] = key
    return keys


_MERGE_KEYS = _merge_keys()


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``format: btiflow/1``, one ``$defs`` entry per class and variant."""
    builder = _Builder()
    full = builder.ref(model.Workflow, overlay=False)
    overlay = builder.ref(model.Workflow, overlay=True)
    return {
        "$schema": DRAFT,
        "title": f"btiflow workflow ({FORMAT})",
        "description": (
            "A municipality's BTI action guide. A file with 'extends' builds on another guide "
            "and only needs what it changes; check every file with 'btiflow validate'."
        ),
        "type": "object",
        "if": {"type": "object", "required": ["extends"]},
        "then": overlay,
        "else": full,
        "$defs": builder.defs,
    }


class _Builder:
    """Collects the ``$defs`` while walking the classes from ``Workflow`` down."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {"Text": _text_schema()}

    def ref(self, cls: type, *, overlay: bool) -> dict[str, Any]:
        """A reference to the definition of ``cls`` (made on first use)."""
        name = cls.__name__ + (_OVERLAY_SUFFIX if overlay else "")
        if name not in self.defs:
            self.defs[name] = {}  # reserve the name first: a class may (one day) contain itself
            self.defs[name] = self._object(cls, overlay=overlay)
        return {"$ref": f"#/$defs/{name}"}

    def _object(self, cls: type, *, overlay: bool) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in fields_of(cls):
            keyed = (cls, field.name) in KEYED_LISTS
            value = self.value(field.kind, overlay=overlay, keyed=keyed)
            properties[field.name] = {"description": field.doc, **value}
            if field.required and not overlay:
                required.append(field.name)
        if overlay:
            for name, doc in OVERLAY_KEYS.get(cls, {}).items():
                if name not in _OVERLAY_KINDS:  # a new overlay key in fields.py: add it above
                    raise TypeError(f"no JSON Schema for the overlay key {name!r}")
                value = self.value(_OVERLAY_KINDS[name], overlay=False, keyed=False)
                properties[name] = {"description": doc, **value}
            key = _MERGE_KEYS.get(cls)
            if key is not None:
                required.append(key)
            if cls is model.Workflow:
                # The loader: "a guide that extends another needs its own id and version".
                required.extend(["extends", "id", "version"])
        schema: dict[str, Any] = {
            "type": "object",
            "description": _first_line(cls.__doc__),
            "properties": properties,
            "additionalProperties": False,
        }
        if required:
            schema["required"] = required
        return schema

    def value(self, kind: tuple[Any, ...], *, overlay: bool, keyed: bool) -> dict[str, Any]:
        """The schema of one value of ``kind``.

        In an overlay, a mapping (deadlines, consent) and the items of a list merged by a key
        (levels, steps...) are themselves overlays; a plain list replaces the extended guide's.
        """
        tag = kind[0]
        if tag == "class":
            return self.ref(kind[1], overlay=overlay)
        if tag == "list":
            inner = kind[1]
            if inner[0] == "class":
                items = self.ref(inner[1], overlay=overlay and keyed)
            else:
                items = self.value(inner, overlay=False, keyed=False)
            return {"type": "array", "items": items}
        return _scalar(kind)


def _scalar(kind: tuple[Any, ...]) -> dict[str, Any]:
    tag = kind[0]
    if tag == "text":
        return {"$ref": "#/$defs/Text"}
    if tag == "str":
        # The loader takes a number as the text written (version: 2026, version: 2026.10): an
        # editor's YAML reads the latter as a number, which must not be underlined either.
        return {"type": ["string", "number"], "pattern": _NOT_BLANK}
    if tag == "id":
        return {"type": "string", "pattern": ID_PATTERN}
    if tag == "int":
        return {"type": "integer"}
    if tag == "range":
        return {"type": "integer", "minimum": kind[1], "maximum": kind[2]}
    if tag == "enum":
        values = list(kind[1])
        return {"const": values[0]} if len(values) == 1 else {"enum": values}
    if tag == "duration":
        return {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "not": {"pattern": _ZERO_DURATION},
            "examples": ["P4W", "P10D", "P2W3D"],
        }
    if tag == "period":
        return {
            "type": "string",
            "pattern": PERIOD_PATTERN,
            "not": {"pattern": _ZERO_PERIOD},
            "examples": ["P5Y", "P18M", "P2Y"],
        }
    if tag == "url":
        return {"type": "string", "pattern": _URL_PATTERN, "examples": ["https://"]}
    if tag == "file":
        return {"type": "string", "pattern": _FILE_PATTERN}
    raise TypeError(f"no JSON Schema for {kind!r}")  # a new kind in fields.py: add it here


def _text_schema() -> dict[str, Any]:
    line = {"type": "string", "pattern": _NOT_BLANK}
    return {
        "description": (
            "A text in the guide's first language, or a mapping of language codes "
            "(nb, nn, se, en) to texts."
        ),
        "anyOf": [
            line,
            {
                "type": "object",
                "properties": {
                    lang: {"description": _LANGUAGE_NAMES.get(lang, lang), **line}
                    for lang in LANGUAGES
                },
                "additionalProperties": False,
                "minProperties": 1,
            },
        ],
    }


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


__all__ = ["json_schema"]
