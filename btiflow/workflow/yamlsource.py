"""Located YAML parsing: every mapping, list and value keeps its file, line and column.

The only module that imports ``yaml``. It reads a restricted, predictable YAML: scalars are text,
whole numbers, ``true``/``false`` or null; ``no``, ``yes``, ``on``, ``off``, dates and floats stay
text (YAML 1.1 would turn the language code ``no`` into ``False``). Anchors and aliases are refused,
which rules out alias bombs; nesting deeper than ``MAX_DEPTH`` is refused, which rules out
recursion bombs; files over ``MAX_BYTES`` are refused.

Two parsers give the same events: libyaml's, in C, where PyYAML was built with it (its wheels
are), about twenty times faster than PyYAML's pure Python one, which is the fallback. One builder
turns either's events into located values and enforces the rules above, so the rules have one
home. Where the two could disagree, PyYAML decides: a file libyaml refuses is parsed again by the
pure parser, whose messages and places are the ones reported (libyaml words some errors
differently, and a broken file is rare), and so is text libyaml reads otherwise than PyYAML
(``_libyaml_differs``, ``_Unsure``). ``tests/test_yaml_parsers.py`` compares the two.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import attrs
import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from btiflow.errors import Problem
from btiflow.workflow.problems import problem

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml
    HAVE_LIBYAML = False
else:
    HAVE_LIBYAML = True

MAX_DEPTH = 40
MAX_BYTES = 2_000_000

# Whether libyaml parses (where installed). BTIFLOW_PURE_YAML=1 forces the pure Python parser; the
# loader tests run with both (tests/conftest.py sets this switch).
USE_LIBYAML = HAVE_LIBYAML and not os.environ.get("BTIFLOW_PURE_YAML")

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
# First character -> the (tag, pattern) pairs above: a plain scalar's tag is the first whose
# pattern matches, else text (what BaseResolver.resolve does, without its general machinery).
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = _Resolver.yaml_implicit_resolvers


class _PureParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure Python reader, scanner and parser: events, as libyaml's ``CParser`` gives."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # Refuse deep [[[... or {{{... while scanning: the scanner looks ahead up to 1024
        # characters per possible key, which for deep flow nesting costs quadratic time.
        if self.flow_level >= MAX_DEPTH:
            raise yaml.scanner.ScannerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", self.get_mark()
            )
        super().fetch_flow_collection_start(token_class)


class _Builder:
    """Turns a parser's events into located values, refusing anchors, aliases and deep nesting.

    Consumes the events in the order PyYAML's composer does, so an error is raised at the same
    event. Problems that do not stop the parse (a tag, a key that is not a word, a duplicate key)
    are collected.
    """

    def __init__(self, parser: Any, file: str, *, libyaml: bool = False, language: str) -> None:
        self.parser = parser
        self.file = file
        self.language = language
        self.problems: list[Problem] = []
        self.libyaml = libyaml
        self.flow = 0  # how many flow collections ([...] or {...}) the next event is inside

    def problem(self, loc: Loc, code: str, /, **values: Any) -> None:
        where = (loc.file, loc.line, loc.column)
        self.problems.append(problem(self.language, where, "", code, **values))

    def single(self) -> tuple[bool, Any]:
        """(whether there is a document, its value): one document at most, as ``yaml`` reads."""
        parser = self.parser
        parser.get_event()  # stream start
        found, value = False, None
        if not parser.check_event(StreamEndEvent):
            parser.get_event()  # document start
            root_mark = parser.peek_event().start_mark
            found, (value, _) = True, self.node(1)
            parser.get_event()  # document end
            if not parser.check_event(StreamEndEvent):
                event = parser.get_event()
                raise yaml.composer.ComposerError(
                    "expected a single document in the stream",
                    root_mark,
                    "but found another document",
                    event.start_mark,
                )
        parser.get_event()  # stream end
        return found, value

    def node(self, depth: int) -> tuple[Any, Loc]:
        """The next node's value and where it starts."""
        return self.value(self.parser.get_event(), depth)

    def value(self, event: Any, depth: int) -> tuple[Any, Loc]:
        """The value of the node that starts with ``event``, and where it starts."""
        mark = event.start_mark
        if type(event) is AliasEvent:
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not supported", mark)
        if event.anchor is not None:
            raise yaml.composer.ComposerError(None, None, "anchors (&name) are not supported", mark)
        if depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", mark
            )
        loc = Loc(self.file, mark.line + 1, mark.column + 1)
        if type(event) is ScalarEvent:
            return self.scalar(event, loc), loc
        flow = 1 if event.flow_style else 0
        self.flow += flow
        if type(event) is SequenceStartEvent:
            value: LList | LMap = self.sequence(loc, depth)
        else:
            value = self.mapping(loc, depth)
        self.flow -= flow
        return value, loc

    # One get_event per event, no check_event before it: half the calls into the parser, and
    # the same events in the same order, so an error still stops the parse where it did.
    def sequence(self, loc: Loc, depth: int) -> LList:
        get_event = self.parser.get_event
        result = LList(loc)
        while type(event := get_event()) is not SequenceEndEvent:
            item, item_loc = self.value(event, depth + 1)
            result.append(item)
            result.item_locs.append(item_loc)
        return result

    def mapping(self, loc: Loc, depth: int) -> LMap:
        get_event = self.parser.get_event
        result = LMap(loc)
        while type(event := get_event()) is not MappingEndEvent:
            key, key_loc = self.value(event, depth + 1)
            if isinstance(key, bool) or not isinstance(key, str | int):
                self.problem(key_loc, "key_not_word")
                self.skip(depth + 1)
                continue
            key = str(key)
            if key in result:
                first = result.key_locs[key]
                self.problem(key_loc, "duplicate_key", key=key, line=first.line)
                self.skip(depth + 1)
                continue
            result[key], result.value_locs[key] = self.node(depth + 1)
            result.key_locs[key] = key_loc
        return result

    def skip(self, depth: int) -> None:
        """Read past a value that is not kept; what is wrong inside it is not reported."""
        kept = len(self.problems)
        self.node(depth)
        del self.problems[kept:]

    def scalar(self, event: Any, loc: Loc) -> Any:
        tag, value = event.tag, event.value
        if self.libyaml and not event.style and (not value or (self.flow and "?" in value)):
            # libyaml places some empty values (a null left out) elsewhere than PyYAML, and
            # inside [...] or {...} reads '?' within a plain word where PyYAML refuses it.
            raise _Unsure
        if tag is None or tag == "!":
            tag = _STR_TAG
            if event.implicit[0]:  # plain: no quotes, no tag but '!'
                for candidate, pattern in _IMPLICIT.get(value[:1], ()):
                    if pattern.match(value):
                        tag = candidate
                        break
        if tag not in _KNOWN_TAGS:
            self.problem(loc, "unsupported_tag", tag=tag)
            return str(value)
        if tag == _INT_TAG:
            return int(value) if _INT.match(value) else str(value)
        if tag == _BOOL_TAG:
            return value.lower() == "true" if _BOOL.match(value) else str(value)
        if tag == _NULL_TAG:
            return None
        return str(value)


