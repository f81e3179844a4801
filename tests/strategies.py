"""Hypothesis strategies for btiflow's tests, in one module.

Sections:
- workflow mutations: the shipped workflows, changed as text, as bytes or as a parsed tree, to
  prove the loader reports every broken file as a located ``WorkflowError`` and never crashes.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from btiflow.workflow.yamlsource import LList, LMap, parse_text

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"

# --- workflow mutations ------------------------------------------------------------------------


def shipped_paths() -> list[Path]:
    """Every workflow file in workflows/ (read at collection time: others may add files)."""
    return sorted(WORKFLOWS.glob("*.yaml"))


@functools.cache
def _shipped_texts() -> tuple[tuple[str, str], ...]:
    # Read once per run: data generation must not depend on files others may be editing.
    return tuple((p.name, p.read_text(encoding="utf-8")) for p in shipped_paths())


def shipped_texts() -> st.SearchStrategy[tuple[str, str]]:
    """(file name, text) of a shipped workflow."""
    return st.sampled_from(_shipped_texts())


# Fragments that tend to upset YAML or the loader: indicators, tabs, control characters, anchors,
# tags, flow brackets, quotes, YAML 1.1 booleans, huge numbers, non-ASCII letters.
GARBAGE = [
    "\t",
    "\x00",
    "\x07",
    "\ufeff",
    ":",
    ": ",
    "- ",
    "-",
    "#",
    "&a ",
    "*a",
    "!!int ",
    "!x ",
    "%",
    "@",
    "`",
    "|",
    ">",
    "?",
    "{",
    "}",
    "[",
    "]",
    ",",
    '"',
    "'",
    "\\",
    "\n",
    "\r\n",
    "  ",
    "~",
    "no",
    "yes",
    "on",
    "off",
    "null",
    "true",
    "1e3",
    "0x1F",
    "2024-01-01",
    "9" * 30,
    "P1M",
    "æøå",
    "áčđŋšŧž",
    "\u2028",
    "---\n",
    "...\n",
    "<<: ",
    "\n  extra: 1\n",
    "\n- x\n",
]


@st.composite
def text_mutations(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped workflow's text with one edit: insert, delete, truncate, duplicate or swap."""
    name, text = draw(shipped_texts())
    op = draw(
        st.sampled_from(
            ["insert", "delete", "truncate", "duplicate_line", "swap_lines", "replace_char"]
        )
    )
    n = len(text)
    if op == "insert":
        pos = draw(st.integers(0, n))
        junk = draw(st.sampled_from(GARBAGE) | st.text(max_size=8))
        return name, text[:pos] + junk + text[pos:]
    if op == "delete":
        start = draw(st.integers(0, n))
        length = draw(st.integers(1, 200))
        return name, text[:start] + text[start + length :]
    if op == "truncate":
        return name, text[: draw(st.integers(0, n))]
    if op == "replace_char":
        pos = draw(st.integers(0, max(n - 1, 0)))
        char = draw(st.characters(codec="utf-8") | st.sampled_from(GARBAGE))
        return name, text[:pos] + char + text[pos + 1 :]
    lines = text.splitlines(keepends=True)
    i = draw(st.integers(0, len(lines) - 1))
    if op == "duplicate_line":
        lines.insert(i, lines[i])
    else:
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    return name, "".join(lines)


@st.composite
def byte_mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """A shipped workflow's bytes with random bytes inserted or overwritten (often not UTF-8)."""
    name, text = draw(shipped_texts())
    data = text.encode("utf-8")
    pos = draw(st.integers(0, len(data)))
    junk = draw(st.binary(min_size=1, max_size=6))
    if draw(st.booleans()):
        return name, data[:pos] + junk + data[pos:]
    return name, data[:pos] + junk + data[pos + len(junk) :]


def plain(node: Any) -> Any:
    """A located tree as plain dicts and lists, keys and scalars as the loader reads them."""
    if isinstance(node, LMap):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, LList):
        return [plain(v) for v in node]
    return node


def shipped_tree(text: str) -> Any:
    tree, problems = parse_text(text, "tree")
    assert not problems, problems
    return plain(tree)


def _containers(node: Any, found: list[Any]) -> list[Any]:
    if isinstance(node, dict | list):
        found.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, found)
    return found


