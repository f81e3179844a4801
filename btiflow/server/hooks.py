"""The webhook routes: register a subscriber (URL and secret), list them, remove one.

For administrators and for system clients with the scope ``webhooks:manage``. Deliveries are
made by ``btiflow webhooks send`` (``btiflow.webhooks.dispatch``), never by a request.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlsplit

import attrs
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import JSONBody, PathParameter

from btiflow.server.idempotency import Retry, caller_of, retry_of
from btiflow.server.problems import documented
from btiflow.server.routes import Refusal, _admin_or_scope, _engines, _once, known_fields_of
from btiflow.webhooks.queue import Webhook
from btiflow.webhooks.sign import key_of, new_secret

WebhookId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


@attrs.frozen
class NewWebhook:
    """A subscriber: the URL to POST each event to (https in production), and optionally the
    secret to sign with (``whsec_`` and base64 of 24 to 64 bytes); one is made if not given."""

    url: str
    secret: str | None = None


@attrs.frozen
class RegisteredWebhook:
    """A registered subscriber, with its secret: shown this once, keep it."""

    id: str
    url: str
    secret: str
    created_at: dt.datetime


def _checked(data: NewWebhook) -> tuple[str, str]:
    errors = []
    parts = urlsplit(data.url)
    if (
        len(data.url) > 2000
        or parts.scheme not in ("https", "http")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.fragment
    ):
        errors.append({"key": "url", "message": "an http(s) URL with a host, no credentials"})
    secret = data.secret if data.secret is not None else new_secret()
    try:
        key_of(secret)
    except ValueError as exc:
        errors.append({"key": "secret", "message": str(exc)})
    if errors:
        raise ValidationException("invalid webhook", extra=errors)
    return data.url, secret


@post(
    "/webhooks",
    sync_to_thread=True,
    operation_id="addWebhook",
    responses=documented(400, 403, 413, 422),
    summary="Register a subscriber: every new entry's metadata is POSTed to it, signed",
    status_code=201,
    dependencies={"checked": Provide(known_fields_of(NewWebhook)), "retry": Provide(retry_of)},
)
def add_webhook(
    request: Request[Any, Any, Any],
    data: JSONBody[NewWebhook],
    checked: NamedDependency[None],
    retry: NamedDependency[Retry | None],
) -> Response[RegisteredWebhook]:
    _admin_or_scope(request, "webhooks:manage")
    url, secret = _checked(data)
    engines = _engines(request.app.state)

    def answer(hook: Webhook) -> tuple[RegisteredWebhook, dict[str, str]]:
        shown = RegisteredWebhook(hook.id, hook.url, secret, hook.created_at)
        return shown, {"Location": f"/webhooks/{hook.id}"}

    def run() -> Webhook:
        kept = retry.receipt(201, answer) if retry else None
        return engines.hooks().add(url, secret, caller_of(request), receipt=kept)

    return _once(engines.get(), retry, run, 201, answer)


@get(
    "/webhooks",
    sync_to_thread=True,
    operation_id="listWebhooks",
    responses=documented(403),
    summary="The subscribers (without their secrets)",
)
def list_webhooks(request: Request[Any, Any, Any]) -> list[Webhook]:
    _admin_or_scope(request, "webhooks:manage")
    return _engines(request.app.state).hooks().webhooks()


@delete(
    "/webhooks/{webhook_id:str}",
    sync_to_thread=True,
    operation_id="removeWebhook",
    responses=documented(400, 403, 404, 422),
    summary="Remove a subscriber; what was not yet sent to it is not sent",
    dependencies={"retry": Provide(retry_of)},
)
def remove_webhook(
    request: Request[Any, Any, Any],
    webhook_id: WebhookId,
    retry: NamedDependency[Retry | None],
) -> Response[None]:
    _admin_or_scope(request, "webhooks:manage")
    engines = _engines(request.app.state)

    def run() -> bool:
        kept = retry.kept(204, None, {}) if retry else None
        if not engines.hooks().remove(webhook_id, receipt=kept):
            raise Refusal("not_found")
        return True

    return _once(engines.get(), retry, run, 204, lambda _: (None, {}))


HOOK_ROUTES = [list_webhooks, add_webhook, remove_webhook]
"""GET before POST on one path, as in ROUTES: with the POST first, Litestar 2 wrapped it for the
thread pool twice (every POST answered 500, "coroutine 'sync_to_thread' was never awaited")."""
