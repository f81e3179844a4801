"""A webhook receiver on loopback that checks each delivery as the Standard Webhooks spec says.

It shares no code with btiflow's signing: the secret is base64-decoded after ``whsec_``, the
content ``{webhook-id}.{webhook-timestamp}.{body}`` is signed with HMAC-SHA256, and one of the
space-separated ``v1,<base64>`` signatures must match (compared in constant time); the
timestamp must be within five minutes of now. ``failures`` makes it answer 500 that many times
first (a receiver that is down for a while).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE = 5 * 60


def verify(secret: str, headers: dict[str, str], body: bytes, now: float) -> bool:
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (msg_id and stamp.isdigit() and signatures):
        return False
    if abs(now - int(stamp)) > TOLERANCE:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{msg_id}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for given in signatures.split(" "):
        version, _, value = given.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class Receiver:
    """Accepts deliveries at ``url``; ``received`` holds (webhook-id, payload) of each good one,
    ``attempts`` the webhook-id of every request, ``bad`` how many failed the check."""

    def __init__(self, secret: str = "", failures: int = 0) -> None:
        self.secret = secret
        self.failures = failures
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.attempts: list[str] = []
        self.bad = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(receiver.take(headers, body))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/btiflow"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def take(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.attempts.append(headers.get("webhook-id", ""))
            if self.failures > 0:
                self.failures -= 1
                return 500
            if not verify(self.secret, headers, body, time.time()):
                self.bad += 1
                return 401
            self.received.append((headers["webhook-id"], json.loads(body)))
            return 204

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