class _Unsure(Exception):
    """libyaml's reading may differ from PyYAML's here: the pure parser decides."""


_BLOCK_COMMENT = re.compile(r"[|>][-+0-9]*#")


def _libyaml_differs(text: str) -> bool:
    """Whether libyaml may read ``text`` otherwise than PyYAML: it holds a tab (libyaml takes it
    for a space where PyYAML refuses it), a U+FEFF (PyYAML does not count it as a column), or
    a comment right after a block scalar's indicators (|# or >-#: PyYAML wants a space)."""
    if "\t" in text or "\ufeff" in text:
        return True
    # Substring tests are fast; the regular expression only runs where one of them hits.
    hints = ("|#", ">#", "-#", "+#", *(f"{digit}#" for digit in "0123456789"))
    return any(hint in text for hint in hints) and _BLOCK_COMMENT.search(text) is not None


def _build(
    parser: Any, file: str, language: str, *, libyaml: bool = False
) -> tuple[bool, Any, list[Problem]]:
    builder = _Builder(parser, file, libyaml=libyaml, language=language)
    try:
        found, value = builder.single()
    finally:
        parser.dispose()
    return found, value, builder.problems


def _build_fast(
    text: str, file: str, language: str = "nb"
) -> tuple[bool, Any, list[Problem]] | None:
    """Build with libyaml, or None when the pure parser must decide (it reports the errors)."""
    if not HAVE_LIBYAML or _libyaml_differs(text):
        return None
    try:
        return _build(CParser(text), file, language, libyaml=True)
    except (yaml.YAMLError, _Unsure, UnicodeEncodeError):
        # libyaml refuses the characters PyYAML refuses (and a lone surrogate cannot be given
        # to it at all); the pure parser says where.
        return None


