"""Which language the command line speaks: ``--lang``, then the environment, then the guide.

The environment counts only when it names a language btiflow speaks (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG`` in POSIX order; ``nb_NO.UTF-8``, ``nn``, ``no``, ``se``, ``en_GB``...);
``C``/``POSIX`` or a language btiflow lacks fall through to the guide's first language, so a
server's bare locale never turns a Norwegian guide's output English.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from btiflow.words import LANGUAGES

_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the environment asks for, if btiflow speaks it."""
    env = os.environ if environ is None else environ
    for name in _ENVIRONMENT:
        value = env.get(name, "")
        # LANGUAGE may list several, "nn:nb"; each a locale name "nb_NO.UTF-8"
        for item in value.split(":"):
            tag = item.split(".")[0].split("@")[0].replace("_", "-").split("-")[0].lower()
            if tag == "no":
                tag = "nb"
            if tag in LANGUAGES:
                return tag
        if value and name != "LANGUAGE":
            return None  # the first set locale decides, as POSIX says
    return None


def cli_language(
    asked: str | None, guide: str | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """``--lang`` if given, else the environment's language, else the guide's, else bokmål."""
    if asked:
        return asked
    return from_environment(environ) or guide or "nb"


_SPEAKING: ContextVar[str | None] = ContextVar("btiflow_cli_speaking", default=None)

GUIDE = "btiflow.guide_language"
"""``click.Context.meta`` key: the language of the guide the command acts on."""


def spoken(guide: str | None = None) -> str:
    """The language the command line speaks now: the ``--lang`` given to ``btiflow``, else the
    environment's, else the guide's (``guide``, or the one the command acts on), else bokmål.

    Read from click's current context, so it holds while arguments are parsed (``--lang`` is
    eager: ``btiflow --lang nn --help`` is nynorsk), while a command runs, and while help and
    errors are worded; with no context (an error before any) it is the environment's, or bokmål.
    Inside :func:`speaking` it is the language that names.
    """
    import click

    if (named := _SPEAKING.get()) is not None:
        return named
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return cli_language(None, guide)
    asked = ctx.find_root().params.get("lang")
    return cli_language(asked if isinstance(asked, str) else None, guide or ctx.meta.get(GUIDE))


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """The command line speaks ``language`` inside the block: an error shown after its command
    ended is worded in the language the command spoke."""
    token = _SPEAKING.set(language)
    try:
        yield
    finally:
        _SPEAKING.reset(token)
