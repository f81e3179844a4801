"""The shell around the pure core: read the case, decide, seal, append, in one transaction.

``Engine`` is what an embedding app holds: it opens cases, runs actions, answers "what can I do
now", and lists what is due. The clock is injected, so a test or a demo can run a case through
weeks in a second.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from btiflow import access
from btiflow import overview as overviews
from btiflow.case import consent, params
from btiflow.case.actions import ACTIONS, Option, decide, options
from btiflow.case.concern import ORIGINS
from btiflow.case.entries import GENESIS, Draft, Entry, seal
from btiflow.case.fold import apply, extend
from btiflow.case.kinds import CaseOpened, WorkflowRef
from btiflow.case.machine import machine_for
from btiflow.case.messages import reason
from btiflow.case.people import Actor, storable
from btiflow.case.state import Case
from btiflow.errors import AccessDenied, ActionRefused, CaseNotFound, ConflictError, Reason
from btiflow.localtime import OSLO
from btiflow.notify import plan as notify_plan
from btiflow.notify.messages import NotifyConfig
from btiflow.notify.rows import OutboxRow
from btiflow.store.base import (
    DueAfter,
    DueCase,
    DueRow,
    FeedEvent,
    Receipt,
    Store,
    VerifyReport,
)
from btiflow.store.due import PAGE, due_rows, overdue_rows
from btiflow.views import CaseSummary, FamilyView, StaffView, family_view, staff_view, summary
from btiflow.workflow.model import Workflow

Clock = Callable[[], dt.datetime]
T = TypeVar("T")

log = logging.getLogger(__name__)


def system_clock() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


class ManualClock:
    """A clock moved by hand, for demos and tests: ``clock.advance(days=28)``.

    ``start`` must be timezone-aware; ``today`` and ``in_days`` count days in Europe/Oslo, as the
    engine's deadlines do.
    """

    def __init__(self, start: dt.datetime) -> None:
        if not isinstance(start, dt.datetime) or start.utcoffset() is None:
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
        if workflows is not None and not isinstance(workflows, Workflow | Iterable):
            raise TypeError("workflows must be a Workflow or a list of them (see load_workflow)")
        listed = [workflows] if isinstance(workflows, Workflow) else list(workflows or ())
        if not listed:
            raise ValueError("an Engine needs at least one workflow")
        if isinstance(workflows, str | bytes) or not all(isinstance(w, Workflow) for w in listed):
            raise TypeError("workflows must be a Workflow or a list of them (see load_workflow)")
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
        return self.store.load(_case_id(case_id))

    def log(self, case_id: str) -> list[Entry]:
        """Every entry of the case's relay log, oldest first."""
        return self.store.entries(_case_id(case_id))

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
        _check_actor(by)
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

    def view(self, case_id: str, viewer: Actor, *, via: str = "") -> FamilyView | StaffView:
        """What ``viewer`` may see of the case, shaped for them; the read is logged.

        Staff with access get a ``StaffView``, guardians and the young person a ``FamilyView``;
        anyone else gets ``AccessDenied`` (and nothing is logged). ``via`` names who delivered
        the view when it is not the viewer reading it (``case-page by <operator>``): the
        access-log row then says ``view:family via case-page by <operator>``.
        """
        _check_actor(viewer, "viewer")
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
        what = f"view:{seen.sees}" + (f" via {via}" if via else "")
        self.store.record_access([_record(case, viewer, seen, now, what)])
        return shown

    def cases(
        self,
        viewer: Actor | None,
        *,
        subject: str | None = None,
        level: int | None = None,
        holder: str | None = None,
        due_before: dt.date | None = None,
        status: str | None = None,
    ) -> list[CaseSummary]:
        """The cases ``viewer`` may see, as summaries, optionally narrowed: the subject id, the
        level, the baton holder's id, an evaluation due on or before a day, the status (``open``
        or ``closed``). Not logged: a summary holds no content (read it with ``view``, which
        is). ``viewer=None`` lists every case, as whoever holds the store itself sees them (the
        command line's ``btiflow cases``); an app always passes the person asking."""
        now = self._now()
        found = []
        for case_id in self.store.case_ids():
            case = self.case(case_id)
            if not _summary_matches(case, subject, level, holder, due_before, status):
                continue
            sees = "staff"
            if viewer is not None:
                seen = access.access(self.workflow_of(case), case, viewer, now)
                if seen.sees is None:
                    continue
                sees = seen.sees
            found.append(summary(case, sees))
        return found

    def offers(self, to: Actor) -> list[str]:
        """The open cases whose baton is offered to ``to`` and awaits their answer, oldest
        first: found by the store's index of offers, each confirmed by ``btiflow.access``."""
        _check_actor(to, "to")
        if not to.is_staff or not to.unit:
            return []
        now = self._now()
        found = []
        for case_id in self.store.offers_to(to.id, to.unit):
            case = self.case(case_id)
            if "offered" in access.relations(self.workflow_of(case), case, to, self._day(now)):
                found.append(case_id)
        return found

    def overview(
        self, viewer: Actor, *, within: dt.timedelta = overviews.SOON
    ) -> overviews.Overview:
        """The figures a line manager (their unit's cases) or the BTI coordinator (the
        municipality's) may see, and the cases among the overdue, soon-due and offered that
        ``viewer`` may already see (``btiflow.overview``). Anyone else: ``AccessDenied``. Not
        logged: it holds no case's contents."""
        _check_actor(viewer, "viewer")
        if not isinstance(within, dt.timedelta):
            raise TypeError("within must be a datetime.timedelta, e.g. timedelta(days=7)")
        now = self._now()
        shown = overviews.overview(
            self.store, self.workflow_of, viewer, now, self._day(now), within
        )
        if shown is None:
            raise AccessDenied("", viewer.id, "overview")
        return shown

    def relations(self, case_id: str, actor: Actor) -> frozenset[str]:
        """How ``actor`` is tied to the case now (``btiflow.access``'s relations); empty when
        not at all, so a caller can answer "no such case" without revealing that it exists."""
        case = self.case(case_id)
        return access.access(self.workflow_of(case), case, actor, self._now()).relations

    def access_log(self, case_id: str, viewer: Actor) -> list[access.AccessRecord]:
        """Who has read the case and acted in it, oldest first: for its guardians, the young
        person who may see it, and administrators. The read is logged too."""
        _check_actor(viewer, "viewer")
        case = self.case(case_id)
        workflow, now = self.workflow_of(case), self._now()
        if not access.may_read_access_log(workflow, case, viewer, now):
            raise AccessDenied(case_id, viewer.id, "access_log")
        seen = access.access(workflow, case, viewer, now)
        self.store.record_access([_record(case, viewer, seen, now, "access_log")])
        return access.log_shown(case, seen, self.store.access_log(case_id))

    def due(
        self,
        at: dt.datetime | dt.date | None = None,
        *,
        within: dt.timedelta = dt.timedelta(days=7),
    ) -> list[DueCase]:
        """Open cases with an evaluation due from ``at`` (default now) until ``within`` later."""
        return self.store.due_between(*self._due_span(at, within))

    def overdue(self, at: dt.datetime | dt.date | None = None) -> list[DueCase]:
        """Open cases whose evaluation was due before the day of ``at`` (default now)."""
        return self.store.overdue(self._day(at))

    def iter_due(
        self,
        at: dt.datetime | dt.date | None = None,
        *,
        within: dt.timedelta = dt.timedelta(days=7),
        after: DueAfter | None = None,
        page: int = PAGE,
    ) -> Iterator[DueRow]:
        """``due``, streamed for very many cases: each case a plain tuple (case id, due day,
        level, step, baton holder, baton unit; ``DueCase(*row)`` makes the object), in due-day
        and case-id order, read from the store ``page`` rows at a time. ``after`` = the last
        row's ``(due, case_id)`` goes on after that row (a later page). The arguments are
        checked at once; the store is read as the rows are taken, page by page, so a case
        acted on meanwhile may be met at its old day, its new one, both or neither."""
        first, last = self._due_span(at, within)
        return due_rows(self.store, first, last, after=after, page=page)

    def iter_overdue(
        self,
        at: dt.datetime | dt.date | None = None,
        *,
        after: DueAfter | None = None,
        page: int = PAGE,
    ) -> Iterator[DueRow]:
        """``overdue``, streamed as ``iter_due`` streams ``due``."""
        return overdue_rows(self.store, self._day(at), after=after, page=page)

    def _due_span(
        self, at: dt.datetime | dt.date | None, within: dt.timedelta
    ) -> tuple[dt.date, dt.date]:
        day = self._day(at)
        if not isinstance(within, dt.timedelta):
            raise TypeError("within must be a datetime.timedelta, e.g. timedelta(days=7)")
        try:
            return day, day + within
        except OverflowError as exc:
            raise ValueError("at + within is past the last date a calendar holds") from exc

    def events(self, after: int = 0, limit: int = 100) -> list[FeedEvent]:
        """The event feed: up to ``limit`` entries' metadata (case, entry, kind, time; never
        content) after feed position ``after``, in the one order of this store's tenant.
        Following it from the last position read misses nothing and repeats nothing."""
        return self.store.events(after, limit)

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
        origin: str | None = None,
        receipt: Callable[[Case], Receipt] | None = None,
    ) -> Case:
        """Open a case at level 0 for ``subject`` (a pseudonymous id, never a name).

        ``receipt`` makes, from the new case, the answer to keep for the request's
        Idempotency-Key: it is written in the same transaction as the entry (see ``act_with``).

        ``origin`` says who brought the concern to the service when it was not the opener's own:
        ``guardians`` (on their own initiative), ``young_person`` (seeking help) or ``other``
        (another person who is worried).
        """
        wf = self.workflow
        _check_actor(by)
        now = self._now()
        lang = wf.language
        problems = _origin_problems(origin, lang)
        if not by.is_staff:
            problems.append(reason("staff_only", lang))
        elif not by.unit.strip():  # the opener is matched on id and unit (docs/permissions.md)
            problems.append(
                reason("invalid_input", lang, param="by.unit", problem="the opener needs a unit")
            )
        parsed = _opening(subject, birth_date, concern, suspected_harm, lang, problems)
        if problems:
            raise ActionRefused("open_case", problems)
        body = CaseOpened(
            workflow=WorkflowRef(id=wf.id, version=wf.version, hash=wf.content_hash),
            subject=parsed["subject"],
            birth_date=parsed.get("birth_date"),
            opened_by=by.as_person(),
            step=wf.levels[0].steps[0].id,
            concern=parsed.get("concern"),
            suspected_harm=parsed.get("suspected_harm", False) if "concern" in parsed else None,
            origin=origin,
        )
        entry = seal(
            Draft(body),
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
        kept = receipt(case) if receipt is not None else None
        self.store.append([entry], case, expected_seq=0, access=[record], receipt=kept)
        return case

    def act(self, case_id: str, action: str, by: Actor, **params: Any) -> Case:
        """Do ``action`` on the case as ``by``; the new state, or ``ActionRefused``.

        A refused action writes nothing. ``ConflictError`` means another writer got there
        first; ``btiflow.retry`` runs the call again on the fresh state.
        """
        return self.act_with(case_id, action, by, params)

    def act_with(
        self,
        case_id: str,
        action: str,
        by: Actor,
        params: Mapping[str, Any],
        *,
        position: int | None = None,
        receipt: Callable[[Case], Receipt] | None = None,
    ) -> Case:
        """``act`` with the parameters as a mapping (for callers that build them as data).

        With ``receipt``, the answer it makes from the new state is stored in the same
        transaction as the entries (``Store.receipt`` finds it again): a request retried with
        the same Idempotency-Key is answered from it and writes nothing more.

        With ``position`` (the case's ``seq`` as the caller last read it), a case that has moved
        on since is a ``ConflictError`` and nothing is written: optimistic concurrency for
        callers who decided on what they saw (the HTTP service's ``If-Match``).
        """
        _check_actor(by)
        if not isinstance(params, Mapping):
            raise TypeError("params must be a mapping of parameter names to values")
        case = self.case(case_id)
        if not isinstance(action, str) or not storable(action):
            # the value is not quoted back: it may be anything the caller had at hand
            lang = self.workflow_of(case).language
            known = ", ".join(sorted(ACTIONS))
            raise ActionRefused("?", [reason("unknown_action", lang, action="?", allowed=known)])
        if position is not None and case.seq != position:
            raise ConflictError(case_id, position + 1)
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
        kept = receipt(state) if receipt is not None else None
        self.store.append(
            entries, state, expected_seq=case.seq, access=[record], outbox=outbox, receipt=kept
        )
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
        if not isinstance(now, dt.datetime):
            raise TypeError("at must be a timezone-aware datetime")
        if now.utcoffset() is None:
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
                consents_ending=[
                    day for _, day in consent.ending(wf, case, now.astimezone(OSLO).date())
                ],
            )
        added = self.store.enqueue(rows)
        log.info("reminders at %s: %d due, %d new in the outbox", now.isoformat(), len(rows), added)
        return added

    def _mail(self, case: Case, entries: list[Entry], workflow: Workflow) -> list[OutboxRow]:
        if self.notify is None:
            return []
        return notify_plan.for_entries(case, entries, self.notify, workflow.language)

    # --- helpers ---

    def _now(self) -> dt.datetime:
        now = self.clock()
        if not isinstance(now, dt.datetime) or now.utcoffset() is None:
            raise ValueError("the engine's clock must return timezone-aware datetimes")
        return now

    def _day(self, at: dt.datetime | dt.date | None) -> dt.date:
        if at is None:
            at = self._now()
        if isinstance(at, dt.datetime):
            if at.utcoffset() is None:
                raise ValueError("give a timezone-aware datetime, or a date")
            try:
                return at.astimezone(OSLO).date()
            except OverflowError as exc:  # year 1 at +14:00, year 9999 at -12:00
                raise ValueError("the time is outside the dates a calendar holds") from exc
        if not isinstance(at, dt.date):
            raise TypeError("give a date (datetime.date) or a timezone-aware datetime")
        return at


