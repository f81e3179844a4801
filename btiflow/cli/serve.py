"""The HTTP service: serve."""

from __future__ import annotations

import ipaddress
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import attrs
import click

from btiflow.cli.group import (
    EXIT_PROBLEMS,
    _load,
    _report,
    _say,
    _store,
    main,
)
from btiflow.cli.helptext import argument, option


@main.command(help="clihelp.command.serve")
@argument("db", metavar="clihelp.metavar.db", required=False)
@option(
    "--workflow",
    "guide",
    help="clihelp.option.serve.guide",
)
@option("--host", default="127.0.0.1", show_default=True, help="clihelp.option.serve.host")
@option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="clihelp.option.serve.port",
)
@option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="clihelp.option.serve.workers",
)
@option(
    "--issuer",
    envvar="BTIFLOW_ISSUER",
    help="clihelp.option.serve.issuer",
)
@option(
    "--audience",
    envvar="BTIFLOW_AUDIENCE",
    help="clihelp.option.serve.audience",
)
@option(
    "--jwks-url",
    envvar="BTIFLOW_JWKS_URL",
    help="clihelp.option.serve.jwks_url",
)
@option("--claim-id", default="sub", show_default=True, help="clihelp.option.serve.claim_id")
@option("--claim-name", default="name", show_default=True, help="clihelp.option.serve.claim_name")
@option("--claim-unit", default="unit", show_default=True, help="clihelp.option.serve.claim_unit")
@option("--claim-role", default="role", show_default=True, help="clihelp.option.serve.claim_role")
@option(
    "--claim-scope", default="scope", show_default=True, help="clihelp.option.serve.claim_scope"
)
@option(
    "--login",
    "login_file",
    type=click.Path(exists=True, dir_okay=False),
    help="clihelp.option.serve.login_file",
)
@option(
    "--demo",
    is_flag=True,
    help="clihelp.option.serve.demo",
)
def serve(
    db: str | None,
    guide: str | None,
    host: str,
    port: int,
    workers: int,
    issuer: str | None,
    audience: str | None,
    jwks_url: str | None,
    claim_id: str,
    claim_name: str,
    claim_unit: str,
    claim_role: str,
    claim_scope: str,
    login_file: str | None,
    demo: bool,
) -> None:
    try:
        import uvicorn

        from btiflow.server.settings import ENV, Claims, Login, Settings
    except ImportError as exc:
        raise click.ClickException(_say("cli.serve.needs")) from exc
    if demo:
        from btiflow.demo import DEMO_GUIDE

        _loopback_only(host)
        guide = guide or DEMO_GUIDE  # names its services: consent by checkbox
    elif not (db and guide and issuer and audience and jwks_url):
        raise click.UsageError(
            "DB, --workflow, --issuer, --audience and --jwks-url are needed (or --demo)"
        )
    workflow, problems = _load(guide)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    if demo:
        db = _demo_log(workflow, db)
        workers = 1
    assert db is not None
    _store(db, create=True).close()  # the schema now, and a clear error for a bad DB
    login = Login.from_file(login_file) if login_file else None
    if demo:
        here = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        login = attrs.evolve(login or Login(here), public_url=here, cookie_secure=False, demo=True)
    settings = Settings(
        store=db,
        workflow=guide,
        issuer=issuer or "",
        audience=audience or "",
        jwks_url=jwks_url or "",
        claims=Claims(claim_id, claim_name, claim_unit, claim_role, claim_scope),
        login=login,
    )
    # Each worker process builds its app from the settings in its environment.
    os.environ[ENV] = settings.to_env()
    click.echo(
        _say(
            "cli.serve.serving", guide=workflow.id, version=workflow.version, host=host, port=port
        ),
        err=True,
    )
    if demo:
        click.echo(DEMO_BANNER.format(url=f"http://{host}:{port}/", db=db), err=True)
    uvicorn.run(
        "btiflow.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ws="none",
        log_level="info",
    )


DEMO_BANNER = """\
DEMO: invented cases in {db}, and a DEVELOPMENT LOGIN: pick a person, no password.
      Only on this machine (loopback). Never use it for real cases. Open {url}"""


def _loopback_only(host: str) -> None:
    """The development login listens on loopback or not at all."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise click.UsageError(
            f"--demo has a login without a password: it listens only on loopback "
            f"(127.0.0.1, ::1, localhost), not on {host}"
        )


def _demo_log(workflow: Any, db: str | None) -> str:
    """The demo's relay log: DB when given (filled with the demo's cases if it has none),
    else a new file in a temporary directory."""
    from btiflow.demo import run_demo

    if db is None:
        db = str(Path(tempfile.mkdtemp(prefix="btiflow-demo-")) / "stafettlogg.db")
    store = _store(db, create=True)
    empty = not store.case_ids()
    store.close()
    if empty:
        engine, _ = run_demo(workflow, db)
        engine.store.close()
    return db
