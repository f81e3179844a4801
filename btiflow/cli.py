"""The command line: thin, parse, call the library, print; exit codes live here only.

Add a command with ``@main.command()`` and a docstring (its help text); a test runs ``--help`` on
every command of the group. Exit codes: 0 success, 1 the input has problems (printed as
``file:line:column: message (hint)``), 2 wrong usage (click's own). ``diff`` follows diff(1)
(0 same, 1 different, 2 trouble); ``migrate`` adds 3: some cases stay on their version.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import attrs
import click

from btiflow._version import __version__
from btiflow.errors import BtiflowError, ConflictError, MigrationError, Problem, WorkflowError
from btiflow.workflow.load import load_workflow
from btiflow.workflow.model import LANGUAGES, Workflow

# Only what 'validate' needs is imported here: a command imports the rest itself, so the
# command line starts without loading mail, iCalendar, SQLite, PostgreSQL or rendering code.
if TYPE_CHECKING:
    from btiflow.notify.outbox import MailQueue, OutboxMessage
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
    from btiflow.workflow.outline import outline

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
    click.echo(f"wrote {output}", err=True)


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
    click.echo(f"wrote {output}", err=True)


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
def render(file: str, output: str, extra: tuple[str, ...]) -> None:
    """Write the guide as a static web site: start page, a page per level, a diagram.

    One folder per language the guide declares (nb/, nn/, ...) with a language switch between
    them, one stylesheet (screen, phone, print on A4), no JavaScript, nothing fetched from
    another host. Tool files named in the guide are copied from beside the workflow file;
    those not found are listed. Publish the folder on any web server.
    """
    from btiflow.render.site import render_site, site_languages

    workflow, problems = _load(file)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    site = render_site(workflow, output, site_languages(workflow, extra))
    for missing in site.missing_files:
        click.echo(
            f"note: tool file {missing} was not found beside {file}; copy it to "
            f"{Path(output) / missing}",
            err=True,
        )
    langs = sorted({page.language for page in site.pages})
    click.echo(f"wrote {len(site.pages)} pages ({', '.join(langs)}) to {output}")


@main.command("case-page")
@click.argument("db")
@click.argument("case_id", metavar="CASE")
@click.option(
    "--as",
    "viewer_id",
    required=True,
    metavar="VIEWER",
    help="The id of a person named in the case (a guardian, the young person, or staff), "
    "whose right to see the case is checked and logged.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The HTML file to write.",
)
@click.option(
    "--by",
    "operator",
    metavar="OPERATOR",
    default=None,
    help="Who prints the page, recorded with the read in the access log (default: the login "
    "name of the user running btiflow).",
)
def case_page_command(
    db: str, case_id: str, viewer_id: str, output: str, operator: str | None
) -> None:
    """Write the family's page of a case: one HTML page to read on screen or print on A4.

    It shows where the case is in the guide, who holds the baton, the next meeting and
    evaluation, who is involved and what they do, the measures and the minutes shared: what
    the guardians and the young person may see, never the concern or internal notes. Printed,
    it is the paper relay log. The read is recorded in the case's access log.
    """
    from btiflow.engine import Engine
    from btiflow.render.casepage import actor_in_case, case_page
    from btiflow.views import StaffView

    store = _store(db)
    by = (operator or _login_name()).strip()
    if not by:
        raise click.BadParameter("give who prints the page", param_hint="--by")
    try:
        case = store.load(case_id)
        viewer = actor_in_case(case, viewer_id)
        if viewer is None:
            raise click.ClickException(f"{viewer_id!r} is not named in case {case_id!r}")
        engine = Engine(store.load_workflow(case.workflow_hash), store)
        # the file is opened before the read is logged: a read the page cannot deliver is not
        # recorded as made
        with _opened_for_writing(output) as out:
            view = engine.view(case_id, viewer, via=f"case-page by {by}")
            family = view.family if isinstance(view, StaffView) else view
            workflow = engine.workflow_of(case)
            out.write(case_page(workflow, family, case.step, is_open=case.is_open))
    except BtiflowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {output}", err=True)


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


@main.command()
@click.option(
    "--db",
    default="stafettlogg.db",
    show_default=True,
    help="The relay log to use: a SQLite file, or postgresql://…?tenant=MUNICIPALITY.",
)
@click.option(
    "--workflow",
    "workflow_name",
    default="kafjord",
    show_default=True,
    help="Workflow file or shipped name to run the demo on.",
)
def demo(db: str, workflow_name: str) -> None:
    """Run a realistic, invented case through a guide and print its relay log.

    A teacher's concern at level 0, measures in the school at level 1, an evaluation after four
    weeks, level 2 with the guardians' consent, the baton passed to the public health nurse,
    a later evaluation, and closing; plus a second case with an evaluation coming up. The log
    is written to --db and printed as a timeline, then what is due.
    """
    from btiflow.demo import family_text, run_demo

    workflow, problems = _load(workflow_name)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    try:
        engine, cases = run_demo(workflow, db)
    except BtiflowError as exc:  # e.g. --db names another program's database
        raise click.ClickException(str(exc)) from exc
    store = engine.store
    click.get_current_context().call_on_close(store.close)
    for case in cases:
        _print_log(store, case.id)
        click.echo()
    click.echo(family_text(engine, cases[0].id))
    click.echo()
    now = engine.clock()
    _print_due(engine.due(now), f"Evalueringer som forfaller innen 7 dager fra {now.date()}:")
    _print_due(engine.overdue(now), "Forfalte evalueringer:")
    click.echo()
    _print_mail(db)
    report = engine.verify()
    click.echo(
        f"\nKontroll av loggen: {report.cases} saker, {report.entries} oppføringer, "
        f"{'ok' if report.ok else 'FEIL'}. Loggen ligger i {db}."
    )


@main.command()
@click.argument("db")
@click.argument("case_id", metavar="CASE")
def log(db: str, case_id: str) -> None:
    """Print a case's relay log as a timeline (staff view: it includes the concern)."""
    store = _store(db)
    try:
        _print_log(store, case_id)
    except BtiflowError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("db")
