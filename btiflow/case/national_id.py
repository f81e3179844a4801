"""A guardian's national id as the relay log may keep it: a keyed hash, never the number.

When the guardians are told (``inform_guardians``) or one is registered (``register_guardian``),
the embedding system names each guardian by ``national_id_key(national_id, secret)``: an
HMAC-SHA256 of the national id (fødselsnummer or D-number) under the municipality's own secret.
When a guardian logs in through ID-porten, the service computes the same key from the ID
token's ``pid`` claim, and the guardian sees the cases that name that key. The number itself is
never written: not in the log, the access log, the sessions, mail or URLs. Without the secret a
key cannot be turned back into a number, nor checked against a guessed one; another
municipality's keys for the same person differ. See docs/permissions.md.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "nid:"
"""Every key starts so: a person id that is a national-id key says so."""

_MIN_SECRET = 32


def national_id_key(national_id: str, secret: str) -> str:
    """The id a guardian with this national id has in the relay log: ``nid:`` and the
    HMAC-SHA256 (hex) of the 11 digits under the municipality's ``secret`` (at least 32
    characters, kept out of the store, e.g. in the service's settings).

    >>> national_id_key("24817599531", "en hemmelighet for kommunen, minst 32 tegn")[:12]
    'nid:969739a3'
    """
    digits = national_id.strip()
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        raise ValueError("a national id is 11 digits")
    if len(secret) < _MIN_SECRET:
        raise ValueError(f"the national-id secret must be at least {_MIN_SECRET} characters")
    digest = hmac.new(secret.encode("utf-8"), digits.encode("ascii"), hashlib.sha256)
    return PREFIX + digest.hexdigest()
