"""The loader's problems in words: each has a stable code, and its message and hint come from
the text catalogue (area ``loader``) in the language of the person who reads them.

A guide editor reads bokmål by default (``nn`` for nynorsk, ``en`` for developers); a program
tells problems apart by ``Problem.code``, never by the words. The tables of every problem in
docs/workflow-format.md are made here (:func:`tables`), so the docs cannot drift from the code.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from btiflow.errors import Problem
from btiflow.words import has, keys, say

# The sections of docs/workflow-format.md "Every error message", each with its codes in order.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Reading the file",
        (
            "file_not_found",
            "folder_not_file",
            "cannot_read",
            "file_too_big",
            "not_regular_file",
            "path_not_file_name",
            "text_too_long",
            "lone_surrogate",
            "not_utf8",
            "empty_file",
            "yaml_control_character",
            "yaml_tab",
            "yaml_syntax",
            "yaml_anchor",
            "yaml_alias",
            "yaml_too_deep",
            "duplicate_key",
            "key_not_word",
            "unsupported_tag",
        ),
    ),
    (
        "`extends`",
        (
            "extends_empty",
            "extends_not_found",
            "extends_outside",
            "extends_not_yaml",
            "extends_circle",
            "extends_not_workflow",
            "overlay_missing_key",
            "remove_unknown",
            "remove_not_true",
            "after_unknown",
            "not_movable",
            "given_twice",
            "add_not_list",
            "overlay_key_without_extends",
        ),
    ),
    (
        "Keys and values",
        (
            "not_a_workflow",
            "unknown_format",
            "unknown_key",
            "unknown_top_key",
            "missing_key",
            "missing_top_key",
            "expected_mapping",
            "expected_list",
            "expected_text",
            "empty_text",
            "unknown_language",
            "expected_language_text",
            "text_without_language",
            "expected_str",
            "expected_id",
            "expected_number",
            "out_of_range",
            "not_allowed",
            "expected_duration",
            "expected_period",
            "duration_in_months",
            "expected_url",
            "expected_file",
        ),
    ),
    (
        "The guide as a whole",
        (
            "language_twice",
            "no_language",
            "missing_translation",
            "inherited_missing_translation",
            "levels_missing",
            "levels_out_of_order",
            "level_without_steps",
            "id_twice",
            "tool_url_or_file",
            "outcome_twice",
            "to_without_expand",
            "step_without_continue",
            "continue_without_step",
            "continue_unknown_step",
            "expand_without_levels",
            "expand_downward",
            "no_such_level",
            "unreachable_step",
            "step_never_closes",
        ),
    ),
    ("Should never be seen", ("cannot_build", "could_not_load")),
)


def codes() -> tuple[str, ...]:
    """Every loader problem code the catalogue words (``loader.<code>``), sorted."""
    found = {k.split(".")[1] for k in keys("nb") if k.startswith("loader.") and k.count(".") == 1}
    return tuple(sorted(found))


def problem(
    language: str,
    where: tuple[str, int, int],
    path: str,
    code: str,
    /,
    *,
    hint: str | None = None,
    **values: Any,
) -> Problem:
    """The problem ``code`` at ``where`` (file, line, column), worded in ``language``.

    ``hint`` replaces the catalogue's hint where the code makes one (a suggestion of the closest
    word); ``values`` fill the message's and the hint's placeholders.
    """
    key = f"loader.{code}"
    message = say(language, key, **values)
    if hint is None:
        hint = say(language, f"{key}.hint", **values) if has("nb", f"{key}.hint") else ""
    file, line, column = where
    return Problem(file, line, column, path, message, hint, code)


def quoted(language: str, word: str) -> str:
    """``word`` in the language's quotation marks: 'x' in English, «x» in Norwegian."""
    return say(language, "loader.part.quoted", word=word)


def _shown(text: str) -> str:
    """A text as a message quotes it: control characters and line breaks made visible."""
    return repr(text)[1:-1]


