"""The commands on a guide: validate, show, schema, diagram, render, diff."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from btiflow.cli.group import (
    EXIT_PROBLEMS,
    _ChoiceOf,
    _load,
    _report,
    _say,
    _steps,
    main,
)
from btiflow.cli.helptext import argument, option
from btiflow.errors import MigrationError, Problem, WorkflowError
from btiflow.words import say
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import LANGUAGES, Workflow


@main.command(help="clihelp.command.validate")
@argument("files", nargs=-1, required=True, metavar="clihelp.metavar.file")
@option(
    "--lang",
    type=click.Choice(("nb", "nn", "en")),
    default=None,
    help="clihelp.option.validate.lang",
)
def validate(files: tuple[str, ...], lang: str | None) -> None:
    from btiflow.cli.language import cli_language

    language = cli_language(lang)
    failed = 0
    count = 0
    for file in files:
        workflow, problems = _load_in(file, language)
        _report(problems, err=False)
        if workflow is None:
            failed += 1
            count += len(problems)
        else:
            guide, version, steps = workflow.id, workflow.version, _steps(workflow)
            ok = say(
                language, "cli.validate.ok", file=file, guide=guide, version=version, steps=steps
            )
            click.echo(ok)
    if failed:
        found = say(language, f"cli.validate.problem_{_one(count)}", count=count)
        in_files = say(language, f"cli.validate.file_{_one(failed)}", count=failed)
        click.echo(say(language, "cli.validate.summary", problems=found, files=in_files))
        sys.exit(EXIT_PROBLEMS)


def _one(count: int) -> str:
    return "one" if count == 1 else "many"


def _source(file: str) -> Path:
    """The file FILE names: a path, or a shipped guide's name (as ``load_workflow`` reads it)."""
    from btiflow.workflow.load import shipped_dir

    path = Path(file)
    if not path.exists() and "/" not in file and "." not in file:
        shipped = shipped_dir() / f"{file}.yaml"
        if shipped.exists():
            return shipped
    return path


def _load_in(file: str, language: str) -> tuple[Workflow | None, tuple[Problem, ...]]:
    """A workflow file (or shipped name) loaded, or its problems worded in ``language``."""
    try:
        return load_workflow(file, language), ()
    except WorkflowError as exc:
        return None, exc.problems


@main.command(help="clihelp.command.show")
@argument("file", metavar="clihelp.metavar.file")
@option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="clihelp.option.show.lang",
)
@option(
    "--width",
    type=click.IntRange(40, 200),
    default=None,
    help="clihelp.option.show.width",
)
@option(
    "--yaml",
    "as_yaml",
    is_flag=True,
    help="clihelp.option.show.as_yaml",
)
def show(file: str, lang: str | None, width: int | None, as_yaml: bool) -> None:
    from btiflow.workflow.outline import outline

    workflow, problems = _load(file)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    if as_yaml:
        sys.stdout.flush()
        sys.stdout.buffer.write(_source(file).read_bytes())  # each byte as it is in the file
        sys.stdout.buffer.flush()
        return
    if lang is not None and lang not in workflow.languages:
        click.echo(
            f"note: {workflow.id} is complete only in {', '.join(workflow.languages)}; "
            f"texts without '{lang}' are shown in {workflow.language}",
            err=True,
        )
    if width is None:
        import shutil

        width = min(shutil.get_terminal_size((88, 24)).columns, 100)
    click.echo(outline(workflow, lang, width), nl=False)


@main.command(help="clihelp.command.schema")
@option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="clihelp.option.schema.output",
)
def schema(output: str | None) -> None:
    from btiflow.workflow.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with click.open_file(output, "w", encoding="utf-8") as out:
        out.write(text)
    click.echo(_say("cli.wrote", path=output), err=True)


@main.command("diagram", help="clihelp.command.diagram")
@argument("file", metavar="clihelp.metavar.file")
@option(
    "--format",
    "fmt",
    type=_ChoiceOf("btiflow.render.diagram", "FORMATS"),
    default="mermaid",
    show_default=True,
    help="clihelp.option.diagram.fmt",
)
@option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="clihelp.option.diagram.lang",
)
@option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="clihelp.option.diagram.output",
)
def diagram_command(file: str, fmt: str, lang: str | None, output: str | None) -> None:
    from btiflow.render.diagram import diagram

    workflow, problems = _load(file)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    text = diagram(workflow, fmt, lang)
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    click.echo(_say("cli.wrote", path=output), err=True)


@main.command(help="clihelp.command.render")
@argument("file", metavar="clihelp.metavar.file")
@option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, writable=True),
    help="clihelp.option.render.output",
)
@option(
    "--lang",
    "extra",
    multiple=True,
    type=click.Choice(LANGUAGES),
    help="clihelp.option.render.extra",
)
@option(
    "--theme",
    "theme_file",
    metavar="clihelp.metavar.file",
    default=None,
    help="clihelp.option.render.theme_file",
)
def render(file: str, output: str, extra: tuple[str, ...], theme_file: str | None) -> None:
    from btiflow.render.site import render_site, site_languages
    from btiflow.render.theme import theme_of

    workflow, problems = _load(file)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    try:
        theme = theme_of(theme_file)
    except WorkflowError as exc:  # a theme with problems writes nothing
        _report(exc.problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    site = render_site(workflow, output, site_languages(workflow, extra), theme)
    for missing in site.missing_files:
        target = Path(output) / missing
        click.echo(_say("cli.render.missing", file=missing, guide=file, target=target), err=True)
    langs = ", ".join(sorted({page.language for page in site.pages}))
    click.echo(_say("cli.render.wrote", count=len(site.pages), languages=langs, output=output))


EXIT_DIFFERENT = 1
EXIT_TROUBLE = 2


@main.command(help="clihelp.command.diff")
@argument("old", metavar="clihelp.metavar.old")
@argument("new", metavar="clihelp.metavar.new")
@option("--json", "as_json", is_flag=True, help="clihelp.option.diff.as_json")
def diff(old: str, new: str, as_json: bool) -> None:
    from btiflow.workflow.diff import diff as diff_workflows
    from btiflow.workflow.diff import report as diff_report

    loaded = []
    for file in (old, new):
        workflow, problems = _load(file)
        if workflow is None:
            _report(problems, err=True)
            sys.exit(EXIT_TROUBLE)
        loaded.append(workflow)
    try:
        changes = diff_workflows(loaded[0], loaded[1])
    except MigrationError as exc:
        click.echo(_say("cli.problem", problem=exc), err=True)
        sys.exit(EXIT_TROUBLE)
    if as_json:
        data = [c.as_data() for c in changes]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(diff_report(loaded[0], loaded[1], changes), nl=False)
    if changes:
        sys.exit(EXIT_DIFFERENT)
