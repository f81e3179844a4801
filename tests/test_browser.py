"""The rendered guide in a real browser: Debian's Chromium, headless, driven by Playwright.

Every page is served over http on 127.0.0.1, loaded, checked for console errors and failed
requests, for the titles from the YAML, and with axe-core (injected from npm's package) for
accessibility: no serious or critical violation. .ci/run installs chromium and axe-core; outside
CI (env CI=true) the tests skip when chromium is missing, and say so.

Set BTIFLOW_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots/ from these runs.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from casekit import GUARDIAN, closed_at_level_0, make_engine, plan, to_level_1

from btiflow.render.casepage import case_page
from btiflow.render.site import render_site
from btiflow.views import FamilyView
from btiflow.workflow.load import load_workflow

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI") == "true"
AXE = Path(os.environ.get("BTIFLOW_AXE", "/tmp/btiflow-axe/node_modules/axe-core/axe.min.js"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"

if not CHROMIUM.exists() and not IN_CI:
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium; .ci/run does it)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kåfjord in bokmål with its North Sámi texts; Nore og Uvdal in nynorsk with bokmål."""
    root = tmp_path_factory.mktemp("www")
    render_site(load_workflow("kafjord"), root / "kafjord", ("nb", "se"))
    render_site(load_workflow("nore-og-uvdal"), root / "nou", ("nn", "nb"))
    return root


@pytest.fixture(scope="module")
def server(sites: Path) -> Iterator[str]:
    """An http server on 127.0.0.1 (a free port) serving the rendered sites."""
    handler = functools.partial(_Quiet, directory=str(sites))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium; never a browser Playwright downloads."""
    assert AXE.is_file(), (
        f"axe-core not found at {AXE}: npm install --no-save --prefix /tmp/btiflow-axe "
        "axe-core@4, or set BTIFLOW_AXE to its axe.min.js"
    )
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class _Visit:
    """A page opened in a fresh tab, with every console error and failed request collected."""

    def __init__(self, browser: Browser, url: str, width: int = 1200) -> None:
        self.page: Page = browser.new_page(viewport={"width": width, "height": 900})
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on(
            "response",
            lambda r: self.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )
        response = self.page.goto(url)
        assert response is not None
        assert response.ok, url

    def axe(self) -> list[str]:
        """Serious and critical axe-core violations, as 'rule: element' lines."""
        self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ')))"""
        )
        return list(violations)

    def close(self) -> None:
        self.page.close()


def _pages(sites: Path) -> list[str]:
    return sorted(
        p.relative_to(sites).as_posix()
        for guide in ("kafjord", "nou")
        for p in (sites / guide).rglob("*.html")
    )


def test_every_page_loads_cleanly_and_passes_axe(
    browser: Browser, server: str, sites: Path, tmp_path: Path
) -> None:
    """Each rendered page loads with no console error or failed request and no serious axe issue."""
    pages = _pages(sites)
    assert len(pages) == 2 + 2 * 2 * 5  # two roots, two languages each, start + four levels
    for name in pages:
        visit = _Visit(browser, f"{server}/{name}")
        if name.count("/") == 1:  # the root redirects to the first language
            guide = name.split("/")[0]
            first = {"kafjord": "nb", "nou": "nn"}[guide]
            visit.page.wait_for_url(f"{server}/{guide}/{first}/index.html")
        assert visit.axe() == [], name
        assert visit.problems == [], name
        visit.page.screenshot(
            path=str(tmp_path / (name.replace("/", "_") + ".png")), full_page=True
        )
        visit.close()


