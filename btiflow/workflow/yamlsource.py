"""Located YAML parsing: every mapping, list and value keeps its file, line and column.

The only module that imports ``yaml``. It reads a restricted, predictable YAML: scalars are text,
whole numbers, ``true``/``false`` or null; ``no``, ``yes``, ``on``, ``off``, dates and floats stay
text (YAML 1.1 would turn the language code ``no`` into ``False``). Anchors and aliases are refused,
which rules out alias bombs; nesting deeper than ``MAX_DEPTH`` is refused, which rules out
recursion bombs; files over ``MAX_BYTES`` are refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs
import yaml

from btiflow.errors import Problem

MAX_DEPTH = 40
MAX_BYTES = 2_000_000

# At most 18 digits: a longer run of digits is text (Python refuses to read ints over 4300 digits).
_INT = re.compile(r"^[-+]?[0-9]{1,18}$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")

_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_KNOWN_TAGS = {_STR_TAG, _INT_TAG, _BOOL_TAG, _NULL_TAG}


@attrs.frozen
class Loc:
    """A place in a file, 1-based."""

    file: str
    line: int
    column: int


class LMap(dict[str, Any]):
    """A YAML mapping that remembers where it, each key and each value stand."""

    def __init__(self, loc: Loc) -> None:
        super().__init__()
        self.loc = loc
        self.key_locs: dict[str, Loc] = {}
        self.value_locs: dict[str, Loc] = {}


class LList(list[Any]):
    """A YAML sequence that remembers where it and each item stand."""

    def __init__(self, loc: Loc) -> None:
        super().__init__()
        self.loc = loc
        self.item_locs: list[Loc] = []


class _Resolver(yaml.resolver.BaseResolver):
    """Resolves plain scalars to int, bool (true/false only) and null; everything else is text."""


_Resolver.add_implicit_resolver(_INT_TAG, _INT, list("-+0123456789"))
_Resolver.add_implicit_resolver(_BOOL_TAG, _BOOL, list("tTfF"))
_Resolver.add_implicit_resolver(_NULL_TAG, _NULL, ["~", "n", "N", ""])


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)
        self._depth = 0

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # Refuse deep [[[... or {{{... while scanning: the scanner looks ahead up to 1024
        # characters per possible key, which for deep flow nesting costs quadratic time.
        if self.flow_level >= MAX_DEPTH:
            raise yaml.scanner.ScannerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", self.get_mark()
            )
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not supported", event.start_mark
            )
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors (&name) are not supported", event.start_mark
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_HINTS = {
    "aliases": "write the text out in full; anchors and aliases are not part of the format",
    "anchors": "write the text out in full; anchors and aliases are not part of the format",
    "nested deeper": "the format never nests this deep; check the indentation",
}


def _hint_for(message: str) -> str:
    for needle, hint in _HINTS.items():
        if needle in message:
            return hint
    if "'\\t'" in message or "\t" in message:
        return "indent with spaces, not tabs"
    return "check the indentation and the quoting around this place"


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def loc(self, node: yaml.Node) -> Loc:
        return Loc(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def problem(self, loc: Loc, message: str, hint: str = "") -> None:
        self.problems.append(Problem(loc.file, loc.line, loc.column, "", message, hint))

    def convert(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            result = LList(self.loc(node))
            for item in node.value:
                result.append(self.convert(item))
                result.item_locs.append(self.loc(item))
            return result
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode) -> LMap:
        result = LMap(self.loc(node))
        for key_node, value_node in node.value:
            key = self.convert(key_node)
            key_loc = self.loc(key_node)
            if isinstance(key, bool) or not isinstance(key, str | int):
                self.problem(key_loc, "a key must be a plain word", "write the key as text")
                continue
            key = str(key)
            if key in result:
                first = result.key_locs[key]
                self.problem(
                    key_loc,
                    f"duplicate key '{key}'",
                    f"it is already given at line {first.line}; keep one of them",
                )
                continue
            result[key] = self.convert(value_node)
            result.key_locs[key] = key_loc
            result.value_locs[key] = self.loc(value_node)
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        tag, value = node.tag, node.value
        if tag not in _KNOWN_TAGS:
            self.problem(self.loc(node), f"unsupported tag {tag}", "remove the tag (the '!...')")
            return str(value)
        if tag == _INT_TAG:
            return int(value) if _INT.match(value) else str(value)
        if tag == _BOOL_TAG:
            return value.lower() == "true" if _BOOL.match(value) else str(value)
        if tag == _NULL_TAG:
            return None
        return str(value)


def _decode(data: bytes, file: str) -> tuple[str | None, list[Problem]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        # Count characters, not bytes, as YAML marks and editors do (æøå are two bytes each).
        column = len(before[line_start:].decode("utf-8-sig" if line == 1 else "utf-8")) + 1
        return None, [
            Problem(
                file,
                line,
                column,
                "",
                f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} cannot be read)",
                "save the file as UTF-8; most editors have this under 'Save with encoding'",
            )
        ]


def parse_text(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text into located values; returns the tree (or None) and the problems."""
    if len(text) > MAX_BYTES:
        return None, [
            Problem(
                file,
                1,
                1,
                "",
                f"the text is {len(text)} characters; a workflow may be at most {MAX_BYTES}",
                "a guide is text; check that this is the right file",
            )
        ]
    converter = _Converter(file)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        message = f"not valid YAML: the control character {char!r} is not allowed in a file"
        return None, [
            Problem(
                file,
                line,
                column,
                "",
                message,
                "delete it; it is invisible in most editors, so retype the text around this place",
            )
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = exc.problem or exc.context or "the file is not valid YAML"
        message = f"not valid YAML: {message}"
        return None, [Problem(file, line, column, "", message, _hint_for(message))]
    except yaml.YAMLError as exc:
        message = f"not valid YAML: {exc}"
        return None, [Problem(file, 1, 1, "", message, _hint_for(message))]
    except RecursionError:
        message = f"not valid YAML: nested deeper than {MAX_DEPTH} levels"
        return None, [Problem(file, 1, 1, "", message, _hint_for(message))]
    if node is None:
        return None, [Problem(file, 1, 1, "", "the file is empty", "start from a shipped workflow")]
    tree = converter.convert(node)
    return tree, converter.problems


def parse_file(path: Path, display: str | None = None) -> tuple[Any, list[Problem]]:
    """Read and parse a YAML file; a missing, huge or non-UTF-8 file is a problem, not a crash."""
    file = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(file, 1, 1, "", "file not found", "check the path and file name")]
    except IsADirectoryError:
        return None, [Problem(file, 1, 1, "", "this is a folder, not a file", "name a .yaml file")]
    except OSError as exc:
        return None, [Problem(file, 1, 1, "", f"cannot read the file: {exc.strerror}", "")]
    if len(data) > MAX_BYTES:
        return None, [
            Problem(
                file,
                1,
                1,
                "",
                f"the file is {len(data)} bytes; a workflow may be at most {MAX_BYTES}",
                "a guide is text; check that this is the right file",
            )
        ]
    text, problems = _decode(data, file)
    if text is None:
        return None, problems
    return parse_text(text, file)
