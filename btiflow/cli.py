"""The command line: thin, parse, call the library, print; exit codes live here only.

Add a command with ``@main.command()`` and a docstring (its help text); a test runs ``--help`` on
every command of the group. Exit codes: 0 success, 1 the input has problems (printed as
``file:line:column: message (hint)``), 2 wrong usage (click's own).
"""

from __future__ import annotations

import json
import shutil
import sys

import click

from btiflow.errors import Problem, WorkflowError
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import LANGUAGES, Workflow
from btiflow.workflow.outline import outline
from btiflow.workflow.schema import json_schema

EXIT_OK = 0
EXIT_PROBLEMS = 1

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=_CONTEXT)
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


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> None:
    """Check workflow files and print every problem found.

    Each problem is printed as FILE:LINE:COLUMN: MESSAGE (HINT), so editors and CI can jump to
    it; a valid file prints "FILE: ok (id version, N steps)". Exits 0 when every file is valid,
    1 otherwise.
    """
    failed = 0
    count = 0
    for file in files:
        workflow, problems = _load(file)
        _report(problems, err=False)
        if workflow is None:
            failed += 1
            count += len(problems)
        else:
            click.echo(f"{file}: ok ({workflow.id} {workflow.version}, {_steps(workflow)} steps)")
    if failed:
        noun = "problem" if count == 1 else "problems"
        files_noun = "file" if failed == 1 else "files"
        click.echo(f"{count} {noun} in {failed} {files_noun}")
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.argument("file")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the texts (default: the guide's first language).",
)
@click.option(
    "--width",
    type=click.IntRange(40, 200),
    default=None,
    help="Wrap text at this width (default: the terminal's, at most 100).",
)
def show(file: str, lang: str | None, width: int | None) -> None:
    """Print a workflow as a readable outline: levels, numbered steps, questions, outcomes.

    FILE is a workflow file or the name of a shipped guide (btiflow show bti). A text missing in
    the chosen language is shown in the guide's first language. When the file has problems they
    are printed (to stderr) as by validate, and the exit code is 1.
    """
    workflow, problems = _load(file)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    if lang is not None and lang not in workflow.languages:
        click.echo(
            f"note: {workflow.id} is complete only in {', '.join(workflow.languages)}; "
            f"texts without '{lang}' are shown in {workflow.language}",
            err=True,
        )
    if width is None:
        width = min(shutil.get_terminal_size((88, 24)).columns, 100)
    click.echo(outline(workflow, lang, width), nl=False)


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the schema to this file instead of printing it.",
)
def schema(output: str | None) -> None:
    """Print the JSON Schema of the workflow format, for editors that check YAML as you type.

    In VS Code (YAML extension), save it with -o btiflow.schema.json and put
    "# yaml-language-server: $schema=btiflow.schema.json" at the top of a workflow file.
    """
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with click.open_file(output, "w", encoding="utf-8") as out:
        out.write(text)
    click.echo(f"wrote {output}", err=True)


__all__ = ["main"]
