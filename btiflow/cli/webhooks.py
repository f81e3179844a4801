"""The commands on webhooks: webhooks send."""

from __future__ import annotations

import sys
from contextlib import closing

import click

from btiflow.cli.group import EXIT_PROBLEMS, _said, _say, _store, main
from btiflow.errors import BtiflowError


@main.group()
def webhooks() -> None:
    """Webhooks: tell subscribers of every new entry (metadata only), signed."""


@webhooks.command("send")
@click.argument("db")
@click.option("--limit", type=click.IntRange(1, None), default=None, help="Send at most this many.")
@click.option(
    "--every",
    type=click.FloatRange(0.1, None),
    default=None,
    metavar="SECONDS",
    help="Keep going: look for due deliveries again every SECONDS (until stopped).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 120),
    default=10.0,
    show_default=True,
    help="Seconds to wait for a subscriber's answer.",
)
def send(db: str, limit: int | None, every: float | None, timeout: float) -> None:
    """Send the webhook deliveries due in DB, each signed per Standard Webhooks.

    A subscriber that answers 2xx has it; any other answer, or none, is tried again later
    (30 s, 1 min, 2 min, ... up to 6 hours apart; failed after 12 attempts). Exit 1 when a
    delivery failed for good.
    """
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
