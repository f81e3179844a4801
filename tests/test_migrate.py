"""Migrating open cases to a new version of their guide: plan, mapping, refusal, deadlines, log."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from casekit import (
    GUARDIAN,
    TEACHER,
    Clock,
    evaluate,
    make_engine,
    open_case,
    plan,
    to_level_0_decision,
    to_level_1,
    to_level_1_decision,
)
from click.testing import CliRunner
from helpers.variants import (
    ADDED,
    REMOVED,
    RENAMED,
    SHORTER_DEADLINE,
    WORKFLOWS,
    step,
    write_variant,
)

from btiflow import (
    Actor,
    Engine,
    MigrationError,
    MigrationPlan,
    SqliteStore,
    apply_migration,
    fold,
    load_workflow,
    plan_migration,
)
from btiflow.case.fold import to_data
from btiflow.case.kinds import WorkflowMigrated, WorkflowRef
from btiflow.cli import main
from btiflow.migrate import moved_note, plan_text
from btiflow.render.casepage import case_page
from btiflow.timeline import timeline
from btiflow.views import FamilyView
from btiflow.workflow.model import Workflow

EDITOR = Actor("redaktor-h", "admin", "Kommunalsjefens stab", "Redaktør H")


def db_state(path: Path) -> tuple[list[tuple[object, ...]], ...]:
    """Every row of every table, after a checkpoint (the file's content as data)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return tuple(conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables)
    finally:
        conn.close()


def file_bytes(path: Path) -> bytes:
    db_state(path)
    return path.read_bytes()


def kafjord_engine(tmp_path: Path, clock: Clock | None = None) -> tuple[Engine, Clock]:
    return make_engine(tmp_path, "kafjord", clock)


def new_version(tmp_path: Path, **edits: object) -> Workflow:
    return load_workflow(write_variant(tmp_path, "ny", **edits))


def migrate(engine: Engine, new: Workflow, **options: object) -> tuple[MigrationPlan, object]:
    clock: Clock = engine.clock  # type: ignore[assignment]
    planned = plan_migration(engine.store, new, today=clock.today, **options)  # type: ignore[arg-type]
    return planned, apply_migration(engine.store, planned, by=EDITOR, now=clock.now)


def assert_sound(engine: Engine) -> None:
    """verify passes and every state row equals the replay of its log."""
    report = engine.verify()
    assert report.ok, report.problems
    store: SqliteStore = engine.store  # type: ignore[assignment]
    for case_id in store.case_ids():
        assert to_data(fold(engine.log(case_id))) == to_data(engine.case(case_id))


def test_dry_run_lists_every_case_and_writes_nothing(tmp_path: Path) -> None:
    """The plan names each case, its step and what happens; the database is byte-identical."""
    engine, _ = kafjord_engine(tmp_path)
    a = open_case(engine, subject="elev-0001")
    b = to_level_1(engine, subject="elev-0002")
    plan(engine, b.id)
    new = new_version(tmp_path, steps=RENAMED)
    before = file_bytes(tmp_path / "relay.db")
    planned = plan_migration(engine.store, new)
    text = plan_text(planned, dry_run=True)
    assert file_bytes(tmp_path / "relay.db") == before
    assert "prøvekjøring, ingenting skrives" in text
    assert f"Sak {a.id} (elev-0001), nivå 0, versjon 2026.1" in text
    assert f"Sak {b.id} (elev-0002), nivå 1" in text
    assert "[step_renamed]" in text
    assert "--map n1-iverksett=n1-iverksett" in text
    assert "Oppsummering: 1 flyttes, 1 trenger kartlegging" in text


def test_unchanged_step_moves_and_the_log_shows_it(tmp_path: Path) -> None:
    """A case whose step exists unchanged moves; its log ends with the migration, the state row
    equals the replay, and the case goes on under the new version."""
    engine, clock = kafjord_engine(tmp_path)
    case = plan(engine, to_level_1(engine).id)
    new = new_version(tmp_path, steps=REMOVED)
    clock.advance(days=2)
    planned, _ = migrate(engine, new)
    assert [c.action for c in planned.cases] == ["move"]
    moved = engine.case(case.id)
    assert (moved.workflow_version, moved.workflow_hash) == ("2026.2", new.content_hash)
    assert moved.step == "n1-iverksett"
    assert moved.next_evaluation_due == case.next_evaluation_due is not None
    last = engine.log(case.id)[-1]
    assert last.kind == "workflow_migrated"
    assert last.actor == EDITOR.id
    assert last.workflow_hash == new.content_hash
    moved_by = last.body_as(WorkflowMigrated)
    assert moved_by.from_workflow.version == "2026.1"
    assert moved_by.to_workflow == WorkflowRef(
        id="kafjord", version="2026.2", hash=new.content_hash
    )
    assert moved_by.how == "auto"
    assert moved.migrations[-1].to_version == "2026.2"
    assert moved_note(moved) == (
        "Saken ble flyttet til versjon 2026.2 av veilederen torsdag 3. september 2026."
    )
    text = timeline(engine.log(case.id), engine.workflow_of(moved))
    assert "Flyttet til veilederens versjon 2026.2 (fra 2026.1)" in text
    assert_sound(engine)
    # the case goes on under the new version: the guide text is the new version's
    assert engine.workflow_of(moved).version == "2026.2"
    evaluate(engine, case.id)
    assert engine.case(case.id).workflow_hash == new.content_hash
    assert_sound(engine)


def test_an_old_case_is_explained_by_a_fresh_engine_after_migration(tmp_path: Path) -> None:
    """An engine given only the old file finds the new version in the store."""
    engine, _ = kafjord_engine(tmp_path)
    case = open_case(engine)
    new = new_version(tmp_path, steps=RENAMED)
    migrate(engine, new)
    fresh = Engine(load_workflow(WORKFLOWS / "kafjord.yaml"), SqliteStore(tmp_path / "relay.db"))
    assert fresh.workflow_of(fresh.case(case.id)).content_hash == new.content_hash
    assert [o.action for o in fresh.options(case.id, TEACHER) if o.allowed]


def test_removed_step_needs_a_mapping_and_moves_with_it(tmp_path: Path) -> None:
    """A case in a removed step stays until a mapping says where it goes; then it moves."""
    engine, _ = kafjord_engine(tmp_path)
    case = open_case(engine)
    engine.act(case.id, "complete_step", TEACHER)
    engine.act(case.id, "inform_leader", TEACHER)
    engine.act(case.id, "complete_step", TEACHER)
    assert engine.case(case.id).step == "n0-del-med-foresatte"
    new = new_version(tmp_path, steps=REMOVED)
    planned, _ = migrate(engine, new)
    [only] = planned.cases
    assert only.action == "needs_mapping"
    assert only.reasons[0].code == "step_removed"
    assert engine.case(case.id).workflow_version == "2026.1"
    planned, _ = migrate(engine, new, mapping={"n0-del-med-foresatte": "n0-grunn-til-oppfolging"})
    assert planned.cases[0].action == "move"
    moved = engine.case(case.id)
    assert moved.step == "n0-grunn-til-oppfolging"
    assert engine.log(case.id)[-1].body_as(WorkflowMigrated).mapping == {
        "n0-del-med-foresatte": "n0-grunn-til-oppfolging"
    }
    assert_sound(engine)


def test_renamed_step_is_confirmed_with_an_identity_mapping(tmp_path: Path) -> None:
    """A renamed step (same id, new title) needs --map X=X; then the case stays in it."""
    engine, _ = kafjord_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id)
    new = new_version(tmp_path, steps=RENAMED)
    planned, _ = migrate(engine, new, mapping={"n1-iverksett": "n1-iverksett"})
    assert [(c.action, c.how) for c in planned.cases] == [("move", "mapped")]
    assert engine.case(case.id).step == "n1-iverksett"


