"""Invitations and reminders by e-mail, end to end: engine → outbox → dispatcher → a real SMTP
server on loopback, parsed as a mail client would (the .ics included)."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from casekit import CHILD, OSLO, SCHOOL, TEACHER, Clock, plan, to_level_1, workflow
from click.testing import CliRunner
from mailkit import HOST, MailServer, free_port, self_signed

from btiflow.case.people import Person
from btiflow.cli import main
from btiflow.engine import Engine, ManualClock
from btiflow.errors import ActionRefused
from btiflow.notify.dispatch import Dispatcher, SmtpSettings
from btiflow.notify.messages import NotifyConfig
from btiflow.store.outbox import Outbox
from btiflow.store.sqlite import SqliteStore

CONFIG = NotifyConfig("https://bti.kommune.example.org", "bti@kommune.example.org", "BTI Nordvik")
GUARDIAN_MAIL = "foresatt@example.org"
TEACHER_MAIL = "laerer@skole.example.org"
GUARDIAN_P = Person("foresatt-c", "Foresatt C", "", GUARDIAN_MAIL)
TEACHER_P = Person(TEACHER.id, TEACHER.name, SCHOOL, TEACHER_MAIL)
CHILD_P = Person(CHILD.id, CHILD.name, "", "elev@example.org")
NO_ADDRESS = Person("foresatt-x", "Foresatt X", "")
SUBJECT = "elev-0042"
CONCERN = "Trekker seg unna i friminuttene over flere uker"


def _engine(tmp_path: Path, wf: str = "bti", *, start: dt.datetime | None = None) -> Engine:
    # the clock starts an hour before now, so what the engine writes is due for a real dispatcher
    clock = Clock(start or dt.datetime.now(OSLO).replace(microsecond=0) - dt.timedelta(hours=1))
    store = SqliteStore(tmp_path / "relay.db")
    return Engine(workflow(wf), store, clock=clock, notify=CONFIG)


def _db(engine: Engine) -> str:
    return str(engine.store.path)  # type: ignore[attr-defined]


def _schedule(engine: Engine, *invitees: Person, days: int = 2) -> tuple[str, str, dt.datetime]:
    """A case at level 1 with a planning meeting ``days`` ahead; (case id, meeting id, time)."""
    case = to_level_1(engine, holder=TEACHER_P)  # type: ignore[arg-type]
    clock: ManualClock = engine.clock  # type: ignore[assignment]
    at = (clock.now + dt.timedelta(days=days)).replace(minute=0, second=0)
    case = engine.act(
        case.id, "schedule_meeting", TEACHER, kind="planning", at=at, place="Nordvik skole, rom 2",
        invitees=list(invitees),
    )  # fmt: skip
    return case.id, case.meetings[-1].id, at


def _send(engine: Engine, server: MailServer, **settings: object) -> Dispatcher:
    return Dispatcher(Outbox(_db(engine)), SmtpSettings(HOST, server.port, **settings))  # type: ignore[arg-type]


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), prog_name="btiflow", env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_scheduling_sends_a_request_to_each_invitee_with_an_address(tmp_path: Path) -> None:
    """Each invitee with an address gets their own REQUEST; one without is skipped, with a note."""
    engine = _engine(tmp_path)
    cid, mid, at = _schedule(engine, GUARDIAN_P, TEACHER_P, NO_ADDRESS)
    with MailServer().running() as server:
        report = _send(engine, server).run()
    assert (report.sent, report.failed, report.problem) == (2, 0, None)
    assert sorted(r.recipients for r in server.received) == [(GUARDIAN_MAIL,), (TEACHER_MAIL,)]
    for address in (GUARDIAN_MAIL, TEACHER_MAIL):
        (got,) = server.to(address)
        event = got.calendar
        assert event.method == "REQUEST"
        assert event.uid == f"{cid}-{mid}@btiflow"
        assert event.sequence == 0
        assert event.start == at.astimezone(dt.UTC)
        assert event.location == "Nordvik skole, rom 2"
        assert event.attendees == (address,)  # nobody sees who else is invited
        assert event.organizer == CONFIG.sender
        assert got.message["To"].addresses[0].addr_spec == address
        assert got.subject.startswith("Invitasjon: planleggingsmøte")
        assert "kl. " in got.subject
        assert CONFIG.login_url in got.text
        assert got.message.get_content_type() == "multipart/mixed"
    code, listing = _cli("outbox", _db(engine))
    assert code == 0
    assert "ikke sendt: ingen e-postadresse" in listing
    assert "foresatt-x" in listing
    assert "2 sendt, 1 ikke sendt" in listing


def test_moving_keeps_the_uid_and_raises_the_sequence_and_cancel_cancels(tmp_path: Path) -> None:
    """Schedule, move, cancel: REQUEST 0, REQUEST 1 at the new time, CANCEL 2, one UID."""
    engine = _engine(tmp_path)
    cid, mid, at = _schedule(engine, GUARDIAN_P)
    later = at + dt.timedelta(days=1, hours=2)
    engine.act(cid, "move_meeting", TEACHER, meeting=mid, at=later, place="Nordvik skole, rom 3")
    engine.act(cid, "cancel_meeting", TEACHER, meeting=mid, reason="Foresatte er syke")
    with MailServer().running() as server:
        assert _send(engine, server).run().sent == 3
    events = [r.calendar for r in server.to(GUARDIAN_MAIL)]
    assert [(e.method, e.sequence, e.status) for e in events] == [
        ("REQUEST", 0, "CONFIRMED"),
        ("REQUEST", 1, "CONFIRMED"),
        ("CANCEL", 2, "CANCELLED"),
    ]
    assert {e.uid for e in events} == {f"{cid}-{mid}@btiflow"}
    assert events[1].start == later.astimezone(dt.UTC)
    assert events[1].location == "Nordvik skole, rom 3"
    subjects = [r.subject for r in server.to(GUARDIAN_MAIL)]
    assert [s.split(":")[0] for s in subjects] == ["Invitasjon", "Endret", "Avlyst"]
    assert len({r.message_id for r in server.received}) == 3
    assert "Foresatte er syke" not in server.to(GUARDIAN_MAIL)[2].everything()


def test_mail_carries_nothing_sensitive(tmp_path: Path) -> None:
    """No subject id, concern, names, birth date or other invitees in any header, text or .ics."""
    engine = _engine(tmp_path)
    cid, mid, at = _schedule(engine, GUARDIAN_P, TEACHER_P, CHILD_P)
    engine.act(cid, "move_meeting", TEACHER, meeting=mid, at=at + dt.timedelta(hours=1))
    with MailServer().running() as server:
        _send(engine, server).run()
    assert len(server.received) == 6
    for got in server.received:
        ics = (got.attachment() or b"").decode()
        for part in (got.subject, got.text, ics, got.everything()):
            for secret in (SUBJECT, CONCERN, "friminuttene", CHILD.name, GUARDIAN_P.name,
                           TEACHER.name, "Foresatt", "Elev D"):  # fmt: skip
                assert secret not in part, (secret, part)
        others = {GUARDIAN_MAIL, TEACHER_MAIL, "elev@example.org"} - set(got.recipients)
        assert not any(o in got.everything() for o in others)


def test_nynorsk_guide_writes_nynorsk_mail(tmp_path: Path) -> None:
    """A guide in nynorsk gets invitations in nynorsk."""
    engine = _engine(tmp_path, "nore-og-uvdal")
    _schedule(engine, GUARDIAN_P)
    with MailServer().running() as server:
        _send(engine, server).run()
    (got,) = server.received
    assert "Logg inn for å sjå meir" in got.text
    assert got.message["Content-Language"] == "nn"


def test_a_refused_action_writes_no_outbox_row(tmp_path: Path) -> None:
    """A refused schedule, move or cancel leaves the outbox as it was."""
    engine = _engine(tmp_path)
    cid, mid, at = _schedule(engine, GUARDIAN_P)
    before = Outbox(_db(engine)).messages()
    assert len(before) == 1
    with pytest.raises(ActionRefused):
        engine.act(cid, "schedule_meeting", TEACHER, kind="party", at=at, invitees=[GUARDIAN_P])
    with pytest.raises(ActionRefused):
        engine.act(cid, "move_meeting", TEACHER, meeting="m9", at=at)
    engine.act(cid, "cancel_meeting", TEACHER, meeting=mid)
    with pytest.raises(ActionRefused):
        engine.act(cid, "cancel_meeting", TEACHER, meeting=mid)
    after = Outbox(_db(engine)).messages()
    assert [m.kind for m in after] == ["invitation", "cancellation"]


def test_an_unreachable_server_leaves_mail_pending_and_it_is_retried(tmp_path: Path) -> None:
    """Nobody listening: the message stays pending, tried again after 1, 2, 4 minutes."""
    engine = _engine(tmp_path)
    _schedule(engine, GUARDIAN_P)
    port = free_port()
    clock = ManualClock(dt.datetime.now(dt.UTC))
    outbox = Outbox(_db(engine))
    dispatcher = Dispatcher(outbox, SmtpSettings(HOST, port, timeout=5), clock=clock)
    waits = []
    for _ in range(3):
        report = dispatcher.run()
        assert report.sent == 0
        assert report.deferred == 1
        assert report.problem is not None
        assert "cannot reach the mail server" in report.problem
        (row,) = outbox.messages()
        assert row.status == "pending"
        waits.append(row.next_attempt_at - clock.now)
        assert dispatcher.run().deferred == 0  # not due yet: nothing tried
        clock.now = row.next_attempt_at
    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=2), dt.timedelta(minutes=4)]
    _, listing = _cli("outbox", _db(engine))
    assert f"forsøk 3 feilet: får ikke kontakt med e-posttjeneren {HOST}:{port}: " in listing
    assert "forbindelsen ble avvist; nytt forsøk" in listing
    with MailServer(port).running() as server:
        assert dispatcher.run().sent == 1
    assert len(server.to(GUARDIAN_MAIL)) == 1
    (row,) = outbox.messages()
    assert (row.status, row.attempts) == ("sent", 4)


def test_what_the_dispatcher_writes_is_worded_again_in_norwegian() -> None:
    """The outbox keeps the dispatcher's English; each form is worded again in nb and nn,
    the values within too, and a mail server's own reply is left as it is."""
    from btiflow.notify.problems import FORMS, reword, text

    refused = text("reason.refused")
    stored = text("gave_up", attempts=12, error=text("unreachable", server="mx:25", reason=refused))
    assert stored == "gave up after 12 attempts: cannot reach the mail server mx:25: " + refused
    assert reword(stored, "nb") == (
        "ga opp etter 12 forsøk: får ikke kontakt med e-posttjeneren mx:25: forbindelsen ble avvist"
    )
    assert reword(stored, "nn") == (
        "gav opp etter 12 forsøk: får ikkje kontakt med e-posttenaren mx:25: sambandet vart avvist"
    )
    assert reword(stored, "en") == stored
    assert reword("550 5.1.1 User unknown", "nb") == "550 5.1.1 User unknown"
    for code in FORMS:  # every form is found again from its own English text
        values = dict.fromkeys(("server", "reason", "reply", "attempts", "error"), "x")
        english = text(code, **values)
        assert reword(english, "nb") != english, code


