"""The text catalogue's coverage: words."""

from __future__ import annotations

import click

from btiflow.cli.group import _say, main


@main.command("words")
def words_command() -> None:
    """Print how much of the text catalogue each language covers.

    Each line is a language and how many of bokmål's texts it has, e.g. "nb 412/412 (100 %)".
    Bokmål holds every text; nynorsk and English are complete (a test fails otherwise); North
    Sámi holds the texts that are certain, and the rest is shown in bokmål.
    """
    from btiflow.words import coverage

    for language, (done, total) in coverage().items():
        percent = round(100 * done / total) if total else 100
        text = _say(
            "cli.words.coverage", language=language, done=done, total=total, percent=percent
        )
        click.echo(text)
