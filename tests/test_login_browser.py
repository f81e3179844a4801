"""The login in a real browser (Debian's chromium) against the real providers of oidckit: a
teacher and a guardian log in, see "Mine saker" and a case, and log out; the guardian ticks
the health station to consent; a young person over the self-consent age sees their case, a
younger one is not matched; the invitation mail's link lands on the case after login. Every
page of ours loads with no console error (a Content-Security-Policy violation is one), has no
serious or critical axe-core violation, fits 360 px, and its forms are reachable by keyboard."""

from __future__ import annotations

import re
from collections.abc import Iterator

import browserkit as b
import oidckit as o
import pytest

from btiflow.store.outbox import Outbox

b.require_chromium(o.IN_CI)
o.require_provider()

from playwright.sync_api import Browser, Page  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[o.Site]:
    with o.site(tmp_path_factory.mktemp("login-browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from b.launched()


def _watched(browser: Browser, site: o.Site) -> tuple[Page, list[str]]:
    """A new tab, and every console error, page error and failed request of our pages (the
    providers' own pages are theirs)."""
    return b.watched(browser, site.url, 1200, 800)


def _check(page: Page) -> None:
    """axe-core (run through the debugger, so the page's CSP stays as it is), 360 px, keyboard."""
    b.passes_axe_and_fits_a_phone(page)
    buttons = page.locator("button").count()
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        active = "document.activeElement.tagName + ' ' + document.activeElement.textContent"
        reached.add(page.evaluate(active))
    assert sum(r.startswith("BUTTON ") for r in reached) == buttons, page.url


def test_a_teacher_logs_in_sees_a_case_and_logs_out(browser: Browser, site: o.Site) -> None:
    page, problems = _watched(browser, site)
    page.goto(site.url + "/")
    _check(page)
    page.get_by_role("link", name="Logg inn som ansatt i kommunen").click()
    page.locator("select[name=account]").select_option("laerer-a")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"{site.url}/saker")
    assert page.locator("h1").inner_text() == "Mine saker"
    _check(page)
    page.get_by_role("link", name="elev-0101").click()
    page.wait_for_url(f"{site.url}/saker/{site.a}")
    _check(page)
    page.locator("#add_note").get_by_label("Tekst").fill("Skrevet i nettleseren")
    page.get_by_role("button", name="Skriv et notat").click()
    page.wait_for_url(f"{site.url}/saker/{site.a}")
    assert page.get_by_text("Skrevet i nettleseren").is_visible()
    assert problems == [], "\n".join(problems)
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(f"{site.kommune}/session/end**")  # the provider's page, not ours
    page.goto(site.url + "/saker")
    assert page.url == site.url + "/"  # the session is over
    page.close()


def test_a_guardian_logs_in_through_id_porten_and_sees_her_case(
    browser: Browser, site: o.Site
) -> None:
    page, problems = _watched(browser, site)
    page.goto(site.url + "/")
    page.get_by_role("link", name="Logg inn med ID-porten (foresatte og ungdom)").click()
    page.locator("select[name=account]").select_option("foresatt-a")
    page.locator("select[name=acr]").select_option("idporten-loa-high")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"{site.url}/saker")
    assert page.get_by_role("link", name="elev-0101").is_visible()
    assert page.get_by_role("link", name="elev-0102").count() == 0
    page.get_by_role("link", name="elev-0101").click()
    _check(page)
    assert problems == [], "\n".join(problems)
    page.close()


def test_a_guardian_gives_consent_on_the_family_page_and_sees_who_has_looked(
    browser: Browser, site: o.Site
) -> None:
    page, problems = _watched(browser, site)
    page.goto(site.url + "/")
    page.get_by_role("link", name="Logg inn med ID-porten (foresatte og ungdom)").click()
    page.locator("select[name=account]").select_option("foresatt-a")
    page.locator("select[name=acr]").select_option("idporten-loa-substantial")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"{site.url}/saker")
    page.get_by_role("link", name="elev-0101").click()
    page.wait_for_url(f"{site.url}/saker/{site.a}")
    page.locator("#give_consent").get_by_label("Helsestasjonen og skolehelsetjenesten").check()
    page.get_by_role("button", name="Gi samtykke").click()
    page.wait_for_url(f"{site.url}/saker/{site.a}")
    assert page.get_by_role("heading", name="Hvem har sett saken").is_visible()
    assert page.locator("li", has_text="Helsestasjonen").first.is_visible()
    _check(page)
    assert problems == [], "\n".join(problems)
    page.close()


