"""The pages of the cases, used as people use them: httpx against uvicorn on loopback, logged in
through the development login of ``btiflow serve --demo`` (the demo's invented people).

A teacher acts through the forms of "what I can do now"; a refused action shows its reasons
and writes nothing; a form without its CSRF token is 403 and writes nothing; a guardian gives
consent on the family page and sees who has looked at the case; a nynorsk guide gives nynorsk
pages; a hostile text comes back escaped.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from serverkit import AUDIENCE, ISSUER, free_port, running

from btiflow import Engine, Person, load_workflow, open_store
from btiflow.case.consent import RELAY_LOG
from btiflow.demo import GUARDIAN, NURSE, PRINCIPAL, TEACHER, run_demo
from btiflow.server import Settings
from btiflow.server.settings import Login

WORKFLOWS = Path(__file__).parent.parent / "workflows"
HOSTILE = '<script>alert("x")</script>&<b>'


@dataclass
class Site:
    url: str
    store: str
    engine: Engine
    fresh: str  # a case just opened by the teacher, at level 0's first step
    family: str  # a case whose guardians were told: the guardian is tied to it

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


@contextmanager
def _site(tmp: Path, guide: str) -> Iterator[Site]:
    store = str(tmp / "relay.db")
    engine = Engine(load_workflow(WORKFLOWS / f"{guide}.yaml"), open_store(store))
    fresh = engine.open_case("elev-0201", TEACHER, concern="Virker lei seg i friminuttene.").id
    family = engine.open_case("elev-0202", TEACHER, concern="Mye fravær.").id
    engine.act(family, "complete_step", TEACHER)
    engine.act(family, "inform_leader", TEACHER, leader=PRINCIPAL.name)
    engine.act(family, "complete_step", TEACHER)
    guardian = Person(GUARDIAN.id, GUARDIAN.name)
    engine.act(family, "inform_guardians", TEACHER, guardians=[guardian])
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    login = Login(url, cookie_secure=False, demo=True)
    settings = Settings(store, str(WORKFLOWS / f"{guide}.yaml"), ISSUER, AUDIENCE, "", login=login)
    try:
        with running(settings, port):
            yield Site(url, store, engine, fresh, family)
    finally:
        engine.store.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with _site(tmp_path, "kafjord") as running_site:
        yield running_site


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _log_in(client: httpx.Client, person_id: str) -> httpx.Response:
    start = client.get("/")
    page = client.post(
        "/demo/login", data={"csrf": _csrf(start), "person": person_id}, follow_redirects=True
    )
    assert page.status_code == 200, page.text
    return page


def _form(page: httpx.Response, key: str) -> dict[str, str]:
    """The hidden fields of the form ``key`` on the page (csrf, position, a decision's outcome)."""
    found = re.search(rf'<form [^>]*id="{re.escape(key)}">(.*?)</form>', page.text, re.S)
    assert found, f"no form {key} on the page"
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found.group(1))
    return dict(hidden)


def _database(store: str) -> list[tuple[object, ...]]:
    """The relay log's entries, the cases' state rows and the outbox, as stored; not the access
    log's chain head (the page shown again is read through ``Engine.view``, and that read is
    logged like every other)."""
    with sqlite3.connect(store) as db:
        entries = db.execute("SELECT * FROM entries ORDER BY 1, 2").fetchall()
        names = [r[1] for r in db.execute("PRAGMA table_info(cases)")]
        kept = ", ".join(n for n in names if n not in ("access_count", "access_head"))
        cases = db.execute(f"SELECT {kept} FROM cases ORDER BY 1").fetchall()
        outbox = db.execute("SELECT * FROM outbox ORDER BY 1").fetchall()
    return entries + cases + outbox


