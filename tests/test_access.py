"""Who may do and see what: permissions, visibility, the family's view and the access log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from casekit import (
    ADVISER,
    CHILD,
    COLLEAGUE,
    GUARDIAN,
    HEALTH,
    LEADER,
    NURSE,
    SCHOOL,
    TEACHER,
    involve,
    make_engine,
    open_case,
    plan,
    refuse,
    to_level_0_decision,
    to_level_1,
    to_level_2,
    unchanged,
)

from btiflow.case.people import Actor
from btiflow.engine import Engine
from btiflow.errors import AccessDenied
from btiflow.views import FamilyView, StaffView

ADMIN = Actor("admin-h", "admin", "Kommunen", "Administrator H")
STRANGER = Actor("nav-i", "employee", "NAV", "Veileder I")
OTHER_GUARDIAN = Actor("foresatt-j", "guardian", "", "Foresatt J")
SECRET_NOTE = "Internt: mor virket sliten på møtet"
CONCERN = "Trekker seg unna i friminuttene over flere uker"


def family(engine: Engine, case_id: str, viewer: Actor = GUARDIAN) -> FamilyView:
    view = engine.view(case_id, viewer)
    assert isinstance(view, FamilyView)
    return view


def staff(engine: Engine, case_id: str, viewer: Actor = TEACHER) -> StaffView:
    view = engine.view(case_id, viewer)
    assert isinstance(view, StaffView)
    return view


def denied(engine: Engine, case_id: str, viewer: Actor) -> None:
    """The viewer is refused, and nothing (not even the attempt) is written."""
    with unchanged(engine, case_id), pytest.raises(AccessDenied):
        engine.view(case_id, viewer)


def access_rows(engine: Engine) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(engine.store.path)  # type: ignore[attr-defined]
    try:
        return conn.execute("SELECT * FROM access_log ORDER BY id").fetchall()
    finally:
        conn.close()


# --- permissions -------------------------------------------------------------------------------


def test_only_holder_or_contact_person_schedules_meetings(tmp_path: Path) -> None:
    """The leader and an involved unit's employee may not call a meeting; the holder may."""
    engine, clock = make_engine(tmp_path)
    case = to_level_2(engine)
    engine.act(case.id, "complete_step", TEACHER)
    for actor in (NURSE, LEADER, GUARDIAN):
        refuse(
            engine, case.id, "schedule_meeting", actor, "not_permitted", rule="actor",
            says="kalle inn til møter", kind="other", at=clock.now,
        )  # fmt: skip
    assert engine.act(case.id, "schedule_meeting", TEACHER, kind="other", at=clock.now).meetings


def test_refusal_names_the_permission_in_the_guides_language(tmp_path: Path) -> None:
    """The refusal names the missing permission and who holds it (bokmål guide)."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    refused = refuse(engine, case.id, "offer_baton", NURSE, "not_permitted", to=COLLEAGUE)
    assert refused.reasons[0].message == (
        "Mangler tillatelsen «gi stafettpinnen videre»: i denne saken kan bare stafettholderen, "
        "stafettholderens nærmeste leder og BTI-koordinatoren gjøre dette."
    )


def test_only_a_told_guardian_of_this_case_consents(tmp_path: Path) -> None:
    """A guardian not yet told, and a guardian of another case, cannot consent."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    refuse(engine, case.id, "give_consent", GUARDIAN, "not_permitted", units=[HEALTH])
    to_level_0_decision(engine, case.id)
    refuse(engine, case.id, "give_consent", OTHER_GUARDIAN, "not_permitted", units=[HEALTH])
    assert engine.act(case.id, "give_consent", GUARDIAN, units=[HEALTH]).has_consent(HEALTH)


def test_a_registered_second_guardian_may_consent(tmp_path: Path) -> None:
    """register_guardian ties another guardian to the case; the holder records it."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    refuse(engine, case.id, "register_guardian", GUARDIAN, "not_permitted", person=OTHER_GUARDIAN)
    case = engine.act(case.id, "register_guardian", TEACHER, person=OTHER_GUARDIAN)
    assert [g.id for g in case.guardians] == [GUARDIAN.id, OTHER_GUARDIAN.id]
    assert engine.act(case.id, "give_consent", OTHER_GUARDIAN, units=[HEALTH]).has_consent(HEALTH)


def test_a_guardian_adds_a_note_and_asks_to_close(tmp_path: Path) -> None:
    """A guardian may add a note and ask to close; asking does not close the case."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    engine.act(case.id, "add_note", GUARDIAN, text="Vi ønsker et møte før jul")
    case = engine.act(case.id, "ask_to_close", GUARDIAN, reason="Det går bra nå")
    assert case.is_open
    assert engine.log(case.id)[-1].kind == "close_requested"
    refuse(engine, case.id, "ask_to_close", TEACHER, "not_permitted")