def test_mapping_past_undone_steps_is_refused(tmp_path: Path) -> None:
    """A mapping that would put a case past steps it has not done is refused with what is
    missing; the case stays on its version, its log unchanged."""
    engine, _ = kafjord_engine(tmp_path)
    case = to_level_1(engine)
    assert case.step == "n1-kontaktperson"
    new = new_version(tmp_path, steps=RENAMED)
    log_before = engine.log(case.id)
    planned, result = migrate(engine, new, mapping={"n1-kontaktperson": "n1-evaluer"})
    [only] = planned.cases
    assert only.action == "refused"
    codes = {r.code for r in only.reasons}
    assert codes == {"requirements_unmet"}
    assert any("kontaktperson" in r.message for r in only.reasons)
    assert result.results == ()  # type: ignore[attr-defined]
    assert engine.log(case.id) == log_before


def test_mapping_to_another_level_is_refused(tmp_path: Path) -> None:
    """A migration does not move a case between levels."""
    engine, _ = kafjord_engine(tmp_path)
    case = open_case(engine)
    new = new_version(tmp_path, steps=RENAMED)
    planned = plan_migration(engine.store, new, mapping={"n0-konkretiser": "n1-kontaktperson"})
    assert planned.cases[0].action == "refused"
    assert planned.cases[0].reasons[0].code == "target_other_level"
    assert engine.case(case.id).workflow_version == "2026.1"


