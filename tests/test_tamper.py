"""The tamper suite: each kind of edit an attacker with database access could make is caught by
verify, or (cut, forged or deleted chains, which leave a consistent database) by comparing with
chain heads exported earlier. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from pathlib import Path

import casekit
import pytest
from casekit import GUARDIAN, TEACHER, Clock
from click.testing import CliRunner
from storekit import Backend, SqliteBackend

from btiflow.case.entries import Draft, canonical_json, seal
from btiflow.case.fold import fold
from btiflow.case.kinds import NoteAdded
from btiflow.case.state import Case
from btiflow.cli import main
from btiflow.engine import Engine
from btiflow.errors import StoreError
from btiflow.store.base import ChainProblem, Store
from btiflow.store.check import check_heads, read_heads
from btiflow.store.rows import STATE_COLUMNS, state_values
from btiflow.words import say


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(backend: Backend, clock: Clock) -> Engine:
    return Engine(casekit.workflow(), backend.open(), clock=clock)


def _due_case(engine: Engine, clock: Clock) -> Case:
    """An open level-1 case with an evaluation due, a guardian told, its page read twice."""
    case = casekit.with_measures(engine, clock, "elev-t", clock.in_days(14))
    engine.view(case.id, TEACHER)
    engine.view(case.id, TEACHER)
    return case


def _where(problems: tuple[ChainProblem, ...]) -> list[str]:
    return sorted({p.case_id for p in problems})


# --- the state row, column by column -------------------------------------------------------

EDITS = {
    "next_evaluation_due": "2099-01-01",
    "status": "closed",
    "baton_holder": "en-annen",
    "baton_unit": "Et annet sted",
    "subject": "elev-annen",
    "level": 3,
    "step": "n3-et-annet-steg",
    "workflow_version": "9.9",
    "opened_at": "2020-01-01T00:00:00+00:00",
    "closed_at": "2026-01-01T00:00:00+00:00",
    "opened_unit": "Et annet sted",  # the overview would count the case for another unit
    "offer_to": "en-annen",  # "Mine saker" would offer someone else the baton
    "offer_unit": "Et annet sted",
}


def test_every_state_column_is_edited_in_this_suite() -> None:
    """Each column of the state row but those the chain check covers is edited below."""
    covered = {"case_id", "workflow_id", "workflow_hash", "last_seq", "head_hash", "state"}
    assert set(STATE_COLUMNS) - covered <= set(EDITS)


@pytest.mark.parametrize("column", sorted(EDITS))
def test_an_edited_state_column_is_caught(
    engine: Engine, clock: Clock, backend: Backend, column: str
) -> None:
    """A column of the cases row edited (the JSON state untouched) differs from the replay."""
    case = _due_case(engine, clock)
    other = casekit.at_level_1(engine, "elev-u")
    backend.run(f"UPDATE cases SET {column} = ? WHERE case_id = ?", EDITS[column], case.id)
    report = engine.verify()
    assert _where(report.problems) == [case.id], report.problems
    problem = report.problems[0]
    assert (problem.code, problem.values) == ("state_row_differs", {"columns": (column,)})
    assert say("nb", f"verify.column.{column}") in problem.words("nb")
    assert other.id not in str(report.problems)


def test_a_case_dropped_off_due_is_caught(engine: Engine, clock: Clock, backend: Backend) -> None:
    """The overdue case whose due date is cleared leaves 'due', and verify says so."""
    case = _due_case(engine, clock)
    backend.run("UPDATE cases SET next_evaluation_due = NULL WHERE case_id = ?", case.id)
    assert engine.store.due_between(clock.today, clock.today.replace(year=2030)) == []
    problem = engine.verify().problems[0]
    assert problem.values == {"columns": ("next_evaluation_due",)}
    assert problem.words("nb") == (
        "saksraden stemmer ikke med loggen spilt av på nytt (neste evaluering)"
    )
    assert problem.words("nn") == (
        "saksrada stemmer ikkje med loggen spelt av på nytt (neste evaluering)"
    )
    assert "next_evaluation_due" in problem.message  # a developer reads the column's name


# --- the access log ---------------------------------------------------------------------------


def _access_ids(backend: Backend, case_id: str) -> list[int]:
    return [r[0] for r in backend.run("SELECT id FROM access_log WHERE case_id = ?", case_id)]


def _tamper_access(backend: Backend, sql: str, *params: object) -> None:
    """SQL on access_log with its append-only triggers out of the way."""
    if isinstance(backend, SqliteBackend):
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(backend.url, isolation_level=None)) as conn:
            conn.execute("DROP TRIGGER IF EXISTS access_log_no_update")
            conn.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
            conn.execute(sql, params)
    else:
        backend.tamper(sql, *params)


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE access_log SET actor = 'en-annen' WHERE id = ?",
        "UPDATE access_log SET what = 'view:family' WHERE id = ?",
        "UPDATE access_log SET time = '2020-01-01T00:00:00+00:00' WHERE id = ?",
        "DELETE FROM access_log WHERE id = ?",
    ],
)
@pytest.mark.parametrize("which", [0, 1, -1])
def test_an_edited_or_removed_access_row_is_caught(
    engine: Engine, clock: Clock, backend: Backend, edit: str, which: int
) -> None:
    """The first, second or last access-log row edited or removed: the case is named."""
    case = _due_case(engine, clock)
    ids = _access_ids(backend, case.id)
    _tamper_access(backend, edit, ids[which])
    report = engine.verify()
    assert _where(report.problems) == [case.id], report.problems
    assert report.problems[0].code in ("access_row_changed", "access_count_differs")
    assert "tilgangsloggen" in report.problems[0].words("nb")


def test_an_access_row_slipped_in_is_caught(engine: Engine, clock: Clock, backend: Backend) -> None:
    """A read that never happened, added to the access log, is caught."""
    case = _due_case(engine, clock)
    backend.run(
        "INSERT INTO " + ("access_log (case_id, time, actor, role, what)" if
                          isinstance(backend, SqliteBackend) else
                          "access_log (tenant, case_id, time, actor, role, what)")
        + (" VALUES (?, ?, ?, ?, ?)" if isinstance(backend, SqliteBackend)
           else " VALUES (?, ?, ?, ?, ?, ?)"),
        *(() if isinstance(backend, SqliteBackend) else (backend.tenant,)),
        case.id, "2026-09-02T10:00:00+00:00", GUARDIAN.id, "guardian", "view:family",
    )  # fmt: skip
    report = engine.verify()
    assert _where(report.problems) == [case.id]


def test_the_access_log_chain_survives_a_copy(engine: Engine, clock: Clock, tmp_path: Path) -> None:
    """A case's access log copied to another store chains to the same head: it verifies."""
    from btiflow.store.copy import copy_log
    from btiflow.store.url import open_store

    _due_case(engine, clock)
    target = open_store(tmp_path / "kopi.db")
    try:
        report = copy_log(engine.store, target)
        assert report.target.ok
    finally:
        target.close()


