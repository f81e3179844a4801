"""The forms of "what I can do now": each allowed action's fields, and a form's fields as params.

The fields come from the action's parameters (``btiflow.case.actions.ACTIONS[...].params``),
by their parser: a text is a text field, a yes/no two radio buttons, a date and a time the
browser's date and time inputs, a meeting a choice of the case's meetings, a kind of meeting or
an outcome a choice of the allowed ones, a person the fields of one person, services a
checkbox each (the relay log and the guide's ``consent.services``; a guide naming none gets a
comma-separated list), measures one measure, the goals of an evaluation one choice of how it
went per goal of the measure plan, a rights assessment its three answers. A form's fields are
turned back into the params
``Engine.act_with`` takes; whatever is wrong with them the engine refuses with its reasons,
so nothing here judges a value, it only shapes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from btiflow.case import params as p
from btiflow.case.actions import ACTIONS, MEETING_KINDS, Option
from btiflow.case.consent import RELAY_LOG
from btiflow.case.params import GOAL_STATUSES
from btiflow.case.state import Case
from btiflow.localtime import OSLO
from btiflow.words import dates, say
from btiflow.workflow.model import Workflow

SHORT = frozenset(
    {"leader", "place", "unit", "language", "title", "measure", "goal", "person", "responsible"}
)
"""Text parameters asked for in one line (the rest get a text area)."""
RIGHTS = ("responsibility_group", "individual_plan", "child_coordinator")
"""The three answers of a rights assessment (``btiflow.case.params.rights``)."""
PERSON = (p.staff_person, p.person, p.guardian)
PEOPLE = (p.persons, p.guardians)


@attrs.frozen
class Field:
    """One field of a form: its name in the form, its label, its kind (an input type,
    ``textarea``, ``radio``, ``select``, ``checkboxes``, ``group``, ``hidden``), and what it
    needs."""

    name: str
    label: str
    kind: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    parts: tuple[Field, ...] = ()
    help: str = ""
    value: str = ""


@attrs.frozen
class ActionForm:
    """An allowed action's form: its key (unique on the page), label, fields, and the reasons
    it was refused when it was just sent (shown next to it)."""

    key: str
    action: str
    label: str
    fields: tuple[Field, ...]
    notes: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


def label(language: str, option: Option) -> str:
    """The action's name for a person; a decision names its outcome."""
    text = say(language, f"pages.action.{option.action}")
    outcome = option.params.get("outcome")
    if outcome is not None:
        level = option.params.get("to_level")
        text += ": " + say(language, f"pages.outcome.{outcome}", level=level)
    return text


def key(option: Option) -> str:
    """The form's id on the page: the action, and a decision's outcome and level."""
    return "-".join(str(v) for v in (option.action, *option.params.values()))


def action_form(language: str, option: Option, case: Case, workflow: Workflow) -> ActionForm:
    """The form of an allowed option, its given params (a decision's outcome) as hidden fields."""
    fields = [Field(name, "", "hidden", value=str(v)) for name, v in option.params.items()]
    for name, (parser, required) in ACTIONS[option.action].params.items():
        if name not in option.params:
            found = _field(language, name, parser, required, case, workflow)
            if found is not None:
                fields.append(found)
    if option.action == "withdraw_consent":
        fields = [_given_only(f, case) if f.kind == "checkboxes" else f for f in fields]
    said = label(language, option)
    return ActionForm(key(option), option.action, said, tuple(fields), option.notes)


def _given_only(field: Field, case: Case) -> Field:
    """Withdrawing: a checkbox for each consent that stands (a unit the guide no longer names
    included), when there is any."""
    given = [c.unit for c in case.consents if c.status == "given"]
    if not given:
        return field
    titles = dict(field.choices)
    return attrs.evolve(field, choices=tuple((u, titles.get(u, u)) for u in given))


def _word(language: str, name: str) -> str:
    return say(language, f"pages.param.{name}")


