"""A municipality's theme file: name, logo, colours, template overrides; located problems in
Norwegian; contrast checked so a brand colour cannot make a page unreadable."""

from __future__ import annotations

from pathlib import Path

import pytest

from btiflow.errors import WorkflowError
from btiflow.render.templating import render
from btiflow.render.theme import PLAIN, contrast, load_theme


def _theme(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tema.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_theme_file_names_the_municipality_and_its_colours(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "maler").mkdir()
    theme = load_theme(
        _theme(
            tmp_path,
            'name: Nordvik kommune\nlogo: logo.svg\ncolours:\n  primary: "#00556E"\n'
            "templates: maler\n",
        )
    )
    assert theme.name == "Nordvik kommune"
    assert theme.logo == (tmp_path / "logo.svg").resolve()
    assert theme.logo_type == "image/svg+xml"
    assert theme.colours["primary"] == "#00556e"
    assert theme.colours["on_primary"] == "#ffffff"
    assert "--primary: #00556e;" in theme.css()
    assert theme.templates == (tmp_path / "maler").resolve()


def test_every_problem_is_located_and_worded_in_norwegian(tmp_path: Path) -> None:
    path = _theme(
        tmp_path,
        "name: Nordvik\nlogo: mangler.svg\ncolours:\n  primary: blå\n  rosa: '#ff00ff'\n"
        "farger: 1\n",
    )
    with pytest.raises(WorkflowError) as caught:
        load_theme(path)
    lines = [str(p) for p in caught.value.problems]
    assert lines == [
        f"{path}:6:1: ukjent nøkkel «farger» (kjente nøkler: name, logo, colours, templates)",
        f"{path}:2:7: finner ikke filen «mangler.svg» (filen skal ligge ved siden av temafilen)",
        f"{path}:4:12: fargen «primary» skal skrives som #rrggbb "
        '(for eksempel "#00556e", med anførselstegn)',
        f"{path}:5:3: ukjent farge «rosa» (kjente farger: primary, on_primary, link, ink, paper)",
    ]
    codes = [p.code for p in caught.value.problems]
    assert codes == ["unknown_key", "no_file", "not_colour", "unknown_colour"]


def test_too_little_contrast_is_refused(tmp_path: Path) -> None:
    path = _theme(tmp_path, 'colours:\n  primary: "#ffdd00"\n')  # white text on yellow
    with pytest.raises(WorkflowError, match=r"for lite kontrast mellom on_primary og primary"):
        load_theme(path)
    with pytest.raises(WorkflowError, match=r"too little contrast"):
        load_theme(path, "en")


def test_contrast_is_wcag() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#ffffff", "#ffffff"), 1) == 1.0
    assert contrast("#ffffff", "#0a4a85") > 4.5


def test_a_municipality_overrides_a_shipped_template(tmp_path: Path) -> None:
    """A file of the same name in the theme's templates folder wins, without Python."""
    lines = ("Du er invitert.",)
    shipped = render("mail/body.txt", "nb", lines=lines, login_url="https://x.example")
    assert "Logg inn for å se mer: https://x.example" in shipped
    (tmp_path / "maler" / "mail").mkdir(parents=True)
    (tmp_path / "maler" / "mail" / "body.txt").write_text(
        "{% for line in lines %}{{ line }}\n{% endfor %}Hilsen Nordvik kommune\n"
    )
    theme = load_theme(_theme(tmp_path, "templates: maler\n"))
    assert render("mail/body.txt", "nb", theme, lines=lines, login_url="x") == (
        "Du er invitert.\nHilsen Nordvik kommune\n"
    )
    assert PLAIN.templates is None