def test_retries_end_as_failed_after_the_last_attempt(tmp_path: Path) -> None:
    """After max_attempts the message is failed, saying it gave up and why."""
    engine = _engine(tmp_path)
    _schedule(engine, GUARDIAN_P)
    clock = ManualClock(dt.datetime.now(dt.UTC))
    outbox = Outbox(_db(engine))
    dispatcher = Dispatcher(
        outbox, SmtpSettings(HOST, free_port(), timeout=5), clock=clock, max_attempts=2
    )
    dispatcher.run()
    clock.advance(hours=1)
    report = dispatcher.run()
    assert report.failed == 1
    (row,) = outbox.messages()
    assert row.status == "failed"
    assert row.error is not None
    assert row.error.startswith("gave up after 2 attempts: cannot reach the mail server")


def test_a_recipient_the_server_rejects_fails_with_its_reply(tmp_path: Path) -> None:
    """550 for one recipient: that message is failed with the reply; the others are sent."""
    engine = _engine(tmp_path)
    _schedule(engine, GUARDIAN_P, TEACHER_P)
    with MailServer(reject=(GUARDIAN_MAIL,)).running() as server:
        code, output = _cli("send", _db(engine), "--smtp", f"{HOST}:{server.port}")
    assert code == 1
    assert "sendt 1, feilet 1" in output
    assert [r.recipients for r in server.received] == [(TEACHER_MAIL,)]
    failed = Outbox(_db(engine)).messages("failed")
    assert [m.address for m in failed] == [GUARDIAN_MAIL]
    assert failed[0].error is not None
    assert failed[0].error.startswith("550 5.1.1")
    assert "User unknown" in failed[0].error
    _, listing = _cli("outbox", _db(engine), "--status", "failed")
    assert "feilet: 550 5.1.1" in listing