# --- stored guide versions ---------------------------------------------------------------------


def test_an_edited_guide_version_is_caught_and_not_used(
    engine: Engine, clock: Clock, backend: Backend
) -> None:
    """Lowering child_view_age in the stored guide: verify names it; loading it is refused."""
    case = _due_case(engine, clock)
    ours = "" if backend.tenant is None else " AND tenant = ?"
    scope = () if backend.tenant is None else (backend.tenant,)
    [(content,)] = backend.run(
        f"SELECT content FROM workflows WHERE hash = ?{ours}", case.workflow_hash, *scope
    )
    data = json.loads(content)
    data["consent"]["child_view_age"] = 6
    backend.run(
        f"UPDATE workflows SET content = ? WHERE hash = ?{ours}",
        canonical_json(data), case.workflow_hash, *scope,
    )  # fmt: skip
    report = engine.verify()
    assert [p.case_id for p in report.problems] == [""]
    assert report.problems[0].code == "guide_hash_mismatch"
    assert report.problems[0].words("nb") == (
        f"veilederversjon {case.workflow_hash[:12]}: innholdet stemmer ikke med sin hash (endret)"
    )
    with pytest.raises(StoreError, match="changed"):
        engine.store.load_workflow(case.workflow_hash)


# --- an entry read two ways ---------------------------------------------------------------------


