"""The command group, its error handling and the helpers its commands share.

The commands import ``main`` and the helpers from here (not from ``btiflow.cli``, which
imports them); exit codes and how to add a command: ``btiflow/cli/__init__.py``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from btiflow._version import __version__
from btiflow.errors import BtiflowError, Problem, WorkflowError
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import Workflow

# Only what 'validate' needs is imported here: a command imports the rest itself, so the
# command line starts without loading mail, iCalendar, SQLite, PostgreSQL or rendering code.
if TYPE_CHECKING:
    from btiflow.store.base import DueCase, Store

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


class _Commands(click.Group):
    """The command group: an error no command turned into a message becomes one line and exit
    code 1, never a traceback (a path that is a folder, a database that is not one, a URL no
    store knows, a certificate that is not one...). BTIFLOW_TRACEBACK=1 shows the traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("BTIFLOW_TRACEBACK"):
                raise
            raise click.ClickException(_one_line(exc)) from exc


def _one_line(exc: BaseException) -> str:
    """The error as one line: its own words, or its kind when it has none."""
    words = " ".join(str(exc).split()) or type(exc).__name__
    # a text the terminal cannot show (a lone surrogate from the command line) is escaped
    return words.encode("utf-8", "backslashreplace").decode("utf-8")


@click.group(cls=_Commands, context_settings=_CONTEXT)
@click.version_option(__version__, "--version", prog_name="btiflow")
def main() -> None:
    """btiflow: a municipality's BTI action guide (handlingsveileder) as an enforced workflow.

    A guide is a YAML file (format: btiflow/1). Shipped guides can be named instead of a path:
    bti (the standard guide) and the municipalities that extend it, e.g. kafjord.
    """


def _load(file: str) -> tuple[Workflow | None, tuple[Problem, ...]]:
    """A workflow file (or shipped name) loaded, or the problems that stop it loading."""
    try:
        return load_workflow(file), ()
    except WorkflowError as exc:
        return None, exc.problems


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
        return "ukjent operatør"


@contextmanager
def _opened_for_writing(path: str) -> Iterator[IO[str]]:
    """A new file beside ``path`` to write (an OSError now, before anything is done), put in
    place of ``path`` when all is written; removed, and ``path`` left as it was, if not."""
    import tempfile

    target = Path(path)
    if target.is_dir():
        raise click.ClickException(f"{path}: is a folder; name the HTML file to write")
    try:
        out = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed on failure
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False
        )
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot write ({exc.strerror})") from exc
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
        raise click.ClickException(f"{db}: no such relay log (run 'btiflow demo --db {db}')")
    try:
        store = open_store(db, create=create)  # only 'copy' may make a new log here
    except (BtiflowError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.get_current_context().call_on_close(store.close)
    return store


def _names(store: Store, case_id: str) -> dict[str, str]:
    """Actor id → name, from the persons the case's log names (for a readable timeline)."""
    from btiflow.timeline import actor_names

    return actor_names(store.entries(case_id))


def _print_log(store: Store, case_id: str) -> None:
    from btiflow.timeline import timeline

    case = store.load(case_id)
    workflow = store.load_workflow(case.workflow_hash)
    names = _names(store, case_id)
    holder = case.baton_holder.label() if case.baton_holder else "ingen"
    click.echo(f"Sak {case.id} ({case.subject}) – {workflow.title.get()} {workflow.version}")
    click.echo(f"Status: {case.status}, nivå {case.level}, stafettholder: {holder}")
    entries = store.entries(case_id)
    versions = {h: store.load_workflow(h) for h in {e.workflow_hash for e in entries}}
    click.echo(timeline(entries, workflow, lambda a: names.get(a, a), versions=versions), nl=False)


def _print_due(rows: list[DueCase], heading: str) -> None:
    click.echo(heading)
    if not rows:
        click.echo("  (ingen)")
    for row in rows:
        holder = f"{row.baton_holder} ({row.baton_unit})" if row.baton_holder else "-"
        click.echo(
            f"  {row.due.isoformat()}  sak {row.case_id}  nivå {row.level}  stafettholder {holder}"
        )
