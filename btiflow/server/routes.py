"""The resources: each route turns HTTP into the ``Engine`` call a library user would make.

No route decides anything itself: who may see or do what comes from the engine (``view``,
``options``, ``act``, ``access_log``, ``cases``, ``relations``). A route only chooses how the
engine's answer is said in HTTP — and answers a case the caller is not tied to exactly as a case
that does not exist, so ids never reveal that a case exists.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, Literal, TypeVar

import attrs
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import (
    HeaderParameter,
    JSONBody,
    PathParameter,
    QueryParameter,
)

from btiflow import (
    AccessDenied,
    AccessRecord,
    Actor,
    Case,
    CaseNotFound,
    CaseSummary,
    ConflictError,
    DueCase,
    Engine,
    FamilyView,
    FeedEvent,
    Option,
    StaffView,
)
from btiflow.server import wire
from btiflow.server.auth import SystemClient
from btiflow.server.engines import Engines
from btiflow.server.idempotency import Retry, respond, retry_of
from btiflow.server.problems import documented

# Not in btiflow.__all__ (yet): the timeline's words, the guide as data, its format's schema,
# the row the due lists stream.
from btiflow.store.base import DueAfter, DueRow
from btiflow.store.due import PAGE
from btiflow.timeline import describe
from btiflow.workflow.convert import unstructure
from btiflow.workflow.schema import json_schema

T = TypeVar("T")

CaseId = Annotated[
    str,
    PathParameter(
        min_length=1,
        max_length=200,
        # No control characters: no store keeps a NUL in a key, and no id has one.
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="The case's id",
    ),
]


class Refusal(Exception):
    """An answer other than the resource: a problem ``code`` (see ``problems``), and what more
    to say: ``detail`` names the catalogue's ``http.detail.<detail>``, worded in the guide's
    language with ``values``."""

    def __init__(self, code: str, detail: str | None = None, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.values = values


@attrs.frozen
class OpenCase:
    """A new case: the subject is a pseudonymous id from your system, never a name."""

    subject: str
    birth_date: str | None = None
    concern: str | None = None
    suspected_harm: bool = False


def known_fields_of(shape: type[Any]) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """A dependency refusing a body with a field ``shape`` does not have (a mistyped name is an
    error, never silently dropped); the JSON itself is parsed, and cached, by Litestar."""
    known = {f.name for f in attrs.fields(shape)}

    async def check(request: Request[Any, Any, Any]) -> None:
        body = await request.json()
        if isinstance(body, dict):
            unknown = sorted(str(key) for key in body if key not in known)
            if unknown:
                raise ValidationException(
                    "unknown field",
                    extra=[{"key": key, "message": "unknown field"} for key in unknown],
                )

    return check


known_fields = known_fields_of(OpenCase)


@attrs.frozen
class ActResult:
    """An action was taken: the case's new position (read the case again to see it)."""

    case_id: str
    action: str
    position: int


@attrs.frozen
class TimelineLine:
    """One entry of the relay log in words, in the guide's language."""

    seq: int
    time: dt.datetime
    actor: str
    kind: str
    text: str


def _engines(state: State) -> Engines:
    engines: Engines = state.engines
    return engines


def _person(request: Request[Any, Any, Any]) -> Actor:
    """The acting person; a system client acts on no case."""
    caller = request.user
    if isinstance(caller, SystemClient):
        raise Refusal("not_permitted", "system_client")
    assert isinstance(caller, Actor)
    return caller


def _tied(request: Request[Any, Any, Any], case_id: str) -> Actor:
    """The caller, when tied to the case in any way; else the same 404 as for no such case."""
    actor = _person(request)
    try:
        ties = _engines(request.app.state).get().relations(case_id, actor)
    except CaseNotFound:
        ties = frozenset()
    if not ties:
        raise Refusal("not_found")
    return actor


def _etag(position: int) -> dict[str, str]:
    return {"ETag": f'"{position}"'}


