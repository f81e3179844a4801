"""The web pages' sessions, kept server-side in the relay log's store.

The cookie holds only a random id (256 bits); the store keeps the session under the SHA-256 of
that id, so a copy of the database holds no live cookie. A session has a CSRF token for its
forms, and, once someone has logged in, the acting person (``Actor``) and the issuer. Before
login it holds the login under way (state, nonce, PKCE verifier), and the case page a link (the
invitation mail's) led to, so the person lands there once logged in. Logging in always starts a
new session with a new id and ends the old one, so an id planted before login is worth
nothing after it (no session fixation). A session unused for ``idle`` is ended. Logout deletes
the row: the cookie is then worth nothing, whoever holds it.

The ID token kept for RP-initiated logout (``id_token_hint``) names the person (ID-porten's
``pid``), so it is sealed (AES-GCM) under a key derived from the cookie's id: the store alone
cannot open it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any, cast

import attrs
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from btiflow import Actor
from btiflow.server.engines import Engines
from btiflow.store.base import SessionStore

COOKIE = "btiflow_session"
SECURE_COOKIE = "__Host-btiflow_session"
"""With Secure on, the ``__Host-`` prefix also binds the cookie to this host and path /."""

_TOUCH_EVERY = 60.0
"""A session's last use is written at most once a minute (each write is a transaction)."""


@attrs.frozen
class Pending:
    """A login under way: what the provider's answer must match, and the PKCE verifier."""

    issuer: str
    state: str
    nonce: str
    verifier: str


@attrs.frozen
class Session:
    """One visitor's session: a CSRF token always; the person once logged in."""

    csrf: str
    actor: Actor | None = None
    issuer: str = ""
    pending: Pending | None = None
    hint: str = ""
    """The sealed ID token (for the provider's logout), empty when there is none."""
    after: str = ""
    """Where to go once logged in: the case page a link led to (``/saker/<id>``), or ""."""


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


def _seal_key(session_id: str) -> bytes:
    return hmac.new(session_id.encode("ascii", "replace"), b"id_token_hint", "sha256").digest()


def seal(session_id: str, text: str) -> str:
    """``text`` encrypted under a key only the cookie's id gives."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_seal_key(session_id)).encrypt(nonce, text.encode("utf-8"), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(session_id: str, sealed: str) -> str:
    raw = base64.urlsafe_b64decode(sealed)
    return AESGCM(_seal_key(session_id)).decrypt(raw[:12], raw[12:], None).decode("utf-8")


def _dump(session: Session) -> str:
    data = attrs.asdict(session)
    return json.dumps(data, sort_keys=True)


def _load(text: str) -> Session:
    data: dict[str, Any] = json.loads(text)
    actor = data.pop("actor")
    pending = data.pop("pending")
    return Session(
        actor=Actor(**actor) if actor else None,
        pending=Pending(**pending) if pending else None,
        **data,
    )


class Sessions:
    """Sessions in the deployment's store, through this thread's engine."""

    def __init__(
        self, engines: Engines, idle_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.engines = engines
        self.idle = idle_seconds
        self.clock = clock

    def _store(self) -> SessionStore:
        return cast(SessionStore, self.engines.get().store)

    def new(self, id_token: str = "", **fields: Any) -> tuple[str, Session]:
        """A new session with a new id and CSRF token; returns the id (for the cookie).
        ``id_token`` is kept sealed under the id (``seal``), for the provider's logout."""
        session_id = secrets.token_urlsafe(32)
        if id_token:
            fields["hint"] = seal(session_id, id_token)
        session = Session(csrf=secrets.token_urlsafe(32), **fields)
        now = self.clock()
        store = self._store()
        store.session_purge(now - self.idle)
        store.session_put(_key(session_id), _dump(session), now)
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id; None for an unknown, ended or idle one."""
        if not session_id or len(session_id) > 100:
            return None
        store, key, now = self._store(), _key(session_id), self.clock()
        found = store.session_get(key)
        if found is None:
            return None
        data, seen_at = found
        if now - seen_at > self.idle:
            store.session_delete(key)
            return None
        if now - seen_at > _TOUCH_EVERY:
            store.session_put(key, data, now)
        return _load(data)

    def end(self, session_id: str | None) -> None:
        """Delete the session: its id is worth nothing after this."""
        if session_id:
            self._store().session_delete(_key(session_id))


def same(given: str | None, expected: str) -> bool:
    """A form's token against the session's, in constant time."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())
