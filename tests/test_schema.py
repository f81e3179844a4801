"""The JSON Schema of the format: valid, matches the loader's keys, accepts every shipped file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from btiflow.workflow import model
from btiflow.workflow.load import check_workflow
from btiflow.workflow.schema import json_schema
from btiflow.workflow.shape import KEYED_LISTS, OVERLAY_KEYS, fields_of
from btiflow.workflow.yamlsource import parse_file, parse_text

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / "workflows").glob("*.yaml"))
BTI = (ROOT / "workflows" / "bti.yaml").read_text(encoding="utf-8")


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema())


def _errors(text: str) -> list[jsonschema.ValidationError]:
    tree, problems = parse_text(text, "test.yaml")
    assert not problems, problems
    return list(_validator().iter_errors(tree))


def _classes() -> list[type]:
    """Every class reachable from Workflow through the format's keys."""
    found: list[type] = []
    todo: list[type] = [model.Workflow]
    while todo:
        cls = todo.pop(0)
        if cls in found:
            continue
        found.append(cls)
        for field in fields_of(cls):
            kind = field.kind[1] if field.kind[0] == "list" else field.kind
            if kind[0] == "class":
                todo.append(kind[1])
    return found


def _loader_problems(tmp_path: Path, text: str) -> list[str]:
    """The codes of the loader's problems with ``text`` (``[]`` when it loads)."""
    path = tmp_path / "test.yaml"
    path.write_text(text, encoding="utf-8")
    workflow, problems = check_workflow(path)
    assert (workflow is None) == bool(problems)
    return [p.code for p in problems]


def test_schema_is_valid_draft_2020_12() -> None:
    """The generated schema is itself a valid draft 2020-12 JSON Schema."""
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_there_are_shipped_workflows() -> None:
    """The corpus below is not empty, so the per-file test cannot pass vacuously."""
    assert any(path.name == "bti.yaml" for path in WORKFLOWS)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_every_shipped_workflow_validates_against_the_schema(path: Path) -> None:
    """Each file in workflows/ (complete or extending another) is valid by the schema."""
    tree, problems = parse_file(path)
    assert not problems
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(tree)]
    assert errors == []


@pytest.mark.parametrize("cls", _classes(), ids=lambda cls: cls.__name__)
def test_schema_keys_equal_the_loaders_keys(cls: type) -> None:
    """Each class's schema properties are exactly fields_of(cls), plus overlay keys in overlays."""
    defs: dict[str, Any] = json_schema()["$defs"]
    names = [f.name for f in fields_of(cls)]
    assert list(defs[cls.__name__]["properties"]) == names
    assert defs[cls.__name__]["additionalProperties"] is False
    required = [f.name for f in fields_of(cls) if f.required]
    assert defs[cls.__name__].get("required", []) == required
    overlay = defs.get(cls.__name__ + "Overlay")
    if overlay is not None:
        assert list(overlay["properties"]) == names + list(OVERLAY_KEYS.get(cls, {}))
        assert overlay["additionalProperties"] is False


def test_every_class_and_overlay_key_is_in_the_schema() -> None:
    """Every class has a definition, and each overlay-only key appears in an overlay definition."""
    defs: dict[str, Any] = json_schema()["$defs"]
    for cls in _classes():
        assert cls.__name__ in defs
    for cls, keys in OVERLAY_KEYS.items():
        assert set(keys) <= set(defs[cls.__name__ + "Overlay"]["properties"])
    for (cls, name), _key in KEYED_LISTS.items():
        assert name in defs[cls.__name__ + "Overlay"]["properties"]


def test_descriptions_come_from_the_model() -> None:
    """Editors show the doc of each key, taken from the model's metadata."""
    defs: dict[str, Any] = json_schema()["$defs"]
    consent = defs["Consent"]["properties"]["self_consent_age"]
    assert consent["description"] == fields_of(model.Consent)[0].doc
    assert (consent["minimum"], consent["maximum"]) == (12, 18)
    assert defs["Workflow"]["properties"]["format"]["const"] == "btiflow/1"


def test_unknown_key_fails_the_schema_and_the_loader(tmp_path: Path) -> None:
    """A mistyped key in a step ('titel') is refused by the schema, as by the loader."""
    text = BTI.replace(
        "      - id: n0-del-med-leder\n", "      - id: n0-del-med-leder\n        titel: x\n", 1
    )
    assert text != BTI
    errors = _errors(text)
    assert [(list(e.absolute_path), e.validator) for e in errors] == [
        (["levels", 0, "steps", 1], "additionalProperties")
    ]
    assert "'titel'" in errors[0].message
    assert "unknown_key" in _loader_problems(tmp_path, text)


