"""The guides btiflow ships: the standard guide and three municipalities that extend it."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from btiflow.render.site import render_site
from btiflow.workflow.load import (
    check_workflow,
    check_workflow_text,
    load_workflow,
    load_workflow_text,
)
from btiflow.workflow.model import Outcome, Text, Workflow

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
SHIPPED = ("bti", "kafjord", "nore-og-uvdal", "sortland")
MUNICIPALITIES = ("kafjord", "nore-og-uvdal", "sortland")
SAMI_LETTERS = "Áá Čč Đđ Ŋŋ Šš Ŧŧ Žž"


def _load(name: str) -> Workflow:
    return load_workflow(WORKFLOWS / f"{name}.yaml")


def _source(name: str) -> str:
    return (WORKFLOWS / f"{name}.yaml").read_text(encoding="utf-8")


def _texts(value: Any, path: str = "") -> Iterator[tuple[str, Text]]:
    """Every text of a loaded workflow, with its path (levels[0].steps[1].title)."""
    if isinstance(value, Text):
        yield path, value
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            sub = f"{path}.{field.name}" if path else field.name
            yield from _texts(getattr(value, field.name), sub)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _texts(item, f"{path}[{i}]")


def _outcome(workflow: Workflow, step_id: str, kind: str) -> Outcome:
    """The outcome ``kind`` of a step, which the test expects to exist."""
    outcome = workflow.find_step(step_id)[1].outcome(kind)
    assert outcome is not None, f"{step_id} has no {kind} outcome"
    return outcome


def _step_ids(workflow: Workflow) -> list[str]:
    return [step.id for _, step in workflow.steps()]


def test_the_four_guides_are_shipped() -> None:
    """workflows/ holds the standard guide and the three municipalities' guides."""
    assert sorted(p.stem for p in WORKFLOWS.glob("*.yaml")) == sorted(SHIPPED)


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_workflow_loads_without_problems(path: Path) -> None:
    """Each file in workflows/ loads with no problem at all, and its id is its file name."""
    workflow, problems = check_workflow(path)
    assert [str(p) for p in problems] == []
    assert workflow is not None
    assert workflow.id == path.stem
    assert workflow.version == "2026.1"


@pytest.mark.parametrize("name", MUNICIPALITIES)
def test_municipal_guides_extend_bti_and_keep_its_four_levels(name: str) -> None:
    """A municipality's guide extends bti and keeps its levels 0-3 and every one of its steps."""
    assert "\nextends: bti\n" in _source(name)
    workflow, standard = _load(name), _load("bti")
    assert [level.level for level in workflow.levels] == [0, 1, 2, 3]
    assert _step_ids(workflow) == _step_ids(standard)
    assert _outcome(workflow, "n1-avklar-behov", "expand").to == (2, 3)


def test_kafjord_carries_north_sami_text_beside_bokmal() -> None:
    """Kåfjord is complete in bokmål and gives its title and guide link in North Sámi too."""
    workflow = _load("kafjord")
    assert workflow.languages == ("nb",)
    assert workflow.title["se"] == "BTI – Gáivuona suohkan"
    assert workflow.title["nb"].endswith("Kåfjord kommune")
    tool = workflow.find_step("n0-konkretiser")[1].tools[-1]
    assert tool.url == "https://kafjord.bedreinnsats.no/"
    assert tool.title["se"] == "Gáivuona suohkana BTI-bagadus"


def test_kafjord_tells_guardians_they_can_follow_the_relay_log() -> None:
    """Kåfjord's advice says guardians follow the process and get invitations by e-mail."""
    workflow = _load("kafjord")
    baton = " ".join(a.text["nb"] for a in workflow.find_step("n1-kontaktperson")[1].advice)
    assert "Foresatte eller andre ansvarspersoner har tilgang til stafettloggen" in baton
    assert "til enhver tid" in baton
    meeting = workflow.find_step("n1-felles-forstaelse")[1].advice[0].text["nb"]
    assert "også på e-post" in meeting


def _sami_guide(text: str) -> str:
    return (
        "format: btiflow/1\n"
        "extends: bti\n"
        "id: gaivuotna\n"
        'version: "1"\n'
        "title:\n"
        "  nb: Kåfjord kommune\n"
        f"  se: {text}\n"
        "levels:\n"
        "  - level: 0\n"
        "    steps:\n"
        "      - id: n0-konkretiser\n"
        "        guidance:\n"
        "          nb: Konkretiser bekymringen.\n"
        f"          se: {text}\n"
    )


