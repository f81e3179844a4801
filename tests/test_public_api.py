"""The public face of btiflow: a small, deliberate surface, pinned."""

import importlib.metadata
import inspect
import re
import subprocess
import sys
import types
from collections.abc import Iterable
from pathlib import Path

from click.testing import CliRunner

import btiflow
import btiflow.errors
from btiflow.case.conditions import CONDITION_CHECKS, RECORD_CHECKS
from btiflow.case.messages import RECORD_NAMES, RULES
from btiflow.cli import main
from btiflow.words import has
from btiflow.workflow.registry import CONDITIONS, RECORDS

EXPECTED = [
    "ACTIONS",
    "AccessDenied",
    "AccessRecord",
    "ActionRefused",
    "Actor",
    "Advice",
    "ArchiveError",
    "ArchivePackage",
    "ArchiveRun",
    "BtiflowError",
    "Case",
    "CaseCount",
    "CaseNotFound",
    "CasePlan",
    "CaseSummary",
    "ChainHead",
    "Change",
    "Classification",
    "CommitUnknown",
    "ConflictError",
    "Consent",
    "Deadlines",
    "DispatchReport",
    "Dispatcher",
    "DueCase",
    "Duration",
    "Engine",
    "Entry",
    "FamilyView",
    "FeedEvent",
    "Insight",
    "Level",
    "ManualClock",
    "Migration",
    "MigrationError",
    "MigrationPlan",
    "MigrationResult",
    "NotifyConfig",
    "Option",
    "Outbox",
    "OutboxMessage",
    "Outcome",
    "Overview",
    "Period",
    "Person",
    "Principle",
    "Problem",
    "PurgeItem",
    "PurgeRun",
    "Reason",
    "Receipt",
    "Retention",
    "RetentionError",
    "Site",
    "SmtpSettings",
    "SqliteStore",
    "StaffView",
    "Step",
    "StoreError",
    "Text",
    "Tool",
    "Transfer",
    "TransferError",
    "VerifyReport",
    "Workflow",
    "WorkflowError",
    "apply_migration",
    "archive_case",
    "archive_closed",
    "case_page",
    "check_workflow",
    "consent_to_transfer",
    "copy_log",
    "diagram",
    "diff",
    "export_case",
    "fold",
    "import_case",
    "load_workflow",
    "load_workflow_text",
    "national_id_key",
    "open_store",
    "person_insight",
    "place_hold",
    "plan_migration",
    "purge",
    "release_hold",
    "render_site",
    "retry",
    "system_clock",
    "write_insight",
]


ROOT = Path(__file__).resolve().parent.parent

# Names a package's namespace may hold that are import machinery, not API (a lazy __init__ may use
# ``TYPE_CHECKING`` or ``from __future__ import annotations``).
MACHINERY = {"TYPE_CHECKING", "annotations"}


def _public(names: Iterable[str]) -> set[str]:
    """The names in ``names`` that a user would take for btiflow's API: no _private names, no
    submodules (``btiflow.case``), no import machinery."""
    found = set()
    for name in names:
        if name.startswith("_") or name in MACHINERY:
            continue
        if isinstance(getattr(btiflow, name), types.ModuleType):
            continue
        found.add(name)
    return found


def test_all_is_pinned_and_sorted() -> None:
    """__all__ is exactly the documented surface, sorted, and every name exists."""
    assert btiflow.__all__ == EXPECTED
    assert sorted(btiflow.__all__) == btiflow.__all__
    for name in btiflow.__all__:
        assert getattr(btiflow, name).__doc__, f"{name} has no docstring"


def test_no_public_name_is_missing_from_all() -> None:
    """Every public name btiflow offers (in dir(), and in its namespace once loaded) is listed."""
    assert _public(dir(btiflow)) == set(btiflow.__all__), "dir(btiflow) and __all__ differ"
    for name in dir(btiflow):
        getattr(btiflow, name)  # a lazy package loads the name now
    unlisted = _public(vars(btiflow)) - set(btiflow.__all__)
    assert not unlisted, f"public in btiflow but not in __all__: {sorted(unlisted)}"


