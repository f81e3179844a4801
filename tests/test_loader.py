"""The loader: every mistake in a workflow file is a located WorkflowError; a good file loads."""

from __future__ import annotations

import re
import time
from pathlib import Path

import attrs
import pytest

from btiflow import Problem, Workflow, WorkflowError, check_workflow, load_workflow
from btiflow.workflow.load import load_workflow_text
from btiflow.workflow.problems import codes as problem_codes

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"

# A small, valid guide: one step per level, each deciding. Line numbers below refer to it.
MINIMAL = """\
format: btiflow/1
id: t
version: "1"
title: T
languages: [nb]
levels:
  - level: 0
    title: L0
    steps:
      - id: a
        title: A
        outcomes:
          - kind: close
          - kind: expand
            to: [1]
  - level: 1
    title: L1
    steps:
      - id: b
        title: B
        outcomes:
          - kind: close
          - kind: expand
            to: [2]
  - level: 2
    title: L2
    steps:
      - id: c
        title: C
        outcomes:
          - kind: close
          - kind: expand
            to: [3]
  - level: 3
    title: L3
    steps:
      - id: d
        title: D
        outcomes:
          - kind: close
"""

OVERLAY_HEAD = 'extends: bti\nid: kx\nversion: "1"\n'


def edit(old: str, new: str, text: str = MINIMAL) -> str:
    """Replace exactly one occurrence of ``old`` in ``text``."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def write(tmp_path: Path, text: str | bytes, name: str = "guide.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> tuple[Problem, ...]:
    """Load ``path``, expecting WorkflowError; its problems in English (the words these tests
    read), each checked to be located, coded, and the same problem in bokmål and nynorsk."""
    worded = {}
    for language in ("en", "nb", "nn"):
        with pytest.raises(WorkflowError) as info:
            load_workflow(path, language)
        worded[language] = info.value.problems
    problems = worded["en"]
    assert problems
    for p in problems:
        assert p.line >= 1
        assert p.column >= 1
        assert p.message
        assert p.code in problem_codes(), p
    for language in ("nb", "nn"):
        same = [attrs.evolve(p, message="", hint="") for p in worded[language]]
        assert same == [attrs.evolve(p, message="", hint="") for p in problems], language
    return problems


def only(problems: tuple[Problem, ...], code: str) -> Problem:
    """The one problem, checked to be the problem ``code``."""
    assert [p.code for p in problems] == [code], problems
    return problems[0]


def at(problem: Problem, file: Path, line: int, column: int) -> None:
    assert (problem.file, problem.line, problem.column) == (str(file), line, column), problem


# --- a good file -------------------------------------------------------------------------------


def test_minimal_guide_loads(tmp_path: Path) -> None:
    """A minimal valid guide loads into a Workflow with defaults filled in."""
    wf = load_workflow(write(tmp_path, MINIMAL))
    assert isinstance(wf, Workflow)
    assert [lv.level for lv in wf.levels] == [0, 1, 2, 3]
    assert wf.deadlines.evaluation is not None
    assert wf.deadlines.evaluation.days == 28
    assert len(wf.content_hash) == 64


def test_every_shipped_workflow_loads() -> None:
    """Every file in workflows/ loads without problems."""
    files = sorted(WORKFLOWS.glob("*.yaml"))
    assert files
    for path in files:
        wf, problems = check_workflow(path)
        assert problems == [], problems
        assert wf is not None


def test_workflow_is_frozen(tmp_path: Path) -> None:
    """A loaded Workflow and its parts cannot be changed by assignment."""
    wf = load_workflow(write(tmp_path, MINIMAL))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        wf.id = "other"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        wf.levels[0].steps[0].id = "x"  # type: ignore[misc]
    assert isinstance(wf.levels, tuple)


def test_content_hash_is_stable(tmp_path: Path) -> None:
    """Loading the same file twice gives the same content hash."""
    path = write(tmp_path, MINIMAL)
    assert load_workflow(path).content_hash == load_workflow(path).content_hash
    bti = WORKFLOWS / "bti.yaml"
    assert load_workflow(bti).content_hash == load_workflow(bti).content_hash


def test_content_hash_changes_with_a_text(tmp_path: Path) -> None:
    """Changing one text changes the content hash."""
    a = load_workflow(write(tmp_path, MINIMAL, "a.yaml"))
    b = load_workflow(write(tmp_path, edit("title: B\n", "title: B2\n"), "b.yaml"))
    assert a.content_hash != b.content_hash


def test_content_hash_ignores_comments_and_layout(tmp_path: Path) -> None:
    """Comments, blank lines, quoting and flow style do not change the content hash."""
    a = load_workflow(write(tmp_path, MINIMAL, "a.yaml"))
    text = "# a comment\n\n" + edit("title: T\n", 'title:   "T"   # the title\n\n')
    text = edit(
        "          - kind: close\n          - kind: expand\n            to: [1]\n",
        "          - {kind: close}\n          - kind: expand\n            to:\n              - 1\n",
        text,
    )
    b = load_workflow(write(tmp_path, text, "b.yaml"))
    assert a.content_hash == b.content_hash


def test_plain_text_equals_default_language_mapping(tmp_path: Path) -> None:
    """A plain string text means the first declared language: same hash as {nb: ...}."""
    a = load_workflow(write(tmp_path, MINIMAL, "a.yaml"))
    b = load_workflow(write(tmp_path, edit("title: T\n", "title: {nb: T}\n"), "b.yaml"))
    assert a.content_hash == b.content_hash


def test_yaml_booleans_stay_text(tmp_path: Path) -> None:
    """no, yes, on and off are read as text, never as booleans."""
    text = edit("title: T\n", "title: no\n")
    text = edit("title: A\n", "title: {nb: yes}\n", text)
    text = edit("title: B\n", "title: on\n", text)
    text = edit("title: C\n", "title: off\n", text)
    text = edit('version: "1"', "version: 2024-01-01", text)
    wf = load_workflow(write(tmp_path, text))
    assert str(wf.title) == "no"
    assert [str(s.title) for _, s in wf.steps()] == ["yes", "on", "off", "D"]
    assert wf.version == "2024-01-01"


def test_no_as_language_code_is_an_unknown_language(tmp_path: Path) -> None:
    """The key `no:` stays the text 'no' and is reported as an unknown language code."""
    path = write(tmp_path, edit("title: T\n", "title: {no: T}\n"))
    p = only(problems_of(path), "unknown_language")
    at(p, path, 4, 9)
    assert "unknown language code 'no'" in p.message
    assert "nb" in p.hint


def bilingual(text: str = MINIMAL) -> str:
    """``text`` with languages [nb, se] and every title given in both."""
    text = edit("languages: [nb]", "languages: [nb, se]", text)
    return re.sub(r"title: (\w+)\n", r"title: {nb: \1, se: \1 sámegillii}\n", text)


def test_north_sami_text_is_kept(tmp_path: Path) -> None:
    """North Sámi letters (á č đ ŋ š ŧ ž) survive loading unchanged."""
    sami = "Bargu mánáiguin áčđŋšŧž ÁČĐŊŠŦŽ"
    text = edit("se: T sámegillii", f"se: {sami}", bilingual())
    wf = load_workflow(write(tmp_path, text))
    assert wf.title["se"] == sami
    assert wf.title.get("se") == sami
    assert wf.languages == ("nb", "se")
    assert wf.levels[3].steps[0].title["se"] == "D sámegillii"


# --- broken YAML -------------------------------------------------------------------------------


def test_malformed_yaml(tmp_path: Path) -> None:
    """An unclosed bracket is reported where YAML noticed it, with a hint."""
    path = write(tmp_path, edit("languages: [nb]", "languages: [nb"))
    p = only(problems_of(path), "yaml_syntax")
    assert p.file == str(path)
    assert p.line == 6
    assert p.column == 7
    assert p.message.startswith("not valid YAML:")
    assert "quoting" in p.hint


def test_tab_indentation(tmp_path: Path) -> None:
    """A tab used for indentation is reported at the tab with a hint about spaces."""
    path = write(tmp_path, edit("title: T\n", "title: T\n\tintroduction: x\n"))
    p = only(problems_of(path), "yaml_tab")
    at(p, path, 5, 1)
    assert "spaces, not tabs" in p.hint


def test_control_character(tmp_path: Path) -> None:
    """A control character is reported at its own line and column, not at 1:1."""
    path = write(tmp_path, edit("title: T\n", "title: T\x07x\n"))
    p = only(problems_of(path), "yaml_control_character")
    at(p, path, 4, 9)
    assert "control character" in p.message
    assert "tabs" not in p.hint


def test_empty_file(tmp_path: Path) -> None:
    """An empty file (or only comments) is one problem at 1:1."""
    for name, text in (("empty.yaml", ""), ("comments.yaml", "# nothing here\n\n")):
        path = write(tmp_path, text, name)
        p = only(problems_of(path), "empty_file")
        at(p, path, 1, 1)
        assert "empty" in p.message


def test_file_not_a_mapping(tmp_path: Path) -> None:
    """A file holding a list instead of a mapping says what a workflow file is."""
    path = write(tmp_path, "- format: btiflow/1\n")
    p = only(problems_of(path), "not_a_workflow")
    at(p, path, 1, 1)
    assert "mapping of keys" in p.message


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is a WorkflowError naming the file, not FileNotFoundError."""
    path = tmp_path / "nowhere.yaml"
    p = only(problems_of(path), "file_not_found")
    at(p, path, 1, 1)
    assert p.message == "file not found"
    assert "path" in p.hint


