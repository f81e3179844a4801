"""Start-up: `import btiflow` and `btiflow validate` load no mail, calendar, SQL or page code."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import btiflow

ROOT = Path(__file__).resolve().parent.parent

# What a command that only reads a guide never needs: mail, iCalendar, SMTP, SQLite, PostgreSQL,
# the state machine, and btiflow's engine, store, mail and rendering code.
HEAVY = (
    "email",
    "icalendar",
    "smtplib",
    "sqlite3",
    "sqlite_utils",
    "psycopg",
    "transitions",
    "btiflow.engine",
    "btiflow.notify",
    "btiflow.render",
    "btiflow.store",
    # nor what only some commands or a guide with a mistake need (the other commands' modules
    # are checked apart: test_validate_builds_no_other_command)
    "btiflow.case",
    "calendar",
    "difflib",
    "importlib.resources",
)


def loaded_by(code: str) -> set[str]:
    """The heavy modules a fresh interpreter has imported after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    modules = json.loads(ran.stdout.splitlines()[-1])
    return {m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)}


def test_import_btiflow_loads_nothing_heavy() -> None:
    """`import btiflow` loads none of the heavy modules; a name loads its module when used."""
    assert loaded_by("import btiflow") == set()
    assert "sqlite_utils" in loaded_by("import btiflow; btiflow.SqliteStore")


def test_validate_loads_only_the_loader() -> None:
    """`btiflow validate` reads a guide without loading mail, SQL or rendering code."""
    code = (
        "from btiflow.cli import main\n"
        "try:\n"
        "    main(['validate', 'workflows/kafjord.yaml'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code"
    )
    assert loaded_by(code) == set()


def test_dir_lists_every_public_name_before_it_is_loaded() -> None:
    """dir(btiflow) offers every name in __all__, and each resolves to its documented object."""
    assert set(btiflow.__all__) <= set(dir(btiflow))
    assert btiflow.load_workflow.__module__.startswith("btiflow.workflow")


def test_the_lazy_table_matches_what_type_checkers_read() -> None:
    """btiflow's name → module table says what its TYPE_CHECKING imports say, for each name."""
    tree = ast.parse((ROOT / "btiflow" / "__init__.py").read_text(encoding="utf-8"))
    typed = {
        alias.asname or alias.name: node.module
        for block in tree.body
        if isinstance(block, ast.If)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == btiflow._HOMES
    assert sorted(typed) == sorted(btiflow.__all__)


def test_validate_reads_only_the_catalogue_files_it_needs() -> None:
    """The catalogue is read by area, when a text is needed: `btiflow validate` reads the
    loader's words, the command line's own ("ok") and click's, not the help's texts nor the
    rest of the catalogue."""
    code = (
        "import sys\n"
        "opened = []\n"
        "def hook(event, args):\n"
        "    if event == 'open' and str(args[0]).endswith('.mo'):\n"
        "        opened.append(str(args[0]).rsplit('/', 1)[-1])\n"
        "sys.addaudithook(hook)\n"
        "from btiflow.cli import main\n"
        "try:\n"
        "    main(['validate', 'workflows/kafjord.yaml'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(json.dumps(opened))"
    )
    script = f"import json\n{code}"
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert set(json.loads(ran.stdout.splitlines()[-1])) <= {"loader.mo", "cli.mo", "click.mo"}


def test_validate_builds_no_other_command() -> None:
    """`btiflow validate` imports the module of its own command only: the other commands'
    modules (and their options) are imported when one of their commands is used or listed."""
    code = (
        "from btiflow.cli import main\n"
        "try:\n"
        "    main(['validate', 'workflows/kafjord.yaml'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "import json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('btiflow.cli.'))))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(json.loads(ran.stdout.splitlines()[-1]))
    commands = {f"btiflow.cli.{name}" for name in COMMAND_MODULES}
    assert loaded & commands == {"btiflow.cli.guide"}


COMMAND_MODULES = (
    "archive",
    "cases",
    "guide",
    "mail",
    "retention",
    "serve",
    "store",
    "transfer",
    "webhooks",
    "words",
)


def test_the_command_table_names_each_command_in_its_module() -> None:
    """The group's name → module table (``HOMES``) lists every command each module registers,
    in that module: a command missing from it could not be run."""
    from btiflow.cli import group

    for name in COMMAND_MODULES:  # what every module of commands registers
        importlib.import_module(f"btiflow.cli.{name}")
    registered = {
        name: command.callback.__module__
        for name, command in group.main.commands.items()
        if command.callback is not None
    }
    assert registered == group.HOMES
    # ... and every module with commands is one of those imported above
    with_commands = {
        path.stem
        for path in (ROOT / "btiflow" / "cli").glob("*.py")
        if "\n@main." in path.read_text(encoding="utf-8")
    }
    assert with_commands == set(COMMAND_MODULES)
