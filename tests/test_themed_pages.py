"""A municipality's theme on the guide site and the case page: its colours first in the
stylesheet (no inline style), its name and logo in every page's header, its templates in place
of the shipped ones by name; `btiflow render --theme` and `btiflow case-page --theme`.
tests/test_browser.py loads the themed pages in Chromium and runs axe on them."""

from __future__ import annotations

from pathlib import Path

from casekit import GUARDIAN, TEACHER, make_engine, plan, to_level_1
from click.testing import CliRunner

from btiflow.cli import main
from btiflow.render.casepage import CASE_CSS, case_page
from btiflow.render.site import CSS, render_site
from btiflow.render.theme import PLAIN, load_theme
from btiflow.views import FamilyView
from btiflow.workflow.load import load_workflow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "nordvik" / "tema.yaml"


def test_the_example_theme_loads() -> None:
    """examples/nordvik/tema.yaml: Nordvik kommune, its drawn logo, its green."""
    theme = load_theme(EXAMPLE)
    assert theme.name == "Nordvik kommune"
    assert theme.logo == EXAMPLE.parent / "nordvik-logo.svg"
    assert theme.colours["primary"] == "#1d5c3a"


def test_a_themed_site_has_the_colours_name_and_logo(tmp_path: Path) -> None:
    """style.css starts with the theme's colours; the logo is copied beside it; every page's
    header names the municipality with the logo; no page carries a style attribute."""
    theme = load_theme(EXAMPLE)
    site = render_site(load_workflow("kafjord"), tmp_path, ("nb", "se"), theme)
    css = (tmp_path / "style.css").read_text("utf-8")
    assert css.startswith(theme.css())
    assert css.endswith(CSS.removeprefix(PLAIN.css()))
    assert "--primary: #1d5c3a;" in css
    assert (tmp_path / "logo.svg").read_bytes() == theme.logo.read_bytes()  # type: ignore[union-attr]
    for page in site.pages[1:]:
        html = (tmp_path / page.path).read_text("utf-8")
        strip = '<p class="municipality"><img src="../logo.svg" alt=""><span>Nordvik kommune'
        assert strip in html, page.path
        assert "style=" not in html, page.path


def test_a_plain_site_has_no_municipality_strip(tmp_path: Path) -> None:
    """Without a theme: the shipped colours and no header strip (as before themes)."""
    render_site(load_workflow("kafjord"), tmp_path)
    assert (tmp_path / "style.css").read_text("utf-8") == CSS
    assert CSS.startswith(PLAIN.css())
    assert 'class="municipality"' not in (tmp_path / "nb" / "index.html").read_text("utf-8")
    assert not (tmp_path / "logo.svg").exists()


def test_a_theme_without_a_logo_shows_the_name(tmp_path: Path) -> None:
    """A name alone is shown; a logo alone gets the words "Kommunens logo" as its alt text."""
    only_name = tmp_path / "navn.yaml"
    only_name.write_text("name: Sørvik kommune\n", "utf-8")
    render_site(load_workflow("kafjord"), tmp_path / "a", theme=only_name)
    html = (tmp_path / "a" / "nb" / "index.html").read_text("utf-8")
    assert '<p class="municipality"><span>Sørvik kommune</span></p>' in html
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    only_logo = tmp_path / "logo.yaml"
    only_logo.write_text("logo: logo.png\n", "utf-8")
    render_site(load_workflow("kafjord"), tmp_path / "b", theme=only_logo)
    html = (tmp_path / "b" / "nb" / "index.html").read_text("utf-8")
    assert '<img src="../logo.png" alt="Kommunens logo">' in html


def _family_page(tmp_path: Path, **theme: object) -> str:
    tmp_path.mkdir(parents=True, exist_ok=True)
    engine, clock = make_engine(tmp_path, "kafjord")
    case = to_level_1(engine)
    plan(engine, case.id)
    view = engine.view(case.id, GUARDIAN)
    assert isinstance(view, FamilyView)
    case = engine.case(case.id)
    return case_page(engine.workflow_of(case), view, case.step, printed=clock.now, **theme)  # type: ignore[arg-type]


