"""Moving municipality: export a case in a signed bundle, import one, make a signing key."""

from __future__ import annotations

from pathlib import Path

import click

from btiflow.cli.group import _said, _say, _store, main
from btiflow.cli.helptext import argument, option
from btiflow.errors import BtiflowError

_BY = option(
    "--by",
    "by",
    required=True,
    metavar="clihelp.metavar.admin_id",
    help="clihelp.option.admin_by",
)


@main.command(help="clihelp.command.export")
@argument("db", metavar="clihelp.metavar.db")
@argument("case_id", metavar="clihelp.metavar.case")
@option(
    "-o",
    "--output",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="clihelp.option.export.out_file",
)
@option(
    "--key",
    "key_file",
    required=True,
    envvar="BTIFLOW_TRANSFER_KEY",
    metavar="clihelp.metavar.keyfile",
    type=click.Path(dir_okay=False),
    help="clihelp.option.export.key_file",
)
@option(
    "--source",
    required=True,
    metavar="clihelp.metavar.name",
    help="clihelp.option.export.source",
)
@_BY
def export(db: str, case_id: str, out_file: str, key_file: str, source: str, by: str) -> None:
    from btiflow.case.people import Actor
    from btiflow.transfer import export_case, load_private_key

    try:
        key = load_private_key(key_file)
        done = export_case(
            _store(db), case_id, out_file, key=key, source=source, by=Actor(by, "admin")
        )
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(
        _say(
            "cli.transfer.exported",
            file=out_file,
            case=done.case_id,
            to=done.to,
            seq=done.head_seq,
            checksum=done.checksum,
        )
    )


@main.command("import", help="clihelp.command.import")
@argument("db", metavar="clihelp.metavar.db")
@argument(
    "bundle_file", metavar="clihelp.metavar.file", type=click.Path(exists=True, dir_okay=False)
)
@option(
    "--sender-key",
    "sender_key",
    required=True,
    metavar="clihelp.metavar.pubkeyfile",
    type=click.Path(exists=True, dir_okay=False),
    help="clihelp.option.import.sender_key",
)
@_BY
def import_(db: str, bundle_file: str, sender_key: str, by: str) -> None:
    from btiflow.case.people import Actor
    from btiflow.store.url import is_postgres
    from btiflow.transfer import import_case, load_public_key

    path = Path(db.removeprefix("sqlite:///"))
    new = not is_postgres(db) and not path.exists()  # a municipality's first case: a new log
    try:
        key = load_public_key(sender_key)
        data = Path(bundle_file).read_bytes()
        store = _store(db, create=True)
        try:
            done = import_case(store, data, sender_key=key, by=Actor(by, "admin"))
        except BtiflowError:
            if new:  # refused: leave no empty log behind
                store.close()
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
            raise
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(
        _say(
            "cli.transfer.imported",
            case=done.case_id,
            source=done.source,
            seq=done.head_seq,
            checksum=done.checksum,
        )
    )


@main.command("transfer-key", help="clihelp.command.transfer-key")
@argument("key_file", metavar="clihelp.metavar.keyfile", type=click.Path(dir_okay=False))
def transfer_key(key_file: str) -> None:
    from btiflow.transfer import generate_key

    try:
        public = generate_key(key_file)
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(_say("cli.transfer.key_written", file=key_file, public=public))
