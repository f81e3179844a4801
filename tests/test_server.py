"""The HTTP service: a real uvicorn on loopback, tokens checked against a JWKS served over HTTP.

Cases are built with the library (tests/casekit.py) in a real SQLite file the server then
serves; every person is invented.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import casekit as k
import httpx
import pytest
from serverkit import ADMIN, OTHER_GUARDIAN, SigningKey, World, serving, token, written

import btiflow
from btiflow import Actor
from btiflow.server import wire

ROOT = Path(__file__).resolve().parents[1]
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """Four cases on SQLite, then on PostgreSQL, and the service over them."""
    pg_url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with serving(tmp_path_factory.mktemp("server"), pg_url) as served:
        yield served


def _is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"]
    assert body["title"]
    assert body["type"].startswith("urn:btiflow:problem:")
    return body


# --- who calls ----------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/guide"),
    ("GET", "/guide/schema"),
    ("GET", "/cases"),
    ("POST", "/cases"),
    ("GET", "/cases/{a}"),
    ("GET", "/cases/{a}/options"),
    ("POST", "/cases/{a}/actions/add_note"),
    ("GET", "/cases/{a}/timeline"),
    ("GET", "/cases/{a}/access-log"),
    ("GET", "/due"),
    ("GET", "/overdue"),
    ("GET", "/events"),
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("DELETE", "/webhooks/wh_0123456789abcdef"),
    ("GET", "/openapi/openapi.json"),
]


def _bad_tokens(world: World) -> dict[str, str | None]:
    stranger = SigningKey(kid=world.key.kid)  # claims a known key id, signed by another key
    return {
        "none": None,
        "expired": token(world.key, k.TEACHER, expires_in=-120),
        "wrong_audience": token(world.key, k.TEACHER, audience="another-system"),
        "another_issuer": token(world.key, k.TEACHER, issuer="https://idp.example.org/"),
        "bad_signature": token(stranger, k.TEACHER),
        "unknown_key": token(SigningKey(), k.TEACHER),
        "not_a_jwt": "abc.def.ghi",
    }


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_route_answers_without_a_valid_token(world: World, method: str, path: str) -> None:
    """Without a token, or with an expired, foreign, forged or unsigned one: 401, nothing else."""
    for kind, value in _bad_tokens(world).items():
        headers = {} if value is None else {"Authorization": f"Bearer {value}"}
        response = httpx.request(
            method, world.url + path.format(a=world.a), headers=headers, json={}, timeout=30
        )
        body = _is_problem(response, 401)
        assert body["code"] == "unauthenticated", kind
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert world.a not in response.text


def test_keys_are_fetched_again_for_a_new_key_id(world: World) -> None:
    """The provider rotates keys: a token signed with a key published later is accepted."""
    fresh = SigningKey()
    world.jwks.keys = [world.key, fresh]
    before = world.jwks.fetches
    response = httpx.get(
        world.url + "/guide",
        headers={"Authorization": f"Bearer {token(fresh, k.TEACHER)}"},
        timeout=30,
    )
    assert response.status_code == 200
    assert world.jwks.fetches == before + 1
    with world.client(k.TEACHER) as http:  # a known key id: no fetch
        assert http.get("/guide").status_code == 200
    assert world.jwks.fetches == before + 1


# --- the authorization matrix -------------------------------------------------------------------

ACTORS = {
    "opener_holder": k.TEACHER,
    "leader": k.LEADER,
    "guardian": k.GUARDIAN,
    "young_person": k.CHILD,
    "unit_with_consent": k.NURSE,
    "offered": k.COLLEAGUE,
    "unit_without_consent": k.ADVISER,
    "another_guardian": OTHER_GUARDIAN,
    "admin": ADMIN,
    "system": None,
}

# route on case A: actor -> status (every case route answers 404 to someone not tied to it).
# The leader of the baton holder's unit is tied to case A (holder_leader: may pass the baton on,
# rule 5) without seeing it: 403 where others tied get 200, and their options.
MATRIX: dict[str, dict[str, int]] = {
    "view": {
        "opener_holder": 200, "leader": 403, "guardian": 200, "young_person": 200,
        "unit_with_consent": 200, "offered": 403, "unit_without_consent": 404,
        "another_guardian": 404, "admin": 403, "system": 403,
    },
    "options": {
        "opener_holder": 200, "leader": 200, "guardian": 200, "young_person": 200,
        "unit_with_consent": 200, "offered": 200, "unit_without_consent": 404,
        "another_guardian": 404, "admin": 200, "system": 403,
    },
    "timeline": {
        "opener_holder": 200, "leader": 403, "guardian": 403, "young_person": 403,
        "unit_with_consent": 200, "offered": 403, "unit_without_consent": 404,
        "another_guardian": 404, "admin": 403, "system": 403,
    },
    "access-log": {
        "opener_holder": 403, "leader": 403, "guardian": 200, "young_person": 200,
        "unit_with_consent": 403, "offered": 403, "unit_without_consent": 404,
        "another_guardian": 404, "admin": 200, "system": 403,
    },
    # a stale If-Match: whoever is tied learns only that the case moved on; nothing is written
    "act": {
        "opener_holder": 412, "leader": 412, "guardian": 412, "young_person": 412,
        "unit_with_consent": 412, "offered": 412, "unit_without_consent": 404,
        "another_guardian": 404, "admin": 412, "system": 403,
    },
}  # fmt: skip


def _call(http: httpx.Client, route: str, case_id: str) -> httpx.Response:
    if route == "act":
        return http.post(
            f"/cases/{case_id}/actions/add_note",
            json={"text": "Et notat"},
            headers={"If-Match": '"1"'},
        )
    if route == "view":
        return http.get(f"/cases/{case_id}")
    return http.get(f"/cases/{case_id}/{route}")


def _actor_client(world: World, who: str) -> httpx.Client:
    actor = ACTORS[who]
    return world.client(actor) if actor else world.client(client="arkiv", scope="due:read")


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("who", sorted(ACTORS))
def test_authorization_matrix(world: World, route: str, who: str) -> None:
    """Each kind of caller gets the expected answer on each case route; a case they are not tied
    to is answered exactly as one that does not exist."""
    before = written(world.engine)
    with _actor_client(world, who) as http:
        got = _call(http, route, world.a)
        missing = _call(http, route, "finnes-ikke-42")
    expected = MATRIX[route][who]
    assert got.status_code == expected, (who, route, got.text)
    if expected == 404:
        assert got.content == missing.content
        assert got.headers.get("etag") is None
    if who != "system":
        assert missing.status_code == 404
    assert written(world.engine) == before  # no entry written


def test_the_leader_sees_a_level_0_case_of_their_unit(world: World) -> None:
    """The opener's leader sees a case at level 0 (case B), not one at level 2 (case A): there
    they are the baton holder's leader, who may pass the baton on but not see (403, not 404)."""
    with world.client(k.LEADER) as http:
        assert http.get(f"/cases/{world.b}").status_code == 200
        assert http.get(f"/cases/{world.a}").status_code == 403
        listed = {c["case_id"] for c in http.get("/cases").json()}
    assert {world.b, world.c} <= listed
    assert world.a not in listed