def test_the_young_person_consents_only_for_their_own_case(tmp_path: Path) -> None:
    """A child actor whose id is not the case's subject gets nothing, even when old enough."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine, birth_date="2010-01-01")
    impostor = Actor("elev-9999", "child", "", "Elev X")
    refuse(engine, case.id, "give_consent", impostor, "not_permitted", units=[HEALTH])
    assert engine.act(case.id, "give_consent", CHILD, units=[HEALTH]).has_consent(HEALTH)


def test_forged_roles_get_nothing(tmp_path: Path) -> None:
    """A guardian using the baton holder's id, or the holder's id in another unit, is refused;
    unknown people and other cases' guardians too; nothing is written."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id)
    forged = [
        Actor(TEACHER.id, "guardian", "", "Forfalsket"),
        Actor(TEACHER.id, "employee", "Annen skole", TEACHER.name),
        Actor(TEACHER.id, "child", "", "Forfalsket"),
        Actor("ukjent", "employee", SCHOOL, "Ukjent"),
        STRANGER,
        ADMIN,
    ]
    other = open_case(engine, subject="elev-7")  # a case where OTHER_GUARDIAN is not known
    for actor in forged:
        refuse(engine, case.id, "add_document", actor, "not_permitted", title="X")
        refuse(engine, case.id, "schedule_meeting", actor, "not_permitted", kind="other",
               at=clock.now)  # fmt: skip
        denied(engine, case.id, actor)
    denied(engine, other.id, GUARDIAN)  # a guardian of the first case only


# --- visibility --------------------------------------------------------------------------------


def test_guardians_see_the_case_from_the_moment_they_are_told(tmp_path: Path) -> None:
    """Before inform_guardians the guardian is refused; after it, the family's view."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    engine.act(case.id, "complete_step", TEACHER)
    engine.act(case.id, "inform_leader", TEACHER, leader=LEADER.id)
    engine.act(case.id, "complete_step", TEACHER)
    denied(engine, case.id, GUARDIAN)
    engine.act(case.id, "inform_guardians", TEACHER, guardians=[GUARDIAN.as_person()])
    assert family(engine, case.id).case_id == case.id


def test_staff_see_only_with_a_tie_to_the_case(tmp_path: Path) -> None:
    """The opener and the leader at level 0 see; a colleague and another unit do not; the leader
    no longer sees at level 1 (not holding the baton)."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    assert staff(engine, case.id, TEACHER).relation == "opener"
    assert staff(engine, case.id, LEADER).relation == "leader"
    for outsider in (COLLEAGUE, NURSE, STRANGER, ADMIN):
        denied(engine, case.id, outsider)
    case = to_level_1(engine, subject="elev-2")
    denied(engine, case.id, LEADER)


def test_withdrawn_consent_removes_a_units_access_from_that_moment(tmp_path: Path) -> None:
    """The nurse sees the case while the health station is involved under consent; the moment
    the guardian withdraws consent she is refused, and the withdrawal's entry is the last she
    could have seen."""
    engine, clock = make_engine(tmp_path)
    case = to_level_2(engine)
    seen = staff(engine, case.id, NURSE)
    assert seen.relation == "unit_staff"
    assert seen.case.seq == case.seq
    clock.advance(hours=1)
    case = engine.act(case.id, "withdraw_consent", GUARDIAN, units=[HEALTH])
    denied(engine, case.id, NURSE)
    refuse(engine, case.id, "add_note", NURSE, "not_permitted", text="Notat")
    # the teacher still sees, and the view shows the consent as withdrawn to the family
    assert staff(engine, case.id, TEACHER).relation in ("baton_holder", "opener")
    consents = family(engine, case.id).consents
    assert [(c.unit, c.status) for c in consents] == [
        ("Stafettloggen (deles mellom tjenestene)", "gitt"),  # the log itself, to leave level 0
        (HEALTH, "trukket tilbake"),
    ]
    # consent given again: access comes back only when the unit is involved again
    engine.act(case.id, "give_consent", GUARDIAN, units=[HEALTH])
    denied(engine, case.id, NURSE)
    involve(engine, case.id, HEALTH)
    assert staff(engine, case.id, NURSE).relation == "unit_staff"


