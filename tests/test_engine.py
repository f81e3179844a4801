"""The engine around the rules: pinning a workflow, refusing bad input, "what can I do now and if
not, why not", and what is due across the store."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from casekit import (
    CHILD,
    COLLEAGUE,
    GUARDIAN,
    HEALTH,
    LEADER,
    NURSE,
    TEACHER,
    WISH,
    Clock,
    make_engine,
    open_case,
    plan,
    refuse,
    snapshot,
    to_level_0_decision,
    to_level_1,
    to_level_1_decision,
    to_level_2,
    unchanged,
    workflow,
)

from btiflow.case.actions import ACTIONS, Option
from btiflow.case.fold import fold
from btiflow.case.kinds import CaseOpened, WorkflowRef
from btiflow.case.people import Actor
from btiflow.engine import Engine
from btiflow.errors import ActionRefused
from btiflow.store.base import DueCase
from btiflow.store.sqlite import SqliteStore
from btiflow.workflow.load import load_workflow

UTC = dt.UTC


def by_action(options: list[Option]) -> dict[str, Option]:
    """The options keyed by action (decide only once: its first listing)."""
    out: dict[str, Option] = {}
    for option in options:
        out.setdefault(option.action, option)
    return out


def codes(option: Option) -> list[str]:
    return [r.code for r in option.reasons]


# --- pinning the workflow ----------------------------------------------------------------------


def test_a_case_pins_workflow_id_version_and_hash_at_opening(tmp_path: Path) -> None:
    """Opening records the workflow's id, version and content hash in the case, its first entry
    and its state row."""
    engine, _ = make_engine(tmp_path)
    wf = engine.workflow
    case = open_case(engine)
    assert (case.workflow_id, case.workflow_version, case.workflow_hash) == (
        "bti",
        wf.version,
        wf.content_hash,
    )
    first = engine.log(case.id)[0]
    assert first.kind == "case_opened"
    assert first.seq == 1
    opened = first.body_as(CaseOpened)
    assert opened.workflow == WorkflowRef(id="bti", version=wf.version, hash=wf.content_hash)
    assert first.workflow_hash == wf.content_hash
    conn = sqlite3.connect(tmp_path / "relay.db")
    row = conn.execute(
        "SELECT workflow_id, workflow_version, workflow_hash FROM cases WHERE case_id = ?",
        (case.id,),
    ).fetchone()
    saved = conn.execute("SELECT id FROM workflows WHERE hash = ?", (wf.content_hash,)).fetchone()
    conn.close()
    assert row == ("bti", wf.version, wf.content_hash)
    assert saved == ("bti",)


def test_a_case_stays_on_its_version_when_the_guide_changes(tmp_path: Path) -> None:
    """A case opened on one version keeps running on it when the engine opens new cases on a
    newer one, even on an engine given only the newer version."""
    old = workflow("bti")
    newer_file = tmp_path / "bti-ny.yaml"
    newer_file.write_text(
        'format: btiflow/1\nextends: bti\nid: bti\nversion: "2027.1"\n'
        "deadlines:\n  evaluation: P2W\n",
        encoding="utf-8",
    )
    newer = load_workflow(newer_file)
    assert newer.content_hash != old.content_hash
    clock = Clock()
    first = Engine(old, SqliteStore(tmp_path / "relay.db"), clock=clock)
    case = to_level_1(first)
    both = Engine([newer, old], SqliteStore(tmp_path / "relay.db"), clock=clock)
    assert both.workflow_of(both.case(case.id)) is old
    assert both.open_case("elev-0099", TEACHER).workflow_version == "2027.1"
    plan(both, case.id, days=28)  # P4W still holds for the old case
    # an engine given only the newer version reads the pinned one back from the store
    only_new = Engine(newer, SqliteStore(tmp_path / "relay.db"), clock=clock)
    pinned = only_new.workflow_of(only_new.case(case.id))
    assert (pinned.version, pinned.content_hash) == ("2026.1", old.content_hash)
    refuse(
        only_new, case.id, "reschedule_evaluation", TEACHER, "evaluation_too_late",
        says="P4W", next_evaluation=clock.in_days(29),
    )  # fmt: skip


# --- opening -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "by", "birth_date", "code", "says"),
    [
        ("elev-1", GUARDIAN, None, "staff_only", "ansatte"),
        ("  ", TEACHER, None, "invalid_input", "subject"),
        ("elev-1", TEACHER, "17. mai", "invalid_input", "birth_date"),
    ],
)
def test_opening_a_case_refuses_bad_input_and_writes_nothing(
    tmp_path: Path, subject: str, by: Actor, birth_date: str | None, code: str, says: str
) -> None:
    """Opening by a non-employee, without a subject or with a bad birth date is refused."""
    engine, _ = make_engine(tmp_path)
    before = snapshot(engine)
    with pytest.raises(ActionRefused) as caught:
        engine.open_case(subject, by, birth_date=birth_date)
    assert caught.value.code == code
    assert says in caught.value.reasons[0].message
    assert snapshot(engine) == before


def test_a_clock_without_time_zone_is_rejected(tmp_path: Path) -> None:
    """An engine whose clock gives naive datetimes refuses to act."""
    engine = Engine(
        workflow("bti"), SqliteStore(tmp_path / "relay.db"), clock=lambda: dt.datetime(2026, 9, 1)
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        open_case(engine)


# --- unknown actions and bad parameters ----------------------------------------------------------


def test_an_unknown_action_is_refused_with_the_possible_ones(tmp_path: Path) -> None:
    """An action the engine does not know is refused as unknown_action, listing real actions."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    refused = refuse(
        engine, case.id, "send_to_police", TEACHER, "unknown_action", rule="input",
        says="Ukjent handling «send_to_police»",
    )  # fmt: skip
    assert "inform_leader" in refused.reasons[0].message