def _field(
    language: str,
    name: str,
    parser: Callable[[Any], Any],
    required: bool,
    case: Case,
    workflow: Workflow,
) -> Field | None:
    said = _word(language, name)
    simple = {p.boolean: "radio", p.date: "date", p.datetime: "datetime-local", p.integer: "number"}
    if parser in simple:
        return Field(name, said, simple[parser], required)
    if parser is p.text:
        return _text(language, name, said, required, case, workflow)
    if parser is p.meeting_kind:
        kinds = tuple((k, say(language, f"pages.kind.{k}")) for k in MEETING_KINDS)
        return Field(name, said, "select", required, kinds)
    if parser is p.units:
        return _services(language, name, said, required, workflow)
    if parser is p.goal_statuses:
        return _goals(language, name, said, case)
    if parser is p.rights:
        parts = [(part, part, True) for part in RIGHTS]
        return Field(name, said, "group", required, parts=_parts(language, name, parts, required))
    if parser in PERSON or parser in PEOPLE:
        parts = [("id", "person_id", True), ("name", "person_name", False)]
        if parser is not p.guardian and parser is not p.guardians:
            parts.append(("unit", "person_unit", parser is p.staff_person))
        if parser is p.persons:  # invitees: the address the invitation goes to
            parts.append(("email", "person_email", False))
        return Field(name, said, "group", required, parts=_parts(language, name, parts, required))
    if parser is p.measures:
        parts = [("what", "measure_what", True), ("responsible", "measure_responsible", True)]
        by_date = Field(f"{name}.by_date", say(language, "pages.now.measure_by"), "date")
        group = (*_parts(language, name, parts, required), by_date)
        return Field(name, said, "group", required, parts=group)
    return Field(name, said, "unsupported", required)


def _text(
    language: str, name: str, said: str, required: bool, case: Case, workflow: Workflow
) -> Field:
    """A text: a meeting chosen of the case's, a unit of the guide's services (when it names
    them), a line, or a text area."""
    if name == "meeting":
        return Field(name, said, "select", required, _meetings(language, case))
    if name == "unit" and workflow.consent.services:
        return Field(name, said, "select", required, _service_choices(language, workflow))
    return Field(name, said, "text" if name in SHORT else "textarea", required)


def _services(language: str, name: str, said: str, required: bool, workflow: Workflow) -> Field:
    """A checkbox per service the guide names, and one for the relay log itself; a guide that
    names none leaves them to be typed."""
    services = workflow.consent.services
    if not services:
        return Field(name, said, "text", required, help=say(language, "pages.now.units_help"))
    choices = ((RELAY_LOG, say(language, "pages.now.relay_log")),)
    return Field(name, said, "checkboxes", required, choices + _service_choices(language, workflow))


def _service_choices(language: str, workflow: Workflow) -> tuple[tuple[str, str], ...]:
    """The guide's services: the unit as recorded, and the name shown."""
    return tuple(
        (s.unit, (s.title.get(language) if s.title is not None else None) or s.unit)
        for s in workflow.consent.services
    )


def _goals(language: str, name: str, said: str, case: Case) -> Field | None:
    """How each goal of the measure plan at the case's level went: one choice per goal (its id
    in a hidden field beside it); none when the plan has no goals."""
    goals = [g for g in case.goals if g.level == case.level]
    if not goals:
        return None
    statuses = tuple((s, say(language, f"views.goal.{s}")) for s in GOAL_STATUSES)
    parts: list[Field] = []
    for i, goal in enumerate(goals):
        parts.append(Field(f"{name}.{i}.goal", "", "hidden", value=goal.id))
        parts.append(Field(f"{name}.{i}.status", goal.text, "select", choices=statuses))
    return Field(name, said, "group", parts=tuple(parts))


def _parts(
    language: str, name: str, parts: list[tuple[str, str, bool]], required: bool
) -> tuple[Field, ...]:
    # a part is required only in a group that is: an optional person may be left out whole
    return tuple(
        Field(
            f"{name}.{part}",
            _part_word(language, word),
            _PART_KINDS.get(part, "text"),
            needed and required,
        )
        for part, word, needed in parts
    )


