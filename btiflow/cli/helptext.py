"""The command line's help in the user's language: commands and options carry catalogue keys.

A command's ``help``, an option's ``help`` and a parameter's ``metavar`` hold a key of the
catalogue's ``clihelp`` area (``clihelp.command.validate``, ``clihelp.option.validate.lang``,
``clihelp.metavar.file``), never English; the classes here word them when help is shown, a usage
line or error is written, or the shell completes, in the language the command line speaks then
(:func:`btiflow.cli.language.spoken`). Use :func:`option` and :func:`argument` instead of
click's; the group makes its commands :class:`WordedCommand`. click's own words ("Usage:",
"Options:", "Missing argument"...) are :mod:`btiflow.cli.clickwords`'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from btiflow.cli.language import spoken
from btiflow.words import has, say

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

AREA = "clihelp."
"""The first part of every key the command line's help names."""

_F = TypeVar("_F", bound=Callable[..., Any])


def _is_key(text: str | None) -> bool:
    return text is not None and text.startswith(AREA)


def worded(text: str) -> str:
    """``text`` in the command line's language if it is a catalogue key; else as it is."""
    return say(spoken(), text) if _is_key(text) else text


class WordedOption(click.Option):
    """An option whose help and metavar are catalogue keys, worded when shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None or self.help is None or not _is_key(self.help):
            return record
        spec, text = record
        return spec, text.replace(self.help, worded(self.help), 1)  # click's extras kept

    def make_metavar(self, ctx: click.Context) -> str:
        if self.metavar is not None:
            return worded(self.metavar)
        type_key = f"{AREA}type.{self.type.name.replace(' ', '_')}"
        if self.type.get_metavar(param=self, ctx=ctx) is None and has("nb", type_key):
            return worded(type_key) + ("..." if self.nargs != 1 else "")
        return super().make_metavar(ctx)


class WordedArgument(click.Argument):
    """An argument whose metavar is a catalogue key (``[...]`` when optional, ``...`` when it
    takes many, as click writes them), in help, usage lines and errors alike."""

    def make_metavar(self, ctx: click.Context) -> str:
        if not _is_key(self.metavar):
            return super().make_metavar(ctx)
        text = worded(str(self.metavar))
        if not self.required:
            text = f"[{text}]"
        return text + ("..." if self.nargs != 1 else "")


def option(*decls: str, **attrs: Any) -> Callable[[_F], _F]:
    """``click.option`` making a :class:`WordedOption` (``help`` and ``metavar`` as keys)."""
    return click.option(*decls, cls=WordedOption, **attrs)


def argument(*decls: str, **attrs: Any) -> Callable[[_F], _F]:
    """``click.argument`` making a :class:`WordedArgument` (``metavar`` as a key)."""
    return click.argument(*decls, cls=WordedArgument, **attrs)


def _short(text: str, limit: int) -> str:
    """A command's help in the list of commands: its first sentence, cut at ``limit``."""
    sentence = " ".join(text.split("\n\n")[0].split()).split(". ")[0].removesuffix(".")
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 3].rsplit(" ", 1)[0] + "..."


class _Worded(click.Command):
    """Help, short help, usage and completions worded from the catalogue."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", f"{AREA}usage.options")
        super().__init__(*args, **kwargs)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.help:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(worded(self.help))

    def get_short_help_str(self, limit: int = 45) -> str:
        return _short(worded(self.help), limit) if self.help else ""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [worded(piece) for piece in super().collect_usage_pieces(ctx)]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, click's help option worded too (click words it once, when made)."""
        helper = self.get_help_option(ctx)
        rows = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None or isinstance(param, click.Argument):
                continue
            if param is helper:
                record = (record[0], worded(f"{AREA}option.help"))
            rows.append(record)
        if rows:
            with formatter.section(worded(f"{AREA}options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        with ctx.scope(cleanup=False):  # in the language of a --lang typed before
            items = super().shell_complete(ctx, incomplete)
            for item in items:
                if item.help is not None:
                    item.help = worded(item.help)
        return items


class WordedCommand(_Worded):
    """A command whose help, options and arguments are worded from the catalogue."""


class WordedGroup(_Worded, click.Group):
    """A group of worded commands (its subgroups are of its own class)."""

    command_class = WordedCommand
    group_class = type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", f"{AREA}usage.command")
        super().__init__(*args, **kwargs)
