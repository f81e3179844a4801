"""What one deployment of the service is: its relay log, its guide and its identity providers.

The tenant is the deployment (the store URL given to ``btiflow serve``), never a request
parameter. Settings travel to uvicorn's worker processes as JSON in one environment variable.
The API answers bearer tokens (``issuer``, ``audience``, ``jwks_url``); the web pages log
people in through OpenID Connect (``login``: ID-porten for the family, the municipality's own
provider for staff).
"""

from __future__ import annotations

import json
import os

import attrs

from btiflow.codec import converter

ENV = "BTIFLOW_SERVER_SETTINGS"

MAX_BODY = 1024 * 1024
"""Bodies over 1 MB are refused (413) before they are read to the end."""


@attrs.frozen
class Claims:
    """The token claims that name the acting person; a token without ``role`` is a system
    client, which gets only what its ``scope`` claim lists."""

    id: str = "sub"
    name: str = "name"
    unit: str = "unit"
    role: str = "role"
    scope: str = "scope"


@attrs.frozen
class Issuer:
    """One OpenID provider people log in through, at ``/login/<name>``.

    ``kind`` "family" is ID-porten: the person is a guardian (or a case's young person, from the
    self-consent age), known by the national id in the ``national_id_claim`` (matched to cases
    by its keyed hash, ``btiflow.national_id_key``), and the ID token's ``acr`` must be one of
    ``acr_values``. ``kind`` "staff" is the municipality's provider: ``claims`` name the claims
    with the person's id, name, unit and role (a staff role only)."""

    name: str
    kind: str
    discovery_url: str
    """The provider's ``.well-known/openid-configuration``."""
    client_id: str
    client_secret: str
    claims: Claims = Claims()
    national_id_claim: str = "pid"
    acr_values: tuple[str, ...] = ()
    scope: str = "openid profile"


@attrs.frozen
class Login:
    """The web pages' login: the issuers, the national-id key and the session cookie."""

    public_url: str
    """Where people reach the service (``https://bti.kommune.no``): the redirect URIs
    registered with each provider are ``<public_url>/login/<name>/callback``."""
    issuers: tuple[Issuer, ...] = ()
    national_id_secret: str = ""
    """The municipality's key for the keyed hash (HMAC-SHA256) of a guardian's national id."""
    cookie_secure: bool = True
    """Only ever False for tests on loopback over plain http."""
    idle_minutes: int = 30
    """A session unused this long is ended."""
    demo: bool = False
    """The development login of ``btiflow serve --demo`` (loopback only; no password)."""
    mail_sender: str = ""
    """The From address of the mail the pages' actions send (meeting invitations, with a link
    to the case's page under ``public_url``); empty: the service writes no mail."""
    theme: str = ""
    """A theme file (``btiflow.render.theme``): the municipality's name in the pages' header,
    its colours, its template overrides; empty for the plain look."""

    @classmethod
    def from_file(cls, path: str) -> Login:
        """The login settings in a JSON file (docs/web-login.md). A secret written as
        ``"env:NAME"`` is read from the environment variable NAME, so the file need not hold it."""
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if isinstance(data, dict):
            data["national_id_secret"] = _secret(data.get("national_id_secret", ""))
            for issuer in data.get("issuers", []):
                if isinstance(issuer, dict):
                    issuer["client_secret"] = _secret(issuer.get("client_secret", ""))
        return converter.structure(data, cls)


def _secret(value: str) -> str:
    if isinstance(value, str) and value.startswith("env:"):
        return os.environ.get(value.removeprefix("env:"), "")
    return value


@attrs.frozen
class Settings:
    """One deployment: ``store`` is a SQLite path or a ``postgresql://…?tenant=`` URL."""

    store: str
    workflow: str
    issuer: str
    audience: str
    jwks_url: str
    claims: Claims = Claims()
    max_body: int = MAX_BODY
    leeway: int = 30
    """Seconds of clock skew allowed when checking a token's expiry."""
    jwks_cache: int = 300
    """Seconds the provider's keys are kept before they are fetched again."""
    jwks_cooldown: float = 10.0
    """A token naming an unknown key id fetches the keys again, at most once in this many
    seconds: rotation works, and a flood of made-up key ids cannot flood the provider."""
    login: Login | None = None
    """The web pages and their login; None serves the API alone."""

    def to_env(self) -> str:
        return json.dumps(attrs.asdict(self))

    @classmethod
    def from_env(cls) -> Settings:
        return converter.structure(json.loads(os.environ[ENV]), cls)
