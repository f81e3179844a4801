"""The guide site's own words (labels, language names, advice conditions), by language.

The guide's texts come from the workflow; these are the words around them. North Sámi has no
labels yet and is shown with the bokmål ones (marked lang=nb).
"""

from __future__ import annotations

LANGUAGE_NAMES = {
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
    "se": "Davvisámegiella",
    "en": "English",
}
"""Each language's name in that language, for the language switch."""

SITE_LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "skip": "Hopp til hovedinnholdet",
        "site_nav": "Veilederen",
        "lang_nav": "Språk",
        "start": "Forside",
        "principles": "Prinsipper",
        "levels": "De fire nivåene",
        "steps": "{n} steg",
        "diagram": "Fra nivå til nivå",
        "diagram_title": "Nivåene og avgjørelsene mellom dem",
        "diagram_text": "Avgjørelsene som tekst",
        "from_level": "Fra nivå {level}",
        "questions": "Spørsmål å gå gjennom",
        "advice": "Råd",
        "tools": "Verktøy",
        "outcomes": "Mulige avgjørelser",
        "goes_to": "går til",
        "level_word": "nivå",
        "evaluation": "Evaluering bør skje innen {limit} etter møtet der tiltakene avtales.",
        "previous": "Forrige",
        "next": "Neste",
        "pages": "Sider",
        "file_note": "fil",
        "footer": "{title}, versjon {version}. Laget med btiflow fra den samme fila som styrer "
        "saksbehandlingen.",
        "choose": "Velg språk",
        "when": "Når",
    },
    "nn": {
        "skip": "Hopp til hovudinnhaldet",
        "site_nav": "Rettleiaren",
        "lang_nav": "Språk",
        "start": "Framside",
        "principles": "Prinsipp",
        "levels": "Dei fire nivåa",
        "steps": "{n} steg",
        "diagram": "Frå nivå til nivå",
        "diagram_title": "Nivåa og avgjerdene mellom dei",
        "diagram_text": "Avgjerdene som tekst",
        "from_level": "Frå nivå {level}",
        "questions": "Spørsmål å gå gjennom",
        "advice": "Råd",
        "tools": "Verktøy",
        "outcomes": "Moglege avgjerder",
        "goes_to": "går til",
        "level_word": "nivå",
        "evaluation": "Evaluering bør skje innan {limit} etter møtet der tiltaka blir avtalte.",
        "previous": "Førre",
        "next": "Neste",
        "pages": "Sider",
        "file_note": "fil",
        "footer": "{title}, versjon {version}. Laga med btiflow frå den same fila som styrer "
        "sakshandsaminga.",
        "choose": "Vel språk",
        "when": "Når",
    },
    "en": {
        "skip": "Skip to main content",
        "site_nav": "The guide",
        "lang_nav": "Language",
        "start": "Start",
        "principles": "Principles",
        "levels": "The four levels",
        "steps": "{n} steps",
        "diagram": "From level to level",
        "diagram_title": "The levels and the decisions between them",
        "diagram_text": "The decisions as text",
        "from_level": "From level {level}",
        "questions": "Questions to go through",
        "advice": "Advice",
        "tools": "Tools",
        "outcomes": "Possible decisions",
        "goes_to": "goes to",
        "level_word": "level",
        "evaluation": "Evaluate within {limit} of the meeting that agrees the measures.",
        "previous": "Previous",
        "next": "Next",
        "pages": "Pages",
        "file_note": "file",
        "footer": "{title}, version {version}. Made with btiflow from the same file that runs "
        "the case work.",
        "choose": "Choose a language",
        "when": "When",
    },
}
"""The words around the guide's own texts; North Sámi is shown with the bokmål ones (lang=nb)."""

WHEN_TEXTS: dict[str, dict[str, str]] = {
    "suspected_harm": {
        "nb": "bekymringen gjelder mulig vold, seksuelle overgrep eller omsorgssvikt",
        "nn": "uroa gjeld mogleg vald, seksuelle overgrep eller omsorgssvikt",
        "en": "the concern is about possible violence, sexual abuse or neglect",
    },
}
"""Conditions on advice in plain words; others show the registry's English description."""


__all__ = ["LANGUAGE_NAMES", "SITE_LABELS", "WHEN_TEXTS"]