def test_unknown_top_level_key_fails_the_schema() -> None:
    """An unknown key at the top of a complete guide is refused."""
    errors = _errors(BTI.replace("consent:\n", "samtykke:\n  x: 1\nconsent:\n", 1))
    assert [e.validator for e in errors] == ["additionalProperties"]
    assert "'samtykke'" in errors[0].message


def test_unknown_key_in_an_overlay_fails_the_schema() -> None:
    """A file that extends bti may omit titles, but a mistyped key is still refused."""
    overlay = (
        "extends: bti\nid: test\nversion: '1'\nlevels:\n  - level: 0\n    steps:\n"
        "      - id: n0-konkretiser\n        add_questions: [Hvem har sett det]\n"
    )
    assert _errors(overlay) == []
    errors = _errors(overlay + "        tittel: Noe annet\n")
    assert [list(e.absolute_path) for e in errors] == [["levels", 0, "steps", 0]]
    assert "'tittel'" in errors[0].message


def test_overlay_keys_are_refused_without_extends(tmp_path: Path) -> None:
    """'add_questions' on a step of a complete guide is refused by the schema and the loader."""
    text = BTI.replace(
        "      - id: n0-del-med-leder\n",
        "      - id: n0-del-med-leder\n        add_questions: [Hva nå]\n",
        1,
    )
    errors = _errors(text)
    assert [e.validator for e in errors] == ["additionalProperties"]
    assert "overlay_key_without_extends" in _loader_problems(tmp_path, text)


@pytest.mark.parametrize("duration", ["4W", "P4w", "P 4W", "P1M", "P1Y", "P", "P0W", "P4W2"])
def test_mistyped_duration_fails_the_schema_and_the_loader(tmp_path: Path, duration: str) -> None:
    """A duration that is not weeks/days (or is zero) is refused by both the schema and loader."""
    text = BTI.replace("evaluation: P4W", f"evaluation: {duration}", 1)
    errors = _errors(text)
    assert [list(e.absolute_path) for e in errors] == [["deadlines", "evaluation"]]
    codes = _loader_problems(tmp_path, text)
    assert codes in (["expected_duration"], ["duration_in_months"]), codes


@pytest.mark.parametrize("duration", ["P4W", "P10D", "P2W3D", "P0W1D"])
def test_good_durations_pass_the_schema_and_the_loader(tmp_path: Path, duration: str) -> None:
    """Weeks and days in ISO 8601 are accepted by both."""
    text = BTI.replace("evaluation: P4W", f"evaluation: {duration}", 1)
    assert _errors(text) == []
    assert _loader_problems(tmp_path, text) == []


@pytest.mark.parametrize(
    ("line", "bad"),
    [
        ("url: https://www.snakkemedbarn.no", "file: /etc/passwd"),
        ("url: https://www.snakkemedbarn.no", "file: ../hemmelig.pdf"),
        ("url: https://www.snakkemedbarn.no", "file: https://x.no/a.pdf"),
        ("url: https://www.snakkemedbarn.no", "url: www.snakkemedbarn.no"),
        ("self_consent_age: 15", "self_consent_age: 11"),
        ("records: [concern]", "records: [concerns]"),
        ("- id: n0-konkretiser", "- id: N0 Konkretiser"),
        ("kind: close", "kind: closed"),
        ("to: [1]", "to: [4]"),
        ("title: Barnets beste", "title: {no: Barnets beste}"),
        ("title: Barnets beste", "title: {}"),
        ("title: Barnets beste", "title: '  '"),
        ("format: btiflow/1", "format: btiflow/2"),
    ],
)
def test_bad_values_fail_the_schema_and_the_loader(tmp_path: Path, line: str, bad: str) -> None:
    """Values the loader refuses (paths, links, ranges, names, ids, texts) the schema refuses."""
    assert line in BTI
    text = BTI.replace(line, bad, 1)
    assert _errors(text) != []
    assert _loader_problems(tmp_path, text) != []


@pytest.mark.parametrize(("value", "valid"), [("true", True), ("false", False), ("ja", False)])
def test_remove_takes_only_true(tmp_path: Path, value: str, valid: bool) -> None:
    """'remove: true' drops a step of the extended guide; any other value is refused by both."""
    text = (
        "extends: bti\nid: test\nversion: '1'\nlevels:\n  - level: 0\n    steps:\n"
        f"      - id: n0-grunn-til-oppfolging\n        remove: {value}\n"
    )
    assert (_errors(text) == []) is valid
    assert (_loader_problems(tmp_path, text) == []) is valid