# Replacement values of another type than is usually expected (deep-copied when drawn: a later
# edit may change a list or mapping in place, and generation must not change these).
ODD_VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        4,
        17,
        10**20,
        "",
        " ",
        "no",
        "yes",
        "P1M",
        "x" * 300,
        "bti",
        "https://",
        "../x",
        [],
        {},
        ["nb"],
        {"nb": "x"},
        {"no": "x"},
        [[1]],
        {"kind": "close"},
        [{"id": "n1-iverksett"}],
        "n1-iverksett",
        "levels",
    ]
)


def _typo(word: str, draw: st.DrawFn) -> str:
    if not word:
        return "x"
    i = draw(st.integers(0, len(word) - 1))
    how = draw(st.sampled_from(["drop", "double", "upper", "other"]))
    if how == "drop":
        return word[:i] + word[i + 1 :] or "x"
    if how == "double":
        return word[:i] + word[i] + word[i:]
    if how == "upper":
        return word.upper()
    return draw(
        st.sampled_from(
            [
                "extends",
                "after",
                "remove",
                "add_tools",
                "add_questions",
                "level",
                "id",
                "to",
                "step",
                "kind",
                "title",
                "nb",
                "se",
                "no",
                "on",
                "1",
                "true",
            ]
        )
    )


TreeEdit = Callable[[Any], None]


