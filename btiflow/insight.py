"""The right of access (GDPR art. 15): everything btiflow holds about a guardian or young person.

For each case that names the person (as a guardian, or as the child the case is about):
the family's view of the case as they may see it, what they wrote in the log (notes, consents,
requests to close), their consent decisions, and the case's access log — who has read it and
acted in it. ``person_insight`` gathers it; ``write_insight`` writes it as ``innsyn.json`` (for
programs) and ``innsyn.pdf`` (PDF/A, for the person). An administrator answers the request after
the municipality has checked who is asking; each case's access log records the export.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import attrs

from btiflow import access
from btiflow.access import AccessRecord
from btiflow.archive.package import check_archivist, check_directory
from btiflow.case.entries import Entry
from btiflow.case.kinds import ConsentGiven, ConsentRefused, ConsentWithdrawn
from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.errors import ArchiveError, os_reason
from btiflow.render.casepage import CASE_CSS, family_sections
from btiflow.render.pdf import pdf_a
from btiflow.store.base import Store
from btiflow.timeline import describe
from btiflow.views import FamilyView, family_view
from btiflow.words import dates, has, say
from btiflow.workflow.model import Workflow

JSON_FILE = "innsyn.json"
PDF_FILE = "innsyn.pdf"
FORMAT = "btiflow-insight/1"
_CONSENTS = (ConsentGiven, ConsentRefused, ConsentWithdrawn)


@attrs.frozen
class Written:
    """One entry the person wrote: its number, time, kind, the sentence, and its data."""

    seq: int
    time: str
    kind: str
    text: str
    data: dict[str, Any]


@attrs.frozen
class CaseInsight:
    """What one case holds about the person."""

    case_id: str
    relation: str
    """``guardian`` or ``child`` (the young person the case is about)."""
    recorded: dict[str, Any]
    """The person as the case records them: a guardian's id, name and e-mail address; the
    child's id and birth date."""
    view: FamilyView
    written: tuple[Written, ...]
    consents: tuple[Written, ...]
    access_log: tuple[AccessRecord, ...]


@attrs.frozen
class Insight:
    """Everything btiflow holds about one person, case by case."""

    person_id: str
    made_at: dt.datetime
    made_by: str
    cases: tuple[CaseInsight, ...]


@attrs.frozen
class InsightExport:
    """The files written: the JSON and the PDF."""

    json_path: Path
    pdf_path: Path
    insight: Insight


def _relation(case: Case, person_id: str) -> str | None:
    if case.is_subject(person_id):
        return "child"
    if any(g.id == person_id for g in case.guardians):
        return "guardian"
    return None


def _recorded(case: Case, person_id: str, relation: str) -> dict[str, Any]:
    if relation == "child":
        return {"id": case.subject, "birth_date": case.birth_date}
    guardian = next(g for g in case.guardians if g.id == person_id)
    return {"id": guardian.id, "name": guardian.name, "email": guardian.email}


def _seen(
    workflow: Workflow, case: Case, person_id: str, relation: str, now: dt.datetime
) -> access.Access | None:
    """What a guardian may see today (their view is limited for an older child); None for the
    young person, whose own export withholds nothing."""
    if relation != "guardian":
        return None
    return access.access(workflow, case, Actor(person_id, "guardian"), now)


def _written(entries: Sequence[Entry], workflow: Workflow) -> tuple[Written, ...]:
    return tuple(
        Written(e.seq, e.time.isoformat(), e.kind, describe(e, workflow), dict(e.data))
        for e in entries
    )


def person_insight(
    store: Store, person_id: str, *, by: Actor, now: dt.datetime | None = None
) -> Insight:
    """Everything ``store`` holds about ``person_id`` (read only; nothing is logged).

    ``by`` must be an administrator; ``ArchiveError`` when no case names the person.
    """
    now = now or dt.datetime.now(dt.UTC)
    check_archivist(by)
    found = []
    for case_id in store.case_ids():
        case = store.load(case_id)
        relation = _relation(case, person_id)
        if relation is None:
            continue
        workflow = store.load_workflow(case.workflow_hash)
        log = store.entries(case_id)
        seen = _seen(workflow, case, person_id, relation, now)
        rows = store.access_log(case_id)
        theirs = [e for e in log if e.actor == person_id]
        found.append(
            CaseInsight(
                case_id=case.id,
                relation=relation,
                recorded=_recorded(case, person_id, relation),
                view=family_view(workflow, case, log, hidden=seen.hidden if seen else ()),
                written=_written(theirs, workflow),
                consents=_written([e for e in theirs if isinstance(e.body, _CONSENTS)], workflow),
                # the export tells a limited guardian no more than their page does
                access_log=tuple(access.log_shown(case, seen, rows) if seen else rows),
            )
        )
    if not found:
        raise ArchiveError.coded("insight.no_person", person=person_id)
    return Insight(person_id, now, by.id, tuple(found))


def insight_data(insight: Insight) -> dict[str, Any]:
    """The insight as plain JSON-ready data."""
    return {
        "format": FORMAT,
        "person": insight.person_id,
        "made_at": insight.made_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "made_by": insight.made_by,
        "cases": [
            {
                "case": c.case_id,
                "relation": c.relation,
                "recorded": c.recorded,
                "family_view": attrs.asdict(c.view),
                "written": [attrs.asdict(w) for w in c.written],
                "consents": [attrs.asdict(w) for w in c.consents],
                "access_log": [
                    {**attrs.asdict(r), "time": r.time.isoformat()} for r in c.access_log
                ],
            }
            for c in insight.cases
        ],
    }


