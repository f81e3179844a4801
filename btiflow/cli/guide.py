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
from btiflow.errors import MigrationError, Problem, WorkflowError
from btiflow.words import say
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import LANGUAGES, Workflow


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--lang",
    type=click.Choice(("nb", "nn", "en")),
    default=None,
    help="Language of the problems: nb, nn or en (default: LANG/LC_MESSAGES if it names one, "
    "else nb).",
)
def validate(files: tuple[str, ...], lang: str | None) -> None:
    """Check workflow files and print every problem found.

    Each problem is printed as FILE:LINE:COLUMN: MESSAGE (HINT), so editors and CI can jump to
    it; a valid file prints "FILE: ok (id version, N steg)". Exits 0 when every file is valid,
    1 otherwise. The problems are in bokmål unless --lang (or the environment) asks for
    nynorsk or English.
    """
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
@click.option(
    "--yaml",
    "as_yaml",
    is_flag=True,
    help="Print the guide's YAML file exactly as it is, e.g. to copy a shipped guide.",
)
def show(file: str, lang: str | None, width: int | None, as_yaml: bool) -> None:
    """Print a workflow as a readable outline: levels, numbered steps, questions, outcomes.

    FILE is a workflow file or the name of a shipped guide (btiflow show bti). A text missing in
    the chosen language is shown in the guide's first language. When the file has problems they
    are printed (to stderr) as by validate, and the exit code is 1. With --yaml the file itself
    is printed (btiflow show --yaml bti > bti.yaml copies the standard guide).
    """
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
    from btiflow.workflow.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with click.open_file(output, "w", encoding="utf-8") as out:
        out.write(text)
    click.echo(_say("cli.wrote", path=output), err=True)


@main.command("diagram")
@click.argument("file")
@click.option(
    "--format",
    "fmt",
    type=_ChoiceOf("btiflow.render.diagram", "FORMATS"),
    default="mermaid",
    show_default=True,
    help="mermaid (for Markdown pages, GitHub, GitLab) or dot (Graphviz).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the texts (default: the guide's first language).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the diagram to this file instead of printing it.",
)
def diagram_command(file: str, fmt: str, lang: str | None, output: str | None) -> None:
    """Print the workflow as a diagram: levels as groups, numbered steps, decisions as arrows.

    Decisions are diamonds; their close, continue and expand outcomes are labelled arrows
    (close is dashed and leads to the end). Paste Mermaid into a Markdown page, or draw DOT
    with Graphviz: btiflow diagram kafjord --format dot | dot -Tsvg > guide.svg
    """
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


@main.command()
@click.argument("file")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, writable=True),
    help="The folder to write the site into (created if needed).",
)
@click.option(
    "--lang",
    "extra",
    multiple=True,
    type=click.Choice(LANGUAGES),
    help="Also render this language, though the guide does not declare it (repeatable); "
    "texts it lacks are shown in the guide's language, marked as such.",
)
@click.option(
    "--theme",
    "theme_file",
    metavar="FILE",
    default=None,
    help="A theme file: the municipality's name, logo and colours on every page, and a folder "
    "of templates overriding the shipped ones (see docs/for-municipalities.md).",
)
def render(file: str, output: str, extra: tuple[str, ...], theme_file: str | None) -> None:
    """Write the guide as a static web site: start page, a page per level, a diagram.

    One folder per language the guide declares (nb/, nn/, ...) with a language switch between
    them, one stylesheet (screen, phone, print on A4), no JavaScript, nothing fetched from
    another host. Tool files named in the guide are copied from beside the workflow file;
    those not found are listed. Publish the folder on any web server.
    """
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


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON, for programs.")
def diff(old: str, new: str, as_json: bool) -> None:
    """Show what changed between two versions of a guide, in words a guide editor understands.

    OLD and NEW are workflow files (or shipped names) of the same guide (same id). Steps are
    matched by id: levels and steps added, removed, renamed (same id, new title) or moved;
    changed texts, deadlines (per level too), records, requires and outcomes. Each line starts
    with a stable change kind in brackets, e.g. [step_renamed]; --json prints the same as data.

    Exit codes (like diff(1)): 0 no differences, 1 differences, 2 trouble: a file that does not
    load (problems printed as FILE:LINE:COLUMN: MESSAGE) or two different guides.
    """
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
