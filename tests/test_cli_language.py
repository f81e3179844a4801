"""The command line's language: --lang, then LANGUAGE/LC_ALL/LC_MESSAGES/LANG, then the guide."""

from __future__ import annotations

import pytest

from btiflow.cli.language import cli_language, from_environment


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "nb_NO.UTF-8"}, "nb"),
        ({"LANG": "nn_NO.UTF-8"}, "nn"),
        ({"LANG": "no_NO"}, "nb"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "de_DE.UTF-8"}, None),
        ({"LC_MESSAGES": "nn_NO.UTF-8", "LANG": "en_GB.UTF-8"}, "nn"),
        ({"LC_ALL": "C", "LANG": "nn_NO.UTF-8"}, None),
        ({"LANGUAGE": "se:nb", "LANG": "en_GB.UTF-8"}, "se"),
        ({"LANGUAGE": "sv:nn", "LANG": "en_GB.UTF-8"}, "nn"),
        ({}, None),
    ],
)
def test_the_environment_counts_when_it_names_a_language_btiflow_speaks(
    environ: dict[str, str], expected: str | None
) -> None:
    assert from_environment(environ) == expected


def test_lang_wins_then_environment_then_guide() -> None:
    assert cli_language("en", "nn", {"LANG": "nb_NO.UTF-8"}) == "en"
    assert cli_language(None, "nn", {"LANG": "nb_NO.UTF-8"}) == "nb"
    assert cli_language(None, "nn", {"LANG": "C.UTF-8"}) == "nn"
    assert cli_language(None, None, {}) == "nb"
