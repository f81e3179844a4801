"""The format's shape, derived from the attrs classes in ``model.py``.

One description of every key (``fields_of``) serves three purposes: checking a located YAML tree
key by key (``ShapeChecker``), merging an overlay onto the guide it extends (``merge``), and the
JSON Schema (``schema.py``). So the loader, the overlay and the schema cannot drift apart.
"""

from __future__ import annotations

import difflib
import functools
import re
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, Union
from urllib.parse import urlsplit

import attrs

from btiflow.errors import Problem
from btiflow.workflow import model
from btiflow.workflow.model import LANGUAGES, Duration, Text
from btiflow.workflow.registry import CONDITIONS, RECORDS
from btiflow.workflow.yamlsource import LList, LMap, Loc

FORMAT = "btiflow/1"
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
_ID = re.compile(ID_PATTERN)
DURATION_PATTERN = r"^P(?:[0-9]+W)?(?:[0-9]+D)?$"
_DURATION = re.compile(r"^P(?:([0-9]+)W)?(?:([0-9]+)D)?$")

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


# Overlay keys that append to a list of the extended guide's step instead of replacing it.
ADD_KEYS = {"add_tools": "tools", "add_questions": "questions", "add_advice": "advice"}

_NOUNS: dict[type, str] = {
    model.Level: "level",
    model.Principle: "principle",
    model.Step: "step",
    model.Outcome: "outcome",
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


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping (key: value)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes/no value)"
    if isinstance(value, int):
        return f"the number {value}"
    if value is None:
        return "nothing"
    if len(value) > 60:
        return f"the text {value[:50]!r}... ({len(value)} characters)"
    return f"the text {value!r}"


def _expected(kind: tuple[Any, ...]) -> str:
    names = {
        "text": "a text, or a mapping of language codes (nb, nn, se, en) to texts",
        "duration": "a duration such as P4W (4 weeks) or P10D (10 days)",
        "str": "a text",
        "id": "an identifier (lower-case letters, digits and '-')",
        "url": "a link starting with https://",
        "file": "a relative file path",
        "int": "a whole number",
        "range": "a whole number",
        "list": "a list (items starting with '- ')",
        "class": "a mapping (key: value)",
        "enum": "one of the allowed values",
    }
    return names[kind[0]]


def suggest(word: str, allowed: tuple[str, ...] | list[str]) -> str:
    """A hint naming the closest allowed word, then all allowed words."""
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    listing = "allowed: " + ", ".join(allowed)
    return f"did you mean '{close[0]}'? {listing}" if close else listing


def parse_duration(iso: str) -> int | None:
    """Days in an ISO 8601 duration of weeks and days, or None when it is not one."""
    match = _DURATION.match(iso)
    if not match or iso == "P":
        return None
    weeks, days = (int(g) if g else 0 for g in match.groups())
    return weeks * 7 + days