_CODES = {
    "aliases": "yaml_alias",
    "anchors": "yaml_anchor",
    "nested deeper": "yaml_too_deep",
}


def _yaml_problem(language: str, where: tuple[str, int, int], detail: str) -> Problem:
    """What the YAML reader (or the builder) said, as one of the loader's problems."""
    for needle, code in _CODES.items():
        if needle in detail:
            return problem(language, where, "", code, limit=MAX_DEPTH)
    code = "yaml_tab" if "'\\t'" in detail or "\t" in detail else "yaml_syntax"
    return problem(language, where, "", code, detail=detail)


def _decode(data: bytes, file: str, language: str) -> tuple[str | None, list[Problem]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        # Count characters, not bytes, as YAML marks and editors do (æøå are two bytes each).
        column = len(before[line_start:].decode("utf-8-sig" if line == 1 else "utf-8")) + 1
        byte = f"{data[exc.start]:02x}"
        return None, [problem(language, (file, line, column), "", "not_utf8", byte=byte)]


def parse_text(text: str, file: str, language: str = "nb") -> tuple[Any, list[Problem]]:
    """Parse YAML text into located values; returns the tree (or None) and the problems,
    worded in ``language``."""
    if len(text) > MAX_BYTES:
        where = (file, 1, 1)
        return None, [
            problem(language, where, "", "text_too_long", length=len(text), limit=MAX_BYTES)
        ]
    built = _build_fast(text, file, language) if USE_LIBYAML else None
    try:
        found, tree, problems = built or _build(_PureParser(text), file, language)
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        where = (file, line, column)
        return None, [problem(language, where, "", "yaml_control_character", char=repr(char))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = exc.problem or exc.context or "the file is not valid YAML"
        return None, [_yaml_problem(language, (file, line, column), detail)]
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(language, (file, 1, 1), str(exc))]
    except RecursionError:
        return None, [_yaml_problem(language, (file, 1, 1), "nested deeper")]
    if not found:
        return None, [problem(language, (file, 1, 1), "", "empty_file")]
    return tree, problems


class _NotRegular(OSError):
    """A device, FIFO or socket where a guide file should be."""


def _read_regular(path: Path) -> bytes:
    """At most ``MAX_BYTES`` + 1 bytes of a regular file. Opened without waiting (a FIFO would
    block the open until a writer came) and checked to be a regular file before reading, so
    /dev/zero cannot fill memory nor a FIFO hang a command."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as stream:
        mode = os.fstat(stream.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise _NotRegular(path)
        return stream.read(MAX_BYTES + 1)


def parse_file(
    path: Path, display: str | None = None, language: str = "nb"
) -> tuple[Any, list[Problem]]:
    """Read and parse a YAML file; a missing, huge or non-UTF-8 file is a problem, not a crash.
    Problems are worded in ``language``."""
    file = display or str(path)
    where = (file, 1, 1)
    try:
        data = _read_regular(path)
    except FileNotFoundError:
        return None, [problem(language, where, "", "file_not_found")]
    except IsADirectoryError:
        return None, [problem(language, where, "", "folder_not_file")]
    except _NotRegular:
        return None, [problem(language, where, "", "not_regular_file")]
    except OSError as exc:
        return None, [problem(language, where, "", "cannot_read", reason=exc.strerror)]
    if len(data) > MAX_BYTES:
        return None, [problem(language, where, "", "file_too_big", limit=MAX_BYTES)]
    text, problems = _decode(data, file, language)
    if text is None:
        return None, problems
    return parse_text(text, file, language)