def test_a_guardian_not_yet_told_gets_404(world: World) -> None:
    """A guardian the staff have not told of the case cannot find it (case C)."""
    with world.client(k.GUARDIAN) as http:
        assert http.get(f"/cases/{world.c}").status_code == 404
        listed = {c["case_id"] for c in http.get("/cases").json()}
    assert listed == {world.a, world.b, world.d}


# --- resources ----------------------------------------------------------------------------------


def test_staff_view_carries_the_position_as_etag_and_is_logged(world: World) -> None:
    """The staff view holds the concern; its ETag is the case's position; the read is logged."""
    with world.client(k.TEACHER) as http:
        response = http.get(f"/cases/{world.a}")
    assert response.status_code == 200
    body = response.json()
    assert body["relation"] == "baton_holder"
    assert body["concern"].startswith("Trekker seg unna")
    assert response.headers["etag"] == f'"{world.engine.case(world.a).seq}"'
    rows = world.engine.store.access_log(world.a)
    assert rows[-1].actor == k.TEACHER.id
    assert rows[-1].what == "view:staff"


def test_the_staff_views_log_is_each_entrys_kind_and_stored_form(world: World) -> None:
    """Each log entry comes with its kind and its data as stored (the JSON that is hashed)."""
    with world.client(k.TEACHER) as http:
        body = http.get(f"/cases/{world.a}").json()
    stored = world.engine.store.entries(world.a)
    assert [(e["seq"], e["kind"], e["data"], e["hash"]) for e in body["log"]] == [
        (e.seq, e.kind, e.data, e.hash) for e in stored
    ]


def test_the_wire_staff_view_is_the_librarys_field_for_field() -> None:
    """btiflow.server.wire.StaffView differs from the library's only in how its log is said."""
    assert [f.name for f in attrs.fields(wire.StaffView)] == [
        f.name for f in attrs.fields(btiflow.StaffView)
    ]


