"""Real parts for the HTTP tests: signing keys, a JWKS served over loopback, uvicorn on a free port.

The server fetches the keys over HTTP exactly as it would from a municipality's identity
provider; tests sign tokens with the private halves. Every person here is invented.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import casekit as k
import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa

from btiflow import Actor, Engine, open_store
from btiflow.server import Settings, create_app

ISSUER = "https://idp.example.kommune.no/realms/bti"
AUDIENCE = "btiflow"
ADMIN = Actor("admin-h", "admin", "Kommunen", "Admin H")
OTHER_GUARDIAN = Actor("foresatt-x", "guardian", "", "Foresatt X")


class SigningKey:
    """An RSA key with an id: signs tokens, and shows its public half as a JWK."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex[:8]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key())
        )
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid})


class Jwks:
    """A JWKS endpoint on loopback; ``keys`` may change while it runs (key rotation)."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = keys
        self.fetches = 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.fetches += 1
                body = json.dumps({"keys": [k.jwk() for k in jwks.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def token(
    key: SigningKey,
    actor: Actor | None = None,
    *,
    client: str | None = None,
    scope: str = "",
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    expires_in: float = 600,
) -> str:
    """A bearer token for a person (``actor``) or a system client (``client`` with scopes)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + int(expires_in),
    }
    if actor is not None:
        claims |= {"sub": actor.id, "name": actor.name, "unit": actor.unit, "role": actor.role}
    else:
        claims |= {"sub": client or "system-a", "scope": scope}
    return key.sign(claims)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running(settings: Settings, port: int | None = None) -> Iterator[str]:
    """The service on a free loopback port (or ``port``), in a thread of this process; yields
    its base URL."""
    port = port or free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def settings_for(db: str, jwks: Jwks, workflow: str = "bti") -> Settings:
    # No cooldown between key fetches: the rotation test publishes a key and uses it at once.
    return Settings(
        store=db,
        workflow=workflow,
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=jwks.url,
        jwks_cooldown=0,
    )


@dataclass
class World:
    """The running service and what the tests need to talk to it."""

    url: str
    key: SigningKey
    jwks: Jwks
    engine: Engine
    a: str  # level 2: teacher holds the baton, health station involved with consent,
    #          guardian told, the young person 15, the baton offered to a colleague
    b: str  # level 0, guardian told
    c: str  # level 0, nobody told yet
    d: str  # level 1 with measures agreed: an evaluation due two weeks after 1 September 2026

    def client(self, actor: Actor | None = None, **claims: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token(self.key, actor, **claims)}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@contextmanager
def serving(tmp: Path, pg_url: str | None = None) -> Iterator[World]:
    """Four cases built with the library — in a SQLite file in ``tmp``, or in a fresh tenant of
    the PostgreSQL at ``pg_url`` — and the service over them."""
    if pg_url is None:
        store_url = str(tmp / "relay.db")
    else:
        tenant = f"kommune-{uuid.uuid4().hex[:10]}"
        store_url = f"{pg_url}{'&' if '?' in pg_url else '?'}tenant={tenant}"
    engine = Engine(k.workflow("bti"), open_store(store_url), clock=k.Clock())
    a = k.to_level_2(engine, birth_date="2011-03-14")
    engine.act(a.id, "offer_baton", k.TEACHER, to=k.COLLEAGUE.as_person())
    b = k.open_case(engine, subject="elev-0043")
    k.to_level_0_decision(engine, b.id)
    c = k.open_case(engine, subject="elev-0044")
    d = k.to_level_1(engine, subject="elev-0045")
    k.plan(engine, d.id)
    key = SigningKey()
    jwks = Jwks([key])
    try:
        with running(settings_for(store_url, jwks)) as url:
            yield World(url, key, jwks, engine, a.id, b.id, c.id, d.id)
    finally:
        jwks.close()
        engine.store.close()


def written(engine: Engine) -> list[tuple[str, int, str]]:
    """Every case's id, position and head hash, read from the store: equal before and after
    a request means the request wrote no entry (on SQLite and PostgreSQL alike)."""
    found = []
    for case_id in sorted(engine.store.case_ids()):
        log = engine.store.entries(case_id)
        found.append((case_id, len(log), log[-1].hash if log else ""))
    return found
