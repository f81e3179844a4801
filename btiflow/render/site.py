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
``html.escape`` and ``string.Template`` (no template engine dependency: the pages are few and
their structure is code, so a test can hold it). A text missing in a page's language is shown in
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
from btiflow.workflow.model import Duration, Level, Outcome, Step, Text, Tool, Workflow
from btiflow.workflow.outline import LABELS as OUTLINE_LABELS
from btiflow.workflow.registry import CONDITIONS

LANGUAGE_NAMES = {
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
    "se": "Davvisámegiella",
    "en": "English",
}
"""Each language's name in that language, for the language switch."""

SITE_LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "skip": "Hopp til hovedinnholdet",
        "site_nav": "Veilederen",
        "lang_nav": "Språk",
        "start": "Forside",
        "principles": "Prinsipper",
        "levels": "De fire nivåene",
        "steps": "{n} steg",
        "diagram": "Fra nivå til nivå",
        "diagram_title": "Nivåene og avgjørelsene mellom dem",
        "diagram_text": "Avgjørelsene som tekst",
        "from_level": "Fra nivå {level}",
        "questions": "Spørsmål å gå gjennom",
        "advice": "Råd",
        "tools": "Verktøy",
        "outcomes": "Mulige avgjørelser",
        "goes_to": "går til",
        "level_word": "nivå",
        "evaluation": "Evaluering bør skje innen {limit} etter møtet der tiltakene avtales.",
        "previous": "Forrige",
        "next": "Neste",
        "pages": "Sider",
        "file_note": "fil",
        "footer": "{title}, versjon {version}. Laget med btiflow fra den samme fila som styrer "
        "saksbehandlingen.",
        "choose": "Velg språk",
        "when": "Når",
    },
    "nn": {
        "skip": "Hopp til hovudinnhaldet",
        "site_nav": "Rettleiaren",
        "lang_nav": "Språk",
        "start": "Framside",
        "principles": "Prinsipp",
        "levels": "Dei fire nivåa",
        "steps": "{n} steg",
        "diagram": "Frå nivå til nivå",
        "diagram_title": "Nivåa og avgjerdene mellom dei",
        "diagram_text": "Avgjerdene som tekst",
        "from_level": "Frå nivå {level}",
        "questions": "Spørsmål å gå gjennom",
        "advice": "Råd",
        "tools": "Verktøy",
        "outcomes": "Moglege avgjerder",
        "goes_to": "går til",
        "level_word": "nivå",
        "evaluation": "Evaluering bør skje innan {limit} etter møtet der tiltaka blir avtalte.",
        "previous": "Førre",
        "next": "Neste",
        "pages": "Sider",
        "file_note": "fil",
        "footer": "{title}, versjon {version}. Laga med btiflow frå den same fila som styrer "
        "sakshandsaminga.",
        "choose": "Vel språk",
        "when": "Når",
    },
    "en": {
        "skip": "Skip to main content",
        "site_nav": "The guide",
        "lang_nav": "Language",
        "start": "Start",
        "principles": "Principles",
        "levels": "The four levels",
        "steps": "{n} steps",
        "diagram": "From level to level",
        "diagram_title": "The levels and the decisions between them",
        "diagram_text": "The decisions as text",
        "from_level": "From level {level}",
        "questions": "Questions to go through",
        "advice": "Advice",
        "tools": "Tools",
        "outcomes": "Possible decisions",
        "goes_to": "goes to",
        "level_word": "level",
        "evaluation": "Evaluate within {limit} of the meeting that agrees the measures.",
        "previous": "Previous",
        "next": "Next",
        "pages": "Pages",
        "file_note": "file",
        "footer": "{title}, version {version}. Made with btiflow from the same file that runs "
        "the case work.",
        "choose": "Choose a language",
        "when": "When",
    },
}
"""The words around the guide's own texts; North Sámi is shown with the bokmål ones (lang=nb)."""

WHEN_TEXTS: dict[str, dict[str, str]] = {
    "suspected_harm": {
        "nb": "bekymringen gjelder mulig vold, seksuelle overgrep eller omsorgssvikt",
        "nn": "uroa gjeld mogleg vald, seksuelle overgrep eller omsorgssvikt",
        "en": "the concern is about possible violence, sexual abuse or neglect",
    },
}
"""Conditions on advice in plain words; others show the registry's English description."""

STYLESHEET = "style.css"

_PAGE = Template("""\
<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<link rel="stylesheet" href="$root$stylesheet">
<link rel="icon" href="data:,">
$alternates</head>
<body>
<a class="skip" href="#main">$skip</a>
<header class="site">
<p class="site-title"><a href="index.html">$site_title</a></p>
$lang_nav</header>
<nav class="pages" aria-label="$site_nav">
<ul>
$nav
</ul>
</nav>
<main id="main" tabindex="-1">
$main
</main>
<footer class="site">
<p>$footer</p>
</footer>
</body>
</html>
""")


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
            if source is not None and ".." not in rel.parts and source.is_file():
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
    return f"""\
<!DOCTYPE html>
<html lang="{first}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0; url={first}/index.html">
<title>{escape(text)}</title>
<link rel="stylesheet" href="{STYLESHEET}">
<link rel="icon" href="data:,">
</head>
<body>
<main id="main">
<h1{heading_lang}>{escape(text)}</h1>
<nav aria-label="{escape(labels["lang_nav"])}">
<h2{choose_lang}>{escape(labels["choose"])}</h2>
<ul>
{items}
</ul>
</nav>
</main>
</body>
</html>
"""


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


