"""The pages of the cases: "Mine saker", a case for staff and for the family, its actions.

``/saker``: the cases the person is tied to (``Engine.cases``), offers of the baton awaiting
their answer first (``Engine.offers``: the store's index of offers, not a read of every case),
then evaluations overdue and due within a week; each a link by the case's opaque id only; for a
line manager or the BTI coordinator, a link to their overview (``/oversikt``,
``btiflow.server.overviewpage``). ``/saker/<id>``: the case as the person may see it, through
``Engine.view`` (so the read is in the access log): staff get the guide's current step
(guidance, questions, tools) and the timeline, the family who has looked at the case
(``Engine.access_log``, their right of insight); both get "what I can do now", every option of
``Engine.options``, an allowed one as a form (``btiflow.server.actionforms``), a refused one
with its reasons. ``POST /saker/<id>/handling/<action>`` does it (``Engine.act_with`` at the
position the page showed): done, back to the case (303); refused, the page again with the
reasons at the form (422) and nothing written; the case moved on meanwhile, the page again with
a warning (409). A case the person is not tied to is answered exactly as one that does not exist
(404). A family login (ID-porten's) is, in each case, a guardian the case names, or else the young
person it is about, from the guide's self-consent age (``register_young_person`` records their
key); a younger child is not matched. A visitor not logged in who opens a case (the link in an
invitation) is sent to log in and lands on that case after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from typing import Any

import attrs
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from btiflow import (
    AccessDenied,
    ActionRefused,
    Actor,
    CaseNotFound,
    CaseSummary,
    ConflictError,
    Engine,
    FamilyView,
    StaffView,
)
from btiflow.access import AccessRecord
from btiflow.case.actions import ACTIONS
from btiflow.case.national_id import PREFIX as NATIONAL_ID_PREFIX
from btiflow.case.state import Case
from btiflow.server.actionforms import ActionForm, action_form, label, params_of
from btiflow.server.overviewpage import overview_page, overview_title
from btiflow.server.pages import LOGIN_ROUTES, Form, PageError, Pages, _pages, router, show
from btiflow.server.pages import title as word
from btiflow.server.routes import CaseId
from btiflow.server.sessions import Session
from btiflow.timeline import actor_names, describe
from btiflow.views import Note
from btiflow.words import dates, say

SOON = dt.timedelta(days=7)
"""How far ahead "Mine saker" lists the evaluations falling due."""


def _row(engine: Engine, case_id: str, subject: str, due: dt.date | None = None) -> dict[str, Any]:
    case = engine.case(case_id)
    workflow = engine.workflow_of(case)
    step = workflow.find_step(case.step)[1].title.get(workflow.language)
    return {"case_id": case_id, "subject": subject, "level": case.level, "step": step, "due": due}


@get("/saker", sync_to_thread=True)
def my_cases(request: Request[Any, Any, Any]) -> Response[str]:
    """ "Mine saker": offers awaiting my answer, overdue and soon-due evaluations, then every
    case I am tied to (not logged: a list holds no content)."""
    pages = _pages(request)
    _, session, actor = pages.person(request)
    engine = pages.engines.get()
    listed = engine.cases(actor) + _own_cases(engine, actor)
    mine = {s.case_id: s for s in listed if s.status == "open"}
    everything = [_row(engine, s.case_id, s.subject) for s in listed]
    # an offer may come before the person may see the case: its row names no subject
    offers = [_row(engine, i, "") for i in engine.offers(actor)]
    overdue = [
        _row(engine, d.case_id, mine[d.case_id].subject, d.due)
        for d in engine.overdue()
        if d.case_id in mine
    ]
    soon = [
        _row(engine, d.case_id, mine[d.case_id].subject, d.due)
        for d in engine.due(within=SOON)
        if d.case_id in mine
    ]
    return show(
        pages,
        "cases.html",
        word(pages, "title.my_cases"),
        session,
        offers=offers,
        overdue=overdue,
        soon=soon,
        everything=everything,
        overview=overview_title(pages, actor),
    )


def _young_person(actor: Actor) -> Actor | None:
    """A family login (ID-porten's, a guardian's role) as the young person a case is about."""
    return attrs.evolve(actor, role="child") if actor.role == "guardian" else None


def _own_cases(engine: Engine, actor: Actor) -> list[CaseSummary]:
    """The cases about the person logged in, from the guide's self-consent age: a family login
    is matched to the login id registered for the young person (``register_young_person``)."""
    child = _young_person(actor)
    if child is None:
        return []
    return [s for s in engine.cases(child) if "young_person" in engine.relations(s.case_id, child)]


def _acting(engine: Engine, case_id: str, actor: Actor) -> Actor:
    """Who the person logged in is in this case: a family login is a guardian the case names,
    or else, from the guide's self-consent age, the young person it is about; a younger one
    is not matched (the pages are theirs from that age). Anyone else is who they are."""
    child = _young_person(actor)
    try:
        if child is None or engine.relations(case_id, actor):
            return actor
        if "young_person" in engine.relations(case_id, child):
            return child
    except CaseNotFound:
        pass
    return actor


def _tied(engine: Engine, case_id: str, actor: Actor) -> None:
    try:
        if not engine.relations(case_id, actor):
            raise PageError(404, "not_found")
    except CaseNotFound as exc:
        raise PageError(404, "not_found") from exc


def _case_response(
    pages: Pages,
    session: Session,
    actor: Actor,
    case_id: str,
    *,
    refused: tuple[str, tuple[str, ...]] | None = None,
    message: str = "",
    status: int = 200,
) -> Response[str]:
    """The case page, as ``actor`` may see it; ``refused`` is the form just refused (its key)
    with the reasons, shown next to it."""
    engine = pages.engines.get()
    actor = _acting(engine, case_id, actor)
    _tied(engine, case_id, actor)
    shown: StaffView | FamilyView | None = None
    try:
        shown = engine.view(case_id, actor)
    except AccessDenied as exc:
        # offered the baton, not yet allowed to see the case: the answer is all there is
        if "offered" not in engine.relations(case_id, actor):
            raise PageError(404, "not_found") from exc
    lang = pages.language
    case = engine.case(case_id)
    workflow = engine.workflow_of(case)
    forms: list[ActionForm] = []
    not_now: list[tuple[str, tuple[str, ...]]] = []
    for option in engine.options(case_id, actor):
        if option.allowed:
            form = action_form(lang, option, case, workflow)
            if refused is not None and refused[0] == form.key:
                form = attrs.evolve(form, reasons=refused[1])
                refused = None
            forms.append(form)
        elif actor.is_staff or not ACTIONS[option.action].staff_only:
            # the family is not told of every staff action it cannot take, only of its own
            not_now.append((label(lang, option), tuple(r.message for r in option.reasons)))
    if refused is not None:  # an action not offered now: its reasons above the page
        message = " ".join(refused[1])
    staff = shown if isinstance(shown, StaffView) else None
    family = shown.family if isinstance(shown, StaffView) else shown
    seen_by_family = shown is not None and staff is None
    return show(
        pages,
        "case.html",
        word(pages, "title.case"),
        session,
        status=status,
        case_id=case_id,
        position=case.seq,
        family=family,
        staff=staff,
        guide=_guide(engine, case_id, lang) if staff is not None else None,
        timeline=_timeline(engine, staff, lang) if staff is not None else [],
        forms=forms,
        refused=not_now,
        access=_access(engine, case_id, actor, lang) if seen_by_family else None,
        message=message,
        when=_when,
        writer=_writers(case, staff, lang),
    )


def _writers(case: Case, staff: StaffView | None, lang: str) -> Callable[[Note], str]:
    """Who wrote a note, in words: the name the case records (staff see every name the log
    gives), else a family login by its role, never its key."""
    names = {g.id: g.name for g in case.guardians if g.name}
    if staff is not None:
        names |= actor_names(staff.log)

    def writer(note: Note) -> str:
        if note.role == "child" and staff is None:
            return say(lang, "pages.access.young_person")
        if note.by in names:
            return names[note.by]
        if note.by.startswith(NATIONAL_ID_PREFIX):
            family = "young_person" if note.role == "child" else "guardian"
            return say(lang, f"pages.access.{family}")
        return note.by

    return writer


def _when(value: str | None) -> str:
    """A day or moment a view holds as ISO 8601, as a table shows it ("04.09.2026 08.30")."""
    if not value:
        return ""
    try:
        if len(value) == 10:
            return dates.short_day(dt.date.fromisoformat(value))
        return dates.short_moment(dt.datetime.fromisoformat(value))
    except ValueError:
        return value


def _guide(engine: Engine, case_id: str, lang: str) -> dict[str, Any]:
    case = engine.case(case_id)
    step = engine.workflow_of(case).find_step(case.step)[1]
    return {
        "guidance": step.guidance.get(lang) if step.guidance else "",
        "questions": [q.get(lang) for q in step.questions],
        "tools": [(tool.title.get(lang), tool.url) for tool in step.tools],
    }


def _timeline(engine: Engine, staff: StaffView, lang: str) -> list[tuple[str, str, str]]:
    names = actor_names(staff.log)
    workflow = engine.workflow_of(staff.case)
    return [
        (dates.short_moment(e.time, lang), names.get(e.actor, e.actor), describe(e, workflow))
        for e in staff.log
    ]


def _access(
    engine: Engine, case_id: str, actor: Actor, lang: str
) -> list[tuple[str, str, str]] | None:
    try:
        seen = engine.access_log(case_id, actor)
    except AccessDenied:
        return None
    names = {g.id: g.name for g in engine.case(case_id).guardians if g.name}
    return [
        (dates.short_moment(r.time, lang), _reader(r, names, lang), _what(r.what, lang))
        for r in seen
    ]


def _reader(row: AccessRecord, names: dict[str, str], lang: str) -> str:
    """Who read or acted, for the family: the name logged or recorded in the case; a login by
    national id (its key says nothing to a person) as a guardian or the young person."""
    if row.name:
        return row.name
    if row.actor in names:
        return names[row.actor]
    if row.actor.startswith(NATIONAL_ID_PREFIX):
        return say(
            lang, "pages.access.young_person" if row.role == "child" else "pages.access.guardian"
        )
    return row.actor


def _what(what: str, lang: str) -> str:
    if what.startswith("view:"):
        return say(lang, "pages.access.view")
    if what == "access_log":
        return say(lang, "pages.access.log")
    action = what.removeprefix("action:")
    if action in ACTIONS or action == "open_case":
        return say(lang, f"pages.action.{action}")
    return say(lang, "pages.access.other")


@get("/saker/{case_id:str}", sync_to_thread=True)
def case_page(request: Request[Any, Any, Any], case_id: CaseId) -> Response[str]:
    """One case, as the person may see it, through ``Engine.view`` (the read is logged). A
    visitor not logged in (from the link in an invitation) logs in first and lands here."""
    pages = _pages(request)
    try:
        _, session, actor = pages.person(request)
    except PageError:
        return pages.to_login(request, f"/saker/{case_id}")
    return _case_response(pages, session, actor, case_id)


@post("/saker/{case_id:str}/handling/{action:str}", sync_to_thread=True, status_code=303)
def act(
    request: Request[Any, Any, Any], case_id: CaseId, action: FromPath[str], data: Form
) -> Response[Any]:
    """Do ``action`` with the form's fields, at the position the page showed."""
    pages = _pages(request)
    _, session, actor = pages.person(request)
    engine = pages.engines.get()
    actor = _acting(engine, case_id, actor)
    _tied(engine, case_id, actor)
    params = params_of(action, data)
    try:
        position = int(data.get("position", ""))
    except ValueError:
        position = -1
    key = "-".join([action, *(data.get(n, "") for n in ("outcome", "to_level") if data.get(n))])
    try:
        engine.act_with(case_id, action, actor, params, position=position)
    except ActionRefused as exc:
        reasons = tuple(r.message for r in exc.reasons)
        return _case_response(pages, session, actor, case_id, refused=(key, reasons), status=422)
    except ConflictError:
        message = word(pages, "now.stale")
        return _case_response(pages, session, actor, case_id, message=message, status=409)
    return Redirect(f"/saker/{case_id}", status_code=303)


@get("/static/pages.css", sync_to_thread=False, media_type="text/css; charset=utf-8")
def stylesheet(request: Request[Any, Any, Any]) -> str:
    """The pages' stylesheet after the theme's colours (the CSP allows style from this service
    only, none inline)."""
    shipped = resources.files("btiflow.render").joinpath("static/pages.css").read_text("utf-8")
    return _pages(request).theme.css() + shipped


def pages_router() -> Router:
    """The login's routes, the cases' pages and the overview."""
    return router([*LOGIN_ROUTES, my_cases, case_page, act, overview_page, stylesheet])