def test_new_step_before_the_case_is_checked(tmp_path: Path) -> None:
    """A step added before a case's step must be done by the case; one after it need not."""
    engine, _ = kafjord_engine(tmp_path)
    ahead = to_level_1(engine, subject="elev-0001")
    plan(engine, ahead.id)  # at n1-iverksett, past the new step
    behind = to_level_1(engine, subject="elev-0002")  # at n1-kontaktperson, before it
    rights = {
        1: step(
            "n1-rettigheter",
            title="Vurder rettigheter",
            after="n1-felles-forstaelse",
            requires="[rights_assessed]",
        )
    }
    new = new_version(tmp_path, steps=rights)
    planned = plan_migration(engine.store, new)
    by_id = {c.case_id: c for c in planned.cases}
    assert by_id[ahead.id].action == "refused"
    assert "Vurder rettigheter" in by_id[ahead.id].reasons[0].message
    assert by_id[behind.id].action == "move"


def test_new_step_the_case_has_done_lets_it_move(tmp_path: Path) -> None:
    """The child's voice, heard at the planning meeting, meets a new step that asks for it."""
    engine, _ = kafjord_engine(tmp_path)
    case = to_level_1_decision(engine)
    new = new_version(tmp_path, steps=ADDED)
    planned, _ = migrate(engine, new)
    assert planned.cases[0].action == "move"
    assert engine.case(case.id).step == "n1-avklar-behov"


def test_a_continued_round_is_not_checked_against_steps_before_it(tmp_path: Path) -> None:
    """After 'continue' the round starts at the implementation step; a new step before that
    step is not asked of the case (it would not have passed it under the new version either)."""
    engine, clock = kafjord_engine(tmp_path)
    case = to_level_1_decision(engine)
    engine.act(case.id, "decide", TEACHER, outcome="continue", next_evaluation=clock.in_days(14))
    assert engine.case(case.id).step == "n1-iverksett"
    rights = {
        1: step("n1-ny", title="Nytt steg", after="n1-felles-forstaelse", records="[meeting]")
    }
    planned, _ = migrate(engine, new_version(tmp_path, steps=rights))
    assert planned.cases[0].action == "move"
    assert_sound(engine)


def test_deadlines_keep_and_recompute(tmp_path: Path) -> None:
    """With P4W → P3W a 28-day evaluation has another latest date: keep leaves it, recompute
    brings it forward to 21 days after it was set; the plan lists the case either way."""
    for mode, expected_days in (("keep", 28), ("recompute", 21)):
        folder = tmp_path / mode
        folder.mkdir()
        engine, clock = kafjord_engine(folder)
        case = to_level_1(engine)
        plan(engine, case.id, days=28)
        set_on = clock.today
        short = to_level_1(engine, subject="elev-0099")
        plan(engine, short.id, days=14)
        clock.advance(days=3)
        new = new_version(folder, top=SHORTER_DEADLINE)
        planned, _ = migrate(engine, new, deadlines=mode)
        assert [c.case_id for c in planned.deadline_differs] == [case.id, short.id]
        assert [c.case_id for c in planned.recompute_changes] == [case.id]
        text = plan_text(planned, dry_run=False)
        assert "fristen fire uker → tre uker gir senest" in text
        assert "Med --deadlines recompute" in text
        due = (set_on + dt.timedelta(days=expected_days)).isoformat()
        assert engine.case(case.id).next_evaluation_due == due
        moved_due = engine.log(case.id)[-1].body_as(WorkflowMigrated).next_evaluation
        assert str(moved_due) == due
        assert (
            engine.case(short.id).next_evaluation_due
            == (set_on + dt.timedelta(days=14)).isoformat()
        )
        assert [d.case_id for d in engine.due(clock.now, within=dt.timedelta(days=30))] == [
            short.id,
            case.id,
        ]
        assert_sound(engine)


def test_recompute_never_sets_a_date_in_the_past_or_later(tmp_path: Path) -> None:
    """When the new latest date has passed, recompute gives today; a longer limit moves
    nothing."""
    engine, clock = kafjord_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id, days=28)
    clock.advance(days=25)
    week = new_version(tmp_path, top="deadlines:\n  evaluation: P1W\n")
    planned = plan_migration(engine.store, week, deadlines="recompute", today=clock.today)
    assert planned.cases[0].deadline is not None
    assert planned.cases[0].deadline.recomputed == clock.today.isoformat()
    longer = new_version(tmp_path, top="deadlines:\n  evaluation: P8W\n")
    planned = plan_migration(engine.store, longer, deadlines="recompute", today=clock.today)
    deadline = planned.cases[0].deadline
    assert deadline is not None
    assert deadline.limit_differs
    assert not deadline.changes


