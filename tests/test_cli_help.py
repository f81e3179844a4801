"""The command line's help and click's own words speak the user's language (issue 13).

Help texts are catalogue keys (area ``clihelp``) worded when shown; click's words ("Usage:",
"Missing argument"...) come from gettext translations bound only while the command line runs.
That no English word or code word is left in a Norwegian help page: test_norwegian_only.py.
"""

from __future__ import annotations

import ast
import gettext
import string
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.cli.clickwords import translation
from btiflow.cli.helptext import AREA
from btiflow.words import has

NO_LOCALE = {"LANG": "C.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={**NO_LOCALE, **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def _every_command(group: click.Group) -> list[click.Command]:
    found: list[click.Command] = [group]
    for command in group.commands.values():
        found += _every_command(command) if isinstance(command, click.Group) else [command]
    return found


def test_every_help_text_and_metavar_is_a_catalogue_key() -> None:
    """No English in the modules: each command, option and metavar names a catalogue text (nn
    and en are complete wherever nb is: test_words.py)."""
    named = []
    for command in _every_command(main):
        named.append(command.help)
        for param in command.params:
            if isinstance(param, click.Option):
                named.append(param.help)
            if param.metavar is not None or isinstance(param, click.Argument):
                named.append(param.metavar)
    assert named
    assert [text for text in named if not (text and text.startswith(AREA))] == []
    assert [key for key in named if key and not has("nb", key)] == []


def test_help_follows_lang_then_the_environment_then_bokmal() -> None:
    nb = _run("cases", "--help")[1]
    assert nb.startswith("Bruk: main cases [VALG] DB\n")
    assert "\nValg:\n" in nb
    assert "Vis denne hjelpen og avslutt." in nb
    assert "Bare åpne eller bare avsluttede saker." in nb
    nn = _run("--lang", "nn", "cases", "--help")[1]
    assert nn.startswith("Bruk: main cases [VAL] DB\n")
    assert "Vis denne hjelpa og avslutt." in nn
    en = _run("--lang", "en", "cases", "--help")[1]
    assert en.startswith("Usage: main cases [OPTIONS] DB\n")
    assert "\nOptions:\n" in en
    assert "Show this message and exit." in en
    assert "Only open or only closed cases." in en
    assert _run("cases", "--help", env={"LANG": "nn_NO.UTF-8"})[1] == nn
    assert _run("cases", "--help", env={"LANGUAGE": "en"})[1] == en


def test_main_help_follows_lang_given_before_help() -> None:
    """--lang is eager: given before --help it words the group's own help too."""
    code, nn = _run("--lang", "nn", "--help")
    assert code == 0
    assert nn.startswith("Bruk: main [VAL] KOMMANDO [ARGUMENT]...\n")
    assert "\nKommandoar:\n" in nn
    assert "btiflow: ein kommunes BTI-handlingsrettleiar" in nn
    assert "\nCommands:\n" in _run("--lang", "en", "--help")[1]
    assert "\nKommandoer:\n" in _run("--help")[1]


def test_metavars_and_defaults_are_worded() -> None:
    nb = _run("archive", "--help")[1]
    assert nb.startswith("Bruk: main archive [VALG] DB [SAK]\n")
    assert "--closed-before DATO" in nb
    assert "[standard: BTI=stafettlogg]" in " ".join(nb.split())
    en = _run("--lang", "en", "archive", "--help")[1]
    assert en.startswith("Usage: main archive [OPTIONS] DB [CASE]\n")
    assert "[default: BTI=stafettlogg]" in " ".join(en.split())
    webhooks = _run("--lang", "nn", "webhooks", "send", "--help")[1]
    assert webhooks.startswith("Bruk: main webhooks send [VAL] DB\n")
    assert "--every SEKUND" in webhooks


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["log"], "Feil: Mangler argumentet 'DB'."),
        (["log", "x"], "Feil: Mangler argumentet 'SAK'."),
        (["log", "--bogus"], "Feil: Ukjent valg: --bogus"),
        (["--lang", "nn", "log"], "Feil: Manglar argumentet 'DB'."),
        (["--lang", "nn", "cases", "x", "--status", "x"], "Feil: Ugyldig verdi for '--status':"),
        (["--bogus"], "Feil: Ukjent valg: --bogus"),
        (["finnes-ikke"], "Feil: Ukjent kommando: finnes-ikke"),
        (["--lang", "en", "log"], "Error: Missing argument 'DB'."),
        (["--lang", "en", "log", "--bogus"], "Error: No such option"),
    ],
)
def test_a_misuse_is_said_in_the_users_language_with_exit_code_2(
    args: list[str], expected: str
) -> None:
    code, output = _run(*args)
    assert code == 2
    assert expected in output
    if "en" not in args:
        assert "Bruk: main" in output
        assert "«main" in output  # Prøv «main log --help» for hjelp.
        assert not any(word in output for word in ("Usage", "Error", "Missing", "Try", "such"))


def test_shell_completion_offers_worded_help() -> None:
    """Completion (docs/cli.md) still works, and the help it shows is worded, not a key."""
    env = {"_MAIN_COMPLETE": "zsh_complete", "COMP_WORDS": "main ca", "COMP_CWORD": "1"}
    output = _run(env=env)[1]
    assert "cases\nFinn saker i DB" in output
    env = {**env, "COMP_WORDS": "main --lang nn cases --st", "COMP_CWORD": "4"}
    assert "--status\nBerre opne eller berre avslutta saker." in _run(env=env)[1]
    assert "_main_completion" in _run(env={"_MAIN_COMPLETE": "bash_source"})[1]


def test_click_words_are_bound_only_while_the_command_line_runs() -> None:
    """Importing btiflow (or its command line) changes nothing in click; a run gives back the
    standard library's gettext when it ends."""
    import click.core
    import click.exceptions

    def stdlib() -> bool:
        return (
            vars(click.core)["_"] is gettext.gettext
            and vars(click.exceptions)["ngettext"] is gettext.ngettext
        )

    assert stdlib()
    _run("log")
    assert stdlib()


def _click_messages() -> set[tuple[str, ...]]:
    """Every message click words through gettext: the literal arguments of ``_()`` and
    ``ngettext()`` in its source, and "required" (which it words from a variable)."""
    found: set[tuple[str, ...]] = {("required",)}
    for source in sorted(Path(click.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext")
                and node.args
                and all(isinstance(a, ast.Constant) for a in node.args[:2])
            ):
                count = 1 if node.func.id == "_" else 2
                found.add(tuple(str(a.value) for a in node.args[:count]))  # type: ignore[attr-defined]
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_message_click_words_is_translated(language: str) -> None:
    """click's messages (of the installed click) in bokmål and nynorsk, naming no value the
    message does not give."""
    words = translation(language)
    catalog = words._catalog  # type: ignore[attr-defined]
    messages = _click_messages()
    assert len(messages) > 40
    for message in messages:
        if len(message) == 1:
            assert message[0] in catalog, (language, message)
            texts = [words.gettext(message[0])]
        else:
            assert (message[0], 0) in catalog, (language, message)
            texts = [words.ngettext(message[0], message[1], n) for n in (1, 2)]
        for text in texts:
            assert _fields(text) <= _fields(" ".join(message)), (language, message, text)


def test_north_sami_reads_clicks_words_in_bokmal_and_english_its_own() -> None:
    assert translation("se").gettext("Usage:") == "Bruk:"
    assert translation("en").gettext("Usage:") == "Usage:"