@click.option(
    "--at",
    "at",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day to look from (default: today).",
)
@click.option(
    "--within",
    type=click.IntRange(0, 365),
    default=7,
    show_default=True,
    help="Days ahead to list evaluations falling due.",
)
def due(db: str, at: dt.datetime | None, within: int) -> None:
    """List evaluations falling due, and those overdue, across every case in DB."""
    store = _store(db)
    from btiflow.localtime import OSLO

    day = at.date() if at else dt.datetime.now(OSLO).date()
    _print_due(
        store.due_between(day, day + dt.timedelta(days=within)),
        f"Evalueringer som forfaller {day} – {day + dt.timedelta(days=within)}:",
    )
    _print_due(store.overdue(day), f"Forfalte evalueringer per {day}:")


@main.command()
@click.argument("db")
@click.option(
    "--heads",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write each case's chain head (seq, hash) as JSON to this file, to keep "
    "elsewhere as a witness.",
)
@click.option(
    "--against",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="HEADS",
    help="Compare with chain heads written earlier by --heads: a case missing, a chain shorter "
    "than it was, or one that differs at its old head is named.",
)
def verify(db: str, heads: str | None, against: str | None) -> None:
    """Check the relay log: the file's integrity (SQLite), every case's hash chain, every state
    row column by column against its log, every access log's hash chain and every stored guide
    version against its hash. Each problem is named (a broken case does not stop the rest);
    exit 1 if there is any.

    A database changed consistently (entries cut and the case row rewritten, a forged entry
    sealed with a correct hash, a whole case removed) can only be seen against a witness:
    keep --heads elsewhere, and check later with --against.
    """
    from btiflow.store.check import check_heads, read_heads

    witness = None
    if against is not None:
        try:
            witness = read_heads(Path(against).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise click.ClickException(
                f"{against}: not a file of chain heads from 'btiflow verify --heads' ({exc})"
            ) from exc
    store = _store(db)
    report = store.verify()
    if witness is not None:
        report = attrs.evolve(report, problems=(*report.problems, *check_heads(store, witness)))
    for problem in report.problems:
        click.echo(f"{db}: {problem}")
    if heads:
        data = [{"case_id": h.case_id, "seq": h.seq, "hash": h.hash} for h in store.heads()]
        Path(heads).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    click.echo(
        f"{db}: {report.cases} cases, {report.entries} entries, "
        f"{'ok' if report.ok else f'{len(report.problems)} broken'}"
    )
    if not report.ok:
        sys.exit(EXIT_PROBLEMS)


EXIT_DIFFERENT = 1
EXIT_TROUBLE = 2
EXIT_NOT_ALL_MOVED = 3


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
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_TROUBLE)
    if as_json:
        data = [c.as_data() for c in changes]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(diff_report(loaded[0], loaded[1], changes), nl=False)
    if changes:
        sys.exit(EXIT_DIFFERENT)


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise click.BadParameter(f"{pair!r}: write OLD_STEP=NEW_STEP", param_hint="--map")
        if source.strip() in mapping:
            raise click.BadParameter(f"{source.strip()!r} is mapped twice", param_hint="--map")
        mapping[source.strip()] = target.strip()
    return mapping


