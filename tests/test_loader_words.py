"""The loader's problems in the guide editor's language: a stable code each, bokmål by default,
nynorsk and English when asked; the docs' tables made from the same catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow import Problem, WorkflowError, check_workflow, load_workflow
from btiflow.cli import main
from btiflow.workflow import problems as loader_problems
from btiflow.workflow.load import check_workflow_text, load_workflow_text

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "btiflow" / "workflow"

# Two mistakes a guide editor makes: a language listed twice and a misspelt key.
BROKEN = """\
format: btiflow/1
id: t
version: "1"
title: T
languages: [nb, nb]
levels:
  - level: 0
    title: L0
    steps:
      - id: a
        titel: A
        outcomes:
          - kind: close
  - level: 1
    title: L1
    steps:
      - {id: b, title: B, outcomes: [{kind: close}]}
  - level: 2
    title: L2
    steps:
      - {id: c, title: C, outcomes: [{kind: close}]}
  - level: 3
    title: L3
    steps:
      - {id: d, title: D, outcomes: [{kind: close}]}
"""

WORDS = {
    "nb": [
        "g.yaml:5:17: språket «nb» står to ganger (oppgi hvert språk én gang)",
        "g.yaml:10:9: nøkkelen «title» mangler i levels[0].steps[0] "
        "(legg til title: tittelen, slik brukeren ser den)",
        "g.yaml:11:9: ukjent nøkkel «titel» i levels[0].steps[0] (mente du «title»? tillatt: id, "
        "title, guidance, questions, advice, tools, records, requires, outcomes, after, remove, "
        "add_tools, add_questions, add_advice)",
    ],
    "nn": [
        "g.yaml:5:17: språket «nb» står to gonger (oppgi kvart språk éin gong)",
        "g.yaml:10:9: nøkkelen «title» manglar i levels[0].steps[0] "
        "(legg til title: tittelen, slik brukaren ser han)",
        "g.yaml:11:9: ukjend nøkkel «titel» i levels[0].steps[0] (meinte du «title»? tillate: id, "
        "title, guidance, questions, advice, tools, records, requires, outcomes, after, remove, "
        "add_tools, add_questions, add_advice)",
    ],
    "en": [
        "g.yaml:5:17: language 'nb' is listed twice (list each language once)",
        "g.yaml:10:9: missing key 'title' in levels[0].steps[0] "
        "(add title: the title, as shown to the user)",
        "g.yaml:11:9: unknown key 'titel' in levels[0].steps[0] (did you mean 'title'? allowed: "
        "id, title, guidance, questions, advice, tools, records, requires, outcomes, after, "
        "remove, add_tools, add_questions, add_advice)",
    ],
}
CODES = ["language_twice", "missing_key", "unknown_key"]


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_problems_in_bokmal_nynorsk_and_english(language: str) -> None:
    """The located form `file:line:column: message (hint)` stays; the words are the language's."""
    workflow, problems = check_workflow_text(BROKEN, "g.yaml", language=language)
    assert workflow is None
    assert [p.code for p in problems] == CODES
    assert [str(p) for p in problems] == WORDS[language]


def test_bokmal_is_the_default_and_codes_do_not_change_with_the_language() -> None:
    with pytest.raises(WorkflowError) as caught:
        load_workflow_text(BROKEN, "g.yaml")
    assert [str(p) for p in caught.value.problems] == WORDS["nb"]
    assert str(caught.value).splitlines() == ["3 problemer i veiviseren:", *WORDS["nb"]]
    # A language btiflow does not word problems in reads bokmål; a locale tag is understood.
    assert [str(p) for p in check_workflow_text(BROKEN, "g.yaml", language="de")[1]] == WORDS["nb"]
    assert [str(p) for p in check_workflow_text(BROKEN, "g.yaml", language="nn-NO")[1]] == (
        WORDS["nn"]
    )


def test_a_file_is_read_in_the_language_asked(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    for language in ("nb", "nn", "en"):
        expected = [line.replace("g.yaml", str(path), 1) for line in WORDS[language]]
        with pytest.raises(WorkflowError) as caught:
            load_workflow(path, language)
        assert [str(p) for p in caught.value.problems] == expected
        assert [str(p) for p in check_workflow(path, language)[1]] == expected
    with pytest.raises(WorkflowError) as caught:
        load_workflow(tmp_path / "nowhere.yaml", "nn")
    (missing,) = caught.value.problems
    assert (missing.code, missing.message) == ("file_not_found", "fann ikkje fila")
    assert str(caught.value).splitlines()[0] == "1 problem i rettleiaren:"


def test_a_problem_made_the_old_way_still_works() -> None:
    """``code`` is the last field, with a default: constructors written before it still work."""
    problem = Problem("g.yaml", 1, 2, "", "words", "a hint")
    assert problem.code == ""
    assert str(problem) == "g.yaml:1:2: words (a hint)"


def test_every_code_is_in_one_section_of_the_docs_and_named_by_the_loader() -> None:
    """The catalogue's codes, the docs' sections and the codes the loader's source names agree:
    no problem undocumented, none documented that the loader cannot raise."""
    listed = [code for _, section in loader_problems.SECTIONS for code in section]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == list(loader_problems.codes())
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SOURCES.glob("*.py")))
    named = set(re.findall(r'"([a-z0-9_]+)"', source))
    assert set(listed) - named == set()


def test_the_docs_tables_are_made_from_the_catalogue() -> None:
    """docs/workflow-format.md "Every error message" is what the catalogue says; after changing
    a text, run `python -m btiflow.workflow.problems`."""
    doc = loader_problems.FORMAT_DOC.read_text(encoding="utf-8")
    assert loader_problems.documented(doc) == loader_problems.tables()
    assert "--lang en" in doc


def _validate(*args: str, env: dict[str, str | None] | None = None) -> list[str]:
    cleared: dict[str, str | None] = dict.fromkeys(("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"))
    result = CliRunner().invoke(
        main, ["validate", *args], prog_name="btiflow", env={**cleared, **(env or {})}
    )
    assert result.exit_code == 1, result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("args", "env", "language"),
    [
        ((), {}, "nb"),
        ((), {"LANG": "C.UTF-8"}, "nb"),
        ((), {"LANG": "nn_NO.UTF-8"}, "nn"),
        ((), {"LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ((), {"LANG": "no_NO.UTF-8"}, "nb"),
        (("--lang", "en"), {"LANG": "nn_NO.UTF-8"}, "en"),
        (("--lang", "nn"), {}, "nn"),
    ],
)
def test_validate_speaks_lang_then_the_environment_then_bokmal(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str | None], language: str
) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    lines = _validate(*args, str(path), env=env)
    assert lines[:3] == [line.replace("g.yaml", str(path), 1) for line in WORDS[language]]


def test_validate_refuses_a_language_it_does_not_word_problems_in(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--lang", "de", "x.yaml"])
    assert result.exit_code == 2
    assert "--lang" in result.output