def test_folder_instead_of_file(tmp_path: Path) -> None:
    """A folder given as the workflow is a WorkflowError."""
    p = only(problems_of(tmp_path), "folder_not_file")
    assert "folder" in p.message


def test_non_utf8_file(tmp_path: Path) -> None:
    """A Latin-1 file is reported at the line and (character) column of the first bad byte."""
    text = edit("title: T\n", "title: Tromsø og Kåfjord\n").encode("latin-1")
    path = write(tmp_path, text)
    p = only(problems_of(path), "not_utf8")
    at(p, path, 4, 13)
    assert "not UTF-8" in p.message
    assert "0xf8" in p.message
    assert "UTF-8" in p.hint


def test_non_utf8_column_counts_characters(tmp_path: Path) -> None:
    """Characters before the bad byte that take two bytes in UTF-8 count as one column."""
    data = edit("title: T\n", "title: Kåfjord \xff\n").encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    path = write(tmp_path, data)
    p = only(problems_of(path), "not_utf8")
    at(p, path, 4, 16)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 file that starts with a byte order mark loads."""
    path = write(tmp_path, b"\xef\xbb\xbf" + MINIMAL.encode("utf-8"))
    assert load_workflow(path).id == "t"


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """A billion-laughs file is refused at its first anchor, in well under a second."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = write(tmp_path, "\n".join(lines) + "\n")
    start = time.perf_counter()
    p = only(problems_of(path), "yaml_anchor")
    assert time.perf_counter() - start < 1.0
    at(p, path, 1, 4)
    assert "anchors" in p.message
    assert "write the text out in full" in p.hint


