"""The commands on cases in a relay log: case-page, demo, cases, log, due, migrate."""

from __future__ import annotations

import datetime as dt
import sys

import click

from btiflow.cli.group import (
    DAY,
    EXIT_PROBLEMS,
    _ChoiceOf,
    _lang,
    _load,
    _login_name,
    _opened_for_writing,
    _print_due,
    _print_log,
    _report,
    _said,
    _say,
    _store,
    main,
)
from btiflow.cli.helptext import argument, option
from btiflow.cli.mail import _print_mail
from btiflow.errors import BtiflowError, CaseNotFound, MigrationError


@main.command("case-page", help="clihelp.command.case-page")
@argument("db", metavar="clihelp.metavar.db")
@argument("case_id", metavar="clihelp.metavar.case")
@option(
    "--as",
    "viewer_id",
    required=True,
    metavar="clihelp.metavar.viewer",
    help="clihelp.option.case-page.viewer_id",
)
@option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="clihelp.option.case-page.output",
)
@option(
    "--by",
    "operator",
    metavar="clihelp.metavar.operator",
    default=None,
    help="clihelp.option.case-page.operator",
)
@option(
    "--theme",
    "theme_file",
    metavar="clihelp.metavar.file",
    default=None,
    help="clihelp.option.case-page.theme_file",
)
def case_page_command(
    db: str,
    case_id: str,
    viewer_id: str,
    output: str,
    operator: str | None,
    theme_file: str | None,
) -> None:
    from btiflow.engine import Engine
    from btiflow.errors import WorkflowError
    from btiflow.render.casepage import actor_in_case, case_page, people_in_case
    from btiflow.render.theme import theme_of
    from btiflow.views import StaffView

    try:  # before the case is read: a theme with problems logs no read
        theme = theme_of(theme_file)
    except WorkflowError as exc:
        _report(exc.problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    store = _store(db)
    by = (operator or _login_name()).strip()
    if not by:
        raise click.BadParameter(_say("cli.case_page.give_by"), param_hint="--by")
    try:
        case = store.load(case_id)
        viewer = actor_in_case(case, viewer_id)
        if viewer is None:
            named = [(p.id, p.name) for p in people_in_case(case)]
            named.append((case.subject, _say("cli.case_page.the_child")))
            width = max(len(i) for i, _ in named)
            lines = [f"  {i.ljust(width)}  {name}".rstrip() for i, name in named]
            text = _say("cli.case_page.not_in_case", viewer=viewer_id, case=case_id)
            raise click.ClickException("\n".join([text, *lines]))
        engine = Engine(store.load_workflow(case.workflow_hash), store)
        # the file is opened before the read is logged: a read the page cannot deliver is not
        # recorded as made
        with _opened_for_writing(output) as out:
            view = engine.view(case_id, viewer, via=f"case-page by {by}")
            family = view.family if isinstance(view, StaffView) else view
            workflow = engine.workflow_of(case)
            out.write(case_page(workflow, family, case.step, is_open=case.is_open, theme=theme))
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(_say("cli.wrote", path=output), err=True)


@main.command(help="clihelp.command.demo")
@option(
    "--db",
    default="btiflow-demo.db",
    show_default=True,
    help="clihelp.option.demo.db",
)
@option(
    "--workflow",
    "workflow_name",
    default="kafjord",
    show_default=True,
    help="clihelp.option.demo.workflow_name",
)
def demo(db: str, workflow_name: str) -> None:
    from btiflow.demo import family_text, foreign_cases, refusal, run_demo
    from btiflow.store.url import open_store
    from btiflow.words import dates

    workflow, problems = _load(workflow_name)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    try:
        store = open_store(db)
    except (BtiflowError, ValueError) as exc:  # e.g. --db names another program's database
        raise click.ClickException(_said(exc)) from exc
    click.get_current_context().call_on_close(store.close)
    if others := foreign_cases(store):
        raise click.ClickException(refusal(db, len(others), _lang()))
    try:
        engine, cases = run_demo(workflow, store)
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    for case in cases:
        _print_log(store, case.id)
        click.echo()
    click.echo(family_text(engine, cases[0].id))
    click.echo()
    now = engine.clock()
    day = dates.day(now, _lang())
    _print_due(store, engine.iter_due(now), _say("cli.demo.due", days=7, day=day))
    _print_due(store, engine.iter_overdue(now), _say("cli.demo.overdue"))
    click.echo()
    _print_mail(db)
    report = engine.verify()
    result = _say("cli.ok") if report.ok else _say("cli.failed_check")
    click.echo()
    click.echo(
        _say("cli.demo.verified", cases=report.cases, entries=report.entries, result=result, db=db)
    )


@main.command("cases", help="clihelp.command.cases")
@argument("db", metavar="clihelp.metavar.db")
@option("--subject", metavar="clihelp.metavar.id", help="clihelp.option.cases.subject")
@option(
    "--holder",
    metavar="clihelp.metavar.id_or_name",
    help="clihelp.option.cases.holder",
)
@option("--level", type=click.IntRange(0, 3), help="clihelp.option.cases.level")
@option("--status", type=click.Choice(["open", "closed"]), help="clihelp.option.cases.status")
@option(
    "--due-before",
    type=DAY,
    default=None,
    metavar="clihelp.metavar.date",
    help="clihelp.option.cases.due_before",
)
def cases_command(
    db: str,
    subject: str | None,
    holder: str | None,
    level: int | None,
    status: str | None,
    due_before: dt.date | None,
) -> None:
    from btiflow.engine import Engine
    from btiflow.words import dates

    store = _store(db)
    ids = store.case_ids()
    if not ids:
        click.echo(_say("cli.cases.none"))
        return
    engine = Engine(store.load_workflow(store.load(ids[0]).workflow_hash), store)
    found = engine.cases(
        None,
        subject=subject,
        level=level,
        due_before=due_before,
        status=status,
    )
    rows: list[tuple[str, ...]] = []
    for summary in found:
        held = engine.case(summary.case_id).baton_holder
        name = (held.name or held.id) if held else "-"
        if holder is not None and not _holder_matches(held.id if held else None, name, holder):
            continue
        due = summary.next_evaluation_due
        rows.append(
            (
                summary.case_id,
                summary.subject,
                str(summary.level),
                name,
                _say(f"views.status.{summary.status}"),
                dates.short_day(dt.date.fromisoformat(due)) if due else "-",
            )
        )
    columns = ("case", "subject", "level", "holder", "status", "next_evaluation")
    _print_table([_say(f"cli.cases.{k}") for k in columns], rows)
    click.echo(_say("cli.cases.count", count=len(rows)) if rows else _say("cli.cases.none"))


def _holder_matches(held: str | None, name: str, wanted: str) -> bool:
    """The baton holder is the one asked for: the same id, or a name containing the text."""
    return held == wanted or (held is not None and wanted.casefold() in name.casefold())


def _print_table(header: list[str], rows: list[tuple[str, ...]]) -> None:
    if not rows:
        return
    widths = [max(len(r[i]) for r in [tuple(header), *rows]) for i in range(len(header))]
    for row in [tuple(header), *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@main.command(help="clihelp.command.log")
@argument("db", metavar="clihelp.metavar.db")
@argument("case_id", metavar="clihelp.metavar.case")
def log(db: str, case_id: str) -> None:
    store = _store(db)
    try:
        _print_log(store, case_id)
    except CaseNotFound as exc:
        raise click.ClickException(f"{_said(exc)}. {_say('cli.log.find_case', db=db)}") from exc
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc


@main.command(help="clihelp.command.due")
@argument("db", metavar="clihelp.metavar.db")
@option(
    "--at",
    "at",
    type=DAY,
    default=None,
    help="clihelp.option.due.at",
)
@option(
    "--within",
    type=click.IntRange(0, 365),
    default=7,
    show_default=True,
    help="clihelp.option.due.within",
)
def due(db: str, at: dt.date | None, within: int) -> None:
    store = _store(db)
    from btiflow.localtime import OSLO
    from btiflow.words import dates

    day = at or dt.datetime.now(OSLO).date()
    last = day + dt.timedelta(days=within)
    first_words, last_words = dates.day(day, _lang()), dates.day(last, _lang())
    from btiflow.store.due import due_rows, overdue_rows

    heading = _say("cli.due.within", first=first_words, last=last_words)
    _print_due(store, due_rows(store, day, last), heading)
    _print_due(store, overdue_rows(store, day), _say("cli.due.overdue_at", day=first_words))


EXIT_NOT_ALL_MOVED = 3


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise click.BadParameter(_say("cli.migrate.map_form", pair=pair), param_hint="--map")
        if source.strip() in mapping:
            raise click.BadParameter(
                _say("cli.migrate.mapped_twice", step=source.strip()), param_hint="--map"
            )
        mapping[source.strip()] = target.strip()
    return mapping


@main.command(help="clihelp.command.migrate")
@argument("db", metavar="clihelp.metavar.db")
@option("--to", "to", required=True, help="clihelp.option.migrate.to")
@option(
    "--map",
    "pairs",
    multiple=True,
    metavar="clihelp.metavar.old_step_new_step",
    help="clihelp.option.migrate.pairs",
)
@option("--dry-run", is_flag=True, help="clihelp.option.migrate.dry_run")
@option(
    "--deadlines",
    type=_ChoiceOf("btiflow.migrate", "DEADLINE_MODES"),
    default="keep",
    show_default=True,
    help="clihelp.option.migrate.deadlines",
)
@option(
    "--by",
    "by",
    metavar="clihelp.metavar.actor_id",
    default=None,
    help="clihelp.option.migrate.by",
)
def migrate(
    db: str, to: str, pairs: tuple[str, ...], dry_run: bool, deadlines: str, by: str | None
) -> None:
    from btiflow.case.people import Actor
    from btiflow.migrate import apply_migration, plan_migration, plan_text

    mapping = _mapping(pairs)
    if not dry_run and not by:
        raise click.UsageError(_say("cli.migrate.give_by"))
    workflow, problems = _load(to)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    store = _store(db)
    try:
        plan = plan_migration(store, workflow, mapping=mapping, deadlines=deadlines)
    except MigrationError as exc:
        for problem in exc.problems:
            click.echo(_say("cli.problem", problem=problem), err=True)
        click.echo(_say("cli.nothing_written"), err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(plan_text(plan, dry_run=dry_run), nl=False)
    staying = len(plan.staying)
    if not dry_run:
        assert by is not None
        result = apply_migration(store, plan, by=Actor(by, "admin"))
        for conflict in result.conflicts:
            click.echo(
                _say("cli.migrate.not_moved", case=conflict.case_id, message=conflict.message)
            )
        click.echo(
            _say(
                "cli.migrate.moved",
                count=len(result.migrated),
                guide=workflow.id,
                version=workflow.version,
            )
        )
        staying += len(result.conflicts)
    if staying:
        sys.exit(EXIT_NOT_ALL_MOVED)
