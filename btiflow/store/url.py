"""Open a relay log by URL: ``sqlite:///path`` or a plain path (SQLite), ``postgresql://…``."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from btiflow.errors import StoreError
from btiflow.notify.outbox import MailQueue
from btiflow.store.base import Store
from btiflow.store.outbox import Outbox
from btiflow.store.sqlite import SqliteStore
from btiflow.store.webhooks import SqliteWebhooks
from btiflow.webhooks.queue import WebhookQueue

DEFAULT_TENANT = "default"


def is_postgres(url: str | os.PathLike[str]) -> bool:
    """Whether ``url`` names a PostgreSQL database rather than a SQLite file."""
    return os.fspath(url).startswith(("postgresql://", "postgres://"))


def open_store(
    url: str | os.PathLike[str], *, tenant: str | None = None, create: bool = True
) -> Store:
    """The store at ``url``, its schema created or migrated.

    ``create=False`` opens only an existing btiflow log: a missing or empty file, another
    program's database or a PostgreSQL database without btiflow's tables is a ``StoreError``
    and nothing is written (what a command that only reads or adds to a log wants). A log
    with a newer schema than this btiflow knows is a ``StoreError`` either way.

    ``postgresql://user@host:port/db`` opens a ``PostgresStore`` for ``tenant`` (the
    municipality: the argument, else ``?tenant=`` in the URL, else ``"default"``), which needs
    ``pip install 'btiflow[postgres]'``.
    ``sqlite:///relay.db`` (``sqlite:////abs/relay.db``) or a plain path opens a
    ``SqliteStore``: one SQLite file holds one municipality, so another tenant is a ValueError.
    """
    text = os.fspath(url)
    if is_postgres(text):
        text, named = _split_tenant(text)
        tenant = tenant or named
        try:
            from btiflow.store.postgres import PostgresStore
        except ImportError as exc:
            raise StoreError.coded("store.no_psycopg") from exc
        return PostgresStore(text, tenant=tenant or DEFAULT_TENANT, create=create)
    if tenant not in (None, DEFAULT_TENANT):
        raise ValueError(
            f"a SQLite relay log holds one municipality (use one file per tenant, not {tenant!r})"
        )
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    elif "://" in text:
        raise StoreError.coded("store.not_a_url", text=text)
    return SqliteStore(text, create=create)


def _split_tenant(url: str) -> tuple[str, str | None]:
    """The URL without its ``tenant`` query parameter (libpq does not know it), and the tenant."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    tenants = [v for k, v in query if k == "tenant"]
    rest = urlencode([(k, v) for k, v in query if k != "tenant"])
    return urlunsplit(parts._replace(query=rest)), (tenants[-1] if tenants else None)


def open_outbox(
    url: str | os.PathLike[str], *, tenant: str | None = None, create: bool = True
) -> MailQueue:
    """The outbox of the relay log at ``url`` (as ``open_store``, ``create`` too), for a
    ``Dispatcher``."""
    text = os.fspath(url)
    if is_postgres(text):
        try:
            from btiflow.store.postgres import PostgresOutbox
        except ImportError as exc:
            raise StoreError.coded("store.no_psycopg") from exc
        text, named = _split_tenant(text)
        return PostgresOutbox(text, tenant=tenant or named or DEFAULT_TENANT, create=create)
    if tenant not in (None, DEFAULT_TENANT):
        raise ValueError(
            f"a SQLite relay log holds one municipality (use one file per tenant, not {tenant!r})"
        )
    return Outbox(text.removeprefix("sqlite:///"), create=create)


def open_webhooks(
    url: str | os.PathLike[str], *, tenant: str | None = None, create: bool = True
) -> WebhookQueue:
    """The webhooks of the relay log at ``url`` (as ``open_store``): subscriptions, and the
    deliveries a ``WebhookDispatcher`` sends."""
    text = os.fspath(url)
    if is_postgres(text):
        try:
            from btiflow.store.pgwebhooks import PostgresWebhooks
        except ImportError as exc:
            raise StoreError.coded("store.no_psycopg") from exc
        text, named = _split_tenant(text)
        return PostgresWebhooks(text, tenant=tenant or named or DEFAULT_TENANT, create=create)
    if tenant not in (None, DEFAULT_TENANT):
        raise ValueError(
            f"a SQLite relay log holds one municipality (use one file per tenant, not {tenant!r})"
        )
    return SqliteWebhooks(text.removeprefix("sqlite:///"), create=create)
