"""Publish a guide: its web site and its diagram, from the YAML the engine runs.

Run: python examples/publish_guide.py [FOLDER]   (default: a temporary folder)
"""

import sys
import tempfile
from pathlib import Path

import btiflow


def publish(guide: str, out: Path) -> None:
    workflow = btiflow.load_workflow(guide)  # a shipped name or a path to your YAML
    site = btiflow.render_site(workflow, out / "site")  # one folder per language, open index.html
    (out / "guide.mmd").write_text(btiflow.diagram(workflow, "mermaid"), encoding="utf-8")
    print(f"{len(site.pages)} pages in {out / 'site'}; diagram in {out / 'guide.mmd'}")
    for missing in site.missing_files:
        print(f"copy the tool file {missing} to {out / 'site' / missing}")


if __name__ == "__main__":
    publish("kafjord", Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
