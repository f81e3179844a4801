"""The family's case page: one self-contained HTML page, readable on screen and printed on A4.

Built from the family's view (``engine.view``), never from the raw case: it shows only what the
guardians and the young person may see — where the case is in the guide, who holds the baton,
the next meeting and evaluation, who is involved and what they do, the measures, the minutes and
documents shared. Printed, it is the paper relay log for a family that does not use the digital
service. Plain words, in the guide's language (North Sámi uses the bokmål words until translated,
marked ``lang="nb"``), from the catalogue (``casepage.*``); dates in the one style
(``btiflow.words.dates``). The page is the Jinja2 templates ``casepage/page.html`` and
``casepage/sections.html`` (``render/templates/``), which a theme's templates folder overrides.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from pathlib import Path
from typing import Any

from btiflow.case.people import Actor, Person
from btiflow.case.state import Case
from btiflow.localtime import OSLO
from btiflow.render.resources import read as _static
from btiflow.render.templating import render
from btiflow.render.theme import PLAIN, Theme, theme_of
from btiflow.views import FamilyView
from btiflow.words import Said, say
from btiflow.workflow.model import Text, Workflow


def _when(value: str) -> dt.date | dt.datetime:
    """An ISO day or moment from the view, as a date or a time (a time without a zone is
    Norway's)."""
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=OSLO)


def case_page(
    workflow: Workflow,
    view: FamilyView,
    step_id: str,
    *,
    is_open: bool = True,
    printed: dt.datetime | None = None,
    theme: Theme | str | Path | None = None,
) -> str:
    """The family's view as one HTML page.

    ``step_id`` marks where the case is in the guide (every step is done when ``is_open`` is
    false); ``printed`` is the time shown at the foot (default: now). ``theme`` (a ``Theme`` or
    a theme file) puts the municipality's name, logo and colours on the page; the logo is
    inlined, so the page stays one self-contained file.
    """
    from markupsafe import Markup

    branding = theme_of(theme)
    logo = None
    if branding.logo is not None:
        data = base64.b64encode(branding.logo.read_bytes()).decode("ascii")
        logo = f"data:{branding.logo_type};base64,{data}"
    return render(
        "casepage/page.html",
        view.language,
        branding,
        title=say(view.language, "casepage.title"),
        kind="case",
        logo=logo,
        css=Markup(branding.css() + _CASE_CSS),  # the theme's colours are checked #rrggbb
        printed=printed or dt.datetime.now(OSLO),
        **_values(workflow, view, step_id, is_open),
    )


def family_sections(
    workflow: Workflow, view: FamilyView, step_id: str, *, is_open: bool = True
) -> str:
    """The family's view as HTML sections (status, where in the guide, baton, meetings, who,
    measures, minutes, documents), for a page that holds more (the archive's relay log)."""
    return render(
        "casepage/sections.html", view.language, PLAIN, **_values(workflow, view, step_id, is_open)
    )


def _values(workflow: Workflow, view: FamilyView, step_id: str, is_open: bool) -> dict[str, Any]:
    """What the case page's templates are given (casepage/sections.html names them)."""
    level = next((lv for lv in workflow.levels if lv.level == view.level), None)
    ids = [s.id for s in level.steps] if level is not None else []
    return {
        "wf": workflow,
        "view": view,
        "current": ids.index(step_id) + 1 if step_id in ids else 0,
        "is_open": is_open,
        "when": _when,
        "pick": functools.partial(_in, lang=view.language),
    }


def _in(text: Text, lang: str) -> Said:
    return Said(text.get(lang), lang if lang in text.languages else text.languages[0])


_CASE_CSS = _static("case-page.css")
CASE_CSS = PLAIN.css() + _CASE_CSS
"""The case page's stylesheet in the plain colours, inlined so the page is one self-contained
file (a theme's page puts its own colours first instead)."""


def actor_in_case(case: Case, person_id: str) -> Actor | None:
    """The person with ``person_id`` as named in ``case``, as the actor who would view it.

    Guardians are guardians, the subject's id is the young person, anyone else named (opener,
    baton holder, contact person, involved professional) is an employee of their unit.
    """
    for guardian in case.guardians:
        if guardian.id == person_id:
            return Actor(guardian.id, "guardian", "", guardian.name)
    if person_id == case.subject:
        return Actor(person_id, "child")
    for person in _staff_named(case):
        if person.id == person_id:
            return Actor(person.id, "employee", person.unit, person.name)
    return None


def people_in_case(case: Case) -> list[Person]:
    """Everyone ``actor_in_case`` finds in ``case`` by name, once each: the guardians, then the
    staff named (opener, baton holder, contact person, offered the baton, involved). The
    subject, who is known by id only, is not among them."""
    found: dict[str, Person] = {}
    for person in [*case.guardians, *_staff_named(case)]:
        found.setdefault(person.id, person)
    return list(found.values())


def _staff_named(case: Case) -> list[Person]:
    named = [case.opened_by, case.baton_holder, case.contact_person, case.baton_offer]
    named += [i.person for i in case.involved]
    return [p for p in named if p is not None]


__all__ = [
    "CASE_CSS",
    "actor_in_case",
    "case_page",
    "family_sections",
    "people_in_case",
]
