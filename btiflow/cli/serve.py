"""The HTTP service: serve."""

from __future__ import annotations

import os
import sys

import click

from btiflow.cli.group import (
    EXIT_PROBLEMS,
    _load,
    _report,
    _say,
    _store,
    main,
)


@main.command()
@click.argument("db")
@click.option(
    "--workflow", "guide", required=True, help="The guide new cases open on (a file or a name)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes serving requests (the service keeps no state: all of it is in DB).",
)
@click.option(
    "--issuer",
    envvar="BTIFLOW_ISSUER",
    required=True,
    help="The tokens' issuer (iss) [env BTIFLOW_ISSUER].",
)
@click.option(
    "--audience",
    envvar="BTIFLOW_AUDIENCE",
    required=True,
    help="This service's audience (aud) [env BTIFLOW_AUDIENCE].",
)
@click.option(
    "--jwks-url",
    envvar="BTIFLOW_JWKS_URL",
    required=True,
    help="Where the identity provider publishes its signing keys (JWKS) [env BTIFLOW_JWKS_URL].",
)
@click.option("--claim-id", default="sub", show_default=True, help="The claim with a person's id.")
@click.option("--claim-name", default="name", show_default=True, help="The claim with the name.")
@click.option("--claim-unit", default="unit", show_default=True, help="The claim with the unit.")
@click.option("--claim-role", default="role", show_default=True, help="The claim with the role.")
@click.option(
    "--claim-scope", default="scope", show_default=True, help="The claim with a system's scopes."
)
def serve(
    db: str,
    guide: str,
    host: str,
    port: int,
    workers: int,
    issuer: str,
    audience: str,
    jwks_url: str,
    claim_id: str,
    claim_name: str,
    claim_unit: str,
    claim_role: str,
    claim_scope: str,
) -> None:
    """Serve the HTTP API over DB for one guide, with OpenAPI 3.1 (needs btiflow[server]).

    DB is the deployment's one relay log (its tenant): a SQLite file or a PostgreSQL URL.
    Every request needs a bearer JWT from ISSUER for AUDIENCE, signed with a key published at
    JWKS_URL; the claims name the person (id, name, unit, role) or, without a role, a system
    with scopes. See docs/http-api.md.
    """
    try:
        import uvicorn

        from btiflow.server.settings import ENV, Claims, Settings
    except ImportError as exc:
        raise click.ClickException(_say("cli.serve.needs")) from exc
    workflow, problems = _load(guide)
    if workflow is None:
        _report(problems, err=True)
        sys.exit(EXIT_PROBLEMS)
    _store(db, create=True).close()  # the schema now, and a clear error for a bad DB
    settings = Settings(
        store=db,
        workflow=guide,
        issuer=issuer,
        audience=audience,
        jwks_url=jwks_url,
        claims=Claims(claim_id, claim_name, claim_unit, claim_role, claim_scope),
    )
    # Each worker process builds its app from the settings in its environment.
    os.environ[ENV] = settings.to_env()
    click.echo(
        _say(
            "cli.serve.serving", guide=workflow.id, version=workflow.version, host=host, port=port
        ),
        err=True,
    )
    uvicorn.run(
        "btiflow.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ws="none",
        log_level="info",
    )