NOW = dt.datetime(2026, 9, 1, 9, 0)  # naive on purpose
BAD_PARAMS: list[tuple[str, dict[str, Any], str, str]] = [
    ("inform_leader", {"leader": 42}, "leader", "skriv en tekst"),
    ("add_note", {}, "text", "den må fylles ut"),
    ("add_note", {"text": "Notat", "colour": "rød"}, "colour", "har ingen slik verdi"),
    ("schedule_meeting", {"kind": "planning", "at": NOW}, "at", "tidssone"),
    ("schedule_meeting", {"kind": "planning", "at": "2026-09-02T09:00"}, "at", "tidssone"),
    ("schedule_meeting", {"kind": "planning", "at": "i morgen"}, "at", "dato og klokkeslett"),
    ("schedule_meeting", {"kind": "fest", "at": "2026-09-02T09:00+02:00"}, "kind", "velg en av"),
    ("hold_meeting", {"meeting": "m1"}, "child_took_part", "den må fylles ut"),
    ("hold_meeting", {"meeting": "m1", "child_took_part": "ja"}, "child_took_part", "ja eller nei"),
    (
        "agree_measures",
        {
            "meeting": "m1",
            "measures": [{"what": "Leksehjelp", "responsible": "laerer-a"}],
            "next_evaluation": dt.datetime(2026, 9, 20, tzinfo=UTC),
        },
        "next_evaluation",
        "uten klokkeslett",
    ),
    (
        "agree_measures",
        {"meeting": "m1", "measures": [{"what": "Leksehjelp"}], "next_evaluation": "2026-09-20"},
        "measures",
        "skriv en tekst",
    ),
    ("decide", {"outcome": "kanskje"}, "outcome", "velg en av close, continue, expand"),
    ("decide", {"outcome": "expand", "to_level": True}, "to_level", "helt tall"),
    ("decide", {"outcome": "expand", "to_level": "2"}, "to_level", "helt tall"),
    ("give_consent", {"units": []}, "units", "én eller flere enheter"),
    ("offer_baton", {"to": {"name": "Uten id"}}, "to", "en person har id"),
    ("offer_baton", {"to": "laerer-f"}, "to", "oppgi en person"),
]