_PART_KINDS = {"email": "email"} | dict.fromkeys(RIGHTS, "textarea")
"""A group's parts are one-line texts, but an address and a rights assessment's answers."""


def _part_word(language: str, word: str) -> str:
    return say(language, f"pages.param.{word}" if word in RIGHTS else f"pages.now.{word}")


def _meetings(language: str, case: Case) -> tuple[tuple[str, str], ...]:
    return tuple(
        (m.id, f"{say(language, f'pages.kind.{m.kind}')}, {_when(m.at)}")
        for m in case.meetings
        if not m.cancelled
    )


def _when(at: str) -> str:
    try:
        return dates.short_moment(dt.datetime.fromisoformat(at))
    except ValueError:
        return at


def params_of(action: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The params of ``action`` from its form's fields; a field left empty is not given."""
    spec = ACTIONS.get(action)
    if spec is None:
        return {}
    found: dict[str, Any] = {}
    for name, (parser, _) in spec.params.items():
        value = _value(name, parser, form)
        if value is not None:
            found[name] = value
    return found


def _value(name: str, parser: Callable[[Any], Any], form: Mapping[str, str]) -> Any:
    raw = form.get(name, "").strip()
    if parser in PERSON:
        return _person(name, form)
    if parser in PEOPLE:
        one = _person(name, form)
        return [one] if one is not None else None
    if parser is p.measures:
        return _measure(name, form)
    if parser is p.units:
        return _units(name, form)
    if parser is p.goal_statuses:
        return _goal_statuses(name, form)
    if parser is p.rights:
        return _rights(name, form)
    if not raw:
        return None
    if parser is p.boolean:
        return {"ja": True, "nei": False}.get(raw, raw)
    return _typed(parser, raw)


def _units(name: str, form: Mapping[str, str]) -> list[str] | None:
    """The units ticked (``units.<n>``) or typed (``units``, comma-separated)."""
    found = [u.strip() for u in form.get(name, "").split(",") if u.strip()]
    prefix = f"{name}."
    found += [v.strip() for k, v in form.items() if k.startswith(prefix) and v.strip()]
    return found or None


def _goal_statuses(name: str, form: Mapping[str, str]) -> list[dict[str, str]] | None:
    """Each goal given a status (``goals.<n>.goal`` and ``goals.<n>.status``); a goal left
    without one is not said."""
    said = []
    n = 0
    while (goal := form.get(f"{name}.{n}.goal")) is not None:
        status = form.get(f"{name}.{n}.status", "").strip()
        if status:
            said.append({"goal": goal, "status": status})
        n += 1
    return said or None


def _rights(name: str, form: Mapping[str, str]) -> dict[str, str] | None:
    """The three answers, when any is given (a missing one is then the engine's to refuse)."""
    answers = {part: form.get(f"{name}.{part}", "").strip() for part in RIGHTS}
    return answers if any(answers.values()) else None


def _typed(parser: Callable[[Any], Any], raw: str) -> Any:
    # a value that does not read as its type is passed on as typed: the engine says what is wrong
    try:
        if parser is p.date:
            return dates.parse_day(raw)
        if parser is p.datetime:
            moment = dt.datetime.fromisoformat(raw)
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=OSLO)
        if parser is p.integer:
            return int(raw)
    except ValueError:
        return raw
    return raw


def _person(name: str, form: Mapping[str, str]) -> dict[str, str] | None:
    person_id = form.get(f"{name}.id", "").strip()
    if not person_id:
        return None
    person = {"id": person_id}
    for part in ("name", "unit", "email"):
        if value := form.get(f"{name}.{part}", "").strip():
            person[part] = value
    return person


def _measure(name: str, form: Mapping[str, str]) -> list[dict[str, Any]] | None:
    measure: dict[str, Any] = {}
    for part in ("what", "responsible", "by_date"):
        if value := form.get(f"{name}.{part}", "").strip():
            measure[part] = value
    if "by_date" in measure:
        measure["by_date"] = _typed(p.date, measure["by_date"])
    return [measure] if measure else None
