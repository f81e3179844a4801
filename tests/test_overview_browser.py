"""The overview in a real browser (Debian's chromium): a line manager and the BTI coordinator
log in through the real municipality provider (oidckit), go from "Mine saker" to their
overview, and the page loads with no console error, no serious or critical axe-core
violation, fits 360 px and is usable by keyboard. The demo's pages with Nordvik's theme (the
staff case page, the family page, the overview) pass the same checks; with
BTIFLOW_UPDATE_SCREENSHOTS=1 they refresh docs/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import browserkit as b
import oidckit as o
import pytest
from serverkit import AUDIENCE, ISSUER, free_port, running

from btiflow import load_workflow
from btiflow.demo import GUARDIAN, PRINCIPAL, TEACHER, run_demo
from btiflow.server import Settings
from btiflow.server.settings import Login

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
THEME = ROOT / "examples" / "nordvik" / "tema.yaml"

b.require_chromium(o.IN_CI)
o.require_provider()

from playwright.sync_api import Browser, Page  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[o.Site]:
    with o.site(tmp_path_factory.mktemp("overview-browser")) as running_site:
        yield running_site


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from b.launched()


def _watched(browser: Browser, base: str) -> tuple[Page, list[str]]:
    """A new tab (1000 × 900, as the screenshots), and every console error, page error and
    failed request of our pages."""
    return b.watched(browser, base, 1000, 900)


def _check(page: Page) -> None:
    """axe-core (run through the debugger, so the page's CSP stays as it is), 360 px, keyboard."""
    b.passes_axe_and_fits_a_phone(page)
    links = page.locator("main a").count()
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.closest('main') ? "
                                  "document.activeElement.outerHTML : ''"))  # fmt: skip
    assert sum(r.startswith("<a ") for r in reached) == links, page.url


def _staff_login(page: Page, site: o.Site, account: str) -> None:
    page.goto(site.url + "/")
    page.get_by_role("link", name="Logg inn som ansatt i kommunen").click()
    page.locator("select[name=account]").select_option(account)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"{site.url}/saker")


def test_a_leader_goes_from_mine_saker_to_the_units_overview(
    browser: Browser, site: o.Site
) -> None:
    page, problems = _watched(browser, site.url)
    _staff_login(page, site, "rektor-b")
    page.get_by_role("link", name="Oversikt for Nordvik skole").click()
    page.wait_for_url(f"{site.url}/oversikt")
    assert page.locator("h1").inner_text() == "Oversikt for Nordvik skole"
    assert page.get_by_role("table", name="Antall saker etter nivå og status").is_visible()
    assert page.get_by_role("rowheader", name="I alt").is_visible()
    _check(page)
    assert problems == [], "\n".join(problems)
    page.close()


def test_the_coordinator_sees_the_municipalitys_overview(browser: Browser, site: o.Site) -> None:
    page, problems = _watched(browser, site.url)
    _staff_login(page, site, "bti-koordinator")
    page.get_by_role("link", name="Oversikt for kommunen").click()
    page.wait_for_url(f"{site.url}/oversikt")
    assert "Tallene gjelder alle sakene i kommunen." in page.locator("main").inner_text()
    assert page.locator("main a[href^='/saker/']").count() == 0
    _check(page)
    assert problems == [], "\n".join(problems)
    page.close()


def _demo_login(page: Page, base: str, person: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/")
    page.locator("select[name=person]").select_option(person)
    page.get_by_role("button", name="Logg inn som denne personen").click()
    page.wait_for_url(f"{base}/saker")


def test_the_themed_demo_pages_pass_and_make_the_screenshots(
    browser: Browser, tmp_path: Path
) -> None:
    """``btiflow serve --demo`` with Nordvik's theme: the teacher's case page, the guardian's
    family page and the principal's overview (of the demo's case with an evaluation coming)."""
    store = str(tmp_path / "demo.db")
    guide = ROOT / "workflows" / "kafjord.yaml"
    engine, cases = run_demo(load_workflow(guide), store)
    engine.store.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    login = Login(base, cookie_secure=False, demo=True, theme=str(THEME))
    settings = Settings(store, str(guide), ISSUER, AUDIENCE, "", login=login)
    shots = {
        "staff-case-page.png": (TEACHER.id, f"/saker/{cases[1].id}"),
        "family-page.png": (GUARDIAN.id, f"/saker/{cases[1].id}"),
        "overview.png": (PRINCIPAL.id, "/oversikt"),
    }
    with running(settings, port):
        page, problems = _watched(browser, base)
        for name, (person, path) in shots.items():
            _demo_login(page, base, person)
            page.goto(base + path)
            assert page.locator(".municipality").inner_text() == "Nordvik kommune"
            shot = tmp_path / name
            page.screenshot(path=str(shot))
            _check(page)
            if os.environ.get("BTIFLOW_UPDATE_SCREENSHOTS"):
                shutil.copyfile(shot, SCREENSHOTS / name)
        overview = page.locator("main").inner_text()
        assert re.search(r"Oversikt for Olderdalen skole", page.locator("h1").inner_text())
        assert "demo-elev" not in overview
        assert problems == [], "\n".join(problems)
        page.close()
