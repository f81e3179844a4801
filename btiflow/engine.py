"""The shell around the pure core: read the case, decide, seal, append, in one transaction.

``Engine`` is what an embedding app holds: it opens cases, runs actions, answers "what can I do
now", and lists what is due. The clock is injected, so a test or a demo can run a case through
weeks in a second.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from btiflow import access
from btiflow.case.actions import Option, decide, options
from btiflow.case.entries import GENESIS, Draft, Entry, seal
from btiflow.case.machine import machine_for
from btiflow.case.people import Actor
from btiflow.case.rules import reason
from btiflow.case.state import Case, apply, extend, person_data
from btiflow.errors import AccessDenied, ActionRefused, ConflictError
from btiflow.localtime import OSLO
from btiflow.notify import plan as notify_plan
from btiflow.notify.messages import NotifyConfig
from btiflow.notify.rows import OutboxRow
from btiflow.store.base import DueCase, Store, VerifyReport
from btiflow.views import FamilyView, StaffView, family_view, staff_view
from btiflow.workflow.model import Workflow

Clock = Callable[[], dt.datetime]
T = TypeVar("T")


def system_clock() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


class ManualClock:
    """A clock moved by hand, for demos and tests: ``clock.advance(days=28)``.

    ``start`` must be timezone-aware; ``today`` and ``in_days`` count days in Europe/Oslo, as the
    engine's deadlines do.
    """

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, days: float = 0, hours: float = 0) -> dt.datetime:
        """Move the clock forward; returns the new time."""
        self.now += dt.timedelta(days=days, hours=hours)
        return self.now

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(OSLO).date()

    def in_days(self, days: int) -> str:
        """The ISO date ``days`` after today, e.g. for ``next_evaluation``."""
        return (self.today + dt.timedelta(days=days)).isoformat()


class Engine:
    """Runs cases on one or more workflow versions, keeping each case's relay log in a store.

    New cases open on the first workflow given; a case pinned to another version needs that
    version among ``workflows`` too. With ``notify`` the engine writes the invitations a
    scheduled, moved or cancelled meeting causes to the store's outbox, in the same
    transaction as the entry (``btiflow.notify.dispatch`` sends them); without it, no mail.
    """

    def __init__(
        self,
        workflows: Workflow | Iterable[Workflow],
        store: Store,
        *,
        clock: Clock = system_clock,
        new_id: Callable[[], str] | None = None,
        notify: NotifyConfig | None = None,
    ) -> None:
        listed = [workflows] if isinstance(workflows, Workflow) else list(workflows)
        if not listed:
            raise ValueError("an Engine needs at least one workflow")
        self.workflow = listed[0]
        self._workflows = {wf.content_hash: wf for wf in listed}
        self.store = store
        self.clock = clock
        self._new_id = new_id or (lambda: uuid.uuid4().hex[:12])
        self.notify = notify
        for wf in listed:
            machine_for(wf)  # compile once, up front
            store.save_workflow(wf)

    # --- reading ---

    def case(self, case_id: str) -> Case:
        """The case as it stands now."""
        return self.store.load(case_id)

    def log(self, case_id: str) -> list[Entry]:
        """Every entry of the case's relay log, oldest first."""
        return self.store.entries(case_id)

    def workflow_of(self, case: Case) -> Workflow:
        """The workflow version the case is pinned to (from the store if not given)."""
        found = self._workflows.get(case.workflow_hash)
        if found is None:
            # Every version a case pinned was saved in the store when the case was opened.
            found = self.store.load_workflow(case.workflow_hash)
            self._workflows[case.workflow_hash] = found
        return found

    def options(self, case_id: str, by: Actor) -> list[Option]:
        """Every action ``by`` could take now: allowed, or refused with the reasons."""
        case = self.case(case_id)
        workflow, now = self.workflow_of(case), self._now()
        seen = access.access(workflow, case, by, now)
        listed = _once_if_refused(options(workflow, case, by, now), workflow, case, by, now)
        return [
            Option(o.action, False, tuple(refused), o.params)
            if (refused := access.refusal(workflow, case, o.action, by, now, seen))
            else o
            for o in listed
        ]

    def view(self, case_id: str, viewer: Actor) -> FamilyView | StaffView:
        """What ``viewer`` may see of the case, shaped for them; the read is logged.

        Staff with access get a ``StaffView``, guardians and the young person a ``FamilyView``;
        anyone else gets ``AccessDenied`` (and nothing is logged).
        """
        case = self.case(case_id)
        workflow, now = self.workflow_of(case), self._now()
        seen = access.access(workflow, case, viewer, now)
        if seen.sees is None:
            raise AccessDenied(case_id, viewer.id)
        log = self.log(case_id)
        shown: FamilyView | StaffView
        if seen.sees == "staff":
            shown = staff_view(workflow, case, log, seen.relation)
        else:
            shown = family_view(workflow, case, log, hidden=seen.hidden)
        self.store.record_access([_record(case, viewer, seen, now, f"view:{seen.sees}")])
        return shown

    def access_log(self, case_id: str, viewer: Actor) -> list[access.AccessRecord]:
        """Who has read the case and acted in it, oldest first: for its guardians, the young
        person who may see it, and administrators. The read is logged too."""
        case = self.case(case_id)
        workflow, now = self.workflow_of(case), self._now()
        if not access.may_read_access_log(workflow, case, viewer, now):
            raise AccessDenied(case_id, viewer.id, "the access log of this case")
        seen = access.access(workflow, case, viewer, now)
        self.store.record_access([_record(case, viewer, seen, now, "access_log")])
        return self.store.access_log(case_id)

    def due(
        self,
        at: dt.datetime | dt.date | None = None,
        *,
        within: dt.timedelta = dt.timedelta(days=7),
    ) -> list[DueCase]:
        """Open cases with an evaluation due from ``at`` (default now) until ``within`` later."""
        day = self._day(at)
        return self.store.due_between(day, day + within)

    def overdue(self, at: dt.datetime | dt.date | None = None) -> list[DueCase]:
        """Open cases whose evaluation was due before the day of ``at`` (default now)."""
        return self.store.overdue(self._day(at))

    def verify(self) -> VerifyReport:
        """Recompute every hash chain and compare every state row with its log's replay."""
        return self.store.verify()

    # --- writing ---

    def open_case(
        self,
        subject: str,
        by: Actor,
        *,
        birth_date: dt.date | str | None = None,
        concern: str | None = None,
        suspected_harm: bool = False,
    ) -> Case:
        """Open a case at level 0 for ``subject`` (a pseudonymous id, never a name)."""
        wf = self.workflow
        now = self._now()
        lang = wf.language
        problems = []
        if not isinstance(subject, str) or not subject.strip():
            problems.append(
                reason("invalid_input", lang, param="subject", problem="expected a non-empty text")
            )
        if not by.is_staff:
            problems.append(reason("staff_only", lang))
        born = None
        if birth_date is not None:
            try:
                born = (
                    birth_date
                    if isinstance(birth_date, dt.date)
                    else dt.date.fromisoformat(birth_date)
                ).isoformat()
            except (TypeError, ValueError):
                problems.append(
                    reason(
                        "invalid_input",
                        lang,
                        param="birth_date",
                        problem="expected a date such as 2012-05-17",
                    )
                )
        if problems:
            raise ActionRefused("open_case", problems)
        data: dict[str, Any] = {
            "workflow": {"id": wf.id, "version": wf.version, "hash": wf.content_hash},
            "subject": subject.strip(),
            "birth_date": born,
            "opened_by": person_data(by.as_person()),
            "step": wf.levels[0].steps[0].id,
        }
        if concern:
            data["concern"] = concern
            data["suspected_harm"] = bool(suspected_harm)
        entry = seal(
            Draft("case_opened", data),
            case_id=self._new_id(),
            seq=1,
            time=now,
            actor=by.id,
            role=by.role,
            unit=by.unit,
            workflow_hash=wf.content_hash,
            prev_hash=GENESIS,
        )
        case = apply(None, entry)
        opened = access.access(wf, case, by, now)
        record = _record(case, by, opened, now, "action:open_case", seq=1)
        self.store.append([entry], case, expected_seq=0, access=[record])
        return case

    def act(self, case_id: str, action: str, by: Actor, **params: Any) -> Case:
        """Do ``action`` on the case as ``by``; the new state, or ``ActionRefused``.

        A refused action writes nothing. ``ConflictError`` means another writer got there
        first; ``btiflow.retry`` runs the call again on the fresh state.
        """
        return self.act_with(case_id, action, by, params)

    def act_with(self, case_id: str, action: str, by: Actor, params: Mapping[str, Any]) -> Case:
        """``act`` with the parameters as a mapping (for callers that build them as data)."""
        case = self.case(case_id)
        workflow = self.workflow_of(case)
        now = self._now()
        refused = access.refusal(workflow, case, action, by, now)
        if refused:
            raise ActionRefused(action, refused)
        seen = access.access(workflow, case, by, now)
        drafts = decide(workflow, case, action, params, by, now)
        entries, state = extend(case, drafts, by=by, time=now)
        outbox = self._mail(case, entries, workflow)
        record = _record(case, by, seen, now, f"action:{action}", seq=state.seq)
        self.store.append(entries, state, expected_seq=case.seq, access=[record], outbox=outbox)
        return state

    # --- mail ---

    def plan_reminders(self, at: dt.datetime | None = None) -> int:
        """Put the reminders due at ``at`` (default now) in the outbox; how many were new.

        An evaluation falling due within the workflow's ``evaluation_reminder``, one overdue,
        and an offer of the baton unanswered for ``baton_offer_reminder``: each is enqueued
        once per case, date and kind, so this can run as often as you like (e.g. daily).
        """
        if self.notify is None:
            raise ValueError("plan_reminders needs Engine(..., notify=NotifyConfig(...))")
        now = self._now() if at is None else at
        if now.tzinfo is None:
            raise ValueError("give a timezone-aware datetime")
        rows: list[OutboxRow] = []
        for case_id in self.store.case_ids():
            case = self.case(case_id)
            if not case.is_open:
                continue
            wf = self.workflow_of(case)
            offered = notify_plan.baton_offered_at(self.log(case_id)) if case.baton_offer else None
            rows += notify_plan.reminders(
                case,
                now,
                self.notify,
                wf.language,
                evaluation_reminder=wf.evaluation_reminder(case.level),
                baton_offer_reminder=wf.baton_offer_reminder,
                offered_at=offered,
            )
        return self.store.enqueue(rows)

    def _mail(self, case: Case, entries: list[Entry], workflow: Workflow) -> list[OutboxRow]:
        if self.notify is None:
            return []
        return notify_plan.for_entries(case, entries, self.notify, workflow.language)

    # --- helpers ---

    def _now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the engine's clock must return timezone-aware datetimes")
        return now

    def _day(self, at: dt.datetime | dt.date | None) -> dt.date:
        if at is None:
            at = self._now()
        if isinstance(at, dt.datetime):
            if at.tzinfo is None:
                raise ValueError("give a timezone-aware datetime, or a date")
            return at.astimezone(OSLO).date()
        return at


def _record(
    case: Case,
    by: Actor,
    seen: access.Access,
    now: dt.datetime,
    what: str,
    *,
    seq: int | None = None,
) -> access.AccessRecord:
    return access.AccessRecord(
        case.id, now, by.id, by.name, by.role, by.unit, seen.relation, what, seq
    )


def _once_if_refused(
    listed: list[Option], workflow: Workflow, case: Case, by: Actor, now: dt.datetime
) -> list[Option]:
    """``decide`` is listed once per outcome; one entry is enough when it is not permitted."""
    if not access.refusal(workflow, case, "decide", by, now):
        return listed
    out = [o for o in listed if o.action != "decide"]
    first = next((i for i, o in enumerate(listed) if o.action == "decide"), len(out))
    out.insert(first, Option("decide", False))
    return out


def retry(fn: Callable[[], T], *, attempts: int = 5, pause: float = 0.01) -> T:
    """Call ``fn`` again when it raises ``ConflictError``, up to ``attempts`` times.

    ``fn`` must re-read the case (``engine.act`` does), so each try decides on fresh state.
    """
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except ConflictError:
            if attempt == attempts:
                raise
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
