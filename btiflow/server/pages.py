"""The web pages' foundation: login, logout, sessions, CSRF, and how a page is rendered.

Login through either configured issuer (``/login/<name>``, its callback
``/login/<name>/callback``), logout (a form, ``POST /logout``: the session ends here, then the
provider is asked to end its own). Every form carries the session's CSRF token (the templates'
``csrf`` value) and every POST without the right one is refused with 403 before anything is
read or written. The pages are the templates ``btiflow/render/templates/pages/`` in the guide's
language, their words the catalogue area ``pages``; the cases' pages are in
``btiflow.server.casepages``.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Annotated, Any

from anyio import to_thread
from httpx import URL
from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from btiflow import Actor
from btiflow.case.national_id import PREFIX as NATIONAL_ID_PREFIX
from btiflow.render.templating import render
from btiflow.render.theme import Theme, theme_of
from btiflow.server.engines import Engines
from btiflow.server.login import LoginFailed, OpenIdClient
from btiflow.server.sessions import COOKIE, SECURE_COOKIE, Session, Sessions, same, unseal
from btiflow.server.settings import Login
from btiflow.words import say

LOG = logging.getLogger(__name__)
CASE_PATH = re.compile(r"/saker/[A-Za-z0-9_-]{1,100}")
"""A case page, the only place a login leads on to besides "Mine saker" (no open redirect)."""
Form = URLEncodedBody[dict[str, str]]
HTML = "text/html; charset=utf-8"


class PageError(Exception):
    """An answer other than the page: a status and the key of its words."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


class Pages:
    """What the pages need: the settings, the sessions, one OpenID client per issuer."""

    def __init__(self, login: Login, engines: Engines) -> None:
        self.login = login
        self.engines = engines
        self.sessions = Sessions(engines, login.idle_minutes * 60.0)
        self.cookie = SECURE_COOKIE if login.cookie_secure else COOKIE
        base = login.public_url.rstrip("/")
        self.home_url = base + "/"
        self.clients = {
            issuer.name: OpenIdClient(
                issuer, f"{base}/login/{issuer.name}/callback", login.national_id_secret
            )
            for issuer in login.issuers
        }
        self.theme: Theme = theme_of(login.theme or None, engines.workflow.language)
        self.demo_people: tuple[Actor, ...] = ()
        if login.demo and not _loopback_url(base):
            raise ValueError("the development login is for loopback addresses only")
        if login.demo:
            from btiflow.demo import PEOPLE

            self.demo_people = PEOPLE

    def form_targets(self) -> tuple[str, ...]:
        """The providers' origins a form may lead to (logout goes on to the provider)."""
        found: list[str] = []
        for client in self.clients.values():
            found += [o for o in client.origins() if o not in found]
        return tuple(found)

    @property
    def language(self) -> str:
        return self.engines.workflow.language

    def current(self, request: Request[Any, Any, Any]) -> tuple[str, Session | None]:
        session_id = request.cookies.get(self.cookie, "")
        return session_id, self.sessions.get(session_id)

    def person(self, request: Request[Any, Any, Any]) -> tuple[str, Session, Actor]:
        """The logged-in person; a visitor who is not is sent to the login page."""
        session_id, session = self.current(request)
        if session is None or session.actor is None:
            raise PageError(401, "login_needed")
        return session_id, session, session.actor

    def to_login(self, request: Request[Any, Any, Any], after: str) -> Response[Any]:
        """To the login page, remembering (in a new session) the case page to land on after."""
        old_id, _ = self.current(request)
        self.sessions.end(old_id)
        session_id, _ = self.sessions.new(after=after if CASE_PATH.fullmatch(after) else "")
        return Redirect("/", status_code=303, cookies=[self.set_cookie(session_id)])

    def set_cookie(self, session_id: str) -> Cookie:
        return Cookie(
            key=self.cookie,
            value=session_id,
            path="/",
            secure=self.login.cookie_secure,
            httponly=True,
            samesite="lax",
        )

    def gone_cookie(self) -> Cookie:
        return Cookie(
            key=self.cookie,
            value="",
            path="/",
            max_age=0,
            secure=self.login.cookie_secure,
            httponly=True,
            samesite="lax",
        )


