"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A secret is ``whsec_`` and the base64 of 24 to 64 random bytes. A message is signed as
``{webhook-id}.{webhook-timestamp}.{body}`` with HMAC-SHA256 under the secret's bytes, and the
signature sent as ``webhook-signature: v1,<base64>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh secret (192 random bits)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def key_of(secret: str) -> bytes:
    """The bytes a secret stands for; ValueError for anything that is not a secret."""
    if not secret.startswith(PREFIX):
        raise ValueError(f"a webhook secret starts with {PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("a webhook secret is whsec_ and base64") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError("a webhook secret holds 24 to 64 bytes")
    return key


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers a delivery carries (and its content type)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "Content-Type": "application/json",
    }
