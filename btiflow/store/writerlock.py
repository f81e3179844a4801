"""Writers on one SQLite file queue on a file lock, so none of them sleeps in SQLite's busy
handler.

SQLite lets one writer in at a time and makes the others wait in its busy handler, which sleeps
in growing steps (up to 100 ms) and so leaves the file idle while a writer sleeps: two writer
processes got less done than one. Writers take an exclusive ``flock`` on a lock file beside the
log (``<log>-writer``) before ``BEGIN IMMEDIATE``; the kernel wakes the next one the moment the
lock is let go, and releases it if a process dies. Waiting is bounded by the store's timeout,
as SQLite's own wait is (then SQLite's busy handler takes over as before). Where ``fcntl`` does
not exist (Windows), or for an in-memory log, there is no lock file and SQLite queues alone.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux/macOS
    fcntl = None  # type: ignore[assignment]


class WriterLock:
    """The lock file of the log at ``path`` (nothing for ``:memory:`` or without fcntl)."""

    def __init__(self, path: str, timeout: float) -> None:
        self.timeout = timeout
        self._fd: int | None = None
        if fcntl is not None and path and path != ":memory:" and not path.startswith("file:"):
            with contextlib.suppress(OSError):  # a read-only folder: SQLite queues alone
                self._fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """The lock, for one write transaction."""
        if self._fd is None:
            yield
            return
        locked = self._acquire()
        try:
            yield
        finally:
            if locked:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _acquire(self) -> bool:
        assert self._fd is not None
        deadline = time.monotonic() + self.timeout
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False  # SQLite's busy handler decides from here
                time.sleep(pause)
                pause = min(pause * 2, 0.002)  # short steps: the lock is held for one commit

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