@main.command()
@click.argument("db")
@click.option("--to", "to", required=True, help="The new version of the guide (file or name).")
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="OLD_STEP=NEW_STEP",
    help="Where cases standing in OLD_STEP go (a removed or renamed step); repeatable. "
    "--map X=X confirms that a renamed step X is still the same step.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan for every case; write nothing.")
@click.option(
    "--deadlines",
    type=_ChoiceOf("btiflow.migrate", "DEADLINE_MODES"),
    default="keep",
    show_default=True,
    help="keep: due evaluations keep their dates. recompute: a date later than the new "
    "version's limit allows (counted from the day it was set) is brought forward to it.",
)
@click.option(
    "--by",
    "by",
    metavar="ACTOR_ID",
    default=None,
    help="Who migrates (written in each case's log); required unless --dry-run.",
)
def migrate(
    db: str, to: str, pairs: tuple[str, ...], dry_run: bool, deadlines: str, by: str | None
) -> None:
    """Move the open cases in DB to a new version of their guide, each as a logged entry.

    Every open case on an older version of the same guide (same id) is planned: it moves
    automatically when its step exists unchanged (same id, level and title), needs --map when
    its step was removed, renamed or moved to another level, and is refused (stays on its
    version, with the reason) when the move would break a rule: the target step must be in the
    case's level, a case at level 1 or above keeps its baton holder, and the case must have
    done what the steps it would be placed past ask for. Cases on another guide are skipped.
    --dry-run prints the plan for every case. The real run prints the same plan, then moves
    each case in its own transaction ("workflow_migrated" in its log: who, from which version
    to which, with which mapping, new step, evaluation date) and saves the new version in DB.

    Nothing is written when the input is wrong: a new version that does not load, a mapping to
    a step it lacks, no case on this guide, a version label reused for other content.

    Exit codes: 0 every case on an older version moved (or would move, with --dry-run);
    1 wrong input, nothing written; 2 wrong usage; 3 some cases stay on their version
    (listed with the reason: needs a mapping, refused, or changed while migrating).
    """
    from btiflow.case.people import Actor
    from btiflow.migrate import apply_migration, plan_migration, plan_text

    mapping = _mapping(pairs)
    if not dry_run and not by:
        raise click.UsageError("say who migrates with --by ACTOR_ID (or use --dry-run)")
    workflow, problems = _load(to)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    store = _store(db)
    try:
        plan = plan_migration(store, workflow, mapping=mapping, deadlines=deadlines)
    except MigrationError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo("Ingenting er skrevet.", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(plan_text(plan, dry_run=dry_run), nl=False)
    staying = len(plan.staying)
    if not dry_run:
        assert by is not None
        result = apply_migration(store, plan, by=Actor(by, "admin"))
        for conflict in result.conflicts:
            click.echo(f"Sak {conflict.case_id}: ikke flyttet: {conflict.message}")
        click.echo(
            f"Flyttet {len(result.migrated)} sak(er) til {workflow.id} {workflow.version}; "
            "hver sak har fått en oppføring i sin logg."
        )
        staying += len(result.conflicts)
    if staying:
        sys.exit(EXIT_NOT_ALL_MOVED)


def _print_mail(db: str) -> None:
    """The invitations and reminders in the outbox, and what the first invitation says."""
    from btiflow.store.url import open_outbox

    with closing(open_outbox(db)) as outbox:
        rows = outbox.messages()
    click.echo(
        f"E-post i utboksen ({len(rows)}), uten navn, saks-id eller bekymring "
        f"(send: btiflow send {db} --smtp HOST:PORT):"
    )
    for m in rows:
        event = m.calendar()
        ics = f"  [{event.method}, SEQUENCE {event.sequence}]" if event else ""
        to = m.address or f"{m.recipient} (ingen e-postadresse: ikke sendt)"
        click.echo(f"  {to}: {m.subject}{ics}")
    first = next((m for m in rows if m.kind == "invitation" and m.address), None)
    if first is not None:
        click.echo(f"\nSlik lyder den første, til {first.address}:")
        for line in first.text().splitlines():
            click.echo(f"  | {line}")


def _local(moment: dt.datetime) -> str:
    from btiflow.localtime import OSLO

    return moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")


def _detail(m: OutboxMessage) -> str:
    if m.status == "sent" and m.sent_at is not None:
        again = f" ({m.error})" if m.error else ""
        return f"sent {_local(m.sent_at)}, attempt {m.attempts}{again}"
    if m.status == "failed":
        return f"failed: {m.error}"
    if m.status == "skipped":
        return f"skipped: {m.note}"
    if m.attempts:
        return f"attempt {m.attempts} failed: {m.error}; next try {_local(m.next_attempt_at)}"
    return "waiting to be sent"


def _counts(outbox: MailQueue) -> str:
    return ", ".join(f"{n} {status}" for status, n in outbox.counts().items() if n)


@main.command("outbox")
@click.argument("db")
@click.option(
    "--status",
    type=_ChoiceOf("btiflow.notify.outbox", "STATUSES"),
    default=None,
    help="Only these.",
)
def outbox_command(db: str, status: str | None) -> None:
    """List the mail in DB's outbox: pending, sent, failed (with the server's reply) and
    skipped (an invitee without an e-mail address: not sent, and why)."""
    from btiflow.store.url import open_outbox

    _store(db).close()
    with closing(open_outbox(db, create=False)) as outbox:
        rows = outbox.messages(status)
        for m in rows:
            to = f"{m.recipient} <{m.address}>" if m.address else m.recipient
            click.echo(f"{m.id:>4}  {m.status:<8} {_local(m.created_at)}  {m.kind:<18} {to}")
            click.echo(f"      {m.subject}")
            click.echo(f"      {_detail(m)}")
        click.echo(_counts(outbox) or "the outbox is empty")


@main.command()
@click.argument("db")
@click.option("--smtp", "server", required=True, metavar="HOST:PORT", help="The mail server.")
@click.option("--starttls", is_flag=True, help="Switch to TLS (STARTTLS) before sending.")
@click.option("--user", default=None, help="Log in as this user (needs --password-env).")
@click.option(
    "--password-env",
    default=None,
    metavar="VAR",
    help="The environment variable with the password.",
)
@click.option("--from", "sender", default=None, help="Send as this address (From and envelope).")
@click.option(
    "--cafile",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Trust the server's certificate from this file (else the system's).",
)
@click.option("--limit", type=click.IntRange(1, None), default=None, help="Send at most this many.")
def send(
    db: str,
    server: str,
    starttls: bool,
    user: str | None,
    password_env: str | None,
    sender: str | None,
    cafile: str | None,
    limit: int | None,
) -> None:
    """Send the mail waiting in DB's outbox through an SMTP server, each message once.

    A recipient the server refuses is marked failed with its reply; when the server cannot be
    reached the mail stays pending and is tried again later (1, 2, 4 ... minutes). Exit 1 when
    the server could not be reached or a message failed.
    """
    import ssl

    from btiflow.notify.dispatch import Dispatcher, SmtpSettings
    from btiflow.store.url import open_outbox

    host, _, port = server.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(
            "give HOST:PORT, e.g. smtp.kommune.example.org:587", param_hint="--smtp"
        )
    if (user is None) != (password_env is None):
        raise click.UsageError("--user and --password-env go together")
    password = None
    if password_env is not None:
        password = os.environ.get(password_env)
        if password is None:
            raise click.ClickException(f"the environment variable {password_env} is not set")
    _store(db).close()
    try:
        settings = SmtpSettings(
            host,
            int(port),
            starttls=starttls,
            user=user,
            password=password,
            sender=sender,
            ssl_context=ssl.create_default_context(cafile=cafile) if cafile else None,
        )
        with closing(open_outbox(db, create=False)) as outbox:
            report = Dispatcher(outbox, settings).run(limit)
            click.echo(
                f"sent {report.sent}, failed {report.failed}, to try again {report.deferred}"
                f" ({_counts(outbox) or 'the outbox is empty'})"
            )
    except (BtiflowError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if report.problem:
        click.echo(report.problem, err=True)
    if report.problem or report.failed:
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.argument("db")
@click.option(
    "--login-url",
    envvar="BTIFLOW_LOGIN_URL",
    required=True,
    help="Where people log in (the only link in a message) [env BTIFLOW_LOGIN_URL].",
)
@click.option(
    "--sender",
    envvar="BTIFLOW_MAIL_FROM",
    required=True,
    help="The From address of the reminders [env BTIFLOW_MAIL_FROM].",
)
@click.option(
    "--at",
    "at",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Plan as on this day (default: now).",
)
def remind(db: str, login_url: str, sender: str, at: dt.datetime | None) -> None:
    """Put the reminders due in DB's outbox: evaluations soon due or overdue, and offers of the
    baton left unanswered. Each is enqueued once, so run it as often as you like (e.g. daily,
    before 'btiflow send')."""
    from btiflow.engine import Engine
    from btiflow.localtime import OSLO
    from btiflow.notify.messages import NotifyConfig

    store = _store(db)
    try:
        config = NotifyConfig(login_url, sender)
        versions = [store.load_workflow(h) for h, _, _ in store.workflow_versions()]
        if not versions:
            raise click.ClickException(f"{db}: no cases yet")
        engine = Engine(versions, store, notify=config)
        moment = dt.datetime.combine(at.date(), dt.time(12), OSLO) if at else None
        added = engine.plan_reminders(moment)
    except (BtiflowError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{added} new reminder{'s' if added != 1 else ''} in the outbox (btiflow outbox {db})"
    )


@main.command()
@click.argument("source", metavar="SRC")
@click.argument("target", metavar="DST")
def copy(source: str, target: str) -> None:
    """Copy a municipality's relay log to another store, verifying the hash chain on both sides.

    SRC and DST are a SQLite file (a path or sqlite:///path) or a PostgreSQL URL
    (postgresql://user@host/db?tenant=MUNICIPALITY), so a municipality can start on SQLite and
    move to PostgreSQL. Every case (its log, state and access log) and guide version is copied;
    mail in the outbox is not. SRC must verify, DST must not hold its cases yet, and DST is
    verified afterwards (each copied chain head equal to SRC's).
    """
    from btiflow.store.copy import copy_log

    src, dst = _store(source), _store(target, create=True)
    try:
        report = copy_log(src, dst)
    except ConflictError as exc:
        raise click.ClickException(f"{target} already holds case {exc.case_id}") from exc
    except BtiflowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"copied {report.cases} cases, {report.entries} entries; "
        f"{source}: ok, {target}: ok (verified, the chain heads match)"
    )