def test_starttls_and_login(tmp_path: Path) -> None:
    """With --starttls, --user and --password-env the dispatcher switches to TLS and logs in;
    a wrong password keeps the mail pending with the server's reply."""
    cert, key = self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    engine = _engine(tmp_path)
    cid, _, at = _schedule(engine, GUARDIAN_P)
    server = MailServer(tls=tls, users={"bti": "hemmelig-test"})
    args = ("send", _db(engine), "--smtp", f"{HOST}:{server.port}", "--user", "bti",
            "--password-env", "BTIFLOW_TEST_PW", "--starttls", "--cafile", str(cert))  # fmt: skip
    with server.running():
        code, output = _cli(*args, env={"BTIFLOW_TEST_PW": "feil"})
        assert code == 1
        assert server.received == []
        (waiting,) = Outbox(_db(engine)).messages("pending")
        assert waiting.error is not None
        assert "535" in waiting.error  # the server's reply to the wrong password
        # the first waits a minute before its next try; a new meeting's invitation is due now
        engine.act(cid, "schedule_meeting", TEACHER, kind="other", at=at, invitees=[GUARDIAN_P])
        code, output = _cli(*args, "--from", "post@kommune.example.org",
                            env={"BTIFLOW_TEST_PW": "hemmelig-test"})  # fmt: skip
    assert code == 0, output
    assert "sendt 1" in output
    assert server.logins == ["bti"]
    (got,) = server.received
    assert got.sender == "post@kommune.example.org"
    assert got.message["From"].addresses[0].addr_spec == "post@kommune.example.org"