def path_join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class ShapeChecker:
    """Checks a located tree key by key and turns it into plain data for cattrs.

    Problems are collected, never raised; ``locs`` maps every path to where it stands, so later
    checks can point into the file. ``texts`` lists every text, for the translation check.
    """

    def __init__(self, default_language: str, languages: tuple[str, ...] = ()) -> None:
        self.default_language = default_language
        # A text's languages are ordered as the workflow declares them, so that a text's first
        # language (the fallback) is the workflow's, even when an overlay merged it from a base
        # written in another language.
        order = (*languages, default_language, *LANGUAGES)
        self._rank = {lang: order.index(lang) for lang in LANGUAGES}
        self.problems: list[Problem] = []
        self.locs: dict[str, Loc] = {}
        self.texts: list[tuple[str, tuple[str, ...]]] = []
        self.dropped: list[str] = []  # paths of list items left out because they are bad

    def problem(self, loc: Loc, path: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(loc.file, loc.line, loc.column, path, message, hint))

    def check_class(
        self, node: Any, cls: type, path: str, loc: Loc, partial: bool = False
    ) -> dict[str, Any] | None:
        """The checked keys of ``node``; None when a required key is bad (unless ``partial``)."""
        self.locs[path] = loc
        if not isinstance(node, LMap):
            self.problem(loc, path, f"expected a mapping (key: value), found {_describe(node)}")
            return None
        fields = fields_of(cls)
        names = tuple(f.name for f in fields)
        for key in node:
            if key not in names and key in OVERLAY_KEYS.get(cls, {}):
                self.problem(
                    node.key_locs[key],
                    path_join(path, key),
                    f"'{key}' is only allowed in a file that extends another guide",
                    "add 'extends: bti' at the top, or remove the key",
                )
            elif key not in names:
                where = f" in {path}" if path else ""
                self.problem(
                    node.key_locs[key],
                    path_join(path, key),
                    f"unknown key '{key}'{where}",
                    suggest(key, (*names, *OVERLAY_KEYS.get(cls, {}))),
                )
        out: dict[str, Any] = {}
        ok = True
        for f in fields:
            if f.name not in node:
                if f.required:
                    where = f"in {path}" if path else "at the top of the file"
                    self.problem(
                        node.loc,
                        path_join(path, f.name),
                        f"missing key '{f.name}' {where}",
                        f"add {f.name}: {f.doc}",
                    )
                    ok = False
                continue
            value = node[f.name]
            sub = path_join(path, f.name)
            vloc = node.value_locs[f.name]
            if value is None and not f.required:
                self.locs[sub] = vloc
                continue
            result = self.check_value(value, f.kind, sub, vloc)
            if result is not _BAD:
                out[f.name] = result
            elif f.required:
                ok = False
            # A bad optional value is left out, so the checks after this one still run.
        return out if ok or partial else None

    def check_value(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        self.locs[path] = loc
        tag = kind[0]
        if tag == "class":
            result = self.check_class(value, kind[1], path, loc)
            return _BAD if result is None else result
        if tag == "list":
            return self._list(value, kind[1], path, loc)
        if tag == "text":
            return self._text(value, path, loc)
        handler = _SCALARS[tag]
        return handler(self, value, kind, path, loc)

    def _list(self, value: Any, inner: tuple[Any, ...], path: str, loc: Loc) -> Any:
        if not isinstance(value, LList):
            self.problem(
                loc, path, f"expected a list (items starting with '- '), found {_describe(value)}"
            )
            return _BAD
        out = []
        for i, item in enumerate(value):
            result = self.check_value(item, inner, path_join(path, i), value.item_locs[i])
            if result is not _BAD:  # a bad item is left out; its problem is recorded
                out.append(result)
            else:
                self.dropped.append(path_join(path, i))
        return out

    def _text(self, value: Any, path: str, loc: Loc) -> Any:
        if isinstance(value, str):
            if not value.strip():
                self.problem(loc, path, "the text is empty", "write the text, or remove the key")
                return _BAD
            self.texts.append((path, (self.default_language,)))
            return [(self.default_language, value)]
        if not isinstance(value, LMap):
            self.problem(loc, path, f"expected {_expected(('text',))}, found {_describe(value)}")
            return _BAD
        pairs = []
        ok = True
        for lang, text in value.items():
            lloc = value.key_locs[lang]
            if lang not in LANGUAGES:
                self.problem(
                    lloc,
                    path_join(path, lang),
                    f"unknown language code '{lang}'",
                    suggest(lang, LANGUAGES),
                )
                ok = False
            elif not isinstance(text, str) or not text.strip():
                self.problem(
                    value.value_locs[lang],
                    path_join(path, lang),
                    f"expected a text in '{lang}', found {_describe(text)}",
                )
                ok = False
            else:
                pairs.append((lang, text))
        if not pairs and ok:
            self.problem(loc, path, "the text has no language", "add e.g. nb: ...")
            ok = False
        if ok:
            self.texts.append((path, tuple(lang for lang, _ in pairs)))
        pairs.sort(key=lambda pair: self._rank.get(pair[0], len(LANGUAGES)))
        return pairs if ok else _BAD

    def _str(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(loc, path, f"expected {_expected(kind)}, found {_describe(value)}")
            return _BAD
        return str(value)

    def _id(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        if not isinstance(value, str) or not _ID.match(value):
            self.problem(
                loc,
                path,
                f"expected {_expected(kind)}, found {_describe(value)}",
                "e.g. del-med-leder; no spaces, capitals or æøå",
            )
            return _BAD
        return value

    def _int(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(loc, path, f"expected {_expected(kind)}, found {_describe(value)}")
            return _BAD
        if kind[0] == "range" and not kind[1] <= value <= kind[2]:
            self.problem(
                loc, path, f"{value} is out of range", f"use a number from {kind[1]} to {kind[2]}"
            )
            return _BAD
        return value

    def _enum(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        allowed = tuple(str(v) for v in kind[1])
        if value not in kind[1]:
            shown = value if isinstance(value, str) else _describe(value)
            self.problem(
                loc, path, f"'{shown}' is not an allowed value", suggest(str(value), allowed)
            )
            return _BAD
        return value

    def _duration(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        days = parse_duration(value) if isinstance(value, str) else None
        if days is None or days <= 0:
            hint = "write weeks or days: P4W is 4 weeks, P10D is 10 days"
            if isinstance(value, str) and re.match(r"^P.*[YM]", value):
                hint = "months and years have no fixed length; " + hint
            self.problem(loc, path, f"expected {_expected(kind)}, found {_describe(value)}", hint)
            return _BAD
        return value

    def _url(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        try:
            parts = urlsplit(value) if isinstance(value, str) else None
        except ValueError:  # e.g. an unclosed '[' that urlsplit reads as an IPv6 address
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            self.problem(
                loc,
                path,
                f"expected {_expected(kind)}, found {_describe(value)}",
                "write the whole address, e.g. https://www.snakkemedbarn.no",
            )
            return _BAD
        return value

    def _file(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        bad = (
            not isinstance(value, str)
            or not value.strip()
            or value.startswith(("/", "\\"))
            or ".." in value.replace("\\", "/").split("/")
            or "://" in value
        )
        if bad:
            self.problem(
                loc,
                path,
                f"expected {_expected(kind)}, found {_describe(value)}",
                "a path relative to the workflow file, e.g. verktoy/samtaleguide.pdf; "
                "for a web address use url:",
            )
            return _BAD
        return value


_BAD = object()

_SCALARS: dict[str, Callable[[ShapeChecker, Any, tuple[Any, ...], str, Loc], Any]] = {
    "str": ShapeChecker._str,
    "id": ShapeChecker._id,
    "int": ShapeChecker._int,
    "range": ShapeChecker._int,
    "enum": ShapeChecker._enum,
    "duration": ShapeChecker._duration,
    "url": ShapeChecker._url,
    "file": ShapeChecker._file,
}


# --- overlays ---------------------------------------------------------------------------------


def _copy_map(node: LMap) -> LMap:
    out = LMap(node.loc)
    out.update(node)
    out.key_locs.update(node.key_locs)
    out.value_locs.update(node.value_locs)
    return out


def _set(target: LMap, key: str, value: Any, source: LMap) -> None:
    target[key] = value
    target.key_locs[key] = source.key_locs[key]
    target.value_locs[key] = source.value_locs[key]


class Merger:
    """Lays an overlay's located tree onto the tree of the guide it extends."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, loc: Loc, path: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(loc.file, loc.line, loc.column, path, message, hint))

    def merge(self, base: Any, over: Any, cls: type, path: str) -> Any:
        if not isinstance(base, LMap) or not isinstance(over, LMap):
            return over
        out = _copy_map(base)
        kinds = {f.name: f.kind for f in fields_of(cls)}
        for key, value in over.items():
            kind = kinds.get(key)
            sub = path_join(path, key)
            if kind is None or key not in base:
                _set(out, key, value, over)
            elif kind[0] == "class":
                _set(out, key, self.merge(base[key], value, kind[1], sub), over)
            elif kind[0] == "text" and isinstance(base[key], LMap) and isinstance(value, LMap):
                _set(out, key, self._merge_text(base[key], value), over)
            elif (
                (cls, key) in KEYED_LISTS
                and isinstance(base[key], LList)
                and isinstance(value, LList)
            ):
                item_cls = kind[1][1]
                merged = self._merge_list(base[key], value, KEYED_LISTS[cls, key], item_cls, sub)
                _set(out, key, merged, over)
            else:
                _set(out, key, value, over)
        return out

    def _merge_text(self, base: LMap, over: LMap) -> LMap:
        out = _copy_map(base)
        for lang in over:
            _set(out, lang, over[lang], over)
        return out

    def _merge_list(self, base: LList, over: LList, key: str, item_cls: type, path: str) -> LList:
        items: list[tuple[Any, Loc]] = list(zip(base, base.item_locs, strict=True))
        index = {self._key(item, key): i for i, (item, _) in enumerate(items)}
        given: dict[Any, Loc] = {}
        noun = _NOUNS.get(item_cls, "item")
        for j, (item, loc) in enumerate(zip(over, over.item_locs, strict=True)):
            ident = self._key(item, key)
            path_j = path_join(path, j)
            item = self._only_allowed(item, item_cls, path_j)
            if ident is not None and ident in given:
                self.problem(
                    loc,
                    path_j,
                    f"the {key} '{ident}' is given twice in this list",
                    f"first given at line {given[ident].line}; merge the two",
                )
                continue
            if ident is not None:
                given[ident] = loc
            self._check_remove(item, path_j)
            if ident is not None and ident in index:
                i = index[ident]
                merged = self.merge(
                    items[i][0], self._strip(item, items[i][0], path_j), item_cls, path_j
                )
                if isinstance(item, LMap) and item.get("remove") is True:
                    items[i] = (None, loc)
                    continue
                items[i] = (merged, items[i][1])
                after = item.get("after") if isinstance(item, LMap) else None
                if after is not None:
                    moved = items.pop(i)
                    items.insert(self._after(items, key, after, item, path_j, noun), moved)
            else:
                if isinstance(item, LMap) and item.get("remove") is True:
                    self.problem(
                        loc,
                        path_j,
                        f"cannot remove '{ident}': the guide extended has no such {key}",
                        "check the id",
                    )
                    continue
                after = item.get("after") if isinstance(item, LMap) else None
                clean = self._strip(item, None, path_j)
                if after is None:
                    items.append((clean, loc))
                else:
                    items.insert(self._after(items, key, after, item, path_j, noun), (clean, loc))
            index = {self._key(it, key): i for i, (it, _) in enumerate(items) if it is not None}
        out = LList(over.loc)
        for item, loc in items:
            if item is not None:
                out.append(item)
                out.item_locs.append(loc)
        return out

    def _only_allowed(self, item: Any, item_cls: type, path: str) -> Any:
        """Report and drop 'after'/'remove' where this kind of item cannot be moved or removed."""
        if not isinstance(item, LMap):
            return item
        allowed = OVERLAY_KEYS.get(item_cls, {})
        misplaced = [k for k in ("after", "remove") if k in item and k not in allowed]
        if not misplaced:
            return item
        out = _copy_map(item)
        for k in misplaced:
            self.problem(
                item.key_locs[k],
                path_join(path, k),
                f"'{k}' is not possible for a {_NOUNS.get(item_cls, 'item')}",
                "levels are always 0 to 3 in order; outcomes can be removed, not moved",
            )
            del out[k]
        return out

    def _after(
        self,
        items: list[tuple[Any, Loc]],
        key: str,
        after: Any,
        item: LMap,
        path: str,
        noun: str = "item",
    ) -> int:
        for i, (it, _) in enumerate(items):
            if it is not None and self._key(it, key) == after:
                return i + 1
        ids = [str(self._key(it, key)) for it, _ in items if self._key(it, key) is not None]
        self.problem(
            item.value_locs["after"],
            path_join(path, "after"),
            f"'after: {after}' names no {noun} of this list",
            suggest(str(after), ids),
        )
        return len(items)

    @staticmethod
    def _key(item: Any, key: str) -> Any:
        value = item.get(key) if isinstance(item, LMap) else None
        # Only a plain word or number identifies an item; anything else is left to the shape check.
        return value if isinstance(value, str | int) and not isinstance(value, bool) else None

    def _check_remove(self, item: Any, path: str) -> None:
        if isinstance(item, LMap) and "remove" in item and item["remove"] is not True:
            self.problem(
                item.value_locs["remove"],
                path_join(path, "remove"),
                f"remove takes true, found {_describe(item['remove'])}",
                "write remove: true, or delete the line to keep the item",
            )

    def _strip(self, item: Any, base: Any, path: str) -> Any:
        """Apply and remove overlay-only keys (after, remove, add_tools/questions/advice)."""
        if not isinstance(item, LMap):
            return item
        out = _copy_map(item)
        for key in ("after", "remove"):
            if key in out:
                del out[key]
        for extra, target in ADD_KEYS.items():
            if extra not in out:
                continue
            added = out.pop(extra)
            existing = base.get(target) if isinstance(base, LMap) else None
            if not isinstance(added, LList):
                self.problem(
                    item.value_locs[extra],
                    path_join(path, extra),
                    f"expected a list (items starting with '- ') for {extra}, found "
                    f"{_describe(added)}",
                )
                continue
            combined = LList(added.loc)
            for src in (out.get(target, existing), added):
                if isinstance(src, LList):
                    combined.extend(src)
                    combined.item_locs.extend(src.item_locs)
            out[target] = combined
            out.key_locs[target] = item.key_locs[extra]
            out.value_locs[target] = item.value_locs[extra]
        return out


def normalize_texts(node: Any, kind: tuple[Any, ...], language: str) -> Any:
    """Turn every plain-string text into ``{language: text}``, keeping locations.

    Done to each file before an overlay is merged, so that a plain string always means the first
    language of the file it is written in, and an overlay can add a language to a base text.
    """
    tag = kind[0]
    if tag == "text" and isinstance(node, str):
        return node  # handled by the caller, which knows the location
    if tag == "list" and isinstance(node, LList):
        for i, item in enumerate(node):
            node[i] = _normalized_item(item, kind[1], language, node.item_locs[i])
        return node
    if tag == "class" and isinstance(node, LMap):
        kinds = {f.name: f.kind for f in fields_of(kind[1])}
        kinds["add_tools"] = ("list", ("class", model.Tool))
        kinds["add_questions"] = ("list", ("text",))
        kinds["add_advice"] = ("list", ("class", model.Advice))
        for key in list(node):
            if key in kinds:
                node[key] = _normalized_item(node[key], kinds[key], language, node.value_locs[key])
        return node
    return node


def _normalized_item(value: Any, kind: tuple[Any, ...], language: str, loc: Loc) -> Any:
    if kind[0] == "text" and isinstance(value, str):
        out = LMap(loc)
        out[language] = value
        out.key_locs[language] = loc
        out.value_locs[language] = loc
        return out
    return normalize_texts(value, kind, language)
