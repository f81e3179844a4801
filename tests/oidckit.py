"""Real OpenID providers for the login tests, and the service logging people in through them.

Each provider is the npm package oidc-provider (installed outside the repository by .ci/run,
in BTIFLOW_OIDC_DIR, default /tmp/btiflow-oidc) run by tests/oidc/provider.mjs under node on a
free loopback port: one plays ID-porten (the ``pid`` claim, acr substantial or high), the other
the municipality's own provider (claims named as Entra ID might: oid, department, bti_role).
Every person and national id here is invented; the national ids are synthetic (month + 80, as
the test population in Norway's Tenor has them), so none can be a real person's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import casekit as k
import httpx
import pytest
from serverkit import AUDIENCE, ISSUER, free_port, running

from btiflow import Actor, Engine, Person, load_workflow, national_id_key, open_store
from btiflow.case.consent import RELAY_LOG
from btiflow.server import Settings
from btiflow.server.settings import Claims, Issuer, Login

OIDC_DIR = Path(os.environ.get("BTIFLOW_OIDC_DIR", "/tmp/btiflow-oidc"))
SCRIPT = Path(__file__).resolve().parent / "oidc" / "provider.mjs"
IN_CI = os.environ.get("CI") == "true"

SECRET = "kommunens-hemmelighet-for-fodselsnummer-0123456789"
PID_A = "24817599531"  # synthetic: month 81
PID_B = "03856712345"  # synthetic: month 85
PID_C = "14831012345"  # synthetic: month 83; the young person of case c, born 2010 (16)
PID_D = "05851398765"  # synthetic: month 85; the child of case d, born 2013 (13)
KEY_A = national_id_key(PID_A, SECRET)
KEY_B = national_id_key(PID_B, SECRET)
KEY_C = national_id_key(PID_C, SECRET)
KEY_D = national_id_key(PID_D, SECRET)
GUIDE = k.REPO / "examples" / "nordvik" / "veileder.yaml"
"""Nordvik's guide: the standard one, and the services a family may consent to (checkboxes)."""
MAIL_SENDER = "bti@nordvik.kommune.example.org"
CLIENT_SECRET = "en-lang-klienthemmelighet-bare-for-testene"
ACR = ("idporten-loa-substantial", "idporten-loa-high")

HOSTILE_UNIT = '<script>alert("x")</script>&<b>skole'
COORDINATOR = Actor("bti-koord-h", "coordinator", "Kommunen", "BTI-koordinator H")
ID_PORTEN_ACCOUNTS = {
    "foresatt-a": {"pid": PID_A},
    "foresatt-b": {"pid": PID_B},
    "ungdom-c": {"pid": PID_C},
    "barn-d": {"pid": PID_D},
}
STAFF_ACCOUNTS = {
    "laerer-a": {
        "oid": k.TEACHER.id,
        "name": k.TEACHER.name,
        "department": k.TEACHER.unit,
        "bti_role": k.TEACHER.role,
    },
    "helsesyk-e": {
        "oid": k.NURSE.id,
        "name": k.NURSE.name,
        "department": k.NURSE.unit,
        "bti_role": k.NURSE.role,
    },
    "rektor-b": {
        "oid": k.LEADER.id,
        "name": k.LEADER.name,
        "department": k.LEADER.unit,
        "bti_role": k.LEADER.role,
    },
    "bti-koordinator": {
        "oid": COORDINATOR.id,
        "name": COORDINATOR.name,
        "department": COORDINATOR.unit,
        "bti_role": COORDINATOR.role,
    },
    "leder-fiendtlig": {  # a unit whose name is markup: it must come back as text
        "oid": "leder-x",
        "name": "Leder X",
        "department": HOSTILE_UNIT,
        "bti_role": "leader",
    },
    # the municipality's provider cannot make anyone a guardian
    "falsk-foresatt": {"oid": KEY_A, "name": "X", "department": "", "bti_role": "guardian"},
}


def require_provider() -> None:
    """Skip (outside CI) when node or oidc-provider is missing; in CI that is a failure."""
    missing = shutil.which("node") is None or not (OIDC_DIR / "node_modules/oidc-provider").is_dir()
    if missing and not IN_CI:
        pytest.skip(
            "node and the npm package oidc-provider are needed: npm install --no-save "
            f"--prefix {OIDC_DIR} oidc-provider@8 (.ci/run does it)"
        )