def _send_process(db: str, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "btiflow", "send", db, "--smtp", f"{HOST}:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_dispatchers_at_once_send_each_message_once(tmp_path: Path) -> None:
    """Two `btiflow send` processes on one outbox: every message arrives exactly once."""
    engine = _engine(tmp_path)
    invitees = [Person(f"foresatt-{i}", "", "", f"foresatt{i}@example.org") for i in range(16)]
    _schedule(engine, *invitees)
    with MailServer(delay=0.02).running() as server:
        first, second = (
            _send_process(_db(engine), server.port),
            _send_process(_db(engine), server.port),
        )
        outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    ids = [r.message_id for r in server.received]
    assert len(ids) == 16
    assert len(set(ids)) == 16
    assert {m.status for m in Outbox(_db(engine)).messages()} == {"sent"}


@pytest.mark.slow
def test_a_dispatcher_killed_mid_send_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL a dispatcher after the server got a message but before it answered: the next
    dispatcher sends that message again with the same Message-ID, and all the others once."""
    engine = _engine(tmp_path)
    invitees = [Person(f"foresatt-{i}", "", "", f"foresatt{i}@example.org") for i in range(4)]
    _schedule(engine, *invitees)
    hold = threading.Event()
    server = MailServer(hold=hold)
    with server.running():
        process = _send_process(_db(engine), server.port)
        assert server.holding.wait(60), "the dispatcher never sent"
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        hold.set()
        server.hold = None
        (interrupted,) = Outbox(_db(engine)).messages("sending")
        assert [m.status for m in Outbox(_db(engine)).messages()].count("pending") == 3
        after_lease = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11))
        report = Dispatcher(
            Outbox(_db(engine)), SmtpSettings(HOST, server.port), clock=after_lease
        ).run()
    assert report.sent == 4
    by_id: dict[str, int] = {}
    for got in server.received:
        by_id[got.message_id] = by_id.get(got.message_id, 0) + 1
    assert by_id[interrupted.message_id] == 2  # at least once: the same message, recognisably
    assert sorted(by_id.values()) == [1, 1, 1, 2]
    rows = Outbox(_db(engine)).messages()
    assert {m.status for m in rows} == {"sent"}
    again = next(m for m in rows if m.id == interrupted.id)
    assert again.attempts == 2
    assert again.error is not None
    assert "interrupted" in again.error


def test_reminders_are_enqueued_once_per_case_date_and_kind(tmp_path: Path) -> None:
    """Evaluation soon (7 days before), overdue, and an unanswered baton offer: once each."""
    engine = _engine(tmp_path, start=dt.datetime(2026, 9, 1, 9, 0, tzinfo=OSLO))
    clock: ManualClock = engine.clock  # type: ignore[assignment]
    case = to_level_1(engine, holder=TEACHER_P)  # type: ignore[arg-type]
    engine.act(case.id, "appoint_contact_person", TEACHER, person=TEACHER_P)
    plan(engine, case.id, days=14)
    due = dt.date.fromisoformat(engine.case(case.id).next_evaluation_due or "")
    assert engine.plan_reminders() == 0
    clock.now = dt.datetime.combine(due - dt.timedelta(days=8), dt.time(12), OSLO)
    assert engine.plan_reminders() == 0
    clock.advance(days=1)
    assert engine.plan_reminders() == 1  # holder and contact person are one person
    assert engine.plan_reminders() == 0
    clock.now = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(12), OSLO)
    assert engine.plan_reminders() == 1
    clock.advance(days=3)
    assert engine.plan_reminders() == 0
    colleague = Person("laerer-f", "Lærer F", SCHOOL, "kollega@skole.example.org")
    engine.act(case.id, "offer_baton", TEACHER, to=colleague)
    clock.advance(days=6)
    assert engine.plan_reminders() == 0
    clock.advance(days=1)
    assert engine.plan_reminders() == 2  # the offered person and the holder
    code, output = _cli("remind", _db(engine), "--login-url", CONFIG.login_url,
                        "--sender", CONFIG.sender)  # fmt: skip
    assert (code, output.split(" nye")[0]) == (0, "0")
    rows = Outbox(_db(engine)).messages()
    kinds = [(m.kind, m.address) for m in rows if m.kind != "invitation"]
    assert kinds == [
        ("evaluation_soon", TEACHER_MAIL),
        ("evaluation_overdue", TEACHER_MAIL),
        ("baton_unanswered", "kollega@skole.example.org"),
        ("baton_unanswered", TEACHER_MAIL),
    ]
    soon = next(m for m in rows if m.kind == "evaluation_soon")
    # one date style (btiflow.words.dates): "tirsdag 15. september 2026"
    weekday = "(man|tirs|ons|tors|fre|lør|søn)dag"
    assert re.search(rf"senest {weekday} {due.day}\. \w+ {due.year}$", soon.subject)
    with MailServer().running() as server:
        report = Dispatcher(Outbox(_db(engine)), SmtpSettings(HOST, server.port),
                            clock=lambda: clock.now).run()  # fmt: skip
    assert report.sent == len([m for m in rows if m.status == "pending"]) == 4
    (offer,) = server.to("kollega@skole.example.org")
    assert offer.subject == "Påminnelse: ubesvart tilbud om stafettpinnen"
    assert SUBJECT not in offer.everything()
    assert CONCERN not in offer.everything()


def test_demo_shows_the_invitations_it_produced(tmp_path: Path) -> None:
    """btiflow demo lists its invitations (the moved meeting as SEQUENCE 1) with no case details."""
    code, output = _cli("demo", "--db", str(tmp_path / "demo.db"))
    assert code == 0, output
    mail = output.split("E-post i utboksen")[1].split("Kontroll av loggen")[0]
    assert "foresatt@example.org: Invitasjon: planleggingsmøte" in mail
    assert "[kalender: invitasjon, versjon 1]" in mail
    assert "Påminnelse: evaluering senest" in mail
    assert "Logg inn for å se mer: https://bti.kommune.example.org" in mail
    for secret in ("elev-17", "elev-23", "Trekker seg unna", "fravær", "Anne Test"):
        assert secret not in mail
    for m in Outbox(tmp_path / "demo.db").messages():
        assert m.address is None or m.address.endswith("example.org")


def test_an_address_that_is_not_one_is_skipped_not_a_crash(tmp_path: Path) -> None:
    """'@example.org' as an invitee's address: the meeting is scheduled, that row is skipped."""
    engine = _engine(tmp_path)
    broken = Person("foresatt-y", "Foresatt Y", "", "@example.org")
    _schedule(engine, broken, GUARDIAN_P)
    rows = {m.recipient: m for m in Outbox(_db(engine)).messages()}
    assert rows["foresatt-y"].status == "skipped"
    assert rows["foresatt-y"].note.startswith("not a usable e-mail address")
    assert rows["foresatt-c"].status == "pending"


def test_the_action_stores_a_recipe_and_the_dispatcher_builds_the_same_mail_each_time(
    tmp_path: Path,
) -> None:
    """The outbox holds a small recipe, not a composed message (issue 14): the action stays
    cheap, and building it twice gives the same bytes (a retry sends the same mail)."""
    from btiflow.notify import compose

    engine = _engine(tmp_path)
    _schedule(engine, GUARDIAN_P, TEACHER_P)
    rows = [r for r in Outbox(_db(engine)).messages() if r.address]
    assert len(rows) == 2
    for row in rows:
        assert compose.is_recipe(row.message)
        assert len(row.message) < 1024
        built = [compose.build(compose.decode(row.message)).as_bytes() for _ in range(2)]
        assert built[0] == built[1]
        mail = row.email()
        assert mail is not None
        assert str(mail["Message-ID"]) == row.message_id
    with MailServer().running() as server:
        assert _send(engine, server).run().sent == 2
    assert {r.message_id for r in server.received} == {r.message_id for r in rows}
