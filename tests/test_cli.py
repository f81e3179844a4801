"""The command line as a user sees it: output lines, exit codes, help for every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.words import say
from btiflow.workflow.schema import json_schema
from btiflow.workflow.yamlsource import parse_file

ROOT = Path(__file__).resolve().parent.parent
BTI_PATH = ROOT / "workflows" / "bti.yaml"
BTI = BTI_PATH.read_text(encoding="utf-8")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="btiflow")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _bad_file(tmp_path: Path) -> tuple[str, str]:
    """bti.yaml with a mistyped key in a step and a duration in months; (path, text)."""
    text = BTI.replace(
        "      - id: n0-del-med-leder\n", "      - id: n0-del-med-leder\n        titel: x\n", 1
    ).replace("evaluation: P4W", "evaluation: P1M", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path), text


def test_validate_valid_file_says_ok_and_exits_0() -> None:
    """A valid file prints 'FILE: ok (id version, N steg)' with values from the YAML."""
    tree, _ = parse_file(BTI_PATH)
    steps = sum(len(level["steps"]) for level in tree["levels"])
    code, out, _ = _run("validate", str(BTI_PATH))
    assert code == 0
    assert out == f"{BTI_PATH}: ok (bti {tree['version']}, {steps} steg)\n"
    english = _run("validate", "--lang", "en", str(BTI_PATH))[1]
    assert english == f"{BTI_PATH}: ok (bti {tree['version']}, {steps} steps)\n"


def test_validate_bad_file_prints_located_problems_and_exits_1(tmp_path: Path) -> None:
    """Each problem is one 'file:line:column: message (hint)' line pointing at the mistake."""
    path, text = _bad_file(tmp_path)
    code, out, _ = _run("validate", "--lang", "en", path)
    assert code == 1
    lines = out.splitlines()
    duration_line = _line_of(text, "evaluation: P1M")
    assert lines[0] == (
        f"{path}:{duration_line}:15: expected a duration such as P4W (4 weeks) or P10D (10 days), "
        "found the text 'P1M' (months and years have no fixed length; write weeks or days: P4W "
        "is 4 weeks, P10D is 10 days)"
    )
    key_line = _line_of(text, "titel: x")
    assert lines[1].startswith(
        f"{path}:{key_line}:9: unknown key 'titel' in levels[0].steps[1] (did you mean 'title'?"
    )
    assert lines[2:] == ["2 problems in 1 file"]
    assert "Traceback" not in out


def test_validate_many_files_reports_each_and_fails_if_one_fails(tmp_path: Path) -> None:
    """With a valid and an invalid file, the valid one says ok and the exit code is 1."""
    path, _ = _bad_file(tmp_path)
    code, out, _ = _run("validate", str(BTI_PATH), path)
    assert code == 1
    assert out.splitlines()[0].startswith(f"{BTI_PATH}: ok (bti ")
    assert sum(line.startswith(f"{path}:") for line in out.splitlines()) == 2


def test_validate_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    """A file that does not exist is reported like any problem, with exit code 1."""
    missing = str(tmp_path / "nope.yaml")
    code, out, _ = _run("validate", "--lang", "nb", missing)
    assert code == 1
    assert out.splitlines()[0] == f"{missing}:1:1: fant ikke filen (sjekk stien og filnavnet)"


def test_validate_accepts_a_shipped_name() -> None:
    """'btiflow validate bti' checks the shipped standard guide."""
    code, out, _ = _run("validate", "bti")
    assert code == 0
    assert out.startswith("bti: ok (bti ")


def test_validate_without_files_is_a_usage_error() -> None:
    """Forgetting the file is click's usage error (exit 2), not a crash."""
    code, _, err = _run("validate")
    assert code == 2
    assert "Mangler argumentet" in err


def test_python_dash_m_validate_in_a_real_process() -> None:
    """'python -m btiflow validate workflows/bti.yaml' works as a program and exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", "btiflow", "validate", "workflows/bti.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("workflows/bti.yaml: ok (bti ")
    assert done.stderr == ""


def test_show_prints_level_and_step_titles_from_the_yaml() -> None:
    """The outline has 'Nivå N – title' for each level and '1. title' for each step."""
    tree, _ = parse_file(BTI_PATH)
    code, out, _ = _run("show", str(BTI_PATH), "--width", "200")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == tree["title"]
    for level in tree["levels"]:
        assert f"Nivå {level['level']} – {level['title']}" in lines
        for number, step in enumerate(level["steps"], 1):
            assert f"{number}. {step['title']}" in lines
    for question in tree["levels"][0]["steps"][0]["questions"]:
        assert f"     - {question}" in lines
    assert f"- {tree['principles'][0]['title']}: " in out


def test_show_prints_outcomes_and_tools() -> None:
    """Decision steps list close, continue (→ the step), expand (→ the levels); tools, links."""
    code, out, _ = _run("show", "bti", "--width", "200")
    assert code == 0
    assert "     - Avslutning: Tiltakene har hatt ønsket effekt" in out
    assert "     - Videreføring → 3. Iverksett tiltak: " in out
    assert "     - Utvides → nivå 2, 3: " in out
    assert "   Verktøy:" in out.splitlines()
    assert "     - Tips til undringssamtale med barn og ungdom: https://www.snakkemedbarn.no" in out


def test_show_in_english_uses_english_labels() -> None:
    """--lang en switches the labels; the guide's own texts fall back to its language."""
    code, out, err = _run("show", "bti", "--lang", "en")
    assert code == 0
    assert "Level 0 – Tidlig innsats – bekymring oppstår" in out.splitlines()
    assert "texts without 'en' are shown in nb" in err


