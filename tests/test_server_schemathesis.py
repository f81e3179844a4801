"""Schemathesis against the running service's own OpenAPI document: every operation, generated
requests (valid and invalid), tokens of several kinds of caller. No 5xx; every answer (status,
content type, headers, body) as the document says."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import casekit as k
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from serverkit import ADMIN, World, serving, token

ROOT = Path(__file__).resolve().parents[1]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with serving(tmp_path_factory.mktemp("schemathesis")) as world:
        yield world


# The published document, which tests/test_server.py holds equal to the one the server serves
# (schemathesis' from_fixture does not run on pytest 9, so the schema is loaded at import).
schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.json")
_turn = itertools.count()


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_conforms(case: schemathesis.Case[Any], served: World) -> None:
    """Generated requests from the opener, a guardian, the young person, an involved unit, an
    administrator and a system client, on a real case or a made-up id."""
    turn = next(_turn)
    callers = [
        token(served.key, k.TEACHER),
        token(served.key, k.GUARDIAN),
        token(served.key, k.CHILD),
        token(served.key, k.NURSE),
        token(served.key, ADMIN),
        token(served.key, client="arkiv", scope="guide:read due:read"),
    ]
    if case.path_parameters and "case_id" in case.path_parameters and turn % 2 == 0:
        case.path_parameters["case_id"] = served.a
    headers = {"Authorization": f"Bearer {callers[turn % len(callers)]}"}
    case.call_and_validate(base_url=served.url, headers=headers, checks=CHECKS)
