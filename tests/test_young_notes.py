"""The young person writes notes too, from the guide's self-consent age (15 in the standard
guide), and who reads them: staff who see the case, the young person, and the guardians only
until their view is limited (``guardian_limit_age``, 16): from then the young person's words
are their own, as their own reads and acts are in the access log."""

from __future__ import annotations

from pathlib import Path

from casekit import CHILD, GUARDIAN, TEACHER, make_engine, open_case, refuse, to_level_0_decision

from btiflow.case.people import Actor
from btiflow.engine import Engine
from btiflow.views import FamilyView, StaffView

WORDS = "Jeg vil helst ha møtene etter skoletid"


def _case(engine: Engine, born: str) -> str:
    """A case at level 0 with the guardians told, about a young person born ``born`` (the clock
    stands at 1 September 2026)."""
    return to_level_0_decision(engine, open_case(engine, birth_date=born).id).id


def _notes(engine: Engine, case_id: str, viewer: Actor) -> list[str]:
    view = engine.view(case_id, viewer)
    if isinstance(view, StaffView):
        return [n.text for n in view.notes]
    assert isinstance(view, FamilyView)
    return [n.text for n in view.family_notes]


def _told(engine: Engine, case_id: str) -> tuple[str, ...]:
    """What the note form tells the young person (who will read it)."""
    (option,) = [o for o in engine.options(case_id, CHILD) if o.action == "add_note"]
    assert option.allowed
    return option.notes


def test_a_young_person_of_16_writes_a_note_staff_and_they_read_it_guardians_do_not(
    tmp_path: Path,
) -> None:
    engine, _ = make_engine(tmp_path)
    case_id = _case(engine, "2010-01-01")
    assert _told(engine, case_id) == (
        "Notatet ditt leses av de ansatte som har tilgang til saken, ikke av foresatte.",
    )
    engine.act(case_id, "add_note", CHILD, text=WORDS)
    (entry,) = [e for e in engine.log(case_id) if e.kind == "note_added"]
    assert (entry.actor, entry.role) == (CHILD.id, "child")
    assert WORDS in _notes(engine, case_id, TEACHER)
    assert WORDS in _notes(engine, case_id, CHILD)
    assert WORDS not in _notes(engine, case_id, GUARDIAN)
    assert WORDS not in repr(engine.view(case_id, GUARDIAN))
    # the guardian's own note still shows to the guardian, the young person and staff
    engine.act(case_id, "add_note", GUARDIAN, text="Vi kan komme etter klokka 15")
    for viewer in (TEACHER, CHILD, GUARDIAN):
        assert "Vi kan komme etter klokka 15" in _notes(engine, case_id, viewer)
    seen = engine.store.access_log(case_id)
    assert (CHILD.id, "child", "action:add_note") in [(r.actor, r.role, r.what) for r in seen]


def test_a_young_person_of_15_writes_a_note_the_guardians_read_it_until_16(
    tmp_path: Path,
) -> None:
    engine, clock = make_engine(tmp_path)
    case_id = _case(engine, "2011-03-01")  # 15; 16 on 1 March 2027
    assert "og av foresatte til du fyller 16 år" in _told(engine, case_id)[0]
    engine.act(case_id, "add_note", CHILD, text=WORDS)
    assert WORDS in _notes(engine, case_id, GUARDIAN)
    clock.advance(days=181)  # 1 March 2027
    assert WORDS not in _notes(engine, case_id, GUARDIAN)
    assert WORDS in _notes(engine, case_id, CHILD)
    assert WORDS in _notes(engine, case_id, TEACHER)


def test_a_child_below_the_self_consent_age_may_not_write_a_note(tmp_path: Path) -> None:
    """At 14 the child sees the case (from 12) but writes nothing in it; nothing is written."""
    engine, _ = make_engine(tmp_path)
    case_id = _case(engine, "2012-01-01")
    assert isinstance(engine.view(case_id, CHILD), FamilyView)
    refused = refuse(engine, case_id, "add_note", CHILD, "not_permitted", text=WORDS)
    assert "ungdommen selv fra 15 år" in refused.reasons[0].message


def test_a_limited_guardians_right_of_access_export_shows_no_more_than_their_page(
    tmp_path: Path,
) -> None:
    """The GDPR art. 15 export for a guardian of a 16-year-old leaves out the young person's
    own reads and acts, as the family page's access log does: the export must not tell more."""
    import datetime as dt

    from btiflow.insight import person_insight

    engine, _ = make_engine(tmp_path)
    case_id = _case(engine, "2010-01-01")
    engine.view(case_id, CHILD)
    engine.act(case_id, "add_note", CHILD, text=WORDS)
    officer = Actor("personvern-1", "admin", "Kommunen", "Personvernombud P")
    now = dt.datetime(2026, 9, 2, 10, 0, tzinfo=dt.UTC)
    (part,) = person_insight(engine.store, GUARDIAN.id, by=officer, now=now).cases
    assert CHILD.id in {r.actor for r in engine.store.access_log(case_id)}
    assert CHILD.id not in {r.actor for r in part.access_log}
    shown = {(r.actor, r.what) for r in engine.access_log(case_id, GUARDIAN)}
    assert {(r.actor, r.what) for r in part.access_log} <= shown | {(GUARDIAN.id, "access_log")}
    assert WORDS not in repr(part)