def test_the_young_person_sees_their_case_from_the_workflows_age(tmp_path: Path) -> None:
    """With child_view_age 12, an 11-year-old is refused and sees it on the 12th birthday."""
    engine, clock = make_engine(tmp_path)
    case = open_case(engine, birth_date="2014-09-02")  # 12 on 2026-09-02
    denied(engine, case.id, CHILD)
    clock.advance(days=1)
    assert family(engine, case.id, CHILD).case_id == case.id


def test_guardians_see_less_of_a_young_person_from_16(tmp_path: Path) -> None:
    """From guardian_limit_age the guardian's view hides minutes and documents (the default),
    says so, and the young person still sees them."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine, birth_date="2010-01-01")
    plan(engine, case.id)
    engine.act(case.id, "add_document", TEACHER, title="Plan", text="Ukeplan",
               shared_with_family=True)  # fmt: skip
    guardian = family(engine, case.id)
    assert guardian.hidden == ("minutes", "documents")
    assert guardian.minutes == ()
    assert guardian.documents == ()
    assert "16 år" in guardian.notice
    assert guardian.measures  # measures are still shown
    young = family(engine, case.id, CHILD)
    assert young.minutes
    assert young.documents
    assert not young.hidden


# --- the family's view -------------------------------------------------------------------------


def test_the_familys_view_shows_what_the_guide_promises(tmp_path: Path) -> None:
    """Baton holder and how to reach them, level and step titles, next step, next meeting and
    evaluation, involved units and tasks, measures, minutes, shared documents, consents — and
    never internal notes, the concern or documents not shared."""
    engine, clock = make_engine(tmp_path)
    case = to_level_2(engine)
    engine.act(case.id, "add_note", TEACHER, text=SECRET_NOTE)
    engine.act(case.id, "add_note", GUARDIAN, text="Vi kommer gjerne på møter")
    engine.act(case.id, "add_document", TEACHER, title="Kartlegging", text="Intern vurdering")
    engine.act(case.id, "add_document", TEACHER, title="Ukeplan", text="Mandag: samtale",
               shared_with_family=True)  # fmt: skip
    plan(engine, case.id)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="evaluation",
               at=clock.now.replace(day=20), place="Møterom 2")  # fmt: skip
    view = family(engine, case.id)
    assert view.baton_holder is not None
    assert view.baton_holder.name == TEACHER.name
    assert view.baton_holder.unit == SCHOOL
    assert view.level == 2
    assert view.level_title
    assert view.step_title
    assert view.next_step
    assert view.next_meeting is not None
    assert view.next_meeting.kind == "evalueringsmøte"
    assert view.next_meeting.place == "Møterom 2"
    assert view.next_evaluation == engine.case(case.id).next_evaluation_due
    assert [(i.unit, i.task) for i in view.involved] == [(HEALTH, f"Oppfølging i {HEALTH}")]
    assert [m.what for m in view.measures][-1] == "Fast voksen i friminuttene"
    assert any(m.text == "Referat fra planleggingsmøtet" for m in view.minutes)
    assert [d.title for d in view.documents] == ["Ukeplan"]
    assert [(c.unit, c.status) for c in view.consents] == [
        ("Stafettloggen (deles mellom tjenestene)", "gitt"),
        (HEALTH, "gitt"),
    ]
    assert [n.text for n in view.family_notes] == ["Vi kommer gjerne på møter"]
    text = repr(view)
    for secret in (SECRET_NOTE, CONCERN, "Kartlegging", "Intern vurdering"):
        assert secret not in text
    # the staff view has what staff need
    inside = staff(engine, case.id)
    assert inside.concern == CONCERN
    assert SECRET_NOTE in [n.text for n in inside.notes]
    assert {d.title for d in inside.documents} == {"Kartlegging", "Ukeplan"}
    assert inside.log[-1].kind == "meeting_scheduled"


def test_the_familys_view_uses_the_pinned_guides_titles(tmp_path: Path) -> None:
    """Level and step titles come from the workflow version the case is pinned to."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    wf = engine.workflow_of(engine.case(case.id))
    level, step = wf.find_step(engine.case(case.id).step)
    view = family(engine, case.id)
    assert (view.level_title, view.step_title) == (level.title.get("nb"), step.title.get("nb"))
    assert view.next_step == level.steps[1].title.get("nb")