@st.composite
def tree_mutations(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped workflow parsed, changed in its tree, and written back as YAML.

    The edits: delete a key, rename a key (a typo or another key of the format), give a value
    another type, duplicate a list item, swap two list items, empty a list. One to three edits.
    """
    name, text = draw(shipped_texts())
    tree = copy.deepcopy(shipped_tree(text))
    for _ in range(draw(st.integers(1, 3))):
        nodes = _containers(tree, [])
        node = draw(st.sampled_from(nodes))
        if isinstance(node, dict):
            if not node:
                node["x"] = copy.deepcopy(draw(ODD_VALUES))
                continue
            key = draw(st.sampled_from(sorted(node, key=str)))
            op = draw(st.sampled_from(["delete", "rename", "retype"]))
            if op == "delete":
                del node[key]
            elif op == "rename":
                node[_typo(str(key), draw)] = node.pop(key)
            else:
                node[key] = copy.deepcopy(draw(ODD_VALUES))
        else:
            if not node:
                node.append(copy.deepcopy(draw(ODD_VALUES)))
                continue
            i = draw(st.integers(0, len(node) - 1))
            op = draw(st.sampled_from(["duplicate", "swap", "retype", "delete", "clear"]))
            if op == "duplicate":
                node.insert(i, copy.deepcopy(node[i]))
            elif op == "swap":
                j = draw(st.integers(0, len(node) - 1))
                node[i], node[j] = node[j], node[i]
            elif op == "retype":
                node[i] = copy.deepcopy(draw(ODD_VALUES))
            elif op == "delete":
                del node[i]
            else:
                node.clear()
    return name, yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=100)


# --- case engine: actors, action parameters (sensible and random) -------------------------------
# Used by tests/test_case_properties.py. The actors of a case, the units they work in, and two ways
# to fill an action's parameters: ``good_params`` (what a careful user would send now, chosen by
# looking at the case) and ``random_params`` (any keys, valid or broken values).

import datetime as _dt  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from btiflow.case.actions import ACTIONS  # noqa: E402
from btiflow.case.consent import RELAY_LOG  # noqa: E402
from btiflow.case.people import Actor, Person  # noqa: E402
from btiflow.case.state import Case  # noqa: E402

OSLO = ZoneInfo("Europe/Oslo")
SCHOOL = "Olderdalen skole"
HEALTH = "Helsestasjonen"
PPT = "PPT"
START = _dt.datetime(2026, 9, 1, 9, 0, tzinfo=OSLO)
CHILD_BORN = "2010-06-15"  # 16 on START: old enough to consent for themself (limit 15)

ACTORS: dict[str, Actor] = {
    "teacher": Actor("kari", "employee", SCHOOL, "Kari Lærer"),
    "leader": Actor("rektor", "leader", SCHOOL, "Rektor"),
    "nurse": Actor("helga", "employee", HEALTH, "Helga Helsesykepleier"),
    "ppt": Actor("per", "employee", PPT, "Per Rådgiver"),
    "guardian": Actor("mor", "guardian", "", "Mor"),
    "child": Actor("elev-17", "child", "", "Elev"),  # the subject of the harness's cases
    "stranger": Actor("ola", "employee", "NAV", "Ola Uvedkommende"),
}
STAFF = [a for a in ACTORS.values() if a.is_staff]
OTHER_UNITS = [HEALTH, PPT, "NAV", "BUP"]
TEXTS = ["Trekker seg unna", "Bedre i friminutt", "Samtale hjemme", "Mer motivert", "Ok"]


def eval_date(draw: Callable[[Any], Any], today: _dt.date) -> dict[str, Any]:
    """A next evaluation date: mostly within four weeks, sometimes later with a reason."""
    if draw(st.integers(0, 5)) == 0:
        return {
            "next_evaluation": today + _dt.timedelta(days=draw(st.integers(29, 60))),
            "delay_reason": "Ferie",
        }
    return {"next_evaluation": today + _dt.timedelta(days=draw(st.integers(0, 28)))}


class _Ask:
    """What ``good_params`` knows when it fills an action's parameters, and its draws."""

    def __init__(
        self,
        draw: Callable[[Any], Any],
        option_params: dict[str, Any],
        case: Case,
        now: _dt.datetime,
    ) -> None:
        self.draw = draw
        self.option_params = option_params
        self.case = case
        self.now = now
        self.today = now.astimezone(OSLO).date()
        self.held = [m for m in case.meetings if m.held]

    def text(self) -> str:
        chosen: str = self.draw(st.sampled_from(TEXTS))
        return chosen

    def staff_person(self) -> Person:
        chosen: Actor = self.draw(st.sampled_from(STAFF))
        return chosen.as_person()

    def one_of(self, values: list[Any]) -> Any:
        return self.draw(st.sampled_from(values))

    def dict_of(self, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self.one_of(choices))

    def integer(self, low: int, high: int) -> int:
        chosen: int = self.draw(st.integers(low, high))
        return chosen

    def boolean(self) -> bool:
        chosen: bool = self.draw(st.booleans())
        return chosen

    def open_meeting(self) -> str:
        chosen: str = self.one_of([m.id for m in self.case.meetings if not m.held] or ["m1"])
        return chosen

    def given_units(self) -> list[str]:
        return [c.unit for c in self.case.consents if c.status == "given"] or [HEALTH]

    def eval_date(self) -> dict[str, Any]:
        return eval_date(self.draw, self.today)


def _consult_child_welfare(ask: _Ask) -> dict[str, Any]:
    p: dict[str, Any] = {"advice": ask.text()}
    if ask.integer(0, 3) == 0:
        p["tell_guardians"] = ask.boolean()  # sometimes: advised not to tell them (rule 2)
    return p


def _inform_guardians(ask: _Ask) -> dict[str, Any]:
    p = ask.dict_of([{}, {"note": ask.text()}])
    if ask.integer(0, 5):
        p["guardians"] = [ACTORS["guardian"].as_person()]
    return p


def _decide(ask: _Ask) -> dict[str, Any]:
    case = ask.case
    p = dict(ask.option_params) or {"outcome": ask.one_of(["close", "continue"])}
    if p["outcome"] == "close":
        if case.level == 0:
            p["reason"] = ask.text()
        else:
            p.update(changes=ask.text(), agreed=ask.text())
        if case.level == 3 and ask.boolean():
            p.update(hand_down_to=ask.one_of([1, 2]), family_wish=ask.text())
            p.update(ask.eval_date())
    elif p["outcome"] == "continue":
        p.update(ask.eval_date())
    else:
        _expand(ask, p)
    return p


def _expand(ask: _Ask, p: dict[str, Any]) -> None:
    """Fill the parameters of an 'expand' decision: the family's wish, maybe a baton holder."""
    case = ask.case
    p["family_wish"] = ask.text()
    own = [a for a in STAFF if a.unit == case.opened_by.unit]
    if case.baton_holder is None:
        pool = own if ask.integer(0, 2) else STAFF
        holder: Actor = ask.one_of(pool)
        p["baton_holder"] = holder.as_person()
    elif ask.boolean():
        p["baton_holder"] = ask.staff_person()
    if case.level == 3 and not case.rights_assessed and ask.integer(0, 5):
        p["rights_assessment"] = _rights_assessment(ask)


def _rights_assessment(ask: _Ask) -> dict[str, Any]:
    return {
        "responsibility_group": ask.text(),
        "individual_plan": ask.text(),
        "child_coordinator": ask.text(),
    }


def _schedule_meeting(ask: _Ask) -> dict[str, Any]:
    wanted = "evaluation" if "evaluer" in ask.case.step else "planning"
    kind = ask.one_of([wanted] * 4 + ["startup", "other"])
    p = {"kind": kind, "at": ask.now + _dt.timedelta(days=ask.integer(0, 7))}
    if ask.boolean():
        p["invitees"] = [ACTORS["guardian"].as_person(), ask.staff_person()]
    return p


def _hold_meeting(ask: _Ask) -> dict[str, Any]:
    took = ask.boolean()  # drawn before the meeting, as the examples were first written
    meeting = ask.open_meeting()
    p: dict[str, Any] = {"meeting": meeting, "child_took_part": took}
    if not took and ask.integer(0, 5):
        p["child_voice"] = "Samtale med kontaktlærer før møtet"
    if ask.case.interpreters and ask.integer(0, 2):
        p["interpreter_present"] = ask.boolean()
    return p


def _interpreter_need(ask: _Ask) -> dict[str, Any]:
    people = ["child", *(g.id for g in ask.case.guardians)]
    if not ask.integer(0, 5):
        people.append("nabo-x")  # nobody in the case: refused
    return {"person": ask.one_of(people), "language": ask.one_of(["arabisk", "somali", "polsk"])}


def _record_minutes(ask: _Ask) -> dict[str, Any]:
    ids = [m.id for m in ask.held if not m.minutes] or ["m1"]
    return {"meeting": ask.one_of(ids), "text": ask.text()}


def _agree_measures(ask: _Ask) -> dict[str, Any]:
    held = ask.held
    ids = [m.id for m in held if m.cycle == ask.case.cycle] or [m.id for m in held] or ["m1"]
    measures: list[dict[str, Any]] = [{"what": ask.text(), "responsible": "Kari"}]
    if ask.boolean():
        measures.append({"what": ask.text(), "responsible": "Mor", "by_date": ask.today})
    if ask.case.goals and ask.integer(0, 2):  # tied to a goal of the plan (or, rarely, none)
        goals = [g.id for g in ask.case.goals] + (["g99"] if not ask.integer(0, 9) else [])
        measures[0]["goal"] = ask.one_of(goals)
    return {"meeting": ask.one_of(ids), "measures": measures} | ask.eval_date()


def _running_measure(ask: _Ask) -> str:
    chosen: str = ask.one_of([m.id for m in ask.case.measures if not m.ended] or ["t1"])
    return chosen


def _revise_measure(ask: _Ask) -> dict[str, Any]:
    p: dict[str, Any] = {"measure": _running_measure(ask)}
    change = ask.one_of(["what", "responsible", "by_date", "goal"])
    if change == "by_date":
        p["by_date"] = ask.today + _dt.timedelta(days=ask.integer(0, 40))
    elif change == "goal":
        p["goal"] = ask.one_of([g.id for g in ask.case.goals] or ["g1"])
    else:
        p[change] = ask.text()
    if ask.boolean():
        p["reason"] = ask.text()
    return p


def _goal_statuses(ask: _Ask) -> list[dict[str, Any]]:
    return [
        {"goal": g.id, "status": ask.one_of(["reached", "partly", "not"])}
        for g in ask.case.goals
        if ask.boolean()
    ]


def _record_evaluation(ask: _Ask) -> dict[str, Any]:
    ids = [m.id for m in ask.held if m.kind == "evaluation"] or ["m1"]
    p = {
        "meeting": ask.one_of(ids),
        "experience": ask.text(),
        "changes": ask.text(),
        "status": ask.text(),
    }
    if ask.case.goals:  # per goal how it went (some of them)
        said = _goal_statuses(ask)
        if said:
            p["goals"] = said
    return p


def _reschedule_evaluation(ask: _Ask) -> dict[str, Any]:
    p = ask.eval_date()
    if "delay_reason" in p:
        p["reason"] = p.pop("delay_reason")
    return p


def _consent(ask: _Ask) -> dict[str, Any]:
    if "avklar-behov" in ask.case.step and ask.case.level == 0 and ask.integer(0, 3):
        return {"units": [RELAY_LOG]}  # the family's consent to the log, to leave level 0
    pool = [*OTHER_UNITS[:3], RELAY_LOG]
    return {"units": ask.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2))}


