"""Shared test setup: hypothesis profiles (ci, or deep with BTIFLOW_HYPOTHESIS=deep), stores."""

import os
from collections.abc import Iterator
from pathlib import Path

import pgserver
import pytest
from hypothesis import HealthCheck, settings
from storekit import Backend, PostgresBackend, SqliteBackend

from btiflow.workflow import yamlsource

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


# --- YAML: the loader's tests run with libyaml's parser and with the pure Python one ------------

YAML_TEST_MODULES = {"test_loader", "test_loader_properties", "test_schema"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test in a loader module runs twice: [libyaml] and [pure] (the yaml_parser fixture)."""
    if metafunc.module.__name__ in YAML_TEST_MODULES:
        metafunc.parametrize("yaml_parser", ["libyaml", "pure"], indirect=True)


@pytest.fixture(autouse=True)
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The YAML parser a loader test runs with; other tests keep the default."""
    parser: str = getattr(request, "param", "default")
    if parser == "libyaml" and not yamlsource.HAVE_LIBYAML:
        pytest.skip("PyYAML is built without libyaml here")
    if parser != "default":
        monkeypatch.setattr(yamlsource, "USE_LIBYAML", parser == "libyaml")
    return parser
