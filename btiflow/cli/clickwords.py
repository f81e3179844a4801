"""click's own words ("Usage:", "Error:", "Missing argument"...) in the command line's language.

click words its messages with the standard library's gettext: each of its modules does
``from gettext import gettext as _`` (and ``ngettext``). btiflow ships translations of those
messages (gettext domain ``click``: ``btiflow/words/locale/<lang>/LC_MESSAGES/click.po``,
bokmål and nynorsk; North Sámi reads bokmål, English is click's own). :func:`bound` gives click's
modules translating functions for as long as the command line runs, then gives back the
standard library's: only ``btiflow``'s entry point binds them, never ``import btiflow``, and a
program that uses click itself is untouched outside it. The language is the one the command
line speaks at the moment a message is worded (:func:`btiflow.cli.language.spoken`).

Only click's modules loaded when the command line starts are bound (every one that words help,
usage and errors); those click loads later keep its English: shell completion's message about
a Bash older than 4.4, and the progress bar and editor, which btiflow does not use.
"""

from __future__ import annotations

import functools
import gettext
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from btiflow.cli.language import spoken

DOMAIN = "click"
LOCALE = Path(__file__).resolve().parent.parent / "words" / "locale"


@functools.cache
def translation(language: str) -> gettext.NullTranslations:
    """click's words in ``language`` (North Sámi: bokmål; English and others: click's own)."""
    languages = ["nb"] if language == "se" else [language]
    return gettext.translation(DOMAIN, LOCALE, languages=languages, fallback=True)


def _gettext(message: str) -> str:
    return translation(spoken()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translation(spoken()).ngettext(singular, plural, n)


@contextmanager
def bound() -> Iterator[None]:
    """click's modules word their messages through btiflow's translations inside the block."""
    ours = {"_": (gettext.gettext, _gettext), "ngettext": (gettext.ngettext, _ngettext)}
    swapped = []
    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        for attribute, (stdlib, mine) in ours.items():
            if getattr(module, attribute, None) is stdlib:
                setattr(module, attribute, mine)
                swapped.append((module, attribute, stdlib))
    try:
        yield
    finally:
        for module, attribute, stdlib in swapped:
            setattr(module, attribute, stdlib)
