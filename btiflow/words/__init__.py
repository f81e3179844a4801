"""Every word btiflow shows a person, from one catalogue: bokmål, nynorsk, North Sámi, English.

The texts live in gettext message catalogues (``btiflow/words/locale/<lang>/<area>.po``, compiled
to ``.mo`` beside them and shipped in the wheel); code names a text by a stable key such as
``refusal.case_closed`` and never holds the words itself. Bokmål and nynorsk are complete (a test
fails otherwise); North Sámi holds what is certain and falls back to bokmål, and :func:`said`
tells which language a text really came in, so a page can mark it ``lang="nb"``. English is for
developers (``--lang en``).

Dates, times and durations are worded by :mod:`btiflow.words.dates`, in one style.
"""

from __future__ import annotations

from btiflow.words.catalogue import (
    LANGUAGES,
    Said,
    coverage,
    has,
    keys,
    language_of,
    said,
    say,
)

__all__ = ["LANGUAGES", "Said", "coverage", "has", "keys", "language_of", "said", "say"]