@pytest.mark.parametrize(
    ("action", "params", "param", "problem"),
    BAD_PARAMS,
    ids=[f"{a}-{p}" for a, _, p, _ in BAD_PARAMS],
)
def test_bad_parameters_are_refused_as_invalid_input(
    tmp_path: Path, action: str, params: dict[str, Any], param: str, problem: str
) -> None:
    """Wrong types, missing required, unknown parameters and naive datetimes are invalid_input,
    naming the parameter, and write nothing (a decision is tried where one is due)."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine) if action == "decide" else to_level_1(engine)
    by = GUARDIAN if action.endswith("_consent") else TEACHER
    refused = refuse(engine, case.id, action, by, "invalid_input", rule="input", **params)
    messages = [r.message for r in refused.reasons if r.code == "invalid_input"]
    assert any(f"«{param}»" in m and problem in m for m in messages), messages


def test_every_bad_parameter_is_reported_at_once(tmp_path: Path) -> None:
    """Several bad parameters give one refusal listing each of them."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    refused = refuse(
        engine, case.id, "schedule_meeting", TEACHER, "invalid_input",
        kind="fest", place=3, agenda="x",
    )  # fmt: skip
    named = sorted(r.message.split("«")[1].split("»")[0] for r in refused.reasons)
    assert named == ["agenda", "at", "kind", "place"]
    assert "agenda" in str(refused)
    assert refused.action == "schedule_meeting"


def test_act_with_takes_parameters_as_data(tmp_path: Path) -> None:
    """act_with accepts the parameters as a mapping, dates and persons as plain JSON data."""
    engine, _clock = make_engine(tmp_path)
    case = to_level_1(engine)
    case = engine.act_with(
        case.id,
        "schedule_meeting",
        TEACHER,
        {
            "kind": "planning",
            "at": "2026-09-03T09:00+02:00",
            "invitees": [{"id": "foresatt-c", "name": "Foresatt C", "email": "c@example.org"}],
        },
    )
    assert case.meetings[-1].invitees[0].email == "c@example.org"


# --- what can I do now, and if not, why not ------------------------------------------------------


def test_options_for_a_teacher_when_the_concern_arises(tmp_path: Path) -> None:
    """At opening a teacher may tell the leader, but not yet the guardians, and is told why."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    options = engine.options(case.id, TEACHER)
    assert {o.action for o in options} == set(ACTIONS)
    got = by_action(options)
    assert got["inform_leader"].allowed
    assert got["complete_step"].allowed
    assert not got["inform_guardians"].allowed
    assert codes(got["inform_guardians"]) == ["leader_before_guardians"]
    assert "nærmeste leder" in got["inform_guardians"].reasons[0].message
    assert codes(got["decide"]) == ["not_a_decision_step"]
    assert codes(got["offer_baton"]) == ["not_at_level"]
    assert codes(got["give_consent"]) == ["not_permitted"]
    assert "foresatte" in got["give_consent"].reasons[0].message
    for option in options:
        assert option.allowed == (not option.reasons)
        assert all(r.code and r.rule and r.message for r in option.reasons)


def test_options_for_a_guardian_when_the_concern_arises(tmp_path: Path) -> None:
    """Before being told a guardian may do nothing; once told, consent, add notes and ask to
    close, and is told who records the rest."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    got = by_action(engine.options(case.id, GUARDIAN))
    assert all(codes(o) == ["not_permitted"] for o in got.values())
    case = to_level_0_decision(engine, case.id)
    got = by_action(engine.options(case.id, GUARDIAN))
    for allowed in ("give_consent", "refuse_consent", "add_note", "ask_to_close"):
        assert got[allowed].allowed, allowed
    for staff in ("inform_leader", "inform_guardians", "decide", "add_document"):
        assert not got[staff].allowed, staff
        assert codes(got[staff])[0] == "not_permitted", staff
    assert got["inform_leader"].reasons[0].message == (
        "Mangler tillatelsen «arbeide i saken»: i denne saken kan bare den som åpnet saken, "
        "stafettholderen, kontaktpersonen og (på nivå 0) nærmeste leder gjøre dette."
    )


