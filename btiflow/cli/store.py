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
from btiflow.errors import BtiflowError, ConflictError


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
