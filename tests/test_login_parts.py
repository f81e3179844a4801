"""The login's parts without a provider: the national id's keyed hash, the settings as they
travel to a worker, the secure cookie, the sealed ID token, the demo's loopback rule."""

from __future__ import annotations

import json
from pathlib import Path

import casekit as k
import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st
from oidckit import login_settings

from btiflow import Person, national_id_key
from btiflow.server.engines import Engines
from btiflow.server.headers import policy
from btiflow.server.login import OpenIdClient
from btiflow.server.pages import Pages
from btiflow.server.sessions import SECURE_COOKIE, seal, unseal
from btiflow.server.settings import ENV, Issuer, Login, Settings

SECRET = "a" * 32
national_ids = st.text("0123456789", min_size=11, max_size=11)


@given(national_ids, national_ids)
def test_the_key_names_one_national_id_and_holds_none(one: str, other: str) -> None:
    key = national_id_key(one, SECRET)
    assert key.startswith("nid:")
    assert len(key) == 4 + 64
    assert key == national_id_key(one, SECRET)
    assert one not in key
    assert (national_id_key(other, SECRET) == key) == (one == other)


@given(national_ids)
def test_another_municipality_has_other_keys(national_id: str) -> None:
    assert national_id_key(national_id, SECRET) != national_id_key(national_id, "b" * 32)


@pytest.mark.parametrize(
    "bad", ["", "2481759953", "248175995311", "2481759953x", "２４８１７５９９５３１"]
)
def test_only_eleven_digits_are_a_national_id(bad: str) -> None:
    with pytest.raises(ValueError, match="11 digits"):
        national_id_key(bad, SECRET)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        national_id_key("24817599531", "kort")


def test_the_settings_travel_to_a_worker_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = login_settings("r.db", "http://127.0.0.1:1", "http://a", "http://b")
    monkeypatch.setenv(ENV, settings.to_env())
    assert Settings.from_env() == settings


def test_a_login_file_may_leave_its_secrets_to_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_NID_SECRET", SECRET)
    monkeypatch.setenv("TEST_CLIENT_SECRET", "fra-miljoet")
    issuer = {"name": "idporten", "kind": "family", "discovery_url": "https://idp.example.org",
              "client_id": "c", "client_secret": "env:TEST_CLIENT_SECRET"}  # fmt: skip
    data = {"public_url": "https://bti.kommune.example.org", "issuers": [issuer],
            "national_id_secret": "env:TEST_NID_SECRET"}  # fmt: skip
    path = tmp_path / "login.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    login = Login.from_file(str(path))
    assert login.national_id_secret == SECRET
    assert login.issuers[0].client_secret == "fra-miljoet"
    assert login.cookie_secure
    assert login.idle_minutes == 30


def _pages(tmp_path: Path, login: Login) -> Pages:
    return Pages(login, Engines(k.workflow("bti"), str(tmp_path / "r.db")))


def test_the_cookie_is_secure_and_host_bound_by_default(tmp_path: Path) -> None:
    pages = _pages(tmp_path, Login("https://bti.kommune.example.org"))
    header = pages.set_cookie("abc").to_header(header="")
    assert header.startswith(f"{SECURE_COOKIE}=abc;")
    for part in ("Secure", "HttpOnly", "Path=/", "SameSite=lax"):
        assert part.lower() in header.lower()
    assert "domain" not in header.lower()
    pages.engines.close()


@pytest.mark.parametrize("url", ["https://bti.kommune.example.org", "http://0.0.0.0:8000"])
def test_the_development_login_is_for_loopback_only(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        _pages(tmp_path, Login(url, demo=True))


def test_the_sealed_id_token_opens_only_with_the_cookie_id() -> None:
    sealed = seal("cookie-id", "header.payload.signature")
    assert "payload" not in sealed
    assert unseal("cookie-id", sealed) == "header.payload.signature"
    with pytest.raises(InvalidTag):
        unseal("another-cookie-id", sealed)


@pytest.mark.parametrize("clear", ["24817599531", "248175 99531", " 24817599531 "])
def test_a_guardian_is_never_recorded_by_a_national_id_in_clear(tmp_path: Path, clear: str) -> None:
    """Telling the guardians, or registering one, by a bare national id is refused, and nothing
    is written; by its keyed hash it is recorded."""
    engine, _ = k.make_engine(tmp_path)
    case = k.open_case(engine)
    engine.act(case.id, "complete_step", k.TEACHER)
    engine.act(case.id, "inform_leader", k.TEACHER, leader=k.LEADER.id)
    engine.act(case.id, "complete_step", k.TEACHER)
    k.refuse(engine, case.id, "inform_guardians", k.TEACHER, "invalid_input",
             says="national_id_key", guardians=[Person(clear, "Foresatt")])  # fmt: skip
    keyed = Person(national_id_key("24817599531", SECRET), "Foresatt")
    engine.act(case.id, "inform_guardians", k.TEACHER, guardians=[keyed])
    k.refuse(engine, case.id, "register_guardian", k.TEACHER, "invalid_input",
             says="national_id_key", person=Person(clear))  # fmt: skip
    assert engine.case(case.id).guardians == (keyed,)
    engine.store.close()


def test_forms_may_lead_to_the_providers_endpoints_and_nowhere_else() -> None:
    """The CSP's form-action: the discovery origin at first, the endpoints' once known (ID-porten
    publishes its discovery document and its logout on different hosts)."""
    issuer = Issuer("idporten", "family", "https://idporten.no/.well-known/openid-configuration",
                    "c", "s")  # fmt: skip
    client = OpenIdClient(issuer, "https://bti.kommune.example.org/cb", SECRET)
    assert client.origins() == ("https://idporten.no",)
    client._metadata = {
        "authorization_endpoint": "https://login.idporten.no/authorize",
        "end_session_endpoint": "https://login.idporten.no/logout",
    }
    assert client.origins() == ("https://idporten.no", "https://login.idporten.no")
    csp = policy(client.origins())
    assert "form-action 'self' https://idporten.no https://login.idporten.no;" in csp