def test_options_in_a_harm_case_point_to_child_welfare(tmp_path: Path) -> None:
    """With suspected harm, after the leader is told, guardians and the child are refused until
    child welfare is consulted, and the reason says so."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine, suspected_harm=True)
    engine.act(case.id, "inform_leader", TEACHER)
    got = by_action(engine.options(case.id, TEACHER))
    assert codes(got["inform_guardians"]) == ["child_welfare_first"]
    assert "barneverntjenesten" in got["inform_guardians"].reasons[0].message
    assert got["consult_child_welfare"].allowed
    assert codes(got["inform_child"]) == ["child_welfare_first"]
    engine.act(case.id, "consult_child_welfare", TEACHER, advice="Snakk med barnet først.")
    got = by_action(engine.options(case.id, TEACHER))
    assert got["inform_child"].allowed
    assert got["inform_guardians"].allowed


def test_options_at_a_decision_list_each_allowed_outcome(tmp_path: Path) -> None:
    """At level 1's decision the teacher sees close, continue, expand to 2 and to 3 — not 1."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    decides = [o for o in engine.options(case.id, TEACHER) if o.action == "decide"]
    assert all(o.allowed for o in decides)
    assert [dict(o.params) for o in decides] == [
        {"outcome": "close"},
        {"outcome": "continue"},
        {"outcome": "expand", "to_level": 2},
        {"outcome": "expand", "to_level": 3},
    ]
    got = by_action(engine.options(case.id, TEACHER))
    assert codes(got["complete_step"]) == ["decision_step"]
    guardian = by_action(engine.options(case.id, GUARDIAN))
    assert codes(guardian["decide"]) == ["not_permitted"]


def test_options_at_level_0_decision_offer_close_and_level_1(tmp_path: Path) -> None:
    """At level 0's decision the outcomes are close and expand to level 1."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    to_level_0_decision(engine, case.id)
    decides = [dict(o.params) for o in engine.options(case.id, TEACHER) if o.action == "decide"]
    assert decides == [{"outcome": "close"}, {"outcome": "expand", "to_level": 1}]


def test_options_around_a_pending_baton_offer(tmp_path: Path) -> None:
    """With the baton offered to the nurse: she may accept or decline, the teacher may withdraw
    but not offer again, and the guardian may withdraw consent."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    engine.act(case.id, "offer_baton", TEACHER, to=NURSE)
    nurse = by_action(engine.options(case.id, NURSE))
    assert nurse["accept_baton"].allowed
    assert nurse["decline_baton"].allowed
    assert codes(nurse["offer_baton"]) == ["not_permitted"]
    assert "stafettholderen" in nurse["offer_baton"].reasons[0].message
    teacher = by_action(engine.options(case.id, TEACHER))
    assert codes(teacher["accept_baton"]) == ["not_permitted"]
    assert "den som har fått tilbudet" in teacher["accept_baton"].reasons[0].message
    assert codes(teacher["offer_baton"]) == ["baton_offer_pending"]
    assert teacher["withdraw_baton_offer"].allowed
    guardian = by_action(engine.options(case.id, GUARDIAN))
    assert guardian["withdraw_consent"].allowed
    assert codes(guardian["accept_baton"]) == ["not_permitted"]


def test_options_for_a_young_person_change_on_the_birthday(tmp_path: Path) -> None:
    """The young person's consent option turns allowed the day they turn 15."""
    engine, clock = make_engine(tmp_path)
    case = open_case(engine, birth_date="2011-09-02")
    assert codes(by_action(engine.options(case.id, CHILD))["give_consent"]) == ["not_permitted"]
    clock.advance(days=1)
    assert by_action(engine.options(case.id, CHILD))["give_consent"].allowed


