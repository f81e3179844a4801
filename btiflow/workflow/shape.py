"""The shape check: a located YAML tree, key by key, against the format's keys (``fields.py``).

Problems are collected, never raised, and the tree becomes plain data for cattrs. The names of
``fields.py`` are re-exported here, where they lived before the split.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from btiflow.errors import Problem
from btiflow.workflow.fields import (
    CHECKS,
    DURATION_PATTERN,
    FORMAT,
    ID_PATTERN,
    KEYED_LISTS,
    OVERLAY_KEYS,
    Field,
    fields_of,
    parse_duration,
    parse_period,
    path_join,
)
from btiflow.workflow.model import LANGUAGES
from btiflow.workflow.problems import describe, problem, suggest, what_key_holds
from btiflow.workflow.yamlsource import LList, LMap, Loc

_ID = re.compile(ID_PATTERN)


class ShapeChecker:
    """Checks a located tree key by key and turns it into plain data for cattrs.

    Problems are collected, never raised, worded in ``reader_language`` (the guide editor's, not
    the guide's); ``locs`` maps every path to where it stands, so later checks can point into the
    file. ``texts`` lists every text, for the translation check.
    """

    def __init__(
        self, default_language: str, languages: tuple[str, ...] = (), reader_language: str = "nb"
    ) -> None:
        self.default_language = default_language
        self.reader_language = reader_language
        # A text's languages are ordered as the workflow declares them, so that a text's first
        # language (the fallback) is the workflow's, even when an overlay merged it from a base
        # written in another language.
        order = (*languages, default_language, *LANGUAGES)
        self._rank = {lang: order.index(lang) for lang in LANGUAGES}
        self.problems: list[Problem] = []
        self.locs: dict[str, Loc] = {}
        self.texts: list[tuple[str, tuple[str, ...]]] = []
        self.dropped: list[str] = []  # paths of list items left out because they are bad

    def problem(self, loc: Loc, path: str, code: str, /, **values: Any) -> None:
        where = (loc.file, loc.line, loc.column)
        self.problems.append(problem(self.reader_language, where, path, code, **values))

    def found(self, value: Any) -> str:
        """What was found, in the reader's words."""
        return describe(value, self.reader_language)

    def check_class(
        self, node: Any, cls: type, path: str, loc: Loc, partial: bool = False
    ) -> dict[str, Any] | None:
        """The checked keys of ``node``; None when a required key is bad (unless ``partial``)."""
        self.locs[path] = loc
        if not isinstance(node, LMap):
            self.problem(loc, path, "expected_mapping", found=self.found(node))
            return None
        fields = fields_of(cls)
        names = tuple(f.name for f in fields)
        for key in node:
            if key not in names and key in OVERLAY_KEYS.get(cls, {}):
                self.problem(
                    node.key_locs[key], path_join(path, key), "overlay_key_without_extends", key=key
                )
            elif key not in names:
                self.problem(
                    node.key_locs[key],
                    path_join(path, key),
                    "unknown_key" if path else "unknown_top_key",
                    key=key,
                    path=path,
                    hint=suggest(key, (*names, *OVERLAY_KEYS.get(cls, {})), self.reader_language),
                )
        out: dict[str, Any] = {}
        ok = True
        for f in fields:
            if f.name not in node:
                if f.required:
                    self.problem(
                        node.loc,
                        path_join(path, f.name),
                        "missing_key" if path else "missing_top_key",
                        key=f.name,
                        path=path,
                        what=what_key_holds(f.name, self.reader_language),
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
            self.problem(loc, path, "expected_list", found=self.found(value))
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
                self.problem(loc, path, "empty_text")
                return _BAD
            self.texts.append((path, (self.default_language,)))
            return [(self.default_language, value)]
        if not isinstance(value, LMap):
            self.problem(loc, path, "expected_text", found=self.found(value))
            return _BAD
        pairs = []
        ok = True
        for lang, text in value.items():
            lloc = value.key_locs[lang]
            if lang not in LANGUAGES:
                self.problem(
                    lloc,
                    path_join(path, lang),
                    "unknown_language",
                    code=lang,
                    hint=suggest(lang, LANGUAGES, self.reader_language),
                )
                ok = False
            elif not isinstance(text, str) or not text.strip():
                self.problem(
                    value.value_locs[lang],
                    path_join(path, lang),
                    "expected_language_text",
                    code=lang,
                    found=self.found(text),
                )
                ok = False
            else:
                pairs.append((lang, text))
        if not pairs and ok:
            self.problem(loc, path, "text_without_language")
            ok = False
        if ok:
            self.texts.append((path, tuple(lang for lang, _ in pairs)))
        pairs.sort(key=lambda pair: self._rank.get(pair[0], len(LANGUAGES)))
        return pairs if ok else _BAD

    def _str(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(loc, path, "expected_str", found=self.found(value))
            return _BAD
        return str(value)

    def _id(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        if not isinstance(value, str) or not _ID.match(value):
            self.problem(loc, path, "expected_id", found=self.found(value))
            return _BAD
        return value

    def _int(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(loc, path, "expected_number", found=self.found(value))
            return _BAD
        if kind[0] == "range" and not kind[1] <= value <= kind[2]:
            self.problem(loc, path, "out_of_range", value=value, low=kind[1], high=kind[2])
            return _BAD
        return value

    def _enum(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        allowed = tuple(str(v) for v in kind[1])
        if value not in kind[1]:
            shown = value if isinstance(value, str) else self.found(value)
            hint = suggest(str(value), allowed, self.reader_language)
            self.problem(loc, path, "not_allowed", value=shown, hint=hint)
            return _BAD
        return value

    def _duration(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        days = parse_duration(value) if isinstance(value, str) else None
        if days is None or days <= 0:
            months = isinstance(value, str) and re.match(r"^P.*[YM]", value)
            code = "duration_in_months" if months else "expected_duration"
            self.problem(loc, path, code, found=self.found(value))
            return _BAD
        return value

    def _period(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        if not isinstance(value, str) or parse_period(value) is None:
            self.problem(loc, path, "expected_period", found=self.found(value))
            return _BAD
        return value

    def _url(self, value: Any, kind: tuple[Any, ...], path: str, loc: Loc) -> Any:
        try:
            parts = urlsplit(value) if isinstance(value, str) else None
        except ValueError:  # e.g. an unclosed '[' that urlsplit reads as an IPv6 address
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            self.problem(loc, path, "expected_url", found=self.found(value))
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
            self.problem(loc, path, "expected_file", found=self.found(value))
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
    "period": ShapeChecker._period,
    "url": ShapeChecker._url,
    "file": ShapeChecker._file,
}


__all__ = [
    "CHECKS",
    "DURATION_PATTERN",
    "FORMAT",
    "ID_PATTERN",
    "KEYED_LISTS",
    "OVERLAY_KEYS",
    "Field",
    "ShapeChecker",
    "fields_of",
    "parse_duration",
    "path_join",
    "suggest",
]
