"""`btiflow render`: the guide's web site as files — structure, languages, accessibility markup.

These read the HTML as a parser does; tests/test_browser.py loads the same pages in Chromium.
"""

from __future__ import annotations

import itertools
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.render.site import render_site, site_languages
from btiflow.workflow.load import load_workflow

ROOT = Path(__file__).resolve().parent.parent
VOID = {"meta", "link", "br", "img", "input", "hr", "path", "rect", "stop"}


class _Page(HTMLParser):
    """Collects what the checks need: headings, landmarks, lang of each text, links."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.html_lang: str | None = None
        self.headings: list[tuple[int, str]] = []
        self.landmarks: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.texts: list[tuple[str, str | None]] = []  # (text, nearest lang)
        self._heading: list[str] | None = None
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "script":
            self.scripts += 1
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag in {"header", "nav", "main", "footer"}:
            self.landmarks.append(tag)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self._heading = []
            self.headings.append((int(tag[1]), ""))
        if tag not in VOID:
            parent = self.stack[-1][1] if self.stack else None
            self.stack.append((tag, a.get("lang") or parent))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag.startswith("h") and tag[1:].isdigit() and self._heading is not None:
            level, _ = self.headings[-1]
            self.headings[-1] = (level, " ".join("".join(self._heading).split()))
            self._heading = None
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if data.strip():
            self.texts.append((" ".join(data.split()), self.stack[-1][1] if self.stack else None))

    def lang_of(self, text: str) -> str | None:
        """The lang in force where ``text`` (a whole text node) appears."""
        return next(lang for value, lang in self.texts if value == text)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def kafjord_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    render_site(load_workflow("kafjord"), out, ("nb", "se"))
    return out


def test_site_has_a_start_page_and_a_page_per_level(kafjord_site: Path) -> None:
    """nb/ holds index.html and niva-0..3.html; one style.css at the root; no script anywhere."""
    names = sorted(p.relative_to(kafjord_site).as_posix() for p in kafjord_site.rglob("*.html"))
    expected = ["index.html"] + [
        f"{lang}/{n}"
        for lang in ("nb", "se")
        for n in ["index.html"] + [f"niva-{i}.html" for i in range(4)]
    ]
    assert names == sorted(expected)
    assert (kafjord_site / "style.css").is_file()
    assert list(kafjord_site.rglob("*.css")) == [kafjord_site / "style.css"]
    for path in kafjord_site.rglob("*.html"):
        assert _parse(path).scripts == 0, path


def test_start_page_shows_title_intro_principles_and_levels(kafjord_site: Path) -> None:
    """The start page names the guide, its principles and its four levels, linked to their pages."""
    workflow = load_workflow("kafjord")
    page = _parse(kafjord_site / "nb" / "index.html")
    assert page.headings[0] == (1, workflow.title["nb"])
    headings = [text for _, text in page.headings]
    for principle in workflow.principles:
        assert principle.title["nb"] in headings
    for level in workflow.levels:
        assert f"Nivå {level.level}: {level.title['nb']}" in headings
        assert f"niva-{level.level}.html" in page.links
    assert workflow.introduction is not None
    assert " ".join(workflow.introduction["nb"].split()) in [t for t, _ in page.texts]


def test_level_page_numbers_every_step_with_its_texts(kafjord_site: Path) -> None:
    """Level 1's page has each step as '<n>. title' (h2), its questions and its decisions."""
    workflow = load_workflow("kafjord")
    level = workflow.level(1)
    page = _parse(kafjord_site / "nb" / "niva-1.html")
    h2 = [text for depth, text in page.headings if depth == 2]
    assert h2 == [f"{n}. {step.title['nb']}" for n, step in enumerate(level.steps, 1)]
    assert {step.id for step in level.steps} <= page.ids
    texts = [t for t, _ in page.texts]
    for step in level.steps:
        for question in step.questions:
            assert " ".join(question["nb"].split()) in texts
    assert "Mulige avgjørelser" in texts
    assert "#n1-iverksett" in page.links  # continue returns to step 3
    assert "niva-2.html" in page.links


def test_every_page_has_lang_landmarks_and_headings_in_order(kafjord_site: Path) -> None:
    """lang on <html>, header/nav/main/footer, one h1 first, no heading skips a level."""
    for path in (kafjord_site / "nb").glob("*.html"):
        page = _parse(path)
        assert page.html_lang == "nb", path
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in page.landmarks, (path, landmark)
        levels = [depth for depth, _ in page.headings]
        assert levels[0] == 1
        assert levels.count(1) == 1
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (path, levels)
        assert "#main" in page.links  # the skip link
        assert "main" in page.ids


def test_partial_language_marks_each_fallback_text(kafjord_site: Path) -> None:
    """On the North Sámi pages, se texts are se, everything falling back to bokmål has lang=nb."""
    workflow = load_workflow("kafjord")
    start = _parse(kafjord_site / "se" / "index.html")
    assert start.html_lang == "se"
    assert start.headings[0] == (1, workflow.title["se"])
    assert start.lang_of(workflow.title["se"]) == "se"
    intro = workflow.introduction
    assert intro is not None
    assert start.lang_of(intro["se"]) == "se"
    principle = workflow.principles[0].title["nb"]
    assert start.lang_of(principle) == "nb"
    assert start.lang_of("Hopp til hovedinnholdet") == "nb"  # labels are bokmål for now
    level0 = _parse(kafjord_site / "se" / "niva-0.html")
    assert level0.lang_of("Gáivuona suohkana BTI-bagadus") == "se"  # Kåfjord's tool title
    assert level0.lang_of(workflow.level(0).steps[0].title["nb"]) == "nb"


