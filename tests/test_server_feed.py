"""The event feed over HTTP: who may read it, what it says (never content), and a follower that
polls while eight clients write sees every entry once, in order (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import casekit as k
import httpx
import pytest
from serverkit import ADMIN, World, serving
from test_feed import assert_once_in_order, follow

from btiflow import FeedEvent


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    pg_url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with serving(tmp_path_factory.mktemp("feed"), pg_url) as served:
        yield served


def _page(http: httpx.Client, after: int, limit: int = 50) -> list[FeedEvent]:
    answer = http.get("/events", params={"after": after, "limit": limit})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    found = [FeedEvent(**e) for e in body["events"]]
    assert body["last"] == (found[-1].position if found else after)
    return found


def test_the_feed_is_for_administrators_and_systems_with_the_scope(world: World) -> None:
    for who, status in [
        (world.client(ADMIN), 200),
        (world.client(client="integrasjon", scope="events:read"), 200),
        (world.client(client="paaminner", scope="due:read"), 403),
        (world.client(k.TEACHER), 403),
        (world.client(k.GUARDIAN), 403),
    ]:
        with who as http:
            assert http.get("/events").status_code == status


def test_the_feed_carries_metadata_only(world: World) -> None:
    with world.client(ADMIN) as http:
        body = http.get("/events", params={"limit": 5}).json()
    assert body["events"]
    for event in body["events"]:
        assert set(event) == {"position", "case_id", "seq", "kind", "time"}
    assert "elev-" not in str(body)  # no subject id, no concern, no content


@pytest.mark.parametrize("query", ["after=-1", "limit=0", "limit=1001", "after=x", "after=1e99"])
def test_bad_feed_queries_are_400(world: World, query: str) -> None:
    with world.client(ADMIN) as http:
        assert http.get(f"/events?{query}").status_code == 400


def test_a_follower_over_http_sees_8_writers_entries_once_in_order(world: World) -> None:
    with world.client(ADMIN) as http:
        start = http.get("/events", params={"after": 0, "limit": 1000}).json()["last"]
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with world.client(k.TEACHER) as http:
                opened = http.post("/cases", json={"subject": f"elev-08{n:02d}"})
                assert opened.status_code == 201, opened.text
                case_id = opened.json()["id"]
                for i in range(8):
                    done = http.post(
                        f"/cases/{case_id}/actions/add_note", json={"text": f"Notat {i}"}
                    )
                    assert done.status_code == 200, done.text
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    done = threading.Event()
    result: list[list[FeedEvent]] = []
    with world.client(client="integrasjon", scope="events:read") as reader:

        def follower() -> None:
            result.append(follow(lambda after: _page(reader, after), done))

        poller = threading.Thread(target=follower)
        poller.start()
        for t in writers:
            t.start()
        for t in writers:
            t.join()
        done.set()
        poller.join()
    assert not errors, errors
    seen = result[0]
    assert len(seen) >= start + 8 * 9
    assert_once_in_order(seen, world.engine)
