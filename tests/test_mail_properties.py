"""Properties of the mail a meeting's life causes, over random schedules, moves, cancellations
and invitees (the pure core: decide → entries → outbox rows, no store, no server)."""

from __future__ import annotations

import datetime as dt
import tempfile
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

from casekit import TEACHER, make_engine, to_level_1
from hypothesis import given, settings
from hypothesis import strategies as st

from btiflow.case.actions import decide
from btiflow.case.entries import seal
from btiflow.case.fold import apply
from btiflow.case.kinds import MeetingCancelled, MeetingMoved, MeetingScheduled
from btiflow.case.people import Person
from btiflow.case.state import Case
from btiflow.errors import ActionRefused
from btiflow.notify import compose
from btiflow.notify.ics import read_event
from btiflow.notify.messages import NotifyConfig
from btiflow.notify.plan import for_entries
from btiflow.notify.rows import OutboxRow
from btiflow.workflow.model import Workflow

CONFIG = NotifyConfig("https://bti.kommune.example.org", "bti@kommune.example.org")
NOW = dt.datetime(2026, 9, 1, 7, 0, tzinfo=dt.UTC)
SUBJECT = "elev-0042"
CONCERN = "Trekker seg unna i friminuttene over flere uker"


@cache
def _level_1() -> tuple[Workflow, Case]:
    with tempfile.TemporaryDirectory() as folder:
        engine, _ = make_engine(Path(folder))
        case = to_level_1(engine)
        return engine.workflow, case


# --- strategies -------------------------------------------------------------------------------

addresses = st.one_of(
    st.none(),
    st.sampled_from(["a@example.org", "b@skole.example.org", "c.d@example.org"]),
    st.sampled_from(["", "ikke en adresse", "x@", "@example.org", "a@b", "a\n@example.org"]),
)
invitees = st.lists(
    st.builds(
        Person,
        id=st.sampled_from(["p1", "p2", "p3", "p4"]),
        name=st.text(min_size=1, max_size=12).map(lambda s: f"Navn {s}"),
        unit=st.sampled_from(["", "Nordvik skole"]),
        email=addresses,
    ),
    max_size=4,
    unique_by=lambda p: p.id,
)
offsets = st.integers(min_value=1, max_value=24 * 60).map(lambda m: dt.timedelta(minutes=15 * m))
places = st.one_of(st.none(), st.sampled_from(["Rom 1", "Helsestasjonen", "Digitalt"]))
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("schedule"),
            st.sampled_from(["planning", "evaluation", "other"]),
            offsets,
            places,
            invitees,
        ),
        st.tuples(st.just("move"), st.integers(0, 3), offsets, places),
        st.tuples(st.just("cancel"), st.integers(0, 3), st.text(max_size=20)),
    ),
    min_size=1,
    max_size=8,
)


def _params(op: tuple[Any, ...], case: Case) -> tuple[str, dict[str, Any]] | None:
    if op[0] == "schedule":
        _, kind, offset, place, people = op
        params = {"kind": kind, "at": NOW + offset, "invitees": people}
        return "schedule_meeting", {**params, **({"place": place} if place else {})}
    if not case.meetings:
        return None
    meeting = case.meetings[op[1] % len(case.meetings)].id
    if op[0] == "move":
        _, _, offset, place = op
        return "move_meeting", {
            "meeting": meeting,
            "at": NOW + offset,
            **({"place": place} if place else {}),
        }
    return "cancel_meeting", {"meeting": meeting, **({"reason": op[2]} if op[2].strip() else {})}


def _run(ops: list[tuple[Any, ...]]) -> tuple[Case, list[OutboxRow], dict[int, str]]:
    """The case after the operations that were accepted, their rows, and each entry's meeting."""
    workflow, case = _level_1()
    rows: list[OutboxRow] = []
    meeting_of: dict[int, str] = {}
    for op in ops:
        call = _params(op, case)
        if call is None:
            continue
        try:
            drafts = decide(workflow, case, call[0], call[1], TEACHER, NOW)
        except ActionRefused:
            continue
        entries, state = [], case
        for draft in drafts:
            entry = seal(draft, case_id=case.id, seq=state.seq + 1, time=NOW, actor=TEACHER.id,
                         role=TEACHER.role, unit=TEACHER.unit, workflow_hash=case.workflow_hash,
                         prev_hash=state.head_hash)  # fmt: skip
            state = apply(state, entry)
            entries.append(entry)
            body = entry.body
            assert isinstance(body, MeetingScheduled | MeetingMoved | MeetingCancelled)
            meeting_of[entry.seq] = body.meeting
        rows += for_entries(case, entries, CONFIG, workflow.language)
        case = state
    return case, rows, meeting_of


@settings(max_examples=60)
@given(operations)
def test_each_invitee_gets_every_change_in_order_and_nothing_sensitive(ops: list[Any]) -> None:
    """Per meeting and invitee: SEQUENCE 0, 1, 2 … under one UID, CANCEL only last; rows only
    for the invitees; sendable exactly when the address is usable; no names or case details."""
    case, rows, meeting_of = _run(ops)
    assert len({r.key for r in rows}) == len(rows)
    assert len({r.message_id for r in rows}) == len(rows)
    for meeting in case.meetings:
        uid = f"{case.id}-{meeting.id}@btiflow"
        for person in meeting.invitees:
            mine = [
                r for r in rows if r.recipient == person.id and meeting_of[r.seq or 0] == meeting.id
            ]
            assert len(mine) == meeting.sequence + 1
            if person.email in ("a@example.org", "b@skole.example.org", "c.d@example.org"):
                events = [read_event(_ics(r)) for r in mine]
                assert [e.sequence for e in events] == list(range(meeting.sequence + 1))
                assert {e.uid for e in events} == {uid}
                methods = [e.method for e in events]
                assert methods == ["REQUEST"] * len(methods) or (
                    meeting.cancelled and methods[-1] == "CANCEL" and "CANCEL" not in methods[:-1]
                )
                assert all(r.status == "pending" and r.address == person.email for r in mine)
            else:
                assert all(r.status == "skipped" and r.address is None and r.note for r in mine)
    names = {p.name for m in case.meetings for p in m.invitees}
    for row in rows:
        text = _everything(row)
        for secret in (SUBJECT, CONCERN, *names):
            assert secret not in text


def _mail(row: OutboxRow) -> EmailMessage:
    """The message the dispatcher will build from the row's recipe (btiflow.notify.compose);
    everything else about the row (the raw recipe) is checked by ``_everything`` too."""
    return compose.build(compose.decode(row.message))


def _ics(row: OutboxRow) -> bytes:
    msg = _mail(row)
    for part in msg.iter_attachments():
        if part.get_filename() == "invite.ics":
            return bytes(part.get_payload(decode=True))
    raise AssertionError("no invite.ics")


def _everything(row: OutboxRow) -> str:
    texts = [row.subject, row.note]
    if row.message:
        texts.append(row.message.decode("utf-8"))  # the recipe as stored
        msg = _mail(row)
        texts += [str(v) for v in msg.values()]
        for part in msg.walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts)