def _withdraw_consent(ask: _Ask) -> dict[str, Any]:
    given = ask.given_units()
    return {"units": ask.draw(st.lists(st.sampled_from(given), min_size=1, max_size=2))}


def _involve_unit(ask: _Ask) -> dict[str, Any]:
    unit: str = ask.one_of([u for u in ask.given_units() if u != RELAY_LOG] or [HEALTH])
    p: dict[str, Any] = {"unit": unit, "task": ask.text()}
    people = [a for a in STAFF if a.unit == unit]
    if people and ask.boolean():
        p["person"] = people[0].as_person()
    return p


def _offer_baton(ask: _Ask) -> dict[str, Any]:
    case = ask.case
    holder = case.baton_holder.id if case.baton_holder else None
    allowed = {case.opened_by.unit} | {c.unit for c in case.consents if c.status == "given"}
    pool = [a for a in STAFF if a.id != holder and a.unit in allowed]
    pool = pool if pool and ask.integer(0, 5) else STAFF
    to: Actor = ask.one_of(pool)
    return {"to": to.as_person()}


def _move_meeting(ask: _Ask) -> dict[str, Any]:
    meeting = ask.open_meeting()
    return {"meeting": meeting, "at": ask.now + _dt.timedelta(days=ask.integer(1, 7))}


