"""The compiled message catalogues, looked up by key, with North Sámi falling back to bokmål.

Each language's ``.mo`` files (one per area: refusals, timeline, mail, site...) are read with
the standard library's gettext reader, each once and only when needed: a key whose first dotted
part names its area's file (``cli.wrote`` in ``cli.mo``, ``clihelp.*`` in ``clihelp.mo``) reads
that file alone, any other key the language's whole catalogue. Areas keep their own files so they
can be edited apart, and a key belongs to exactly one of them.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

LANGUAGES = ("nb", "nn", "se", "en")
"""The languages btiflow speaks: bokmål, nynorsk, North Sámi (partly), English (developers)."""

_FALLBACK = {"nb": (), "nn": ("nb",), "se": ("nb",), "en": ()}


@attrs.frozen
class Said:
    """A text and the language it is really in (``nb`` when a North Sámi text is missing)."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text


def language_of(language: str | None) -> str:
    """The catalogue language for a guide's or user's language tag (``nb-NO`` → ``nb``).

    ``no`` is read as bokmål; anything btiflow does not speak reads bokmål.
    """
    tag = (language or "nb").replace("_", "-").split("-")[0].lower()
    if tag == "no":
        return "nb"
    return tag if tag in LANGUAGES else "nb"


@functools.cache
def _locale() -> Traversable:
    """The folder of the catalogue's files: beside this module in an installed or checked-out
    package (read without importing ``importlib.resources``, which costs a command's start-up
    more than the texts do), else through ``importlib.resources`` (a zip, say)."""
    here = Path(__file__).with_name("locale")
    if here.is_dir():
        return here
    from importlib import resources

    return resources.files("btiflow.words").joinpath("locale")


@functools.cache
def _area(language: str, area: str) -> dict[str, str]:
    """The texts of one area's file (empty when the language has no such file)."""
    item = _locale().joinpath(language, f"{area}.mo")
    if not item.is_file():
        return {}
    with item.open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in catalog.items() if isinstance(k, str) and k}


@functools.cache
def _catalogue(language: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    folder = _locale().joinpath(language)
    if not folder.is_dir():
        return texts
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".mo"):
            texts.update(_area(language, item.name.removesuffix(".mo")))
    return texts


def _text(language: str, key: str) -> str | None:
    """The text for ``key`` in ``language`` itself: from the file its first part names when
    that holds it, else from the whole catalogue."""
    text = _area(language, key.partition(".")[0]).get(key)
    return text if text is not None else _catalogue(language).get(key)


def said(language: str | None, key: str, /, **values: object) -> Said:
    """The text for ``key`` in ``language`` (or its fallback), with ``values`` filled in.

    Raises ``KeyError`` for a key no catalogue holds: that is a bug, and the catalogue tests
    find every key the code names.
    """
    lang = language_of(language)
    for candidate in (lang, *_FALLBACK[lang]):
        template = _text(candidate, key)
        if template is not None:
            return Said(template.format(**values) if values else template, candidate)
    raise KeyError(f"no text for {key!r} in the catalogue")


def say(language: str | None, key: str, /, **values: object) -> str:
    """The text for ``key`` in ``language``, with ``values`` filled in (see :func:`said`)."""
    return said(language, key, **values).text


def has(language: str | None, key: str) -> bool:
    """Whether ``language`` itself (no fallback) has a text for ``key``."""
    return key in _catalogue(language_of(language))


def keys(language: str = "nb") -> frozenset[str]:
    """Every key the language's catalogue holds (bokmål holds them all)."""
    return frozenset(_catalogue(language_of(language)))


def coverage() -> dict[str, tuple[int, int]]:
    """Per language: how many of bokmål's keys it translates, and how many there are."""
    every = keys("nb")
    return {lang: (len(every & keys(lang)), len(every)) for lang in LANGUAGES}