def test_a_themed_case_page_is_still_one_file(tmp_path: Path) -> None:
    """The theme's colours open the page's own stylesheet and the logo is inlined (data: URL):
    the page still needs no other file."""
    html = _family_page(tmp_path, theme=EXAMPLE)
    theme = load_theme(EXAMPLE)
    assert f"<style>\n{theme.css()}" in html
    assert '<p class="municipality"><img src="data:image/svg+xml;base64,' in html
    assert "<span>Nordvik kommune</span>" in html
    assert "style=" not in html
    assert 'href="' not in html.replace('href="#main"', "").replace('href="data:,"', "")
    plain = _family_page(tmp_path / "plain")
    assert f"<style>\n{CASE_CSS}" in plain
    assert 'class="municipality"' not in plain


def test_a_municipality_overrides_a_page_template_by_name(tmp_path: Path) -> None:
    """A file in the theme's templates folder with a shipped template's name is used instead:
    here the start page's main content and the case page's foot (extending the shipped page it
    replaces, named btiflow/casepage/page.html); the other pages stay."""
    (tmp_path / "maler" / "site").mkdir(parents=True)
    (tmp_path / "maler" / "casepage").mkdir(parents=True)
    (tmp_path / "maler" / "site" / "start.html").write_text(
        '{% extends "site/page.html" %}\n'
        "{% block main %}<h1>Velkommen til {{ theme.name }}</h1>{% endblock %}\n",
        "utf-8",
    )
    (tmp_path / "maler" / "casepage" / "page.html").write_text(
        '{% extends "btiflow/casepage/page.html" %}\n'
        "{% block footer %}<p>Spørsmål? Ring servicetorget.</p>{% endblock %}\n",
        "utf-8",
    )
    theme_file = tmp_path / "tema.yaml"
    theme_file.write_text("name: Nordvik kommune\ntemplates: maler\n", "utf-8")
    render_site(load_workflow("kafjord"), tmp_path / "site", theme=theme_file)
    start = (tmp_path / "site" / "nb" / "index.html").read_text("utf-8")
    assert "<h1>Velkommen til Nordvik kommune</h1>" in start
    assert 'class="principles"' not in start
    assert "Hopp til hovedinnholdet" in start  # the shipped layout around it
    level = (tmp_path / "site" / "nb" / "niva-1.html").read_text("utf-8")
    assert 'class="step"' in level
    page = _family_page(tmp_path / "case", theme=theme_file)
    assert "<p>Spørsmål? Ring servicetorget.</p>" in page
    assert "Her er saken nå" in page


def test_cli_render_and_case_page_take_a_theme(tmp_path: Path) -> None:
    """`btiflow render --theme FILE` and `btiflow case-page --theme FILE` brand their pages."""
    result = CliRunner().invoke(
        main, ["render", "kafjord", "-o", str(tmp_path / "site"), "--theme", str(EXAMPLE)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "logo.svg").is_file()
    assert "Nordvik kommune" in (tmp_path / "site" / "nb" / "niva-0.html").read_text("utf-8")
    engine, _ = make_engine(tmp_path, "kafjord")
    case = to_level_1(engine)
    out = tmp_path / "side.html"
    result = CliRunner().invoke(
        main,
        ["case-page", str(tmp_path / "relay.db"), case.id, "--as", TEACHER.id, "-o", str(out),
         "--theme", str(EXAMPLE)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "<span>Nordvik kommune</span>" in out.read_text("utf-8")


def test_cli_a_theme_with_problems_writes_nothing(tmp_path: Path) -> None:
    """A theme with too little contrast: exit 1, the problem located, no site written, no page
    written and no read of the case logged."""
    bad = tmp_path / "tema.yaml"
    bad.write_text('name: Nordvik kommune\ncolours:\n  primary: "#ffdd00"\n', "utf-8")
    result = CliRunner().invoke(
        main, ["render", "kafjord", "-o", str(tmp_path / "site"), "--theme", str(bad)]
    )
    assert result.exit_code == 1
    assert f"{bad}:" in result.stderr
    assert not (tmp_path / "site").exists()
    engine, _ = make_engine(tmp_path, "kafjord")
    case = to_level_1(engine)
    before = engine.store.access_log(case.id)
    out = tmp_path / "side.html"
    result = CliRunner().invoke(
        main,
        ["case-page", str(tmp_path / "relay.db"), case.id, "--as", GUARDIAN.id, "-o", str(out),
         "--theme", str(bad)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"{bad}:" in result.stderr
    assert not out.exists()
    assert engine.store.access_log(case.id) == before
