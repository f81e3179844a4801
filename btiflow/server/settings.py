"""What one deployment of the service is: its relay log, its guide and its identity provider.

The tenant is the deployment (the store URL given to ``btiflow serve``), never a request
parameter. Settings travel to uvicorn's worker processes as JSON in one environment variable.
"""

from __future__ import annotations

import json
import os

import attrs

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

    def to_env(self) -> str:
        return json.dumps(attrs.asdict(self))

    @classmethod
    def from_env(cls) -> Settings:
        data = json.loads(os.environ[ENV])
        claims = Claims(**data.pop("claims"))
        return cls(claims=claims, **data)
