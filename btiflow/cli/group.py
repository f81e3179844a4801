"""The command group, its error handling and the helpers its commands share.

The commands import ``main`` and the helpers from here, and the group imports a command's
module when the command is used (``HOMES``); exit codes and how to add a command:
``btiflow/cli/__init__.py``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from btiflow._version import __version__
from btiflow.cli import clickwords
from btiflow.cli.helptext import WordedGroup, WordedOption, option
from btiflow.cli.language import GUIDE, speaking, spoken
from btiflow.errors import BtiflowError, Problem, WorkflowError
from btiflow.words import LANGUAGES, say
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import Workflow

# Only what 'validate' needs is imported here: a command imports the rest itself, so the
# command line starts without loading mail, iCalendar, SQLite, PostgreSQL or rendering code.
if TYPE_CHECKING:
    from btiflow.store.base import DueRow, Store

EXIT_OK = 0
EXIT_PROBLEMS = 1

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _ChoiceOf(click.Choice[str]):
    """A click.Choice whose choices a module defines, imported only when a command needs them."""

    def __init__(self, module: str, name: str) -> None:
        self._source = (module, name)
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        module, name = self._source
        return tuple(getattr(importlib.import_module(module), name))

    @choices.setter
    def choices(self, _: object) -> None:
        """click.Choice sets its choices when made; these are read from the module instead."""


if TYPE_CHECKING:
    _DayType = click.ParamType[dt.date]
else:  # click made ParamType generic after 8.3, the floor; at run time it need not be
    _DayType = click.ParamType


class _Day(_DayType):
    """A day typed either way, ``2026-11-10`` or ``10.11.2026`` (a ``datetime.date``); a wrong
    one is refused in the user's language (exit 2)."""

    name = "date"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        from btiflow.words import dates

        if isinstance(value, dt.date):
            return value
        try:
            return dates.parse_day(str(value), _lang())
        except ValueError as exc:  # "Ugyldig verdi for '--at': ...", in click's words
            self.fail(str(exc), param, ctx)


DAY = _Day()

# Each command's module: a command is imported when it is run or asked for, and every module
# when the commands are listed (--help, a mistyped name), so `btiflow validate` starts without
# building the other commands' options. A command added to a module is added here too
# (tests/test_startup.py holds the table to what the modules register).
HOMES: dict[str, str] = {
    **dict.fromkeys(("archive", "insight"), "btiflow.cli.archive"),
    **dict.fromkeys(("case-page", "cases", "demo", "due", "log", "migrate"), "btiflow.cli.cases"),
    **dict.fromkeys(
        ("diagram", "diff", "render", "schema", "show", "validate"), "btiflow.cli.guide"
    ),
    **dict.fromkeys(("outbox", "remind", "send"), "btiflow.cli.mail"),
    **dict.fromkeys(("hold", "purge", "release"), "btiflow.cli.retention"),
    "serve": "btiflow.cli.serve",
    **dict.fromkeys(("copy", "verify"), "btiflow.cli.store"),
    **dict.fromkeys(("export", "import", "transfer-key"), "btiflow.cli.transfer"),
    "webhooks": "btiflow.cli.webhooks",
    "words": "btiflow.cli.words",
}


class _CommandsByModule(MutableMapping[str, click.Command]):
    """The group's commands by name, each module imported (and so its commands registered)
    when one of its commands is asked for; all of them when the commands are listed."""

    def __init__(self, homes: Mapping[str, str]) -> None:
        self._homes = homes
        self._commands: dict[str, click.Command] = {}

    def _load(self, name: object) -> None:
        if name not in self._commands and isinstance(name, str) and name in self._homes:
            importlib.import_module(self._homes[name])

    def _load_all(self) -> None:
        for module in dict.fromkeys(self._homes.values()):
            importlib.import_module(module)

    def __getitem__(self, name: str) -> click.Command:
        self._load(name)
        return self._commands[name]

    def __contains__(self, name: object) -> bool:
        self._load(name)
        return name in self._commands

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter(self._commands)

    def __len__(self) -> int:
        self._load_all()
        return len(self._commands)


