"""The archive package of a closed case, and a person's right of access: archive, insight."""

from __future__ import annotations

import datetime as dt
import sys

import click

from btiflow.cli.group import (
    DAY,
    EXIT_PROBLEMS,
    _said,
    _say,
    _store,
    main,
)
from btiflow.cli.helptext import argument, option
from btiflow.errors import BtiflowError


@main.command(help="clihelp.command.archive")
@argument("db", metavar="clihelp.metavar.db")
@argument("case_id", metavar="clihelp.metavar.case", required=False)
@option(
    "--closed-before",
    type=DAY,
    default=None,
    metavar="clihelp.metavar.date",
    help="clihelp.option.archive.closed_before",
)
@option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="clihelp.option.archive.out_dir",
)
@option(
    "--by",
    "by",
    required=True,
    metavar="clihelp.metavar.admin_id",
    help="clihelp.option.archive.by",
)
@option(
    "--class",
    "classification",
    default="BTI=stafettlogg",
    show_default=True,
    metavar="clihelp.metavar.system_class",
    help="clihelp.option.archive.classification",
)
def archive(
    db: str, case_id: str | None, closed_before: dt.date | None, out_dir: str, by: str,
    classification: str,
) -> None:  # fmt: skip
    from btiflow.archive import Classification, archive_case, archive_closed
    from btiflow.case.people import Actor

    if (case_id is None) == (closed_before is None):
        raise click.UsageError(_say("cli.archive.either"))
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
                store, out_dir, closed_before=closed_before, by=admin,
                classification=klass,
            )  # fmt: skip
            packages, failed = list(run.packages), run.failed
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    for package in packages:
        click.echo(
            _say("cli.archive.wrote", directory=package.directory, checksum=package.checksum)
        )
    for failed_id, message in failed:
        click.echo(_say("cli.archive.case_failed", case=failed_id, message=message), err=True)
    if failed:
        click.echo(_say("cli.archive.done_failed", count=len(packages), failed=len(failed)))
    else:
        click.echo(_say("cli.archive.done", count=len(packages)))
    if failed:
        sys.exit(EXIT_PROBLEMS)


@main.command(help="clihelp.command.insight")
@argument("db", metavar="clihelp.metavar.db")
@option(
    "--person",
    "person_id",
    required=True,
    metavar="clihelp.metavar.id",
    help="clihelp.option.insight.person_id",
)
@option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="clihelp.option.insight.out_dir",
)
@option(
    "--by",
    "by",
    required=True,
    metavar="clihelp.metavar.admin_id",
    help="clihelp.option.insight.by",
)
def insight(db: str, person_id: str, out_dir: str, by: str) -> None:
    from btiflow.case.people import Actor
    from btiflow.insight import write_insight

    store = _store(db)
    try:
        export = write_insight(store, person_id, out_dir, by=Actor(by, "admin"))
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    count = len(export.insight.cases)
    click.echo(_say("cli.insight.wrote", json=export.json_path, pdf=export.pdf_path, count=count))
