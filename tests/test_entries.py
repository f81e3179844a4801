"""Typed log entries: one body class per kind, stored exactly as the dicts they replace."""

from __future__ import annotations

import collections.abc
import datetime as dt
import json
import re
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btiflow.case.entries import Draft, Entry, canonical_json, seal
from btiflow.case.fold import ENTRY_KINDS
from btiflow.case.kinds import (
    BODY_TYPES,
    BodyError,
    CaseClosed,
    EntryBody,
    MeetingHeld,
    MeetingScheduled,
    NoteAdded,
    body_data,
    body_from_data,
)
from btiflow.case.people import Person
from btiflow.localtime import OSLO

BTIFLOW = Path(__file__).resolve().parent.parent / "btiflow"
NOW = dt.datetime(2026, 9, 1, 7, 0, tzinfo=dt.UTC)
_ENTRY_DATA_READ = re.compile(r"\.data\[|\.data\.get\(")


def _sealed(draft: Draft) -> Entry:
    return seal(
        draft, case_id="c1", seq=2, time=NOW, actor="laerer-a", role="employee",
        unit="Nordvik skole", workflow_hash="w" * 64, prev_hash="p" * 64,
    )  # fmt: skip


def test_no_entry_data_is_read_as_a_dict_in_btiflow() -> None:
    """No module reads an entry's stored form by key (``.data[``, ``.data.get(``): use ``body``."""
    found = [
        f"{path.relative_to(BTIFLOW.parent)}:{number}: {line.strip()}"
        for path in sorted(BTIFLOW.rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if _ENTRY_DATA_READ.search(line)
    ]
    assert not found, "read the typed body instead:\n" + "\n".join(found)


def test_every_kind_has_one_body_class() -> None:
    """ENTRY_KINDS and the body classes name the same kinds, each class its own kind."""
    assert tuple(BODY_TYPES) == ENTRY_KINDS
    assert all(cls.entry_kind == kind for kind, cls in BODY_TYPES.items())
    assert all(issubclass(cls, EntryBody) for cls in BODY_TYPES.values())


def test_a_draft_takes_its_kind_from_its_body() -> None:
    """Draft(body).kind is the body class's kind; the sealed entry carries the same body."""
    body = NoteAdded(text="Samtale med foresatte")
    draft = Draft(body)
    assert draft.kind == "note_added"
    entry = _sealed(draft)
    assert entry.body is body
    assert entry.kind == "note_added"


def test_a_body_without_its_optional_keys_stores_none_of_them() -> None:
    """Optional fields left as None are left out of the stored form, not written as null."""
    closed = CaseClosed(level=0, outcome="close", reason="Forklart")
    assert body_data(closed) == {"level": 0, "outcome": "close", "reason": "Forklart"}
    assert body_from_data("case_closed", body_data(closed)) == closed


def test_the_stored_form_is_what_is_hashed_and_read_only() -> None:
    """entry.data is the body's stored form, a new dict each time: changing it changes nothing."""
    entry = _sealed(Draft(MeetingHeld(meeting="m1", child_took_part=True)))
    data = entry.data
    assert data == {"meeting": "m1", "child_took_part": True}  # child_voice left out, not null
    data["meeting"] = "m2"
    assert entry.body == MeetingHeld(meeting="m1", child_took_part=True)
    assert entry.compute_hash() == entry.hash


@pytest.mark.parametrize(
    ("kind", "data", "says"),
    [
        ("note_written", {"text": "x"}, "unknown entry kind"),
        ("meeting_held", {"meeting": "m1", "child_took_part": True, "child_voice": None}, "null"),
        ("note_added", {"text": "x", "title": "y"}, "title"),
        ("note_added", {}, "text"),
        ("evaluation_rescheduled", {"next_evaluation": "20261224"}, "expected date"),
        ("note_added", {"text": 5}, r"does not read back as it is stored \(text\)"),
        ("consent_given", {"units": "PPT"}, "consent_given"),
    ],
)
def test_data_that_is_not_its_kinds_stored_form_is_refused(
    kind: str, data: dict[str, object], says: str
) -> None:
    """Unknown kinds and keys, missing keys, a null never written, a reshaped value: BodyError."""
    with pytest.raises(BodyError, match=says):
        body_from_data(kind, data)


def test_a_refusal_names_where_not_what() -> None:
    """A body error names the kind and the key, never the value found (it may be personal)."""
    stored = {
        "workflow": {"id": "bti", "version": "2026.1", "hash": "h"},
        "subject": "elev-0042",
        "birth_date": "20120517",
        "opened_by": {"id": "laerer-a", "name": "Lærer A", "unit": "Nordvik skole", "email": None},
        "step": "n0-konkretiser",
        "concern": 17,
        "suspected_harm": True,
    }
    for broken in ({**stored, "concern": "Uro"}, {**stored, "birth_date": "2012-05-17"}):
        with pytest.raises(BodyError) as raised:
            body_from_data("case_opened", broken)
        message = str(raised.value)
        assert "case_opened" in message
        assert "2012" not in message
        assert "Uro" not in message


def test_dates_and_times_are_typed_and_written_back_as_stored() -> None:
    """A meeting time is a datetime and a due date a date; both write back the same text."""
    text = (
        '{"at":"2026-09-03T09:30:00+02:00","invitees":[{"email":null,"id":"foresatt-c",'
        '"name":"Foresatt C","unit":""}],"kind":"planning","meeting":"m1"}'
    )
    body = body_from_data("meeting_scheduled", json.loads(text))
    assert isinstance(body, MeetingScheduled)
    assert body.at == dt.datetime(2026, 9, 3, 7, 30, tzinfo=dt.UTC)
    assert canonical_json(body_data(body)) == text


_PEOPLE = st.builds(
    Person,
    id=st.text(min_size=1).filter(str.strip),
    name=st.text(),
    unit=st.text(),
    email=st.none() | st.emails(),
)
_PLAIN: dict[object, st.SearchStrategy[Any]] = {
    str: st.text(),
    int: st.integers(),
    bool: st.booleans(),
    dt.date: st.dates(),
    dt.datetime: st.datetimes(timezones=st.sampled_from([dt.UTC, OSLO])),
    Person: _PEOPLE,
}


def _values(kind: Any) -> st.SearchStrategy[Any]:
    """Any value of a body field's type (records built field by field, recursively)."""
    if kind in _PLAIN:
        return _PLAIN[kind]
    args = typing.get_args(kind)
    origin = typing.get_origin(kind)
    if origin is tuple:
        return st.lists(_values(args[0]), max_size=3).map(tuple)
    if origin is collections.abc.Mapping:
        return st.dictionaries(_values(args[0]), _values(args[1]), max_size=3)
    if args:  # X | None
        return st.one_of(*(st.none() if a is type(None) else _values(a) for a in args))
    hints = typing.get_type_hints(kind)
    fields = {f.name: _values(hints[f.name]) for f in attrs.fields(kind)}
    return st.builds(kind, **fields)


@given(data=st.data(), kind=st.sampled_from(ENTRY_KINDS))
def test_any_body_reads_back_from_its_stored_form(data: st.DataObject, kind: str) -> None:
    """A body of any kind, with any values, is read back equal from its stored JSON text."""
    body = data.draw(_values(BODY_TYPES[kind]))
    text = canonical_json(body_data(body))
    assert body_from_data(kind, json.loads(text)) == body
