"""Issue 11, hole 10's family: every public call and action fed wrong types and edge values.

None may raise an exception outside the documented tree (docs/errors.md): a ``BtiflowError``,
or a plain ``TypeError``/``ValueError`` raised by btiflow itself naming the argument (never a
``UnicodeEncodeError``, ``sqlite3`` error, ``AttributeError``, ``OverflowError`` …). And none may
write what cannot be read back: after each call every case still replays, verifies and renders
its views.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from casekit import (
    GUARDIAN,
    LEADER,
    NURSE,
    TEACHER,
    Clock,
    make_engine,
    open_case,
    plan,
    to_level_2,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import btiflow
from btiflow.case.actions import ACTIONS
from btiflow.case.fold import fold
from btiflow.case.people import Actor, Person
from btiflow.engine import Engine
from btiflow.errors import AccessDenied, BtiflowError
from btiflow.store.sqlite import SqliteStore
from btiflow.views import FamilyView, StaffView

PACKAGE = Path(btiflow.__file__).resolve().parent


class NoOffset(dt.tzinfo):
    """A time zone that does not know its offset."""

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None

    def tzname(self, when: dt.datetime | None) -> str | None:
        return None


EDGE_TIMES = [
    dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC),
    dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=14))),
    dt.datetime(2026, 10, 1, 9, 0, tzinfo=NoOffset()),
    dt.datetime(2026, 10, 1, 9, 0),  # naive
    dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC),
]
WRONG: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=2),
    st.sampled_from(["false", "true", "", " ", "0001-01-01", "9999-12-31", "2026-02-30", "\x00"]),
    st.sampled_from(["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00", "2026-10-01T09:00"]),
    st.binary(max_size=3),
    st.lists(st.integers(0, 2), max_size=2),
    st.dictionaries(st.sampled_from(["id", "unit", "what", "x"]), st.integers(0, 2), max_size=2),
    st.sampled_from(EDGE_TIMES),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.just(Person("ekstern-x", "Ekstern", "BUP")),
    st.just(Person("uten-enhet")),
    st.just(TEACHER),
    st.just(object()),
)
ACTORS = [TEACHER, LEADER, GUARDIAN, NURSE]


@functools.cache
def template() -> tuple[Path, dt.datetime, tuple[str, ...]]:
    """A relay log with a case at level 0, one at level 2 planned; copied for each example."""
    folder = Path(tempfile.mkdtemp(prefix="btiflow-fuzz-"))
    engine, clock = make_engine(folder, clock=Clock())
    first = open_case(engine, birth_date="2013-01-01")
    second = to_level_2(engine, subject="elev-2", birth_date="2010-01-01")
    plan(engine, second.id)
    return folder / "relay.db", clock.now, (first.id, second.id)


def fresh(tmp: Path) -> tuple[Engine, tuple[str, ...]]:
    source, now, ids = template()
    shutil.copy(source, tmp / "relay.db")
    engine, _ = make_engine(tmp, clock=Clock(now))
    return engine, ids


def documented(exc: BaseException) -> bool:
    """A btiflow error, or a plain TypeError/ValueError that btiflow raised on purpose."""
    if isinstance(exc, BtiflowError):
        return True
    if type(exc) not in (TypeError, ValueError):
        return False
    last = traceback.extract_tb(exc.__traceback__)[-1]
    return Path(last.filename).resolve().is_relative_to(PACKAGE)


def call(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception as exc:
        if not documented(exc):
            raise AssertionError(f"undocumented {type(exc).__name__}: {exc}") from exc


def readable(engine: Engine) -> None:
    """Every case replays, verifies, and shows its views to staff and the family."""
    report = engine.verify()
    assert not report.problems, report.problems
    for case_id in engine.store.case_ids():
        assert fold(engine.log(case_id)) == engine.case(case_id)
        for who in (TEACHER, GUARDIAN):
            try:
                shown = engine.view(case_id, who)
            except AccessDenied:
                continue
            assert isinstance(shown, StaffView | FamilyView)
            repr(shown)


@settings(max_examples=max(20, settings().max_examples // 6))
@given(
    data=st.data(),
    action=st.sampled_from(sorted(ACTIONS)),
    which=st.integers(0, 1),
    by=st.sampled_from(ACTORS),
)
def test_any_action_with_wrong_values_is_refused_or_written_readably(
    data: st.DataObject, action: str, which: int, by: Actor
) -> None:
    """An action with wrong types and edge values: a documented error, or an entry that reads."""
    with tempfile.TemporaryDirectory() as tmp:
        engine, ids = fresh(Path(tmp))
        names = list(ACTIONS[action].params)
        chosen = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
        params = {name: data.draw(WRONG, label=name) for name in chosen}
        call(lambda: engine.act(ids[which], action, by, **params))
        readable(engine)


def _engine_calls(engine: Engine, ids: tuple[str, ...], a: Any, b: Any) -> list[Callable[[], Any]]:
    case_id = ids[0]
    return [
        lambda: engine.case(a),
        lambda: engine.log(a),
        lambda: engine.view(a, TEACHER),
        lambda: engine.view(case_id, a),
        lambda: engine.options(case_id, a),
        lambda: engine.options(a, TEACHER),
        lambda: engine.access_log(case_id, a),
        lambda: engine.act(case_id, a, TEACHER),
        lambda: engine.act(a, "add_note", TEACHER, text="x"),
        lambda: engine.act(case_id, "add_note", a, text="x"),
        lambda: engine.act_with(case_id, "add_note", TEACHER, a),
        lambda: engine.due(a),
        lambda: engine.due(within=a),
        lambda: engine.overdue(a),
        lambda: engine.open_case(a, TEACHER),
        lambda: engine.open_case("elev-9", a),
        lambda: engine.open_case("elev-9", TEACHER, birth_date=a),
        lambda: engine.open_case("elev-9", TEACHER, concern=a, suspected_harm=b),
        lambda: engine.open_case("elev-9", TEACHER, concern="Bekymring", suspected_harm=a),
        lambda: Actor(a),
        lambda: Actor("x", a),
        lambda: Actor("x", "employee", a, b),
        lambda: Person(a, b),
        lambda: Person("x", "y", a, b),
        lambda: Engine(a, engine.store),
        lambda: btiflow.load_workflow(a),
        lambda: btiflow.load_workflow_text(a),
    ]


CALLS = len(_engine_calls(None, ("x",), None, None))  # type: ignore[arg-type]


@settings(max_examples=max(30, settings().max_examples // 4))
@given(which=st.integers(0, CALLS - 1), a=WRONG, b=WRONG)
def test_any_public_call_with_wrong_values_raises_a_documented_error(
    which: int, a: Any, b: Any
) -> None:
    """Engine's methods, Actor, Person and the loaders given wrong types: documented errors."""
    with tempfile.TemporaryDirectory() as tmp:
        engine, ids = fresh(Path(tmp))
        call(_engine_calls(engine, ids, a, b)[which])
        readable(engine)


@pytest.mark.parametrize("at", EDGE_TIMES[:4], ids=["9999", "year-1", "no-offset", "naive"])
def test_an_edge_time_in_every_time_parameter_is_refused(tmp_path: Path, at: dt.datetime) -> None:
    """Each action's date-time parameter refuses the edge times; nothing is written."""
    engine, ids = fresh(tmp_path)
    before = SqliteStore(tmp_path / "relay.db").entries(ids[1])
    for action, spec in ACTIONS.items():
        for name, (parser, _required) in spec.params.items():
            if parser.__name__ == "datetime":
                call(lambda: engine.act(ids[1], action, TEACHER, **{name: at}))  # noqa: B023
    assert engine.log(ids[1]) == before
    readable(engine)
