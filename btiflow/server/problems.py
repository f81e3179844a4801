"""Errors as RFC 9457 problem details (``application/problem+json``), in the guide's language.

Each problem carries a stable ``code`` for programs and a ``title`` for people; a refused action
carries every ``Reason`` the engine gave (code, rule, message), malformed input names each field
in ``errors``. A case the caller may not see is answered exactly as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from litestar import Response
from litestar.openapi.datastructures import ResponseSpec

from btiflow import Reason
from btiflow.words import say

MEDIA_TYPE = "application/problem+json"

STATUS: dict[str, int] = {
    "bad_request": 400,
    "unauthenticated": 401,
    "not_permitted": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "precondition_failed": 412,
    "too_large": 413,
    "unsupported_media_type": 415,
    "idempotency_key_reused": 422,  # before "refused": CODE_OF_STATUS[422] stays "refused"
    "refused": 422,
    "server_error": 500,
}
"""Each problem code and its HTTP status; its title is ``http.<code>`` in the text catalogue."""

CODE_OF_STATUS = {status: code for code, status in STATUS.items()}


@attrs.frozen
class FieldError:
    """One malformed part of the request: where (a field, a query parameter) and what."""

    field: str
    message: str


@attrs.frozen
class ProblemDetails:
    """An RFC 9457 problem: ``code`` is stable, ``title`` is in the guide's language."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    reasons: tuple[Reason, ...] = ()
    errors: tuple[FieldError, ...] = ()


def title(code: str, language: str) -> str:
    """A problem's title for people, in ``language`` (bokmål when not translated)."""
    return say(language, f"http.{code}")


def problem(
    code: str,
    language: str,
    *,
    detail: str | None = None,
    reasons: Sequence[Reason] = (),
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> Response[ProblemDetails]:
    status = STATUS[code]
    body = ProblemDetails(
        type=f"urn:btiflow:problem:{code}",
        title=title(code, language),
        status=status,
        code=code,
        detail=detail,
        reasons=tuple(reasons),
        errors=tuple(errors),
    )
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem answers a route may give, for its OpenAPI entry (401 and 500 on every one)."""
    listed = sorted({*statuses, 401, 500})
    return {
        status: ResponseSpec(
            ProblemDetails,
            description=title(CODE_OF_STATUS[status], "nb"),
            media_type=MEDIA_TYPE,
            generate_examples=False,
        )
        for status in listed
    }