# --- the access log ----------------------------------------------------------------------------


def test_reads_and_actions_are_logged_and_a_guardian_can_read_the_log(tmp_path: Path) -> None:
    """Each view and each action is one row (who, role, unit, relation, what); a guardian sees
    who read the case; staff may not read the log; reading the log is logged too."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    staff(engine, case.id, NURSE)
    log = engine.access_log(case.id, GUARDIAN)
    reads = [r for r in log if r.what.startswith("view:")]
    assert [(r.actor, r.role, r.unit, r.relation, r.what) for r in reads] == [
        (NURSE.id, "employee", HEALTH, "unit_staff", "view:staff")
    ]
    actions = [r for r in log if r.what.startswith("action:")]
    assert actions[0].what == "action:open_case"
    assert actions[0].seq == 1
    assert len(actions) == len({e.seq for e in engine.log(case.id)} - {1}) + 1
    assert all(r.case_id == case.id and r.time.tzinfo for r in log)
    with pytest.raises(AccessDenied):
        engine.access_log(case.id, NURSE)
    assert engine.access_log(case.id, ADMIN)[-2].what == "access_log"  # the guardian's read


def test_an_action_and_its_log_row_are_written_together(tmp_path: Path) -> None:
    """Every entry written by an action has its access-log row; a refused action has neither."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    rows = access_rows(engine)
    assert [r[9] for r in rows if str(r[8]).startswith("action:")] == [
        e.seq for e in engine.log(case.id) if e.kind != "rights_assessed"
    ]
    refuse(engine, case.id, "add_note", STRANGER, "not_permitted", text="x")
    assert access_rows(engine) == rows


def test_the_access_log_is_append_only(tmp_path: Path) -> None:
    """SQLite refuses to change or delete an access-log row."""
    engine, _ = make_engine(tmp_path)
    open_case(engine)
    conn = sqlite3.connect(engine.store.path)  # type: ignore[attr-defined]
    try:
        for sql in ("UPDATE access_log SET actor = 'x'", "DELETE FROM access_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    finally:
        conn.close()


def test_options_show_permission_refusals(tmp_path: Path) -> None:
    """options() for an outsider lists every action refused as not_permitted, decide once."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    options = engine.options(case.id, ADVISER)
    assert all(not o.allowed and o.reasons[0].code == "not_permitted" for o in options)
    assert [o.action for o in options].count("decide") == 1


def test_the_demo_prints_the_familys_view(tmp_path: Path) -> None:
    """`btiflow demo` shows the family's view: baton holder, shared document, the family's note,
    and not the concern."""
    from click.testing import CliRunner

    from btiflow.cli import main

    result = CliRunner().invoke(main, ["demo", "--db", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    shown = result.output.split("Slik ser foresatte saken", 1)[1].split("\n\n", 1)[0]
    assert "Stafettholder: Sara Demo (helsesykepleier), Helsestasjonen" in shown
    assert "Søvndagbok" in shown
    assert "Vi fører søvndagboken hjemme." in shown
    assert "Trekker seg unna" not in shown


def test_a_stranded_baton_can_be_passed_on_by_the_opener(tmp_path: Path) -> None:
    """When the baton holder's unit loses consent, the holder loses access and the opener may
    offer the baton on; it moves when the offered person accepts."""
    engine, _clock = make_engine(tmp_path)
    case = to_level_2(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=NURSE)
    case = engine.act(case.id, "accept_baton", NURSE)
    assert case.baton_holder is not None
    assert case.baton_holder.unit == HEALTH
    refused = refuse(engine, case.id, "offer_baton", TEACHER, "not_permitted", to=COLLEAGUE)
    assert refused.reasons
    engine.act(case.id, "withdraw_consent", GUARDIAN, units=[HEALTH])
    with pytest.raises(AccessDenied):
        engine.view(case.id, NURSE)
    case = engine.act(case.id, "offer_baton", TEACHER, to=COLLEAGUE)
    assert case.baton_holder is not None
    assert case.baton_holder.unit == HEALTH  # kept until accepted
    case = engine.act(case.id, "accept_baton", COLLEAGUE)
    assert case.baton_holder is not None
    assert case.baton_holder.id == COLLEAGUE.id
