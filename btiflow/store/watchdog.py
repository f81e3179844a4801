"""Deadlines for blocking calls, kept by one thread for the whole process.

A PostgreSQL call must fail within the store's timeout even when the server has stopped
answering (``btiflow.store.postgres``): a deadline that passes runs its callback (which shuts
the connection's socket). Starting a timer thread per call cost more than the call itself on a
busy machine (the caller waits until the new thread runs), so one daemon thread keeps every
deadline: arming and disarming one is a dict operation under a lock.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from contextlib import suppress


class Watchdog:
    """Runs a callback when its deadline passes, unless disarmed first."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        """Fresh state (also in a forked child, which has no watchdog thread)."""
        self._cond = threading.Condition()
        self._armed: dict[int, tuple[float, Callable[[], None]]] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        self._wakes_at: float | None = None  # when the thread next looks (None: not waiting)

    def arm(self, seconds: float, fire: Callable[[], None]) -> int:
        """Run ``fire`` in ``seconds`` unless ``disarm`` is called first; the token to disarm."""
        at = time.monotonic() + seconds
        with self._cond:
            token = next(self._tokens)
            self._armed[token] = (at, fire)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="btiflow-watchdog")
                self._thread.daemon = True
                self._thread.start()
            elif self._wakes_at is None or at < self._wakes_at:
                self._cond.notify()
        return token

    def disarm(self, token: int) -> bool:
        """Cancel a deadline; False if it had already fired. Once this returns, its callback
        is not running and never will."""
        with self._cond:
            return self._armed.pop(token, None) is not None

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (at, fire) in list(self._armed.items()):
                    if at <= now:
                        del self._armed[token]
                        with suppress(Exception):
                            fire()  # under the lock: a disarm waits until it is done
                upcoming = min((at for at, _ in self._armed.values()), default=None)
                self._wakes_at = upcoming
                self._cond.wait(None if upcoming is None else max(0.0, upcoming - now))


WATCHDOG = Watchdog()
"""The process's watchdog."""