def test_a_duplicate_json_key_in_an_entry_is_refused(engine: Engine, backend: Backend) -> None:
    """{"text": "forged", ..., "text": "real"}: SQL reads one text, Python the other."""
    case = engine.act(casekit.open_case(engine).id, "add_note", TEACHER, text="Ekte notat")
    [(data,)] = backend.run(
        "SELECT data FROM entries WHERE case_id = ? AND seq = ?", case.id, case.seq
    )
    assert data.startswith("{")
    twice = '{"text":"Forfalsket",' + data[1:]
    backend.tamper(
        "UPDATE entries SET data = ? WHERE case_id = ? AND seq = ?", twice, case.id, case.seq
    )
    report = engine.verify()
    assert [(p.case_id, p.seq) for p in report.problems] == [(case.id, case.seq)]
    assert report.problems[0].code == "entry_unreadable"
    assert "twice" in report.problems[0].message


# --- what only exported heads can show -------------------------------------------------------


def _rewrite_row(backend: Backend, case_id: str, state: Case) -> None:
    values = state_values(state)
    sets = ", ".join(f"{c} = ?" for c in STATE_COLUMNS[1:])
    backend.run(f"UPDATE cases SET {sets} WHERE case_id = ?", *values[1:], case_id)


def test_cut_entries_with_the_row_rewritten_are_caught_by_the_heads(
    engine: Engine, clock: Clock, backend: Backend
) -> None:
    """The last entries removed and the case row rewritten to match: only the heads show it."""
    case = _due_case(engine, clock)
    heads = engine.store.heads()
    log = engine.log(case.id)
    backend.tamper("DELETE FROM entries WHERE case_id = ? AND seq > ?", case.id, len(log) - 2)
    _rewrite_row(backend, case.id, fold(log[:-2]))
    assert engine.verify().ok  # consistent, as far as the database alone can tell
    problems = check_heads(engine.store, heads)
    assert [(p.case_id, p.seq) for p in problems] == [(case.id, len(log))]
    assert (problems[0].code, problems[0].values) == (
        "chain_shorter",
        {"now": len(log) - 2, "was": len(log)},
    )
    assert str(problems[0]) == (
        f"{case.id} entry {len(log)}: chain shorter than exported "
        f"(entry {len(log) - 2}, was {len(log)})"
    )
    assert problems[0].said("nb") == (
        f"{case.id} oppføring {len(log)}: kjeden er kortere enn da den ble eksportert "
        f"(oppføring {len(log) - 2}, var {len(log)})"
    )


def _forge_last(engine: Engine, backend: Backend, case_id: str) -> None:
    """Replace a case's last entry with another, sealed with a correct hash and chain."""
    log = engine.log(case_id)
    last = log[-1]
    forged = seal(
        Draft(NoteAdded(text="Forfalsket")), case_id=case_id, seq=last.seq, time=last.time,
        actor=last.actor, role=last.role, unit=last.unit, workflow_hash=last.workflow_hash,
        prev_hash=last.prev_hash,
    )  # fmt: skip
    backend.tamper(
        "UPDATE entries SET kind = ?, data = ?, hash = ?, content_hash = ? "
        "WHERE case_id = ? AND seq = ?",
        forged.kind, canonical_json(forged.data), forged.hash, forged.content_hash, case_id,
        last.seq,
    )  # fmt: skip
    _rewrite_row(backend, case_id, fold([*log[:-1], forged]))


def test_a_forged_entry_with_a_correct_hash_is_caught_by_the_heads(
    engine: Engine, clock: Clock, backend: Backend
) -> None:
    """A last entry replaced by a forged one, correctly sealed: only the heads show it."""
    case = _due_case(engine, clock)
    heads = engine.store.heads()
    _forge_last(engine, backend, case.id)
    assert engine.verify().ok
    problems = check_heads(engine.store, heads)
    assert [p.case_id for p in problems] == [case.id]
    assert problems[0].code == "chain_differs"
    assert "skrevet om eller forfalsket" in problems[0].words("nb")


