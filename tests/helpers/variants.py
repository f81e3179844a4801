"""Edited copies of workflows/kafjord.yaml, written to a test's folder, as a guide editor would.

Kåfjord's file extends the standard guide, so an edit is a few overlay lines: a step item under
a level (``steps``), a key on a level (``level_keys``) or a key at the top (``top``). The copy is
written beside nothing else; ``extends: bti`` then finds the shipped standard guide.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
KAFJORD = (WORKFLOWS / "kafjord.yaml").read_text(encoding="utf-8")
LEVEL_HEADERS = {n: f"  - level: {n}\n" for n in range(4)}


def variant_text(
    version: str = "2026.2",
    *,
    steps: Mapping[int, str] | None = None,
    level_keys: Mapping[int, str] | None = None,
    top: str = "",
) -> str:
    """Kåfjord's text with a new version and the given overlay lines."""
    text = KAFJORD.replace('version: "2026.1"', f'version: "{version}"')
    if top:
        text = text.replace("\nlevels:\n", "\n" + top.rstrip("\n") + "\nlevels:\n")
    for level in range(4):
        keys = (level_keys or {}).get(level, "")
        items = (steps or {}).get(level, "")
        if not keys and not items:
            continue
        header = LEVEL_HEADERS[level]
        if header not in text:
            text = text.rstrip("\n") + f"\n\n{header}    steps:\n"
        steps_header = header + "    steps:\n"
        assert steps_header in text, f"level {level} of kafjord.yaml has no steps list"
        text = text.replace(steps_header, header + keys + "    steps:\n" + items, 1)
    return text


def write_variant(folder: Path, name: str, **edits: object) -> Path:
    """Write a variant (see ``variant_text``) as ``folder/name.yaml``."""
    path = folder / f"{name}.yaml"
    path.write_text(variant_text(**edits), encoding="utf-8")  # type: ignore[arg-type]
    return path


def step(step_id: str, **keys: str) -> str:
    """One overlay step item: ``step("n1-x", title="Ny", after="n1-y", records="[meeting]")``."""
    lines = [f"      - id: {step_id}"]
    lines += [f"        {key}: {value}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


RENAMED = {1: step("n1-iverksett", title="Sett i gang tiltakene")}
REMOVED = {0: step("n0-del-med-foresatte", remove="true")}
ADDED = {
    1: step(
        "n1-samtale-med-barnet",
        title="Samtale med barnet",
        after="n1-felles-forstaelse",
        records="[child_voice]",
    )
}
SHORTER_DEADLINE = "deadlines:\n  evaluation: P3W\n"
CONTINUE_ELSEWHERE = {
    1: step("n1-avklar-behov")
    + "        outcomes:\n          - kind: continue\n            step: n1-felles-forstaelse\n"
}