def describe(value: Any, language: str) -> str:
    """What was found where something else was expected: "the text 'x'", "a list", ..."""
    if isinstance(value, dict):
        return say(language, "loader.part.found.mapping")
    if isinstance(value, list):
        return say(language, "loader.part.found.list")
    if isinstance(value, bool):
        return say(language, "loader.part.found.yes_no", value=str(value).lower())
    if isinstance(value, int):
        return say(language, "loader.part.found.number", value=value)
    if value is None:
        return say(language, "loader.part.found.nothing")
    if len(value) > 60:
        return say(
            language, "loader.part.found.long_text", text=_shown(value[:50]), length=len(value)
        )
    return say(language, "loader.part.found.text", text=_shown(value))


# Language codes people write for the ones the format knows: similarity cannot find these (two
# letters share too little), so they are named outright, with the language's name.
_LANGUAGE_MIXUPS: dict[str, tuple[str, ...]] = {
    "no": ("nb", "nn"),
    "nob": ("nb",),
    "nno": ("nn",),
    "sme": ("se",),
    "eng": ("en",),
}


def suggest(word: str, allowed: Sequence[str], language: str) -> str:
    """A hint naming the closest allowed word, then all allowed words."""
    listing = say(language, "loader.part.allowed", words=", ".join(allowed))
    mixup = _LANGUAGE_MIXUPS.get(word.lower(), ())
    if mixup and all(code in allowed for code in mixup):
        named = [f"{code} ({say(language, f'loader.part.language.{code}')})" for code in mixup]
        both = named[0]
        if len(named) == 2:
            both = say(language, "loader.part.or", first=named[0], second=named[1])
        return say(language, "loader.part.did_you_mean", word=both, allowed=listing)
    import difflib  # here: only a guide with a mistake needs it

    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    if not close:
        return listing
    return say(
        language, "loader.part.did_you_mean", word=quoted(language, close[0]), allowed=listing
    )


def what_key_holds(name: str, language: str) -> str:
    """What a required key holds, for the hint "add <key>: <what>"."""
    key = f"loader.part.key.{name}"
    return say(language, key if has("nb", key) else "loader.part.key.other")


def _cell(text: str, *, code: bool) -> str:
    """A text for a Markdown table cell: ``{name}`` shown as ``<name>``, ``|`` escaped; in
    backticks (``code``) or with ``<`` escaped, so no placeholder reads as HTML."""
    shown = "".join(
        literal + (f"<{field}>" if field is not None else "")
        for literal, field, _, _ in string.Formatter().parse(text)
    ).replace("|", "\\|")
    if not shown:
        return ""
    return f"`{shown}`" if code else shown.replace("<", "\\<")


def tables(language: str = "nb") -> str:
    """The Markdown tables of every loader problem (code, message, hint) by section, as in
    docs/workflow-format.md; a test holds the docs equal to this."""
    out: list[str] = []
    for title, section in SECTIONS:
        out += [f"### {title}", "", "| code | message | hint |", "|---|---|---|"]
        for code in section:
            key = f"loader.{code}"
            hint = say(language, f"{key}.hint") if has("nb", f"{key}.hint") else ""
            cells = [f"`{code}`", _cell(say(language, key), code=True), _cell(hint, code=False)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


BEGIN = "<!-- generated by python -m btiflow.workflow.problems: do not edit by hand -->"
END = "<!-- end of generated section -->"
FORMAT_DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow-format.md"


def documented(doc: str) -> str:
    """The generated part of ``doc`` (the text between ``BEGIN`` and ``END``)."""
    start = doc.index(BEGIN) + len(BEGIN)
    return doc[start : doc.index(END, start)].strip("\n") + "\n"


def main() -> int:
    """Rewrite the tables in docs/workflow-format.md from the catalogue."""
    doc = FORMAT_DOC.read_text(encoding="utf-8")
    start = doc.index(BEGIN) + len(BEGIN)
    end = doc.index(END, start)
    FORMAT_DOC.write_text(doc[:start] + "\n\n" + tables() + "\n" + doc[end:], encoding="utf-8")
    print(f"wrote {FORMAT_DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
