"""The Python in README.md and docs/embedding.md runs as written."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return "\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.S))


@pytest.mark.parametrize("name", ["README.md", "docs/embedding.md"])
def test_python_blocks_run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every python block of the page runs, in order, in a fresh folder."""
    code = _python_blocks(ROOT / name)
    assert code.strip(), f"{name} has no python block"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "workflows").symlink_to(ROOT / "workflows")
    exec(compile(code, name, "exec"), {"__name__": "__docs__"})


def test_readme_commands_match_ci() -> None:
    """README's test command is exactly what .ci/run runs."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    assert len(commands) == 2
    assert commands[1].strip() in ci.splitlines()