def test_family_view_holds_no_concern(world: World) -> None:
    """A guardian's view is the family's: no concern, no staff notes, no log."""
    with world.client(k.GUARDIAN) as http:
        body = http.get(f"/cases/{world.a}").json()
    assert "concern" not in body
    assert "log" not in body
    assert "Trekker" not in json.dumps(body)
    assert body["level"] == 2


def test_options_say_why_not(world: World) -> None:
    """The offered colleague may answer the offer; other actions are refused with reasons."""
    with world.client(k.COLLEAGUE) as http:
        options = http.get(f"/cases/{world.a}/options").json()
    allowed = {o["action"] for o in options if o["allowed"]}
    assert allowed == {"accept_baton", "decline_baton"}
    refused = next(o for o in options if o["action"] == "schedule_meeting")
    assert refused["reasons"][0]["code"] == "not_permitted"
    assert refused["reasons"][0]["message"]


def test_open_act_and_refusals(world: World) -> None:
    """Open a case over HTTP, act on it, and get the engine's refusals as problem details."""
    with world.client(k.TEACHER) as http:
        opened = http.post("/cases", json={"subject": "elev-0101", "concern": "Mye fravær"})
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
        assert opened.headers["location"] == f"/cases/{case_id}"
        assert opened.headers["etag"] == '"1"'
        refused = http.post(f"/cases/{case_id}/actions/inform_guardians", json={})
        body = _is_problem(refused, 422)
        assert body["code"] == "refused"
        assert "leader_before_guardians" in {r["code"] for r in body["reasons"]}
        assert all(r["message"] for r in body["reasons"])
        done = http.post(
            f"/cases/{case_id}/actions/complete_step", json={}, headers={"If-Match": '"1"'}
        )
        assert done.status_code == 200, done.text
        assert done.json() == {"case_id": case_id, "action": "complete_step", "position": 2}
        assert done.headers["etag"] == '"2"'
        stale = http.post(
            f"/cases/{case_id}/actions/inform_leader", json={}, headers={"If-Match": '"1"'}
        )
        assert _is_problem(stale, 412)["code"] == "precondition_failed"
        bad = http.post(f"/cases/{case_id}/actions/inform_leader", json={"leder": "x"})
        body = _is_problem(bad, 400)
        assert "leder" in body["reasons"][0]["message"]
    with world.client(k.GUARDIAN) as http:  # not tied to the new case
        assert http.post(f"/cases/{case_id}/actions/complete_step", json={}).status_code == 404
    with world.client(k.CHILD) as http:  # family may not open a case
        refused = http.post("/cases", json={"subject": "elev-0102"})
        assert _is_problem(refused, 403)["reasons"][0]["code"] == "staff_only"


def test_timeline_and_access_log(world: World) -> None:
    """Staff read the relay log in words; the guardian reads who has seen the case."""
    with world.client(k.TEACHER) as http:
        lines = http.get(f"/cases/{world.a}/timeline").json()
    assert lines[0]["seq"] == 1
    assert lines[0]["kind"] == "case_opened"
    assert all(line["text"] for line in lines)
    with world.client(k.GUARDIAN) as http:
        rows = http.get(f"/cases/{world.a}/access-log").json()
    assert any(r["actor"] == k.TEACHER.id for r in rows)


def test_due_lists_only_cases_the_caller_sees(world: World) -> None:
    """Due and overdue: a person gets their cases; a system client needs the due:read scope."""

    def listed(http: httpx.Client) -> set[str]:
        overdue = http.get("/overdue").json()
        soon = http.get("/due", params={"within_days": 366}).json()
        return {d["case_id"] for d in overdue + soon}

    with world.client(k.TEACHER) as http:
        mine = listed(http)
    with world.client(k.ADVISER) as http:
        assert listed(http) == set()
    with world.client(client="paaminner", scope="due:read") as http:
        everyone = listed(http)
    assert world.d in mine
    assert mine <= everyone
    with world.client(client="arkiv", scope="guide:read") as http:
        refused = _is_problem(http.get("/overdue"), 403)
        assert refused["code"] == "not_permitted"
        assert refused["detail"] == "tilgangen (scope) «due:read» trengs"  # the guide's words
        assert http.get("/guide").status_code == 200
        assert _is_problem(http.get("/cases"), 403)["code"] == "not_permitted"


