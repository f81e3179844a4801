"""Issue 11, hole 8: a guide reads only regular files inside its own folder (or the shipped
guides), at most the size limit, and quotes nothing from a file it did not load."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from btiflow.errors import WorkflowError
from btiflow.render.site import render_site
from btiflow.workflow.load import load_workflow

REPO = Path(__file__).resolve().parent.parent
SECRET = "hemmelig-verdi-fra-en-annen-fil"


def _one_problem(path: Path | str) -> str:
    """The problems loading ``path``, as printed, each after its code: ``[code] file:...``."""
    with pytest.raises(WorkflowError) as caught:
        load_workflow(path)
    return " ".join(f"[{p.code}] {p}" for p in caught.value.problems)


def test_dev_zero_is_refused_without_reading_it() -> None:
    """A device is not a guide file: refused at once, memory untouched."""
    assert "[not_regular_file]" in _one_problem("/dev/zero")


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    """A FIFO would block a reader for ever: refused without opening it for a read that waits."""
    fifo = tmp_path / "guide.yaml"
    os.mkfifo(fifo)
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(_one_problem(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # unblock the reader so the test run can end
        with open(fifo, "wb"):
            pass
        pytest.fail("load_workflow waited on a FIFO")
    assert "[not_regular_file]" in result[0]


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    """A file larger than the limit is refused (only the limit and one byte are read)."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 3_000_000)
    assert "[file_too_big]" in _one_problem(big)


def _guide(folder: Path, extends: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "guide.yaml"
    path.write_text(
        f'format: btiflow/1\nextends: {extends}\nid: x\nversion: "1"\n', encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("outside", ["absolute", "parent"])
def test_extends_outside_the_guides_folder_is_refused(tmp_path: Path, outside: str) -> None:
    """extends with an absolute path, or one leading out of the folder, is not read."""
    other = tmp_path / "other.yaml"
    other.write_text(f"format: btiflow/1\nid: {SECRET}\nlevels: {SECRET}\n", encoding="utf-8")
    name = str(other) if outside == "absolute" else "../other.yaml"
    said = _one_problem(_guide(tmp_path / "kommune", name))
    assert "[extends_outside]" in said
    assert SECRET not in said


def test_extends_through_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    """A .yaml beside the guide that links elsewhere is outside the folder too."""
    other = tmp_path / "other.yaml"
    other.write_text(f"format: btiflow/1\nid: {SECRET}\n", encoding="utf-8")
    path = _guide(tmp_path / "kommune", "base.yaml")
    (path.parent / "base.yaml").symlink_to(other)
    said = _one_problem(path)
    assert "[extends_outside]" in said
    assert SECRET not in said


def test_extends_a_shipped_guide_and_a_sibling_still_works(tmp_path: Path) -> None:
    """extends: bti (shipped) and a .yaml file beside the guide load as before."""
    base = _guide(tmp_path / "kommune", "bti")
    assert load_workflow(base).id == "x"
    sibling = tmp_path / "kommune" / "child.yaml"
    sibling.write_text('format: btiflow/1\nextends: guide.yaml\nid: y\nversion: "2"\n', "utf-8")
    assert load_workflow(sibling).id == "y"


def test_a_tool_file_linking_out_of_the_folder_is_not_published(tmp_path: Path) -> None:
    """A tool file that is a symlink to /etc/passwd is reported missing, never copied."""
    from test_render_site import _WITH_TOOL_FILE

    source = tmp_path / "guide" / "med-verktoy.yaml"
    (source.parent / "verktoy").mkdir(parents=True)
    source.write_text(_WITH_TOOL_FILE, "utf-8")
    (source.parent / "verktoy" / "tips-bekymringssamtale-foresatte.pdf").symlink_to("/etc/passwd")
    site = render_site(load_workflow(source), tmp_path / "site")
    assert site.missing_files == ("verktoy/tips-bekymringssamtale-foresatte.pdf",)
    assert not (tmp_path / "site" / "verktoy").exists()
