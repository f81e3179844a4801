"""The guide as a static web site, from the same workflow the engine runs (``btiflow render``).

Layout of the output folder::

    index.html          picks the language (an immediate redirect to the first, and links)
    style.css           the one stylesheet: screen, phone and print (A4)
    nb/index.html       start page: title, introduction, principles, the four levels, the diagram
    nb/niva-0.html ...  a page per level: numbered steps, guidance, questions, advice, tools,
                        the possible decisions
    nn/...              the same for each further language
    verktoy/...         tool files found beside the workflow file, copied

Plain HTML and CSS, no JavaScript, nothing fetched from another host. Pages are built with
``html.escape`` and ``string.Template`` over the skeletons and the stylesheet in
``render/static/`` (no template engine dependency: the pages are few); the site's own words are
in ``sitewords.py``. A text missing in a page's language is shown in
the language it has, and its element carries that ``lang``; labels North Sámi lacks are shown in
bokmål the same way.
"""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path, PurePosixPath
from string import Template

import attrs

from btiflow.render.diagram import end_label, level_moves, levels_svg
from btiflow.render.resources import read as _static
from btiflow.render.sitewords import LANGUAGE_NAMES, SITE_LABELS, WHEN_TEXTS
from btiflow.workflow.model import Duration, Level, Outcome, Step, Text, Tool, Workflow
from btiflow.workflow.outline import LABELS as OUTLINE_LABELS
from btiflow.workflow.registry import CONDITIONS

STYLESHEET = "style.css"

_PAGE = Template(_static("site-page.html"))
_CHOOSER = Template(_static("site-chooser.html"))


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
    workflow: Workflow, out: str | Path, languages: tuple[str, ...] | None = None
) -> Site:
    """Write the guide's web site into ``out`` (created if needed) and say what was written.

    ``languages`` defaults to the guide's declared languages. Every page is built in memory
    first, so a failure writes nothing.
    """
    languages = languages or workflow.languages
    files: dict[str, str] = {STYLESHEET: CSS, "index.html": _chooser(workflow, languages)}
    pages = [Page("index.html", languages[0])]
    for lang in languages:
        builder = _Pages(workflow, lang, languages)
        for name, html in builder.all():
            files[f"{lang}/{name}"] = html
            pages.append(Page(f"{lang}/{name}", lang))
    copies, missing = _tool_files(workflow)
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


def _labels(lang: str) -> tuple[dict[str, str], str]:
    """The site labels for ``lang`` and the language they are really in."""
    if lang in SITE_LABELS:
        return SITE_LABELS[lang], lang
    return SITE_LABELS["nb"], "nb"


def _chooser(workflow: Workflow, languages: tuple[str, ...]) -> str:
    first = languages[0]
    labels, label_lang = _labels(first)
    text, text_lang = _in(workflow.title, first)
    items = "\n".join(
        f'<li><a href="{lang}/index.html" lang="{lang}" hreflang="{lang}">'
        f"{escape(LANGUAGE_NAMES[lang])}</a></li>"
        for lang in languages
    )
    heading_lang = f' lang="{text_lang}"' if text_lang != first else ""
    choose_lang = f' lang="{label_lang}"' if label_lang != first else ""
    return _CHOOSER.substitute(
        first=first,
        title=escape(text),
        stylesheet=STYLESHEET,
        heading_lang=heading_lang,
        lang_nav=escape(labels["lang_nav"]),
        choose_lang=choose_lang,
        choose=escape(labels["choose"]),
        items=items,
    )


def _in(text: Text, lang: str) -> tuple[str, str]:
    """A text's value in ``lang`` if it has it, else in its first language; and which."""
    value = " ".join(text.get(lang).split())
    return value, lang if lang in text.languages else text.languages[0]