@get(
    "/guide",
    sync_to_thread=True,
    operation_id="getGuide",
    responses=documented(403),
    summary="The guide (the workflow) this deployment runs, as JSON",
)
def guide(request: Request[Any, Any, Any]) -> dict[str, Any]:
    _scope(request, "guide:read")
    return unstructure(_engines(request.app.state).workflow)


@get(
    "/guide/schema",
    sync_to_thread=True,
    operation_id="getGuideSchema",
    responses=documented(403),
    summary="The JSON Schema of the guide's format",
)
def guide_schema(request: Request[Any, Any, Any]) -> dict[str, Any]:
    _scope(request, "guide:read")
    return json_schema()


def _scope(request: Request[Any, Any, Any], scope: str) -> None:
    """A person may read what is not a case; a system client needs the scope."""
    caller = request.user
    if isinstance(caller, SystemClient) and scope not in caller.scopes:
        raise Refusal("not_permitted", "scope_needed", scope=scope)


@get(
    "/cases",
    sync_to_thread=True,
    operation_id="listCases",
    responses=documented(400, 403),
    summary="The cases the caller may see, optionally narrowed",
)
def list_cases(
    request: Request[Any, Any, Any],
    subject: Annotated[str | None, QueryParameter(max_length=200)] = None,
    level: Annotated[int | None, QueryParameter(ge=0, le=3)] = None,
    holder: Annotated[str | None, QueryParameter(max_length=200)] = None,
    due_before: Annotated[dt.date | None, QueryParameter()] = None,
    status: Annotated[Literal["open", "closed"] | None, QueryParameter()] = None,
) -> list[CaseSummary]:
    actor = _person(request)
    return (
        _engines(request.app.state)
        .get()
        .cases(
            actor,
            subject=subject,
            level=level,
            holder=holder,
            due_before=due_before,
            status=status,
        )
    )


@post(
    "/cases",
    sync_to_thread=True,
    operation_id="openCase",
    responses=documented(400, 403, 413, 422),
    summary="Open a case at level 0",
    status_code=201,
    dependencies={"checked": Provide(known_fields), "retry": Provide(retry_of)},
)
def open_case(
    request: Request[Any, Any, Any],
    data: JSONBody[OpenCase],
    checked: NamedDependency[None],
    retry: NamedDependency[Retry | None],
) -> Response[Case]:
    actor = _person(request)
    engine = _engines(request.app.state).get()

    def answer(case: Case) -> tuple[Case, dict[str, str]]:
        return case, {**_etag(case.seq), "Location": f"/cases/{case.id}"}

    def run() -> Case:
        return engine.open_case(
            data.subject,
            by=actor,
            birth_date=data.birth_date,
            concern=data.concern,
            suspected_harm=data.suspected_harm,
            receipt=retry.receipt(201, answer) if retry else None,
        )

    return _once(engine, retry, run, 201, answer)


def _once(
    engine: Engine,
    retry: Retry | None,
    run: Callable[[], T],
    status: int,
    answer: Callable[[T], tuple[Any, dict[str, str]]],
) -> Response[Any]:
    """``run`` once per Idempotency-Key: a retry gets the first answer and writes nothing; a
    retry racing the first request loses the race on the receipt (a conflict) and gets it too."""
    if retry is not None:
        kept = retry.answered(engine)
        if kept is not None:
            return kept
    try:
        done = run()
    except (ConflictError, Refusal) as exc:
        if isinstance(exc, Refusal) and exc.code != "precondition_failed":
            raise
        kept = retry.answered(engine) if retry is not None else None
        if kept is None:
            raise
        return kept
    body, headers = answer(done)
    return respond(retry, status, body, headers)


