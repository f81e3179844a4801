"""A municipality's branding: its name, logo and colours, from a small theme file.

The theme is kept apart from the guide on purpose: the guide's content hash pins what a case was
worked under, and a new logo or colour must not make a new guide version. A theme file::

    name: Nordvik kommune            # shown in every page's header
    logo: nordvik-logo.svg           # beside the theme file; svg, png or jpg
    colours:                         # #rrggbb; each text colour is checked against its
      primary: "#00556e"             #   background for WCAG AA contrast (4.5:1)
      on_primary: "#ffffff"
      link: "#00556e"
    templates: maler                 # optional: a folder of templates overriding the shipped

Problems are located (``file:line:column``), carry a stable ``Problem.code`` (``not_text``,
``unknown_colour``, ``contrast``...: the catalogue key ``theme.<code>``) and are worded in the
catalogue in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import attrs

from btiflow.errors import Problem, WorkflowError
from btiflow.words import say
from btiflow.workflow.yamlsource import LMap, Loc, parse_file

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}
_LOGO_TYPES[".jpeg"] = "image/jpeg"

DEFAULT_COLOURS: Mapping[str, str] = {
    "primary": "#0a4a85",
    "on_primary": "#ffffff",
    "link": "#0a4a85",
    "ink": "#1b1b1b",
    "paper": "#ffffff",
}
"""The shipped colours (those of the plain site); a theme overrides any of them."""

# each text colour and the background it is read on
_PAIRS = (("on_primary", "primary"), ("link", "paper"), ("ink", "paper"))


@attrs.frozen
class Theme:
    """Name, logo and colours a municipality puts on its pages (see the module docstring)."""

    name: str | None = None
    logo: Path | None = None
    colours: Mapping[str, str] = attrs.field(factory=lambda: dict(DEFAULT_COLOURS))
    templates: Path | None = None

    @property
    def logo_type(self) -> str | None:
        """The logo's media type, or None without a logo."""
        return _LOGO_TYPES[self.logo.suffix.lower()] if self.logo else None

    def css(self) -> str:
        """The colours as CSS custom properties, for the top of a stylesheet."""
        props = " ".join(f"--{k.replace('_', '-')}: {v};" for k, v in sorted(self.colours.items()))
        return f":root {{ {props} }}\n"


PLAIN = Theme()
"""No branding: the shipped look."""


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


class _Reader:
    def __init__(self, path: Path, language: str) -> None:
        self.path = path
        self.language = language
        self.problems: list[Problem] = []

    def problem(self, loc: Loc, code: str, **values: object) -> None:
        message = say(self.language, f"theme.{code}", **values)
        hint = say(self.language, f"theme.{code}.hint", **values)
        self.problems.append(Problem(loc.file, loc.line, loc.column, "", message, hint, code))

    def text(self, tree: LMap, key: str) -> str | None:
        value = tree.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(tree.value_locs[key], "not_text", key=key)
            return None
        return value.strip()

    def file(self, tree: LMap, key: str, *, folder: bool) -> Path | None:
        name = self.text(tree, key)
        if name is None:
            return None
        found = (self.path.parent / name).resolve()
        if folder and not found.is_dir():
            self.problem(tree.value_locs[key], "no_folder", name=name)
            return None
        if not folder and not found.is_file():
            self.problem(tree.value_locs[key], "no_file", name=name)
            return None
        if not folder and found.suffix.lower() not in _LOGO_TYPES:
            self.problem(tree.value_locs[key], "logo_type", name=name)
            return None
        return found

    def colours(self, tree: LMap) -> dict[str, str]:
        colours = dict(DEFAULT_COLOURS)
        given = tree.get("colours")
        if given is None:
            return colours
        if not isinstance(given, LMap):
            self.problem(tree.value_locs["colours"], "not_mapping", key="colours")
            return colours
        for name, value in given.items():
            if name not in DEFAULT_COLOURS:
                known = ", ".join(DEFAULT_COLOURS)
                self.problem(given.key_locs[name], "unknown_colour", name=name, known=known)
            elif not isinstance(value, str) or not _HEX.match(value):
                self.problem(given.value_locs[name], "not_colour", name=name)
            else:
                colours[name] = value.lower()
        for text, background in _PAIRS:
            ratio = contrast(colours[text], colours[background])
            if ratio < 4.5:
                where = given.loc
                self.problem(where, "contrast", text=text, background=background, ratio=ratio)
        return colours


_KEYS = ("name", "logo", "colours", "templates")


def load_theme(path: str | Path, language: str = "nb") -> Theme:
    """Read a theme file; raises ``WorkflowError`` listing every problem, located."""
    path = Path(path)
    tree, problems = parse_file(path)
    reader = _Reader(path, language)
    reader.problems.extend(problems)
    if tree is not None and not isinstance(tree, LMap):
        reader.problem(Loc(str(path), 1, 1), "not_mapping", key=path.name)
    if reader.problems or not isinstance(tree, LMap):
        raise WorkflowError(reader.problems)
    for key in tree:
        if key not in _KEYS:
            reader.problem(tree.key_locs[key], "unknown_key", key=key, known=", ".join(_KEYS))
    theme = Theme(
        name=reader.text(tree, "name"),
        logo=reader.file(tree, "logo", folder=False),
        colours=reader.colours(tree),
        templates=reader.file(tree, "templates", folder=True),
    )
    if reader.problems:
        raise WorkflowError(reader.problems)
    return theme


def theme_of(value: Theme | str | Path | None, language: str = "nb") -> Theme:
    """A theme from a Theme, a theme file's path, or None (the plain look)."""
    if value is None:
        return PLAIN
    if isinstance(value, Theme):
        return value
    return load_theme(value, language)
