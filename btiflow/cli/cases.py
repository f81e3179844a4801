"""The commands on cases in a relay log: case-page, demo, log, due, migrate."""

from __future__ import annotations

import datetime as dt
import sys

import click

from btiflow.cli.group import (
    EXIT_PROBLEMS,
    _ChoiceOf,
    _load,
    _login_name,
    _opened_for_writing,
    _print_due,
    _print_log,
    _report,
    _store,
    main,
)
from btiflow.cli.mail import _print_mail
from btiflow.errors import BtiflowError, MigrationError


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


EXIT_NOT_ALL_MOVED = 3


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
