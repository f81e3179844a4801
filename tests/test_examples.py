"""Every script in examples/ runs and says what it promises."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_there_are_examples() -> None:
    """examples/ holds at least one script."""
    assert EXAMPLES


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    """The example exits 0 with output, writing its relay log into a fresh folder."""
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "logg.db")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_first_case_output() -> None:
    """The first-case example shows the refusal, then the closed case with a whole log."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "first_case.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Kan jeg informere foresatte nå? False Del bekymringen med nærmeste leder" in (
        result.stdout
    )
    assert "closed på nivå 0" in result.stdout
    assert "Loggen er hel: True" in result.stdout


def test_publish_guide_writes_site_and_diagram(tmp_path: Path) -> None:
    """The publishing example writes the web site and the Mermaid diagram into the folder."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "publish_guide.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"6 pages in {tmp_path / 'site'}" in result.stdout
    assert (tmp_path / "site" / "nb" / "niva-3.html").is_file()
    assert (tmp_path / "guide.mmd").read_text(encoding="utf-8").startswith("flowchart TD")