def test_a_teacher_tells_the_leader_and_completes_a_step_through_the_forms(site: Site) -> None:
    with site.client() as client:
        _log_in(client, TEACHER.id)
        page = client.get(f"/saker/{site.fresh}")
        assert page.status_code == 200
        assert "Hva jeg kan gjøre nå" in page.text
        assert "Virker lei seg i friminuttene." in page.text  # the concern, for staff
        done = client.post(
            f"/saker/{site.fresh}/handling/complete_step", data=_form(page, "complete_step")
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/saker/{site.fresh}"
        page = client.get(f"/saker/{site.fresh}")
        told = _form(page, "inform_leader") | {"leader": PRINCIPAL.name}
        done = client.post(f"/saker/{site.fresh}/handling/inform_leader", data=told)
        assert done.status_code == 303
        page = client.get(f"/saker/{site.fresh}")
    kinds = [e.kind for e in site.engine.store.entries(site.fresh)]
    assert kinds[-2:] == ["step_completed", "leader_informed"]
    assert "Tidslinje" in page.text
    seen = site.engine.store.access_log(site.fresh)
    assert ("action:inform_leader", TEACHER.id) in [(r.what, r.actor) for r in seen]
    assert (seen[-1].what, seen[-1].actor) == ("view:staff", TEACHER.id)


def test_a_refused_action_shows_its_reasons_and_writes_nothing(site: Site) -> None:
    with site.client() as client:
        _log_in(client, TEACHER.id)
        page = client.get(f"/saker/{site.family}")
        before = _database(site.store)
        # a meeting at a time that is no time: the engine refuses it with its reasons
        data = _form(page, "add_note") | {"text": "   "}
        refused = client.post(f"/saker/{site.family}/handling/add_note", data=data)
        assert refused.status_code == 422
        assert "Handlingen ble ikke utført" in refused.text
        assert _database(site.store) == before
        # an action not offered at this level: refused, its reasons above the page
        later = client.post(f"/saker/{site.family}/handling/accept_baton", data=data)
        assert later.status_code == 422
        assert 'role="alert"' in later.text
        assert _database(site.store) == before


def test_a_page_older_than_the_case_is_told_so_and_writes_nothing(site: Site) -> None:
    with site.client() as client:
        _log_in(client, TEACHER.id)
        page = client.get(f"/saker/{site.fresh}")
        site.engine.act(site.fresh, "add_note", TEACHER, text="Skrevet i mellomtiden.")
        before = _database(site.store)
        stale = client.post(
            f"/saker/{site.fresh}/handling/complete_step", data=_form(page, "complete_step")
        )
        assert stale.status_code == 409
        assert "Saken er endret siden du åpnet siden" in stale.text
        assert _database(site.store) == before


@pytest.mark.parametrize("token", [None, "wrong"])
def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(
    site: Site, token: str | None
) -> None:
    with site.client() as client:
        _log_in(client, TEACHER.id)
        page = client.get(f"/saker/{site.fresh}")
        data = _form(page, "complete_step")
        del data["csrf"]
        if token is not None:
            data["csrf"] = token
        before = _database(site.store)
        answer = client.post(f"/saker/{site.fresh}/handling/complete_step", data=data)
        assert answer.status_code == 403
        assert _database(site.store) == before


def test_the_guardian_gives_consent_and_sees_who_has_looked_at_the_case(site: Site) -> None:
    with site.client() as client:
        cases = _log_in(client, GUARDIAN.id)
        assert f'href="/saker/{site.family}"' in cases.text
        assert f'href="/saker/{site.fresh}"' not in cases.text
        page = client.get(f"/saker/{site.family}")
        assert page.status_code == 200
        assert "Mye fravær." not in page.text  # the concern is the staff's
        assert "Skriv ned en bekymring" not in page.text  # nor is every staff action listed
        assert "Hvem har sett saken" in page.text
        assert TEACHER.name in page.text  # the teacher acted in the case
        data = _form(page, "give_consent") | {"units": "Helsestasjonen"}
        done = client.post(f"/saker/{site.family}/handling/give_consent", data=data)
        assert done.status_code == 303
        page = client.get(f"/saker/{site.family}")
        assert "Helsestasjonen" in page.text
        assert client.get(f"/saker/{site.fresh}").status_code == 404
        _do(client, site.family, "add_note", text="Vi ønsker et møte etter skoletid.")
        _do(client, site.family, "withdraw_consent", units="Helsestasjonen")
        _do(client, site.family, "ask_to_close", reason="Det går bedre nå.")
        page = client.get(f"/saker/{site.family}")
    assert "Vi ønsker et møte etter skoletid." in page.text
    kinds = [e.kind for e in site.engine.store.entries(site.family)]
    assert kinds[-4:] == ["consent_given", "note_added", "consent_withdrawn", "close_requested"]
    seen = [(r.actor, r.what) for r in site.engine.store.access_log(site.family)]
    assert (GUARDIAN.id, "access_log") in seen


def test_mine_saker_puts_an_offer_of_the_baton_first_and_the_nurse_accepts_it(site: Site) -> None:
    engine = site.engine
    for _ in range(2):
        engine.act(site.family, "complete_step", TEACHER)
    engine.act(site.family, "give_consent", GUARDIAN, units=[RELAY_LOG, NURSE.unit])
    engine.act(
        site.family,
        "decide",
        TEACHER,
        outcome="expand",
        to_level=1,
        baton_holder=TEACHER,
        family_wish="Kontaktlæreren følger opp.",
    )
    nurse = Person(NURSE.id, NURSE.name, NURSE.unit)
    engine.act(site.family, "offer_baton", TEACHER, to=nurse)
    with site.client() as client:
        page = _log_in(client, NURSE.id)
        offers = page.text.index("Tilbud om stafettpinnen")
        assert page.text.index(f'href="/saker/{site.family}"') > offers
        case = client.get(f"/saker/{site.family}")
        data = _form(case, "accept_baton")
        assert client.post(f"/saker/{site.family}/handling/accept_baton", data=data).is_redirect
    holder = engine.case(site.family).baton_holder
    assert holder is not None
    assert holder.id == NURSE.id


def test_a_hostile_text_comes_back_escaped(site: Site) -> None:
    with site.client() as client:
        _log_in(client, TEACHER.id)
        page = client.get(f"/saker/{site.fresh}")
        data = _form(page, "add_note") | {"text": HOSTILE}
        assert client.post(f"/saker/{site.fresh}/handling/add_note", data=data).status_code == 303
        _do(client, site.fresh, "record_interpreter_need", person="child", language=HOSTILE)
        _do(client, site.fresh, "add_document", title=HOSTILE, text=HOSTILE)
        page = client.get(f"/saker/{site.fresh}")
        # a refused form shows the hostile value's reasons escaped too
        data = _form(page, "inform_leader") | {"leader": HOSTILE, "position": "0"}
        stale = client.post(f"/saker/{site.fresh}/handling/inform_leader", data=data)
    assert stale.status_code == 409
    for shown in (page.text, stale.text):
        assert "<script>" not in shown
    assert page.text.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;") >= 3


def test_a_nynorsk_guide_gives_nynorsk_pages(tmp_path: Path) -> None:
    with _site(tmp_path, "nore-og-uvdal") as nn, nn.client() as client:
        cases = _log_in(client, TEACHER.id)
        assert '<html lang="nn">' in cases.text
        page = client.get(f"/saker/{nn.fresh}")
    assert "Kva eg kan gjere no" in page.text
    assert "Hva jeg kan" not in page.text


def test_the_stylesheet_is_served_from_this_service(site: Site) -> None:
    with site.client() as client:
        css = client.get("/static/pages.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "--primary" in css.text


def _do(client: httpx.Client, case_id: str, key: str, **fields: str) -> None:
    """Fill in the form ``key`` on the case page and send it: done, back to the case."""
    page = client.get(f"/saker/{case_id}")
    action = key.split("-")[0]
    answer = client.post(f"/saker/{case_id}/handling/{action}", data=_form(page, key) | fields)
    assert answer.status_code == 303, answer.text


def test_a_teacher_walks_to_level_1_and_schedules_a_meeting_through_the_forms(
    site: Site,
) -> None:
    with site.client() as family:
        _log_in(family, GUARDIAN.id)
        _do(family, site.family, "give_consent", units=RELAY_LOG)
    with site.client() as client:
        _log_in(client, TEACHER.id)
        _do(client, site.family, "complete_step")
        _do(client, site.family, "complete_step")
        holder = {"baton_holder.id": TEACHER.id, "baton_holder.unit": TEACHER.unit}
        wish = {"family_wish": "Kontaktlæreren følger opp."}
        _do(client, site.family, "decide-expand-1", **holder, **wish)
        contact = {"person.id": TEACHER.id, "person.name": TEACHER.name}
        _do(
            client,
            site.family,
            "appoint_contact_person",
            **contact,
            **{"person.unit": TEACHER.unit},
        )
        _do(client, site.family, "complete_step")
        meeting = {"kind": "planning", "at": "2027-01-12T09:30", "place": "Møterom 2"}
        _do(client, site.family, "schedule_meeting", **meeting, **{"invitees.id": GUARDIAN.id})
        page = client.get(f"/saker/{site.family}")
    case = site.engine.case(site.family)
    assert case.level == 1
    scheduled = case.meetings[-1]
    assert (scheduled.kind, scheduled.place) == ("planning", "Møterom 2")
    assert scheduled.at.startswith("2027-01-12T09:30:00+01:00")
    assert [p.id for p in scheduled.invitees] == [GUARDIAN.id]
    assert "Planleggingsmøte, 12.01.2027" in page.text  # the meeting, to choose in later forms


def test_the_demo_cases_show_overdue_evaluations_first_and_every_page_renders(
    tmp_path: Path,
) -> None:
    """The cases of ``btiflow serve --demo`` (made months ago by the demo's clock): each
    person's "Mine saker" and every case page they can open render, overdue first."""
    store = str(tmp_path / "demo.db")
    guide = WORKFLOWS / "kafjord.yaml"
    engine, cases = run_demo(load_workflow(guide), store)
    engine.store.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    login = Login(url, cookie_secure=False, demo=True)
    settings = Settings(store, str(guide), ISSUER, AUDIENCE, "", login=login)
    with running(settings, port), httpx.Client(base_url=url, timeout=30) as client:
        page = _log_in(client, TEACHER.id)
        overdue = page.text.index("Evalueringer som er på overtid")
        assert page.text.index("Alle sakene dine") > overdue
        for person in (TEACHER, PRINCIPAL, NURSE, GUARDIAN):
            client.cookies.clear()
            listed = _log_in(client, person.id)
            for case in cases:
                if f'href="/saker/{case.id}"' in listed.text:
                    assert client.get(f"/saker/{case.id}").status_code == 200


def test_a_themed_service_shows_the_municipality_in_the_header(tmp_path: Path) -> None:
    theme = str(Path(__file__).parent.parent / "examples/nordvik/tema.yaml")
    store = str(tmp_path / "relay.db")
    open_store(store).close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    login = Login(url, cookie_secure=False, demo=True, theme=theme)
    settings = Settings(store, str(WORKFLOWS / "kafjord.yaml"), ISSUER, AUDIENCE, "", login=login)
    with running(settings, port), httpx.Client(base_url=url, timeout=30) as client:
        page = _log_in(client, TEACHER.id)
        css = client.get("/static/pages.css").text
    assert '<p class="municipality">Nordvik kommune</p>' in page.text
    assert css.startswith(":root {")