def test_start_page_shows_the_yaml_titles(browser: Browser, server: str, tmp_path: Path) -> None:
    """The start page's heading, principles and level links are the YAML's own texts."""
    workflow = load_workflow("kafjord")
    visit = _Visit(browser, f"{server}/kafjord/nb/index.html")
    page = visit.page
    assert page.locator("h1").inner_text() == workflow.title["nb"]
    for principle in workflow.principles:
        assert page.get_by_role("heading", name=principle.title["nb"], exact=True).is_visible()
    for level in workflow.levels:
        link = page.get_by_role("link", name=f"Nivå {level.level}: {level.title['nb']}")
        assert link.first.is_visible()
    assert page.get_by_role("img", name="Nivåene og avgjørelsene mellom dem").is_visible()
    shot = tmp_path / "guide-start.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("BTIFLOW_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / "guide-start.png")
    visit.close()


def test_level_pages_show_every_numbered_step(browser: Browser, server: str) -> None:
    """Each level page's step headings are '<n>. title' from the YAML, in order."""
    workflow = load_workflow("nore-og-uvdal")
    for level in workflow.levels:
        visit = _Visit(browser, f"{server}/nou/nn/niva-{level.level}.html")
        headings = [" ".join(t.split()) for t in visit.page.locator("li.step h2").all_inner_texts()]
        assert headings == [f"{n}. {s.title['nn']}" for n, s in enumerate(level.steps, 1)]
        visit.close()


def test_language_switch_goes_to_the_same_page_in_the_other_language(
    browser: Browser, server: str
) -> None:
    """From level 1 in nynorsk, 'Norsk bokmål' opens level 1 in bokmål, and back again."""
    workflow = load_workflow("nore-og-uvdal")
    visit = _Visit(browser, f"{server}/nou/nn/niva-1.html")
    page = visit.page
    assert page.locator("html").get_attribute("lang") == "nn"
    page.get_by_role("navigation", name="Språk").get_by_role("link", name="Norsk bokmål").click()
    page.wait_for_url("**/nou/nb/niva-1.html")
    assert page.locator("html").get_attribute("lang") == "nb"
    first = workflow.level(1).steps[0]
    assert page.locator(f"#{first.id} h2").inner_text().endswith(first.title["nb"])
    # a question Nore og Uvdal gives only in nynorsk is shown so, and marked as nynorsk
    question = page.locator("ul.checklist li[lang=nn]").first
    assert question.is_visible()
    page.get_by_role("link", name="Norsk nynorsk").click()
    page.wait_for_url("**/nou/nn/niva-1.html")
    assert page.locator("h1").inner_text().endswith(workflow.level(1).title["nn"])
    visit.close()


def test_keyboard_skip_link_and_visible_focus(browser: Browser, server: str) -> None:
    """The first Tab shows the skip link; Enter moves to the main content; focus is outlined."""
    visit = _Visit(browser, f"{server}/kafjord/nb/niva-0.html")
    page = visit.page
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Hopp til hovedinnholdet"
    box = page.locator("a.skip").bounding_box()
    assert box is not None
    assert box["y"] >= 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    visit.close()


def test_phone_width_and_print(browser: Browser, server: str, tmp_path: Path) -> None:
    """At 360 px nothing scrolls sideways; printed, the navigation is gone and A4 is asked for."""
    visit = _Visit(browser, f"{server}/kafjord/nb/niva-1.html", width=360)
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("nav.pages").is_hidden()
    assert page.locator("a.skip").is_hidden()
    pdf = page.pdf(path=str(tmp_path / "level-1.pdf"), prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert sizes
    assert all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in sizes)  # A4
    visit.close()


