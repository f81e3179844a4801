"""The forms of "what I can do now" (btiflow.server.actionforms): every action's parameters get
a field, and whatever a form sends becomes params of that action only, never an error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import casekit as k
from hypothesis import given
from hypothesis import strategies as st

from btiflow.case.actions import ACTIONS, Option
from btiflow.case.consent import RELAY_LOG
from btiflow.localtime import OSLO
from btiflow.server.actionforms import Field, action_form, params_of
from btiflow.workflow.load import load_workflow

NORDVIK = Path(__file__).resolve().parent.parent / "examples" / "nordvik" / "veileder.yaml"

NAMES = [
    name
    for spec in ACTIONS.values()
    for param in spec.params
    for name in (
        param,
        f"{param}.id",
        f"{param}.name",
        f"{param}.unit",
        f"{param}.what",
        f"{param}.0",
        f"{param}.0.goal",
        f"{param}.0.status",
        f"{param}.individual_plan",
    )
]


@given(
    st.sampled_from(sorted(ACTIONS)),
    st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), st.text(max_size=20)),
)
def test_any_form_gives_params_of_the_action_only(action: str, form: dict[str, str]) -> None:
    params = params_of(action, form)
    assert set(params) <= set(ACTIONS[action].params)


def test_every_parameter_of_every_action_has_a_field_in_both_languages(tmp_path: Path) -> None:
    """Every parameter of every action has a field (the goals of an evaluation once the measure
    plan has goals: there is nothing to say of none)."""
    engine, _ = k.make_engine(tmp_path)
    case = k.to_level_1(engine)
    workflow = engine.workflow_of(case)
    bare = action_form("nb", Option("record_evaluation", True), case, workflow)
    assert "goals" not in {f.name for f in bare.fields}
    case = engine.act(case.id, "set_goal", k.TEACHER, text="Leker med andre i friminuttene")
    for lang in ("nb", "nn"):
        for action in ACTIONS:
            form = action_form(lang, Option(action, True), case, workflow)
            assert {f.name for f in form.fields} == set(ACTIONS[action].params)
            assert all(f.label for f in form.fields)
            # a decision's outcome comes with its option (a hidden field), never typed
            assert {f.name for f in form.fields if f.kind == "unsupported"} <= {"outcome"}


def _field(fields: tuple[Field, ...], name: str) -> Field:
    return next(f for f in fields if f.name == name)


def test_a_guide_naming_its_services_gives_a_checkbox_for_each(tmp_path: Path) -> None:
    """Consent is given by ticking the relay log or the guide's services; staff involve one of
    them by choosing it. A guide naming none leaves the services to be typed."""
    workflow = load_workflow(NORDVIK)
    engine, _ = k.make_engine(tmp_path, workflow)
    case = k.open_case(engine)
    for action in ("give_consent", "refuse_consent", "withdraw_consent"):
        form = action_form("nb", Option(action, True), case, workflow)
        units = _field(form.fields, "units")
        assert units.kind == "checkboxes"
        assert units.choices[0][0] == RELAY_LOG
        assert ("Helsestasjonen", "Helsestasjonen og skolehelsetjenesten") in units.choices
    nynorsk = action_form("nn", Option("give_consent", True), case, workflow)
    assert ("Helsestasjonen", "Helsestasjonen og skulehelsetenesta") in nynorsk.fields[0].choices
    involve = action_form("nb", Option("involve_unit", True), case, workflow)
    unit = _field(involve.fields, "unit")
    assert unit.kind == "select"
    assert [v for v, _ in unit.choices] == [s.unit for s in workflow.consent.services]
    k.to_level_0_decision(engine, case.id)
    case = engine.act(case.id, "give_consent", k.GUARDIAN, units=["PPT", RELAY_LOG])
    withdraw = action_form("nb", Option("withdraw_consent", True), case, workflow)
    given = [v for v, _ in _field(withdraw.fields, "units").choices]
    assert sorted(given) == sorted(["PPT", RELAY_LOG])  # only what stands may be withdrawn
    typed = action_form("nb", Option("give_consent", True), case, k.workflow("bti"))
    assert _field(typed.fields, "units").kind == "text"
    ticked = {"units.0": RELAY_LOG, "units.2": "PPT", "units.4": " "}
    assert params_of("give_consent", ticked) == {"units": [RELAY_LOG, "PPT"]}


def test_the_goals_of_an_evaluation_are_one_choice_each_and_the_engine_takes_them(
    tmp_path: Path,
) -> None:
    engine, clock = k.make_engine(tmp_path)
    case = k.to_level_1(engine)
    k.plan(engine, case.id)
    engine.act(case.id, "set_goal", k.TEACHER, text="Leker med andre i friminuttene")
    case = engine.act(case.id, "set_goal", k.TEACHER, text="Møter på skolen hver dag")
    first, second = case.goals
    workflow = engine.workflow_of(case)
    form = action_form("nb", Option("record_evaluation", True), case, workflow)
    goals = _field(form.fields, "goals")
    assert goals.kind == "group"
    shown = [(f.name, f.kind, f.label, f.value) for f in goals.parts]
    assert shown == [
        ("goals.0.goal", "hidden", "", first.id),
        ("goals.0.status", "select", first.text, ""),
        ("goals.1.goal", "hidden", "", second.id),
        ("goals.1.status", "select", second.text, ""),
    ]
    assert [text for _, text in goals.parts[1].choices] == ["nådd", "delvis nådd", "ikke nådd"]
    engine.act(case.id, "complete_step", k.TEACHER)
    meeting = engine.act(
        case.id, "schedule_meeting", k.TEACHER, kind="evaluation", at=clock.now
    ).meetings[-1]
    engine.act(case.id, "hold_meeting", k.TEACHER, meeting=meeting.id, child_took_part=True)
    sent = {
        "meeting": meeting.id,
        "experience": "Bedre",
        "changes": "Mer lek",
        "status": "Delvis",
        "goals.0.goal": first.id,
        "goals.0.status": "reached",
        "goals.1.goal": second.id,
        "goals.1.status": "",  # not said: left out
    }
    params = params_of("record_evaluation", sent)
    assert params["goals"] == [{"goal": first.id, "status": "reached"}]
    case = engine.act_with(case.id, "record_evaluation", k.TEACHER, params)
    assert [(g.id, g.status) for g in case.goals] == [(first.id, "reached"), (second.id, None)]


def test_the_rights_assessment_is_its_three_answers() -> None:
    """A decision's rights assessment: the three answers when any is given (a missing one is
    the engine's to refuse, in the guide's words), nothing when none is."""
    answers = {
        "rights_assessment.responsibility_group": "Ja, opprettes",
        "rights_assessment.individual_plan": "Ikke nå",
        "rights_assessment.child_coordinator": "Nei",
    }
    said = params_of("decide", {"outcome": "expand"} | answers)
    assert said["rights_assessment"] == {
        "responsibility_group": "Ja, opprettes",
        "individual_plan": "Ikke nå",
        "child_coordinator": "Nei",
    }
    assert "rights_assessment" not in params_of("decide", {"outcome": "expand"})
    half = params_of("decide", {"rights_assessment.individual_plan": "Ja"})
    assert half["rights_assessment"]["responsibility_group"] == ""


def test_the_fields_are_read_as_their_types() -> None:
    form = {
        "kind": "planning",
        "at": "2027-01-12T09:30",
        "place": "  Møterom 2 ",
        "invitees.id": "foresatt-1",
        "invitees.name": "",
    }
    assert params_of("schedule_meeting", form) == {
        "kind": "planning",
        "at": dt.datetime(2027, 1, 12, 9, 30, tzinfo=OSLO),
        "place": "Møterom 2",
        "invitees": [{"id": "foresatt-1"}],
    }
    said = params_of("hold_meeting", {"meeting": "m1", "child_took_part": "nei"})
    assert said == {"meeting": "m1", "child_took_part": False}
    assert params_of("give_consent", {"units": "Helsestasjonen, PPT"}) == {
        "units": ["Helsestasjonen", "PPT"]
    }
    agreed = params_of(
        "agree_measures",
        {
            "measures.what": "Samtale",
            "measures.responsible": "Lærer",
            "measures.by_date": "1.2.2027",
        },
    )
    assert agreed["measures"] == [
        {"what": "Samtale", "responsible": "Lærer", "by_date": dt.date(2027, 2, 1)}
    ]
    # a value that does not read as its type goes on as typed: the engine words the problem
    assert params_of("decide", {"outcome": "expand", "to_level": "to"})["to_level"] == "to"
