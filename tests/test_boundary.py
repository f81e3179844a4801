"""Issue 11, holes 2 and 10: what a caller passes wrongly is refused, typed, before anything is
written, and nothing stored fails to read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from casekit import GUARDIAN, TEACHER, make_engine, open_case, to_level_1, unchanged

from btiflow.case.people import Actor, Person
from btiflow.engine import Engine
from btiflow.errors import ActionRefused, CaseNotFound
from btiflow.workflow.load import load_workflow


class NoOffset(dt.tzinfo):
    """A time zone that does not know its offset: a time in it is not aware."""

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None

    def tzname(self, when: dt.datetime | None) -> str | None:
        return None


def _refused_naming(engine: Engine, param: str, **opening: Any) -> None:
    with pytest.raises(ActionRefused) as caught:
        engine.open_case("elev-1", TEACHER, **opening)
    assert f"«{param}»" in str(caught.value)
    assert engine.store.case_ids() == []


OPENINGS: list[tuple[str, dict[str, Any]]] = [
    ("birth_date", {"birth_date": dt.datetime(2013, 1, 1, tzinfo=dt.UTC)}),
    ("birth_date", {"birth_date": "1800-01-01"}),
    ("birth_date", {"birth_date": 20130101}),
    ("concern", {"concern": {"x": 1}}),
    ("concern", {"concern": "bekymring \ud800"}),
    ("suspected_harm", {"concern": "bekymring", "suspected_harm": "false"}),
    ("suspected_harm", {"concern": "bekymring", "suspected_harm": 1}),
    ("subject", {}),
]


@pytest.mark.parametrize(("param", "opening"), OPENINGS)
def test_open_case_refuses_a_wrong_type_naming_the_field(
    tmp_path: Path, param: str, opening: dict[str, Any]
) -> None:
    """A datetime for a date, a dict for a text, "false" for a flag: refused, nothing written."""
    engine, _ = make_engine(tmp_path)
    if param == "subject":
        with pytest.raises(ActionRefused) as caught:
            engine.open_case("elev-\udc00", TEACHER)
        assert "«subject»" in str(caught.value)
        return
    _refused_naming(engine, param, **opening)


@pytest.mark.parametrize(
    "fields",
    [
        {"id": "x", "role": "employee", "unit": 42},
        {"id": "x", "role": "employee", "unit": "u", "name": "\udc00"},
        {"id": 7, "role": "employee"},
        {"id": "x\ud800", "role": "employee"},
        {"id": "x", "role": ["employee"]},
    ],
)
def test_an_actor_with_a_wrong_field_is_refused(fields: dict[str, Any]) -> None:
    """Actor fields are texts that can be stored: a number or a lone surrogate is a ValueError."""
    with pytest.raises(ValueError, match=r"^(id|role|unit|name) "):
        Actor(**fields)


@pytest.mark.parametrize(
    "fields",
    [{"id": "x", "unit": 42}, {"id": "x", "email": 3}, {"id": "x", "name": "a\udfff"}],
)
def test_a_person_with_a_wrong_field_is_refused(fields: dict[str, Any]) -> None:
    """Person fields are texts (email: text or None) without lone surrogates."""
    with pytest.raises(ValueError, match=r"^(id|name|unit|email) "):
        Person(**fields)


TIMES: list[Any] = [
    "9999-12-31T23:00+00:00",
    "0001-01-01T00:00+14:00",
    dt.datetime(2026, 10, 1, 9, tzinfo=NoOffset()),
    dt.datetime(1899, 12, 31, 9, tzinfo=dt.UTC),
]


@pytest.mark.parametrize("at", TIMES, ids=["year-9999", "year-1", "no-offset", "year-1899"])
def test_a_meeting_time_that_cannot_be_read_back_is_refused(tmp_path: Path, at: Any) -> None:
    """Times are aware (an offset known) and within the years 1900–2200."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    with unchanged(engine, case.id), pytest.raises(ActionRefused) as caught:
        engine.act(case.id, "schedule_meeting", TEACHER, kind="planning", at=at)
    assert "«at»" in str(caught.value)