def _origin_problems(origin: object, lang: str) -> list[Reason]:
    """A refusal reason when ``origin`` is not one of the known origins of a concern."""
    if origin is None or origin in ORIGINS:
        return []
    known = ", ".join(ORIGINS)
    return [reason("invalid_input", lang, param="origin", problem=f"expected one of {known}")]


def _summary_matches(
    case: Case,
    subject: str | None,
    level: int | None,
    holder: str | None,
    due_before: dt.date | None,
    status: str | None,
) -> bool:
    """Whether the case passes every filter of ``Engine.cases`` that was given."""
    held = case.baton_holder.id if case.baton_holder else None
    due = case.next_evaluation_due
    return (
        (subject is None or case.subject == subject)
        and (level is None or case.level == level)
        and (holder is None or held == holder)
        and (due_before is None or (due is not None and due <= due_before.isoformat()))
        and (status is None or case.status == status)
    )


def _case_id(case_id: object) -> str:
    """A case id as given, or ``CaseNotFound``: no case has an id that is not a storable text."""
    if isinstance(case_id, str) and storable(case_id):
        return case_id
    if isinstance(case_id, str):  # a lone surrogate: shown escaped, as no store can hold it
        raise CaseNotFound(case_id.encode("utf-8", "backslashreplace").decode("ascii"))
    raise CaseNotFound(f"<{type(case_id).__name__}>")


def _check_actor(by: object, name: str = "by") -> None:
    if not isinstance(by, Actor):
        raise TypeError(f"{name} must be an Actor (id, role, unit, name)")


def _opening(
    subject: object,
    birth_date: object,
    concern: object,
    suspected_harm: object,
    lang: str,
    problems: list[Reason],
) -> dict[str, Any]:
    """``open_case``'s values, parsed as an action's parameters are (a datetime is not a date,
    "false" is not a flag, a text is a str that can be stored); each problem added."""
    given: dict[str, tuple[object, Callable[[Any], Any]]] = {
        "subject": (subject, params.text),
        "birth_date": (birth_date, params.date),
        "concern": (concern, params.text),
        "suspected_harm": (suspected_harm, params.boolean),
    }
    parsed: dict[str, Any] = {}
    for key, (value, parser) in given.items():
        if (value is None or value == "") and key != "subject":
            continue  # not given (an empty concern is no concern yet, as before)
        try:
            parsed[key] = parser(value)
        except params.Invalid as exc:
            problems.append(reason("invalid_input", lang, param=key, problem=exc.words(lang)))
    return parsed


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
