"""Webhooks over HTTP: register, list, remove (administrators, systems with webhooks:manage);
then an action over HTTP reaches a real receiver through ``btiflow webhooks send``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import casekit as k
import pytest
from click.testing import CliRunner
from hookkit import Receiver
from serverkit import ADMIN, World, serving

from btiflow.cli import main
from btiflow.webhooks.sign import new_secret


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    pg_url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with serving(tmp_path_factory.mktemp("hooks"), pg_url) as served:
        yield served


def _store_url(world: World) -> str:
    store = world.engine.store
    url: str = getattr(store, "path", None) or f"{store.url}?tenant={store.tenant}"  # type: ignore[attr-defined]
    return url


def _clear(world: World) -> None:
    """No subscriber left from another test (the world is the module's)."""
    with world.client(ADMIN) as http:
        for hook in http.get("/webhooks").json():
            assert http.delete(f"/webhooks/{hook['id']}").status_code == 204


def test_who_may_manage_webhooks(world: World) -> None:
    body = {"url": "https://mottak.example.kommune.no/btiflow"}
    for who, status in [
        (world.client(ADMIN), 201),
        (world.client(client="integrasjon", scope="webhooks:manage"), 201),
        (world.client(client="integrasjon", scope="events:read"), 403),
        (world.client(k.TEACHER), 403),
        (world.client(k.GUARDIAN), 403),
    ]:
        with who as http:
            assert http.post("/webhooks", json=body).status_code == status
            assert http.get("/webhooks").status_code == (200 if status == 201 else 403)


def test_register_list_and_remove(world: World) -> None:
    with world.client(ADMIN) as http:
        made = http.post("/webhooks", json={"url": "https://mottak.example.kommune.no/a"})
        assert made.status_code == 201, made.text
        hook = made.json()
        assert hook["secret"].startswith("whsec_")
        assert made.headers["location"] == f"/webhooks/{hook['id']}"
        listed = http.get("/webhooks").json()
        assert hook["id"] in {h["id"] for h in listed}
        assert "secret" not in str(listed)
        assert http.delete(f"/webhooks/{hook['id']}").status_code == 204
        assert http.delete(f"/webhooks/{hook['id']}").status_code == 404
        assert hook["id"] not in {h["id"] for h in http.get("/webhooks").json()}


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://mottak.example.kommune.no/"},
        {"url": "https://"},
        {"url": "https://bruker:passord@mottak.example.kommune.no/"},
        {"url": "https://mottak.example.kommune.no/", "secret": "hemmelig"},
        {"url": "https://mottak.example.kommune.no/", "hemmelighet": "x"},
        {"url": 17},
    ],
)
def test_a_bad_webhook_is_a_400_and_registers_nothing(world: World, body: object) -> None:
    with world.client(ADMIN) as http:
        before = http.get("/webhooks").json()
        answer = http.post("/webhooks", json=body)
        assert answer.status_code == 400, answer.text
        assert http.get("/webhooks").json() == before


def test_registering_and_removing_are_idempotent(world: World) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"url": "https://mottak.example.kommune.no/b"}
    with world.client(ADMIN) as http:
        first = http.post("/webhooks", json=body, headers=key)
        again = http.post("/webhooks", json=body, headers=key)
        assert (again.status_code, again.content) == (201, first.content)
        hooks = [h for h in http.get("/webhooks").json() if h["url"] == body["url"]]
        assert len(hooks) == 1
        gone = {"Idempotency-Key": str(uuid.uuid4())}
        path = f"/webhooks/{first.json()['id']}"
        assert http.delete(path, headers=gone).status_code == 204
        replayed = http.delete(path, headers=gone)
        assert replayed.status_code == 204
        assert replayed.headers["idempotent-replayed"] == "true"


def test_an_action_over_http_reaches_a_receiver_through_the_send_command(world: World) -> None:
    _clear(world)
    receiver = Receiver(new_secret(), failures=1)
    try:
        with world.client(ADMIN) as http:
            made = http.post("/webhooks", json={"url": receiver.url, "secret": receiver.secret})
            assert made.status_code == 201, made.text
        with world.client(k.TEACHER) as http:
            done = http.post(f"/cases/{world.a}/actions/add_note", json={"text": "Til mottaker"})
            assert done.status_code == 200, done.text
        runner = CliRunner()
        first = runner.invoke(main, ["webhooks", "send", _store_url(world)])
        assert first.exit_code == 0, first.output
        assert "prøves igjen 1" in first.output  # the receiver failed once
        assert receiver.received == []
        with world.client(ADMIN) as http:  # due again only after the backoff: remove and see
            http.delete(f"/webhooks/{made.json()['id']}")
        assert receiver.bad == 0
    finally:
        receiver.close()


def test_the_send_command_delivers(world: World) -> None:
    _clear(world)
    receiver = Receiver(new_secret())
    try:
        with world.client(client="integrasjon", scope="webhooks:manage") as http:
            made = http.post("/webhooks", json={"url": receiver.url, "secret": receiver.secret})
            assert made.status_code == 201, made.text
        with world.client(k.TEACHER) as http:
            done = http.post(f"/cases/{world.a}/actions/add_note", json={"text": "Hei"})
            assert done.status_code == 200, done.text
        sent = CliRunner().invoke(main, ["webhooks", "send", _store_url(world)])
        assert sent.exit_code == 0, sent.output
        assert sent.output.startswith("sendt 1, feilet 0, prøves igjen 0 (")
        assert receiver.bad == 0
        [(_, event)] = receiver.received
        assert event["data"]["case_id"] == world.a
        assert event["data"]["seq"] == done.json()["position"]
        assert event["data"]["kind"] == "note_added"
        with world.client(ADMIN) as http:
            http.delete(f"/webhooks/{made.json()['id']}")
    finally:
        receiver.close()
