"""The one thread that keeps every deadline of the PostgreSQL store (btiflow.store.watchdog)."""

from __future__ import annotations

import threading
import time

from btiflow.store.watchdog import Watchdog


def test_a_deadline_fires_once_it_has_passed_and_not_before() -> None:
    dog = Watchdog()
    fired = threading.Event()
    start = time.monotonic()
    dog.arm(0.2, fired.set)
    assert not fired.wait(0.1)
    assert fired.wait(5)
    assert time.monotonic() - start >= 0.2


def test_a_disarmed_deadline_never_fires() -> None:
    dog = Watchdog()
    fired: list[str] = []
    tokens = [dog.arm(0.5, lambda: fired.append("fired")) for _ in range(50)]
    assert all(dog.disarm(t) for t in tokens)
    time.sleep(0.7)
    assert fired == []


def test_deadlines_fire_in_their_own_time_whatever_the_order_they_were_armed_in() -> None:
    dog = Watchdog()
    fired: list[str] = []
    done = threading.Event()

    def late() -> None:
        fired.append("late")
        done.set()

    dog.arm(0.3, late)
    dog.arm(0.05, lambda: fired.append("early"))  # earlier than the one the thread waits for
    assert done.wait(5)
    assert fired == ["early", "late"]
    assert not dog.disarm(0)  # fired already
