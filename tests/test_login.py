"""Logging in to the web pages through real OpenID providers (tests/oidckit.py), and the
sessions, forms and headers that come with it: httpx against uvicorn on loopback.

The attacks of issue 16: a tampered, expired or wrong-audience ID token gives no session; a
session id set before login is not kept; logout ends the session server-side; a form without
or with a wrong CSRF token is 403 and writes nothing; another family's case is 404.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator

import casekit as k
import httpx
import oidckit as o
import pytest
from serverkit import written

from btiflow.server.sessions import COOKIE

o.require_provider()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[o.Site]:
    with o.site(tmp_path_factory.mktemp("login")) as running:
        yield running


@pytest.fixture
def normal(site: o.Site) -> Iterator[None]:
    """The providers hand out ID tokens as issued, before and after the test."""
    o.set_mode(site.idporten, "none")
    o.set_mode(site.kommune, "none")
    yield
    o.set_mode(site.idporten, "none")
    o.set_mode(site.kommune, "none")


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _signed_in(client: httpx.Client) -> bool:
    """Whether the client's cookie is a live session (else the pages send it to the login)."""
    return client.get("/saker").status_code == 200


def _sessions(site: o.Site, cookie: str | None = None) -> int:
    """How many sessions the store holds (with this cookie's id, when given)."""
    with sqlite3.connect(site.store) as db:
        if cookie is None:
            found = db.execute("SELECT count(*) FROM sessions").fetchone()
        else:
            key = hashlib.sha256(cookie.encode()).hexdigest()
            found = db.execute("SELECT count(*) FROM sessions WHERE key = ?", (key,)).fetchone()
    return int(found[0])


def test_staff_log_in_through_the_municipality_and_see_their_cases(
    site: o.Site, normal: None
) -> None:
    with site.client() as client:
        page = o.log_in(client, "kommune", "laerer-a")
        assert page.status_code == 200, page.text
        assert str(page.url) == f"{site.url}/saker"
        assert site.a in page.text
        assert site.b in page.text
        case = client.get(f"/saker/{site.a}")
        assert case.status_code == 200
        assert "<h1>Saken</h1>" in case.text
    seen = site.engine.store.access_log(site.a)
    assert (seen[-1].actor, seen[-1].what) == (k.TEACHER.id, "view:staff")


def test_a_guardian_logs_in_through_id_porten_and_sees_only_her_case(
    site: o.Site, normal: None
) -> None:
    with site.client() as client:
        page = o.log_in(client, "idporten", "foresatt-a", acr="idporten-loa-substantial")
        assert page.status_code == 200, page.text
        assert site.a in page.text
        assert site.b not in page.text
        assert client.get(f"/saker/{site.a}").status_code == 200
        seen = site.engine.store.access_log(site.a)
        # the family page reads the case, then who has looked at it (her right of insight)
        assert [(r.actor, r.what) for r in seen[-2:]] == [
            (o.KEY_A, "view:family"),
            (o.KEY_A, "access_log"),
        ]
        # another family's case is answered as a case that does not exist
        other = client.get(f"/saker/{site.b}")
        none = client.get("/saker/no-such-case")
        assert other.status_code == none.status_code == 404
        assert other.text == none.text
    # the national id is kept nowhere, only its keyed hash
    for path in (site.store, f"{site.store}-wal"):
        try:
            with open(path, "rb") as f:
                stored = f.read()
        except FileNotFoundError:
            continue
        assert o.PID_A.encode() not in stored
        assert o.PID_B.encode() not in stored


@pytest.mark.parametrize("acr", [None, "idporten-loa-low"])
def test_a_level_of_assurance_below_substantial_gives_no_session(
    site: o.Site, normal: None, acr: str | None
) -> None:
    with site.client() as client:
        page = o.log_in(client, "idporten", "foresatt-a", acr=acr)
        assert page.status_code == 401
        assert not _signed_in(client)


BECAUSE = {
    "tamper": "BadSignatureError: bad_signature:",
    "expired": "ExpiredTokenError: expired_token: The token is expired",
    "audience": "InvalidClaimError: invalid_claim: Invalid claim: 'aud'",
    "issuer": "InvalidClaimError: invalid_claim: Invalid claim: 'iss'",
    "nonce": "InvalidClaimError: invalid_claim: Invalid claim: 'nonce'",
}
"""Why the ID token was refused, as the service's log says it (the page says only that it was)."""


