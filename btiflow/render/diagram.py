"""The workflow as a diagram: Mermaid and Graphviz DOT text, and an SVG of the levels.

Our own small generator over the ``Workflow`` model rather than transitions' diagrams
extension: that needs pygraphviz/graphviz (a C library) for DOT and would draw the engine's
internal machine (triggers, guards), not the guide as people read it — levels, numbered steps
and the decisions with their titles. Pure: a workflow and a language in, text out.

Edges: each step leads to the next in its level; a decision's ``close`` leads to the end node,
``continue`` to the step named, ``expand`` to the first step of each level in ``to``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from html import escape

import attrs

from btiflow.workflow.model import Level, Outcome, Text, Workflow
from btiflow.workflow.outline import labels as outline_labels

FORMATS = ("mermaid", "dot")
"""The text formats ``diagram`` writes."""

_END = "avsluttet"
_END_LABEL = {"nb": "Saken avsluttes", "nn": "Saka blir avslutta", "en": "Case closed"}


@attrs.frozen
class Edge:
    """An arrow from one node to another; ``kind`` is '' for the next step, else an outcome."""

    source: str
    target: str
    kind: str
    label: str


def _t(text: Text | None, lang: str) -> str:
    return " ".join(text.get(lang).split()) if text is not None else ""


def _labels(lang: str) -> dict[str, str]:
    return outline_labels(lang)


def end_label(lang: str) -> str:
    """The end node's label ("Saken avsluttes")."""
    return _END_LABEL.get(lang, _END_LABEL["nb"])


def outcome_label(outcome: Outcome, lang: str) -> str:
    """An outcome's name, with where it leads for expand ("Utvides → nivå 2, 3")."""
    labels = _labels(lang)
    name = _t(outcome.title, lang) or labels[outcome.kind]
    if outcome.kind == "expand" and outcome.to:
        name += f" → {labels['to_level']} {', '.join(map(str, outcome.to))}"
    return name


def edges(workflow: Workflow, lang: str | None = None) -> Iterator[Edge]:
    """Every arrow of the step diagram, in the guide's order."""
    lang = lang or workflow.language
    firsts = {level.level: level.steps[0].id for level in workflow.levels if level.steps}
    for level in workflow.levels:
        for step, following in zip(level.steps, level.steps[1:], strict=False):
            if not step.is_decision:
                yield Edge(step.id, following.id, "", "")
        for step in level.steps:
            for outcome in step.outcomes:
                label = outcome_label(outcome, lang)
                if outcome.kind == "close":
                    yield Edge(step.id, _END, "close", label)
                elif outcome.kind == "continue" and outcome.step is not None:
                    yield Edge(step.id, outcome.step, "continue", label)
                elif outcome.kind == "expand":
                    name = _t(outcome.title, lang) or _labels(lang)["expand"]
                    for target in outcome.to:
                        if target in firsts:
                            yield Edge(step.id, firsts[target], "expand", name)


def level_heading(level: Level, lang: str) -> str:
    """ "Nivå 1 – Tidlig innsats – …" """
    return f"{_labels(lang)['level']} {level.level} – {_t(level.title, lang)}"


