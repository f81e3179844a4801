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
# The minimum-versions step checks the floors, not the invariants: a few examples each.
settings.register_profile(
    "floors",
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("BTIFLOW_HYPOTHESIS", "ci"))


# --- the minimum-versions step (.ci/run): BTIFLOW_CORE_ONLY=1 -----------------------------------
# There only the core dependencies are installed, each at its floor in pyproject.toml, with pytest,
# hypothesis and aiosmtpd (the test mail server). A test module that imports an extra or a dev-only
# tool is listed here and not collected in that step (a new one that is not listed fails the step
# at collection, so the list cannot silently rot); tests that need one only at run time are
# deselected by their id below, and PostgreSQL tests skip (``pg_url``). The main run collects all.
CORE_ONLY = os.environ.get("BTIFLOW_CORE_ONLY") == "1"
NEEDS_EXTRAS = [
    "test_action_forms.py",  # the server extra (the pages' forms)
    "test_browser.py",  # playwright
    "test_case_pages.py",  # the server extra (the web pages)
    "test_dead_ends.py",  # jsonschema
    "test_family_login.py",  # the server extra (authlib, joserfc), oidc-provider
    "test_feed.py",  # psycopg (the feed under concurrent PostgreSQL writers)
    "test_http_docs.py",  # the server extra
    "test_login.py",  # the server extra (authlib, joserfc), oidc-provider
    "test_login_browser.py",  # the server extra, playwright
    "test_login_parts.py",  # the server extra
    "test_mail_postgres.py",  # psycopg
    "test_migrations_pinned.py",  # psycopg (pins the PostgreSQL store's migrations too)
    "test_overview_browser.py",  # the server extra, playwright
    "test_overview_pages.py",  # the server extra (authlib, joserfc), oidc-provider
    "test_schema.py",  # jsonschema
    "test_serve_cli.py",  # the server extra
    "test_serve_demo.py",  # the server extra
    "test_server.py",  # the server extra
    "test_server_feed.py",  # the server extra
    "test_server_idempotency.py",  # the server extra
    "test_server_schemathesis.py",  # the server extra, schemathesis
    "test_server_webhooks.py",  # the server extra
    "test_store_copy.py",  # psycopg (copies between SQLite and PostgreSQL)
    "test_store_pg_append.py",  # psycopg
    "test_store_pg_crash.py",  # psycopg
    "test_store_postgres.py",  # psycopg
    "test_transfer.py",  # the transfer extra (cryptography)
]
NEEDS_EXTRAS_AT_RUN_TIME = [
    "test_docs.py::test_python_blocks_run[docs/archive.md]",  # the archive extra
    "test_docs.py::test_python_blocks_run[docs/http-api.md]",  # the server extra
    "test_docs.py::test_errors_doc_lists_every_code_from_the_catalogue",  # the server's statuses
    # the archive extra (weasyprint): `btiflow archive` writes the PDF/A
    "test_norwegian_only.py::test_the_records_commands_speak_only_the_guides_language[nb]",
    "test_norwegian_only.py::test_the_records_commands_speak_only_the_guides_language[nn]",
]
# Left out of that step for time (about a minute): SQLite's locking under eight writers and a
# killed process, which no dependency's version changes; the main run has them.
NOT_ABOUT_FLOORS = ["test_durability.py"]
collect_ignore = [*NEEDS_EXTRAS, *NOT_ABOUT_FLOORS] if CORE_ONLY else []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the minimum-versions step, leave out the tests that need an extra at run time."""
    if not CORE_ONLY:
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        needs = item.nodeid.removeprefix("tests/") in NEEDS_EXTRAS_AT_RUN_TIME
        (drop if needs else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- stores: the contract suite runs on SQLite and PostgreSQL (tests/storekit.py) ---------------


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL: BTIFLOW_PG_URL, or a throwaway cluster (tests/pgserver.py)."""
    if CORE_ONLY:
        pytest.skip("the minimum-versions step installs no PostgreSQL driver (the postgres extra)")
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


@pytest.fixture(autouse=True, scope="session")
def no_locale() -> Iterator[None]:
    """The command line follows LANGUAGE/LC_ALL/LC_MESSAGES/LANG before the guide: the tests
    run without a language there (as CI does), so a developer's en_GB.UTF-8 changes nothing."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            patch.delenv(name, raising=False)
        patch.setenv("LANG", "C.UTF-8")
        yield
