"""Print pip pins for every core dependency at its declared floor, read from pyproject.toml.

Used by .ci/run's minimum-versions step (``pip install -c <(python3 .ci/min_constraints.py)``), so
the floors in pyproject.toml are the versions that step installs and cannot drift from them. Each
core dependency must name a floor (``>=X``) that is a published release: ``name>=X`` becomes
``name==X``; a dependency without a floor is an error, so a new one cannot slip past the step.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


def floors(pyproject: Path) -> list[str]:
    """``name==floor`` for each entry of [project] dependencies."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    pins = []
    for requirement in data["project"]["dependencies"]:
        match = _REQUIREMENT.match(requirement.split(";")[0])
        if match is None:
            raise SystemExit(f"cannot read the requirement {requirement!r}")
        name, specifiers = match[1], match[3]
        lower = [s.strip()[2:].strip() for s in specifiers.split(",") if s.strip().startswith(">=")]
        if len(lower) != 1:
            raise SystemExit(f"{requirement!r} names no floor (>=X); every core dependency must")
        pins.append(f"{name}=={lower[0]}")
    return pins


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    print("\n".join(floors(root / "pyproject.toml")))