def _id_porten(page: Page, site: o.Site, account: str) -> None:
    """Through ID-porten's login, as ``account``."""
    page.get_by_role("link", name="Logg inn med ID-porten (foresatte og ungdom)").click()
    page.locator("select[name=account]").select_option(account)
    page.locator("select[name=acr]").select_option("idporten-loa-substantial")
    page.get_by_role("button", name="Logg inn").click()


def test_a_young_person_over_the_self_consent_age_logs_in_and_sees_their_case(
    browser: Browser, site: o.Site
) -> None:
    page, problems = _watched(browser, site)
    page.goto(site.url + "/")
    _id_porten(page, site, "ungdom-c")
    page.wait_for_url(f"{site.url}/saker")
    assert page.get_by_role("link", name="elev-0101").count() == 0
    page.get_by_role("link", name="elev-0103").click()
    page.wait_for_url(f"{site.url}/saker/{site.c}")
    assert page.get_by_role("heading", name="Hvem har sett saken").is_visible()
    assert page.locator("#give_consent").is_visible()  # from 15 their own consent
    _check(page)
    assert problems == [], "\n".join(problems)
    page.close()


def test_a_younger_child_is_not_matched_to_the_case(browser: Browser, site: o.Site) -> None:
    page, _ = _watched(browser, site)
    page.goto(site.url + "/")
    _id_porten(page, site, "barn-d")
    page.wait_for_url(f"{site.url}/saker")
    assert page.get_by_role("link", name="elev-0104").count() == 0
    _check(page)
    answer = page.goto(f"{site.url}/saker/{site.d}")
    assert answer is not None
    assert answer.status == 404
    page.close()


def test_the_invitation_link_lands_on_the_case_after_login(browser: Browser, site: o.Site) -> None:
    """The teacher schedules a meeting on the case page and invites guardian A by e-mail; the
    mail's link, opened in another browser, asks for a login and then shows that case."""
    staff, problems = _watched(browser, site)
    staff.goto(site.url + "/")
    staff.get_by_role("link", name="Logg inn som ansatt i kommunen").click()
    staff.locator("select[name=account]").select_option("laerer-a")
    staff.get_by_role("button", name="Logg inn").click()
    staff.wait_for_url(f"{site.url}/saker")
    staff.goto(f"{site.url}/saker/{site.e}")
    form = staff.locator("#schedule_meeting")
    form.locator("select[name=kind]").select_option("planning")
    form.locator("input[name=at]").fill("2027-01-12T09:30")
    form.locator("input[name=place]").fill("Møterom 2")
    form.locator('input[name="invitees.id"]').fill(o.KEY_A)
    form.locator('input[name="invitees.email"]').fill("foresatt.a@example.org")
    form.get_by_role("button").click()
    staff.wait_for_url(f"{site.url}/saker/{site.e}")
    assert problems == [], "\n".join(problems)
    staff.close()
    outbox = Outbox(site.store)
    try:
        (row,) = [m for m in outbox.messages() if m.case_id == site.e and m.kind == "invitation"]
    finally:
        outbox.close()
    (link,) = re.findall(r"https?://\S+", row.text())
    assert link == f"{site.url}/saker/{site.e}"
    page, problems = _watched(browser, site)  # a new browser context: no session
    page.goto(link)
    page.wait_for_url(f"{site.url}/")
    _id_porten(page, site, "foresatt-a")
    page.wait_for_url(link)
    assert "Møterom 2" in page.locator("main").inner_text()
    _check(page)
    assert problems == [], "\n".join(problems)
    page.close()