def _node_id(step_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", step_id)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(workflow: Workflow, lang: str | None = None) -> str:
    """The workflow as a Mermaid flowchart: a subgraph per level, numbered steps, decisions."""
    lang = lang or workflow.language
    lines = ["flowchart TD"]
    for level in workflow.levels:
        lines.append(f'  subgraph L{level.level}["{_mermaid_text(level_heading(level, lang))}"]')
        lines.append("    direction TB")
        for number, step in enumerate(level.steps, 1):
            label = _mermaid_text(f"{number}. {_t(step.title, lang)}")
            shape = ('{"', '"}') if step.is_decision else ('["', '"]')
            lines.append(f"    {_node_id(step.id)}{shape[0]}{label}{shape[1]}")
        lines.append("  end")
    lines.append(f'  {_END}(["{_mermaid_text(end_label(lang))}"])')
    for edge in edges(workflow, lang):
        arrow = "-.->" if edge.kind == "close" else "-->"
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {_node_id(edge.source)} {arrow}{label} {_node_id(edge.target)}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(workflow: Workflow, lang: str | None = None) -> str:
    """The workflow as a Graphviz digraph: a cluster per level, numbered steps, decisions."""
    lang = lang or workflow.language
    lines = [
        f"digraph {_dot_text(workflow.id)} {{",
        f"  label={_dot_text(_t(workflow.title, lang))};",
        "  labelloc=t;",
        '  node [shape=box, style="rounded", fontname="sans-serif"];',
        '  edge [fontname="sans-serif", fontsize=10];',
    ]
    for level in workflow.levels:
        lines.append(f"  subgraph cluster_{level.level} {{")
        lines.append(f"    label={_dot_text(level_heading(level, lang))};")
        for number, step in enumerate(level.steps, 1):
            label = _dot_text(f"{number}. {_t(step.title, lang)}")
            shape = ", shape=diamond" if step.is_decision else ""
            lines.append(f"    {_node_id(step.id)} [label={label}{shape}];")
        lines.append("  }")
    lines.append(f"  {_END} [label={_dot_text(end_label(lang))}, shape=doubleoctagon];")
    for edge in edges(workflow, lang):
        attrs_ = []
        if edge.label:
            attrs_.append(f"label={_dot_text(edge.label)}")
        if edge.kind == "close":
            attrs_.append("style=dashed")
        suffix = f" [{', '.join(attrs_)}]" if attrs_ else ""
        lines.append(f"  {_node_id(edge.source)} -> {_node_id(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def diagram(workflow: Workflow, fmt: str, lang: str | None = None) -> str:
    """The workflow in ``fmt`` ('mermaid' or 'dot')."""
    if fmt == "mermaid":
        return mermaid(workflow, lang)
    if fmt == "dot":
        return dot(workflow, lang)
    raise ValueError(f"unknown diagram format {fmt!r}; use one of {', '.join(FORMATS)}")


# -- SVG of the levels and the decisions between them (for the site; no JavaScript) -----------

_BOX_X, _BOX_W = 210, 340  # room on the left for the labels of expand arcs
_END_X, _END_W = 635, 150
_WIDTH = 800
_BELOW = 44  # room under the last box for its continue loop
_LINE = 18
_GAP = 64
_WRAP = 40


@attrs.frozen
class LevelMove:
    """A decision seen from the levels: ``kind`` from level ``source`` (to ``target``)."""

    source: int
    target: int | None
    kind: str
    label: str


def level_moves(workflow: Workflow, lang: str | None = None) -> list[LevelMove]:
    """The decisions between levels: close, continue (same level), expand (to each level)."""
    lang = lang or workflow.language
    moves: list[LevelMove] = []
    for level in workflow.levels:
        for step in level.steps:
            for outcome in step.outcomes:
                name = _t(outcome.title, lang) or _labels(lang)[outcome.kind]
                if outcome.kind == "expand":
                    moves.extend(LevelMove(level.level, to, "expand", name) for to in outcome.to)
                elif outcome.kind == "continue":
                    moves.append(LevelMove(level.level, level.level, "continue", name))
                else:
                    moves.append(LevelMove(level.level, None, "close", name))
    return moves


def _text_lines(x: float, y: float, lines: list[str], css: str, anchor: str = "start") -> str:
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if i == 0 else _LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text class="{css}" x="{x:g}" y="{y:g}" text-anchor="{anchor}">{spans}</text>'


def levels_svg(
    workflow: Workflow,
    lang: str | None = None,
    *,
    title: str = "",
    href: dict[int, str] | None = None,
) -> str:
    """An inline SVG: the levels as boxes, arrows for expand, loops for continue, lines to the end.

    Every arrow is labelled with its outcome's name and drawn with its own line style, so
    nothing is told by colour alone. ``href`` links each level box to its page.
    """
    lang = lang or workflow.language
    href = href or {}
    labels = _labels(lang)
    boxes: dict[int, tuple[float, float]] = {}
    parts: list[str] = []
    y = 20.0
    for level in workflow.levels:
        lines = textwrap.wrap(_t(level.title, lang), _WRAP) or [""]
        height = 30.0 + _LINE * len(lines)
        boxes[level.level] = (y, height)
        box = (
            f'<rect class="level" x="{_BOX_X}" y="{y:g}" width="{_BOX_W}" height="{height}" '
            f'rx="8"/>'
            + _text_lines(_BOX_X + 14, y + 22, [f"{labels['level']} {level.level}"], "head")
            + _text_lines(_BOX_X + 14, y + 22 + _LINE, lines, "body")
        )
        if level.level in href:
            box = f'<a href="{escape(href[level.level])}">{box}</a>'
        parts.append(box)
        y += height + _GAP
    total = y - _GAP + _BELOW
    end_y = 20.0
    parts.append(
        f'<rect class="end" x="{_END_X}" y="{end_y:g}" width="{_END_W}" '
        f'height="{total - _BELOW - 20:g}" rx="8"/>'
        + _text_lines(
            _END_X + _END_W / 2, (total - _BELOW) / 2 + 15, [end_label(lang)], "head", "middle"
        )
    )
    left_depth = 0
    for move in level_moves(workflow, lang):
        if move.source not in boxes:
            continue
        top, height = boxes[move.source]
        mid = top + height / 2
        label = escape(move.label)
        if move.kind == "close":
            parts.append(
                f'<path class="close" d="M{_BOX_X + _BOX_W} {mid:g} H{_END_X - 2}" '
                f'marker-end="url(#arrow)"/>'
                f'<text class="edge" x="{_BOX_X + _BOX_W + 8}" y="{mid - 6:g}">{label}</text>'
            )
        elif move.kind == "continue":
            x0, x1 = _BOX_X + _BOX_W - 90, _BOX_X + _BOX_W - 30
            bottom = top + height
            parts.append(
                f'<path class="continue" d="M{x0} {bottom:g} C{x0} {bottom + 30:g} {x1} '
                f'{bottom + 30:g} {x1} {bottom + 3:g}" marker-end="url(#arrow)"/>'
                f'<text class="edge" x="{x0 - 6}" y="{bottom + 24:g}" text-anchor="end">'
                f"↻ {label}</text>"
            )
        elif move.target in boxes:
            target_top, target_height = boxes[move.target]
            if move.target == move.source + 1:
                x = _BOX_X + 70
                parts.append(
                    f'<path class="expand" d="M{x} {top + height:g} V{target_top - 3:g}" '
                    f'marker-end="url(#arrow)"/>'
                    f'<text class="edge" x="{x + 8}" y="{top + height + _GAP / 2 + 5:g}">'
                    f"{label} → {labels['level']} {move.target}</text>"
                )
            else:
                left_depth += 1
                out = _BOX_X - 28 * left_depth
                y0 = mid
                y1 = target_top + target_height / 2 + (10 if move.target == move.source else 0)
                if move.target == move.source:
                    y0 -= 10
                parts.append(
                    f'<path class="expand" d="M{_BOX_X} {y0:g} C{out} {y0:g} {out} {y1:g} '
                    f'{_BOX_X - 3} {y1:g}" marker-end="url(#arrow)"/>'
                    f'<text class="edge" x="{out - 4}" y="{(y0 + y1) / 2 + 4:g}" '
                    f'text-anchor="end">{label} → {labels["level"]} {move.target}</text>'
                )
    title_el = f"<title>{escape(title)}</title>" if title else ""
    defs = (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse">'
        '<path d="M0 0 L10 5 L0 10 z"/></marker></defs>'
    )
    role = "group" if href else "img"  # an image must not hold links
    return (
        f'<svg class="levels" viewBox="0 0 {_WIDTH} {total:g}" role="{role}" '
        f'aria-labelledby="levels-svg-title" xmlns="http://www.w3.org/2000/svg">'
        + title_el.replace("<title>", '<title id="levels-svg-title">')
        + defs
        + "".join(parts)
        + "</svg>"
    )


__all__ = [
    "FORMATS",
    "Edge",
    "LevelMove",
    "diagram",
    "dot",
    "edges",
    "end_label",
    "level_heading",
    "level_moves",
    "levels_svg",
    "mermaid",
    "outcome_label",
]
