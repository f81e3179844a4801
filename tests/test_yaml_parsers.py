"""libyaml's parser and the pure Python one give the same located values and the same problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from strategies import shipped_paths, text_mutations

from btiflow.workflow import yamlsource
from btiflow.workflow.yamlsource import LList, LMap, Loc, parse_text

pytestmark = pytest.mark.skipif(not yamlsource.HAVE_LIBYAML, reason="no libyaml here")


def located(node: Any) -> Any:
    """A located tree as plain data that keeps every line and column."""

    def at(loc: Loc) -> tuple[int, int]:
        return (loc.line, loc.column)

    if isinstance(node, LMap):
        return (
            "map",
            at(node.loc),
            [
                (k, at(node.key_locs[k]), at(node.value_locs[k]), located(v))
                for k, v in node.items()
            ],
        )
    if isinstance(node, LList):
        return (
            "list",
            at(node.loc),
            [(at(loc), located(v)) for loc, v in zip(node.item_locs, node, strict=True)],
        )
    return (type(node).__name__, node)


def parse_with(text: str, *, libyaml: bool) -> Any:
    saved = yamlsource.USE_LIBYAML
    yamlsource.USE_LIBYAML = libyaml
    try:
        tree, problems = parse_text(text, "t.yaml")
    finally:
        yamlsource.USE_LIBYAML = saved
    return located(tree), problems


def assert_same(text: str) -> None:
    assert parse_with(text, libyaml=True) == parse_with(text, libyaml=False)


@pytest.mark.parametrize("path", shipped_paths(), ids=lambda p: p.name)
def test_libyaml_reads_every_shipped_workflow(path: Path) -> None:
    """libyaml itself parses each shipped guide (no fallback), to the same values and places."""
    text = path.read_text(encoding="utf-8")
    assert yamlsource._build_fast(text, path.name) is not None
    assert_same(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "---\n",
        "# only a comment\n",
        "\ufeffa: 1\nb: [x, {c: d}]\n",
        "a: 1\r\nb:\r\n  - x\r\n  - y\r\n",
        "a: no\nb: yes\nc: on\nd: 2024-01-01\ne: 1.5\nf: 0x1F\ng: ~\nh: True\ni: 12\n",
        "a: !!int 3\nb: !x y\nc: ! z\nd: !!str 4\ne: '5'\n",
        "? [a, b]\n: x\n1: one\ntrue: t\n~: n\n",
        "a: 1\na: 2\nb: {c: 1, c: [!!binary aGk=]}\n",
        "a: |\n  line one\n  line two\nb: >-\n  folded\n  text\n",
        "a: 'single ''quoted'''\nb: \"double \\u00e6\"\nc: plain æøå text\n",
        "a:\n- x\n- - y\n  - z\n-\n",
        "a: x\u2028b: y\n",
        "a: \ufeffx\n",
        "a: &x 1\n",
        "a: *x\n",
        "a: [1, 2\n",
        "a:\tb\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\n...\n",
        "%YAML 1.1\n---\na: 1\n",
        "{" * 50 + "}" * 50,
        "- " * 50 + "x\n",
        "r: [a, b? c]\n",
        "r: [a: ]\n",
        "r: [: b]\n",
        "r: {a: , b}\n",
        "a: |#x\n  t\n",
        "a: >-#\n  t\n",
        "a: x\ufeffy\n",
        "a: b\x07c\n",
        "a:\n  ? koordinerings-\n    ansvar,\n",
        "a:\nb: ''\nc: ~\n- \n",
        "a: \ud800\n",
        "a: x\x85b: y\n",
        "a: \U0001f600 \u00e6\n  \u2029b: c\n",
    ],
)
def test_same_result_on_tricky_text(text: str) -> None:
    """Tags, keys, styles, line breaks, anchors and broken text: both parsers agree."""
    assert_same(text)


@given(text_mutations())
def test_same_result_on_mutated_workflows(case: tuple[str, str]) -> None:
    """A shipped guide with a random edit parses the same with both parsers."""
    _, text = case
    assert_same(text)