def test_a_phone_gets_the_content_in_view_and_the_diagram_as_a_list(
    browser: Browser, server: str
) -> None:
    """At 360 px the menu is short (levels by number) and the page's heading is in view; the
    diagram, unreadable at that width, gives way to the same moves as a list; a step with no
    text is one heading, not an empty box. Each page still passes axe there."""
    for path in ("kafjord/nb/niva-1.html", "kafjord/se/niva-1.html", "nou/nn/niva-1.html"):
        visit = _Visit(browser, f"{server}/{path}", width=360)
        page = visit.page
        heading = page.locator("main h1").bounding_box()
        assert heading is not None
        assert heading["y"] < 300, (path, heading)  # of a 900 px high screen: above the fold
        links = page.locator("nav.pages a")
        assert links.count() == 5
        assert all(links.nth(i).is_visible() for i in range(5))
        assert page.locator("nav.pages a", has_text="1").inner_text().strip() in (
            "Nivå 1",
            "Dássi 1",
        )
        assert visit.axe() == []
        visit.close()
    visit = _Visit(browser, f"{server}/kafjord/nb/index.html", width=360)
    page = visit.page
    assert page.locator("figure.diagram").is_hidden()
    moves = page.locator("#diagram ~ details li")
    assert moves.count() > 5
    assert moves.first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert visit.axe() == []
    visit.close()
    wide = _Visit(browser, f"{server}/kafjord/nb/index.html", width=1200)
    assert wide.page.locator("figure.diagram svg").is_visible()
    assert "Tidlig innsats" in wide.page.locator("nav.pages").inner_text()
    wide.close()
    visit = _Visit(browser, f"{server}/kafjord/nb/niva-0.html", width=360)
    bare = visit.page.locator("li.step.bare")
    assert bare.count() >= 1
    for i in range(bare.count()):
        step, title = bare.nth(i).bounding_box(), bare.nth(i).locator("h2").bounding_box()
        assert step is not None
        assert title is not None
        assert step["height"] - title["height"] < 32  # the title and its margins, nothing else
    visit.close()


def test_the_accessibility_check_can_fail(browser: Browser) -> None:
    """axe-core, as injected here, reports a button without a name as critical."""
    page = browser.new_page()
    page.set_content('<html lang="nb"><title>x</title><main><button></button></main></html>')
    visit = _Visit.__new__(_Visit)
    visit.page = page
    assert any(v.startswith("button-name:") for v in visit.axe())
    page.close()


def test_case_page_in_the_browser(
    browser: Browser, server: str, sites: Path, tmp_path: Path
) -> None:
    """The family's page shows the current step and baton holder, passes axe, prints on A4."""
    engine, clock = make_engine(tmp_path, "kafjord")
    case = to_level_1(engine)
    plan(engine, case.id, days=14)
    view = engine.view(case.id, GUARDIAN)
    assert isinstance(view, FamilyView)
    case = engine.case(case.id)
    html = case_page(engine.workflow_of(case), view, case.step, printed=clock.now)
    (sites / "case").mkdir(exist_ok=True)
    (sites / "case" / "side.html").write_text(html, encoding="utf-8")
    visit = _Visit(browser, f"{server}/case/side.html", width=900)
    page = visit.page
    assert visit.axe() == []
    assert visit.problems == []
    here = page.locator("[aria-current=step]")
    assert here.inner_text() == "▶ 3. Iverksett tiltak (Her er saken nå)"
    assert page.get_by_role("heading", name="Stafettholder").is_visible()
    assert "Lærer A" in page.locator("#baton + p").inner_text()
    shot = tmp_path / "case-page.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("BTIFLOW_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, SCREENSHOTS / "case-page.png")
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert sizes
    assert all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in sizes)  # A4
    visit.close()


def test_case_page_on_a_phone_heads_without_an_id_and_a_closed_case_asks_nothing(
    browser: Browser, server: str, sites: Path, tmp_path: Path
) -> None:
    """At 360 px the family's page heads "Stafettlogg", not a hex id (the id is a reference in
    the foot); a closed case does not say the baton holder moves it on. It passes axe."""
    engine, clock = make_engine(tmp_path, "kafjord")
    case = closed_at_level_0(engine)
    view = engine.view(case.id, GUARDIAN)
    assert isinstance(view, FamilyView)
    html = case_page(engine.workflow_of(case), view, case.step, is_open=False, printed=clock.now)
    (sites / "case").mkdir(exist_ok=True)
    (sites / "case" / "lukket.html").write_text(html, encoding="utf-8")
    visit = _Visit(browser, f"{server}/case/lukket.html", width=360)
    page = visit.page
    assert visit.axe() == []
    assert visit.problems == []
    assert page.locator("h1").inner_text() == "Stafettlogg"
    assert case.id not in page.title()
    assert f"Saksreferanse: {case.id}." in page.locator("footer").inner_text()
    text = page.locator("body").inner_text()
    assert "har ansvaret for at saken går videre" not in text
    assert "Saken er avsluttet, så ingen har lenger ansvar for å føre den videre." in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    visit.close()