class _Commands(WordedGroup):
    """The command group: its help and click's own words in the user's language, and an error
    no command turned into a message becomes one line and exit code 1, never a traceback (a path
    that is a folder, a database that is not one, a URL no store knows, a certificate that is
    not one...). BTIFLOW_TRACEBACK=1 shows the traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _CommandsByModule(HOMES)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """The entry point: click's words are bound to btiflow's translations while it runs."""
        with clickwords.bound():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except _InLanguage:
            raise
        except click.ClickException as exc:
            raise _InLanguage(exc, _lang()) from exc
        except (click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("BTIFLOW_TRACEBACK"):
                raise
            raise _InLanguage(click.ClickException(_said(exc)), _lang()) from exc


class _InLanguage(click.ClickException):
    """A command's error shown in the language the command line spoke when it happened (click's
    "Error:", "Usage:" and "Try ... for help." words in it too), after its command has ended."""

    def __init__(self, error: click.ClickException, language: str) -> None:
        super().__init__(error.message)
        self.exit_code = error.exit_code  # type: ignore[misc]  # 1, or 2 for wrong usage
        self.error = error
        self.language = language

    def format_message(self) -> str:
        return self.error.format_message()

    def show(self, file: IO[str] | None = None) -> None:
        with speaking(self.language):
            self.error.show(file)


def _said(exc: BaseException) -> str:
    """An error in the user's words: a library error by its code (``BtiflowError.words``),
    a file the system could not open by its reason, anything else in its own words."""
    if isinstance(exc, BtiflowError):
        return " ".join(exc.words(_lang()).split())
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {_reason(exc)}"
    return _one_line(exc)


def _reason(exc: BaseException) -> str:
    """Why a file could not be read or written, in the user's words (the system's own words
    when it is no common reason)."""
    from btiflow.errors import os_reason, reason_in

    if isinstance(exc, OSError):
        return reason_in(os_reason(exc), _lang())
    return _one_line(exc)


def _lang(guide: str | None = None) -> str:
    """The language the command line speaks now: --lang, else the environment's, else the
    guide's (``guide``, or the one the command acts on), else bokmål."""
    return spoken(guide)


def _say(key: str, /, **values: object) -> str:
    """The catalogue's text for ``key`` in the command line's language."""
    return say(_lang(), key, **values)


