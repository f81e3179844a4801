"""Webhooks: a delivery per subscriber for every entry, written with the entry; signed per
Standard Webhooks and checked by a real receiver on loopback; retried with backoff; never
carrying case content. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import casekit
import pytest
from casekit import GUARDIAN, TEACHER, Clock
from hookkit import Receiver, verify
from storekit import Backend

from btiflow import ActionRefused, ConflictError, Engine
from btiflow.store.url import open_webhooks
from btiflow.webhooks.dispatch import WebhookDispatcher
from btiflow.webhooks.queue import WebhookQueue
from btiflow.webhooks.sign import headers, key_of, new_secret


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver(new_secret())
    yield got
    got.close()


@pytest.fixture
def hooks(backend: Backend) -> Iterator[WebhookQueue]:
    queue = open_webhooks(backend.url, tenant=backend.tenant)
    yield queue
    queue.close()


@pytest.fixture
def engine(backend: Backend) -> Engine:
    return Engine(casekit.workflow(), backend.open(), clock=Clock())


class Now:
    """The dispatcher's clock, moved by the test."""

    def __init__(self) -> None:
        self.at = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at


def test_every_entry_reaches_the_subscriber_signed_and_without_content(
    engine: Engine, hooks: WebhookQueue, receiver: Receiver
) -> None:
    hook = hooks.add(receiver.url, receiver.secret, "system:integrasjon")
    assert [h.id for h in hooks.webhooks()] == [hook.id]
    case = casekit.open_case(engine)
    engine.act(case.id, "add_note", TEACHER, text="Hemmelig innhold")
    report = WebhookDispatcher(hooks).run()
    assert (report.sent, report.deferred, report.failed) == (2, 0, 0)
    assert receiver.bad == 0
    feed = {(e.case_id, e.seq): e for e in engine.events()}
    for _, event in receiver.received:
        assert set(event) == {"type", "timestamp", "data"}
        assert set(event["data"]) == {"position", "case_id", "seq", "kind", "time"}
        told = feed[(event["data"]["case_id"], event["data"]["seq"])]
        assert event["data"]["position"] == told.position
        assert event["data"]["kind"] == told.kind
    assert [e["data"]["kind"] for _, e in receiver.received] == ["case_opened", "note_added"]
    assert "Hemmelig" not in str(receiver.received)
    assert "elev" not in str(receiver.received)  # not even the subject's pseudonymous id
    assert hooks.counts()["sent"] == 2
    assert WebhookDispatcher(hooks).run().sent == 0  # sent once


def test_a_failing_receiver_is_retried_with_backoff_under_the_same_id(
    engine: Engine, hooks: WebhookQueue
) -> None:
    receiver = Receiver(new_secret(), failures=3)
    try:
        hooks.add(receiver.url, receiver.secret, "system:integrasjon")
        casekit.open_case(engine)
        now = Now()
        dispatcher = WebhookDispatcher(hooks, clock=now, first_delay=dt.timedelta(seconds=30))
        waits = []
        for _ in range(3):
            assert dispatcher.run().deferred == 1
            assert dispatcher.run().deferred == 0  # not due yet
            waits.append(dispatcher.delay(len(receiver.attempts)))
            now.at += waits[-1]
        assert waits == [dt.timedelta(seconds=s) for s in (30, 60, 120)]
        assert dispatcher.run().sent == 1
        assert len(set(receiver.attempts)) == 1  # the same webhook-id every attempt
        assert len(receiver.received) == 1
        assert receiver.bad == 0
    finally:
        receiver.close()


def test_a_receiver_that_never_takes_it_ends_failed(engine: Engine, hooks: WebhookQueue) -> None:
    receiver = Receiver(new_secret(), failures=10**6)
    try:
        hooks.add(receiver.url, receiver.secret, "system:integrasjon")
        casekit.open_case(engine)
        now = Now()
        dispatcher = WebhookDispatcher(hooks, clock=now, attempts=3)
        assert dispatcher.run().deferred == 1
        now.at += dt.timedelta(days=1)
        assert dispatcher.run().deferred == 1
        now.at += dt.timedelta(days=1)
        assert dispatcher.run().failed == 1
        assert hooks.counts()["failed"] == 1
    finally:
        receiver.close()


def test_an_unreachable_receiver_is_tried_again(engine: Engine, hooks: WebhookQueue) -> None:
    receiver = Receiver(new_secret())
    url = receiver.url
    receiver.close()  # nobody listens there now
    hooks.add(url, receiver.secret, "system:integrasjon")
    casekit.open_case(engine)
    report = WebhookDispatcher(hooks, timeout=2).run()
    assert report.deferred == 1
    assert hooks.counts()["pending"] == 1


def test_deliveries_are_written_with_the_entries_or_not_at_all(
    engine: Engine, hooks: WebhookQueue, receiver: Receiver, backend: Backend
) -> None:
    """A refused action and a stale writer write no delivery; a subscriber added later is told
    only of what comes after; a removed one of nothing more."""
    case = casekit.open_case(engine)
    assert sum(hooks.counts().values()) == 0  # no subscriber then: nothing queued
    hook = hooks.add(receiver.url, receiver.secret, "person:admin-h")
    with pytest.raises(ActionRefused):
        engine.act(case.id, "add_note", GUARDIAN, text="x")  # the guardian was not told
    stale = Engine(casekit.workflow(), backend.open(), clock=Clock())
    stale.case(case.id)
    engine.act(case.id, "add_note", TEACHER, text="Først")
    assert sum(hooks.counts().values()) == 1
    with pytest.raises(ConflictError):
        stale.store.append(
            engine.log(case.id)[1:], engine.case(case.id), expected_seq=1
        )  # the entry at seq 2 is taken
    assert sum(hooks.counts().values()) == 1
    assert hooks.remove(hook.id)
    assert not hooks.remove(hook.id)
    engine.act(case.id, "add_note", TEACHER, text="Etter")
    assert hooks.counts()["cancelled"] == 1
    assert sum(hooks.counts().values()) == 1
    assert WebhookDispatcher(hooks).run().sent == 0


def test_two_subscribers_each_get_every_event(
    engine: Engine, hooks: WebhookQueue, receiver: Receiver
) -> None:
    other = Receiver(new_secret())
    try:
        hooks.add(receiver.url, receiver.secret, "system:a")
        hooks.add(other.url, other.secret, "system:b")
        case = casekit.open_case(engine)
        engine.act(case.id, "add_note", TEACHER, text="x")
        assert WebhookDispatcher(hooks).run().sent == 4
        assert len(receiver.received) == len(other.received) == 2
        assert receiver.bad == other.bad == 0
    finally:
        other.close()


def test_the_signature_is_the_specs() -> None:
    """The spec's own example (standardwebhooks.com): this secret, id, timestamp and body sign
    to this signature."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signed = headers(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signed["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert verify(secret, signed, body, 1614265330 + 10)
    assert not verify(secret, signed, body + b" ", 1614265330)
    assert not verify(secret, signed, body, 1614265330 + 3600)  # too old


@pytest.mark.parametrize(
    "secret", ["whsec_", "abc", "whsec_!!!", "whsec_" + "QUJD" * 2, "whsec_" + "QUJD" * 40]
)
def test_a_secret_that_is_not_one_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="secret"):
        key_of(secret)


def test_a_new_secret_is_whsec_and_24_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(key_of(secret)) == 24
    assert new_secret() != secret
