"""One ``Engine`` per worker thread, each with its own store connection.

Routes run in a thread pool (the engine and its stores are blocking); a SQLite connection or a
PostgreSQL session is not shared between threads, so each thread opens its own, once.
"""

from __future__ import annotations

import threading

from btiflow import Engine, Workflow, open_store


class Engines:
    """The deployment's engines: the same guide and store URL in every thread."""

    def __init__(self, workflow: Workflow, store_url: str) -> None:
        self.workflow = workflow
        self.store_url = store_url
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Engine] = []

    def get(self) -> Engine:
        engine: Engine | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = Engine(self.workflow, open_store(self.store_url))
            self._local.engine = engine
            with self._lock:
                self._all.append(engine)
        return engine

    def close(self) -> None:
        with self._lock:
            for engine in self._all:
                engine.store.close()
            self._all.clear()