def _guide_language(language: str | None) -> None:
    """The guide the command acts on speaks ``language``: the output follows it (unless
    --lang or the environment says otherwise)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and language:
        ctx.meta[GUIDE] = language


def _one_line(exc: BaseException) -> str:
    """The error as one line: its own words, or its kind when it has none."""
    words = " ".join(str(exc).split()) or type(exc).__name__
    # a text the terminal cannot show (a lone surrogate from the command line) is escaped
    return words.encode("utf-8", "backslashreplace").decode("utf-8")


@click.group(cls=_Commands, context_settings=_CONTEXT, help="clihelp.command.btiflow")
@click.version_option(
    __version__,
    "--version",
    prog_name="btiflow",
    message="%(prog)s %(version)s",
    help="clihelp.option.btiflow.version",
    cls=WordedOption,
)
@option(
    "-v",
    "--verbose",
    count=True,
    help="clihelp.option.btiflow.verbose",
)
@option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    is_eager=True,  # before --help: 'btiflow --lang nn --help' is nynorsk
    help="clihelp.option.btiflow.lang",
)
def main(verbose: int, lang: str | None) -> None:
    """The group every command is on (``lang`` is read where words are chosen: ``spoken``)."""
    if verbose:
        _log_to_stderr(click.get_current_context(), logging.DEBUG if verbose > 1 else logging.INFO)


def _log_to_stderr(ctx: click.Context, level: int) -> None:
    """The ``btiflow.*`` loggers to stderr at ``level`` while the command runs (logging's
    settings are put back after it, for a program that runs the CLI in-process)."""
    logger = logging.getLogger("btiflow")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    before = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(before)

    ctx.call_on_close(restore)


def _load(file: str) -> tuple[Workflow | None, tuple[Problem, ...]]:
    """A workflow file (or shipped name) loaded, or the problems that stop it loading."""
    try:
        workflow = load_workflow(file)
    except WorkflowError as exc:
        return None, exc.problems
    _guide_language(workflow.language)
    return workflow, ()


def _report(problems: tuple[Problem, ...], *, err: bool) -> None:
    for problem in problems:
        click.echo(str(problem), err=err)


def _steps(workflow: Workflow) -> int:
    return sum(len(level.steps) for level in workflow.levels)


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return _say("cli.unknown_operator")


@contextmanager
def _opened_for_writing(path: str) -> Iterator[IO[str]]:
    """A new file beside ``path`` to write (an OSError now, before anything is done), put in
    place of ``path`` when all is written; removed, and ``path`` left as it was, if not."""
    import tempfile

    target = Path(path)
    if target.is_dir():
        raise click.ClickException(_say("cli.is_folder", path=path))
    try:
        out = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed on failure
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False
        )
    except OSError as exc:
        raise click.ClickException(
            _say("cli.cannot_write", path=path, reason=_reason(exc))
        ) from exc
    try:
        with out:
            yield out
        os.replace(out.name, target)
    except BaseException:
        Path(out.name).unlink(missing_ok=True)
        raise


def _store(db: str, *, create: bool = False) -> Store:
    """The relay log at ``db``: a SQLite file (a path or sqlite:///path) or a postgresql:// URL."""
    from btiflow.store.url import is_postgres, open_store

    if not create and not is_postgres(db) and not Path(db.removeprefix("sqlite:///")).is_file():
        raise click.ClickException(_say("cli.no_log", db=db))
    try:
        store = open_store(db, create=create)  # only 'copy' may make a new log here
    except (BtiflowError, ValueError) as exc:
        raise click.ClickException(_said(exc)) from exc
    click.get_current_context().call_on_close(store.close)
    _guide_language(_store_language(store))
    return store


def _store_language(store: Store) -> str | None:
    """The language of the newest guide version the log holds (None for an empty log)."""
    versions = store.workflow_versions()
    if not versions:
        return None
    try:
        return store.load_workflow(versions[-1][0]).language
    except BtiflowError:  # a stored guide that does not load is verify's to name
        return None


def _names(store: Store, case_id: str) -> dict[str, str]:
    """Actor id → name, from the persons the case's log names (for a readable timeline)."""
    from btiflow.timeline import actor_names

    return actor_names(store.entries(case_id))


def _print_log(store: Store, case_id: str) -> None:
    from btiflow.timeline import timeline

    case = store.load(case_id)
    workflow = store.load_workflow(case.workflow_hash)
    lang = _lang(workflow.language)
    names = _names(store, case_id)
    holder = case.baton_holder.label() if case.baton_holder else say(lang, "cli.nobody")
    title = workflow.title.get(lang)
    click.echo(
        say(
            lang,
            "cli.log.heading",
            case=case.id,
            subject=case.subject,
            title=title,
            version=workflow.version,
        )
    )
    status = say(lang, f"views.status.{case.status}")
    click.echo(say(lang, "cli.log.status", status=status, level=case.level, holder=holder))
    entries = store.entries(case_id)
    versions = {h: store.load_workflow(h) for h in {e.workflow_hash for e in entries}}
    click.echo(timeline(entries, workflow, lambda a: names.get(a, a), versions=versions), nl=False)


def _print_due(store: Store, rows: Iterable[DueRow], heading: str) -> None:
    """The rows under ``heading``, as they come (a stream), each baton holder by name (the id
    when the log has none)."""
    from btiflow.words import dates

    click.echo(heading)
    listed = False
    for case_id, day, level, *_ in rows:
        listed = True
        held = store.load(case_id).baton_holder
        holder = held.label() if held else "-"
        due = dates.short_day(day, _lang())
        line = _say("cli.due.row", due=due, case=case_id, level=level, holder=holder)
        click.echo("  " + line)
    if not listed:
        click.echo("  " + _say("cli.none_listed"))