@main.command()
@click.argument("db")
@click.argument("case_id", metavar="[CASE]", required=False)
@click.option(
    "--closed-before",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Archive every case closed before this day that is not archived yet (instead of CASE).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The directory to write the packages in (one directory per case).",
)
@click.option(
    "--by",
    "by",
    required=True,
    metavar="ADMIN_ID",
    help="The administrator who archives (written in each case's log and access log).",
)
@click.option(
    "--class",
    "classification",
    default="BTI=stafettlogg",
    show_default=True,
    metavar="SYSTEM=CLASS",
    help="The archive's classification of BTI cases (klassifikasjonssystem=klasse).",
)
def archive(
    db: str, case_id: str | None, closed_before: dt.datetime | None, out_dir: str, by: str,
    classification: str,
) -> None:  # fmt: skip
    """Write the archive package of a case: the relay log as PDF/A and its Fiks Arkiv messages.

    Each package is a directory DIR/CASE-N (N: the entries it holds) with stafettlogg.pdf (the
    timeline and the family's view, PDF/A-3b), arkivmelding.xml (KS Fiks Arkiv V1: the case
    folder and the document's registry entry, with its SHA-256), for a closed case
    arkivmelding-avslutning.xml (the closing summary's registry entry), and manifest.json (every
    file's checksum; the package's checksum is the manifest's). The case's log records the
    package (a case_archived entry). Sending the messages through Fiks IO is the
    municipality's integration's job (docs/archive.md).

    Give CASE for one case (open or closed), or --closed-before DATE for every case closed
    before that day and not archived yet: each is archived once, so a second run writes
    nothing. Wrong input (an unknown case, a directory that cannot be written) writes nothing
    and exits 1; a date that is no date exits 2.
    """
    from btiflow.archive import Classification, archive_case, archive_closed
    from btiflow.case.people import Actor

    if (case_id is None) == (closed_before is None):
        raise click.UsageError("give either CASE or --closed-before DATE")
    try:
        klass = Classification.parse(classification)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--class") from exc
    store = _store(db)
    admin = Actor(by, "admin")
    try:
        if case_id is not None:
            packages = [archive_case(store, case_id, out_dir, by=admin, classification=klass)]
            failed: tuple[tuple[str, str], ...] = ()
        else:
            assert closed_before is not None
            run = archive_closed(
                store, out_dir, closed_before=closed_before.date(), by=admin,
                classification=klass,
            )  # fmt: skip
            packages, failed = list(run.packages), run.failed
    except BtiflowError as exc:
        raise click.ClickException(str(exc)) from exc
    for package in packages:
        click.echo(f"wrote {package.directory} (package sha256 {package.checksum})")
    for failed_id, message in failed:
        click.echo(f"error: case {failed_id}: {message}", err=True)
    click.echo(f"archived {len(packages)} case(s)" + (f", {len(failed)} failed" if failed else ""))
    if failed:
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.argument("db")
@click.option(
    "--person",
    "person_id",
    required=True,
    metavar="ID",
    help="The guardian's or young person's id, as the cases name them.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The directory to write innsyn.json and innsyn.pdf in.",
)
@click.option(
    "--by",
    "by",
    required=True,
    metavar="ADMIN_ID",
    help="The administrator who answers the request (written in each case's access log).",
)
def insight(db: str, person_id: str, out_dir: str, by: str) -> None:
    """Write everything DB holds about a guardian or young person (GDPR art. 15, innsyn).

    For each case that names the person (as a guardian, or as the child the case is about):
    the family's view of the case as they may see it, what they wrote (notes, consents,
    requests to close), their consent decisions, and the access log of who has read the case
    and acted in it. Written as innsyn.json (for programs) and innsyn.pdf (PDF/A, for the
    person); each case's access log records the export. Check who is asking before you run
    it. A person no case names, or a directory that cannot be written, writes nothing (exit 1).
    """
    from btiflow.case.people import Actor
    from btiflow.insight import write_insight

    store = _store(db)
    try:
        export = write_insight(store, person_id, out_dir, by=Actor(by, "admin"))
    except BtiflowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"wrote {export.json_path} and {export.pdf_path} ({len(export.insight.cases)} case(s))"
    )


