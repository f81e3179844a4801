"""Shared test setup: hypothesis profiles (ci, or deep with BTIFLOW_HYPOTHESIS=deep), stores."""

import os
from collections.abc import Iterator
from pathlib import Path

import pgserver
import pytest
from hypothesis import HealthCheck, settings
from storekit import Backend, PostgresBackend, SqliteBackend

# CI is derandomized: the same examples every run, so a green main stays green until the code
# changes; new examples are explored by the deep profile (random, 20x as many).
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("BTIFLOW_HYPOTHESIS", "ci"))


# --- stores: the contract suite runs on SQLite and PostgreSQL (tests/storekit.py) ---------------


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL: BTIFLOW_PG_URL, or a throwaway cluster (tests/pgserver.py)."""
    if not os.environ.get("BTIFLOW_PG_URL"):
        try:
            pgserver.bindir()
        except pgserver.NoPostgres as exc:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"PostgreSQL tests skipped outside CI: {exc}")
    with pgserver.cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each store kind in turn; on PostgreSQL each test is its own tenant."""
    if request.param == "sqlite":
        kind: Backend = SqliteBackend(tmp_path)
    else:
        kind = PostgresBackend(request.getfixturevalue("pg_url"))
    yield kind
    kind.close()
