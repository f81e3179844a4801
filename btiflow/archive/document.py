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
from btiflow.localtime import OSLO
from btiflow.render.casepage import CASE_CSS, family_sections
from btiflow.render.pdf import pdf_a
from btiflow.timeline import actor_names, describe
from btiflow.views import family_view
from btiflow.workflow.model import Workflow

ARCHIVE_LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Stafettlogg – sak {case}",
        "lead": "Hele stafettloggen for saken, slik den er lagret, og det foresatte og barnet "
        "kunne se av den.",
        "subject": "Barnets id",
        "guide": "Veileder",
        "opened": "Åpnet",
        "closed": "Avsluttet",
        "still_open": "Saken er åpen",
        "entries": "Oppføringer i loggen",
        "head": "Kontrollsum for siste oppføring (SHA-256)",
        "log": "Loggen",
        "seq": "Nr.",
        "when": "Tid",
        "who": "Hvem",
        "what": "Hva",
        "family": "Slik foresatte og barnet ser saken",
        "foot": "Arkivert {date} av {by}. Dokumentet viser hele loggen, også bekymringen og "
        "interne oppføringer; det er taushetsbelagt.",
    },
    "nn": {
        "title": "Stafettlogg – sak {case}",
        "lead": "Heile stafettloggen for saka, slik han er lagra, og det føresette og barnet "
        "kunne sjå av han.",
        "subject": "Barnet sin id",
        "guide": "Rettleiar",
        "opened": "Opna",
        "closed": "Avslutta",
        "still_open": "Saka er open",
        "entries": "Oppføringar i loggen",
        "head": "Kontrollsum for siste oppføring (SHA-256)",
        "log": "Loggen",
        "seq": "Nr.",
        "when": "Tid",
        "who": "Kven",
        "what": "Kva",
        "family": "Slik føresette og barnet ser saka",
        "foot": "Arkivert {date} av {by}. Dokumentet viser heile loggen, også uroa og interne "
        "oppføringar; det er teiepliktig.",
    },
    "en": {
        "title": "Relay log – case {case}",
        "lead": "The case's whole relay log as stored, and what the guardians and the child "
        "could see of it.",
        "subject": "The child's id",
        "guide": "Guide",
        "opened": "Opened",
        "closed": "Closed",
        "still_open": "The case is open",
        "entries": "Entries in the log",
        "head": "Checksum of the last entry (SHA-256)",
        "log": "The log",
        "seq": "No.",
        "when": "Time",
        "who": "Who",
        "what": "What",
        "family": "What the guardians and the child see",
        "foot": "Archived {date} by {by}. The document shows the whole log, the concern and "
        "internal entries included; it is confidential.",
    },
}
"""The document's own words; everything else comes from the timeline and the case page."""

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
    when = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


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
    words = ARCHIVE_LABELS.get(lang) or ARCHIVE_LABELS["nb"]
    names = actor_names(log)
    rows = "".join(
        f"<tr><td>{e.seq}</td><td>{_local(e.time)}</td>"
        f"<td>{escape(names.get(e.actor, e.actor))}</td>"
        f"<td>{escape(describe(e, versions.get(e.workflow_hash, workflow)))}</td></tr>\n"
        for e in log
    )
    facts = [
        (words["subject"], case.subject),
        (words["guide"], f"{workflow.title.get(lang)} {workflow.version}"),
        (words["opened"], f"{_local(case.opened_at)} ({case.opened_by.label()})"),
        (words["closed"], _local(case.closed_at) if case.closed_at else words["still_open"]),
        (words["entries"], str(len(log))),
        (words["head"], case.head_hash),
    ]
    facts_html = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>\n" for k, v in facts)
    view = family_view(workflow, case, log)
    title = words["title"].format(case=case.id)
    foot = words["foot"].format(date=_local(archived_at), by=archived_by)
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
<p class="lead">{escape(words["lead"])}</p>
<dl class="facts">
{facts_html}</dl>
<section class="whole">
<h2>{escape(words["log"])}</h2>
<table class="log">
<thead><tr><th>{words["seq"]}</th><th>{words["when"]}</th><th>{words["who"]}</th>\
<th>{words["what"]}</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</section>
<section class="whole">
<h2>{escape(words["family"])}</h2>
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