@main.command()
@click.argument("db")
@click.option(
    "--workflow", "guide", required=True, help="The guide new cases open on (a file or a name)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes serving requests (the service keeps no state: all of it is in DB).",
)
@click.option(
    "--issuer",
    envvar="BTIFLOW_ISSUER",
    required=True,
    help="The tokens' issuer (iss) [env BTIFLOW_ISSUER].",
)
@click.option(
    "--audience",
    envvar="BTIFLOW_AUDIENCE",
    required=True,
    help="This service's audience (aud) [env BTIFLOW_AUDIENCE].",
)
@click.option(
    "--jwks-url",
    envvar="BTIFLOW_JWKS_URL",
    required=True,
    help="Where the identity provider publishes its signing keys (JWKS) [env BTIFLOW_JWKS_URL].",
)
@click.option("--claim-id", default="sub", show_default=True, help="The claim with a person's id.")
@click.option("--claim-name", default="name", show_default=True, help="The claim with the name.")
@click.option("--claim-unit", default="unit", show_default=True, help="The claim with the unit.")
@click.option("--claim-role", default="role", show_default=True, help="The claim with the role.")
@click.option(
    "--claim-scope", default="scope", show_default=True, help="The claim with a system's scopes."
)
def serve(
    db: str,
    guide: str,
    host: str,
    port: int,
    workers: int,
    issuer: str,
    audience: str,
    jwks_url: str,
    claim_id: str,
    claim_name: str,
    claim_unit: str,
    claim_role: str,
    claim_scope: str,
) -> None:
    """Serve the HTTP API over DB for one guide, with OpenAPI 3.1 (needs btiflow[server]).

    DB is the deployment's one relay log (its tenant): a SQLite file or a PostgreSQL URL.
    Every request needs a bearer JWT from ISSUER for AUDIENCE, signed with a key published at
    JWKS_URL; the claims name the person (id, name, unit, role) or, without a role, a system
    with scopes. See docs/http-api.md.
    """
    try:
        import uvicorn

        from btiflow.server.settings import ENV, Claims, Settings
    except ImportError as exc:
        raise click.ClickException("btiflow serve needs: pip install 'btiflow[server]'") from exc
    workflow, problems = _load(guide)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    _store(db, create=True).close()  # the schema now, and a clear error for a bad DB
    settings = Settings(
        store=db,
        workflow=guide,
        issuer=issuer,
        audience=audience,
        jwks_url=jwks_url,
        claims=Claims(claim_id, claim_name, claim_unit, claim_role, claim_scope),
    )
    # Each worker process builds its app from the settings in its environment.
    os.environ[ENV] = settings.to_env()
    click.echo(
        f"btiflow serving {workflow.id} {workflow.version} on http://{host}:{port}", err=True
    )
    uvicorn.run(
        "btiflow.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ws="none",
        log_level="info",
    )


__all__ = ["main"]