def _pages(request: Request[Any, Any, Any]) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def show(
    pages: Pages,
    template: str,
    title: str,
    session: Session | None = None,
    status: int = 200,
    **values: Any,
) -> Response[str]:
    """A whole page from ``pages/<template>``, in the guide's language, with the layout's
    values (the title, who is logged in, the session's CSRF token for the forms)."""
    actor = session.actor if session is not None else None
    html = render(
        f"pages/{template}",
        pages.language,
        pages.theme,
        title=title,
        person=_shown(actor, pages.language),
        csrf=session.csrf if session is not None else "",
        **values,
    )
    return Response(html, status_code=status, media_type=HTML)


def _shown(actor: Actor | None, lang: str) -> str:
    """Who is logged in, for the header: the name, or for a login by national id (whose key
    says nothing to a person) that it was through ID-porten."""
    if actor is None:
        return ""
    if actor.name:
        return actor.name
    return (
        say(lang, "pages.person.id_porten") if actor.id.startswith(NATIONAL_ID_PREFIX) else actor.id
    )


def title(pages: Pages, key: str, **values: Any) -> str:
    """A text of the pages' catalogue area, in the guide's language."""
    return say(pages.language, f"pages.{key}", **values)


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """Before any POST of the pages: the form's token must be the session's, or 403."""
    if request.method != "POST":
        return
    submitted = await request.form()
    token = submitted.get("csrf")
    pages = _pages(request)
    _, session = await _in_thread(pages.current, request)
    if session is None or not same(token if isinstance(token, str) else None, session.csrf):
        raise PageError(403, "csrf")


async def _in_thread(fn: Any, *args: Any) -> Any:
    return await to_thread.run_sync(fn, *args)


def _loopback(request: Request[Any, Any, Any]) -> bool:
    """A request from this machine to this machine: from a loopback address, to a loopback
    host name, and not forwarded by a proxy (which would make any visitor look local)."""
    host = request.client.host if request.client else ""
    if any(h in request.headers for h in ("forwarded", "x-forwarded-for", "x-real-ip")):
        return False
    try:
        return ipaddress.ip_address(host).is_loopback and _loopback_url(str(request.url))
    except ValueError:
        return False


def _loopback_url(url: str) -> bool:
    host = URL(url).host
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@get("/", sync_to_thread=True)
def home(request: Request[Any, Any, Any]) -> Response[str]:
    """The login page (or, for someone logged in, on to "Mine saker")."""
    pages = _pages(request)
    session_id, session = pages.current(request)
    if session is not None and session.actor is not None:
        return Redirect("/saker", status_code=303)
    cookies = []
    if pages.demo_people and session is None:
        session_id, session = pages.sessions.new()
        cookies.append(pages.set_cookie(session_id))
    issuers = [(name, client.issuer.kind) for name, client in pages.clients.items()]
    response = show(
        pages,
        "login.html",
        title(pages, "title.login"),
        session,
        issuers=issuers,
        demo_people=pages.demo_people,
    )
    response.cookies.extend(cookies)
    return response


@get("/login/{issuer:str}", sync_to_thread=True)
def login_start(request: Request[Any, Any, Any], issuer: FromPath[str]) -> Response[Any]:
    """Off to the provider, with a new pre-login session holding state, nonce and verifier."""
    pages = _pages(request)
    client = pages.clients.get(issuer)
    if client is None:
        raise PageError(404, "not_found")
    old_id, old = pages.current(request)
    pages.sessions.end(old_id)
    try:
        url, pending = client.start()
    except LoginFailed as exc:
        raise PageError(502, "login_failed") from exc
    after = old.after if old is not None and old.actor is None else ""
    session_id, _ = pages.sessions.new(pending=pending, after=after)
    return Redirect(url, status_code=303, cookies=[pages.set_cookie(session_id)])


