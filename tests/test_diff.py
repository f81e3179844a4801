"""btiflow diff: what changed between two versions of a guide, on edited copies of Kåfjord's."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from helpers.variants import (
    ADDED,
    CONTINUE_ELSEWHERE,
    REMOVED,
    RENAMED,
    SHORTER_DEADLINE,
    WORKFLOWS,
    step,
    write_variant,
)

from btiflow import MigrationError, load_workflow
from btiflow.cli import main
from btiflow.workflow.diff import CHANGE_KINDS, Change, diff

KAFJORD = WORKFLOWS / "kafjord.yaml"


def changes_to(path: Path) -> list[Change]:
    return diff(load_workflow(KAFJORD), load_workflow(path))


def kinds(changes: list[Change]) -> list[str]:
    return [c.kind for c in changes if c.kind != "version_changed"]


def test_same_file_has_no_differences() -> None:
    """A guide compared with itself has no changes."""
    wf = load_workflow(KAFJORD)
    assert diff(wf, wf) == []


def test_renamed_step_title(tmp_path: Path) -> None:
    """A step with the same id and a new title is renamed, with old and new title."""
    found = changes_to(write_variant(tmp_path, "v", steps=RENAMED))
    assert kinds(found) == ["step_renamed"]
    change = found[-1]
    assert (change.step, change.old, change.new) == (
        "n1-iverksett",
        "Iverksett tiltak",
        "Sett i gang tiltakene",
    )
    assert "«Iverksett tiltak» → «Sett i gang tiltakene»" in change.message


def test_removed_step(tmp_path: Path) -> None:
    """A removed step is named with its level and title."""
    found = changes_to(write_variant(tmp_path, "v", steps=REMOVED))
    assert kinds(found) == ["step_removed"]
    assert found[-1].level == 0
    assert "n0-del-med-foresatte" in found[-1].message
    assert "fjernet" in found[-1].message


def test_new_step_is_added_and_the_steps_after_it_are_not_moved(tmp_path: Path) -> None:
    """A new step is one addition; the steps after it keep their order, so none 'moved'."""
    found = changes_to(write_variant(tmp_path, "v", steps=ADDED))
    assert kinds(found) == ["step_added"]
    assert "nytt steg 3 «Samtale med barnet»" in found[-1].message


def test_shorter_evaluation_deadline(tmp_path: Path) -> None:
    """P4W → P3W is a changed deadline that names the levels it applies to."""
    found = changes_to(write_variant(tmp_path, "v", top=SHORTER_DEADLINE))
    assert kinds(found) == ["deadline_changed"]
    assert (found[-1].old, found[-1].new) == ("P4W", "P3W")
    assert "gjelder nivå 0, 1, 2, 3" in found[-1].message


def test_level_deadline(tmp_path: Path) -> None:
    """A level's own deadline is reported for that level, with the limit in force before and
    after."""
    path = write_variant(tmp_path, "v", level_keys={2: "    deadlines:\n      evaluation: P6W\n"})
    found = changes_to(path)
    assert kinds(found) == ["level_deadline_changed"]
    assert found[-1].level == 2
    assert "gjeldende frist fire uker → seks uker" in found[-1].message


def test_changed_outcome(tmp_path: Path) -> None:
    """A 'continue' that returns to another step is a changed outcome, old and new step named."""
    found = changes_to(write_variant(tmp_path, "v", steps=CONTINUE_ELSEWHERE))
    assert kinds(found) == ["outcome_changed"]
    assert found[-1].old["step"] == "n1-iverksett"
    assert found[-1].new["step"] == "n1-felles-forstaelse"


def test_moved_step_texts_and_requirements(tmp_path: Path) -> None:
    """Moving a step, changing its guidance, questions and records is each reported."""
    edits = {
        2: step("n2-planlegg", after="n2-evaluer"),
        1: step(
            "n1-evaluer",
            guidance="Ny veiledning for evalueringen.",
            records="[meeting, evaluation, minutes]",
            add_questions="['Hva sier barnet?']",
        ),
    }
    found = changes_to(write_variant(tmp_path, "v", steps=edits))
    got = {(c.kind, c.step, c.field) for c in found}
    assert ("step_moved", "n2-planlegg", "position") in got
    assert not any(c.kind == "step_moved" and c.step != "n2-planlegg" for c in found)
    assert ("step_text_changed", "n1-evaluer", "guidance") in got
    assert ("step_text_changed", "n1-evaluer", "questions") in got
    records = next(c for c in found if c.kind == "step_records_changed")
    assert "ikke lenger: child_voice" in records.message


def test_every_kind_is_listed(tmp_path: Path) -> None:
    """Every change reported has a kind from the documented list."""
    for edits in (
        {"steps": RENAMED},
        {"steps": REMOVED},
        {"steps": ADDED},
        {"top": SHORTER_DEADLINE},
        {"steps": CONTINUE_ELSEWHERE},
    ):
        for change in changes_to(write_variant(tmp_path, "v", **edits)):
            assert change.kind in CHANGE_KINDS


def test_different_guides_are_refused() -> None:
    """Two versions of different guides cannot be compared."""
    sortland = load_workflow(WORKFLOWS / "sortland.yaml")
    with pytest.raises(MigrationError, match="different guides"):
        diff(load_workflow(KAFJORD), sortland, "en")
    with pytest.raises(MigrationError, match="to ulike veiledere"):
        diff(load_workflow(KAFJORD), sortland)


def test_cli_exit_codes_and_output(tmp_path: Path) -> None:
    """0 without differences, 1 with (each line with its kind), 2 for different guides or a file
    that does not load (problems as file:line:column)."""
    runner = CliRunner()
    same = runner.invoke(main, ["diff", str(KAFJORD), str(KAFJORD)])
    assert same.exit_code == 0, same.output
    assert "Ingen forskjeller" in same.output
    changed = runner.invoke(
        main, ["diff", str(KAFJORD), str(write_variant(tmp_path, "v", steps=REMOVED))]
    )
    assert changed.exit_code == 1
    assert "[step_removed] Nivå 0: steget «Del bekymringen med foresatte/barn»" in changed.output
    as_json = runner.invoke(
        main, ["diff", "--json", str(KAFJORD), str(write_variant(tmp_path, "v", steps=RENAMED))]
    )
    assert as_json.exit_code == 1
    assert [c["kind"] for c in json.loads(as_json.output)] == ["version_changed", "step_renamed"]
    other = runner.invoke(main, ["diff", str(KAFJORD), str(WORKFLOWS / "sortland.yaml")])
    assert other.exit_code == 2
    assert "de to filene er to ulike veiledere («kafjord» og «sortland»)" in other.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(KAFJORD.read_text(encoding="utf-8").replace("level: 1", "level: seven"))
    bad = runner.invoke(main, ["diff", str(KAFJORD), str(broken)])
    assert bad.exit_code == 2
    assert f"{broken}:" in bad.output


def test_the_services_named_for_consent_are_a_change_of_their_own() -> None:
    """A version naming its services differs from the one before in them, not in the age."""
    guide = Path(__file__).resolve().parent.parent / "examples" / "nordvik" / "veileder.yaml"
    nordvik = load_workflow(guide)
    before = attrs.evolve(nordvik, consent=attrs.evolve(nordvik.consent, services=()))
    found = [c for c in diff(before, nordvik) if c.kind == "consent_changed"]
    assert [c.field for c in found] == ["services"]
    assert found[0].old == []
    assert "Helsestasjonen" in found[0].new
    assert found[0].message.startswith("Tjenester det kan gis samtykke for: ingen → Helsestasjonen")
