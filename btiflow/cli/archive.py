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
from btiflow.errors import BtiflowError


@main.command()
@click.argument("db")
@click.argument("case_id", metavar="[CASE]", required=False)
@click.option(
    "--closed-before",
    type=DAY,
    default=None,
    metavar="DATE",
    help="Archive every case closed before this day (2026-11-10 or 10.11.2026) that is not "
    "archived yet (instead of CASE).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The directory to write the packages in (one directory per case).",
)
@click.option(
    "--by",
    "by",
    required=True,
    metavar="ADMIN_ID",
    help="The administrator who archives (written in each case's log and access log).",
)
@click.option(
    "--class",
    "classification",
    default="BTI=stafettlogg",
    show_default=True,
    metavar="SYSTEM=CLASS",
    help="The archive's classification of BTI cases (klassifikasjonssystem=klasse).",
)
def archive(
    db: str, case_id: str | None, closed_before: dt.date | None, out_dir: str, by: str,
    classification: str,
) -> None:  # fmt: skip
    """Write the archive package of a case: the relay log as PDF/A and its Fiks Arkiv messages.

    Each package is a directory DIR/CASE-N (N: the entries it holds) with stafettlogg.pdf (the
    timeline and the family's view, PDF/A-3b), arkivmelding.xml (KS Fiks Arkiv V1: the case
    folder and the document's registry entry, with its SHA-256), for a closed case
    arkivmelding-avslutning.xml (the closing summary's registry entry), and manifest.json (every
    file's checksum; the package's checksum is the manifest's). The case's log records the
    package (a case_archived entry). Sending the messages through Fiks IO is the
    municipality's integration's job (docs/archive.md).

    Give CASE for one case (open or closed), or --closed-before DATE for every case closed
    before that day and not archived yet: each is archived once, so a second run writes
    nothing. Wrong input (an unknown case, a directory that cannot be written) writes nothing
    and exits 1; a date that is no date exits 2.
    """
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


@main.command()
@click.argument("db")
@click.option(
    "--person",
    "person_id",
    required=True,
    metavar="ID",
    help="The guardian's or young person's id, as the cases name them.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The directory to write innsyn.json and innsyn.pdf in.",
)
@click.option(
    "--by",
    "by",
    required=True,
    metavar="ADMIN_ID",
    help="The administrator who answers the request (written in each case's access log).",
)
def insight(db: str, person_id: str, out_dir: str, by: str) -> None:
    """Write everything DB holds about a guardian or young person (GDPR art. 15, innsyn).

    For each case that names the person (as a guardian, or as the child the case is about):
    the family's view of the case as they may see it, what they wrote (notes, consents,
    requests to close), their consent decisions, and the access log of who has read the case
    and acted in it. Written as innsyn.json (for programs) and innsyn.pdf (PDF/A, for the
    person); each case's access log records the export. Check who is asking before you run
    it. A person no case names, or a directory that cannot be written, writes nothing (exit 1).
    """
    from btiflow.case.people import Actor
    from btiflow.insight import write_insight

    store = _store(db)
    try:
        export = write_insight(store, person_id, out_dir, by=Actor(by, "admin"))
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    count = len(export.insight.cases)
    click.echo(_say("cli.insight.wrote", json=export.json_path, pdf=export.pdf_path, count=count))