THEME = ROOT / "examples" / "nordvik" / "tema.yaml"
NORDVIK_GREEN = "rgb(29, 92, 58)"  # primary and link in examples/nordvik/tema.yaml


@pytest.fixture(scope="module")
def themed(sites: Path) -> Path:
    """The national guide, in bokmål and nynorsk, with Nordvik kommune's theme (the example)."""
    render_site(load_workflow("bti"), sites / "nordvik", ("nb", "nn"), THEME)
    return sites / "nordvik"


def _shows_the_theme(visit: _Visit) -> None:
    """The municipality's name and logo are visible, the logo loaded, its colours applied."""
    page = visit.page
    strip = page.locator("header .municipality")
    assert strip.is_visible()
    assert strip.inner_text().strip() == "Nordvik kommune"
    logo = strip.locator("img")
    assert logo.is_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    style = "(e, p) => getComputedStyle(e)[p]"
    assert strip.evaluate(style, "backgroundColor") == NORDVIK_GREEN
    assert strip.evaluate(style, "color") == "rgb(255, 255, 255)"
    assert page.locator("a.skip").evaluate(style, "color") == NORDVIK_GREEN


def test_a_themed_site_shows_the_municipality_and_passes_axe(
    browser: Browser, server: str, themed: Path, tmp_path: Path
) -> None:
    """Every page of a site rendered with a theme loads cleanly, shows the municipality's name
    and logo in its colours, and has no serious or critical axe violation; at 360 px nothing
    scrolls sideways and the page's heading is still in view."""
    names = sorted(p.relative_to(themed).as_posix() for p in themed.rglob("*.html"))
    assert len(names) == 1 + 2 * 5
    for name in names:
        if name == "index.html":
            continue  # the root moves on to nb/index.html at once
        visit = _Visit(browser, f"{server}/nordvik/{name}")
        _shows_the_theme(visit)
        assert visit.axe() == [], name
        assert visit.problems == [], name
        visit.close()
    for name in ("nb/index.html", "nn/niva-1.html"):
        visit = _Visit(browser, f"{server}/nordvik/{name}", width=360)
        page = visit.page
        _shows_the_theme(visit)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        heading = page.locator("main h1").bounding_box()
        assert heading is not None
        assert heading["y"] < 360, (name, heading)  # of a 900 px high screen: above the fold
        assert visit.axe() == [], name
        page.screenshot(path=str(tmp_path / f"themed-{name.replace('/', '-')}.png"), full_page=True)
        visit.close()


def test_a_themed_case_page_shows_the_municipality_and_passes_axe(
    browser: Browser, server: str, sites: Path, tmp_path: Path
) -> None:
    """The family's page with the theme: name and logo (inlined: the page stays one file) in
    the municipality's colours, no serious axe violation, usable at 360 px."""
    engine, clock = make_engine(tmp_path, "kafjord")
    case = to_level_1(engine)
    plan(engine, case.id, days=14)
    view = engine.view(case.id, GUARDIAN)
    assert isinstance(view, FamilyView)
    case = engine.case(case.id)
    html = case_page(engine.workflow_of(case), view, case.step, printed=clock.now, theme=THEME)
    assert 'src="data:image/svg+xml;base64,' in html
    (sites / "case").mkdir(exist_ok=True)
    (sites / "case" / "nordvik.html").write_text(html, encoding="utf-8")
    for width in (900, 360):
        visit = _Visit(browser, f"{server}/case/nordvik.html", width=width)
        _shows_the_theme(visit)
        assert visit.axe() == []
        assert visit.problems == []
        assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
        visit.close()
