"""A hostile text — markup, an attribute break-out, Jinja2 syntax — typed into the guide's YAML
or into a case comes back as the same text on every page: escaped, never run as HTML, never
evaluated as a template (issue 13). The guide site, and the case page as staff and as the
family print it, are read as a browser's parser reads them."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from casekit import GUARDIAN, LEADER, SCHOOL, TEACHER, Clock
from click.testing import CliRunner

from btiflow.case.people import Actor
from btiflow.cli import main
from btiflow.engine import Engine
from btiflow.render.site import render_site
from btiflow.store.sqlite import SqliteStore
from btiflow.workflow.load import load_workflow

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{ 7*7 }} {% raw %}'


class _Read(HTMLParser):
    """The elements, attributes and text a browser would find."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _read(html: str) -> tuple[list[tuple[str, dict[str, str | None]]], str]:
    page = _Read()
    page.feed(html)
    return page.tags, "".join(page.text)


def _safe(html: str, where: str) -> str:
    """No script, no element the text made, no event handler, no template evaluated; the text
    a person reads."""
    tags, text = _read(html)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe")], where
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")], where
    assert "<script>" not in html, where
    assert "49" not in text.replace("2026", ""), where  # {{ 7*7 }} was not worked out
    return text


def _hostile_guide(tmp_path: Path) -> Path:
    """The national guide with the hostile text in its titles, texts, questions and tools."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "workflows" / "bti.yaml").read_text("utf-8"))
    data["id"] = "fiendtlig"
    data["title"] = HOSTILE
    data["introduction"] = HOSTILE
    data["principles"][0] = {**data["principles"][0], "title": HOSTILE, "text": HOSTILE}
    level0, level1 = data["levels"][0], data["levels"][1]
    level0["title"] = level1["title"] = level1["summary"] = HOSTILE
    first = level0["steps"][0]
    first.update(title=HOSTILE, guidance=HOSTILE, questions=[HOSTILE, *first["questions"]])
    first["advice"] = [{"text": HOSTILE}, *first["advice"]]
    level0["steps"][2]["tools"] = [
        {"title": HOSTILE, "url": "https://example.org/veileder?a=1&b=2"},
        *level0["steps"][2]["tools"],
    ]
    level1["steps"][0]["title"] = HOSTILE
    path = tmp_path / "fiendtlig.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_a_hostile_text_in_the_guide_is_text_on_every_page_of_the_site(tmp_path: Path) -> None:
    """Every page shows the text as written (it is in the guide's title on each); the level
    page holds it in the step's title, guidance, question, advice and the tool's title."""
    render_site(load_workflow(str(_hostile_guide(tmp_path))), tmp_path / "site")
    pages = sorted((tmp_path / "site").rglob("*.html"))
    assert len(pages) == 1 + 5
    for path in pages:
        text = _safe(path.read_text("utf-8"), path.name)
        assert HOSTILE in text, path
    level0 = _safe((tmp_path / "site" / "nb" / "niva-0.html").read_text("utf-8"), "niva-0")
    assert level0.count(HOSTILE) >= 7  # <title>, header, step, guidance, question, advice, tool
    start = _safe((tmp_path / "site" / "nb" / "index.html").read_text("utf-8"), "index")
    assert start.count(HOSTILE) >= 6  # title, introduction, principle twice, levels, footer


def test_a_hostile_text_in_a_case_is_text_on_both_case_pages(tmp_path: Path) -> None:
    """Names, a meeting's place, measures and minutes typed with the hostile text are shown as
    that text on the case page printed as staff and as the family; the concern and a staff note
    (the family may not see them) are on neither, escaped or not."""
    workflow = load_workflow(str(_hostile_guide(tmp_path)))
    clock = Clock()
    store = SqliteStore(tmp_path / "relay.db")
    engine = Engine(workflow, store, clock=clock)
    staff = Actor("laerer-h", "employee", SCHOOL, HOSTILE)
    guardian = Actor(GUARDIAN.id, "guardian", "", HOSTILE)
    concern, note = f"{HOSTILE} bekymring", f"{HOSTILE} notat"
    case = engine.open_case("elev-0042", staff, concern=concern)
    engine.act(case.id, "complete_step", staff)
    engine.act(case.id, "inform_leader", staff, leader=LEADER.id)
    engine.act(case.id, "complete_step", staff)
    engine.act(case.id, "inform_guardians", staff, note=HOSTILE, guardians=[guardian.as_person()])
    engine.act(case.id, "complete_step", staff)
    engine.act(case.id, "complete_step", staff)
    engine.act(case.id, "give_consent", guardian, units=["stafettlogg"])
    engine.act(
        case.id, "decide", staff, outcome="expand", to_level=1, family_wish=HOSTILE,
        baton_holder=staff,
    )  # fmt: skip
    engine.act(case.id, "appoint_contact_person", staff, person=staff)
    engine.act(case.id, "complete_step", staff)
    case = engine.act(
        case.id, "schedule_meeting", staff, kind="planning", place=HOSTILE,
        at=clock.now + dt.timedelta(days=1), invitees=[guardian.as_person()],
    )  # fmt: skip
    meeting = case.meetings[-1].id
    engine.act(case.id, "hold_meeting", staff, meeting=meeting, child_took_part=True)
    engine.act(
        case.id, "agree_measures", staff, meeting=meeting,
        measures=[{"what": HOSTILE, "responsible": staff.id}], next_evaluation=clock.in_days(14),
    )  # fmt: skip
    engine.act(case.id, "record_minutes", staff, meeting=meeting, text=HOSTILE)
    engine.act(case.id, "add_note", staff, text=note)
    engine.act(
        case.id, "schedule_meeting", staff, kind="evaluation", place=HOSTILE,
        at=clock.now + dt.timedelta(days=13), invitees=[guardian.as_person()],
    )  # fmt: skip
    for viewer in (staff.id, guardian.id):
        out = tmp_path / f"{viewer}.html"
        result = CliRunner().invoke(
            main,
            ["case-page", str(tmp_path / "relay.db"), case.id, "--as", viewer, "-o", str(out)],
        )
        assert result.exit_code == 0, result.output
        html = out.read_text("utf-8")
        text = _safe(html, viewer)
        # the guide's title, the level, the step, the holder's and contact's name, the place,
        # the measure, the minutes
        assert text.count(HOSTILE) >= 8, (viewer, text.count(HOSTILE))
        assert concern not in text
        assert note not in text
    assert TEACHER.id not in text  # the walk's own staff member named only as HOSTILE
