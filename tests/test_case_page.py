"""The family's case page: where the case is, who holds the baton, what is agreed — and nothing
the family may not see. Read as HTML here; tests/test_browser.py loads it in Chromium."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casekit import GUARDIAN, TEACHER, make_engine, plan, to_level_1
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.engine import Engine
from btiflow.render.casepage import actor_in_case, case_page
from btiflow.views import FamilyView
from btiflow.words import dates

CONCERN = "Trekker seg unna i friminuttene over flere uker"


def _level_1_case(tmp_path: Path) -> tuple[Engine, str]:
    """A level-1 case with measures agreed and an evaluation meeting booked, plus a staff note."""
    engine, clock = make_engine(tmp_path, "kafjord")
    case = to_level_1(engine)
    plan(engine, case.id, days=14)
    engine.act(
        case.id, "schedule_meeting", TEACHER, kind="evaluation",
        at=clock.now + dt.timedelta(days=13), place="Nordvik skole, rom 4",
        invitees=[GUARDIAN.as_person()],
    )  # fmt: skip
    engine.act(case.id, "add_note", TEACHER, text="Intern merknad: snakk med PPT")
    return engine, case.id


def _page(engine: Engine, case_id: str) -> str:
    view = engine.view(case_id, GUARDIAN)
    assert isinstance(view, FamilyView)
    case = engine.case(case_id)
    printed = dt.datetime(2026, 9, 20, 12, 0, tzinfo=dt.UTC)
    return case_page(
        engine.workflow_of(case), view, case.step, is_open=case.is_open, printed=printed
    )


def test_case_page_marks_the_current_step_and_names_the_baton_holder(tmp_path: Path) -> None:
    """Level 1 is the current level; step 3 is marked in words, steps 1-2 done; the holder named."""
    engine, case_id = _level_1_case(tmp_path)
    html = _page(engine, case_id)
    assert '<html lang="nb">' in html
    assert (
        '<li class="here" aria-current="step"><strong>▶ 3. Iverksett tiltak</strong> '
        '<span class="tag">(Her er saken nå)</span></li>'
    ) in html
    assert (
        '1. Konkretiser bekymringen og definer kontaktperson <span class="tag">(✓ ferdig)' in html
    )
    assert "<strong>Lærer A</strong>, Nordvik skole" in html
    assert "Saken pågår. Nivå 1: Tidlig innsats – fra bekymring til tiltak i egen enhet." in html


def test_case_page_shows_next_meeting_evaluation_measures_and_minutes(tmp_path: Path) -> None:
    """The booked evaluation meeting with date, time and place; the evaluation date; the plan."""
    engine, case_id = _level_1_case(tmp_path)
    html = _page(engine, case_id)
    case = engine.case(case_id)
    meeting = case.meetings[-1]
    at = dates.moment(dt.datetime.fromisoformat(meeting.at), "nb")
    assert at.startswith("mandag 14. september 2026 kl. ")  # the one date style
    assert f"Neste møte: evalueringsmøte {at}, Nordvik skole, rom 4." in html
    assert case.next_evaluation_due is not None
    due = dates.day(dt.date.fromisoformat(case.next_evaluation_due), "nb")
    assert f"Tiltakene skal evalueres senest {due}." in html
    assert "<td>Fast voksen i friminuttene</td>" in html
    assert "Referat fra planleggingsmøtet" in html
    assert "Skrevet ut søndag 20. september 2026 kl. 14.00." in html


def test_case_page_holds_nothing_the_family_may_not_see(tmp_path: Path) -> None:
    """Neither the concern nor a staff note reaches the family's page."""
    engine, case_id = _level_1_case(tmp_path)
    html = _page(engine, case_id)
    assert CONCERN not in html
    assert "Intern merknad" not in html


def test_case_page_escapes_what_people_typed(tmp_path: Path) -> None:
    """Minutes with markup are shown as text."""
    engine, clock = make_engine(tmp_path, "bti")
    case = to_level_1(engine)
    engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER)
    engine.act(case.id, "complete_step", TEACHER)
    case = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning",
        at=clock.now + dt.timedelta(days=1), invitees=[GUARDIAN.as_person()],
    )  # fmt: skip
    meeting = case.meetings[-1].id
    engine.act(case.id, "hold_meeting", TEACHER, meeting=meeting, child_took_part=True)
    engine.act(
        case.id, "record_minutes", TEACHER, meeting=meeting, text="<script>x()</script> & co"
    )
    html = _page(engine, case.id)
    assert "&lt;script&gt;x()&lt;/script&gt; &amp; co" in html
    assert "<script>" not in html


def test_nynorsk_guide_gives_a_nynorsk_page(tmp_path: Path) -> None:
    """On Nore og Uvdal's guide the page is lang=nn with nynorsk words."""
    engine, _ = make_engine(tmp_path, "nore-og-uvdal")
    case = to_level_1(engine)
    html = _page(engine, case.id)
    assert '<html lang="nn">' in html
    assert "Kvar er saka i rettleiaren?" in html
    assert "Stafetthaldar" in html


def test_actor_in_case_finds_guardian_child_and_staff(tmp_path: Path) -> None:
    """Ids named in the case resolve to their roles; others to None."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    assert actor_in_case(case, GUARDIAN.id) == GUARDIAN
    assert actor_in_case(case, TEACHER.id) == TEACHER
    child = actor_in_case(case, case.subject)
    assert child is not None
    assert child.role == "child"
    assert actor_in_case(case, "ukjent") is None


def test_cli_case_page_writes_the_page(tmp_path: Path) -> None:
    """`btiflow case-page DB CASE --as GUARDIAN -o FILE` writes the page; the read is logged."""
    engine, case_id = _level_1_case(tmp_path)
    out = tmp_path / "side.html"
    before = len(engine.store.access_log(case_id))
    result = CliRunner().invoke(
        main,
        ["case-page", str(tmp_path / "relay.db"), case_id, "--as", GUARDIAN.id, "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Her er saken nå" in html
    assert CONCERN not in html
    assert len(engine.store.access_log(case_id)) == before + 1


def test_cli_case_page_refuses_who_may_not_see(tmp_path: Path) -> None:
    """An id not in the case, or a child too young to see it, exits 1 and writes no file."""
    engine, case_id = _level_1_case(tmp_path)
    db = str(tmp_path / "relay.db")
    out = tmp_path / "side.html"
    result = CliRunner().invoke(main, ["case-page", db, case_id, "--as", "ukjent", "-o", str(out)])
    assert result.exit_code == 1
    assert "ukjent er ikke nevnt i sak" in result.output
    subject = engine.case(case_id).subject
    result = CliRunner().invoke(main, ["case-page", db, case_id, "--as", subject, "-o", str(out)])
    assert result.exit_code == 1
    assert f"«{subject}» har ikke tilgang til saken «{case_id}»" in result.output
    assert not out.exists()