CSS = """\
/* btiflow guide: one stylesheet for screen, phone and paper. No external fonts. */
:root {
  --ink: #1b1b1b; --muted: #4a4a4a; --paper: #ffffff; --link: #0a4a85; --line: #8a8a8a;
  --soft: #eef3f8; --focus: #ffdd00;
}
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
  font-size: 100%; line-height: 1.55; color: var(--ink); background: var(--paper); }
body { margin: 0; }
a { color: var(--link); text-decoration: underline; text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 0.15em; }
:focus-visible { outline: 3px solid var(--ink); outline-offset: 2px;
  box-shadow: 0 0 0 6px var(--focus); }
main:focus { outline: none; }
.skip { position: absolute; left: 0.5rem; top: -4rem; background: var(--paper); color: var(--link);
  padding: 0.5rem 1rem; border: 2px solid var(--ink); z-index: 10; }
.skip:focus { top: 0.5rem; }
header.site, nav.pages, main, footer.site { max-width: 52rem; margin: 0 auto; padding: 0 1rem; }
header.site { display: flex; flex-wrap: wrap; justify-content: space-between;
  align-items: center; gap: 0.5rem 1.5rem; padding-top: 1rem; padding-bottom: 0.5rem;
  border-bottom: 2px solid var(--ink); }
.site-title { margin: 0; font-weight: 700; }
.site-title a { color: var(--ink); text-decoration: none; }
.site-title a:hover { text-decoration: underline; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 0.25rem 1rem; }
nav a { display: inline-block; padding: 0.35rem 0.1rem; }
nav a[aria-current] { font-weight: 700; color: var(--ink); text-decoration: none;
  border-bottom: 3px solid var(--ink); }
nav.pages { padding-top: 0.5rem; padding-bottom: 0.5rem; border-bottom: 1px solid var(--line); }
nav.pages ul { flex-direction: column; gap: 0; }
@media (min-width: 48rem) { nav.pages ul { flex-direction: row; gap: 0.25rem 1.25rem; } }
main { padding-top: 1rem; padding-bottom: 2rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 1rem 0; }
h2 { font-size: 1.4rem; line-height: 1.25; margin: 2rem 0 0.75rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 0.5rem; }
.lead { font-size: 1.15rem; }
.meta { color: var(--muted); }
.principles { display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); }
.principle { border-left: 4px solid var(--link); padding: 0.25rem 0 0.25rem 0.75rem; }
.principle h3 { margin-top: 0; }
.principle p { margin: 0; }
ol.levels { list-style: none; padding: 0; display: grid; gap: 1rem; }
ol.levels li { border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; }
ol.levels h3 { margin: 0 0 0.25rem; }
ol.levels p { margin: 0.25rem 0; }
ol.steps { list-style: none; padding: 0; }
li.step { border-top: 2px solid var(--ink); padding: 0.25rem 0 1rem; }
li.step h2 { margin-top: 0.75rem; }
.number { display: inline-block; min-width: 1.6em; }
ul.checklist { list-style: none; padding-left: 0; }
ul.checklist li { padding-left: 1.8em; position: relative; margin: 0.4rem 0; }
ul.checklist li::before { content: "☐"; position: absolute; left: 0.2em; }
ul.advice li { margin: 0.4rem 0; }
.url { color: var(--muted); font-size: 0.9em; overflow-wrap: anywhere; }
dl.outcomes dt { font-weight: 700; margin-top: 0.75rem; }
dl.outcomes dd { margin: 0.25rem 0 0 1.5rem; }
.goes { font-weight: 400; }
figure.diagram { margin: 1rem 0; }
svg.levels { width: 100%; height: auto; max-width: 46rem; display: block; }
svg.levels rect.level { fill: var(--soft); stroke: var(--link); stroke-width: 2; }
svg.levels rect.end { fill: #f4f4f4; stroke: var(--ink); stroke-width: 2; stroke-dasharray: 6 4; }
svg.levels text { fill: var(--ink); font-size: 14px; }
svg.levels text.head { font-weight: 700; font-size: 15px; }
svg.levels text.edge { font-size: 13px; }
svg.levels path { fill: none; stroke: var(--ink); stroke-width: 2; }
svg.levels path.close { stroke-dasharray: 7 4; }
svg.levels path.continue { stroke-dasharray: 2 3; }
svg.levels marker path { fill: var(--ink); stroke: none; }
svg.levels a:focus-visible rect { stroke: var(--ink); stroke-width: 5; }
figcaption { color: var(--muted); font-size: 0.95rem; }
details summary { cursor: pointer; font-weight: 700; padding: 0.25rem 0; }
nav.pager { border-top: 1px solid var(--line); margin-top: 2rem; padding-top: 1rem; }
nav.pager ul { justify-content: space-between; }
footer.site { border-top: 1px solid var(--line); padding-top: 0.5rem; padding-bottom: 2rem;
  color: var(--muted); font-size: 0.9rem; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  html { font-size: 11pt; line-height: 1.4; }
  .skip, nav.pages, nav.languages, nav.pager { display: none; }
  header.site, nav.pages, main, footer.site { max-width: none; padding: 0; }
  a { color: var(--ink); }
  main a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 0.9em; }
  .url { display: none; }
  li.step, .principle, ol.levels li, dl.outcomes dt, dl.outcomes dd, figure { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  details > summary { list-style: none; }
}
"""


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
