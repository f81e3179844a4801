"""What a webhook store keeps: subscriptions (``Webhook``) and deliveries (``Delivery``), and what
a dispatcher asks of it (``WebhookQueue``), on SQLite and PostgreSQL alike.

A delivery row is written for every subscription in the same transaction as the entry it tells
of, so no entry is ever left untold. A row is ``pending`` until a dispatcher claims it
(``sending``, with a lease), then ``sent``, ``failed`` (gave up after the last attempt) or back
to ``pending`` later; removing the webhook ``cancelled`` what it had not yet been sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

import attrs

from btiflow.case.entries import canonical_json
from btiflow.store.base import Receipt

STATUSES = ("pending", "sending", "sent", "failed", "cancelled")

EVENT_TYPE = "btiflow.entry"


@attrs.frozen
class Webhook:
    """A subscriber: where deliveries go. The secret is shown once, when it is registered."""

    id: str
    url: str
    owner: str
    created_at: dt.datetime


@attrs.frozen
class Delivery:
    """One message to one subscriber about one entry, as claimed by a dispatcher."""

    id: int
    webhook_id: str
    url: str
    secret: str
    position: int
    case_id: str
    seq: int
    kind: str
    time: dt.datetime
    attempts: int
    """Attempts so far, this one included."""

    @property
    def message_id(self) -> str:
        """``webhook-id``: the same on every attempt, so a receiver can drop repeats."""
        return f"msg_{self.id}"

    def payload(self) -> bytes:
        """The body: the event's metadata, never the entry's content; the same every attempt."""
        data = {
            "position": self.position,
            "case_id": self.case_id,
            "seq": self.seq,
            "kind": self.kind,
            "time": self.time.isoformat(),
        }
        event = {"type": EVENT_TYPE, "timestamp": self.time.isoformat(), "data": data}
        return canonical_json(event).encode()


class WebhookQueue(Protocol):
    """Subscriptions and their deliveries, in one tenant's store."""

    def add(
        self,
        url: str,
        secret: str,
        owner: str,
        *,
        receipt: Callable[[Webhook], Receipt] | None = None,
    ) -> Webhook: ...

    def webhooks(self) -> list[Webhook]: ...

    def remove(self, webhook_id: str, *, receipt: Receipt | None = None) -> bool: ...

    def claim(self, now: dt.datetime, lease: dt.timedelta, worker: str) -> Delivery | None: ...

    def mark_sent(self, delivery_id: int, worker: str, now: dt.datetime) -> bool: ...

    def mark_failed(self, delivery_id: int, worker: str, error: str) -> bool: ...

    def retry_later(self, delivery_id: int, worker: str, error: str, at: dt.datetime) -> bool: ...

    def counts(self) -> dict[str, int]: ...

    def close(self) -> None: ...