def test_alias_without_anchor_is_refused(tmp_path: Path) -> None:
    """An alias is refused where it stands."""
    path = write(tmp_path, edit("title: T\n", "title: *t\n"))
    p = only(problems_of(path), "yaml_alias")
    assert p.line == 4
    assert "not valid YAML" in p.message


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        ("flow-lists", "[" * 10_000 + "]" * 10_000, 41),
        ("flow-maps", "{a: " * 10_000 + "1" + "}" * 10_000, 161),
        ("block-lists", "- " * 10_000 + "x\n", 81),
        ("mixed", "a:\n  - " + "- " * 10_000 + "{b: [" * 5_000 + "\n", None),
    ],
)
def test_deep_nesting_is_refused_quickly(
    tmp_path: Path, name: str, text: str, column: int | None
) -> None:
    """Nesting 10,000 levels deep is refused in well under a second."""
    path = write(tmp_path, text)
    start = time.perf_counter()
    p = only(problems_of(path), "yaml_too_deep")
    assert time.perf_counter() - start < 0.5
    assert "nested deeper than 40 levels" in p.message
    assert p.line == 1 or name == "mixed"
    if column is not None:
        assert p.column == column


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    """Deep indentation-based nesting is refused at the level that is too deep."""
    text = "".join(" " * i + "a:\n" for i in range(60))
    path = write(tmp_path, text)
    p = only(problems_of(path), "yaml_too_deep")
    at(p, path, 40, 40)  # the key at depth 41
    assert "nested deeper" in p.message


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    """A file over the size limit is refused before it is parsed."""
    path = write(tmp_path, "# " + "x" * 2_100_000 + "\n")
    p = only(problems_of(path), "file_too_big")
    assert "at most" in p.message


def test_oversized_text_is_refused() -> None:
    """YAML text over the size limit is refused too, not only files."""
    with pytest.raises(WorkflowError) as info:
        load_workflow_text("a: " + "x" * 2_100_000)
    p = only(info.value.problems, "text_too_long")
    assert p.code == "text_too_long"
    assert "høyst 2000000" in p.message


def test_huge_number_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """A number with thousands of digits is reported, not a Python ValueError."""
    path = write(tmp_path, edit("  - level: 1\n", "  - level: 1" + "0" * 5000 + "\n"))
    problems = problems_of(path)
    assert [p.code for p in problems] == ["expected_number"]
    p = next(p for p in problems if p.path == "levels[1].level")
    at(p, path, 16, 12)
    assert "expected a whole number" in p.message
    assert len(p.message) < 200


def test_tags_and_complex_keys(tmp_path: Path) -> None:
    """A YAML tag and a non-text key are each reported where they stand."""
    text = edit("title: T\n", "title: !!binary aGk=\n? [a, b]\n: x\n")
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["unsupported_tag", "key_not_word"]
    assert [(p.line, p.column) for p in problems] == [(4, 8), (5, 3)]
    assert "unsupported tag" in problems[0].message
    assert "plain word" in problems[1].message


def test_second_document_is_refused(tmp_path: Path) -> None:
    """A second YAML document (---) in the file is reported at its start."""
    path = write(tmp_path, MINIMAL + "---\nid: u\n")
    p = only(problems_of(path), "yaml_syntax")
    at(p, path, 41, 1)
    assert "another document" in p.message


# --- shape: keys and types ---------------------------------------------------------------------


def test_wrong_types(tmp_path: Path) -> None:
    """A text where a list belongs, and a word where a number belongs, are both reported."""
    text = edit("languages: [nb]", "languages: nb")
    text = edit("  - level: 1\n", "  - level: one\n", text)
    text = edit("title: A\n", "title: [A]\n", text)
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["expected_list", "expected_text", "expected_number"]
    assert [(p.line, p.column, p.path) for p in problems] == [
        (5, 12, "languages"),
        (11, 16, "levels[0].steps[0].title"),
        (16, 12, "levels[1].level"),
    ]
    assert problems[0].message == "expected a list (items starting with '- '), found the text 'nb'"
    assert problems[1].message.startswith("expected a text")
    assert problems[2].message == "expected a whole number, found the text 'one'"