def test_asking_for_options_writes_nothing(tmp_path: Path) -> None:
    """options() only reads."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    with unchanged(engine, case.id):
        for actor in (TEACHER, GUARDIAN, CHILD, NURSE, LEADER, COLLEAGUE):
            engine.options(case.id, actor)


# --- due and overdue -----------------------------------------------------------------------------


def test_due_and_overdue_across_the_store(tmp_path: Path) -> None:
    """due() and overdue() list open cases by their next evaluation, using the injected clock."""
    engine, clock = make_engine(tmp_path)
    soon = to_level_1(engine, subject="elev-a")
    plan(engine, soon.id, days=10)
    later = to_level_1(engine, subject="elev-b")
    plan(engine, later.id, days=28)
    to_level_1(engine, subject="elev-c")  # no measures yet: nothing due
    closed = open_case(engine, subject="elev-d")
    to_level_0_decision(engine, closed.id)
    engine.act(closed.id, "decide", TEACHER, outcome="close", reason="Ingen grunn")

    assert engine.due() == []
    assert engine.overdue() == []
    assert [d.case_id for d in engine.due(within=dt.timedelta(days=30))] == [soon.id, later.id]
    clock.advance(days=5)
    due = engine.due()
    assert [d.case_id for d in due] == [soon.id]
    assert due[0].due == clock.today + dt.timedelta(days=5)
    assert (due[0].level, due[0].step) == (1, "n1-iverksett")
    assert (due[0].baton_holder, due[0].baton_unit) == (TEACHER.id, TEACHER.unit)
    clock.advance(days=5)  # the due day itself is not overdue
    assert engine.overdue() == []
    assert [d.case_id for d in engine.due()] == [soon.id]
    clock.advance(days=1)
    assert [d.case_id for d in engine.overdue()] == [soon.id]
    clock.advance(days=30)
    assert [d.case_id for d in engine.overdue()] == [soon.id, later.id]
    assert [d.case_id for d in engine.overdue(dt.date(2026, 9, 12))] == [soon.id]


def test_due_moves_with_the_case(tmp_path: Path) -> None:
    """Rescheduling moves the due date; closing removes the case from due and overdue."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id, days=7)
    engine.act(case.id, "reschedule_evaluation", TEACHER, next_evaluation=clock.in_days(20))
    clock.advance(days=10)
    assert engine.overdue() == []
    clock.advance(days=11)
    assert [d.case_id for d in engine.overdue()] == [case.id]
    engine.act(case.id, "complete_step", TEACHER)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="evaluation", at=clock.now)
    engine.act(case.id, "hold_meeting", TEACHER, meeting="m2", child_took_part=True)
    engine.act(
        case.id, "record_evaluation", TEACHER, meeting="m2", experience="E", changes="C",
        status="S",
    )  # fmt: skip
    engine.act(case.id, "record_minutes", TEACHER, meeting="m2", text="Referat")
    engine.act(case.id, "complete_step", TEACHER)
    engine.act(case.id, "decide", TEACHER, outcome="close", changes="C", agreed="A")
    assert engine.overdue() == []
    assert engine.due(within=dt.timedelta(days=365)) == []


def test_due_days_are_counted_in_oslo(tmp_path: Path) -> None:
    """A moment late in the UTC evening already counts as the next day in Oslo."""
    engine, _clock = make_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id, days=3)  # due 2026-09-04
    assert engine.overdue(dt.datetime(2026, 9, 4, 21, 30, tzinfo=UTC)) == []
    late = dt.datetime(2026, 9, 4, 22, 30, tzinfo=UTC)  # 00:30 on the 5th in Oslo
    assert [d.case_id for d in engine.overdue(late)] == [case.id]
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.overdue(dt.datetime(2026, 9, 5))


