"""Which language the command line speaks: ``--lang``, then the environment, then the guide.

The environment counts only when it names a language btiflow speaks (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG`` in POSIX order; ``nb_NO.UTF-8``, ``nn``, ``no``, ``se``, ``en_GB``...);
``C``/``POSIX`` or a language btiflow lacks fall through to the guide's first language, so a
server's bare locale never turns a Norwegian guide's output English.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

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
