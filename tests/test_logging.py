"""What btiflow logs through the standard ``logging`` module (``btiflow.*`` loggers): a run like
the demo's logs what happened, by case id, kind and count, and no line holds a name, a concern,
a text of the case, an e-mail address or a national id (docs/design.md: nothing sensitive)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from casekit import LEADER, OSLO, SCHOOL, TEACHER, Clock, plan, to_level_1, workflow
from click.testing import CliRunner
from helpers.variants import REMOVED, write_variant
from mailkit import HOST, MailServer

from btiflow import Actor, apply_migration, load_workflow, plan_migration
from btiflow.case.people import Person
from btiflow.cli import main
from btiflow.engine import Engine
from btiflow.notify.dispatch import Dispatcher, SmtpSettings
from btiflow.notify.messages import NotifyConfig
from btiflow.store.outbox import Outbox
from btiflow.store.sqlite import SqliteStore

CONFIG = NotifyConfig("https://bti.kommune.example.org", "bti@kommune.example.org", "BTI Nordvik")
NATIONAL_ID = "24068012345"  # invented, shaped like a fødselsnummer: the case's subject here
CONCERN = "Trekker seg unna i friminuttene over flere uker"  # what casekit.open_case writes
GUARDIAN_MAIL = "margit.testesen@example.org"
TEACHER_MAIL = "laerer.a@skole.example.org"
REFUSED_MAIL = "nils.provesen@example.org"  # the test server refuses this one (550)
GUARDIAN_P = Person("foresatt-m", "Mor Margit Testesen", "", GUARDIAN_MAIL)
TEACHER_P = Person(TEACHER.id, TEACHER.name, SCHOOL, TEACHER_MAIL)
REFUSED_P = Person("foresatt-n", "Far Nils Prøvesen", "", REFUSED_MAIL)
EDITOR = Actor("redaktor-h", "admin", "Kommunalsjefens stab", "Redaktør H")

SENSITIVE = (
    NATIONAL_ID,
    CONCERN,
    "Fast voksen i friminuttene",  # the measure casekit.plan agrees
    "Referat fra planleggingsmøtet",  # its minutes
    "Familien ønsker",  # the family's wish (casekit.WISH)
    TEACHER.name,
    LEADER.name,
    "Foresatt C",
    *(p.name for p in (GUARDIAN_P, REFUSED_P)),
    GUARDIAN_MAIL,
    TEACHER_MAIL,
    REFUSED_MAIL,
    "example.org",  # no address at all, not even the sender's
)


def _demo_like_run(tmp_path: Path) -> tuple[Engine, Clock]:
    """Open a case, act, plan a meeting whose invitations are mailed, plan reminders."""
    clock = Clock(dt.datetime.now(OSLO).replace(microsecond=0) - dt.timedelta(days=30))
    engine = Engine(
        workflow("kafjord"), SqliteStore(tmp_path / "relay.db"), clock=clock, notify=CONFIG
    )
    case = to_level_1(engine, subject=NATIONAL_ID, birth_date="2012-06-24")
    plan(engine, case.id, days=14)
    engine.act(
        case.id, "schedule_meeting", TEACHER, kind="evaluation",
        at=clock.now + dt.timedelta(days=10), place="Nordvik skole, rom 2",
        invitees=[GUARDIAN_P, TEACHER_P, REFUSED_P],
    )  # fmt: skip
    clock.advance(days=13)
    engine.plan_reminders()
    return engine, clock


def _check(records: list[logging.LogRecord]) -> list[str]:
    lines = [r.getMessage() for r in records if r.name.startswith("btiflow")]
    for line in lines:
        for word in SENSITIVE:
            assert word.casefold() not in line.casefold(), (word, line)
    return lines


def test_a_demo_like_run_logs_what_happened_and_nothing_sensitive(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="btiflow")
    engine, clock = _demo_like_run(tmp_path)
    db = str(tmp_path / "relay.db")
    with MailServer(reject=(REFUSED_MAIL,)).running() as server:
        report = Dispatcher(Outbox(db), SmtpSettings(HOST, server.port)).run()
    assert report.sent >= 2
    assert report.failed == 1
    new = load_workflow(write_variant(tmp_path, "ny", steps=REMOVED))
    clock.advance(days=1)
    planned = plan_migration(engine.store, new, today=clock.today)
    done = apply_migration(engine.store, planned, by=EDITOR, now=clock.now)
    assert len(done.migrated) == 1
    lines = _check(caplog.records)
    names = {r.name for r in caplog.records}
    assert {
        "btiflow.store.sqlite",
        "btiflow.engine",
        "btiflow.notify.dispatch",
        "btiflow.migrate.apply",
    } <= names
    text = "\n".join(lines)
    assert "schema migrated (m001_relay_log" in text
    assert "appended (case_opened)" in text
    assert "new in the outbox" in text  # the reminders
    assert "refused for good: SMTP 550" in text
    assert f"{report.sent} sent, 1 failed" in text
    assert "migration done: 1 migrated, 0 conflicts" in text


def test_a_server_that_is_gone_is_logged_without_its_words(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="btiflow")
    _demo_like_run(tmp_path)
    with MailServer().running() as server:
        port = server.port  # closed again: nothing listens there now
    report = Dispatcher(Outbox(tmp_path / "relay.db"), SmtpSettings(HOST, port)).run()
    assert report.problem is not None
    gone = [r for r in caplog.records if r.levelname == "WARNING" and r.name.endswith("dispatch")]
    assert gone
    assert "unreachable: ConnectionRefusedError" in gone[0].getMessage()
    _check(caplog.records)


def test_verbose_logs_to_stderr_and_quiet_does_not(tmp_path: Path) -> None:
    """-v logs what happened to stderr, -vv every step; without it nothing is logged."""
    _demo_like_run(tmp_path)
    db = str(tmp_path / "relay.db")
    runner = CliRunner()
    with MailServer(reject=(REFUSED_MAIL,)).running() as server:
        quiet = runner.invoke(main, ["send", db, "--smtp", f"{HOST}:{server.port}", "--limit", "1"])
        info = runner.invoke(main, ["-v", "send", db, "--smtp", f"{HOST}:{server.port}"])
    debug = runner.invoke(main, ["-vv", "due", db])
    assert "btiflow." not in quiet.stderr
    assert "INFO btiflow.notify.dispatch: sent outbox message" in info.stderr
    assert "DEBUG" not in info.stderr
    assert "DEBUG btiflow" in debug.stderr
    for output in (info.stderr, debug.stderr):
        for word in SENSITIVE:
            assert word.casefold() not in output.casefold(), (word, output)
    left = logging.getLogger("btiflow").handlers
    assert all(isinstance(h, logging.NullHandler) for h in left), "the CLI's handler outlived it"
