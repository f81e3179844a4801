"""The text catalogue's coverage: words."""

from __future__ import annotations

import click

from btiflow.cli.group import _say, main


@main.command("words", help="clihelp.command.words")
def words_command() -> None:
    from btiflow.words import coverage

    for language, (done, total) in coverage().items():
        percent = round(100 * done / total) if total else 100
        text = _say(
            "cli.words.coverage", language=language, done=done, total=total, percent=percent
        )
        click.echo(text)
