"""Retention: purge what the guides' retention periods say is due; legal holds."""

from __future__ import annotations

import datetime as dt

import click

from btiflow.cli.group import _lang, _said, _say, _store, main
from btiflow.errors import BtiflowError

_BY = click.option(
    "--by",
    "by",
    required=True,
    metavar="ADMIN_ID",
    help="The administrator who does it (written in the case's log).",
)


@main.command()
@click.argument("db")
@click.option(
    "--at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Purge what is due on this day (default: today); a later day than today is refused.",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be erased; write nothing.")
@click.option(
    "--case",
    "case_ids",
    multiple=True,
    metavar="CASE",
    help="Only this case (repeatable); refused unless it is archived, due and not held.",
)
@click.option(
    "--reference",
    required=True,
    metavar="TEXT",
    help="The decision or rule the erasure follows (e.g. the archive plan's reference).",
)
@_BY
def purge(
    db: str, at: dt.datetime | None, dry_run: bool, case_ids: tuple[str, ...], reference: str,
    by: str,
) -> None:  # fmt: skip
    """Erase the contents of cases past their retention period, and old access-log rows.

    A closed case whose archive package was written longer ago than its guide's
    retention.after_archive is purged: every entry's content (who, as what, and what it says)
    and the case's state are erased, its access log removed; seq, time, kind and the hashes
    stay, so btiflow verify still passes and exported chain heads still match. A case_purged
    entry records it. Of other cases, access-log rows older than retention.access_log are
    removed (an access_log_erased entry). Cases under a legal hold are never touched.
    With --case, a case that is not archived, not yet due, held or already purged is refused
    (exit 1) and nothing is written.
    """
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


@main.command()
@click.argument("db")
@click.argument("case_id", metavar="CASE")
@click.option("--reason", required=True, metavar="TEXT", help="Why (recorded in the log).")
@_BY
def hold(db: str, case_id: str, reason: str, by: str) -> None:
    """Put a case under a legal hold: no purge touches it until it is released."""
    from btiflow.case.people import Actor
    from btiflow.retention import place_hold

    try:
        place_hold(_store(db), case_id, by=Actor(by, "admin"), reason=reason)
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(_say("cli.retention.held", case=case_id))


@main.command()
@click.argument("db")
@click.argument("case_id", metavar="CASE")
@click.option("--reason", required=True, metavar="TEXT", help="Why (recorded in the log).")
@_BY
def release(db: str, case_id: str, reason: str, by: str) -> None:
    """Release a case's legal hold: its retention period applies again."""
    from btiflow.case.people import Actor
    from btiflow.retention import release_hold

    try:
        release_hold(_store(db), case_id, by=Actor(by, "admin"), reason=reason)
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(_say("cli.retention.released", case=case_id))
