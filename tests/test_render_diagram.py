"""`btiflow diagram`: the guide's levels, numbered steps and decisions as Mermaid and DOT."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from btiflow.cli import main
from btiflow.render.diagram import dot, edges, level_moves, levels_svg, mermaid
from btiflow.workflow.load import load_workflow, load_workflow_text

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="btiflow")
    return result.exit_code, result.stdout, result.stderr


def test_mermaid_has_a_subgraph_per_level_and_every_numbered_step() -> None:
    """Each level is a subgraph titled 'Nivå N – title'; each step is 'n. title' inside it."""
    workflow = load_workflow("kafjord")
    text = mermaid(workflow)
    assert text.startswith("flowchart TD\n")
    for level in workflow.levels:
        assert f'subgraph L{level.level}["Nivå {level.level} – {level.title.get()}"]' in text
        for number, step in enumerate(level.steps, 1):
            assert f"{number}. {step.title.get()}" in text
    assert text.count("subgraph") == text.count("\n  end") == len(workflow.levels)


def test_mermaid_draws_each_decision_with_its_outcomes() -> None:
    """Level 1's decision is a diamond with close (dashed, to the end), continue and expand."""
    text = mermaid(load_workflow("bti"))
    assert 'n1_avklar_behov{"5. Avklar behov for videre oppfølging"}' in text
    assert 'n1_avklar_behov -.->|"Avslutning"| avsluttet' in text
    assert 'n1_avklar_behov -->|"Videreføring"| n1_iverksett' in text
    assert 'n1_avklar_behov -->|"Utvides"| n2_kontakt_enheter' in text
    assert 'n1_avklar_behov -->|"Utvides"| n3_kontakt_instanser' in text
    # a decision has no plain arrow to the step after it
    assert not re.search(r"n0_avklar_behov --> n1", text)


def test_dot_is_a_digraph_with_a_cluster_per_level(tmp_path: Path) -> None:
    """DOT output has one cluster per level, diamonds for decisions, dashed close edges."""
    workflow = load_workflow("sortland")
    text = dot(workflow)
    assert text.startswith(f'digraph "{workflow.id}" {{')
    assert text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    assert len(re.findall(r"subgraph cluster_\d", text)) == len(workflow.levels)
    decisions = sum(1 for _, step in workflow.steps() if step.is_decision)
    assert text.count("shape=diamond") == decisions
    closes = sum(1 for e in edges(workflow) if e.kind == "close")
    assert text.count("style=dashed") == closes


def test_quotes_in_titles_are_escaped(tmp_path: Path) -> None:
    """A title with quotes and a backslash cannot break the Mermaid or DOT syntax."""
    text = (ROOT / "workflows" / "bti.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "title: Konkretiser bekymring\n", "title: 'Konkretiser \"bekymring\" \\ nå'\n", 1
    )
    workflow = load_workflow_text(text, "quoted.yaml")
    assert '1. Konkretiser #quot;bekymring#quot; \\ nå"]' in mermaid(workflow)
    assert 'label="1. Konkretiser \\"bekymring\\" \\\\ nå"' in dot(workflow)


def test_nynorsk_guide_draws_in_nynorsk() -> None:
    """Nore og Uvdal's diagram uses its nynorsk titles and the nynorsk end label."""
    workflow = load_workflow("nore-og-uvdal")
    text = mermaid(workflow)
    assert workflow.level(0).title["nn"] in text
    assert "Saka blir avslutta" in text


def test_levels_svg_labels_every_move_in_text() -> None:
    """The site's SVG names each decision in words and links each level box when asked."""
    workflow = load_workflow("bti")
    svg = levels_svg(workflow, title="Nivåene", href={0: "niva-0.html"})
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert '<title id="levels-svg-title">Nivåene</title>' in svg
    assert '<a href="niva-0.html">' in svg
    moves = level_moves(workflow)
    assert {m.kind for m in moves} == {"close", "continue", "expand"}
    assert svg.count('class="close"') == sum(1 for m in moves if m.kind == "close")
    assert "Utvides → Nivå 2" in svg


def test_cli_diagram_prints_and_writes(tmp_path: Path) -> None:
    """The command prints Mermaid by default, DOT on request, and writes a file with -o."""
    code, out, _ = _run("diagram", "kafjord")
    assert code == 0
    assert out.startswith("flowchart TD")
    code, out, _ = _run("diagram", "kafjord", "--format", "dot")
    assert code == 0
    assert out.startswith('digraph "kafjord"')
    target = tmp_path / "guide.mmd"
    code, _, err = _run("diagram", "bti", "-o", str(target))
    assert code == 0
    assert f"skrev {target}" in err
    assert target.read_text(encoding="utf-8") == mermaid(load_workflow("bti"))


def test_cli_diagram_bad_file_exits_1(tmp_path: Path) -> None:
    """A broken workflow prints its located problems and exits 1, writing nothing."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: btiflow/1\nid: x\n", encoding="utf-8")
    code, out, err = _run("diagram", str(bad), "-o", str(tmp_path / "x.mmd"))
    assert code == 1
    assert f"{bad}:" in err
    assert not out
    assert not (tmp_path / "x.mmd").exists()
