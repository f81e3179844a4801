"""The overview page (``/oversikt``) with the real service and the real login: a line manager
and the BTI coordinator log in through the municipality's provider (oidckit) and see figures
only, linked from "Mine saker"; anyone else gets 403; "Mine saker" finds an offer of the baton
from the store's index. A nynorsk guide gives a nynorsk overview (the development login)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import casekit as k
import httpx
import oidckit as o
import pytest
from markupsafe import escape
from serverkit import AUDIENCE, ISSUER, free_port, running

from btiflow import Engine, load_workflow, open_store
from btiflow.demo import PRINCIPAL, TEACHER
from btiflow.server import Settings
from btiflow.server.settings import Login

o.require_provider()

WORKFLOWS = Path(__file__).parent.parent / "workflows"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[o.Site, dict[str, str]]]:
    """oidckit's two cases at level 0, and three more made months ago by the tests' clock: one
    overdue at level 1, one at level 2 offered to the nurse, one held by the nurse."""
    with o.site(tmp_path_factory.mktemp("overview-pages")) as running_site:
        engine = running_site.engine
        clock: k.Clock = engine.clock  # type: ignore[assignment]
        held = k.handed_to_nurse(engine, clock, "elev-0103").id
        offered = k.to_level_2(engine, subject="elev-0104").id
        engine.act(offered, "offer_baton", k.TEACHER, to=k.NURSE)
        overdue = k.with_measures(engine, clock, "elev-0105", clock.in_days(14)).id
        yield running_site, {"held": held, "offered": offered, "overdue": overdue}


@contextmanager
def _staff(site: o.Site, account: str) -> Iterator[httpx.Client]:
    with site.client() as client:
        landed = o.log_in(client, "kommune", account)
        assert landed.url.path == "/saker", landed.text
        yield client


def _as_the_service(site: o.Site) -> Engine:
    """The site's store read by the service's clock (now), not the tests' clock that made it."""
    return Engine(site.engine.workflow, site.engine.store)


def _figures(page: str) -> dict[str, int]:
    """The "needs follow-up" figures as the page gives them."""
    pairs = re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page)
    return {label: int(count) for label, count in pairs}


def _linked(page: str) -> set[str]:
    return set(re.findall(r'href="/saker/([0-9a-f]+)"', page))


def test_a_leader_finds_the_overview_in_mine_saker_and_sees_the_units_figures(
    site: tuple[o.Site, dict[str, str]],
) -> None:
    """The school's leader: a link from "Mine saker"; the school's cases counted (every one
    here was opened in the school), no case linked that they may not see (past level 0 a
    leader sees no case through leading the unit) and no subject named."""
    running_site, _ = site
    with _staff(running_site, "rektor-b") as client:
        mine = client.get("/saker")
        assert '<a href="/oversikt">Oversikt for Nordvik skole</a>' in mine.text
        page = client.get("/oversikt")
    assert page.status_code == 200
    assert "<h1>Oversikt for Nordvik skole</h1>" in page.text
    shown = _as_the_service(running_site).overview(k.LEADER)
    assert _figures(page.text) == {
        "Evalueringer på overtid": shown.total_overdue,
        "Evalueringer de neste sju dagene": shown.total_due_soon,
        "Tilbud om stafettpinnen uten svar": shown.total_offers,
    }
    assert shown.total_overdue >= 1
    assert shown.total_offers == 1
    assert f"<td>{shown.count()}</td></tr></tfoot>" in page.text
    assert _linked(page.text) == set()
    assert "elev-01" not in page.text
    assert "Ingen av sakene som trenger oppfølging, er saker du har tilgang til." in page.text


