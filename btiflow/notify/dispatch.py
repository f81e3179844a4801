"""Send the outbox through SMTP: claim a message, send it, mark it; retry with backoff.

A recipient the server refuses for good (a 5xx reply) makes the message ``failed`` with the
server's reply; a server that cannot be reached, or answers "try later" (4xx), leaves it
``pending`` with ``next_attempt_at`` pushed back (1, 2, 4 … minutes, at most six hours) until
``max_attempts`` is reached.

It logs (``btiflow.notify.dispatch``) what it did with each message by outbox id, case id and
kind, with the server's reply code only: never an address, a name or the message, and not the
server's words, which may repeat an address.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import smtplib
import ssl
import uuid
from collections.abc import Callable

import attrs

from btiflow.notify import compose, problems
from btiflow.notify.messages import parse_address
from btiflow.notify.outbox import MailQueue, OutboxMessage

Clock = Callable[[], dt.datetime]

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.frozen
class SmtpSettings:
    """Where and how to send: ``host:port``, STARTTLS, a login, and the sender to use.

    ``sender`` (when given) replaces the From of every message and is the envelope sender;
    otherwise the From the message was written with is used. ``ssl_context`` defaults to the
    system's trusted certificates.
    """

    host: str
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    sender: str | None = None
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class DispatchReport:
    """What one run did; ``problem`` says why it stopped early (e.g. server unreachable)."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    problem: str | None = None


class _ServerGone(Exception):
    """The connection is unusable: leave the message for later and stop this run. ``kind``
    says why without the server's words (for the log)."""

    def __init__(self, problem: str, kind: str) -> None:
        super().__init__(problem)
        self.kind = kind


def _which(message: OutboxMessage) -> tuple[int, str, str]:
    """A message as the log names it: outbox id, case id, kind (never who or what)."""
    return message.id, message.case_id, message.kind


def _code(reply: str) -> str:
    """The reply code of a server's reply (its words may repeat an address)."""
    head = reply.split(maxsplit=1)[0] if reply else ""
    return head if head.isdigit() else "?"


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {words}".strip()


