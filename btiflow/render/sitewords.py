"""The name of each language in that language (endonyms), for the guide site's language switch.

They are data, not translations: "Davvisámegiella" is North Sámi's own name on every page. The
site's other words are in the catalogue (``site.*``, ``btiflow.words``).
"""

from __future__ import annotations

LANGUAGE_NAMES = {
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
    "se": "Davvisámegiella",
    "en": "English",
}
"""Each language's name in that language, for the language switch."""


__all__ = ["LANGUAGE_NAMES"]
