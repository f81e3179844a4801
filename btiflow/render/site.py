"""The guide as a static web site, from the same workflow the engine runs (``btiflow render``).

Layout of the output folder::

    index.html          picks the language (an immediate redirect to the first, and links)
    style.css           the one stylesheet: screen, phone and print (A4)
    nb/index.html       start page: title, introduction, principles, the four levels, the diagram
    nb/niva-0.html ...  a page per level: numbered steps, guidance, questions, advice, tools,
                        the possible decisions
    nn/...              the same for each further language
    verktoy/...         tool files found beside the workflow file, copied

    logo.svg            the theme's logo, when a theme gives one

Plain HTML and CSS, no JavaScript, nothing fetched from another host. Pages are the Jinja2
templates ``site/*.html`` in ``render/templates/`` (a theme's templates folder overrides them by
name), autoescaped; the stylesheet is ``render/static/site.css`` after the theme's colours. The
site's own words are in the catalogue (``site.*``). A text missing in a page's language is shown
in the language it has, and its element carries that ``lang``; words North Sámi lacks are shown
in bokmål the same way.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from btiflow.render.diagram import LevelMove, end_label, level_moves, levels_svg
from btiflow.render.resources import read as _static
from btiflow.render.sitewords import LANGUAGE_NAMES
from btiflow.render.templating import render, words
from btiflow.render.theme import PLAIN, Theme, theme_of
from btiflow.words import Said, dates, has, say
from btiflow.workflow.model import Text, Workflow
from btiflow.workflow.registry import CONDITIONS

STYLESHEET = "style.css"


@attrs.frozen
class Page:
    """One written page: where (relative to the output folder) and its language."""

    path: str
    language: str


@attrs.frozen
class Site:
    """What ``render_site`` wrote: the pages and the tool files it could not find."""

    pages: tuple[Page, ...]
    missing_files: tuple[str, ...]


def level_page(level: int) -> str:
    """A level's file name: niva-0.html, niva-1.html, ..."""
    return f"niva-{level}.html"


def site_languages(workflow: Workflow, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The languages to render: the guide's declared ones, then any asked for besides.

    A language the guide does not declare is partial (kafjord.yaml carries some North Sámi): its
    pages show each text it has and the rest in the guide's language, marked with ``lang``.
    """
    return workflow.languages + tuple(lang for lang in extra if lang not in workflow.languages)


def render_site(
    workflow: Workflow,
    out: str | Path,
    languages: tuple[str, ...] | None = None,
    theme: Theme | str | Path | None = None,
) -> Site:
    """Write the guide's web site into ``out`` (created if needed) and say what was written.

    ``languages`` defaults to the guide's declared languages. ``theme`` (a ``Theme`` or a theme
    file, see ``btiflow.render.theme``) puts a municipality's name, logo and colours on every
    page, and its templates folder overrides the shipped templates by name. Every page is built
    in memory first, so a failure writes nothing.
    """
    languages = languages or workflow.languages
    branding = theme_of(theme)
    logo = f"logo{branding.logo.suffix.lower()}" if branding.logo is not None else None
    files: dict[str, str] = {
        STYLESHEET: branding.css() + _SITE_CSS,
        "index.html": render(
            "site/chooser.html",
            languages[0],
            branding,
            wf=workflow,
            languages=languages,
            language_names=LANGUAGE_NAMES,
            stylesheet=STYLESHEET,
            pick=functools.partial(_in, lang=languages[0]),
        ),
    }
    pages = [Page("index.html", languages[0])]
    for lang in languages:
        built = _pages(workflow, lang, languages, branding, f"../{logo}" if logo else None)
        for name, html in built.items():
            files[f"{lang}/{name}"] = html
            pages.append(Page(f"{lang}/{name}", lang))
    copies, missing = _tool_files(workflow)
    if branding.logo is not None and logo is not None:
        copies[logo] = branding.logo
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for rel, source in copies.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return Site(tuple(pages), tuple(missing))


def _inside(source: Path, base: Path) -> bool:
    """``source`` is a regular file in ``base`` once links are followed: a tool file that links
    to /etc/passwd (or leads out with ..) is not published in a public site."""
    try:
        real = source.resolve()
        return real.is_relative_to(base.resolve()) and real.is_file()
    except (OSError, RuntimeError):  # a link loop, a name too long: not a file to publish
        return False


def _tool_files(workflow: Workflow) -> tuple[dict[str, Path], list[str]]:
    """Tool files beside the workflow file, to copy; and those not found there."""
    base = Path(workflow.source).parent if workflow.source else None
    copies: dict[str, Path] = {}
    missing: list[str] = []
    for _, step in workflow.steps():
        for tool in step.tools:
            if tool.file is None or tool.file in copies or tool.file in missing:
                continue
            rel = PurePosixPath(tool.file)
            source = base / rel if base is not None else None
            if source is not None and base is not None and _inside(source, base):
                copies[tool.file] = source
            else:
                missing.append(tool.file)
    return copies, missing


def _in(text: Text, lang: str) -> Said:
    """A text's value in ``lang`` if it has it, else in its first language; and which."""
    value = " ".join(text.get(lang).split())
    return Said(value, lang if lang in text.languages else text.languages[0])