def test_version_has_one_source() -> None:
    """btiflow.__version__, the installed package's metadata and `btiflow --version` agree."""
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", btiflow.__version__)
    assert importlib.metadata.version("btiflow") == btiflow.__version__
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"btiflow {btiflow.__version__}\n"  # no word to translate
    ran = subprocess.run(
        [sys.executable, "-m", "btiflow", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert ran.stdout == result.output


def test_the_library_ships_its_licence_and_changelog() -> None:
    """LICENSE is the MIT licence the metadata names; the changelog has the current version."""
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n")
    metadata = importlib.metadata.metadata("btiflow")
    assert (metadata["License-Expression"] or metadata["License"]) == "MIT"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "\n## Unreleased\n" in changelog
    assert f"\n## {btiflow.__version__} - " in changelog, "CHANGELOG.md lacks this version"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("LICENSE", "CHANGELOG.md", "CONTRIBUTING.md"):
        link = f"](https://github.com/btiflow/btiflow/blob/main/{name})"  # absolute: the index
        assert link in readme, f"README does not link to {name}"
        assert (ROOT / name).is_file()


def _error_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in btiflow/errors.py, found in the module, not listed."""
    return {
        name: obj
        for name, obj in vars(btiflow.errors).items()
        if inspect.isclass(obj)
        and issubclass(obj, BaseException)
        and obj.__module__ == btiflow.errors.__name__
    }


# One instance of each error, as btiflow raises it: a new class in errors.py must be added here.
PROBLEM = btiflow.Problem("kafjord.yaml", 3, 5, "levels[0]", "ukjent nøkkel", "fjern den")
SAMPLES: dict[str, BaseException] = {
    "BtiflowError": btiflow.BtiflowError("noe gikk galt"),
    "WorkflowError": btiflow.WorkflowError([PROBLEM]),
    "ActionRefused": btiflow.ActionRefused(
        "complete_step", [btiflow.Reason("missing_record", "3", "Mangler referat")]
    ),
    "CaseNotFound": btiflow.CaseNotFound("sak-1"),
    "AccessDenied": btiflow.AccessDenied("sak-1", "laerer-a"),
    "ConflictError": btiflow.ConflictError("sak-1", 4),
    "MigrationError": btiflow.MigrationError(["steget finnes ikke i ny versjon"]),
    "ArchiveError": btiflow.ArchiveError("arkiv: mappen kan ikke skrives"),
    "RetentionError": btiflow.RetentionError("case x may be purged from 2031-11-02"),
    "TransferError": btiflow.TransferError("the bundle's signature does not verify"),
    "StoreError": btiflow.StoreError("kan ikke åpne relay.db"),
    "CommitUnknown": btiflow.CommitUnknown("sak-1", 4, "server closed the connection"),
}


def test_every_error_is_a_btiflow_error() -> None:
    """Every exception class of btiflow/errors.py is a BtiflowError, exported, and documented."""
    classes = _error_classes()
    assert classes, "no exception classes found in btiflow/errors.py"
    tree = btiflow.errors.__doc__
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert tree is not None
    for name, cls in classes.items():
        assert issubclass(cls, btiflow.BtiflowError), f"{name} is not a BtiflowError"
        assert name in btiflow.__all__, f"{name} is not exported from btiflow"
        assert getattr(btiflow, name) is cls
        assert cls.__doc__, f"{name} has no docstring"
        assert f"### {name}\n" in doc, f"docs/errors.md does not explain {name}"
        builtins = [b.__name__ for b in cls.__bases__ if b.__module__ == "builtins"]
        drawn = (
            name if not builtins or name == "BtiflowError" else f"{name} ({', '.join(builtins)})"
        )
        assert re.search(rf"(── |^\s*){re.escape(drawn)}(\s|$)", tree, re.M), (
            f"errors.py's tree does not draw {drawn}"
        )


def test_every_error_has_a_message() -> None:
    """Each error, made as btiflow makes it, has a message and is caught as a BtiflowError."""
    assert set(SAMPLES) == set(_error_classes()), "SAMPLES lacks (or has extra) error classes"
    for name, error in SAMPLES.items():
        assert type(error).__name__ == name
        assert isinstance(error, btiflow.BtiflowError)
        assert str(error), f"{name} has an empty message"
    assert issubclass(btiflow.WorkflowError, ValueError)
    assert issubclass(btiflow.CaseNotFound, LookupError)


def test_every_registry_name_is_implemented() -> None:
    """Each name a workflow may use in records/requires/when has a check and a label."""
    assert set(RECORD_CHECKS) == set(RECORDS)
    assert set(CONDITION_CHECKS) == set(CONDITIONS)
    assert set(RECORDS) | set(CONDITIONS) <= set(RECORD_NAMES)


def test_every_message_is_translated() -> None:
    """Every refusal message exists in bokmål, nynorsk and English."""
    for code, rule in RULES.items():
        assert rule, code
        for language in ("nb", "nn", "en"):
            assert has(language, f"refusal.{code}"), (code, language)
