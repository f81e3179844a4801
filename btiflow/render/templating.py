"""The Jinja2 templates of the pages and the mail, and what every template may call.

Templates ship in ``btiflow/render/templates/``; a municipality overrides any of them by putting a
file of the same name in its theme's ``templates`` folder (``btiflow.render.theme``), without
touching Python; ``btiflow/<name>`` always names the shipped one, so an override can extend the
template it replaces and change one block. HTML templates are autoescaped (a text from a guide
or a case can never become markup); plain-text templates (``.txt``, the mail) are not. An
undefined name in a template is an error, not an empty string, so a renamed value cannot
silently vanish from a page.

In a template: ``t("site.skip")`` says a text in the page's language (``btiflow.words``),
``said("…")`` also gives its real language (to mark ``lang="nb"`` where North Sámi falls back),
and ``moment``, ``day``, ``short_day``, ``short_moment``, ``duration`` word dates in the one
style. In an HTML template, ``w("site.steps", n=3)`` is the text as markup: its values escaped
(unless they are markup themselves, such as a guide text already marked with its language), and
the whole wrapped in ``<span lang="nb">`` when the page's language lacks it (North Sámi).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from btiflow.render.theme import PLAIN, Theme
from btiflow.words import dates, language_of, said, say


@functools.cache
def _environment(overrides: Path | None) -> Any:
    # jinja2 is imported here: a library user who never renders a page never loads it
    import jinja2

    shipped = jinja2.PackageLoader("btiflow.render", "templates")
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None:
        loaders.append(jinja2.FileSystemLoader(overrides))
    # "btiflow/<name>" is always the shipped template, so an override can extend the one it
    # replaces: {% extends "btiflow/casepage/page.html" %} in the theme's casepage/page.html
    loaders += [shipped, jinja2.PrefixLoader({"btiflow": shipped})]
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "xml", "svg"),
            disabled_extensions=("txt",),
            default_for_string=True,
            default=True,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, language: str, theme: Theme = PLAIN, /, **values: Any) -> str:
    """The template ``name`` filled in, in ``language``, with the theme's overrides and values."""
    lang = language_of(language)
    template = _environment(theme.templates).get_template(name)
    return str(
        template.render(
            lang=lang,
            theme=theme,
            t=functools.partial(say, lang),
            w=functools.partial(words, lang),
            said=functools.partial(said, lang),
            moment=functools.partial(_moment, lang=lang),
            day=functools.partial(_day, lang=lang),
            short_day=dates.short_day,
            short_moment=dates.short_moment,
            duration=functools.partial(_duration, lang=lang),
            **values,
        )
    )


def words(language: str, key: str, /, **values: Any) -> Any:
    """The text ``key`` as HTML markup: escaped, its ``values`` escaped unless already markup,
    in a ``<span lang>`` when it falls back to another language than ``language``."""
    from markupsafe import Markup, escape

    found = said(language, key)  # without values: the pattern, to escape before filling in
    text = Markup(escape(found.text))
    if values:
        text = text.format(**values)
    if found.language != language_of(language):
        return Markup('<span lang="{}">{}</span>').format(found.language, text)
    return text


def _moment(value: Any, *, lang: str) -> str:
    return dates.moment(value, lang)


def _day(value: Any, *, lang: str) -> str:
    return dates.day(value, lang)


def _duration(value: Any, *, lang: str) -> str:
    return dates.duration(value, lang)