@get(
    "/cases/{case_id:str}",
    sync_to_thread=True,
    operation_id="viewCase",
    responses=documented(400, 403, 404),
    summary="The case as the caller may see it (logged)",
)
def view_case(
    request: Request[Any, Any, Any], case_id: CaseId
) -> Response[wire.StaffView | FamilyView]:
    actor = _tied(request, case_id)
    engine = _engines(request.app.state).get()
    try:
        shown = engine.view(case_id, actor)
    except AccessDenied as exc:
        raise Refusal("not_permitted") from exc
    if isinstance(shown, StaffView):  # its log as entries' stored form (btiflow.server.wire)
        return Response(wire.StaffView.of(shown), headers=_etag(shown.case.seq))
    return Response(shown, headers=_etag(engine.case(case_id).seq))


@get(
    "/cases/{case_id:str}/options",
    sync_to_thread=True,
    operation_id="listOptions",
    responses=documented(400, 403, 404),
    summary="What the caller can do now, and why not",
)
def case_options(request: Request[Any, Any, Any], case_id: CaseId) -> list[Option]:
    actor = _tied(request, case_id)
    return _engines(request.app.state).get().options(case_id, actor)


@post(
    "/cases/{case_id:str}/actions/{action:str}",
    sync_to_thread=True,
    operation_id="act",
    responses=documented(400, 403, 404, 409, 412, 413, 422),
    summary="Take an action; the body holds its parameters ({} for none)",
    status_code=200,
    dependencies={"retry": Provide(retry_of)},
)
def act(
    request: Request[Any, Any, Any],
    case_id: CaseId,
    action: Annotated[str, PathParameter(min_length=1, max_length=64)],
    data: JSONBody[dict[str, Any]],
    retry: NamedDependency[Retry | None],
    if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
) -> Response[ActResult]:
    actor = _tied(request, case_id)
    engine = _engines(request.app.state).get()

    def answer(state: Case) -> tuple[ActResult, dict[str, str]]:
        return ActResult(case_id, action, state.seq), _etag(state.seq)

    def run() -> Case:
        position = None
        if if_match is not None:
            position = _position(if_match, engine.case(case_id).seq)
            if position is None:
                raise Refusal("precondition_failed")
        try:
            # The engine checks the position again in the same read it decides on.
            return engine.act_with(
                case_id,
                action,
                actor,
                data,
                position=position,
                receipt=retry.receipt(200, answer) if retry else None,
            )
        except ConflictError as exc:
            if position is None:
                raise
            raise Refusal("precondition_failed") from exc

    return _once(engine, retry, run, 200, answer)


def _position(if_match: str, now: int) -> int | None:
    """The position ``If-Match`` names when it is the case's current one (``*`` is any)."""
    tags = [t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")]
    return now if "*" in tags or str(now) in tags else None


@get(
    "/cases/{case_id:str}/timeline",
    sync_to_thread=True,
    operation_id="getTimeline",
    responses=documented(400, 403, 404),
    summary="The relay log in words (staff only; logged)",
)
def case_timeline(request: Request[Any, Any, Any], case_id: CaseId) -> list[TimelineLine]:
    actor = _tied(request, case_id)
    engine = _engines(request.app.state).get()
    try:
        shown = engine.view(case_id, actor)
    except AccessDenied as exc:
        raise Refusal("not_permitted") from exc
    if not isinstance(shown, StaffView):
        raise Refusal("not_permitted", "staff_only")
    workflow = engine.workflow_of(shown.case)
    return [TimelineLine(e.seq, e.time, e.actor, e.kind, describe(e, workflow)) for e in shown.log]


@get(
    "/cases/{case_id:str}/access-log",
    sync_to_thread=True,
    operation_id="getAccessLog",
    responses=documented(400, 403, 404),
    summary="Who has read the case and acted in it",
)
def case_access_log(request: Request[Any, Any, Any], case_id: CaseId) -> list[AccessRecord]:
    actor = _tied(request, case_id)
    try:
        return _engines(request.app.state).get().access_log(case_id, actor)
    except AccessDenied as exc:
        raise Refusal("not_permitted") from exc


Days = Annotated[int, QueryParameter(ge=0, le=366, description="How many days ahead")]
Limit = Annotated[
    int | None,
    QueryParameter(ge=1, le=1000, description="At most this many (every one when not given)"),
]
After = Annotated[
    str | None,
    QueryParameter(
        min_length=12,
        max_length=211,
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2},[^\x00-\x1f\x7f]+$",
        description="Go on after this row: the last row's due day and case id, joined by a "
        "comma (`2026-09-14,c-17`); the list is in that order",
    ),
]