def test_language_switch_links_the_same_page_in_each_language(kafjord_site: Path) -> None:
    """Each page links its twin in the other language; the root page redirects to the first."""
    page = _parse(kafjord_site / "nb" / "niva-2.html")
    assert "../se/niva-2.html" in page.links
    page = _parse(kafjord_site / "se" / "niva-2.html")
    assert "../nb/niva-2.html" in page.links
    root = (kafjord_site / "index.html").read_text(encoding="utf-8")
    assert 'content="0; url=nb/index.html"' in root
    assert 'href="se/index.html" lang="se"' in root


def test_single_language_site_has_no_language_switch(tmp_path: Path) -> None:
    """A guide in one language (nynorsk) gets no language navigation, and nynorsk labels."""
    render_site(load_workflow("nore-og-uvdal"), tmp_path)
    html = (tmp_path / "nn" / "index.html").read_text(encoding="utf-8")
    assert 'class="languages"' not in html
    assert "Hopp til hovudinnhaldet" in html
    assert "Dei fire nivåa" in html
    assert _parse(tmp_path / "nn" / "index.html").html_lang == "nn"


def test_texts_are_escaped(tmp_path: Path) -> None:
    """Markup in a YAML text is shown as text, never run as HTML."""
    text = (ROOT / "workflows" / "bti.yaml").read_text(encoding="utf-8")
    text = text.replace("title: Konkretiser bekymring\n", "title: <b>Konkretiser</b> & co\n", 1)
    source = tmp_path / "bti.yaml"
    source.write_text(text, encoding="utf-8")
    render_site(load_workflow(str(source)), tmp_path / "out")
    html = (tmp_path / "out" / "nb" / "niva-0.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;Konkretiser&lt;/b&gt; &amp; co" in html
    assert "<b>Konkretiser</b>" not in html


_WITH_TOOL_FILE = """\
format: btiflow/1
extends: bti
id: med-verktoy
version: "1"
languages: [nb]
levels:
  - level: 0
    steps:
      - id: n0-del-med-foresatte
        tools:
          - title: Tips til bekymringssamtale med foresatte (PDF)
            file: verktoy/tips-bekymringssamtale-foresatte.pdf
"""


def test_tool_files_beside_the_workflow_are_copied(tmp_path: Path) -> None:
    """A tool's file found beside the YAML is published; a missing one is reported."""
    source = tmp_path / "guide" / "med-verktoy.yaml"
    source.parent.mkdir()
    source.write_text(_WITH_TOOL_FILE, "utf-8")
    workflow = load_workflow(str(source))
    assert render_site(workflow, tmp_path / "a").missing_files == (
        "verktoy/tips-bekymringssamtale-foresatte.pdf",
    )
    (source.parent / "verktoy").mkdir()
    (source.parent / "verktoy" / "tips-bekymringssamtale-foresatte.pdf").write_bytes(b"%PDF-1.4")
    site = render_site(workflow, tmp_path / "b")
    assert site.missing_files == ()
    copied = tmp_path / "b" / "verktoy" / "tips-bekymringssamtale-foresatte.pdf"
    assert copied.read_bytes() == b"%PDF-1.4"
    assert '<a href="../verktoy/tips-bekymringssamtale-foresatte.pdf">' in (
        tmp_path / "b" / "nb" / "niva-0.html"
    ).read_text(encoding="utf-8")


def test_cli_render_names_a_missing_tool_file(tmp_path: Path) -> None:
    """`btiflow render` of a guide linking a file not beside it says which file is missing."""
    source = tmp_path / "med-verktoy.yaml"
    source.write_text(_WITH_TOOL_FILE, "utf-8")
    result = CliRunner().invoke(
        main, ["render", str(source), "-o", str(tmp_path / "out")], prog_name="btiflow"
    )
    assert result.exit_code == 0, result.output
    assert "verktoy/tips-bekymringssamtale-foresatte.pdf ble ikke funnet" in result.stderr


def test_print_stylesheet_is_a4_and_hides_navigation() -> None:
    """The one stylesheet prints on A4 and leaves the navigation off paper."""
    from btiflow.render.site import CSS

    assert "@media print" in CSS
    assert "size: A4" in CSS
    assert "nav.pages, nav.languages, nav.pager { display: none; }" in CSS
    assert "@import" not in CSS
    assert "url(" not in CSS  # no fonts or images fetched


def test_cli_render_writes_the_site(tmp_path: Path) -> None:
    """`btiflow render kafjord -o DIR --lang se` writes nb and se, and no tool file is missing."""
    result = CliRunner().invoke(
        main, ["render", "kafjord", "-o", str(tmp_path), "--lang", "se"], prog_name="btiflow"
    )
    assert result.exit_code == 0, result.output
    assert f"skrev 11 sider (nb, se) til {tmp_path}" in result.stdout
    assert "ble ikke funnet" not in result.stderr
    assert site_languages(load_workflow("kafjord"), ("se", "nb")) == ("nb", "se")


def test_cli_render_bad_workflow_writes_nothing(tmp_path: Path) -> None:
    """A workflow with problems exits 1 with the problems and leaves no folder behind."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: btiflow/1\nid: x\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{bad}:" in result.stderr
    assert not (tmp_path / "out").exists()
