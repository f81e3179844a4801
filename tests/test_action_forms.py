"""The forms of "what I can do now" (btiflow.server.actionforms): every action's parameters get
a field, and whatever a form sends becomes params of that action only, never an error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import casekit as k
from hypothesis import given
from hypothesis import strategies as st

from btiflow.case.actions import ACTIONS, Option
from btiflow.localtime import OSLO
from btiflow.server.actionforms import action_form, params_of

NAMES = [
    name
    for spec in ACTIONS.values()
    for param in spec.params
    for name in (param, f"{param}.id", f"{param}.name", f"{param}.unit", f"{param}.what")
]


@given(
    st.sampled_from(sorted(ACTIONS)),
    st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), st.text(max_size=20)),
)
def test_any_form_gives_params_of_the_action_only(action: str, form: dict[str, str]) -> None:
    params = params_of(action, form)
    assert set(params) <= set(ACTIONS[action].params)


def test_every_parameter_of_every_action_has_a_field_in_both_languages(tmp_path: Path) -> None:
    engine, _ = k.make_engine(tmp_path)
    case = k.open_case(engine)
    for lang in ("nb", "nn"):
        for action in ACTIONS:
            form = action_form(lang, Option(action, True), case)
            assert {f.name for f in form.fields} == set(ACTIONS[action].params)
            assert all(f.label for f in form.fields)


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
