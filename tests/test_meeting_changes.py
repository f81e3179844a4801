"""Meetings move and are cancelled: the sequence rises, a cancelled meeting cannot be held."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casekit import GUARDIAN, TEACHER, make_engine, refuse, to_level_1

from btiflow.engine import Engine


def _scheduled(tmp_path: Path) -> tuple[Engine, str, str]:
    engine, clock = make_engine(tmp_path)
    case = to_level_1(engine)
    case = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning",
        at=clock.now + dt.timedelta(days=2), place="Rom 1", invitees=[GUARDIAN.as_person()],
    )  # fmt: skip
    return engine, case.id, case.meetings[-1].id


def test_moving_a_meeting_changes_time_and_place_and_raises_its_sequence(tmp_path: Path) -> None:
    """Each move sets the new time (and place, when given) and raises the sequence by one."""
    engine, cid, mid = _scheduled(tmp_path)
    new_time = dt.datetime(2026, 9, 10, 13, 0, tzinfo=dt.UTC)
    case = engine.act(cid, "move_meeting", TEACHER, meeting=mid, at=new_time)
    moved = case.meeting(mid)
    assert moved is not None
    assert (moved.at, moved.place, moved.sequence) == (new_time.isoformat(), "Rom 1", 1)
    case = engine.act(cid, "move_meeting", TEACHER, meeting=mid, at=new_time, place="Rom 2")
    moved = case.meeting(mid)
    assert moved is not None
    assert (moved.place, moved.sequence) == ("Rom 2", 2)
    assert engine.verify().ok


def test_a_cancelled_meeting_cannot_be_held_moved_or_cancelled_again(tmp_path: Path) -> None:
    """Cancelling marks the meeting; holding, moving or cancelling it again is refused."""
    engine, cid, mid = _scheduled(tmp_path)
    case = engine.act(cid, "cancel_meeting", TEACHER, meeting=mid, reason="Sykdom")
    cancelled = case.meeting(mid)
    assert cancelled is not None
    assert cancelled.cancelled
    assert cancelled.sequence == 1
    refuse(engine, cid, "hold_meeting", TEACHER, "meeting_cancelled", meeting=mid,
           child_took_part=True)  # fmt: skip
    refuse(engine, cid, "move_meeting", TEACHER, "meeting_cancelled", meeting=mid,
           at=dt.datetime(2026, 9, 10, 13, 0, tzinfo=dt.UTC))  # fmt: skip
    refuse(engine, cid, "cancel_meeting", TEACHER, "meeting_cancelled", meeting=mid)
    assert engine.verify().ok


def test_a_held_or_unknown_meeting_cannot_move(tmp_path: Path) -> None:
    """A meeting already held, or one the case does not have, is not moved or cancelled."""
    engine, cid, mid = _scheduled(tmp_path)
    later = dt.datetime(2026, 9, 10, 13, 0, tzinfo=dt.UTC)
    refuse(engine, cid, "move_meeting", TEACHER, "unknown_meeting", meeting="m9", at=later)
    refuse(engine, cid, "cancel_meeting", TEACHER, "unknown_meeting", meeting="m9")
    at = engine.case(cid).meetings[-1].at
    refuse(engine, cid, "move_meeting", TEACHER, "meeting_unchanged", meeting=mid, at=at)
    engine.act(cid, "hold_meeting", TEACHER, meeting=mid, child_took_part=True)
    refuse(engine, cid, "move_meeting", TEACHER, "meeting_already_held", meeting=mid, at=later)
    refuse(engine, cid, "cancel_meeting", TEACHER, "meeting_already_held", meeting=mid)
    refuse(engine, cid, "move_meeting", GUARDIAN, "not_permitted", meeting=mid, at=later)