@contextmanager
def provider(
    tmp: Path, name: str, accounts: dict[str, Any], app_url: str, acr: tuple[str, ...] = ()
) -> Iterator[str]:
    """One provider process; yields its issuer URL."""
    config = {
        "module_dir": str(OIDC_DIR),
        "client_id": f"btiflow-{name}",
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{app_url}/login/{name}/callback"],
        "post_logout_redirect_uris": [f"{app_url}/"],
        "acr_values": list(acr),
        "accounts": accounts,
    }
    path = tmp / f"oidc-{name}.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    log = (tmp / f"oidc-{name}.log").open("w")
    process = subprocess.Popen(
        ["node", str(SCRIPT), str(path)], stdout=subprocess.PIPE, stderr=log, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()  # the script prints its URL when listening
        if not line.startswith("http://127.0.0.1:"):
            process.wait(timeout=10)
            said = (tmp / f"oidc-{name}.log").read_text()
            raise RuntimeError(f"the provider did not start: {said}")
        yield line
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
        log.close()


def set_mode(issuer_url: str, mode: str) -> None:
    """What the provider does to the next ID tokens (see provider.mjs)."""
    httpx.post(f"{issuer_url}/test/mode", data={"mode": mode}, timeout=10).raise_for_status()


@dataclass
class Site:
    """The service with its two providers, and the cases it holds."""

    url: str
    idporten: str
    kommune: str
    store: str
    engine: Engine
    a: str  # guardian A was told (by her national id's key); the teacher opened it
    b: str  # guardian B's case, opened by the teacher too
    c: str  # the young person C's own case (16, their login id registered)
    d: str  # the child D's case (13, their login id registered: below the self-consent age)
    e: str  # guardian A's second case, at level 1 with the teacher holding the baton

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def login_settings(store: str, app_url: str, idporten: str, kommune: str) -> Settings:
    def discovery(url: str) -> str:
        return f"{url}/.well-known/openid-configuration"

    issuers = (
        Issuer(
            "idporten", "family", discovery(idporten), "btiflow-idporten", CLIENT_SECRET,
            acr_values=ACR,
        ),
        Issuer(
            "kommune", "staff", discovery(kommune), "btiflow-kommune", CLIENT_SECRET,
            claims=Claims(id="oid", unit="department", role="bti_role"),
        ),
    )  # fmt: skip
    login = Login(app_url, issuers, SECRET, cookie_secure=False, mail_sender=MAIL_SENDER)
    return Settings(store, str(GUIDE), ISSUER, AUDIENCE, "", login=login)


def _family_case(
    engine: Engine, subject: str, guardian: Person, birth_date: str | None = None
) -> str:
    case = k.open_case(engine, subject=subject, birth_date=birth_date)
    engine.act(case.id, "complete_step", k.TEACHER)
    engine.act(case.id, "inform_leader", k.TEACHER, leader=k.LEADER.id)
    engine.act(case.id, "complete_step", k.TEACHER)
    engine.act(case.id, "inform_guardians", k.TEACHER, guardians=[guardian])
    return case.id


def _young_persons_case(engine: Engine, subject: str, born: str, login: Person) -> str:
    """A case about a young person, their guardian told, and their login id registered."""
    case_id = _family_case(engine, subject, Person("foresatt-uten-innlogging"), born)
    engine.act(case_id, "register_young_person", k.TEACHER, person=login)
    return case_id


def _at_level_1(engine: Engine, subject: str, guardian: Person) -> str:
    """A case at level 1 (the relay log consented to), the teacher its baton holder and
    contact person, at the step where meetings are planned."""
    case_id = _family_case(engine, subject, guardian)
    engine.act(case_id, "complete_step", k.TEACHER)
    engine.act(case_id, "complete_step", k.TEACHER)
    family = Actor(guardian.id, "guardian")
    engine.act(case_id, "give_consent", family, units=[RELAY_LOG])
    engine.act(
        case_id, "decide", k.TEACHER, outcome="expand", to_level=1, family_wish=k.WISH,
        baton_holder=k.TEACHER,
    )  # fmt: skip
    engine.act(case_id, "appoint_contact_person", k.TEACHER, person=k.TEACHER)
    engine.act(case_id, "complete_step", k.TEACHER)
    return case_id


@contextmanager
def site(tmp: Path) -> Iterator[Site]:
    """Two cases, two providers, the service: all on loopback."""
    store = str(tmp / "relay.db")
    engine = Engine(load_workflow(GUIDE), open_store(store), clock=k.Clock())
    a = _family_case(engine, "elev-0101", Person(KEY_A, "Foresatt A"))
    b = _family_case(engine, "elev-0102", Person(KEY_B, "Foresatt B"))
    c = _young_persons_case(engine, "elev-0103", "2010-03-14", Person(KEY_C, "Ungdom C"))
    d = _young_persons_case(engine, "elev-0104", "2013-05-05", Person(KEY_D, "Barn D"))
    e = _at_level_1(engine, "elev-0105", Person(KEY_A, "Foresatt A"))
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        stack.callback(engine.store.close)
        idporten = stack.enter_context(provider(tmp, "idporten", ID_PORTEN_ACCOUNTS, app_url, ACR))
        kommune = stack.enter_context(provider(tmp, "kommune", STAFF_ACCOUNTS, app_url))
        settings = login_settings(store, app_url, idporten, kommune)
        stack.enter_context(running(settings, port))
        yield Site(app_url, idporten, kommune, store, engine, a, b, c, d, e)


def log_in(
    client: httpx.Client, issuer: str, account: str, acr: str | None = None
) -> httpx.Response:
    """The whole code flow, as a browser makes it: to the provider, its login form, and back."""
    form = client.get(f"/login/{issuer}", follow_redirects=True)
    assert "/interaction/" in str(form.url), form.text
    data = {"account": account} | ({"acr": acr} if acr else {})
    return client.post(str(form.url), data=data, follow_redirects=True)