def test_unknown_keys_at_several_depths(tmp_path: Path) -> None:
    """A typo in a key is an error at the top, in a step and in an outcome, with did-you-mean."""
    text = edit("title: T\n", "titel: T\ntitle: T\n")
    text = edit("        title: A\n", "        title: A\n        guidence: x\n", text)
    text = edit(
        "          - kind: close\n          - kind: expand\n            to: [1]\n",
        "          - kind: close\n            titl: x\n          - kind: expand\n"
        "            to: [1]\n",
        text,
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["unknown_top_key", "unknown_key", "unknown_key"]
    assert [(p.line, p.column) for p in problems] == [(4, 1), (13, 9), (16, 13)]
    assert problems[0].message == "unknown key 'titel'"
    assert problems[1].message == "unknown key 'guidence' in levels[0].steps[0]"
    assert problems[2].message == "unknown key 'titl' in levels[0].steps[0].outcomes[0]"
    assert problems[0].hint.startswith("did you mean 'title'?")
    assert problems[1].hint.startswith("did you mean 'guidance'?")
    assert problems[2].hint.startswith("did you mean 'title'?")
    assert "allowed: kind, title, description, to, step" in problems[2].hint


def test_overlay_key_in_plain_file(tmp_path: Path) -> None:
    """after:/remove: in a file that extends nothing says they need extends."""
    path = write(tmp_path, edit("        title: B\n", "        title: B\n        after: a\n"))
    p = only(problems_of(path), "overlay_key_without_extends")
    at(p, path, 21, 9)
    assert "only allowed in a file that extends" in p.message


def test_missing_required_key(tmp_path: Path) -> None:
    """A step without a title is reported at the step, naming the key."""
    path = write(tmp_path, edit("        title: C\n", ""))
    p = only(problems_of(path), "missing_key")
    at(p, path, 28, 9)
    assert p.message == "missing key 'title' in levels[2].steps[0]"
    assert p.hint.startswith("add title:")


def test_duplicate_keys(tmp_path: Path) -> None:
    """A key given twice in one mapping points to the second and names the first line."""
    path = write(tmp_path, edit("id: t\n", "id: t\nid: u\n"))
    p = only(problems_of(path), "duplicate_key")
    at(p, path, 3, 1)
    assert p.message == "duplicate key 'id'"
    assert "line 2" in p.hint


def test_unknown_format(tmp_path: Path) -> None:
    """Another format version is refused at the value, naming the supported one."""
    path = write(tmp_path, edit("format: btiflow/1", "format: btiflow/2"))
    p = only(problems_of(path), "unknown_format")
    at(p, path, 1, 9)
    assert "btiflow/1" in p.hint


def test_bad_id(tmp_path: Path) -> None:
    """A step id with capitals and æøå is reported with an example of a good id."""
    path = write(tmp_path, edit("      - id: a\n", "      - id: Første steg\n"))
    problems = problems_of(path)
    assert [p.code for p in problems] == ["expected_id"]
    p = next(p for p in problems if p.path == "levels[0].steps[0].id")
    at(p, path, 10, 13)
    assert "identifier" in p.message
    assert "del-med-leder" in p.hint


# --- semantic checks ---------------------------------------------------------------------------


def test_duplicate_step_ids(tmp_path: Path) -> None:
    """Two steps with one id: the second is reported, naming the line of the first."""
    path = write(tmp_path, edit("      - id: c\n", "      - id: b\n"))
    p = only(problems_of(path), "id_twice")
    at(p, path, 28, 13)
    assert p.message == "the id 'b' is used twice"
    assert "line 19" in p.hint


def test_unknown_conditions_and_records(tmp_path: Path) -> None:
    """An unknown condition and an unknown record are reported with did-you-mean."""
    text = edit(
        "        title: A\n",
        "        title: A\n        requires: [leader_informd]\n        records: [minuts]\n",
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["not_allowed", "not_allowed"]
    assert [(p.line, p.column) for p in problems] == [(12, 20), (13, 19)]
    assert problems[0].message == "'leader_informd' is not an allowed value"
    assert problems[0].hint.startswith("did you mean 'leader_informed'?")
    assert problems[1].message == "'minuts' is not an allowed value"
    assert problems[1].hint.startswith("did you mean 'minutes'?")


def test_unknown_advice_condition(tmp_path: Path) -> None:
    """advice when: names a built-in condition or is an error."""
    text = edit(
        "        title: A\n",
        "        title: A\n        advice:\n          - when: suspected_harn\n"
        "            text: Ring barnevernet.\n",
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "not_allowed")
    at(p, path, 13, 19)
    assert p.hint.startswith("did you mean 'suspected_harm'?")


def test_continue_to_missing_step(tmp_path: Path) -> None:
    """continue to a step that does not exist in the level is reported at step:."""
    text = edit(
        "          - kind: close\n          - kind: expand\n            to: [2]\n",
        "          - kind: close\n          - kind: continue\n            step: bb\n"
        "          - kind: expand\n            to: [2]\n",
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "continue_unknown_step")
    at(p, path, 24, 19)
    assert p.message == "'bb' is not a step of level 1"
    assert "did you mean 'b'?" in p.hint


def test_continue_without_step(tmp_path: Path) -> None:
    """continue without step: says where the work should go on."""
    text = edit(
        "          - kind: close\n          - kind: expand\n            to: [2]\n",
        "          - kind: close\n          - kind: continue\n"
        "          - kind: expand\n            to: [2]\n",
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "continue_without_step")
    at(p, path, 23, 13)
    assert "continue needs the step" in p.message


def test_expand_to_lower_level(tmp_path: Path) -> None:
    """expand from level 1 back to level 0 is refused at the target."""
    text = edit("            to: [2]\n", "            to: [0, 2]\n")
    path = write(tmp_path, text)
    p = only(problems_of(path), "expand_downward")
    at(p, path, 24, 18)
    assert p.message == "level 1 cannot expand to level 0"
    assert "higher level" in p.hint


def test_expand_to_missing_level(tmp_path: Path) -> None:
    """expand to a level the guide does not have is reported at the target."""
    text = MINIMAL.split("  - level: 3\n")[0].replace("to: [3]", "to: [2, 3]")
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["levels_missing", "expand_downward", "no_such_level"]
    p = next(p for p in problems if p.path.endswith("to[1]"))
    at(p, path, 33, 21)
    assert p.message == "there is no level 3"


def test_expand_out_of_range(tmp_path: Path) -> None:
    """expand to level 4 is out of range 0-3."""
    path = write(tmp_path, edit("to: [3]", "to: [4]"))
    problems = problems_of(path)
    assert [p.code for p in problems] == ["out_of_range"]
    p = problems[0]
    at(p, path, 33, 18)
    assert p.message == "4 is out of range"
    assert p.hint == "use a number from 0 to 3"


def test_levels_missing(tmp_path: Path) -> None:
    """A guide without level 3 is reported at levels:, naming the missing level."""
    text = MINIMAL.split("  - level: 3\n")[0].replace(
        "          - kind: expand\n            to: [3]\n", ""
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "levels_missing")
    at(p, path, 7, 3)
    assert p.message == "levels must be 0, 1, 2 and 3 in order; found [0, 1, 2] (missing 3)"


def test_levels_out_of_order(tmp_path: Path) -> None:
    """Levels given 0, 2, 1, 3 are reported as out of order."""
    lines = MINIMAL.split("  - level: ")
    text = "  - level: ".join([lines[0], lines[1], lines[3], lines[2], lines[4]])
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["levels_out_of_order"]
    assert (
        problems[0].message == "levels must be 0, 1, 2 and 3 in order; found [0, 2, 1, 3] "
        "(out of order)"
    )
    at(problems[0], path, 7, 3)


def test_level_without_steps(tmp_path: Path) -> None:
    """A level without steps is reported at the level."""
    text = edit(
        "    steps:\n      - id: d\n        title: D\n        outcomes:\n          - kind: close\n",
        "",
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["level_without_steps"]
    assert [(p.line, p.column, p.message) for p in problems] == [(34, 5, "level 3 has no steps")]


def test_unreachable_step(tmp_path: Path) -> None:
    """A step after a level's decision step is never reached, and is reported at the step."""
    text = edit("            to: [2]\n", "            to: [2]\n      - id: zz\n        title: Z\n")
    path = write(tmp_path, text)
    p = only(problems_of(path), "unreachable_step")
    at(p, path, 25, 9)
    assert p.message == "the step 'zz' can never be reached"


def test_step_with_no_path_to_close(tmp_path: Path) -> None:
    """A decision whose only outcome continues in a loop can never close the case."""
    text = edit(
        "          - kind: close\n          - kind: expand\n            to: [2]\n",
        "          - kind: continue\n            step: b\n",
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == [
        "step_never_closes",
        "unreachable_step",
        "unreachable_step",
    ]
    assert [(p.line, p.column, p.message) for p in problems] == [
        (19, 9, "from the step 'b' the case can never be closed"),
        (27, 9, "the step 'c' can never be reached"),
        (36, 9, "the step 'd' can never be reached"),
    ]
    assert "kind: close" in problems[0].hint


def test_duplicate_outcome_and_misplaced_keys(tmp_path: Path) -> None:
    """An outcome kind given twice, and to:/step: on the wrong kind, are each reported."""
    text = edit(
        "          - kind: close\n          - kind: expand\n            to: [2]\n",
        "          - kind: close\n            to: [2]\n          - kind: close\n"
        "          - kind: expand\n            to: [2]\n            step: b\n",
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == [
        "to_without_expand",
        "outcome_twice",
        "step_without_continue",
    ]
    assert [(p.line, p.message) for p in problems] == [
        (23, "'to' belongs to expand, not close"),
        (24, "the outcome 'close' is given twice"),
        (27, "'step' belongs to continue, not expand"),
    ]


def test_missing_translation_plain_file(tmp_path: Path) -> None:
    """A declared language that a text lacks is reported at that text."""
    text = edit("title: {nb: B, se: B sámegillii}", "title: {nb: B}", bilingual())
    text = edit("title: {nb: C, se: C sámegillii}", "title: C", text)
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["missing_translation", "missing_translation"]
    assert [(p.line, p.column, p.path) for p in problems] == [
        (20, 16, "levels[1].steps[0].title"),
        (29, 16, "levels[2].steps[0].title"),
    ]
    assert problems[0].message == "the text has no translation into se"
    assert problems[0].hint.startswith("add se: ...")


def test_duplicate_language(tmp_path: Path) -> None:
    """A language listed twice is reported at the second mention."""
    path = write(tmp_path, edit("languages: [nb]", "languages: [nb, nb]"))
    p = only(problems_of(path), "language_twice")
    at(p, path, 5, 17)
    assert "listed twice" in p.message


def test_bad_duration_months(tmp_path: Path) -> None:
    """P1M is refused with a hint that months have no fixed length."""
    text = edit("languages: [nb]\n", "languages: [nb]\ndeadlines:\n  evaluation: P1M\n")
    path = write(tmp_path, text)
    p = only(problems_of(path), "duration_in_months")
    at(p, path, 7, 15)
    assert p.message == (
        "expected a duration such as P4W (4 weeks) or P10D (10 days), found the text 'P1M'"
    )
    assert p.hint.startswith("months and years have no fixed length")


def test_bad_duration_zero_and_garbage(tmp_path: Path) -> None:
    """P0D and four weeks are refused with the weeks/days hint."""
    text = edit(
        "languages: [nb]\n",
        "languages: [nb]\ndeadlines:\n  evaluation: P0D\n  baton_offer_reminder: four weeks\n",
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["expected_duration", "expected_duration"]
    assert [(p.line, p.column) for p in problems] == [(7, 15), (8, 25)]
    assert all("P4W is 4 weeks" in p.hint for p in problems)


def test_bad_url_and_tools(tmp_path: Path) -> None:
    """A link without https://, a tool with both url and file, and one with neither."""
    text = edit(
        "        title: A\n",
        "        title: A\n        tools:\n          - title: x\n            url: www.x.no\n"
        "          - title: y\n            url: https://a.no\n            file: a.pdf\n"
        "          - title: z\n",
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["expected_url", "tool_url_or_file", "tool_url_or_file"]
    assert [(p.line, p.column) for p in problems] == [(14, 18), (15, 13), (18, 13)]
    assert (
        problems[0].message == "expected a link starting with https://, found the text 'www.x.no'"
    )
    assert "https://www.snakkemedbarn.no" in problems[0].hint
    assert problems[1].message == "a tool needs exactly one of url or file"
    assert problems[2].message == "a tool needs exactly one of url or file"


def test_bad_tool_file(tmp_path: Path) -> None:
    """A tool file that leaves the guide's folder is refused."""
    text = edit(
        "        title: A\n",
        "        title: A\n        tools:\n          - title: x\n"
        "            file: ../../etc/passwd\n",
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "expected_file")
    at(p, path, 14, 19)
    assert "relative" in p.hint


def test_five_different_mistakes(tmp_path: Path) -> None:
    """A file with five different mistakes reports all five, each at its line and column."""
    text = edit("title: T\n", "titel: T\n")  # 1: unknown key (and so missing title)
    text = edit("languages: [nb]\n", "languages: [nb]\ndeadlines:\n  evaluation: P1M\n", text)
    text = edit("      - id: c\n", "      - id: b\n", text)  # 3: duplicate id
    text = edit("        title: A\n", "        title: A\n        requires: [magic]\n", text)
    text = edit("            to: [3]\n", "            to: [1]\n", text)  # 5: expand down
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == [
        "missing_top_key",
        "unknown_top_key",
        "duration_in_months",
        "not_allowed",
        "id_twice",
        "expand_downward",
    ]
    found = [(p.line, p.column, p.message) for p in problems]
    assert found == [
        (1, 1, "missing key 'title' at the top of the file"),
        (4, 1, "unknown key 'titel'"),
        (
            7,
            15,
            "expected a duration such as P4W (4 weeks) or P10D (10 days), found the text 'P1M'",
        ),
        (14, 20, "'magic' is not an allowed value"),
        (31, 13, "the id 'b' is used twice"),
        (36, 18, "level 2 cannot expand to level 1"),
    ]
    assert problems[1].hint.startswith("did you mean 'title'?")
    assert all(p.file == str(path) for p in problems)


def test_check_workflow_returns_problems_without_raising(tmp_path: Path) -> None:
    """check_workflow returns (None, problems) for a bad file and (workflow, []) for a good one."""
    wf, problems = check_workflow(write(tmp_path, MINIMAL, "good.yaml"))
    assert wf is not None
    assert problems == []
    wf, problems = check_workflow(write(tmp_path, edit("id: t", "id: T"), "bad.yaml"))
    assert wf is None
    assert len(problems) == 1


def test_text_api_names_the_source() -> None:
    """load_workflow_text reports problems under the given name."""
    with pytest.raises(WorkflowError) as info:
        load_workflow_text(edit("id: t", "id: T"), name="mine.yaml")
    p = only(info.value.problems, "expected_id")
    assert (p.file, p.line, p.column) == ("mine.yaml", 2, 5)
    assert str(info.value).startswith("1 problem i veiviseren:\nmine.yaml:2:5: ventet en id")


def test_workflow_error_is_a_value_error(tmp_path: Path) -> None:
    """WorkflowError is a ValueError and a BtiflowError, so callers may catch either."""
    from btiflow import BtiflowError

    with pytest.raises(ValueError, match="fant ikke filen"):
        load_workflow(tmp_path / "x.yaml")
    with pytest.raises(BtiflowError):
        load_workflow(tmp_path / "x.yaml")


# --- overlays ----------------------------------------------------------------------------------


def test_overlay_changes_text_deadline_and_steps(tmp_path: Path) -> None:
    """extends: bti changes a text and a deadline, adds a step after:, removes one, adds tools."""
    text = OVERLAY_HEAD + (
        "title: Handlingsveileder for Testkommune\n"
        "deadlines:\n"
        "  evaluation: P6W\n"
        "levels:\n"
        "  - level: 1\n"
        "    steps:\n"
        "      - id: n1-ny\n"
        "        after: n1-kontaktperson\n"
        "        title: Nytt steg\n"
        "      - id: n1-iverksett\n"
        "        add_tools:\n"
        "          - title: Vår tiltaksplan\n"
        "            url: https://testkommune.no/tiltak\n"
        "  - level: 0\n"
        "    steps:\n"
        "      - id: n0-grunn-til-oppfolging\n"
        "        remove: true\n"
    )
    wf = load_workflow(write(tmp_path, text))
    base = load_workflow(WORKFLOWS / "bti.yaml")
    assert str(wf.title) == "Handlingsveileder for Testkommune"
    assert wf.deadlines.evaluation is not None
    assert wf.deadlines.evaluation.iso == "P6W"
    assert wf.deadlines.baton_offer_reminder == base.deadlines.baton_offer_reminder
    ids = [s.id for s in wf.level(1).steps]
    assert ids[:3] == ["n1-kontaktperson", "n1-ny", "n1-felles-forstaelse"]
    assert "n0-grunn-til-oppfolging" not in [s.id for s in wf.level(0).steps]
    _, step = wf.find_step("n1-iverksett")
    _, base_step = base.find_step("n1-iverksett")
    assert step.tools[: len(base_step.tools)] == base_step.tools
    assert step.tools[-1].url == "https://testkommune.no/tiltak"
    assert wf.content_hash != base.content_hash
    assert (wf.id, wf.version) == ("kx", "1")


def test_overlay_adds_a_language(tmp_path: Path) -> None:
    """An overlay may add a translation to a text of the guide it extends."""
    text = OVERLAY_HEAD + "title: {se: Bargobagadus}\n"
    wf = load_workflow(write(tmp_path, text))
    assert wf.title["se"] == "Bargobagadus"
    assert wf.title["nb"] == load_workflow(WORKFLOWS / "bti.yaml").title["nb"]


def test_overlay_problems_point_into_the_overlay(tmp_path: Path) -> None:
    """Mistakes in an overlay are reported in the overlay file at their line and column."""
    text = OVERLAY_HEAD + (
        "levels:\n"  # 4
        "  - level: 1\n"
        "    steps:\n"
        "      - id: n1-ny\n"
        "        after: n1-kontakperson\n"  # 8
        "        title: Nytt\n"
        "        guidence: x\n"  # 10
        "      - id: n1-iverksett\n"
        "        requires: [nope]\n"  # 12
        "      - id: n1-borte\n"
        "        remove: true\n"
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == [
        "after_unknown",
        "unknown_key",
        "not_allowed",
        "remove_unknown",
    ]
    assert all(p.file == str(path) for p in problems)
    assert [(p.line, p.column) for p in problems] == [(8, 16), (10, 9), (12, 20), (13, 9)]
    assert problems[0].message == "'after: n1-kontakperson' names no step of this list"
    assert problems[0].hint.startswith("did you mean 'n1-kontaktperson'?")
    assert problems[1].message.startswith("unknown key 'guidence'")
    assert problems[2].message == "'nope' is not an allowed value"
    assert problems[3].message == "cannot remove 'n1-borte': the guide extended has no such id"


def test_overlay_semantic_problem_points_into_the_overlay(tmp_path: Path) -> None:
    """A dangling continue written in the overlay is reported in the overlay."""
    text = OVERLAY_HEAD + (
        "levels:\n"
        "  - level: 1\n"
        "    steps:\n"
        "      - id: n1-avklar-behov\n"
        "        outcomes:\n"
        "          - kind: continue\n"
        "            step: n1-iverksette\n"  # 10
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "continue_unknown_step")
    at(p, path, 10, 19)
    assert p.message == "'n1-iverksette' is not a step of level 1"
    assert p.hint.startswith("did you mean 'n1-iverksett'?")


def test_overlay_remove_needs_true(tmp_path: Path) -> None:
    """remove: yes (text, not a boolean) is an error, not silently ignored."""
    text = OVERLAY_HEAD + (
        "levels:\n  - level: 0\n    steps:\n      - id: n0-grunn-til-oppfolging\n"
        "        remove: yes\n"
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "remove_not_true")
    at(p, path, 8, 17)
    assert p.message == "remove takes true, found the text 'yes'"


def test_overlay_same_id_twice(tmp_path: Path) -> None:
    """Two new steps with one id in an overlay are an error, not a silent merge."""
    text = OVERLAY_HEAD + (
        "levels:\n  - level: 1\n    steps:\n"
        "      - id: n1-x\n        title: X\n        after: n1-iverksett\n"
        "      - id: n1-x\n        title: Y\n        after: n1-iverksett\n"
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "given_twice")
    at(p, path, 10, 9)
    assert p.message == "the id 'n1-x' is given twice in this list"
    assert "line 7" in p.hint


def test_overlay_step_id_not_text(tmp_path: Path) -> None:
    """A list where an overlay's step id belongs is a shape problem, not a TypeError."""
    text = OVERLAY_HEAD + (
        "levels:\n  - level: 1\n    steps:\n      - id: [n1-x]\n        title: X\n"
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["expected_id"]
    assert any((p.line, p.column) == (7, 13) and "identifier" in p.message for p in problems)


def test_overlay_add_tools_not_a_list(tmp_path: Path) -> None:
    """add_tools given a number is reported at the value."""
    text = OVERLAY_HEAD + (
        "levels:\n  - level: 1\n    steps:\n      - id: n1-iverksett\n        add_tools: 3\n"
    )
    path = write(tmp_path, text)
    p = only(problems_of(path), "add_not_list")
    at(p, path, 8, 20)
    assert "add_tools" in p.message


def test_overlay_missing_translation(tmp_path: Path) -> None:
    """An overlay declaring se reports its own untranslated texts, and the base's in one line."""
    text = OVERLAY_HEAD + (
        "languages: [nb, se]\n"  # 4
        "title: Tittel\n"  # 5
        "introduction: {nb: Innledning, se: Álgu}\n"
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [p.code for p in problems] == ["inherited_missing_translation", "missing_translation"]
    assert all(p.file == str(path) for p in problems)
    assert [(p.line, p.column) for p in problems] == [(4, 12), (5, 8)]
    assert "texts of the guide extended have no 'se'" in problems[0].message
    assert "introduction" not in problems[0].message.split("(")[1].split(",")[0]
    assert problems[1].message == "the text has no translation into se"


def test_overlay_id_and_version_required(tmp_path: Path) -> None:
    """An overlay must give its own id and version."""
    path = write(tmp_path, "extends: bti\ntitle: X\n")
    problems = problems_of(path)
    assert [p.code for p in problems] == ["overlay_missing_key", "overlay_missing_key"]
    assert [p.message for p in problems] == [
        "missing key 'id' at the top of the file",
        "missing key 'version' at the top of the file",
    ]
    assert all((p.line, p.column) == (1, 1) for p in problems)


def test_extends_missing_guide(tmp_path: Path) -> None:
    """extends of a guide that does not exist is reported at the name, suggesting shipped ones."""
    path = write(tmp_path, 'extends: btx\nid: k\nversion: "1"\n')
    p = only(problems_of(path), "extends_not_found")
    at(p, path, 1, 10)
    assert p.message == "the guide 'btx' to extend was not found"
    assert "did you mean 'bti'?" in p.hint


def test_extends_not_a_name(tmp_path: Path) -> None:
    """extends: with a number is reported at the value."""
    path = write(tmp_path, 'extends: 5\nid: k\nversion: "1"\n')
    p = only(problems_of(path), "extends_empty")
    at(p, path, 1, 10)
    assert "extends must name a guide" in p.message


def test_extends_cycle(tmp_path: Path) -> None:
    """a.yaml extends b.yaml extends a.yaml is reported as a circle, not a RecursionError."""
    a = write(tmp_path, 'extends: b.yaml\nid: a\nversion: "1"\n', "a.yaml")
    b = write(tmp_path, 'extends: a.yaml\nid: b\nversion: "1"\n', "b.yaml")
    p = only(problems_of(a), "extends_circle")
    assert p.file.endswith("b.yaml")
    assert Path(p.file).resolve() == b.resolve()
    assert (p.line, p.column) == (1, 10)
    assert "circle" in p.message


def test_extends_itself(tmp_path: Path) -> None:
    """A file that extends itself is a circle."""
    path = write(tmp_path, 'extends: guide.yaml\nid: a\nversion: "1"\n')
    p = only(problems_of(path), "extends_circle")
    at(p, path, 1, 10)
    assert "circle" in p.message


def test_extends_broken_base(tmp_path: Path) -> None:
    """A mistake in the guide extended is reported in that guide's file."""
    write(tmp_path, "format: btiflow/1\nid: [b\n", "base.yaml")
    a = write(tmp_path, 'extends: base\nid: a\nversion: "1"\n', "a.yaml")
    p = only(problems_of(a), "yaml_syntax")
    assert p.file.endswith("base.yaml")
    assert (p.line, p.column) == (3, 1)


def test_extends_something_not_a_workflow(tmp_path: Path) -> None:
    """Extending a file that holds plain text is a problem, not a silent failure."""
    write(tmp_path, "just some words\n", "notes.yaml")
    a = write(tmp_path, 'extends: notes.yaml\nid: a\nversion: "1"\n', "a.yaml")
    wf, problems = check_workflow(a)
    assert wf is None
    p = only(tuple(problems), "extends_not_workflow")
    assert p.file.endswith("notes.yaml")
    assert p.code == "extends_not_workflow"


def test_extends_chain(tmp_path: Path) -> None:
    """An overlay may extend another overlay; the innermost guide is bti."""
    write(tmp_path, 'extends: bti\nid: mid\nversion: "1"\ntitle: Midt\n', "mid.yaml")
    a = write(
        tmp_path,
        'extends: mid\nid: top\nversion: "2"\nconsent:\n  self_consent_age: 16\n',
        "top.yaml",
    )
    wf = load_workflow(a)
    assert (wf.id, str(wf.title), wf.consent.self_consent_age) == ("top", "Midt", 16)


def test_shipped_overlays_extend_bti() -> None:
    """Every shipped file other than bti.yaml loads, and those that extend bti keep its levels."""
    bti = load_workflow(WORKFLOWS / "bti.yaml")
    for path in sorted(WORKFLOWS.glob("*.yaml")):
        wf = load_workflow(path)
        assert [lv.level for lv in wf.levels] == [lv.level for lv in bti.levels]
        assert wf.content_hash


def test_url_that_python_cannot_split_is_a_located_problem(tmp_path: Path) -> None:
    """A link with a stray '[' (read as an IPv6 address) is a problem, not a ValueError."""
    text = (WORKFLOWS / "bti.yaml").read_text(encoding="utf-8")
    text = text.replace("url: https://www.snakkemedbarn.no", "url: https://[snakkemedbarn")
    path = tmp_path / "bti.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorkflowError) as caught:
        load_workflow(path)
    (problem,) = caught.value.problems
    assert problem.code == "expected_url"
    assert problem.line == text[: text.index("https://[")].count("\n") + 1


def _overlay(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "testby.yaml"
    path.write_text(
        'format: btiflow/1\nextends: bti\nid: testby\nversion: "1"\n' + body, encoding="utf-8"
    )
    return path


def test_a_translated_guide_falls_back_to_its_own_language() -> None:
    """In the nynorsk guide every text's first language is nn, so a missing 'se' shows nynorsk."""
    wf = load_workflow(WORKFLOWS / "nore-og-uvdal.yaml")
    step = wf.level(1).steps[0]
    assert step.title.languages[0] == "nn"
    assert step.title.get("se") == step.title["nn"]
    assert str(wf.title) == wf.title["nn"]


def test_add_advice_keeps_the_child_welfare_advice(tmp_path: Path) -> None:
    """add_advice appends to a step's advice instead of replacing the standard guide's."""
    path = _overlay(
        tmp_path,
        (
            "levels:\n  - level: 0\n    steps:\n      - id: n0-konkretiser\n"
            "        add_advice:\n          - text: Ring barnevernvakta utenom kontortid.\n"
        ),
    )
    advice = [a.text.get() for a in load_workflow(path).level(0).steps[0].advice]
    assert len(advice) == 2
    assert advice[0].startswith("Dersom bekymringen gjelder mulig vold")
    assert advice[1] == "Ring barnevernvakta utenom kontortid."


def test_a_principle_can_be_removed_but_a_level_cannot(tmp_path: Path) -> None:
    """remove: true drops a principle; on a level it is a located problem."""
    path = _overlay(tmp_path, "principles:\n  - id: trygghet\n    remove: true\n")
    assert [p.id for p in load_workflow(path).principles] == [
        "barnets-beste",
        "barns-medvirkning",
        "inkludering",
    ]
    path = _overlay(tmp_path, "levels:\n  - level: 2\n    remove: true\n")
    with pytest.raises(WorkflowError) as caught:
        load_workflow(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (str(path), 7, 5)
    assert problem.code == "not_movable"
    assert problem.message == "«remove» går ikke an for et nivå"


def test_extends_reads_only_guide_files(tmp_path: Path) -> None:
    """extends naming a path that is not a .yaml file is refused before anything is read."""
    path = tmp_path / "x.yaml"
    path.write_text(
        'format: btiflow/1\nextends: /etc/passwd\nid: x\nversion: "1"\n', encoding="utf-8"
    )
    with pytest.raises(WorkflowError) as caught:
        load_workflow(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (2, 10)
    assert problem.code == "extends_not_yaml"
    assert problem.message == "«/etc/passwd» er ikke en .yaml-fil"


def test_an_overlong_extends_name_is_a_short_located_problem() -> None:
    """extends with a name too long for the file system is 'not found', quoted in short."""
    text = "format: btiflow/1\nextends: " + "a" * 5000 + '\nid: x\nversion: "1"\n'
    with pytest.raises(WorkflowError) as caught:
        load_workflow_text(text, "x.yaml", WORKFLOWS)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (2, 10)
    assert problem.code == "extends_not_found"
    assert problem.message.startswith("fant ikke veiviseren «aaaa")
    assert problem.message.endswith("…» som skal utvides")
    assert len(str(problem)) < 600
