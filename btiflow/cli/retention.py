"""Retention: purge what the guides' retention periods say is due; legal holds."""

from __future__ import annotations

import datetime as dt

import click

from btiflow.cli.group import _lang, _said, _say, _store, main
from btiflow.cli.helptext import argument, option
from btiflow.errors import BtiflowError

_BY = option(
    "--by",
    "by",
    required=True,
    metavar="clihelp.metavar.admin_id",
    help="clihelp.option.admin_by",
)


@main.command(help="clihelp.command.purge")
@argument("db", metavar="clihelp.metavar.db")
@option(
    "--at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="clihelp.metavar.yyyy_mm_dd",
    help="clihelp.option.purge.at",
)
@option("--dry-run", is_flag=True, help="clihelp.option.purge.dry_run")
@option(
    "--case",
    "case_ids",
    multiple=True,
    metavar="clihelp.metavar.case",
    help="clihelp.option.purge.case_ids",
)
@option(
    "--reference",
    required=True,
    metavar="clihelp.metavar.text",
    help="clihelp.option.purge.reference",
)
@_BY
def purge(
    db: str, at: dt.datetime | None, dry_run: bool, case_ids: tuple[str, ...], reference: str,
    by: str,
) -> None:  # fmt: skip
    from btiflow.case.people import Actor
    from btiflow.localtime import OSLO
    from btiflow.retention import purge as run_purge
    from btiflow.words import dates

    now = dt.datetime.now(dt.UTC)
    if at is not None:
        day = at.date()
        if day > now.astimezone(OSLO).date():
            raise click.BadParameter(_say("cli.retention.ahead"), param_hint="--at")
        now = dt.datetime.combine(day, dt.time(12), OSLO)
    store = _store(db)
    try:
        run = run_purge(
            store, by=Actor(by, "admin"), reference=reference, at=now,
            case_ids=list(case_ids) or None, dry_run=dry_run,
        )  # fmt: skip
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    for item in run.items:
        due = dates.short_day(item.day, _lang())
        what = "case" if item.what == "case" else "rows"
        key = f"cli.retention.would_erase_{what}" if dry_run else f"cli.retention.erased_{what}"
        click.echo(
            _say(key, case=item.case_id, entries=item.entries, rows=item.access_rows, day=due)
        )
    for case_id in run.held:
        click.echo(_say("cli.retention.left_held", case=case_id))
    cases = sum(1 for i in run.items if i.what == "case")
    summary = _say(
        "cli.retention.summary", cases=cases, cut=len(run.items) - cases, held=len(run.held)
    )
    click.echo(_say("cli.retention.dry_run", summary=summary) if dry_run else summary)


@main.command(help="clihelp.command.hold")
@argument("db", metavar="clihelp.metavar.db")
@argument("case_id", metavar="clihelp.metavar.case")
@option(
    "--reason", required=True, metavar="clihelp.metavar.text", help="clihelp.option.hold.reason"
)
@_BY
def hold(db: str, case_id: str, reason: str, by: str) -> None:
    from btiflow.case.people import Actor
    from btiflow.retention import place_hold

    try:
        place_hold(_store(db), case_id, by=Actor(by, "admin"), reason=reason)
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(_say("cli.retention.held", case=case_id))


@main.command(help="clihelp.command.release")
@argument("db", metavar="clihelp.metavar.db")
@argument("case_id", metavar="clihelp.metavar.case")
@option(
    "--reason", required=True, metavar="clihelp.metavar.text", help="clihelp.option.release.reason"
)
@_BY
def release(db: str, case_id: str, reason: str, by: str) -> None:
    from btiflow.case.people import Actor
    from btiflow.retention import release_hold

    try:
        release_hold(_store(db), case_id, by=Actor(by, "admin"), reason=reason)
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(_say("cli.retention.released", case=case_id))