class Dispatcher:
    """Sends what the outbox holds; run it from cron or a loop (``run`` sends all that is due).

    Two dispatchers may run at once on the same file: each message is claimed by one. A
    dispatcher killed while it holds a message loses it after ``lease``; the next run sends it
    again, with the same Message-ID.
    """

    def __init__(
        self,
        outbox: MailQueue,
        smtp: SmtpSettings,
        *,
        clock: Clock = _now,
        lease: dt.timedelta = dt.timedelta(minutes=10),
        backoff: dt.timedelta = dt.timedelta(minutes=1),
        max_backoff: dt.timedelta = dt.timedelta(hours=6),
        max_attempts: int = 12,
        worker: str | None = None,
    ) -> None:
        self.outbox = outbox
        self.smtp = smtp
        self.clock = clock
        self.lease = lease
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        self.worker = worker or uuid.uuid4().hex[:12]
        self._conn: smtplib.SMTP | None = None

    def delay(self, attempts: int) -> dt.timedelta:
        """How long to wait after the ``attempts``-th failed attempt: doubling, capped."""
        factor: int = 2 ** max(attempts - 1, 0)
        return min(self.backoff * factor, self.max_backoff)

    def run(self, limit: int | None = None) -> DispatchReport:
        """Send every message due now (at most ``limit``); stop early if the server is gone."""
        sent = failed = deferred = 0
        problem = None
        log.debug("dispatcher %s: sending what is due (limit %s)", self.worker, limit)
        try:
            while limit is None or sent + failed + deferred < limit:
                message = self.outbox.claim(self.clock(), self.lease, self.worker)
                if message is None:
                    break
                try:
                    outcome = self._send(message)
                except _ServerGone as gone:
                    problem = str(gone)
                    log.warning(
                        "mail server %s gone (%s); stopping at outbox message %d (case %s)",
                        self._where, gone.kind, message.id, message.case_id,
                    )  # fmt: skip
                    if self._defer(message, problem):
                        deferred += 1
                    else:
                        failed += 1
                    break
                if outcome is None:
                    self.outbox.mark_sent(message.id, self.worker, self.clock())
                    log.info("sent outbox message %d (case %s, %s)", *_which(message))
                    sent += 1
                elif outcome[0]:
                    self.outbox.mark_failed(message.id, self.worker, outcome[1])
                    log.warning(
                        "outbox message %d (case %s, %s) refused for good: SMTP %s",
                        *_which(message), _code(outcome[1]),
                    )  # fmt: skip
                    failed += 1
                elif self._defer(message, outcome[1]):
                    deferred += 1
                else:
                    failed += 1
        finally:
            self._close()
        log.info("dispatch done: %d sent, %d failed, %d deferred", sent, failed, deferred)
        return DispatchReport(sent, failed, deferred, problem)

    # --- one message ---

    def _defer(self, message: OutboxMessage, error: str) -> bool:
        """Back to pending with backoff; True, or False when it has had its attempts."""
        if message.attempts >= self.max_attempts:
            gave_up = problems.text("gave_up", attempts=message.attempts, error=error)
            self.outbox.mark_failed(message.id, self.worker, gave_up)
            log.warning(
                "outbox message %d (case %s, %s) failed after %d attempts",
                *_which(message), message.attempts,
            )  # fmt: skip
            return False
        at = self.clock() + self.delay(message.attempts)
        self.outbox.retry_later(message.id, self.worker, error, at)
        log.info(
            "outbox message %d (case %s, %s) deferred to %s (attempt %d)",
            *_which(message), at.isoformat(timespec="seconds"), message.attempts,
        )  # fmt: skip
        return True

    def _envelope(self, message: OutboxMessage) -> tuple[str, bytes]:
        # the message is built now, from the recipe the action stored (compose.py)
        parsed = message.email()
        assert parsed is not None
        # a row written by an older btiflow holds the composed message: sent as it is
        data = None if compose.is_recipe(message.message) else message.message
        if self.smtp.sender:
            del parsed["From"]
            parsed["From"] = parse_address(self.smtp.sender)
            data = None
        sender = self.smtp.sender or parsed["From"].addresses[0].addr_spec
        return sender, data if data is not None else parsed.as_bytes(policy=email.policy.SMTP)

    def _send(self, message: OutboxMessage) -> tuple[bool, str] | None:
        """None when accepted; else (permanent, the server's reply)."""
        assert message.address is not None
        sender, data = self._envelope(message)
        conn = self._connect()
        try:
            conn.sendmail(sender, [message.address], data)
        except smtplib.SMTPRecipientsRefused as refused:
            code, text = next(iter(refused.recipients.values()))
            return code >= 500, _reply(code, text)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._close()
                closing = problems.text("closing", reply=_reply(exc.smtp_code, exc.smtp_error))
                raise _ServerGone(closing, f"SMTP {exc.smtp_code}") from exc
            return exc.smtp_code >= 500, _reply(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            broke = problems.text("broke", server=self._where, reason=problems.reason(exc))
            raise _ServerGone(broke, f"connection broke: {type(exc).__name__}") from exc
        return None

    # --- the connection ---

    @property
    def _where(self) -> str:
        return f"{self.smtp.host}:{self.smtp.port}"

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        s = self.smtp
        conn: smtplib.SMTP | None = None
        try:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            conn.ehlo()
            if s.starttls:
                conn.starttls(context=s.ssl_context or ssl.create_default_context())
                conn.ehlo()
            if s.user is not None:
                conn.login(s.user, s.password or "")
        except smtplib.SMTPResponseException as exc:
            self._quit(conn)
            reply = _reply(exc.smtp_code, exc.smtp_error)
            said = problems.text("server_said", server=self._where, reply=reply)
            raise _ServerGone(said, f"SMTP {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._quit(conn)
            why = problems.reason(exc)
            unreachable = problems.text("unreachable", server=self._where, reason=why)
            raise _ServerGone(unreachable, f"unreachable: {type(exc).__name__}") from exc
        log.debug("connected to %s (STARTTLS %s, login %s)", self._where, s.starttls, bool(s.user))
        self._conn = conn
        return conn

    @staticmethod
    def _quit(conn: smtplib.SMTP | None) -> None:
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        self._quit(conn)