def _walk(http: httpx.Client, path: str, limit: int) -> list[dict[str, Any]]:
    """Every row of ``path``, ``limit`` at a time, each page after the last row of the one
    before."""
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit, "within_days": 366}
    while True:
        page = http.get(path, params=params).json()
        assert len(page) <= limit
        rows += page
        if len(page) < limit:
            return rows
        params["after"] = f"{page[-1]['due']},{page[-1]['case_id']}"


def test_due_and_overdue_come_in_pages(tmp_path: Path) -> None:
    """limit and after page through the same rows as one answer, for a system client and for a
    person, who gets full pages of the cases they see (a colleague's cases between them)."""
    with serving(tmp_path) as world:
        engine = world.engine
        openers = [k.TEACHER, k.COLLEAGUE, k.TEACHER, k.COLLEAGUE, k.TEACHER, k.COLLEAGUE]
        for n, (by, days) in enumerate(zip(openers, [10, 10, 3, 20, 10, 3], strict=True)):
            case = k.open_case(engine, f"elev-{n}", by=by)
            k.to_level_0_decision(engine, case.id, by)
            k.give_log_consent(engine, case.id)
            engine.act(case.id, "decide", by, outcome="expand", to_level=1, family_wish=k.WISH,
                       baton_holder=by)  # fmt: skip
            k.plan(engine, case.id, by, days=days)
        system = world.client(client="paaminner", scope="due:read")
        found: dict[str, list[dict[str, Any]]] = {}
        for name, client in (("system", system), ("teacher", world.client(k.TEACHER))):
            with client as http:
                found[name] = []
                for path in ("/overdue", "/due"):
                    whole = http.get(path, params={"within_days": 366}).json()
                    for limit in (1, 2, 3, 1000):
                        assert _walk(http, path, limit) == whole
                    found[name] += whole
        teacher = {r["case_id"] for r in found["teacher"]}
        assert len(found["system"]) == 7
        assert teacher < {r["case_id"] for r in found["system"]}
        assert len(teacher) == 4


def test_cases_are_searched_by_subject_level_and_holder(world: World) -> None:
    """The list narrows by subject id, level, baton holder and status, within what the caller
    sees."""
    with world.client(k.TEACHER) as http:
        assert [c["case_id"] for c in http.get("/cases", params={"level": 2}).json()] == [world.a]
        by_subject = http.get("/cases", params={"subject": "elev-0043"}).json()
        assert [c["case_id"] for c in by_subject] == [world.b]
        held = http.get("/cases", params={"holder": k.TEACHER.id}).json()
        assert {c["case_id"] for c in held} == {world.a, world.d}
        assert _is_problem(http.get("/cases", params={"level": "to"}), 400)["errors"]
        every = {c["case_id"] for c in http.get("/cases").json()}
        assert {c["case_id"] for c in http.get("/cases", params={"status": "open"}).json()} == every
        assert http.get("/cases", params={"status": "closed"}).json() == []
        assert _is_problem(http.get("/cases", params={"status": "shut"}), 400)["errors"]


def test_the_guide_and_its_schema(world: World) -> None:
    """The guide is served as JSON, with the JSON Schema of its format."""
    with world.client(k.GUARDIAN) as http:
        guide = http.get("/guide").json()
        schema = http.get("/guide/schema").json()
    assert guide["id"] == world.engine.workflow.id
    assert "$defs" in schema


def test_published_openapi_is_what_the_server_serves(world: World) -> None:
    """docs/openapi.json is the document the running server serves, word for word."""
    with world.client(k.TEACHER) as http:
        served = http.get("/openapi/openapi.json").json()
    assert served["openapi"].startswith("3.1")
    published = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert served == published, "run: python -m btiflow.server.openapi > docs/openapi.json"


# --- bad input ----------------------------------------------------------------------------------