@get(
    "/due",
    sync_to_thread=True,
    operation_id="listDue",
    responses=documented(400, 403),
    summary="Evaluations falling due within the coming days (cases the caller sees)",
)
def due(
    request: Request[Any, Any, Any],
    within_days: Days = 7,
    limit: Limit = None,
    after: After = None,
) -> list[DueCase]:
    engine, since = _engines(request.app.state).get(), _after(after)
    within = dt.timedelta(days=within_days)

    def rows(page: int) -> Iterator[DueRow]:
        return engine.iter_due(within=within, after=since, page=page)

    return _visible(request, rows, limit)


@get(
    "/overdue",
    sync_to_thread=True,
    operation_id="listOverdue",
    responses=documented(400, 403),
    summary="Evaluations overdue (cases the caller sees)",
)
def overdue(
    request: Request[Any, Any, Any], limit: Limit = None, after: After = None
) -> list[DueCase]:
    engine, since = _engines(request.app.state).get(), _after(after)
    return _visible(request, lambda page: engine.iter_overdue(after=since, page=page), limit)


def _after(after: str | None) -> DueAfter | None:
    """The ``after`` parameter as the engine takes it; a day no calendar has is a 400."""
    if after is None:
        return None
    day, _, case_id = after.partition(",")
    try:
        return dt.date.fromisoformat(day), case_id
    except ValueError as exc:
        raise ValidationException(
            "not a day", extra=[{"key": "after", "message": "not a day"}]
        ) from exc


def _visible(
    request: Request[Any, Any, Any],
    rows: Callable[[int], Iterator[DueRow]],
    limit: int | None,
) -> list[DueCase]:
    """Up to ``limit`` of the rows (``rows(page)`` streams them): a person gets the cases they
    may see; a system client with ``due:read`` gets all, asked for no more than it wants."""
    caller = request.user
    if isinstance(caller, SystemClient):
        _scope(request, "due:read")
        listed = rows(limit or PAGE)
    else:
        seen = {s.case_id for s in _engines(request.app.state).get().cases(_person(request))}
        listed = (row for row in rows(PAGE) if row[0] in seen)
    return [DueCase(*row) for row in itertools.islice(listed, limit)]


@attrs.frozen
class EventPage:
    """A page of the event feed: ask again with ``after=last`` for what follows."""

    events: tuple[FeedEvent, ...]
    last: int
    """The position of the last event here (``after`` when there is none yet)."""


def _admin_or_scope(request: Request[Any, Any, Any], scope: str) -> None:
    """The feed and the webhooks name every case of the tenant: for an administrator, or a
    system client with the scope; anyone else is refused (403), whatever cases they hold."""
    caller = request.user
    if isinstance(caller, SystemClient):
        _scope(request, scope)
    elif not (isinstance(caller, Actor) and caller.role == "admin"):
        raise Refusal("not_permitted", "admins_and_scope")


@get(
    "/events",
    sync_to_thread=True,
    operation_id="listEvents",
    responses=documented(400, 403),
    summary="The event feed: every entry's metadata (no content), in one order, after a position",
)
def events(
    request: Request[Any, Any, Any],
    after: Annotated[
        int, QueryParameter(ge=0, le=2**63 - 1, description="The last position you have read")
    ] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=1000, description="At most this many")] = 100,
) -> EventPage:
    _admin_or_scope(request, "events:read")
    found = _engines(request.app.state).get().events(after, limit)
    return EventPage(tuple(found), found[-1].position if found else after)


ROUTES = [
    guide,
    guide_schema,
    list_cases,
    open_case,
    view_case,
    case_options,
    act,
    case_timeline,
    case_access_log,
    due,
    overdue,
    events,
]
