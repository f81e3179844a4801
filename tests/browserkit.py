"""What the browser walks of the web pages share (tests/test_login_browser.py,
tests/test_overview_browser.py): Debian's chromium through Playwright (never Playwright's own
download), axe-core as .ci/run installs it, a tab watched for errors of our pages, and the
checks every page passes (no serious or critical axe violation, fits 360 px)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(os.environ.get("BTIFLOW_AXE", "/tmp/btiflow-axe/node_modules/axe-core/axe.min.js"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def require_chromium(in_ci: bool) -> None:
    """Skip the calling test module outside CI when chromium is missing; in CI, go on and fail."""
    if not CHROMIUM.exists() and not in_ci:
        reason = "Debian's chromium is not installed (.ci/run installs it)"
        pytest.skip(reason, allow_module_level=True)


from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright  # noqa: E402


def launched() -> Iterator[Browser]:
    """Debian's chromium, for a module-scoped ``browser`` fixture to yield from."""
    assert AXE.is_file(), f"axe-core not found at {AXE} (.ci/run installs it)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def watched(browser: Browser, base: str, width: int, height: int) -> tuple[Page, list[str]]:
    """A new tab, and every console error, page error and failed request of our pages (those
    under ``base``; the providers' own pages are theirs)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []

    def ours(url: str) -> bool:
        return url.startswith(base + "/")

    def console(message: ConsoleMessage) -> None:
        where = str(message.location.get("url", ""))
        if message.type == "error" and ours(where):
            problems.append(f"{message.text} ({where})")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(f"{e} ({page.url})") if ours(page.url) else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}") if ours(r.url) else None)
    return page, problems


def passes_axe_and_fits_a_phone(page: Page) -> None:
    """axe-core (run through the debugger, so the page's CSP stays as it is): no serious or
    critical violation; at 360 px nothing is wider than the screen. The viewport is put back."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    serious = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ')))"""
    )
    assert serious == [], page.url
    size = page.viewport_size
    assert size is not None
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    page.set_viewport_size(size)
