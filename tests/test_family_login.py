"""The family's side of the web pages through the real providers of oidckit (httpx against
uvicorn on loopback): consent by the guide's services, ticked; the young person's own login;
the invitation mail's link, which lands on the case after login.

Nordvik's guide (examples/nordvik/veileder.yaml) names the services a family may consent to.
A consent naming any other is refused (422) and nothing is written; so is one naming none, in
the guide's words. From the self-consent age (15) the young person logs in through ID-porten
and is matched to their case by the keyed hash of their national id, registered in the case
(``register_young_person``), as a guardian is; a younger child is not matched at all. A
meeting scheduled on the pages invites by e-mail; the mail's one link is the case's page
(its opaque id only), and after login the person lands there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import oidckit as o
import pytest
from serverkit import written

from btiflow.case.consent import RELAY_LOG
from btiflow.case.people import Actor
from btiflow.store.outbox import Outbox

o.require_provider()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[o.Site]:
    with o.site(tmp_path_factory.mktemp("family")) as running:
        yield running


def _form(page: httpx.Response, key: str) -> dict[str, str]:
    """The hidden fields of the form ``key`` (csrf, position)."""
    found = re.search(rf'<form [^>]*id="{re.escape(key)}">(.*?)</form>', page.text, re.S)
    assert found, f"no form {key} on the page"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found[1]))


def _checkbox(page: httpx.Response, key: str, unit: str) -> str:
    """The name of the checkbox for ``unit`` in the form ``key``."""
    found = re.search(rf'<form [^>]*id="{re.escape(key)}">(.*?)</form>', page.text, re.S)
    assert found, f"no form {key} on the page"
    box = re.search(
        rf'type="checkbox" id="[^"]+" name="([^"]+)" value="{re.escape(unit)}"', found[1]
    )
    assert box, f"no checkbox for {unit}"
    return box[1]


@contextmanager
def _family(site: o.Site, account: str) -> Iterator[httpx.Client]:
    """A client logged in through ID-porten as ``account``."""
    with site.client() as client:
        page = o.log_in(client, "idporten", account, "idporten-loa-substantial")
        assert page.status_code == 200, page.text
        yield client


def test_a_guardian_gives_consent_for_the_health_station_by_ticking_it(site: o.Site) -> None:
    with _family(site, "foresatt-a") as client:
        page = client.get(f"/saker/{site.a}")
        assert page.status_code == 200
        assert 'type="checkbox"' in page.text
        assert "Helsestasjonen og skolehelsetjenesten" in page.text  # the guide's own name
        assert 'name="units" type="text"' not in page.text  # nothing to type
        box = _checkbox(page, "give_consent", "Helsestasjonen")
        data = _form(page, "give_consent") | {box: "Helsestasjonen"}
        done = client.post(f"/saker/{site.a}/handling/give_consent", data=data)
        assert done.status_code == 303, done.text
        shown = client.get(f"/saker/{site.a}").text
        assert "Foresatt A" in shown  # who has looked: the name the case records for her
        assert "nid:" not in shown
    consent = site.engine.case(site.a).consent_for("Helsestasjonen")
    assert consent is not None
    assert consent.status == "given"
    assert consent.by == o.KEY_A


@pytest.mark.parametrize(
    ("ticked", "said"),
    [
        ({"units.1": "Helsestasjon på Månen"}, "Veilederen nevner ikke tjenesten"),
        ({"units.0": RELAY_LOG, "units.9": "Ukjent tjeneste"}, "Ukjent tjeneste"),
        ({}, "den må fylles ut"),  # nothing ticked
    ],
)
def test_a_consent_naming_a_service_the_guide_does_not_is_refused_and_writes_nothing(
    site: o.Site, ticked: dict[str, str], said: str
) -> None:
    with _family(site, "foresatt-b") as client:
        page = client.get(f"/saker/{site.b}")
        before = written(site.engine)
        answer = client.post(
            f"/saker/{site.b}/handling/give_consent", data=_form(page, "give_consent") | ticked
        )
        assert answer.status_code == 422
        assert "Handlingen ble ikke utført" in answer.text
        assert said in answer.text
        assert written(site.engine) == before


def test_the_young_person_logs_in_and_sees_their_own_case(site: o.Site) -> None:
    with _family(site, "ungdom-c") as client:
        cases = client.get("/saker")
        assert f'href="/saker/{site.c}"' in cases.text
        for other in (site.a, site.b, site.d, site.e):
            assert f'href="/saker/{other}"' not in cases.text
        page = client.get(f"/saker/{site.c}")
        assert page.status_code == 200
        assert "Hvem har sett saken" in page.text  # the family's view, and their right of insight
        assert "Trekker seg unna" not in page.text  # the concern is the staff's
        assert 'id="give_consent"' in page.text  # from 15 they consent themselves
        assert "Innlogget med ID-porten" in page.text  # the header: no key for a name
        assert "nid:" not in page.text  # nor in who has looked: their own look is theirs
        assert "Ungdommen selv" in page.text
        assert client.get(f"/saker/{site.a}").status_code == 404
    seen = site.engine.store.access_log(site.c)
    assert (o.KEY_C, "child", "view:family") in [(r.actor, r.role, r.what) for r in seen]
    assert all(o.PID_C not in repr(r) for r in seen)


def test_a_child_below_the_self_consent_age_is_not_matched(site: o.Site) -> None:
    with _family(site, "barn-d") as client:
        cases = client.get("/saker")
        assert cases.status_code == 200
        assert f'href="/saker/{site.d}"' not in cases.text
        before = len(site.engine.store.access_log(site.d))
        assert client.get(f"/saker/{site.d}").status_code == 404
    assert len(site.engine.store.access_log(site.d)) == before  # not even a look


def _schedule_with_invitation(site: o.Site) -> str:
    """The teacher schedules a meeting on case e's page, inviting guardian A by e-mail; the
    mail's link."""
    meeting = {
        "kind": "planning",
        "at": "2027-01-12T09:30",
        "place": "Møterom 2",
        "invitees.id": o.KEY_A,
        "invitees.email": "foresatt.a@example.org",
    }
    with site.client() as staff:
        o.log_in(staff, "kommune", "laerer-a")
        page = staff.get(f"/saker/{site.e}")
        data = _form(page, "schedule_meeting") | meeting
        answer = staff.post(f"/saker/{site.e}/handling/schedule_meeting", data=data)
        assert answer.status_code == 303, answer.text
    outbox = Outbox(site.store)
    try:
        (row,) = [m for m in outbox.messages() if m.case_id == site.e]
    finally:
        outbox.close()
    assert row.address == "foresatt.a@example.org"
    text = row.text()
    link = f"{site.url}/saker/{site.e}"
    assert re.findall(r"https?://\S+", text) == [link]
    for secret in ("elev-0105", o.KEY_A, "Trekker seg unna", "Foresatt A"):
        assert secret not in text
    return link