@get("/login/{issuer:str}/callback", sync_to_thread=True)
def login_callback(
    request: Request[Any, Any, Any],
    issuer: FromPath[str],
    code: FromQuery[str] = "",
    returned: Annotated[str, QueryParameter(name="state")] = "",
    iss: FromQuery[str] = "",
) -> Response[Any]:
    """The provider's answer: checked, then a new session (a new id) for the person."""
    pages = _pages(request)
    client = pages.clients.get(issuer)
    old_id, session = pages.current(request)
    pages.sessions.end(old_id)  # the pre-login session is used once, whatever happens
    pending = session.pending if session is not None else None
    if (
        client is None
        or pending is None
        or pending.issuer != issuer
        or not code
        or not same(returned, pending.state)
    ):
        raise PageError(401, "login_failed")
    try:
        if iss and iss != client.metadata()["issuer"]:  # RFC 9207: another provider's answer
            raise LoginFailed("the answer's iss is not this issuer")
        actor, id_token = client.finish(pending, code)
    except LoginFailed as exc:
        LOG.warning("login through %s failed: %s", issuer, exc)
        raise PageError(401, "login_failed") from exc
    session_id, _ = pages.sessions.new(actor=actor, issuer=issuer, id_token=id_token)
    return Redirect(_landing(session), status_code=303, cookies=[pages.set_cookie(session_id)])


@post("/demo/login", sync_to_thread=True, status_code=303)
def demo_login(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    """The development login of ``btiflow serve --demo``: loopback only, no password."""
    pages = _pages(request)
    person = next((p for p in pages.demo_people if p.id == data.get("person")), None)
    if person is None or not _loopback(request):
        raise PageError(403, "not_permitted")
    old_id, old = pages.current(request)
    pages.sessions.end(old_id)
    session_id, _ = pages.sessions.new(actor=person, issuer="demo")
    return Redirect(_landing(old), status_code=303, cookies=[pages.set_cookie(session_id)])


def _landing(before: Session | None) -> str:
    """Where a login leads: the case page the visitor came for, else "Mine saker"."""
    after = before.after if before is not None else ""
    return after if CASE_PATH.fullmatch(after) else "/saker"


@post("/logout", sync_to_thread=True, status_code=303)
def logout(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    """End the session here, then ask the provider to end its own (RP-initiated logout)."""
    pages = _pages(request)
    session_id, session = pages.current(request)
    pages.sessions.end(session_id)
    target = "/"
    client = pages.clients.get(session.issuer) if session is not None else None
    if client is not None and session is not None:
        hint = unseal(session_id, session.hint) if session.hint else ""
        try:
            target = client.logout_url(hint, pages.home_url) or "/"
        except LoginFailed:
            target = "/"
    return Redirect(target, status_code=303, cookies=[pages.gone_cookie()])


@get("/favicon.ico", status_code=204)
async def favicon() -> None:
    """No icon yet: an empty answer, not a 404 in every browser's console."""


def _page_error(request: Request[Any, Any, Any], exc: PageError) -> Response[Any]:
    pages = _pages(request)
    if exc.status == 401 and exc.key == "login_needed" and request.method == "GET":
        return Redirect("/", status_code=303)
    return show(
        pages,
        "error.html",
        title(pages, f"error.{exc.key}"),
        status=exc.status,
        text=title(pages, f"error.{exc.key}_text"),
    )


LOGIN_ROUTES = (home, login_start, login_callback, demo_login, logout, favicon)
"""The login's routes; ``btiflow.server.casepages.pages_router`` serves them with the cases'."""


def router(handlers: list[Any]) -> Router:
    """The pages, outside the API's bearer-token check and its OpenAPI document: every POST's
    CSRF token checked first, a ``PageError`` answered as a page."""
    return Router(
        path="/",
        route_handlers=handlers,
        before_request=check_csrf,
        exception_handlers={PageError: _page_error},
        include_in_schema=False,
        opt={"exclude_from_auth": True},
    )