@pytest.mark.parametrize("mode", sorted(BECAUSE))
@pytest.mark.parametrize(
    ("issuer", "account"), [("kommune", "laerer-a"), ("idporten", "foresatt-a")]
)
def test_a_bad_id_token_gives_no_session(
    site: o.Site,
    normal: None,
    mode: str,
    issuer: str,
    account: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    o.set_mode(getattr(site, issuer), mode)
    before = _sessions(site)
    with site.client() as client:
        page = o.log_in(client, issuer, account, acr="idporten-loa-high")
        assert page.status_code == 401
        assert "Innloggingen mislyktes" in page.text
        assert not _signed_in(client)
    said = [r.getMessage() for r in caplog.records if r.name == "btiflow.server.pages"]
    assert said == [f"login through {issuer} failed: ID token: {BECAUSE[mode]}"]
    # the pre-login session was used once and is gone; no new one was made
    assert _sessions(site) <= before


def test_the_municipality_cannot_log_anyone_in_as_a_guardian(site: o.Site, normal: None) -> None:
    with site.client() as client:
        assert o.log_in(client, "kommune", "falsk-foresatt").status_code == 401
        assert not _signed_in(client)


def test_a_session_id_set_before_login_is_not_kept(site: o.Site, normal: None) -> None:
    with site.client() as client:
        client.cookies.set(COOKIE, "planted-by-someone-else", domain="127.0.0.1")
        start = client.get("/login/kommune")  # a real pre-login session, which could leak too
        pre_login = start.cookies[COOKIE]
        assert pre_login != "planted-by-someone-else"
        page = o.log_in(client, "kommune", "laerer-a")
        assert page.status_code == 200
        after = client.cookies[COOKIE]
    assert after not in (pre_login, "planted-by-someone-else")
    for planted in (pre_login, "planted-by-someone-else"):
        with site.client() as other:
            other.cookies.set(COOKIE, planted, domain="127.0.0.1")
            assert not _signed_in(other)


def test_logout_ends_the_session_here_and_then_at_the_provider(site: o.Site, normal: None) -> None:
    with site.client() as client:
        page = o.log_in(client, "kommune", "laerer-a")
        cookie = client.cookies[COOKIE]
        assert _sessions(site, cookie) == 1
        out = client.post("/logout", data={"csrf": _csrf(page)})
        assert out.status_code == 303
        assert out.headers["location"].startswith(f"{site.kommune}/session/end?")
        assert "id_token_hint=" in out.headers["location"]
        assert _sessions(site, cookie) == 0
    with site.client() as stolen:  # the old cookie, from wherever it was kept
        stolen.cookies.set(COOKIE, cookie, domain="127.0.0.1")
        assert not _signed_in(stolen)


def test_a_session_unused_for_30_minutes_is_over(site: o.Site, normal: None) -> None:
    with site.client() as client:
        o.log_in(client, "kommune", "laerer-a")
        assert _signed_in(client)
        with sqlite3.connect(site.store) as db:
            db.execute("UPDATE sessions SET seen_at = seen_at - 31 * 60")
        assert not _signed_in(client)


def test_a_form_without_the_right_csrf_token_is_refused_and_writes_nothing(
    site: o.Site, normal: None
) -> None:
    with site.client() as client:
        o.log_in(client, "kommune", "laerer-a")
        page = client.get(f"/saker/{site.a}")
        before = written(site.engine)
        url = f"/saker/{site.a}/handling/add_note"
        position = re.search(r'name="position" value="(\d+)"', page.text)
        assert position
        at = {"position": position.group(1)}
        for data in ({"text": "uten token"} | at, {"text": "feil token", "csrf": "gjettet"} | at):
            refused = client.post(url, data=data)
            assert refused.status_code == 403
            assert "Skjemaet kunne ikke tas imot" in refused.text
        assert client.post("/logout", data={}).status_code == 403
        assert written(site.engine) == before
        assert _signed_in(client)
        note = {"text": "Et notat <b>fra</b> læreren", "csrf": _csrf(page)} | at
        done = client.post(url, data=note)
        assert done.status_code == 303
        assert written(site.engine) != before
        shown = client.get(f"/saker/{site.a}").text
        assert "Et notat &lt;b&gt;fra&lt;/b&gt; læreren" in shown


def test_every_html_page_has_the_security_headers(site: o.Site, normal: None) -> None:
    with site.client() as client:
        pages = [client.get("/"), client.post("/logout", data={})]
        o.log_in(client, "kommune", "laerer-a")
        pages += [client.get("/saker"), client.get(f"/saker/{site.a}"), client.get("/saker/x")]
    assert [p.status_code for p in pages] == [200, 403, 200, 200, 404]
    for page in pages:
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert f"form-action 'self' {site.idporten} {site.kommune};" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in page.text
        assert page.text.startswith("<!doctype html>\n<html lang=")


def test_the_session_cookie_is_http_only_and_same_site_lax(site: o.Site, normal: None) -> None:
    with site.client() as client:
        start = client.get("/login/kommune")
    cookie = start.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie  # only because this test runs on loopback over http
