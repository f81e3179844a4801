"""Who calls: a bearer JWT from the municipality's identity provider, turned into a caller.

The token's signature is checked with the provider's keys (fetched from its JWKS URL over HTTP,
kept for a while, fetched again when a token names a key id not seen yet: that is how a
provider rotates keys), then its issuer, audience and expiry. A token that names a person
(it has the configured role claim) becomes an ``Actor``; one that does not is a
``SystemClient`` that may do only what its scopes say. Identity comes in; it is never invented.
"""

from __future__ import annotations

from typing import Any

import attrs
import jwt
from anyio import to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.types import ASGIApp

from btiflow import Actor
from btiflow.server.settings import Settings

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
"""Asymmetric algorithms only: a shared-secret (HS*) token could be forged by any audience."""

SCOPES = ("guide:read", "due:read", "events:read", "webhooks:manage")
"""What a system client may be given: read the guide, read the due and overdue lists, read the
event feed, register and remove webhooks."""


@attrs.frozen
class SystemClient:
    """A system calling without a person (a reminder service, an archive)."""

    id: str
    scopes: frozenset[str]


Caller = Actor | SystemClient


class Unauthenticated(Exception):
    """The request carries no valid token; the reason is for the log, never for the caller."""


class TokenVerifier:
    """Checks tokens against one issuer, audience and JWKS URL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._keys: jwt.PyJWKClient | None = None
        if settings.jwks_url:  # none in the demo: the API then answers no token
            self._keys = jwt.PyJWKClient(
                settings.jwks_url,
                cache_keys=True,
                lifespan=settings.jwks_cache,
                timeout=10,
                cooldown_duration=settings.jwks_cooldown,
            )

    def caller(self, authorization: str | None) -> Caller:
        if self._keys is None:
            raise Unauthenticated("the API has no identity provider here (the demo)")
        if not authorization:
            raise Unauthenticated("no Authorization header")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("not a bearer token")
        claims = self._claims(token.strip())
        return self._caller(claims)

    def _claims(self, token: str) -> dict[str, Any]:
        assert self._keys is not None
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                issuer=self.settings.issuer,
                audience=self.settings.audience,
                leeway=self.settings.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthenticated(type(exc).__name__) from exc
        return claims

    def _caller(self, claims: dict[str, Any]) -> Caller:
        names = self.settings.claims
        person_id = claims.get(names.id)
        if not isinstance(person_id, str) or not person_id.strip():
            raise Unauthenticated(f"no {names.id!r} claim")
        role = claims.get(names.role)
        if role is None:
            scope = claims.get(names.scope, "")
            listed = scope.split() if isinstance(scope, str) else scope
            if not isinstance(listed, list):
                raise Unauthenticated(f"the {names.scope!r} claim is not a list")
            return SystemClient(person_id, frozenset(s for s in listed if s in SCOPES))
        unit, name = claims.get(names.unit, ""), claims.get(names.name, "")
        if not all(isinstance(v, str) for v in (role, unit, name)):
            raise Unauthenticated("a person claim is not a text")
        try:
            return Actor(person_id, role=role, unit=unit, name=name)
        except ValueError as exc:
            raise Unauthenticated("unknown role") from exc


class BearerAuth(AbstractAuthenticationMiddleware):
    """Every route, the OpenAPI document included, answers only to a valid token."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        super().__init__(app)
        self.verifier = verifier

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        try:
            # Fetching the provider's keys is blocking I/O: keep it off the event loop.
            caller = await to_thread.run_sync(self.verifier.caller, header)
        except Unauthenticated as exc:
            raise NotAuthorizedException(str(exc)) from exc
        return AuthenticationResult(user=caller, auth=None)
