"""Safe retries over HTTP: an Idempotency-Key makes a state-changing request happen once.

A real server on loopback over SQLite and PostgreSQL; the client that loses its connection after
the server committed is a raw socket closed before the answer is read.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import casekit as k
import httpx
import pytest
from serverkit import World, serving, token, written


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    pg_url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with serving(tmp_path_factory.mktemp("idem"), pg_url) as served:
        yield served


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _note(world: World, http: httpx.Client, headers: dict[str, str], text: str) -> httpx.Response:
    return http.post(f"/cases/{world.a}/actions/add_note", json={"text": text}, headers=headers)


def test_the_same_key_and_body_is_answered_once(world: World) -> None:
    """The retry gets the first answer word for word (marked as a replay) and writes nothing."""
    key = _key()
    with world.client(k.TEACHER) as http:
        first = _note(world, http, key, "Samtale med eleven")
        assert first.status_code == 200, first.text
        between = written(world.engine)
        again = _note(world, http, key, "Samtale med eleven")
        assert written(world.engine) == between
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


def test_opening_a_case_twice_with_one_key_opens_one(world: World) -> None:
    key = _key()
    with world.client(k.TEACHER) as http:
        first = http.post("/cases", json={"subject": "elev-0301"}, headers=key)
        assert first.status_code == 201, first.text
        between = written(world.engine)
        again = http.post("/cases", json={"subject": "elev-0301"}, headers=key)
    assert written(world.engine) == between
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers["location"] == first.headers["location"]


def test_the_same_key_with_another_body_is_a_422(world: World) -> None:
    key = _key()
    with world.client(k.TEACHER) as http:
        assert _note(world, http, key, "Første").status_code == 200
        before = written(world.engine)
        other = _note(world, http, key, "Et annet notat")
        elsewhere = http.post("/cases", json={"subject": "elev-0302"}, headers=key)
    assert written(world.engine) == before
    for answer in (other, elsewhere):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "idempotency_key_reused"


def test_keys_are_the_callers_own(world: World) -> None:
    """Another person with the same key is another request: their note is written."""
    key = _key()
    with world.client(k.TEACHER) as http:
        assert _note(world, http, key, "Notat").status_code == 200
    before = len(world.engine.log(world.a))
    with world.client(k.GUARDIAN) as http:
        theirs = _note(world, http, key, "Notat")
    assert theirs.status_code == 200, theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert len(world.engine.log(world.a)) == before + 1


def test_a_refused_request_keeps_no_answer(world: World) -> None:
    """Nothing was written, so nothing is kept: the retry is decided afresh."""
    key = _key()
    with world.client(k.COLLEAGUE) as http:
        refused = _note(world, http, key, "x")
    assert refused.status_code == 403
    assert world.engine.store.receipt("person:laerer-f", key["Idempotency-Key"]) is None


def test_a_bad_key_is_a_400(world: World) -> None:
    with world.client(k.TEACHER) as http:
        bad = _note(world, http, {"Idempotency-Key": "mellom rom"}, "x")
    assert bad.status_code == 400, bad.text


def _raw_post(world: World, path: str, body: bytes, headers: dict[str, str]) -> socket.socket:
    """A request sent on a socket whose answer is never read."""
    parts = urlsplit(world.url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80))
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
        "",
        "",
    ]
    sock.sendall("\r\n".join(lines).encode() + body)
    return sock


def test_a_retry_after_the_connection_died_post_commit_writes_one_entry(world: World) -> None:
    """The client's connection is killed once the server has committed (before the answer is
    read); the client retries with the same key: one entry, and the first answer."""
    key = _key()
    auth = {"Authorization": f"Bearer {token(world.key, k.TEACHER)}"}
    before = len(world.engine.log(world.a))
    body = json.dumps({"text": "Tidsavbrudd"}).encode()
    sock = _raw_post(world, f"/cases/{world.a}/actions/add_note", body, {**auth, **key})
    deadline = time.monotonic() + 20
    while len(world.engine.log(world.a)) == before:  # the server committed
        assert time.monotonic() < deadline, "the first request was never written"
        time.sleep(0.01)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()  # an RST: the answer is lost
    with world.client(k.TEACHER) as http:
        again = _note(world, http, key, "Tidsavbrudd")
    assert again.status_code == 200, again.text
    assert again.headers["idempotent-replayed"] == "true"
    log = world.engine.log(world.a)
    assert len(log) == before + 1
    assert again.json()["position"] == log[-1].seq


def test_racing_retries_with_one_key_write_one_entry(world: World) -> None:
    """Eight copies of one request at once: one entry, and every answer the same."""
    key = _key()
    before = len(world.engine.log(world.a))

    def send(_: int) -> httpx.Response:
        with world.client(k.TEACHER) as http:
            return _note(world, http, key, "Samtidig")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    assert len(world.engine.log(world.a)) == before + 1
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