def test_a_delayed_date_is_kept_by_recompute(tmp_path: Path) -> None:
    """A date set beyond the limit with a reason for the delay stays where it was."""
    engine, clock = kafjord_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id, days=14)
    engine.act(
        case.id, "reschedule_evaluation", TEACHER, next_evaluation=clock.in_days(35),
        reason="Skolen er stengt i høstferien",
    )  # fmt: skip
    planned, _ = migrate(engine, new_version(tmp_path, top=SHORTER_DEADLINE), deadlines="recompute")
    assert planned.cases[0].deadline is not None
    assert planned.cases[0].deadline.delayed
    assert engine.case(case.id).next_evaluation_due == clock.in_days(35)


def test_a_case_changed_after_planning_is_reported_and_the_others_move(tmp_path: Path) -> None:
    """The optimistic append: a case written to after the plan is a conflict, not moved."""
    engine, _ = kafjord_engine(tmp_path)
    first = open_case(engine, subject="elev-0001")
    second = open_case(engine, subject="elev-0002")
    new = new_version(tmp_path, steps=RENAMED)
    planned = plan_migration(engine.store, new)
    engine.act(first.id, "add_note", TEACHER, text="Samtale med eleven")
    result = apply_migration(engine.store, planned, by=EDITOR)
    assert [(r.case_id, r.status) for r in result.results] == [
        (first.id, "conflict"),
        (second.id, "migrated"),
    ]
    assert engine.case(first.id).workflow_version == "2026.1"
    assert engine.case(second.id).workflow_version == "2026.2"
    assert_sound(engine)


def test_closed_cases_and_other_guides_stay(tmp_path: Path) -> None:
    """Closed cases are not touched; a case on another guide is skipped and reported."""
    engine, clock = kafjord_engine(tmp_path)
    done = open_case(engine, subject="elev-0001")
    to_level_0_decision(engine, done.id)
    engine.act(done.id, "decide", TEACHER, outcome="close", reason="Ingen grunn til bekymring")
    ours = open_case(engine, subject="elev-0002")
    sortland = Engine(load_workflow(WORKFLOWS / "sortland.yaml"), engine.store, clock=clock)
    theirs = open_case(sortland, subject="elev-0003")
    planned, _ = migrate(engine, new_version(tmp_path, steps=RENAMED))
    assert {c.case_id: c.action for c in planned.cases} == {ours.id: "move", theirs.id: "skipped"}
    assert planned.closed == 1
    assert engine.case(done.id).workflow_version == "2026.1"
    assert engine.case(theirs.id).workflow_id == "sortland"
    assert "1 hoppet over (annen veileder), 1 avsluttet" in plan_text(planned, dry_run=False)


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    """A mapping to a missing step, another guide, a reused version label: MigrationError with
    every problem, and the database byte-identical."""
    engine, _ = kafjord_engine(tmp_path)
    open_case(engine)
    db = tmp_path / "relay.db"
    before = file_bytes(db)
    new = new_version(tmp_path, steps=RENAMED)
    with pytest.raises(MigrationError) as caught:
        plan_migration(engine.store, new, mapping={"n0-konkretiser": "n0-finnes-ikke"})
    assert "har ikke steget 'n0-finnes-ikke'" in str(caught.value)
    with pytest.raises(MigrationError, match="ingen åpen sak følger veilederen 'sortland'"):
        plan_migration(engine.store, load_workflow(WORKFLOWS / "sortland.yaml"))
    same_label = load_workflow(write_variant(tmp_path, "samme", version="2026.1", steps=RENAMED))
    with pytest.raises(MigrationError, match="finnes allerede med annet innhold"):
        plan_migration(engine.store, same_label)
    with pytest.raises(MigrationError, match="keep eller recompute"):
        plan_migration(engine.store, new, deadlines="later")
    assert file_bytes(db) == before


def test_a_mapping_no_case_needs_is_a_warning(tmp_path: Path) -> None:
    """Mapping a step no case stands in is allowed, with a warning in the plan."""
    engine, _ = kafjord_engine(tmp_path)
    open_case(engine)
    planned = plan_migration(
        engine.store, new_version(tmp_path, steps=RENAMED), mapping={"n2-planlegg": "n2-planlegg"}
    )
    assert planned.warnings
    assert "Advarsel: --map n2-planlegg=n2-planlegg: ingen åpen sak" in plan_text(
        planned, dry_run=True
    )


