"""The commands on the outbox: outbox, send, remind."""

from __future__ import annotations

import datetime as dt
import os
import sys
from contextlib import closing
from typing import TYPE_CHECKING

import click

from btiflow.cli.group import (
    DAY,
    EXIT_PROBLEMS,
    _ChoiceOf,
    _lang,
    _said,
    _say,
    _store,
    main,
)
from btiflow.cli.helptext import argument, option
from btiflow.errors import BtiflowError

if TYPE_CHECKING:
    from btiflow.notify.outbox import MailQueue, OutboxMessage


def _print_mail(db: str) -> None:
    """The invitations and reminders in the outbox, and what the first invitation says."""
    from btiflow.store.url import open_outbox

    with closing(open_outbox(db)) as outbox:
        rows = outbox.messages()
    click.echo(_say("cli.mail.heading", count=len(rows), db=db))
    for m in rows:
        event = m.calendar()
        ics = ""
        if event:
            what = _say(f"cli.mail.calendar.{event.method.lower()}")
            ics = "  " + _say("cli.mail.calendar", what=what, sequence=event.sequence)
        to = m.address or _say("cli.mail.no_address", recipient=m.recipient)
        click.echo(f"  {to}: {m.subject}{ics}")
    first = next((m for m in rows if m.kind == "invitation" and m.address), None)
    if first is not None:
        click.echo()
        click.echo(_say("cli.mail.first", address=first.address))
        for line in first.text().splitlines():
            click.echo(f"  | {line}")


def _local(moment: dt.datetime) -> str:
    from btiflow.words import dates

    return dates.short_moment(moment, _lang())


def _detail(m: OutboxMessage) -> str:
    if m.status == "sent" and m.sent_at is not None:
        again = f" ({_words(m.error)})" if m.error else ""
        return _say("cli.outbox.sent", at=_local(m.sent_at), attempt=m.attempts, again=again)
    if m.status == "failed":
        return _say("cli.outbox.failed", error=_words(m.error))
    if m.status == "skipped":
        return _say("cli.outbox.skipped", note=_words(m.note))
    if m.attempts:
        at = _local(m.next_attempt_at)
        return _say("cli.outbox.retry", attempt=m.attempts, error=_words(m.error), at=at)
    return _say("cli.outbox.waiting")


def _words(stored: str | None) -> str:
    """What the dispatcher or the outbox wrote (kept in English), in the user's words; a mail
    server's own reply as it is."""
    from btiflow.notify.problems import reword

    return reword(stored or "", _lang())


def _counts(outbox: MailQueue) -> str:
    return ", ".join(
        _say("cli.outbox.count", count=n, status=_say(f"cli.outbox.status.{status}"))
        for status, n in outbox.counts().items()
        if n
    )


@main.command("outbox", help="clihelp.command.outbox")
@argument("db", metavar="clihelp.metavar.db")
@option(
    "--status",
    type=_ChoiceOf("btiflow.notify.outbox", "STATUSES"),
    default=None,
    help="clihelp.option.outbox.status",
)
def outbox_command(db: str, status: str | None) -> None:
    from btiflow.store.url import open_outbox

    _store(db).close()
    with closing(open_outbox(db, create=False)) as outbox:
        rows = outbox.messages(status)
        for m in rows:
            to = f"{m.recipient} <{m.address}>" if m.address else m.recipient
            status = _say(f"cli.outbox.status.{m.status}")
            kind = _say(f"cli.mail.kind.{m.kind}")
            click.echo(f"{m.id:>4}  {status:<10} {_local(m.created_at)}  {kind:<20} {to}")
            click.echo(f"      {m.subject}")
            click.echo(f"      {_detail(m)}")
        click.echo(_counts(outbox) or _say("cli.outbox.empty"))


@main.command(help="clihelp.command.send")
@argument("db", metavar="clihelp.metavar.db")
@option(
    "--smtp",
    "server",
    required=True,
    metavar="clihelp.metavar.host_port",
    help="clihelp.option.send.server",
)
@option("--starttls", is_flag=True, help="clihelp.option.send.starttls")
@option("--user", default=None, help="clihelp.option.send.user")
@option(
    "--password-env",
    default=None,
    metavar="clihelp.metavar.var",
    help="clihelp.option.send.password_env",
)
@option("--from", "sender", default=None, help="clihelp.option.send.sender")
@option(
    "--cafile",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="clihelp.option.send.cafile",
)
@option("--limit", type=click.IntRange(1, None), default=None, help="clihelp.option.send.limit")
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
    import ssl

    from btiflow.notify.dispatch import Dispatcher, SmtpSettings
    from btiflow.store.url import open_outbox

    host, _, port = server.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(_say("cli.send.smtp_form"), param_hint="--smtp")
    if (user is None) != (password_env is None):
        raise click.UsageError(_say("cli.send.user_password"))
    password = None
    if password_env is not None:
        password = os.environ.get(password_env)
        if password is None:
            raise click.ClickException(_say("cli.send.no_password", name=password_env))
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
            counts = _counts(outbox) or _say("cli.outbox.empty")
            click.echo(
                _say(
                    "cli.send.result",
                    sent=report.sent,
                    failed=report.failed,
                    deferred=report.deferred,
                    counts=counts,
                )
            )
    except (BtiflowError, ValueError) as exc:
        raise click.ClickException(_said(exc)) from exc
    if report.problem:
        click.echo(_words(report.problem), err=True)
    if report.problem or report.failed:
        sys.exit(EXIT_PROBLEMS)


@main.command(help="clihelp.command.remind")
@argument("db", metavar="clihelp.metavar.db")
@option(
    "--login-url",
    envvar="BTIFLOW_LOGIN_URL",
    required=True,
    help="clihelp.option.remind.login_url",
)
@option(
    "--sender",
    envvar="BTIFLOW_MAIL_FROM",
    required=True,
    help="clihelp.option.remind.sender",
)
@option(
    "--at",
    "at",
    type=DAY,
    default=None,
    help="clihelp.option.remind.at",
)
def remind(db: str, login_url: str, sender: str, at: dt.date | None) -> None:
    from btiflow.engine import Engine
    from btiflow.localtime import OSLO
    from btiflow.notify.messages import NotifyConfig

    store = _store(db)
    try:
        config = NotifyConfig(login_url, sender)
        versions = [store.load_workflow(h) for h, _, _ in store.workflow_versions()]
        if not versions:
            raise click.ClickException(_say("cli.remind.no_cases", db=db))
        engine = Engine(versions, store, notify=config)
        moment = dt.datetime.combine(at, dt.time(12), OSLO) if at else None
        added = engine.plan_reminders(moment)
    except (BtiflowError, ValueError) as exc:
        raise click.ClickException(_said(exc)) from exc
    if added == 1:
        click.echo(_say("cli.remind.added_one", db=db))
    else:
        click.echo(_say("cli.remind.added", count=added, db=db))
