"""Safe retries: a state-changing request with an ``Idempotency-Key`` is done once.

The first answer (status, body, the headers worth replaying) is kept as a ``Receipt`` in the
store, in the same transaction as the entries the request wrote, per caller and key. The same
key again with the same request gets that answer word for word and writes nothing; the same key
with another request (method, path or body) is a 422 (``idempotency_key_reused``). A request
that was refused wrote nothing and keeps no receipt: a retry is decided afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

import attrs
from litestar import Request, Response
from litestar.params import HeaderParameter
from litestar.serialization import encode_json

from btiflow import Actor, Engine, Receipt
from btiflow.case.entries import canonical_json
from btiflow.server.auth import SystemClient

T = TypeVar("T")

HEADER = "Idempotency-Key"

Key = Annotated[
    str | None,
    HeaderParameter(
        name=HEADER,
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID): a retry with the same key and body is answered "
        "as the first request was, and writes nothing more",
        required=False,
    ),
]


class KeyReused(Exception):
    """The key was used before by this caller for another request."""


def caller_of(request: Request[Any, Any, Any]) -> str:
    """Whose keys these are: a person and a system client never share a key space."""
    caller = request.user
    if isinstance(caller, SystemClient):
        return f"system:{caller.id}"
    assert isinstance(caller, Actor)
    return f"person:{caller.id}"


def replay(receipt: Receipt) -> Response[Any]:
    """The kept answer, as first sent."""
    headers = {**json.loads(receipt.headers), "Idempotent-Replayed": "true"}
    if receipt.status == 204:
        return Response(None, status_code=204, headers=headers)
    return Response(
        receipt.body.encode(),
        status_code=receipt.status,
        media_type="application/json",
        headers=headers,
    )


@attrs.frozen
class Retry:
    """One request's key, who sent it and what it asked (its fingerprint)."""

    caller: str
    key: str
    fingerprint: str

    @classmethod
    async def of(cls, request: Request[Any, Any, Any], key: str | None) -> Retry | None:
        """None without a key; the body is read (and cached) by Litestar as JSON."""
        if key is None:
            return None
        body = await request.json() if await request.body() else None
        asked = canonical_json({"method": request.method, "path": request.url.path, "body": body})
        fingerprint = hashlib.sha256(asked.encode()).hexdigest()
        return cls(caller_of(request), key, fingerprint)

    def answered(self, engine: Engine) -> Response[bytes] | None:
        """The first answer, if this request was done before; ``KeyReused`` if the key was
        used for another."""
        kept = engine.store.receipt(self.caller, self.key)
        if kept is None:
            return None
        if kept.fingerprint != self.fingerprint:
            raise KeyReused(self.key)
        return replay(kept)

    def receipt(
        self, status: int, answer: Callable[[T], tuple[Any, Mapping[str, str]]]
    ) -> Callable[[T], Receipt]:
        """For the store: the receipt of the answer ``answer`` makes from what was done (the
        new state, the new webhook), known only inside the write."""

        def make(done: T) -> Receipt:
            body, headers = answer(done)
            return self.kept(status, body, headers)

        return make

    def kept(self, status: int, body: Any, headers: Mapping[str, str]) -> Receipt:
        """The receipt of this answer."""
        text = "" if status == 204 else encode_json(body).decode()
        return Receipt(self.caller, self.key, self.fingerprint, status, json.dumps(headers), text)


def respond(
    retry: Retry | None,
    status: int,
    body: Any,
    headers: Mapping[str, str],
) -> Response[Any]:
    """The first answer: with a key, exactly the bytes a retry will get (but not marked as a
    replay); without, the body as it is."""
    if retry is None or status == 204:
        return Response(body, status_code=status, headers=dict(headers))
    return Response(
        encode_json(body),
        status_code=status,
        media_type="application/json",
        headers=dict(headers),
    )


async def retry_of(request: Request[Any, Any, Any], idempotency_key: Key = None) -> Retry | None:
    """The dependency every state-changing route takes (documents the header in OpenAPI)."""
    return await Retry.of(request, idempotency_key)
