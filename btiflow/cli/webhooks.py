"""The commands on webhooks: webhooks send."""

from __future__ import annotations

import sys
from contextlib import closing

import click

from btiflow.cli.group import EXIT_PROBLEMS, _said, _say, _store, main
from btiflow.cli.helptext import argument, option
from btiflow.errors import BtiflowError


@main.group(help="clihelp.command.webhooks")
def webhooks() -> None:
    """The webhooks group (its help, as every command's, is in the catalogue)."""


@webhooks.command("send", help="clihelp.command.webhooks.send")
@argument("db", metavar="clihelp.metavar.db")
@option(
    "--limit", type=click.IntRange(1, None), default=None, help="clihelp.option.webhooks.send.limit"
)
@option(
    "--every",
    type=click.FloatRange(0.1, None),
    default=None,
    metavar="clihelp.metavar.seconds",
    help="clihelp.option.webhooks.send.every",
)
@option(
    "--timeout",
    type=click.FloatRange(0.1, 120),
    default=10.0,
    show_default=True,
    help="clihelp.option.webhooks.send.timeout",
)
def send(db: str, limit: int | None, every: float | None, timeout: float) -> None:
    from btiflow.store.url import open_webhooks
    from btiflow.webhooks.dispatch import WebhookDispatcher

    _store(db).close()
    try:
        with closing(open_webhooks(db, create=False)) as queue:
            dispatcher = WebhookDispatcher(queue, timeout=timeout)
            report = dispatcher.watch(every) if every is not None else dispatcher.run(limit)
            counts = ", ".join(
                f"{n} {_say(f'cli.webhooks.status.{s}')}" for s, n in queue.counts().items() if n
            )
            click.echo(
                _say(
                    "cli.webhooks.result",
                    sent=report.sent,
                    failed=report.failed,
                    deferred=report.deferred,
                    counts=counts or _say("cli.webhooks.empty"),
                )
            )
    except (BtiflowError, ValueError) as exc:
        raise click.ClickException(_said(exc)) from exc
    if report.failed:
        sys.exit(EXIT_PROBLEMS)
