"""The commands on a relay log as a whole: verify, copy."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import attrs
import click

from btiflow.cli.group import (
    EXIT_PROBLEMS,
    _lang,
    _reason,
    _said,
    _say,
    _store,
    main,
)
from btiflow.cli.helptext import argument, option
from btiflow.errors import BtiflowError, ConflictError


@main.command(help="clihelp.command.verify")
@argument("db", metavar="clihelp.metavar.db")
@option(
    "--heads",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="clihelp.option.verify.heads",
)
@option(
    "--against",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="clihelp.metavar.heads",
    help="clihelp.option.verify.against",
)
def verify(db: str, heads: str | None, against: str | None) -> None:
    from btiflow.store.check import BadHeads, check_heads, read_heads

    witness = None
    if against is not None:
        try:
            witness = read_heads(Path(against).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            reason = exc.words(_lang()) if isinstance(exc, BadHeads) else _reason(exc)
            raise click.ClickException(
                _say("cli.verify.bad_heads", file=against, reason=reason)
            ) from exc
    store = _store(db)
    report = store.verify()
    if witness is not None:
        report = attrs.evolve(report, problems=(*report.problems, *check_heads(store, witness)))
    for problem in (*report.problems, *report.notes):
        click.echo(_say("cli.verify.problem", db=db, problem=problem.said(_lang())))
    if heads:
        data = [{"case_id": h.case_id, "seq": h.seq, "hash": h.hash} for h in store.heads()]
        Path(heads).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    result = _say("cli.ok") if report.ok else _say("cli.verify.broken", count=len(report.problems))
    click.echo(
        _say("cli.verify.summary", db=db, cases=report.cases, entries=report.entries, result=result)
    )
    if not report.ok:
        sys.exit(EXIT_PROBLEMS)


@main.command(help="clihelp.command.copy")
@argument("source", metavar="clihelp.metavar.src")
@argument("target", metavar="clihelp.metavar.dst")
def copy(source: str, target: str) -> None:
    from btiflow.store.copy import copy_log

    src, dst = _store(source), _store(target, create=True)
    try:
        report = copy_log(src, dst)
    except ConflictError as exc:
        raise click.ClickException(_say("cli.copy.holds", target=target, case=exc.case_id)) from exc
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(
        _say(
            "cli.copy.done",
            cases=report.cases,
            entries=report.entries,
            source=source,
            target=target,
        )
    )