def _when(lang: str, condition: str) -> Any:
    """An advice's condition in plain words; one the catalogue lacks in the registry's English."""
    from markupsafe import Markup

    key = f"site.when.{condition}"
    if has("nb", key):
        return words(lang, key)
    return Markup('<span lang="en">{}</span>').format(CONDITIONS.get(condition, condition))


def _moves(workflow: Workflow, lang: str) -> list[tuple[int, list[LevelMove]]]:
    by_level: dict[int, list[LevelMove]] = {}
    for move in level_moves(workflow, lang):
        by_level.setdefault(move.source, []).append(move)
    return list(by_level.items())


def _pages(
    workflow: Workflow, lang: str, languages: tuple[str, ...], theme: Theme, logo: str | None
) -> dict[str, str]:
    """The pages of one language, by file name."""
    from markupsafe import Markup

    common: dict[str, Any] = {
        "wf": workflow,
        "languages": languages,
        "language_names": LANGUAGE_NAMES,
        "stylesheet": STYLESHEET,
        "kind": "site",
        "logo": logo,
        "pick": functools.partial(_in, lang=lang),
        "level_page": level_page,
        "end_label": end_label(lang),
    }
    site_title = _in(workflow.title, lang).text
    svg = levels_svg(workflow, lang, title=say(lang, "site.diagram_title"))
    pages = {
        "index.html": render(
            "site/start.html",
            lang,
            theme,
            name="index.html",
            title=site_title,
            svg=Markup(svg),  # built from escaped texts by diagram.levels_svg
            moves=_moves(workflow, lang),
            **common,
        )
    }
    levels = workflow.levels
    for index, level in enumerate(levels):
        name = level_page(level.level)
        evaluation = None
        if any(s.id.endswith("evaluer") or "evaluation" in s.records for s in level.steps):
            evaluation = dates.duration(workflow.evaluation_limit(level.level).iso, lang)
        level_title = _in(level.title, lang).text
        level_word = say(lang, "guide.outline.level")
        pages[name] = render(
            "site/level.html",
            lang,
            theme,
            name=name,
            title=f"{level_word} {level.level} – {level_title} – {site_title}",
            level=level,
            evaluation=evaluation,
            previous=levels[index - 1] if index > 0 else None,
            next=levels[index + 1] if index + 1 < len(levels) else None,
            when=functools.partial(_when, lang),
            **common,
        )
    return pages


_SITE_CSS = _static("site.css")
CSS = PLAIN.css() + _SITE_CSS
"""The stylesheet every page links (``style.css``): screen, phone and paper, in the plain
colours (a theme's site puts its own colours first instead)."""


__all__ = [
    "CSS",
    "Page",
    "Site",
    "level_page",
    "render_site",
    "site_languages",
]