def test_show_picks_the_requested_language_of_a_text(tmp_path: Path) -> None:
    """A North Sámi title is shown with --lang se, the bokmål one by default."""
    path = tmp_path / "sami.yaml"
    path.write_text(
        "extends: bti\nid: sami\nversion: '1'\ntitle:\n  nb: Veileder\n  se: Bagadus áčđŋšŧž\n",
        encoding="utf-8",
    )
    assert _run("show", str(path))[1].splitlines()[0] == "Veileder"
    assert _run("show", str(path), "--lang", "se")[1].splitlines()[0] == "Bagadus áčđŋšŧž"


def test_show_bad_file_prints_problems_and_exits_1(tmp_path: Path) -> None:
    """A file with problems is not shown; its problems go to stderr as in validate."""
    path, _ = _bad_file(tmp_path)
    code, out, err = _run("show", path)
    assert code == 1
    assert out == ""
    assert [line.split(": ")[0] for line in err.splitlines()][:2] == [
        f"{path}:{_line_of(BTI, 'evaluation: P4W')}:15",
        f"{path}:{_line_of(BTI, '- id: n0-del-med-leder') + 1}:9",
    ]


@pytest.mark.parametrize("name", ["bti", "kafjord", "nore-og-uvdal"])
def test_show_yaml_prints_a_shipped_guide_exactly(name: str, tmp_path: Path) -> None:
    """'btiflow show --yaml NAME' prints the shipped file byte for byte, from any folder (as a
    wheel user runs it, to copy bti.yaml as docs/for-municipalities.md says), and the copy
    loads as the shipped guide does."""
    done = subprocess.run(
        [sys.executable, "-m", "btiflow", "show", "--yaml", name],
        cwd=tmp_path, capture_output=True, check=True,
    )  # fmt: skip
    assert done.stdout == (ROOT / "workflows" / f"{name}.yaml").read_bytes()
    assert done.stderr == b""
    if name == "bti":
        (tmp_path / "bti.yaml").write_bytes(done.stdout)
        code, out, _ = _run("validate", str(tmp_path / "bti.yaml"))
        assert (code, "ok (bti ") == (0, out.split(": ", 1)[1][:8])


def test_show_yaml_of_a_file_prints_it_and_of_a_bad_file_only_its_problems(
    tmp_path: Path,
) -> None:
    own = tmp_path / "own.yaml"
    own.write_bytes(BTI_PATH.read_bytes() + b"# a comment is kept, as every byte is\n")
    code, out, err = _run("show", "--yaml", str(own))
    assert (code, out, err) == (0, own.read_text(encoding="utf-8"), "")
    path, _ = _bad_file(tmp_path)
    code, out, err = _run("show", "--yaml", path)
    assert (code, out) == (1, "")
    assert err.startswith(f"{path}:")


def test_schema_prints_the_json_schema() -> None:
    """'btiflow schema' prints valid JSON, the same schema as json_schema(), non-ASCII kept."""
    code, out, _ = _run("schema")
    assert code == 0
    assert json.loads(out) == json_schema()
    assert "Verktøy" in out
    assert out.startswith('{\n  "$schema": ')


def test_schema_writes_to_a_file(tmp_path: Path) -> None:
    """'btiflow schema -o FILE' writes the schema to FILE and prints nothing on stdout."""
    target = tmp_path / "btiflow.schema.json"
    code, out, _ = _run("schema", "-o", str(target))
    assert code == 0
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == json_schema()


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help(name: str) -> None:
    """Every command (including ones added later) has help text and answers --help."""
    command = main.commands[name]
    assert command.help, f"'{name}' has no help text"
    code, out, _ = _run("--lang", "en", name, "--help")
    assert code == 0
    assert out.startswith(f"Usage: btiflow {name} ")
    first = say("en", command.help).split("\n")[0].strip()
    assert first in " ".join(out.split())


def test_main_help_lists_every_command() -> None:
    """'btiflow --help' lists each command."""
    code, out, _ = _run("--lang", "en", "--help")
    assert code == 0
    listed = {line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(main.commands)