def test_north_sami_letters_round_trip_exactly_through_text() -> None:
    """Every North Sámi letter, lower and upper case, comes back unchanged from a text load."""
    text = f"Gáivuona suohkan {SAMI_LETTERS}"
    workflow = load_workflow_text(_sami_guide(text), "gaivuotna.yaml", base_dir=WORKFLOWS)
    assert workflow.title["se"] == text
    guidance = workflow.find_step("n0-konkretiser")[1].guidance
    assert guidance is not None
    assert guidance["se"] == text
    assert [ord(c) for c in workflow.title["se"][-20:]] == [ord(c) for c in SAMI_LETTERS]


def test_north_sami_letters_round_trip_exactly_through_a_utf8_file(tmp_path: Path) -> None:
    """The same letters survive being written to a UTF-8 file and loaded from it."""
    text = f"ŊŊ ŧŧ {SAMI_LETTERS}"
    path = tmp_path / "gaivuotna.yaml"
    path.write_text(_sami_guide(text), encoding="utf-8")
    assert load_workflow(path).title["se"] == text


def test_nore_og_uvdal_is_complete_in_nynorsk() -> None:
    """Every text of Nore og Uvdal's guide, from the guide extended too, has a nynorsk version."""
    workflow = _load("nore-og-uvdal")
    assert workflow.languages == ("nn",)
    texts = list(_texts(workflow))
    assert len(texts) > 90  # title, introduction, principles, levels, steps, tools, outcomes
    assert [path for path, text in texts if "nn" not in text.languages] == []
    assert workflow.title["nn"].startswith("Handlingsrettleiar – Betre tverrfagleg innsats")
    assert workflow.level(0).title["nn"] == "Tidleg innsats – uro oppstår"
    assert workflow.principles[2].title["nn"] == "Tryggleik"
    step = workflow.find_step("n1-evaluer")[1]
    assert step.questions[0]["nn"].startswith("Oppleving av tiltaka:")
    outcome = _outcome(workflow, "n3-avklar-behov", "expand")
    assert outcome.title is not None
    assert outcome.title["nn"] == "Utviding"
    assert outcome.to == (3,)  # kept from bti: the overlay gives only texts


def test_nore_og_uvdal_missing_one_translation_is_a_problem() -> None:
    """Dropping one nynorsk title from a copy names the text that now lacks nn."""
    source = _source("nore-og-uvdal")
    removed = "        title: Grunn til vidare oppfølging?\n"
    assert removed in source
    workflow, problems = check_workflow_text(
        source.replace(removed, ""), "copy.yaml", base_dir=WORKFLOWS
    )
    assert workflow is None
    assert len(problems) == 1
    assert problems[0].path == "languages"
    assert problems[0].code == "inherited_missing_translation"
    assert "«nn»" in problems[0].message
    assert "levels[0].steps[3].title" in problems[0].message


def test_nore_og_uvdal_relay_log_follows_the_child_only_with_consent() -> None:
    """Nore og Uvdal's guidance says the relay log follows the child only with consent."""
    guidance = _load("nore-og-uvdal").find_step("n2-kontakt-enheter")[1].guidance
    assert guidance is not None
    assert "berre når foreldra/dei føresette har gitt samtykke" in guidance["nn"]


def test_sortland_self_consent_age_differs_from_the_standard() -> None:
    """Sortland sets the age of a young person's own consent to 16; the standard guide has 15."""
    assert _load("sortland").consent.self_consent_age == 16
    assert _load("bti").consent.self_consent_age == 15


def test_sortland_guides_the_choice_of_baton_holder() -> None:
    """Sortland says who holds the baton per level and what to weigh at a change of level."""
    workflow = _load("sortland")
    first = workflow.find_step("n1-kontaktperson")[1]
    assert first.guidance is not None
    assert "nær barnet i hverdagen" in first.guidance["nb"]
    assert first.advice[0].text["nb"].startswith("Hva gjør stafettholder?")
    for step_id in ("n2-kontakt-enheter", "n3-kontakt-instanser"):
        step = workflow.find_step(step_id)[1]
        assert [q["nb"].split(":")[0] for q in step.questions] == [
            "Barnets/ungdommens/familiens ønsker",
            "Tiltakenes karakter og omfang",
            "Forventet koordineringsbehov og deltakeres stillingstype",
        ]
        assert "mottatt og akseptert av en ny stafettholder" in step.advice[0].text["nb"]
    level3 = workflow.find_step("n3-kontakt-instanser")[1].guidance
    assert level3 is not None
    assert "ansvarsgruppe/tverrfaglig team" in level3["nb"]


