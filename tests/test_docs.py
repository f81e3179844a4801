"""The docs say what is true: their Python runs, their CLI and error references are complete."""

import re
from pathlib import Path

import click
import pytest

import btiflow.errors
from btiflow.cli import main
from btiflow.words import say

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
WITH_PYTHON = [p for p in PAGES if "```python\n" in p.read_text(encoding="utf-8")]


def _python_blocks(path: Path) -> str:
    """Every ```python block, in order; a block tagged ```python no-run is left out."""
    text = path.read_text(encoding="utf-8")
    return "\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.S))


def _named_files(path: Path) -> dict[str, str]:
    """Blocks the page names with <!-- file: NAME --> just above them (e.g. a YAML example)."""
    text = path.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.S))


def test_the_pages_with_python_are_found() -> None:
    """README, the embedding guide and the tutorial hold python blocks (the run is not empty)."""
    names = {p.relative_to(ROOT).as_posix() for p in WITH_PYTHON}
    assert {"README.md", "docs/embedding.md", "docs/tutorial.md", "docs/errors.md"} <= names


@pytest.mark.parametrize("page", WITH_PYTHON, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every python block of the page runs, in order, in a fresh folder. The README's runs as
    after 'pip install btiflow', without the repository's workflows/ folder beside it."""
    code = _python_blocks(page)
    monkeypatch.chdir(tmp_path)
    if page.name != "README.md":
        (tmp_path / "workflows").symlink_to(ROOT / "workflows")
    for name, content in _named_files(page).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    exec(compile(code, str(page.relative_to(ROOT)), "exec"), {"__name__": "__docs__"})


def test_included_examples_match_their_files() -> None:
    """A block that starts '# examples/NAME.py' is that file, word for word."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for name, body in re.findall(r"```python\n# (examples/\S+\.py)\n(.*?)```", text, re.S):
            assert (ROOT / name).read_text(encoding="utf-8") == body, (page.name, name)


def test_readme_commands_match_ci() -> None:
    """README gives two commands, the main job and the tests; the tests are .ci/run itself,
    which installs the package with its dev tools and runs ruff, mypy and pytest (and then the
    core tests again with every dependency at its floor)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    assert len(commands) == 2
    assert "btiflow demo" in commands[0]
    assert commands[1].strip() == "bash .ci/run"
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && .venv/bin/ruff check . "
        "&& .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/pytest"
    ) in ci.splitlines()
    assert ci.splitlines()[-1].endswith(".venv-min/bin/pytest -q -p no:cacheprovider")


def _cli_sections() -> dict[str, str]:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    parts = re.split(r"^## btiflow (\S+)\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_in_the_cli_reference(name: str) -> None:
    """docs/cli.md has a section for the command, naming each of its options, and it has help."""
    command = main.commands[name]
    assert command.help, f"'{name}' has no help text"
    sections = _cli_sections()
    assert name in sections, f"docs/cli.md has no '## btiflow {name}' section"
    section = sections[name]
    first = say("en", command.help).split("\n")[0]  # the English help, as the page quotes it
    assert first in " ".join(section.split())
    for param in command.params:
        if isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            assert f"{longest}" in section, f"docs/cli.md: {name} does not mention {longest}"


def test_cli_reference_names_no_missing_command() -> None:
    """Every command docs/cli.md describes exists."""
    assert set(_cli_sections()) <= set(main.commands)


def _tree(text: str) -> list[str]:
    """The lines of an exception tree (from 'BtiflowError' to the last '└──' line)."""
    lines = [line.strip() for line in text.splitlines()]
    start = lines.index(next(line for line in lines if line.startswith("BtiflowError ")))
    end = start + 1
    while end < len(lines) and lines[end].startswith(("├", "└", "│")):
        end += 1  # a nested class (└── under └──) belongs to the tree too
    return lines[start:end]


def test_errors_doc_tree_matches_the_code() -> None:
    """docs/errors.md shows the tree of btiflow/errors.py's docstring, and explains each name."""
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    source_doc = btiflow.errors.__doc__
    assert source_doc is not None
    assert _tree(doc) == _tree(source_doc)
    names = [re.sub(r"^[│ ]*[├└]── ", "", line).split()[0] for line in _tree(doc)]
    for name in names:
        assert f"### {name}\n" in doc, f"docs/errors.md does not explain {name}"
        cls = getattr(btiflow.errors, name)
        assert issubclass(cls, btiflow.errors.BtiflowError)
    defined = {
        n
        for n, obj in vars(btiflow.errors).items()
        if isinstance(obj, type) and issubclass(obj, btiflow.errors.BtiflowError)
    }
    assert defined == set(names), "the tree and the classes in btiflow/errors.py differ"


def test_errors_doc_lists_every_code_from_the_catalogue() -> None:
    """docs/errors.md's "Every refusal code" and "Every HTTP problem code" are what the catalogue
    says now: each refusal code with its rule and its bokmål and nynorsk message, each problem
    code with its status and title."""
    from btiflow import codes as reference
    from btiflow.case.messages import RULES
    from btiflow.server.problems import STATUS
    from btiflow.words import say

    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert reference.BEGIN in doc
    assert reference.END in doc
    assert reference.spliced(doc) == doc, "run: python -m btiflow.codes"
    assert "## Every refusal code\n" in doc
    for code, rule in RULES.items():
        row = f"| `{code}` | {rule} | {reference._cell(say('nb', f'refusal.{code}'))} |"
        assert row in doc, code
    for code, status in STATUS.items():
        assert f"| `{code}` | {status} | {reference._cell(say('nb', f'http.{code}'))} |" in doc