# What a careful user sends, per action (``good_params`` looks the action up here).
GOOD_PARAMS: dict[str, Callable[[_Ask], dict[str, Any]]] = {
    "record_concern": lambda ask: {"description": ask.text(), "suspected_harm": ask.boolean()},
    "consult_child_welfare": _consult_child_welfare,
    "withhold_from_guardians": lambda ask: {"reason": ask.text()},
    "send_report": lambda ask: ask.dict_of([{}, {"note": ask.text()}]),
    "inform_leader": lambda ask: {"leader": "rektor"},
    "inform_guardians": _inform_guardians,
    "register_guardian": lambda ask: {"person": ACTORS["guardian"].as_person()},
    "register_young_person": lambda ask: {"person": {"id": "nid:elev-17-innlogging"}},
    "ask_to_close": lambda ask: ask.dict_of([{}, {"reason": ask.text()}]),
    "inform_child": lambda ask: ask.dict_of([{}, {"note": ask.text()}]),
    "decline_baton": lambda ask: ask.dict_of([{}, {"reason": ask.text()}]),
    "complete_step": lambda ask: {},
    "accept_baton": lambda ask: {},
    "withdraw_baton_offer": lambda ask: {},
    "decide": _decide,
    "appoint_contact_person": lambda ask: {"person": ask.staff_person()},
    "schedule_meeting": _schedule_meeting,
    "hold_meeting": _hold_meeting,
    "record_minutes": _record_minutes,
    "agree_measures": _agree_measures,
    "record_evaluation": _record_evaluation,
    "reschedule_evaluation": _reschedule_evaluation,
    "give_consent": _consent,
    "refuse_consent": _consent,
    "withdraw_consent": _withdraw_consent,
    "involve_unit": _involve_unit,
    "offer_baton": _offer_baton,
    "record_rights_assessment": _rights_assessment,
    "move_meeting": _move_meeting,
    "cancel_meeting": lambda ask: {"meeting": ask.open_meeting()},
    "add_note": lambda ask: {"text": ask.text()},
    "record_interpreter_need": _interpreter_need,
    "add_document": lambda ask: {"title": ask.text(), "shared_with_family": ask.boolean()},
    "set_goal": lambda ask: {"text": ask.text()},
    "form_responsibility_group": lambda ask: {
        "members": [ask.staff_person(), ACTORS["guardian"].as_person()]
    },
    "start_individual_plan": lambda ask: {"coordinator": ask.staff_person()},
    "apply_child_coordinator": lambda ask: ask.dict_of([{}, {"note": ask.text()}]),
    "revise_measure": _revise_measure,
    "end_measure": lambda ask: (
        {"measure": _running_measure(ask)} | ask.dict_of([{}, {"reason": ask.text()}])
    ),
}


