"""One ``Engine`` per worker thread, each with its own store connection.

Routes run in a thread pool (the engine and its stores are blocking); a SQLite connection or a
PostgreSQL session is not shared between threads, so each thread opens its own, once.
"""

from __future__ import annotations

import threading

from btiflow import Engine, Workflow, open_store
from btiflow.notify.messages import NotifyConfig
from btiflow.store.url import open_webhooks
from btiflow.webhooks.queue import WebhookQueue


class Engines:
    """The deployment's engines: the same guide, store URL and mail settings in every thread."""

    def __init__(
        self, workflow: Workflow, store_url: str, notify: NotifyConfig | None = None
    ) -> None:
        self.workflow = workflow
        self.store_url = store_url
        self.notify = notify
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Engine] = []
        self._hooks: list[WebhookQueue] = []

    def get(self) -> Engine:
        engine: Engine | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = Engine(self.workflow, open_store(self.store_url), notify=self.notify)
            self._local.engine = engine
            with self._lock:
                self._all.append(engine)
        return engine

    def hooks(self) -> WebhookQueue:
        """This thread's view of the webhook subscriptions (opened on first use)."""
        hooks: WebhookQueue | None = getattr(self._local, "hooks", None)
        if hooks is None:
            hooks = open_webhooks(self.store_url)
            self._local.hooks = hooks
            with self._lock:
                self._hooks.append(hooks)
        return hooks

    def close(self) -> None:
        with self._lock:
            for engine in self._all:
                engine.store.close()
            for hooks in self._hooks:
                hooks.close()
            self._all.clear()
            self._hooks.clear()
