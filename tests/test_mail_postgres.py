"""Mail from a relay log on PostgreSQL: the same outbox, claimed with SKIP LOCKED, per tenant."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import uuid

from casekit import OSLO, SCHOOL, TEACHER, Clock, to_level_1, workflow
from click.testing import CliRunner
from mailkit import HOST, MailServer

from btiflow.case.people import Person
from btiflow.cli import main
from btiflow.engine import Engine, ManualClock
from btiflow.notify.dispatch import Dispatcher, SmtpSettings
from btiflow.notify.messages import NotifyConfig
from btiflow.store.postgres import PostgresOutbox, PostgresStore

CONFIG = NotifyConfig("https://bti.kommune.example.org", "bti@kommune.example.org", "BTI Nordvik")
TEACHER_P = Person(TEACHER.id, TEACHER.name, SCHOOL, "laerer@skole.example.org")


def _engine(url: str, tenant: str) -> Engine:
    clock = Clock(dt.datetime.now(OSLO).replace(microsecond=0) - dt.timedelta(hours=1))
    return Engine(workflow("bti"), PostgresStore(url, tenant=tenant), clock=clock, notify=CONFIG)


def _schedule(engine: Engine, invitees: list[Person]) -> str:
    case = to_level_1(engine, holder=TEACHER_P)  # type: ignore[arg-type]
    clock: ManualClock = engine.clock  # type: ignore[assignment]
    at = (clock.now + dt.timedelta(days=2)).replace(minute=0, second=0)
    engine.act(case.id, "schedule_meeting", TEACHER, kind="planning", at=at, invitees=invitees)
    return case.id


def test_invitations_from_postgresql_reach_the_server_and_stay_in_their_tenant(
    pg_url: str,
) -> None:
    """A meeting on PostgreSQL: each invitee gets a REQUEST; another tenant's dispatcher sends
    nothing of it, and its outbox listing is empty."""
    tag = uuid.uuid4().hex[:6]
    engine = _engine(pg_url, f"nordvik-{tag}")
    invitees = [Person(f"foresatt-{i}", "", "", f"foresatt{i}@example.org") for i in range(3)]
    _schedule(engine, invitees)
    with MailServer().running() as server:
        with PostgresOutbox(pg_url, tenant=f"sorvik-{tag}") as other:
            assert other.messages() == []
            assert Dispatcher(other, SmtpSettings(HOST, server.port)).run().sent == 0
        with PostgresOutbox(pg_url, tenant=f"nordvik-{tag}") as outbox:
            report = Dispatcher(outbox, SmtpSettings(HOST, server.port)).run()
            assert (report.sent, report.failed, report.problem) == (3, 0, None)
            assert outbox.counts()["sent"] == 3
    assert sorted(r.recipients[0] for r in server.received) == [i.email for i in invitees]
    assert {r.calendar.method for r in server.received} == {"REQUEST"}
    result = CliRunner().invoke(main, ["outbox", f"{pg_url}?tenant=nordvik-{tag}"])
    assert result.exit_code == 0, result.output
    assert "3 sendt" in result.output
    engine.store.close()


def test_two_send_processes_on_postgresql_send_each_message_once(pg_url: str) -> None:
    """Two `btiflow send` processes on one tenant's outbox: every message arrives exactly once."""
    tenant = f"kommune-{uuid.uuid4().hex[:6]}"
    engine = _engine(pg_url, tenant)
    invitees = [Person(f"foresatt-{i}", "", "", f"foresatt{i}@example.org") for i in range(16)]
    _schedule(engine, invitees)
    url = f"{pg_url}?tenant={tenant}"
    with MailServer(delay=0.02).running() as server:
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "btiflow", "send", url, "--smtp", f"{HOST}:{server.port}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    ids = [r.message_id for r in server.received]
    assert len(ids) == len(set(ids)) == 16
    with PostgresOutbox(pg_url, tenant=tenant) as outbox:
        assert {m.status for m in outbox.messages()} == {"sent"}
    engine.store.close()