def test_a_text_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    """A lone surrogate cannot be stored as UTF-8: refused, not a UnicodeEncodeError."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    with unchanged(engine, case.id), pytest.raises(ActionRefused) as caught:
        engine.act(case.id, "add_note", TEACHER, text="notat \ud800")
    assert "«text»" in str(caught.value)


def test_a_date_far_out_is_refused(tmp_path: Path) -> None:
    """next_evaluation in year 9999 is refused as out of range."""
    engine, _ = make_engine(tmp_path)
    case = to_level_1(engine)
    with unchanged(engine, case.id), pytest.raises(ActionRefused):
        engine.act(case.id, "reschedule_evaluation", TEACHER, next_evaluation="9999-01-01")


# --- hole 10: the wrong type anywhere -----------------------------------------------------------


def test_a_case_id_of_the_wrong_type_is_not_found(tmp_path: Path) -> None:
    """A case id that is not a text (or cannot be stored) is CaseNotFound, never sqlite3's."""
    engine, _ = make_engine(tmp_path)
    for bad in (42, ["x"], b"x", None, "x\ud800", 3.5):
        with pytest.raises(CaseNotFound):
            engine.case(bad)  # type: ignore[arg-type]
        with pytest.raises(CaseNotFound):
            engine.view(bad, TEACHER)  # type: ignore[arg-type]


def test_an_action_that_is_not_a_text_is_refused(tmp_path: Path) -> None:
    """``action`` as a list is an unknown action, not a TypeError from a dict lookup."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    for bad in (["add_note"], None, 3):
        with unchanged(engine, case.id), pytest.raises(ActionRefused) as caught:
            engine.act(case.id, bad, TEACHER, text="x")  # type: ignore[arg-type]
        assert caught.value.code == "unknown_action"


def test_by_that_is_not_an_actor_is_a_type_error(tmp_path: Path) -> None:
    """``by=None`` is a TypeError naming the argument (docs/errors.md), not AttributeError."""
    engine, _ = make_engine(tmp_path)
    case = open_case(engine)
    calls: list[Callable[[], object]] = [
        lambda: engine.act(case.id, "add_note", None, text="x"),  # type: ignore[arg-type]
        lambda: engine.view(case.id, "laerer-a"),  # type: ignore[arg-type]
        lambda: engine.options(case.id, None),  # type: ignore[arg-type]
        lambda: engine.access_log(case.id, GUARDIAN.id),  # type: ignore[arg-type]
        lambda: engine.open_case("elev-2", None),  # type: ignore[arg-type]
    ]
    for call in calls:
        with unchanged(engine, case.id), pytest.raises(TypeError, match="Actor"):
            call()


def test_due_and_overdue_take_a_date_or_an_aware_time(tmp_path: Path) -> None:
    """``due("2026-09-01")`` is a TypeError naming what to give; a naive time a ValueError."""
    engine, _ = make_engine(tmp_path)
    for call in (engine.due, engine.overdue):
        with pytest.raises(TypeError, match="date"):
            call("2026-09-01")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="timezone"):
            call(dt.datetime(2026, 9, 1))
    with pytest.raises(TypeError, match="within"):
        engine.due(within=7)  # type: ignore[arg-type]


def test_load_workflow_without_a_path_is_a_type_error() -> None:
    """``load_workflow(None)`` says what it needs."""
    with pytest.raises(TypeError, match="load_workflow"):
        load_workflow(None)  # type: ignore[arg-type]


def test_a_clock_without_an_offset_is_refused(tmp_path: Path) -> None:
    """A clock whose time zone knows no offset would write naive times: refused, not stored."""
    engine, _ = make_engine(tmp_path)
    engine.clock = lambda: dt.datetime(2026, 9, 1, 9, tzinfo=NoOffset())
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.open_case("elev-1", TEACHER)
    assert engine.store.case_ids() == []
