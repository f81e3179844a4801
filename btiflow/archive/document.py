"""The relay log as a document a person reads: the timeline and the family's view, as PDF/A.

The texts come from where they already live: each entry's sentence from ``btiflow.timeline``,
the family's view from the case page (``btiflow.render.casepage``); this module adds only the
document's frame (heading, facts of the case, foot) in the guide's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape

from btiflow.case.entries import Entry
from btiflow.case.state import Case
from btiflow.render.casepage import CASE_CSS, family_sections
from btiflow.render.pdf import pdf_a
from btiflow.timeline import actor_names, describe
from btiflow.views import family_view
from btiflow.words import dates, say
from btiflow.workflow.model import Workflow

ARCHIVE_CSS = """\
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 700; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table.log td:first-child { white-space: nowrap; }
table.log td:nth-child(2) { white-space: nowrap; }
/* the case page keeps each of its short sections on one page; this document's are long */
section.whole { break-inside: auto; }
"""


def _local(moment: dt.datetime | str) -> str:
    """A moment as a table shows it: "04.09.2026 08.30", Norway's time."""
    return dates.short_moment(
        dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    )


def relay_log_html(
    workflow: Workflow,
    case: Case,
    log: Sequence[Entry],
    *,
    versions: Mapping[str, Workflow],
    archived_at: dt.datetime,
    archived_by: str,
) -> str:
    """The relay log document as one HTML page (the PDF's source).

    ``versions`` (content hash → workflow) explains each entry under the guide version it was
    written with, as ``btiflow.timeline`` does.
    """
    lang = workflow.language

    def words(key: str, **values: object) -> str:
        # the document's own words (archive.* in the catalogue); everything else comes from
        # the timeline and the case page
        return say(lang, f"archive.{key}", **values)

    names = actor_names(log)
    rows = "".join(
        f"<tr><td>{e.seq}</td><td>{_local(e.time)}</td>"
        f"<td>{escape(names.get(e.actor, e.actor))}</td>"
        f"<td>{escape(describe(e, versions.get(e.workflow_hash, workflow)))}</td></tr>\n"
        for e in log
    )
    facts = [
        (words("subject"), case.subject),
        (words("guide"), f"{workflow.title.get(lang)} {workflow.version}"),
        (words("opened"), f"{_local(case.opened_at)} ({case.opened_by.label()})"),
        (words("closed"), _local(case.closed_at) if case.closed_at else words("still_open")),
        (words("entries"), str(len(log))),
        (words("head"), case.head_hash),
    ]
    facts_html = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>\n" for k, v in facts)
    view = family_view(workflow, case, log)
    title = words("title", case=case.id)
    foot = words("foot", date=dates.moment(archived_at, lang), by=archived_by)
    return f"""\
<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>
{CASE_CSS}{ARCHIVE_CSS}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="lead">{escape(words("lead"))}</p>
<dl class="facts">
{facts_html}</dl>
<section class="whole">
<h2>{escape(words("log"))}</h2>
<table class="log">
<thead><tr><th>{words("seq")}</th><th>{words("when")}</th><th>{words("who")}</th>\
<th>{words("what")}</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</section>
<section class="whole">
<h2>{escape(words("family"))}</h2>
{family_sections(workflow, view, case.step, is_open=case.is_open)}
</section>
</main>
<footer>
<p>{escape(foot)}</p>
</footer>
</body>
</html>
"""


def relay_log_pdf(
    workflow: Workflow,
    case: Case,
    log: Sequence[Entry],
    *,
    versions: Mapping[str, Workflow],
    archived_at: dt.datetime,
    archived_by: str,
) -> bytes:
    """The relay log document as PDF/A-3b."""
    html = relay_log_html(
        workflow, case, log, versions=versions, archived_at=archived_at, archived_by=archived_by
    )
    return pdf_a(html, created=archived_at)
