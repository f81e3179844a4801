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


def good_params(
    draw: Callable[[Any], Any],
    action: str,
    option_params: dict[str, Any],
    case: Case,
    now: _dt.datetime,
) -> dict[str, Any]:
    """Parameters a careful user would send for ``action`` now (parseable; mostly accepted)."""
    text = lambda: draw(st.sampled_from(TEXTS))  # noqa: E731
    today = now.astimezone(OSLO).date()
    staff_person = lambda: draw(st.sampled_from(STAFF)).as_person()  # noqa: E731
    meetings = case.meetings
    if action == "record_concern":
        return {"description": text(), "suspected_harm": draw(st.booleans())}
    if action == "consult_child_welfare":
        return {"advice": text()}
    if action == "inform_leader":
        return {"leader": "rektor"}
    if action == "inform_guardians":
        p = draw(st.sampled_from([{}, {"note": text()}]))
        if draw(st.integers(0, 5)):
            p["guardians"] = [ACTORS["guardian"].as_person()]
        return p
    if action == "register_guardian":
        return {"person": ACTORS["guardian"].as_person()}
    if action == "ask_to_close":
        return draw(st.sampled_from([{}, {"reason": text()}]))
    if action in ("inform_child", "decline_baton"):
        key = "reason" if action == "decline_baton" else "note"
        return draw(st.sampled_from([{}, {key: text()}]))
    if action in ("complete_step", "accept_baton", "withdraw_baton_offer"):
        return {}
    if action == "decide":
        p = dict(option_params) or {"outcome": draw(st.sampled_from(["close", "continue"]))}
        if p["outcome"] == "close":
            if case.level == 0:
                p["reason"] = text()
            else:
                p.update(changes=text(), agreed=text())
            if case.level == 3 and draw(st.booleans()):
                p.update(hand_down_to=draw(st.sampled_from([1, 2])), family_wish=text())
                p.update(eval_date(draw, today))
        elif p["outcome"] == "continue":
            p.update(eval_date(draw, today))
        else:
            p["family_wish"] = text()
            own = [a for a in STAFF if a.unit == case.opened_by.unit]
            if case.baton_holder is None:
                pool = own if draw(st.integers(0, 2)) else STAFF
                p["baton_holder"] = draw(st.sampled_from(pool)).as_person()
            elif draw(st.booleans()):
                p["baton_holder"] = staff_person()
            if case.level == 3 and not case.rights_assessed and draw(st.integers(0, 5)):
                p["rights_assessment"] = {
                    "responsibility_group": text(),
                    "individual_plan": text(),
                    "child_coordinator": text(),
                }
        return p
    if action == "appoint_contact_person":
        return {"person": staff_person()}
    if action == "schedule_meeting":
        wanted = "evaluation" if "evaluer" in case.step else "planning"
        kind = draw(st.sampled_from([wanted] * 4 + ["startup", "other"]))
        p = {"kind": kind, "at": now + _dt.timedelta(days=draw(st.integers(0, 7)))}
        if draw(st.booleans()):
            p["invitees"] = [ACTORS["guardian"].as_person(), staff_person()]
        return p
    if action == "hold_meeting":
        open_ = [m.id for m in meetings if not m.held] or ["m1"]
        took = draw(st.booleans())
        p = {"meeting": draw(st.sampled_from(open_)), "child_took_part": took}
        if not took and draw(st.integers(0, 5)):
            p["child_voice"] = "Samtale med kontaktlærer før møtet"
        return p
    held = [m for m in meetings if m.held]
    if action == "record_minutes":
        ids = [m.id for m in held if not m.minutes] or ["m1"]
        return {"meeting": draw(st.sampled_from(ids)), "text": text()}
    if action == "agree_measures":
        ids = [m.id for m in held if m.cycle == case.cycle] or [m.id for m in held] or ["m1"]
        measures = [{"what": text(), "responsible": "Kari"}]
        if draw(st.booleans()):
            measures.append({"what": text(), "responsible": "Mor", "by_date": today})
        return {"meeting": draw(st.sampled_from(ids)), "measures": measures} | eval_date(
            draw, today
        )
    if action == "record_evaluation":
        ids = [m.id for m in held if m.kind == "evaluation"] or ["m1"]
        return {
            "meeting": draw(st.sampled_from(ids)),
            "experience": text(),
            "changes": text(),
            "status": text(),
        }
    if action == "reschedule_evaluation":
        p = eval_date(draw, today)
        if "delay_reason" in p:
            p["reason"] = p.pop("delay_reason")
        return p
    if action in ("give_consent", "refuse_consent"):
        units = draw(st.lists(st.sampled_from(OTHER_UNITS[:3]), min_size=1, max_size=2))
        return {"units": units}
    if action == "withdraw_consent":
        given = [c.unit for c in case.consents if c.status == "given"] or [HEALTH]
        return {"units": draw(st.lists(st.sampled_from(given), min_size=1, max_size=2))}
    if action == "involve_unit":
        given = [c.unit for c in case.consents if c.status == "given"] or [HEALTH]
        unit = draw(st.sampled_from(given))
        p = {"unit": unit, "task": text()}
        people = [a for a in STAFF if a.unit == unit]
        if people and draw(st.booleans()):
            p["person"] = people[0].as_person()
        return p
    if action == "offer_baton":
        holder = case.baton_holder.id if case.baton_holder else None
        allowed = {case.opened_by.unit} | {c.unit for c in case.consents if c.status == "given"}
        pool = [a for a in STAFF if a.id != holder and a.unit in allowed]
        pool = pool if pool and draw(st.integers(0, 5)) else STAFF
        return {"to": draw(st.sampled_from(pool)).as_person()}
    if action == "record_rights_assessment":
        return {
            "responsibility_group": text(),
            "individual_plan": text(),
            "child_coordinator": text(),
        }
    if action in ("move_meeting", "cancel_meeting"):
        open_ = [m.id for m in meetings if not m.held] or ["m1"]
        p = {"meeting": draw(st.sampled_from(open_))}
        if action == "move_meeting":
            p["at"] = now + _dt.timedelta(days=draw(st.integers(1, 7)))
        return p
    if action == "add_note":
        return {"text": text()}
    if action == "add_document":
        return {"title": text(), "shared_with_family": draw(st.booleans())}
    raise AssertionError(f"no parameters known for {action}")


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