def test_sortland_adds_its_evaluation_questions_after_the_standard_ones() -> None:
    """Sortland's four decision questions are added; bti's evaluation questions are kept."""
    workflow, standard = _load("sortland"), _load("bti")
    decision = workflow.find_step("n2-avklar-behov")[1]
    assert [q["nb"] for q in decision.questions] == [
        "Skal tiltaket avsluttes?",
        "Tiltaket har effekt, men man er fremdeles ikke i mål – skal arbeidet fortsette?",
        "Kan det iverksettes andre tiltak?",
        "Tiltaket har ikke gitt ønsket effekt – er det behov for hjelp fra andre tjenester?",
    ]
    assert standard.find_step("n2-avklar-behov")[1].questions == ()
    evaluate = workflow.find_step("n2-evaluer")[1]
    assert evaluate.questions == standard.find_step("n2-evaluer")[1].questions


def test_content_hash_differs_between_guides() -> None:
    """Each shipped guide has its own content hash, a SHA-256 in hex."""
    hashes = {name: _load(name).content_hash for name in SHIPPED}
    assert len(set(hashes.values())) == len(SHIPPED)
    for value in hashes.values():
        assert len(value) == 64
        assert int(value, 16) >= 0


@pytest.mark.parametrize("name", SHIPPED)
def test_content_hash_is_stable_across_loads(name: str) -> None:
    """Loading the same file twice gives the same hash, and an equal workflow."""
    first, second = _load(name), _load(name)
    assert first.content_hash == second.content_hash
    assert first == second


def test_changing_one_text_in_a_copy_changes_the_hash() -> None:
    """A copy of Kåfjord's guide hashes the same until one text in it changes."""
    source = _source("kafjord")
    original = _load("kafjord").content_hash
    copy = load_workflow_text(source, "copy.yaml", base_dir=WORKFLOWS)
    assert copy.content_hash == original
    commented = load_workflow_text("# a comment\n" + source, "copy.yaml", base_dir=WORKFLOWS)
    assert commented.content_hash == original
    changed_source = source.replace("se: BTI – Gáivuona suohkan", "se: BTI – Gáivuona suohkan.")
    assert changed_source != source
    changed = load_workflow_text(changed_source, "copy.yaml", base_dir=WORKFLOWS)
    assert changed.title["se"] == "BTI – Gáivuona suohkan."
    assert changed.content_hash != original


DOCS = WORKFLOWS.parent / "docs"


@pytest.mark.parametrize("doc", ["workflow-format.md", "for-municipalities.md"])
def test_whole_guides_shown_in_the_docs_load(doc: str) -> None:
    """Every YAML example in the docs that is a whole guide or overlay loads without problems."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    guides = [b for b in blocks if "format: btiflow/1" in b]
    assert guides
    for i, block in enumerate(guides):
        _, problems = check_workflow_text(block, f"{doc}-{i}.yaml", base_dir=WORKFLOWS)
        assert [str(p) for p in problems] == []


def _guidance(workflow: Workflow, step_id: str) -> str:
    step = next(s for lv in workflow.levels for s in lv.steps if s.id == step_id)
    assert step.guidance is not None
    return step.guidance.get()


def test_bti_carries_what_the_source_says_about_documenting() -> None:
    """The standard guide has the source's 'Husk å dokumentere …' at every planning and evaluation
    step, 'i eget dokumentasjonssystem' when closing, and the principles' and templates' notes."""
    bti = _load("bti")
    remember = "Husk å dokumentere hva dere blir enig om"
    for step_id in ("n1-felles-forstaelse", "n1-evaluer", "n2-planlegg", "n2-evaluer"):
        assert remember in " ".join(_guidance(bti, step_id).split()), step_id
    for step_id in ("n3-planlegg", "n3-evaluer"):
        assert remember in " ".join(_guidance(bti, step_id).split()), step_id
    for step_id in ("n1-avklar-behov", "n2-avklar-behov"):
        closing = _outcome(bti, step_id, "close").description
        assert closing is not None
        assert "i eget dokumentasjonssystem" in closing.get(), step_id
    assert bti.introduction is not None
    intro = bti.introduction.get()
    assert "utgjør fundamentet for arbeidet" in intro
    assert "For barnehage og skole finnes alle maler tilgjengelig" in intro


@pytest.mark.parametrize("name", SHIPPED)
def test_a_rendered_shipped_guide_links_no_missing_file(name: str, tmp_path: Path) -> None:
    """Rendering a shipped guide finds every tool file it links: no dead link on the site."""
    site = render_site(_load(name), tmp_path / "site")
    assert site.missing_files == ()