def good_params(
    draw: Callable[[Any], Any],
    action: str,
    option_params: dict[str, Any],
    case: Case,
    now: _dt.datetime,
) -> dict[str, Any]:
    """Parameters a careful user would send for ``action`` now (parseable; mostly accepted)."""
    if action not in GOOD_PARAMS:
        raise AssertionError(f"no parameters known for {action}")
    return GOOD_PARAMS[action](_Ask(draw, option_params, case, now))


# Values of the wrong type or shape, for any parameter.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 5),
    st.text(max_size=4),
    st.sampled_from(["", "  ", "m1", "m99", "2026-13-01", "close", "expand"]),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["id", "x", "what"]), st.integers(0, 2), max_size=2),
    st.floats(allow_nan=True),
    st.just(_dt.datetime(2026, 9, 3, 10, 0)),  # naive
)

_PERSON_VALUES = st.one_of(
    st.sampled_from(list(ACTORS.values())),
    st.sampled_from(list(ACTORS.values())).map(Actor.as_person),
    st.sampled_from(list(ACTORS.values())).map(lambda a: {"id": a.id, "unit": a.unit}),
    st.just(Person("ekstern", "Ekstern", "BUP")),
    st.just({"id": ""}),
    st.just({"id": "x", "nope": 1}),
)
_DATES = st.one_of(
    st.dates(_dt.date(2026, 8, 1), _dt.date(2027, 3, 1)),
    st.dates(_dt.date(2026, 8, 1), _dt.date(2027, 3, 1)).map(_dt.date.isoformat),
    st.just("2026-02-30"),
)
_TEXT_VALUES = st.one_of(st.sampled_from(TEXTS), st.text(max_size=6), st.just(" \t"))
_BY_PARSER: dict[str, st.SearchStrategy[Any]] = {
    "_text": _TEXT_VALUES,
    "_bool": st.booleans(),
    "_int": st.integers(-1, 4),
    "_date": _DATES,
    "_datetime": st.one_of(
        st.integers(0, 30).map(lambda d: START + _dt.timedelta(days=d)),
        st.just("2026-10-01T09:00+02:00"),
        st.just("2026-10-01T09:00"),
    ),
    "_person": _PERSON_VALUES,
    "_persons": st.lists(_PERSON_VALUES, max_size=2),
    "_units": st.one_of(
        st.sampled_from([*OTHER_UNITS, SCHOOL, " PPT "]),
        st.lists(st.sampled_from([*OTHER_UNITS, SCHOOL, ""]), max_size=3),
    ),
    "_measures": st.lists(
        st.fixed_dictionaries(
            {"what": _TEXT_VALUES, "responsible": _TEXT_VALUES},
            optional={"by_date": _DATES, "extra": st.just(1)},
        ),
        max_size=2,
    ),
    "_goal_statuses": st.lists(
        st.fixed_dictionaries(
            {
                "goal": st.sampled_from(["g1", "g2", "x"]),
                "status": st.sampled_from(["reached", "partly", "not", "nope"]),
            },
        ),
        max_size=2,
    ),
    "_meeting_kind": st.sampled_from(["planning", "startup", "evaluation", "other", "party"]),
    "_outcome": st.sampled_from(["close", "continue", "expand", "pause"]),
    "_rights": st.one_of(
        st.just(
            {"responsibility_group": "Ja", "individual_plan": "Nei", "child_coordinator": "Nei"}
        ),
        st.just({"responsibility_group": "Ja"}),
    ),
}


@st.composite
def random_params(draw: st.DrawFn, action: str) -> dict[str, Any]:
    """Any subset of ``action``'s parameters (plus maybe an unknown one), values valid or not."""
    spec = ACTIONS.get(action)
    names = list(spec.params) if spec else []
    chosen = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    params: dict[str, Any] = {}
    for name in chosen:
        parser = spec.params[name][0].__name__ if spec else ""
        good = _BY_PARSER.get(parser, JUNK)
        params[name] = draw(st.one_of(good, good, good, JUNK))
    if draw(st.integers(0, 9)) == 0:
        params["colour"] = draw(JUNK)
    return params


