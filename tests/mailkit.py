"""A real SMTP server on loopback for the mail tests (aiosmtpd, in a thread), and what it got.

``MailServer`` records every message it accepts; it can refuse chosen recipients (550), ask
for STARTTLS and a login, and hold a message after receiving it until the test lets it go
(to kill a dispatcher between the server's receipt and its "250 OK").
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from btiflow.notify.ics import CalendarEvent, read_event

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on (bound and released)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@attrs.frozen
class Received:
    """One message as the server got it."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    def attachment(self, filename: str = "invite.ics") -> bytes | None:
        for part in self.message.iter_attachments():
            if part.get_filename() == filename:
                return bytes(part.get_payload(decode=True))
        return None

    @property
    def calendar(self) -> CalendarEvent:
        data = self.attachment()
        assert data is not None, "no invite.ics attached"
        return read_event(data)

    def everything(self) -> str:
        """Every header and every decoded part, to search for what must not be there."""
        texts = [str(v) for v in self.message.values()]
        for part in self.message.walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode("utf-8", "replace"))
        return "\n".join(texts)


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, smtp: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.server.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        got = Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content))
        with self.server.lock:
            self.server.received.append(got)
        if self.server.hold is not None:
            self.server.holding.set()
            while not self.server.hold.is_set():
                await asyncio.sleep(0.02)
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        return "250 2.0.0 Ok: queued"


class MailServer:
    """An SMTP server on 127.0.0.1 (``port``), started and stopped by ``running``."""

    def __init__(
        self,
        port: int | None = None,
        *,
        reject: tuple[str, ...] = (),
        hold: threading.Event | None = None,
        delay: float = 0.0,
        tls: ssl.SSLContext | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.reject = reject
        self.hold = hold
        self.holding = threading.Event()
        self.delay = delay
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.logins: list[str] = []
        kwargs: dict[str, Any] = {}
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        if users is not None:
            kwargs.update(auth_required=True, authenticator=self._authenticator(users))
            if tls is None:
                kwargs.update(auth_require_tls=False)
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port, **kwargs)

    def _authenticator(self, users: dict[str, str]) -> Any:
        def check(smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            if isinstance(data, LoginPassword):
                user, password = data.login.decode(), data.password.decode()
                if users.get(user) == password:
                    self.logins.append(user)
                    return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        return check

    @contextmanager
    def running(self) -> Iterator[MailServer]:
        self._controller.start()
        try:
            yield self
        finally:
            if self.hold is not None:
                self.hold.set()
            self._controller.stop()

    def to(self, address: str) -> list[Received]:
        """Every message received for ``address``, in order."""
        with self.lock:
            return [r for r in self.received if address in r.recipients]


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, made with openssl (skips if there is none)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:  # pragma: no cover
        pytest.skip(f"openssl cannot make a test certificate: {exc}")
    return cert, key