class _Pages:
    """Builds the pages of one language."""

    def __init__(self, workflow: Workflow, lang: str, languages: tuple[str, ...]) -> None:
        self.wf = workflow
        self.lang = lang
        self.languages = languages
        self.labels, self.labels_lang = _labels(lang)
        self.outline = OUTLINE_LABELS.get(lang, OUTLINE_LABELS["nb"])

    # -- small pieces --------------------------------------------------------------------

    def lang_attr(self, lang: str) -> str:
        return f' lang="{lang}"' if lang != self.lang else ""

    def label(self, key: str, **values: object) -> str:
        """A site label, escaped, marked with its language when it is not the page's."""
        text = escape(self.labels[key].format(**values))
        if self.labels_lang != self.lang:
            return f'<span lang="{self.labels_lang}">{text}</span>'
        return text

    def word(self, key: str) -> str:
        """A word from the outline's labels (Nivå, Avslutning, ...), marked like ``label``."""
        text = escape(self.outline[key])
        if self.labels_lang != self.lang:
            return f'<span lang="{self.labels_lang}">{text}</span>'
        return text

    def plain(self, key: str) -> str:
        """A label as plain text (for <title> and aria-label, where markup cannot go)."""
        return self.labels[key]

    def text(self, text: Text) -> str:
        """A guide text inline, escaped; a fallback carries its own lang on a span."""
        value, lang = _in(text, self.lang)
        if lang != self.lang:
            return f'<span lang="{lang}">{escape(value)}</span>'
        return escape(value)

    def element(self, tag: str, text: Text, attrs_: str = "") -> str:
        """``<tag>text</tag>``, with lang on the element when the text falls back."""
        value, lang = _in(text, self.lang)
        return f"<{tag}{attrs_}{self.lang_attr(lang)}>{escape(value)}</{tag}>"

    def duration(self, duration: Duration) -> str:
        weeks, days = divmod(duration.days, 7)
        parts = []
        if weeks:
            parts.append(f"{weeks} {self.outline['week' if weeks == 1 else 'weeks']}")
        if days:
            parts.append(f"{days} {self.outline['day' if days == 1 else 'days']}")
        return f" {self.outline['and']} ".join(parts) or duration.iso

    def level_name(self, level: Level) -> str:
        return f"{self.word('level')} {level.level}"

    # -- pages ---------------------------------------------------------------------------

    def all(self) -> list[tuple[str, str]]:
        pages = [("index.html", self.page("index.html", self.plain_title(), self.start()))]
        for level in self.wf.levels:
            name = level_page(level.level)
            title = f"{self.outline['level']} {level.level} – {_in(level.title, self.lang)[0]}"
            pages.append((name, self.page(name, title, self.level(level))))
        return pages

    def plain_title(self) -> str:
        return _in(self.wf.title, self.lang)[0]

    def page(self, name: str, title: str, main: str) -> str:
        site_title = self.text(self.wf.title)
        nav = [self.nav_item("index.html", self.label("start"), name)]
        for level in self.wf.levels:
            link = f"{self.level_name(level)}: {self.text(level.title)}"
            nav.append(self.nav_item(level_page(level.level), link, name))
        alternates = "".join(
            f'<link rel="alternate" hreflang="{lang}" href="../{lang}/{name}">\n'
            for lang in self.languages
            if lang != self.lang
        )
        footer = escape(self.labels["footer"]).format(
            title=self.text(self.wf.title), version=escape(self.wf.version)
        )
        if self.labels_lang != self.lang:
            footer = f'<span lang="{self.labels_lang}">{footer}</span>'
        full_title = title if name == "index.html" else f"{title} – {self.plain_title()}"
        return _PAGE.substitute(
            lang=self.lang,
            title=escape(full_title),
            root="../",
            stylesheet=STYLESHEET,
            alternates=alternates,
            skip=self.label("skip"),
            site_title=site_title,
            lang_nav=self.lang_nav(name),
            site_nav=escape(self.plain("site_nav")),
            nav="\n".join(nav),
            main=main,
            footer=footer,
        )

    def nav_item(self, href: str, html: str, current: str) -> str:
        here = ' aria-current="page"' if href == current else ""
        return f'<li><a href="{href}"{here}>{html}</a></li>'

    def lang_nav(self, name: str) -> str:
        if len(self.languages) < 2:
            return ""
        items = []
        for lang in self.languages:
            label = escape(LANGUAGE_NAMES[lang])
            if lang == self.lang:
                items.append(f'<li><a href="{name}" aria-current="true">{label}</a></li>')
            else:
                items.append(
                    f'<li><a href="../{lang}/{name}" lang="{lang}" hreflang="{lang}">'
                    f"{label}</a></li>"
                )
        return (
            f'<nav class="languages" aria-label="{escape(self.plain("lang_nav"))}">\n'
            f"<ul>\n{chr(10).join(items)}\n</ul>\n</nav>\n"
        )

    def start(self) -> str:
        wf = self.wf
        parts = [self.element("h1", wf.title)]
        if wf.introduction is not None:
            parts.append(self.element("p", wf.introduction, ' class="lead"'))
        if wf.principles:
            parts.append(
                f'<section aria-labelledby="principles"><h2 id="principles">'
                f"{self.label('principles')}</h2>"
            )
            parts.append('<div class="principles">')
            for principle in wf.principles:
                parts.append(
                    f'<div class="principle">{self.element("h3", principle.title)}'
                    f"{self.element('p', principle.text)}</div>"
                )
            parts.append("</div></section>")
        parts.append(
            f'<section aria-labelledby="levels"><h2 id="levels">{self.label("levels")}</h2>'
            '<ol class="levels">'
        )
        for level in wf.levels:
            summary = self.element("p", level.summary) if level.summary else ""
            parts.append(
                f'<li><h3><a href="{level_page(level.level)}">{self.level_name(level)}: '
                f"{self.text(level.title)}</a></h3>{summary}"
                f'<p class="meta">{self.label("steps", n=len(level.steps))}</p></li>'
            )
        parts.append("</ol></section>")
        parts.append(self.diagram())
        return "\n".join(parts)

    def diagram(self) -> str:
        title = self.plain("diagram_title")
        # no links inside: an image must not hold controls (the list above links each level)
        svg = levels_svg(self.wf, self.lang, title=title)
        by_level: dict[int, list[str]] = {}
        for move in level_moves(self.wf, self.lang):
            if move.kind == "close":
                where = escape(end_label(self.lang))
            elif move.kind == "continue":
                where = f"{self.word('level')} {move.source} ({self.word('continue').lower()})"
            else:
                where = (
                    f'<a href="{level_page(move.target or 0)}">{self.word("level")} '
                    f"{move.target}</a>"
                )
            by_level.setdefault(move.source, []).append(
                f"<li>{escape(move.label)} – {self.label('goes_to')} {where}</li>"
            )
        lists = "".join(
            f"<h3>{self.label('from_level', level=level)}</h3><ul>{''.join(items)}</ul>"
            for level, items in by_level.items()
        )
        return (
            f'<section aria-labelledby="diagram"><h2 id="diagram">{self.label("diagram")}</h2>'
            f'<figure class="diagram">{svg}<figcaption>{self.label("diagram_title")}'
            f"</figcaption></figure>"
            f"<details open><summary>{self.label('diagram_text')}</summary>{lists}</details>"
            "</section>"
        )

    def level(self, level: Level) -> str:
        parts = [f"<h1>{self.level_name(level)}: {self.text(level.title)}</h1>"]
        if level.summary is not None:
            parts.append(self.element("p", level.summary, ' class="lead"'))
        limit = self.wf.evaluation_limit(level.level)
        if any(s.id.endswith("evaluer") or "evaluation" in s.records for s in level.steps):
            parts.append(
                f'<p class="meta">{self.label("evaluation", limit=self.duration(limit))}</p>'
            )
        parts.append('<ol class="steps">')
        for number, step in enumerate(level.steps, 1):
            parts.append(self.step(level, number, step))
        parts.append("</ol>")
        parts.append(self.pager(level))
        return "\n".join(parts)

    def step(self, level: Level, number: int, step: Step) -> str:
        parts = [
            f'<li class="step" id="{escape(step.id)}">'
            f'<h2><span class="number">{number}.</span> {self.text(step.title)}</h2>'
        ]
        if step.guidance is not None:
            parts.append(self.element("p", step.guidance))
        if step.questions:
            items = "".join(self.element("li", q) for q in step.questions)
            parts.append(f'<h3>{self.label("questions")}</h3><ul class="checklist">{items}</ul>')
        if step.advice:
            advice_items = []
            for advice in step.advice:
                when = ""
                if advice.when is not None:
                    when = f"<strong>{self.label('when')} {self.when(advice.when)}:</strong> "
                advice_items.append(f"<li>{when}{self.text(advice.text)}</li>")
            parts.append(
                f'<h3>{self.label("advice")}</h3><ul class="advice">{"".join(advice_items)}</ul>'
            )
        if step.tools:
            items = "".join(f"<li>{self.tool(tool)}</li>" for tool in step.tools)
            parts.append(f'<h3>{self.label("tools")}</h3><ul class="tools">{items}</ul>')
        if step.outcomes:
            items = "".join(self.outcome(level, o) for o in step.outcomes)
            parts.append(f'<h3>{self.label("outcomes")}</h3><dl class="outcomes">{items}</dl>')
        parts.append("</li>")
        return "".join(parts)

    def when(self, condition: str) -> str:
        texts = WHEN_TEXTS.get(condition)
        if texts is None:
            return f'<span lang="en">{escape(CONDITIONS.get(condition, condition))}</span>'
        if self.lang in texts:
            return escape(texts[self.lang])
        return f'<span lang="nb">{escape(texts["nb"])}</span>'

    def tool(self, tool: Tool) -> str:
        title = self.text(tool.title)
        if tool.url is not None:
            url = escape(tool.url)
            return f'<a href="{url}">{title}</a> <span class="url">{url}</span>'
        if tool.file is not None:
            return f'<a href="../{escape(tool.file)}">{title}</a>'
        return title

    def outcome(self, level: Level, outcome: Outcome) -> str:
        kind = self.word(outcome.kind)
        name = self.text(outcome.title) if outcome.title is not None else kind
        if outcome.kind == "continue" and outcome.step is not None:
            number = level.step_number(outcome.step)
            target = level.steps[number - 1]
            where = f'<a href="#{escape(outcome.step)}">{number}. {self.text(target.title)}</a>'
        elif outcome.kind == "expand":
            where = ", ".join(
                f'<a href="{level_page(to)}">{self.word("level")} {to}</a>' for to in outcome.to
            )
        else:
            where = escape(end_label(self.lang))
        symbol = {"close": "■", "continue": "↻", "expand": "↗"}[outcome.kind]
        description = (
            self.element("dd", outcome.description) if outcome.description is not None else ""
        )
        return (
            f'<dt class="{outcome.kind}"><span aria-hidden="true">{symbol}</span> {name} '
            f'<span class="goes">({self.label("goes_to")} {where})</span></dt>{description}'
        )

    def pager(self, level: Level) -> str:
        numbers = [lv.level for lv in self.wf.levels]
        index = numbers.index(level.level)
        links = []
        if index > 0:
            prev = self.wf.levels[index - 1]
            links.append(
                f'<li><a href="{level_page(prev.level)}" rel="prev">← {self.label("previous")}: '
                f"{self.level_name(prev)}</a></li>"
            )
        if index + 1 < len(numbers):
            nxt = self.wf.levels[index + 1]
            links.append(
                f'<li><a href="{level_page(nxt.level)}" rel="next">{self.label("next")}: '
                f"{self.level_name(nxt)} →</a></li>"
            )
        if not links:
            return ""
        return (
            f'<nav class="pager" aria-label="{escape(self.plain("pages"))}"><ul>'
            f"{''.join(links)}</ul></nav>"
        )


CSS = _static("site.css")
"""The stylesheet every page links (``style.css``): screen, phone and paper."""


__all__ = [
    "CSS",
    "LANGUAGE_NAMES",
    "SITE_LABELS",
    "WHEN_TEXTS",
    "Page",
    "Site",
    "level_page",
    "render_site",
    "site_languages",
]