def _local(moment: dt.datetime | str) -> str:
    """A moment as a table or list shows it: "04.09.2026 08.30", Norway's time."""
    return dates.short_moment(
        dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    )


def _what(language: str, what: str) -> str:
    """An access-log row's ``what`` in words ("så saken (familiens visning)")."""
    key = (
        "insight.what."
        + what.split(":", 1)[0]
        + ("_" + what[5:] if what.startswith("view:") else "")
    )
    return say(language, key) if has("nb", key) else what


def _value(key: str, value: object) -> str:
    """A recorded value as the person reads it (a birth date as "04.09.2026")."""
    if key == "birth_date" and isinstance(value, str):
        try:
            return dates.short_day(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def insight_html(store: Store, insight: Insight) -> str:
    """The insight as one HTML page, in the language of the person's (first) case's guide."""
    cases = [(c, store.load(c.case_id)) for c in insight.cases]
    workflows = [store.load_workflow(case.workflow_hash) for _, case in cases]
    lang = workflows[0].language

    def words(key: str, **values: object) -> str:
        # the export's own words (insight.* in the catalogue); the case's texts come from the
        # family's view and the timeline
        return say(lang, f"insight.{key}", **values)

    sections = []
    for (part, case), workflow in zip(cases, workflows, strict=True):
        written = "".join(f"<li>{_local(w.time)}: {escape(w.text)}</li>" for w in part.written)
        consents = "".join(f"<li>{_local(w.time)}: {escape(w.text)}</li>" for w in part.consents)
        reads = "".join(
            f"<tr><td>{_local(r.time)}</td><td>{escape(r.name or r.actor)}"
            f"{f' ({escape(r.unit)})' if r.unit else ''}</td>"
            f"<td>{escape(_what(lang, r.what))}</td></tr>"
            for r in part.access_log
        )
        none = f"<p>{escape(words('none'))}</p>"
        recorded = "".join(
            f"<li>{escape(words('field.' + key))}: {escape(_value(key, value))}</li>"
            for key, value in part.recorded.items()
            if value
        )
        sections.append(f"""\
<section class="whole">
<h2>{escape(words("case", case=part.case_id))}</h2>
<p>{escape(words("relation_" + part.relation))}</p>
<h3>{escape(words("recorded"))}</h3>
<ul>{recorded}</ul>
{family_sections(workflow, part.view, case.step, is_open=case.is_open)}
<h3>{escape(words("written"))}</h3>
{f"<ul>{written}</ul>" if written else none}
<h3>{escape(words("consents"))}</h3>
{f"<ul>{consents}</ul>" if consents else none}
<h3>{escape(words("access"))}</h3>
<table><thead><tr><th>{words("when")}</th><th>{words("who")}</th><th>{words("what")}</th>\
</tr></thead><tbody>{reads}</tbody></table>
</section>
""")
    title = words("title", person=insight.person_id)
    foot = words("foot", date=dates.moment(insight.made_at, lang), by=insight.made_by)
    return f"""\
<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>
{CASE_CSS}section.whole {{ break-inside: auto; }}
</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="lead">{escape(words("lead"))}</p>
{"".join(sections)}
</main>
<footer><p>{escape(foot)}</p></footer>
</body>
</html>
"""


def write_insight(
    store: Store,
    person_id: str,
    out_dir: str | os.PathLike[str],
    *,
    by: Actor,
    now: dt.datetime | None = None,
) -> InsightExport:
    """Write ``innsyn.json`` and ``innsyn.pdf`` about ``person_id`` into ``out_dir``.

    Each case's access log records the export (``insight``). Nothing is written when the
    person is named in no case, ``by`` is not an administrator, or the directory cannot be
    written or already holds an export (``ArchiveError``).
    """
    now = now or dt.datetime.now(dt.UTC)
    check_archivist(by)
    directory = Path(out_dir)
    check_directory(directory)
    for name in (JSON_FILE, PDF_FILE):
        if (directory / name).exists():
            raise ArchiveError.coded("insight.exists", path=str(directory / name))
    insight = person_insight(store, person_id, by=by, now=now)
    text = json.dumps(insight_data(insight), indent=2, ensure_ascii=False) + "\n"
    pdf = pdf_a(insight_html(store, insight), created=now)
    made_dir = not directory.exists()
    try:
        directory.mkdir(exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=directory))
        (partial / JSON_FILE).write_text(text, encoding="utf-8")
        (partial / PDF_FILE).write_bytes(pdf)
        for name in (JSON_FILE, PDF_FILE):
            (partial / name).rename(directory / name)
        partial.rmdir()
    except OSError as exc:
        if made_dir:
            shutil.rmtree(directory, ignore_errors=True)
        reason = os_reason(exc)
        raise ArchiveError.coded(
            "insight.cannot_write", path=str(directory), reason=reason
        ) from exc
    store.record_access(
        [
            AccessRecord(c.case_id, now, by.id, by.name, by.role, by.unit, "admin", "insight")
            for c in insight.cases
        ]
    )
    return InsightExport(directory / JSON_FILE, directory / PDF_FILE, insight)
