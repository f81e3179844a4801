"""The table "One home per rule" in docs/design.md names, for each rule, a module and its tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## 2026-12-01 — One home per rule"
ROW = re.compile(r"^\| (\d+) [^|]+\| `([^`]+)` \| (.+) \|$")
TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _rows() -> dict[int, tuple[str, list[tuple[str, str]]]]:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    assert HEADING in text, f"docs/design.md has no section {HEADING!r}"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    for line in section.splitlines():
        found = ROW.match(line)
        if found:
            rule = int(found[1])
            assert rule not in rows, f"rule {rule} is listed twice"
            rows[rule] = (found[2], TEST.findall(found[3]))
    return rows


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_every_rule_has_a_module_and_tests_that_exist() -> None:
    """Rules 1–14 are each listed once, with a module and at least one test that exist."""
    rows = _rows()
    assert sorted(rows) == list(range(1, 15))
    for rule, (module, tests) in rows.items():
        assert (ROOT / module).is_file(), f"rule {rule}: no module {module}"
        assert tests, f"rule {rule}: no test named"
        for file, name in tests:
            path = ROOT / file
            assert path.is_file(), f"rule {rule}: no test file {file}"
            assert name in _test_functions(path), f"rule {rule}: no {file}::{name}"