# --- guide edits, for migrations ---------------------------------------------------------------
# Used by tests/test_migrate_properties.py: random edits a guide editor might make to Kåfjord's
# guide (rename, remove and add steps, change evaluation deadlines), as overlay lines for
# ``helpers.variants.variant_text``. Steps Kåfjord's own file already names are left alone (an
# overlay names a step once), and 'continue' targets and decision steps are never removed.

_EDITABLE = {
    0: ["n0-del-med-leder", "n0-del-med-foresatte", "n0-grunn-til-oppfolging"],
    1: ["n1-iverksett", "n1-evaluer"],
    2: ["n2-planlegg", "n2-gjennomfor", "n2-evaluer"],
    3: ["n3-kontakt-instanser", "n3-planlegg", "n3-iverksett", "n3-evaluer"],
}
_CONTINUE_TARGETS = {"n1-iverksett", "n2-gjennomfor", "n3-iverksett"}
_NEW_RECORDS = ["meeting", "minutes", "child_voice", "measures", "contact_person", "consent"]
_NEW_REQUIRES = ["leader_informed", "baton_holder_appointed", "rights_assessed", "consent_given"]


@st.composite
def guide_edits(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments for ``variant_text``: a new version with random step and deadline
    edits (possibly none but the version)."""
    items: dict[int, dict[str, dict[str, str]]] = {n: {} for n in range(4)}
    removed: set[str] = set()
    for _ in range(draw(st.integers(1, 5))):
        what = draw(st.sampled_from(["rename", "remove", "add", "deadline", "level_deadline"]))
        level = draw(st.integers(0, 3))
        if what in ("rename", "remove"):
            step_id = draw(st.sampled_from(_EDITABLE[level]))
            if what == "remove" and step_id not in _CONTINUE_TARGETS and len(removed) < 2:
                items[level].setdefault(step_id, {})["remove"] = "true"
                removed.add(step_id)
            elif step_id not in removed:
                number = draw(st.integers(1, 9))
                items[level].setdefault(step_id, {})["title"] = f"Nytt navn {number}"
        elif what == "add":
            after = draw(st.sampled_from([s for s in _EDITABLE[level] if s not in removed]))
            new = {"title": "Et nytt steg", "after": after}
            records = draw(st.lists(st.sampled_from(_NEW_RECORDS), max_size=2, unique=True))
            requires = draw(st.lists(st.sampled_from(_NEW_REQUIRES), max_size=1))
            if records:
                new["records"] = f"[{', '.join(records)}]"
            if requires:
                new["requires"] = f"[{', '.join(requires)}]"
            items[level][f"n{level}-nytt-{len(items[level])}"] = new
    steps = {
        level: "".join(
            "      - id: " + sid + "\n" + "".join(f"        {k}: {v}\n" for k, v in keys.items())
            for sid, keys in by_id.items()
        )
        for level, by_id in items.items()
        if by_id
    }
    top = ""
    if draw(st.booleans()):
        top = f"deadlines:\n  evaluation: P{draw(st.integers(1, 8))}W\n"
    level_keys = {}
    if draw(st.integers(0, 3)) == 0:
        level = draw(st.integers(1, 3))
        level_keys[level] = f"    deadlines:\n      evaluation: P{draw(st.integers(1, 8))}W\n"
    return {"steps": steps, "top": top, "level_keys": level_keys}


# --- access: random actors ----------------------------------------------------------------------
# Used by tests/test_access_properties.py: people who may or may not be tied to a case, including
# forged ones (a known id with another role or unit), to prove nobody sees what the rules forbid.

KNOWN_IDS = ["laerer-a", "rektor-b", "foresatt-c", "elev-0042", "helsesyk-e", "laerer-f", "ppt-g"]
KNOWN_UNITS = ["Nordvik skole", "Helsestasjonen", "PPT", "NAV", ""]


@st.composite
def random_actors(draw: st.DrawFn) -> Actor:
    """Any actor: a known or unknown id, any role, any unit (so also forged combinations)."""
    ident = draw(st.sampled_from(KNOWN_IDS) | st.sampled_from(["ukjent", "foresatt-x", "elev-9"]))
    role = draw(st.sampled_from(["employee", "leader", "guardian", "child", "admin"]))
    unit = draw(st.sampled_from(KNOWN_UNITS))
    return Actor(ident, role, unit, draw(st.sampled_from(["", "Navn"])))
