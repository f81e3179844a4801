"""The ASGI application: routes, bearer-token check, problem details, OpenAPI 3.1.

Litestar builds the OpenAPI document from the same attrs classes the library returns
(``StaffView``, ``Option``, ``Case``, ...): one definition of each shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from btiflow import ActionRefused, CaseNotFound, ConflictError, Workflow, load_workflow
from btiflow.notify.messages import NotifyConfig
from btiflow.server.auth import BearerAuth, TokenVerifier
from btiflow.server.engines import Engines
from btiflow.server.headers import security_headers
from btiflow.server.hooks import HOOK_ROUTES
from btiflow.server.idempotency import KeyReused
from btiflow.server.problems import CODE_OF_STATUS, FieldError, ProblemDetails, problem
from btiflow.server.routes import ROUTES, Refusal
from btiflow.server.settings import Settings
from btiflow.words import say

OPENAPI_PATH = "/openapi"
"""The OpenAPI document is served at ``/openapi/openapi.json`` (to callers with a token)."""


def _language(request: Request[Any, Any, Any]) -> str:
    engines: Engines = request.app.state.engines
    return engines.workflow.language


def _refusal(request: Request[Any, Any, Any], exc: Refusal) -> Response[ProblemDetails]:
    language = _language(request)
    detail = say(language, f"http.detail.{exc.detail}", **exc.values) if exc.detail else None
    return problem(exc.code, language, detail=detail)


def _refused(request: Request[Any, Any, Any], exc: ActionRefused) -> Response[ProblemDetails]:
    codes = {r.code for r in exc.reasons}
    if any(r.rule == "actor" for r in exc.reasons):  # who acts, not what: not permitted
        code = "not_permitted"
    elif codes == {"invalid_input"}:
        code = "bad_request"  # the message of each reason names the field
    else:
        code = "refused"
    return problem(code, _language(request), reasons=exc.reasons)


def _not_found(request: Request[Any, Any, Any], exc: CaseNotFound) -> Response[ProblemDetails]:
    return problem("not_found", _language(request))


def _reused(request: Request[Any, Any, Any], exc: KeyReused) -> Response[ProblemDetails]:
    return problem("idempotency_key_reused", _language(request))


def _conflict(request: Request[Any, Any, Any], exc: ConflictError) -> Response[ProblemDetails]:
    return problem("conflict", _language(request))


def _invalid(request: Request[Any, Any, Any], exc: ValidationException) -> Response[ProblemDetails]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or "body"
            errors.append(FieldError(str(where), str(item.get("message", ""))))
    return problem("bad_request", _language(request), detail=exc.detail, errors=errors)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ProblemDetails]:
    code = CODE_OF_STATUS.get(exc.status_code)
    if code is None:
        code = "server_error" if exc.status_code >= 500 else "bad_request"
    headers = (
        {"WWW-Authenticate": 'Bearer error="invalid_token"'} if code == "unauthenticated" else None
    )
    detail = None if code in ("unauthenticated", "server_error") else exc.detail
    return problem(code, _language(request), detail=detail, headers=headers)


def _crash(request: Request[Any, Any, Any], exc: Exception) -> Response[ProblemDetails]:
    return problem("server_error", _language(request))


def _notify(settings: Settings) -> NotifyConfig | None:
    """Mail from the pages' actions, linking to the case's page under the public URL."""
    login = settings.login
    if login is None or not login.mail_sender:
        return None
    return NotifyConfig(login.public_url, login.mail_sender, case_pages=True)


def create_app(settings: Settings, workflow: Workflow | None = None) -> Litestar:
    """The service for one deployment: one guide, one store (the tenant), one identity provider."""
    guide = workflow if workflow is not None else load_workflow(settings.workflow)
    engines = Engines(guide, settings.store, _notify(settings))
    engines.get()  # open the store (and create its schema) before the first request
    verifier = TokenVerifier(settings)
    handlers: list[Any] = [*ROUTES, *HOOK_ROUTES]
    state: dict[str, Any] = {"engines": engines}
    form_targets: Callable[[], tuple[str, ...]] = tuple
    if settings.login is not None:
        from btiflow.server.casepages import pages_router
        from btiflow.server.pages import Pages

        pages = Pages(settings.login, engines)
        state["pages"] = pages
        handlers.append(pages_router())
        form_targets = pages.form_targets
    bearer = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
    openapi = OpenAPIConfig(
        title="btiflow",
        version="1",
        description=(
            "The BTI guide as an enforced state machine and the child's relay log, over HTTP. "
            "Every route needs a bearer JWT from the municipality's identity provider."
        ),
        path=OPENAPI_PATH,
        render_plugins=[JsonRenderPlugin()],
        components=Components(security_schemes={"bearer": bearer}),
        security=[{"bearer": []}],
    )
    return Litestar(
        route_handlers=handlers,
        state=State(state),
        middleware=[
            security_headers(form_targets),
            DefineMiddleware(BearerAuth, verifier=verifier),
        ],
        exception_handlers={
            Refusal: _refusal,
            ActionRefused: _refused,
            CaseNotFound: _not_found,
            ConflictError: _conflict,
            KeyReused: _reused,
            ValidationException: _invalid,
            HTTPException: _http,
            Exception: _crash,
        },
        openapi_config=openapi,
        request_max_body_size=settings.max_body,
        on_shutdown=[engines.close],
        debug=False,
        # Leave logging to the host (uvicorn, or the embedding app): Litestar would otherwise
        # configure the root logger and every library's INFO lines would cost each request.
        logging_config=None,
    )


def app_from_env() -> Litestar:
    """uvicorn's factory in each worker process: the settings come from the environment."""
    return create_app(Settings.from_env())
