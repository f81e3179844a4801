"""Moving municipality: export a case in a signed bundle, import one, make a signing key."""

from __future__ import annotations

from pathlib import Path

import click

from btiflow.cli.group import _said, _say, _store, main
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
@click.argument("case_id", metavar="CASE")
@click.option(
    "-o", "--output", "out_file", required=True, type=click.Path(dir_okay=False),
    help="The bundle file to write (never overwritten).",
)  # fmt: skip
@click.option(
    "--key", "key_file", required=True, envvar="BTIFLOW_TRANSFER_KEY", metavar="KEYFILE",
    type=click.Path(dir_okay=False),
    help="The sending store's Ed25519 private key (PEM; btiflow transfer-key makes one); "
    "or the environment variable BTIFLOW_TRANSFER_KEY.",
)  # fmt: skip
@click.option(
    "--source", required=True, metavar="NAME",
    help="The sending municipality's name, as the receiver will see it.",
)  # fmt: skip
@_BY
def export(db: str, case_id: str, out_file: str, key_file: str, source: str, by: str) -> None:
    """Write a case's signed bundle for the municipality the family moves to, and close it here.

    The bundle (JSON) holds every entry of the case, every guide version it pinned and its
    chain head, signed with the store's Ed25519 key; it holds personal data: send it as you
    would the case itself. The case here is then closed with a case_transferred entry (the
    bundle's checksum). Refused (exit 1, nothing written) unless the family has consented to
    the transfer; for a case purged or moved already; or a file already there.
    """
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


@main.command("import")
@click.argument("db")
@click.argument("bundle_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--sender-key", "sender_key", required=True, metavar="PUBKEYFILE",
    type=click.Path(exists=True, dir_okay=False),
    help="The sending municipality's Ed25519 public key (PEM), got from them another way.",
)  # fmt: skip
@_BY
def import_(db: str, bundle_file: str, sender_key: str, by: str) -> None:
    """Take in a case another municipality exported (btiflow export), checked end to end.

    The signature must verify with the sender's public key, every entry's hash and link must
    hold, every guide version must match its hash, the family's consent to the transfer must
    be in the log, and the case must not be in DB already; else exit 1 and nothing is
    written. The case keeps the guide version it pinned (stored with it); it moves to this
    municipality's guide only by btiflow migrate. A case_received entry records the bundle.
    """
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


@main.command("transfer-key")
@click.argument("key_file", metavar="KEYFILE", type=click.Path(dir_okay=False))
def transfer_key(key_file: str) -> None:
    """Make the store's Ed25519 signing key: KEYFILE (private, owner only) and KEYFILE.pub.

    Give KEYFILE.pub to the municipalities that receive your cases (btiflow import
    --sender-key); keep KEYFILE where btiflow export runs. Existing files are never
    overwritten.
    """
    from btiflow.transfer import generate_key

    try:
        public = generate_key(key_file)
    except BtiflowError as exc:
        raise click.ClickException(_said(exc)) from exc
    click.echo(_say("cli.transfer.key_written", file=key_file, public=public))
