"""Send the webhook deliveries that are due: signed, at least once, retried with backoff.

A delivery is POSTed to its subscriber's URL with the Standard Webhooks headers. A 2xx answer
marks it sent; anything else (another status, no answer, a timeout, a redirect: never followed)
puts it back for a later attempt, 30 s, 1 min, 2 min, ... up to 6 hours apart, and after the
last attempt marks it failed. The ``webhook-id`` is the same on every attempt, so a receiver
that got it twice (a dispatcher died between the answer and marking it) can drop the repeat.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable

import attrs

from btiflow.webhooks.queue import Delivery, WebhookQueue
from btiflow.webhooks.sign import headers as signed_headers


@attrs.frozen
class WebhookReport:
    """What one run did."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is an answer other than 2xx: tried again later, not followed


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(delivery: Delivery, now: dt.datetime, timeout: float) -> str | None:
    """None when the subscriber took it (2xx); else what went wrong, for the row's error."""
    body = delivery.payload()
    headers = signed_headers(delivery.secret, delivery.message_id, int(now.timestamp()), body)
    request = urllib.request.Request(delivery.url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (TimeoutError, urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"no answer: {type(reason).__name__}"
    return None if 200 <= status < 300 else f"HTTP {status}"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WebhookDispatcher:
    """Sends what ``queue`` holds that is due, one delivery at a time."""

    def __init__(
        self,
        queue: WebhookQueue,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
        timeout: float = 10.0,
        first_delay: dt.timedelta = dt.timedelta(seconds=30),
        max_delay: dt.timedelta = dt.timedelta(hours=6),
        attempts: int = 12,
        lease: dt.timedelta = dt.timedelta(minutes=2),
    ) -> None:
        self.queue = queue
        self.clock = clock
        self.timeout = timeout
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.attempts = attempts
        self.lease = lease
        self.worker = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"

    def delay(self, attempts: int) -> dt.timedelta:
        """How long to wait after the ``attempts``-th failed attempt: doubling, capped."""
        factor: int = 2 ** max(0, attempts - 1)
        return min(self.first_delay * factor, self.max_delay)

    def run(self, limit: int | None = None) -> WebhookReport:
        """Send every delivery due now (at most ``limit``)."""
        sent = deferred = failed = 0
        while limit is None or sent + deferred + failed < limit:
            now = self.clock()
            delivery = self.queue.claim(now, self.lease, self.worker)
            if delivery is None:
                break
            problem = _post(delivery, now, self.timeout)
            if problem is None:
                self.queue.mark_sent(delivery.id, self.worker, self.clock())
                sent += 1
            elif delivery.attempts >= self.attempts:
                self.queue.mark_failed(delivery.id, self.worker, problem)
                failed += 1
            else:
                at = self.clock() + self.delay(delivery.attempts)
                self.queue.retry_later(delivery.id, self.worker, problem, at)
                deferred += 1
        return WebhookReport(sent, deferred, failed)

    def watch(self, every: float, rounds: int | None = None) -> WebhookReport:
        """``run`` again and again, ``every`` seconds apart (``rounds`` times, or for good)."""
        total = WebhookReport()
        done = 0
        while rounds is None or done < rounds:
            got = self.run()
            total = WebhookReport(
                total.sent + got.sent, total.deferred + got.deferred, total.failed + got.failed
            )
            done += 1
            if rounds is None or done < rounds:
                time.sleep(every)
        return total