def test_a_deleted_case_is_caught_by_the_heads(
    engine: Engine, clock: Clock, backend: Backend
) -> None:
    """A whole case removed (entries, row, access log): only the heads show it."""
    case = _due_case(engine, clock)
    kept = casekit.at_level_1(engine, "elev-u")
    heads = engine.store.heads()
    backend.tamper("DELETE FROM entries WHERE case_id = ?", case.id)
    _tamper_access(backend, "DELETE FROM access_log WHERE case_id = ?", case.id)
    backend.run("DELETE FROM cases WHERE case_id = ?", case.id)
    assert engine.verify().ok
    problems = check_heads(engine.store, heads)
    assert [p.case_id for p in problems] == [case.id]
    assert problems[0].code == "case_missing"
    assert problems[0].words("nn") == "saka manglar (sletta)"
    assert kept.id not in str(problems)


def test_an_untouched_store_matches_its_heads_and_new_cases_are_fine(
    engine: Engine, clock: Clock
) -> None:
    """Heads exported, then more work done: nothing to report."""
    case = _due_case(engine, clock)
    heads = engine.store.heads()
    engine.act(case.id, "add_note", TEACHER, text="Senere notat")
    casekit.open_case(engine, "elev-ny")
    assert check_heads(engine.store, heads) == []


# --- the command line ---------------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str]:
    env = {"LANG": "C.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
    result = CliRunner().invoke(main, list(args), prog_name="btiflow", env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_verify_against_heads_names_what_changed(tmp_path: Path) -> None:
    """verify --heads writes the witness; verify --against reads it back and names a cut."""
    clock = Clock()
    engine = casekit.engine_on(tmp_path / "relay.db", clock)
    db = str(tmp_path / "relay.db")
    backend = SqliteBackend(tmp_path)
    try:
        case = _due_case(engine, clock)
        heads = tmp_path / "heads.json"
        assert _cli("verify", db, "--heads", str(heads))[0] == 0
        assert _cli("verify", db, "--against", str(heads))[0] == 0
        log = engine.log(case.id)
        backend.tamper("DELETE FROM entries WHERE case_id = ? AND seq = ?", case.id, len(log))
        _rewrite_row(backend, case.id, fold(log[:-1]))
        assert _cli("verify", db)[0] == 0
        code, out = _cli("verify", db, "--against", str(heads))
        nn = _cli("--lang", "nn", "verify", db, "--against", str(heads))[1]
        en = _cli("--lang", "en", "verify", db, "--against", str(heads))[1]
    finally:
        engine.store.close()
    assert code == 1
    assert f"{case.id} oppføring {len(log)}: kjeden er kortere enn da den ble eksportert" in out
    assert f"{case.id} oppføring {len(log)}: kjeda er kortare enn då ho vart eksportert" in nn
    assert f"{case.id} entry {len(log)}: chain shorter than exported" in en


def test_verify_against_a_file_that_is_not_heads_is_one_line(tmp_path: Path) -> None:
    """A heads file that is not one: exit 1, one line."""
    casekit.engine_on(tmp_path / "relay.db").store.close()
    bad = tmp_path / "heads.json"
    bad.write_text('{"case_id": 1}', encoding="utf-8")
    code, out = _cli("verify", str(tmp_path / "relay.db"), "--against", str(bad))
    assert code == 1
    assert len(out.strip().splitlines()) == 1, out
    assert "ikke en liste med kjedehoder" in out


def test_read_heads_takes_what_verify_heads_writes(engine: Engine, clock: Clock) -> None:
    """The export's format round-trips."""
    _due_case(engine, clock)
    store: Store = engine.store
    data = [{"case_id": h.case_id, "seq": h.seq, "hash": h.hash} for h in store.heads()]
    assert read_heads(json.dumps(data)) == store.heads()
