"""Logging in through OpenID Connect: the authorization code flow with PKCE, one client per issuer.

``OpenIdClient.start`` gives the provider's authorization URL (with a fresh ``state``,
``nonce`` and PKCE S256 challenge, made with authlib) and what the answer must match;
``finish`` exchanges the code (with the PKCE verifier and the client's secret) and checks the
ID token (joserfc): its signature against the provider's published keys (asymmetric
algorithms only), then issuer, audience, authorized party, nonce, expiry and issue time, and for
ID-porten the level of assurance (``acr``). Only then does it become an ``Actor``:

- family (ID-porten): a guardian whose id is the keyed hash of the ``pid`` claim
  (``btiflow.national_id_key``), so the number itself goes no further than this function (the
  pages match the same key to a case's young person, ``btiflow.server.casepages``);
- staff: the id, name, unit and role claims the settings name; a staff role only.

Anything wrong is ``LoginFailed``; its reason is for the service's log, never for the person.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from btiflow import Actor, national_id_key
from btiflow.case.people import STAFF_ROLES
from btiflow.server.sessions import Pending
from btiflow.server.settings import Issuer

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
"""Asymmetric algorithms only: an HS* token would be signed with the client's own secret."""

LEEWAY = 30
"""Seconds of clock skew allowed on an ID token's times."""

_METADATA_TTL = 3600.0


class LoginFailed(Exception):
    """The login did not give a person; the reason is for the log, not for the page."""


class OpenIdClient:
    """One configured issuer: its discovery document and keys, fetched and kept."""

    def __init__(self, issuer: Issuer, redirect_uri: str, national_id_secret: str) -> None:
        self.issuer = issuer
        self.redirect_uri = redirect_uri
        self._secret = national_id_secret
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._fetched = 0.0
        self._keys: KeySet | None = None

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (kept for an hour)."""
        with self._lock:
            if self._metadata is None or time.monotonic() - self._fetched > _METADATA_TTL:
                found = _get_json(self.issuer.discovery_url)
                for field in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(found.get(field), str):
                        raise LoginFailed(f"the discovery document has no {field}")
                self._metadata, self._fetched, self._keys = found, time.monotonic(), None
            return self._metadata

    def origins(self) -> tuple[str, ...]:
        """Where a form may lead the browser for this provider (for the CSP's form-action):
        the discovery document's origin, and its endpoints' once it has been fetched."""
        urls = [self.issuer.discovery_url]
        if self._metadata is not None:
            for field in ("authorization_endpoint", "end_session_endpoint"):
                value = self._metadata.get(field)
                if isinstance(value, str):
                    urls.append(value)
        found = []
        for url in urls:
            parsed = httpx.URL(url)
            origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
            if parsed.scheme in ("https", "http") and origin not in found:
                found.append(origin)
        return tuple(found)

    def _key_set(self, refresh: bool = False) -> KeySet:
        metadata = self.metadata()
        with self._lock:
            if self._keys is None or refresh:
                self._keys = KeySet.import_key_set(_get_json(metadata["jwks_uri"]))  # type: ignore[arg-type]
            return self._keys

    def start(self) -> tuple[str, Pending]:
        """The URL to send the person to, and what the callback must match."""
        pending = Pending(
            issuer=self.issuer.name,
            state=generate_token(32),
            nonce=generate_token(32),
            verifier=generate_token(64),
        )
        extra: dict[str, str] = {
            "nonce": pending.nonce,
            "code_challenge": create_s256_code_challenge(pending.verifier),
            "code_challenge_method": "S256",
        }
        if self.issuer.acr_values:
            extra["acr_values"] = " ".join(self.issuer.acr_values)
        url = prepare_grant_uri(
            self.metadata()["authorization_endpoint"],
            self.issuer.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope=self.issuer.scope,
            state=pending.state,
            **extra,
        )
        return str(url), pending

    def finish(self, pending: Pending, code: str) -> tuple[Actor, str]:
        """The person the provider vouches for, and the raw ID token (for logout's hint)."""
        metadata = self.metadata()
        try:
            answer = httpx.post(
                metadata["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.redirect_uri,
                    "code_verifier": pending.verifier,
                },
                auth=(self.issuer.client_id, self.issuer.client_secret),
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise LoginFailed(f"token endpoint: {type(exc).__name__}") from exc
        if answer.status_code != 200:
            raise LoginFailed(f"token endpoint answered {answer.status_code}")
        id_token = answer.json().get("id_token")
        if not isinstance(id_token, str):
            raise LoginFailed("no ID token")
        claims = self.verify(id_token, pending.nonce)
        return self.actor(claims), id_token

    def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, when every check passes."""
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=ALGORITHMS)
            except JoseError:  # perhaps a key the provider published since: fetch once more
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=ALGORITHMS)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.metadata()["issuer"]},
                "aud": {"essential": True, "value": self.issuer.client_id},
                "sub": {"essential": True},
                "exp": {"essential": True},
                "iat": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            }
            if self.issuer.acr_values:
                options["acr"] = {"essential": True, "values": list(self.issuer.acr_values)}
            jwt.JWTClaimsRegistry(leeway=LEEWAY, **options).validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise LoginFailed(f"ID token: {type(exc).__name__}: {str(exc).strip()}") from exc
        claims: dict[str, Any] = token.claims
        audience = claims["aud"]
        if isinstance(audience, list) and claims.get("azp") != self.issuer.client_id:
            raise LoginFailed("ID token: several audiences and no azp for us")
        return claims

    def actor(self, claims: dict[str, Any]) -> Actor:
        """The person in the claims, as the issuer's kind says."""
        if self.issuer.kind == "family":
            national_id = claims.get(self.issuer.national_id_claim)
            if not isinstance(national_id, str):
                raise LoginFailed("no national id claim")
            try:
                return Actor(national_id_key(national_id, self._secret), role="guardian")
            except ValueError as exc:
                raise LoginFailed("not a national id") from exc
        names = self.issuer.claims
        found = [claims.get(c, "") for c in (names.id, names.role, names.unit, names.name)]
        if not all(isinstance(v, str) for v in found):
            raise LoginFailed("a person claim is not a text")
        person_id, role, unit, name = found
        if role not in STAFF_ROLES:
            raise LoginFailed("not a staff role")
        try:
            return Actor(person_id, role=role, unit=unit, name=name)
        except ValueError as exc:
            raise LoginFailed("a person claim is not usable") from exc

    def logout_url(self, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session URL (RP-initiated logout), when it has one."""
        endpoint = self.metadata().get("end_session_endpoint")
        if not isinstance(endpoint, str):
            return None
        params = {"post_logout_redirect_uri": post_logout_redirect_uri}
        params["client_id"] = self.issuer.client_id
        if id_token:
            params["id_token_hint"] = id_token
        return str(httpx.URL(endpoint, params=params))


def _get_json(url: str) -> dict[str, Any]:
    try:
        answer = httpx.get(url, timeout=10)
        answer.raise_for_status()
        found = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise LoginFailed(f"{url}: {type(exc).__name__}") from exc
    if not isinstance(found, dict):
        raise LoginFailed(f"{url}: not a JSON object")
    return found
