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

MEDIA_TYPE = "application/problem+json"

# code: (status, title per language); nb is the fallback for a language not listed
_PROBLEMS: dict[str, tuple[int, dict[str, str]]] = {
    "bad_request": (
        400,
        {"nb": "Ugyldig forespørsel", "nn": "Ugyldig førespurnad"},
    ),
    "unauthenticated": (
        401,
        {
            "nb": "Mangler gyldig tilgangsbevis (bearer-token)",
            "nn": "Manglar gyldig tilgangsprov (bearer-token)",
        },
    ),
    "not_permitted": (
        403,
        {"nb": "Du har ikke tilgang til dette", "nn": "Du har ikkje tilgang til dette"},
    ),
    "not_found": (
        404,
        {"nb": "Finnes ikke", "nn": "Finst ikkje"},
    ),
    "method_not_allowed": (
        405,
        {"nb": "Metoden er ikke tillatt her", "nn": "Metoden er ikkje tillaten her"},
    ),
    "conflict": (
        409,
        {
            "nb": "Saken ble endret av noen andre samtidig; les den på nytt og prøv igjen",
            "nn": "Saka vart endra av nokon andre samstundes; les ho på nytt og prøv igjen",
        },
    ),
    "precondition_failed": (
        412,
        {
            "nb": "Saken er endret siden du leste den (If-Match)",
            "nn": "Saka er endra sidan du las ho (If-Match)",
        },
    ),
    "too_large": (
        413,
        {"nb": "Forespørselen er for stor", "nn": "Førespurnaden er for stor"},
    ),
    "unsupported_media_type": (
        415,
        {"nb": "Send JSON (application/json)", "nn": "Send JSON (application/json)"},
    ),
    "idempotency_key_reused": (  # before "refused": CODE_OF_STATUS[422] stays "refused"
        422,
        {
            "nb": "Idempotency-Key er brukt før, til en annen forespørsel",
            "nn": "Idempotency-Key er brukt før, til ein annan førespurnad",
        },
    ),
    "refused": (
        422,
        {"nb": "Handlingen ble avvist", "nn": "Handlinga vart avvist"},
    ),
    "server_error": (
        500,
        {"nb": "Intern feil", "nn": "Intern feil"},
    ),
}

CODE_OF_STATUS = {status: code for code, (status, _) in _PROBLEMS.items()}


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


def problem(
    code: str,
    language: str,
    *,
    detail: str | None = None,
    reasons: Sequence[Reason] = (),
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> Response[ProblemDetails]:
    status, titles = _PROBLEMS[code]
    body = ProblemDetails(
        type=f"urn:btiflow:problem:{code}",
        title=titles.get(language, titles["nb"]),
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
            description=_PROBLEMS[CODE_OF_STATUS[status]][1]["nb"],
            media_type=MEDIA_TYPE,
            generate_examples=False,
        )
        for status in listed
    }
