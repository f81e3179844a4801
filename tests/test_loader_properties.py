"""Mutated shipped workflows: loading succeeds or raises a located WorkflowError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given
from strategies import (
    WORKFLOWS,
    byte_mutations,
    shipped_paths,
    shipped_tree,
    text_mutations,
    tree_mutations,
)

from btiflow import Problem, Workflow, WorkflowError, check_workflow, load_workflow
from btiflow.workflow.load import check_workflow_text, load_workflow_text


def assert_located(problems: list[Problem] | tuple[Problem, ...]) -> None:
    for p in problems:
        assert isinstance(p, Problem)
        assert p.line >= 1, p
        assert p.column >= 1, p
        assert p.file, p
        assert p.message, p


def check_text(name: str, text: str) -> tuple[Workflow | None, list[Problem]]:
    """check_workflow_text, then load_workflow_text: both must agree; returns the first."""
    mutated = f"mutated-{name}"
    wf, problems = check_workflow_text(text, mutated, base_dir=WORKFLOWS)
    assert_located(problems)
    assert (wf is None) == bool(problems)
    if wf is None:
        with pytest.raises(WorkflowError) as info:
            load_workflow_text(text, mutated, base_dir=WORKFLOWS)
        assert list(info.value.problems) == problems
    else:
        assert load_workflow_text(text, mutated, base_dir=WORKFLOWS).content_hash == wf.content_hash
    return wf, problems


@pytest.mark.parametrize("path", shipped_paths(), ids=lambda p: p.name)
def test_shipped_workflows_survive_a_round_trip(path: Path) -> None:
    """A shipped workflow parsed and dumped again loads to the same content hash."""
    import yaml

    text = path.read_text(encoding="utf-8")
    again = yaml.safe_dump(shipped_tree(text), allow_unicode=True, sort_keys=False)
    a, _ = check_text(path.name, text)
    b, problems = check_text(path.name, again)
    assert problems == []
    assert a is not None
    assert b is not None
    assert a.content_hash == b.content_hash


@given(text_mutations())
@example(("bti.yaml", "levels: " + "[" * 5000))
@example(("bti.yaml", "a: &x 1\nb: *x\n"))
@example(
    (
        "bti.yaml",
        "extends: bti\nid: x\nversion: '1'\nlevels:\n  - level: 1\n    steps:\n"
        "      - id: [x]\n        remove: 1\n",
    )
)
def test_text_mutations_load_or_fail_located(case: tuple[str, str]) -> None:
    """A shipped workflow edited as text loads, or fails with located problems only."""
    check_text(*case)


@given(tree_mutations())
def test_tree_mutations_load_or_fail_located(case: tuple[str, str]) -> None:
    """A shipped workflow edited as a tree (keys, types, list items) loads or fails located."""
    check_text(*case)


@given(byte_mutations())
def test_byte_mutations_load_or_fail_located(case: tuple[str, bytes]) -> None:
    """A shipped workflow file with random bytes: check_workflow returns what load raises."""
    name, data = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        wf, problems = check_workflow(path)
        assert_located(problems)
        assert (wf is None) == bool(problems)
        if wf is None:
            with pytest.raises(WorkflowError) as info:
                load_workflow(path)
            assert list(info.value.problems) == problems
        else:
            assert load_workflow(path).content_hash == wf.content_hash