BAD_BODIES: list[tuple[str, str, bytes, dict[str, str]]] = [
    ("malformed_json", "/cases", b'{"subject": "elev-1",', {}),
    ("wrong_type", "/cases", b'{"subject": 17}', {}),
    ("unknown_field", "/cases", b'{"subject": "elev-1", "navn": "Ola"}', {}),
    ("not_an_object", "/cases", b'["elev-1"]', {}),
    ("empty_subject", "/cases", b'{"subject": "   "}', {}),
    ("bad_date", "/cases", b'{"subject": "elev-1", "birth_date": "17. mai"}', {}),
    ("lone_surrogate", "/cases", b'{"subject": "\\ud800"}', {}),
    ("act_wrong_type", "/cases/{a}/actions/add_note", b'{"text": 17}', {}),
    ("act_unknown_param", "/cases/{a}/actions/add_note", b'{"text": "x", "y": 1}', {}),
    ("act_malformed", "/cases/{a}/actions/add_note", b"{", {}),
    ("act_list", "/cases/{a}/actions/add_note", b"[1]", {}),
    ("unknown_action", "/cases/{a}/actions/slett_alt", b"{}", {}),
    ("huge", "/cases", b'{"subject": "' + b"x" * (1024 * 1024 + 10) + b'"}', {}),
    ("path_dots", "/cases/..%2F..%2Fetc/actions/add_note", b'{"text": "x"}', {}),
    ("path_unicode", "/cases/%E2%80%AEelev/actions/add_note", b'{"text": "x"}', {}),
    ("path_nul", "/cases/a%00b/actions/add_note", b'{"text": "x"}', {}),
    ("form_body", "/cases", b"subject=elev-1",
     {"Content-Type": "application/x-www-form-urlencoded"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "path", "body", "headers"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
def test_bad_input_is_a_clear_4xx_and_writes_nothing(
    world: World, name: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    """Malformed, mistyped, unknown, huge or odd input: a problem in 4xx, the database as it was."""
    before = written(world.engine)
    with world.client(k.TEACHER) as http:
        response = http.post(
            path.format(a=world.a),
            content=body,
            headers={"Content-Type": "application/json", **headers},
        )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    if name == "huge":
        assert response.status_code == 413
    if response.status_code == 400 and not problem.get("reasons"):
        assert problem["errors"] or problem["detail"], problem
    assert written(world.engine) == before


GET_TRICKS = [
    "/cases/..%2F..%2Fetc%2Fpasswd",
    "/cases/%2e%2e",
    "/cases/%E2%80%AE" + "a" * 10,
    "/cases/a%00b/options",
    "/cases/" + "x" * 5000,
    "/cases/%F0%9F%91%B6/timeline",
    "/cases?level=-1",
    "/cases?level=9",
    "/cases?due_before=31.12.2026",
    "/due?within_days=100000",
    "/due?within_days=sju",
    "/due?limit=0",
    "/overdue?limit=1001",
    "/overdue?after=sak-1",
    "/overdue?after=2026-02-30,sak-1",
    "/due?after=2026-09-01,",
]


@pytest.mark.parametrize("path", GET_TRICKS)
def test_odd_ids_and_queries_are_4xx_and_write_nothing(world: World, path: str) -> None:
    """Path tricks, odd Unicode, huge ids and out-of-range queries: a problem in 4xx."""
    before = written(world.engine)
    with world.client(k.TEACHER) as http:
        response = http.get(path)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert written(world.engine) == before


def test_the_tenant_is_the_deployment_not_a_parameter(world: World) -> None:
    """A tenant named in the request changes nothing: the deployment's store is the only one."""
    with world.client(k.TEACHER) as http:
        plain = http.get("/cases").json()
        named = http.get("/cases", params={"tenant": "en-annen-kommune"}).json()
        headed = http.get("/cases", headers={"X-Tenant": "en-annen-kommune"}).json()
    assert plain == named == headed
    assert plain


def test_a_child_below_the_view_age_is_told_no_not_nothing(world: World) -> None:
    """The child a case is about (no birth date known, so no age) is tied to it but gets no view:
    403 for the case and its access log, 404 for another child's case."""
    child = Actor("elev-0043", "child", "", "Elev H")
    with world.client(child) as http:
        assert _is_problem(http.get(f"/cases/{world.b}"), 403)["code"] == "not_permitted"
        assert http.get(f"/cases/{world.b}/access-log").status_code == 403
        assert http.get(f"/cases/{world.a}").status_code == 404
        assert http.get("/cases").json() == []


def test_racing_writers_with_the_same_if_match_one_wins(world: World) -> None:
    """Eight clients act at once, each saying it read the same position: exactly one action is
    written, every other answer is 412 (or 409), and the log grows by one entry."""
    with world.client(k.TEACHER) as http:
        opened = http.post("/cases", json={"subject": "elev-0200"})
        case_id, etag = opened.json()["id"], opened.headers["etag"]

    def attempt(i: int) -> int:
        with world.client(k.TEACHER) as http:
            return http.post(
                f"/cases/{case_id}/actions/add_note",
                json={"text": f"Notat {i}"},
                headers={"If-Match": etag},
            ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409, 412}
    assert len(world.engine.store.entries(case_id)) == 2
