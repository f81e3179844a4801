"""The store benchmarks' baselines stay honest: a warm WAL began again; a replayed act writes."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import casekit

from btiflow.store.sqlite import SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))
from sqlitebase import replay_of, warm_wal


def entries_of(path: Path, case_id: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(
            conn.execute("SELECT count(*) FROM entries WHERE case_id = ?", (case_id,)).fetchall()[
                0
            ][0]
        )


def test_replay_runs_the_acts_statements_as_the_next_entry(tmp_path: Path) -> None:
    """The replayed statements of an act append one entry a run and move the state row along."""
    path = tmp_path / "act.db"
    engine = casekit.engine_on(path)
    case = casekit.at_level_1(engine, "elev-tvilling")
    store = engine.store
    assert isinstance(store, SqliteStore)
    replay = replay_of(
        store, lambda: engine.act(case.id, "add_note", casekit.TEACHER, text="Notat"), path
    )
    after_one = entries_of(path, case.id)  # the recorded act and the proving replay
    replay()
    replay()
    assert entries_of(path, case.id) == after_one + 2
    store.close()


def test_warm_wal_gets_past_the_first_checkpoint(tmp_path: Path) -> None:
    """Warming writes a WAL past SQLite's checkpoint, and the store works on afterwards."""
    path = tmp_path / "warm.db"
    engine = casekit.engine_on(path)
    case = casekit.at_level_1(engine)
    size = warm_wal(path)
    assert size >= 1000 * 4096  # the WAL reached the checkpoint (1,000 pages) and began again
    engine.act(case.id, "add_note", casekit.TEACHER, text="Etter oppvarming")
    assert engine.verify().ok
    engine.store.close()