def test_streamed_due_rows_are_checked_when_asked_for(tmp_path: Path) -> None:
    """iter_due and iter_overdue refuse a wrong after, page or day at the call, before any
    row is read; the rows are plain tuples, DueCase's fields in order."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id, days=3)
    (row,) = engine.iter_due()
    assert type(row) is tuple
    assert DueCase(*row) == engine.due()[0]
    wrong = ["2026-09-04,sak", ("2026-09-04", "sak"), (dt.date(2026, 9, 4),), (clock.now, "x")]
    for after in wrong:
        with pytest.raises(TypeError, match="after"):
            engine.iter_overdue(after=after)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="after"):
        engine.iter_due(after=(dt.date(2026, 9, 4), "sak\x00"))
    for page in [0, -1, True, 2.5]:
        with pytest.raises(ValueError, match="page"):
            engine.iter_due(page=page)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.iter_overdue(dt.datetime(2026, 9, 5))
    with pytest.raises(TypeError, match="within"):
        engine.iter_due(within=7)  # type: ignore[arg-type]
    assert list(engine.iter_overdue(dt.date.min)) == []
    assert list(engine.iter_overdue(dt.date.max)) == [row]
    assert list(engine.iter_overdue(dt.date.max, after=(row[1], row[0]))) == []


# --- the log and the state -----------------------------------------------------------------------


def test_state_row_equals_the_fold_and_the_chain_verifies(tmp_path: Path) -> None:
    """After a case runs through levels 0–2 (with refusals on the way), the stored state is the
    fold of the log and every hash chain verifies."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    with pytest.raises(ActionRefused):
        engine.act(case.id, "offer_baton", NURSE, to=NURSE)
    engine.act(case.id, "offer_baton", TEACHER, to=NURSE)
    engine.act(case.id, "accept_baton", NURSE)
    other = to_level_1_decision(engine, subject="elev-b")
    engine.act(other.id, "decide", TEACHER, outcome="expand", to_level=3, family_wish=WISH)
    for case_id in (case.id, other.id):
        entries = engine.log(case_id)
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert engine.case(case_id) == fold(entries)
    report = engine.verify()
    assert report.ok
    assert report.cases == 2


def test_every_entry_names_who_acted(tmp_path: Path) -> None:
    """Each entry records the actor, their role and unit, in UTC."""
    engine, _ = make_engine(tmp_path)
    case = to_level_2(engine)
    consent = next(e for e in engine.log(case.id) if e.kind == "consent_given")
    assert (consent.actor, consent.role, consent.unit) == (GUARDIAN.id, "guardian", "")
    assert all(e.time.utcoffset() == dt.timedelta(0) for e in engine.log(case.id))
    involved = engine.case(case.id).involved
    assert [i.unit for i in involved] == [HEALTH]


def test_decide_refuses_details_the_outcome_would_ignore(tmp_path: Path) -> None:
    """A detail that does not apply to the chosen outcome is refused, not silently dropped."""
    engine, clock = make_engine(tmp_path)
    case = to_level_1_decision(engine)
    refused = refuse(
        engine, case.id, "decide", TEACHER, "invalid_input", rule="input",
        outcome="close", changes="Bedre", agreed="Følge med", reason="Ingen grunn",
    )  # fmt: skip
    assert "«reason»" in refused.reasons[0].message
    assert "changes, agreed, hand_down_to" in refused.reasons[0].message
    refused = refuse(
        engine, case.id, "decide", TEACHER, "invalid_input", rule="input",
        outcome="continue", next_evaluation=clock.in_days(14), to_level=2,
    )  # fmt: skip
    assert "«to_level»" in refused.reasons[0].message


def test_a_closed_case_says_closed_before_checking_details(tmp_path: Path) -> None:
    """On a closed case, any action is refused as case_closed, whatever its parameters."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    case = to_level_0_decision(engine, case.id)
    engine.act(case.id, "decide", TEACHER, outcome="close", reason="Avklart i samtale.")
    refuse(engine, case.id, "schedule_meeting", TEACHER, "case_closed", kind="fest")