def test_the_coordinator_sees_the_municipalitys_figures_and_no_case(
    site: tuple[o.Site, dict[str, str]],
) -> None:
    """The BTI coordinator: every case counted, none linked, no subject, nothing in any
    case's access log."""
    running_site, _ = site
    engine = running_site.engine
    before = {c: len(engine.store.access_log(c)) for c in engine.store.case_ids()}
    with _staff(running_site, "bti-koordinator") as client:
        assert '<a href="/oversikt">Oversikt for kommunen</a>' in client.get("/saker").text
        page = client.get("/oversikt")
    assert page.status_code == 200
    assert "Tallene gjelder alle sakene i kommunen." in page.text
    every = len(engine.store.case_ids())
    assert f"<td>{every}</td></tr></tfoot>" in page.text
    assert _linked(page.text) == set()
    assert "elev-01" not in page.text
    assert {c: len(engine.store.access_log(c)) for c in engine.store.case_ids()} == before


def test_a_teacher_has_no_overview_and_no_link_to_one(
    site: tuple[o.Site, dict[str, str]],
) -> None:
    running_site, _ = site
    with _staff(running_site, "laerer-a") as client:
        assert "/oversikt" not in client.get("/saker").text
        refused = client.get("/oversikt")
    assert refused.status_code == 403
    assert "Nivå" not in refused.text


def test_a_unit_name_that_is_markup_comes_back_as_text(
    site: tuple[o.Site, dict[str, str]],
) -> None:
    """A leader whose unit (from the provider's claims) is markup: the link, the heading and
    the sentence on the overview give it escaped, never as markup."""
    running_site, _ = site
    with _staff(running_site, "leder-fiendtlig") as client:
        mine = client.get("/saker").text
        page = client.get("/oversikt").text
    escaped = str(escape(o.HOSTILE_UNIT))  # as Jinja's autoescape writes it
    assert f'<a href="/oversikt">Oversikt for {escaped}</a>' in mine
    assert f"<h1>Oversikt for {escaped}</h1>" in page
    assert page.count(escaped) >= 3  # the title, the heading, the sentence
    for text in (mine, page):
        assert "<script>" not in text
        assert "<b>" not in text


def test_the_overview_needs_a_login(site: tuple[o.Site, dict[str, str]]) -> None:
    running_site, _ = site
    with running_site.client() as client:
        answer = client.get("/oversikt")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_mine_saker_lists_the_offer_awaiting_the_nurse(
    site: tuple[o.Site, dict[str, str]],
) -> None:
    """The nurse's offer comes first in "Mine saker", found by the store's index; she has no
    overview (an employee)."""
    running_site, made = site
    with _staff(running_site, "helsesyk-e") as client:
        mine = client.get("/saker")
    offers = mine.text.index("Tilbud om stafettpinnen som venter på svar fra deg")
    assert mine.text.index(f'href="/saker/{made["offered"]}"') > offers
    assert "/oversikt" not in mine.text


def test_a_nynorsk_guide_gives_a_nynorsk_overview(tmp_path: Path) -> None:
    """Nore og Uvdal's guide is in nynorsk: so is the principal's overview."""
    store = str(tmp_path / "relay.db")
    guide = WORKFLOWS / "nore-og-uvdal.yaml"
    engine = Engine(load_workflow(guide), open_store(store))
    engine.open_case("elev-0301", TEACHER, concern="Trekkjer seg unna.")
    engine.store.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    login = Login(url, cookie_secure=False, demo=True)
    settings = Settings(store, str(guide), ISSUER, AUDIENCE, "", login=login)
    with running(settings, port), httpx.Client(base_url=url, timeout=30) as client:
        start = client.get("/")
        token = re.search(r'name="csrf" value="([^"]+)"', start.text)
        assert token
        client.post("/demo/login", data={"csrf": token.group(1), "person": PRINCIPAL.id})
        page = client.get("/oversikt")
    assert page.status_code == 200
    assert f"<h1>Oversikt for {PRINCIPAL.unit}</h1>" in page.text
    assert "Tala gjeld sakene som er melde i" in page.text
    assert "Evalueringar på overtid" in page.text
    assert "Avslutta" in page.text
    assert "<td>1</td></tr></tfoot>" in page.text