def test_the_invitation_link_leads_to_the_case_after_login(site: o.Site) -> None:
    link = _schedule_with_invitation(site)
    with site.client() as client:
        first = client.get(link)
        assert first.status_code == 303
        assert first.headers["location"] == "/"  # to log in; the case waits in the session
        landed = o.log_in(client, "idporten", "foresatt-a", "idporten-loa-substantial")
        assert str(landed.url) == link
        assert landed.status_code == 200
        assert "Møterom 2" in landed.text  # the next meeting, on the family's page
    with site.client() as stranger:  # the link alone shows nothing
        stranger.get(link)
        other = o.log_in(stranger, "idporten", "foresatt-b", "idporten-loa-substantial")
        assert str(other.url) == link
        assert other.status_code == 404


@pytest.mark.parametrize("target", ["//example.org/x", "/saker/../logout", "/saker/a/b"])
def test_a_login_leads_only_to_a_case_page(site: o.Site, target: str) -> None:
    """Only ``/saker/<id>`` is remembered across the login (no open redirect)."""
    from btiflow.server.pages import CASE_PATH

    assert CASE_PATH.fullmatch(target) is None
    assert CASE_PATH.fullmatch(f"/saker/{site.a}") is not None


def test_the_young_person_writes_a_note_staff_read_it_the_guardian_does_not(site: o.Site) -> None:
    """From the family page, as the case's subject (16): the note is theirs, under their key and
    the role ``child``; the teacher reads it by their name, the guardian (limited from 16) not."""
    words = "Jeg vil helst ha møtene etter skoletid"
    with _family(site, "ungdom-c") as client:
        page = client.get(f"/saker/{site.c}")
        assert 'id="add_note"' in page.text
        assert "ikke av foresatte" in page.text  # who will read it, told at the form
        data = _form(page, "add_note") | {"text": words}
        done = client.post(f"/saker/{site.c}/handling/add_note", data=data)
        assert done.status_code == 303, done.text
        shown = client.get(f"/saker/{site.c}").text
        assert f"Ungdommen selv: {words}" in shown
        assert "nid:" not in shown
    (entry,) = [e for e in site.engine.log(site.c) if e.kind == "note_added"]
    assert (entry.actor, entry.role) == (o.KEY_C, "child")
    with site.client() as staff:
        o.log_in(staff, "kommune", "laerer-a")
        assert f"Ungdom C: {words}" in staff.get(f"/saker/{site.c}").text
    guardian = Actor("foresatt-uten-innlogging", "guardian")
    assert words not in repr(site.engine.view(site.c, guardian))