# --- the command line ---------------------------------------------------------------------------


def test_cli_dry_run_then_real_run(tmp_path: Path) -> None:
    """--dry-run prints the plan (exit 3 while a case needs a mapping) and writes nothing; the
    real run with the mapping moves every case (exit 0), and verify stays ok."""
    engine, _ = kafjord_engine(tmp_path)
    case = to_level_1(engine)
    plan(engine, case.id)
    open_case(engine, subject="elev-0002")
    engine.store.close()
    db = tmp_path / "relay.db"
    new = write_variant(tmp_path, "ny", steps=RENAMED)
    runner = CliRunner()
    before = file_bytes(db)
    dry = runner.invoke(main, ["migrate", str(db), "--to", str(new), "--dry-run"])
    assert dry.exit_code == 3, dry.output
    assert "trenger kartlegging" in dry.output
    assert file_bytes(db) == before
    no_by = runner.invoke(main, ["migrate", str(db), "--to", str(new)])
    assert no_by.exit_code == 2
    assert "--by" in no_by.output
    real = runner.invoke(
        main,
        ["migrate", str(db), "--to", str(new), "--map", "n1-iverksett=n1-iverksett",
         "--by", "redaktor-h"],
    )  # fmt: skip
    assert real.exit_code == 0, real.output
    assert "Flyttet 2 sak(er) til kafjord 2026.2" in real.output
    log = runner.invoke(main, ["log", str(db), case.id])
    assert "Flyttet til veilederens versjon 2026.2 (fra 2026.1)" in log.output
    # entries before the migration keep their own version's step titles
    assert "→ «Iverksett tiltak»" in log.output
    assert runner.invoke(main, ["verify", str(db)]).exit_code == 0


def test_cli_bad_input_writes_nothing(tmp_path: Path) -> None:
    """A new version that does not load (file:line:column), a mapping to a missing step, a
    malformed mapping: errors, exit 1 or 2, the database byte-identical."""
    engine, _ = kafjord_engine(tmp_path)
    open_case(engine)
    engine.store.close()
    db = tmp_path / "relay.db"
    before = file_bytes(db)
    runner = CliRunner()
    broken = tmp_path / "broken.yaml"
    broken.write_text(write_variant(tmp_path, "ny").read_text().replace("level: 1", "level: x"))
    args = ["migrate", str(db), "--by", "redaktor-h", "--to"]
    bad_file = runner.invoke(main, [*args, str(broken)])
    assert bad_file.exit_code == 1
    assert f"{broken}:" in bad_file.output
    bad_map = runner.invoke(
        main, [*args, str(tmp_path / "ny.yaml"), "--map", "n0-konkretiser=n0-borte"]
    )
    assert bad_map.exit_code == 1
    assert "har ikke steget 'n0-borte'" in bad_map.output
    assert "Ingenting er skrevet" in bad_map.output
    malformed = runner.invoke(main, [*args, str(tmp_path / "ny.yaml"), "--map", "n0-konkretiser"])
    assert malformed.exit_code == 2
    other = runner.invoke(main, [*args, str(WORKFLOWS / "sortland.yaml")])
    assert other.exit_code == 1
    assert file_bytes(db) == before


def test_the_family_sees_the_version_their_case_is_on_and_when_it_moved(tmp_path: Path) -> None:
    """After a migration the family's view and the case page use the new version's texts and
    say when the case moved."""
    engine, clock = kafjord_engine(tmp_path)
    case = plan(engine, to_level_1(engine).id)
    before = engine.view(case.id, GUARDIAN)
    assert isinstance(before, FamilyView)
    assert (before.guide_version, before.moved) == ("2026.1", None)
    assert before.step_title == "Iverksett tiltak"
    clock.advance(days=2)
    migrate(engine, new_version(tmp_path, steps=RENAMED), mapping={"n1-iverksett": "n1-iverksett"})
    after = engine.view(case.id, GUARDIAN)
    assert isinstance(after, FamilyView)
    assert after.guide_version == "2026.2"
    assert after.step_title == "Sett i gang tiltakene"
    note = "Saken ble flyttet til versjon 2026.2 av veilederen torsdag 3. september 2026."
    assert after.moved == note
    moved = engine.case(case.id)
    html = case_page(engine.workflow_of(moved), after, moved.step)
    assert note in html
    assert "Sett i gang tiltakene" in html
