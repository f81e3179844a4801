"""Security headers on every HTML response, whichever route or error handler made it.

The pages run no inline script and no script from elsewhere (Content-Security-Policy), are
never framed (``frame-ancestors 'none'``, clickjacking), send forms only to this service and
to the identity providers (logout goes on to the provider), and are not kept in caches.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def policy(form_targets: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy; ``form_targets`` are the providers' origins."""
    targets = " ".join(("'self'", *form_targets))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'; form-action {targets}; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    )


def security_headers(
    form_targets: Callable[[], tuple[str, ...]] = tuple,
) -> Callable[[ASGIApp], ASGIApp]:
    """An ASGI middleware factory adding the headers to ``text/html`` responses;
    ``form_targets`` gives the providers' origins known so far (they are learnt from each
    provider's discovery document, so they are asked for on every response)."""
    fixed = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cache-control", b"no-store"),
    ]

    def middleware(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                    if kind.startswith(b"text/html"):
                        csp = (b"content-security-policy", policy(form_targets()).encode())
                        added = [csp, *fixed]
                        names = {k for k, _ in added}
                        headers = [(k, v) for k, v in headers if k.lower() not in names]
                        message = {**message, "headers": headers + added}
                await send(message)

            await app(scope, receive, sending)

        return wrapped

    return middleware
