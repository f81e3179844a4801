"""A case's relay log as a readable timeline, in the workflow's language (bokmål or nynorsk).

Meant for staff (it shows what the log holds, the concern included); the family's view is
shaped separately.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from btiflow.case.entries import Entry
from btiflow.case.people import Person
from btiflow.case.rules import MEETING_KIND_NAMES
from btiflow.localtime import OSLO
from btiflow.workflow.model import Workflow

_NB: dict[str, str] = {
    "case_opened": "Sak åpnet av {opener} ({guide})",
    "concern_recorded": "Bekymring konkretisert: {description}",
    "child_welfare_consulted": "Barneverntjenesten rådspurt anonymt",
    "leader_informed": "Nærmeste leder informert",
    "guardians_informed": "Foresatte informert",
    "child_informed": "Barnet informert",
    "step_completed": "Steg fullført: «{from_title}» → «{to_title}»",
    "level_changed": "Nivå {from_level} → {to_level} ({outcome}). Familiens ønske: {family_wish}",
    "case_closed": "Saken avsluttet på nivå {level}. {summary}",
    "evaluation_continued": "Videreføring: ny evaluering {next_evaluation}",
    "contact_person_appointed": "Kontaktperson: {person}",
    "baton_offered": "Stafettpinnen tilbudt {to}",
    "baton_accepted": "Stafettpinnen mottatt og akseptert av {holder}",
    "baton_declined": "Tilbudet om stafettpinnen avslått",
    "baton_offer_withdrawn": "Tilbudet om stafettpinnen trukket tilbake",
    "meeting_scheduled": "{kind} ({meeting}) avtalt {at}",
    "meeting_moved": "Møte ({meeting}) flyttet til {at}",
    "meeting_cancelled": "Møte ({meeting}) avlyst",
    "meeting_held": "{kind} ({meeting}) holdt; {voice}",
    "minutes_recorded": "Referat fra {meeting} skrevet",
    "measures_agreed": "Tiltak avtalt: {measures}. Evaluering senest {next_evaluation}",
    "evaluation_recorded": "Evaluering: {changes} Status: {status}",
    "evaluation_rescheduled": "Evaluering flyttet til {next_evaluation}",
    "consent_given": "Samtykke gitt for {units}",
    "consent_refused": "Samtykke avslått for {units}",
    "consent_withdrawn": "Samtykke trukket tilbake for {units}",
    "unit_involved": "{unit} involvert: {task}",
    "rights_assessed": "Rettigheter vurdert (ansvarsgruppe, individuell plan, barnekoordinator)",
    "note_added": "Notat",
    "document_added": "Dokument: {title}",
    "workflow_migrated": (
        "Flyttet til veilederens versjon {to_version} (fra {from_version}): «{from_title}» → "
        "«{to_title}»{due}"
    ),
}

_OUTCOMES = {"expand": "utvides", "hand_down": "videreføres på lavere nivå"}


def _person(data: Mapping[str, Any] | None) -> str:
    return "?" if data is None else Person(**data).label()


def _step_title(workflow: Workflow | None, step_id: str) -> str:
    if workflow is None:
        return step_id
    try:
        return workflow.find_step(step_id)[1].title.get(workflow.language)
    except KeyError:
        return step_id


def _values(entry: Entry, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    d = dict(entry.data)
    kinds = MEETING_KIND_NAMES.get(lang, MEETING_KIND_NAMES["nb"])
    values: dict[str, Any] = dict(d)
    if entry.kind == "case_opened":
        wf = d["workflow"]
        values["opener"] = _person(d["opened_by"])
        values["guide"] = f"{wf['id']} {wf['version']}"
    elif entry.kind == "step_completed":
        values["from_title"] = _step_title(workflow, d["from_step"])
        values["to_title"] = _step_title(workflow, d["to_step"])
    elif entry.kind == "level_changed":
        values["outcome"] = _OUTCOMES.get(d["outcome"], d["outcome"])
    elif entry.kind == "case_closed":
        values["summary"] = (
            d.get("reason") or f"Endring: {d.get('changes')} Avtalt: {d.get('agreed')}"
        )
    elif entry.kind in ("contact_person_appointed",):
        values["person"] = _person(d["person"])
    elif entry.kind == "baton_offered":
        values["to"] = _person(d["to"])
    elif entry.kind == "baton_accepted":
        values["holder"] = _person(d["holder"])
    elif entry.kind == "meeting_scheduled":
        values["kind"] = kinds.get(d["kind"], d["kind"]).capitalize()
        values["at"] = (
            dt.datetime.fromisoformat(d["at"]).astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")
        )
    elif entry.kind == "meeting_moved":
        values["at"] = (
            dt.datetime.fromisoformat(d["at"]).astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")
        )
    elif entry.kind == "meeting_held":
        values["kind"] = "Møte"
        values["voice"] = (
            "barnet deltok" if d["child_took_part"] else f"barnets stemme: {d.get('child_voice')}"
        )
    elif entry.kind == "measures_agreed":
        values["measures"] = "; ".join(
            f"{m['what']} (ansvar: {m['responsible']})" for m in d["measures"]
        )
    elif entry.kind == "workflow_migrated":
        values["from_version"] = d["from"]["version"]
        values["to_version"] = d["to"]["version"]
        values["from_title"] = d.get("from_title") or d["from_step"]
        values["to_title"] = _step_title(workflow, d["to_step"])
        values["due"] = (
            f". Evaluering senest {d['next_evaluation']}" if d.get("next_evaluation") else ""
        )
    elif entry.kind.startswith("consent_"):
        values["units"] = ", ".join(d["units"])
    return values


def describe(entry: Entry, workflow: Workflow | None = None) -> str:
    """One entry as a sentence."""
    lang = workflow.language if workflow is not None else "nb"
    template = _NB.get(entry.kind, entry.kind)
    try:
        return template.format(**_values(entry, workflow, lang))
    except (KeyError, TypeError):
        return entry.kind


def timeline(
    entries: Iterable[Entry],
    workflow: Workflow | None = None,
    actor_name: Callable[[str], str] | None = None,
    versions: Mapping[str, Workflow] | None = None,
) -> str:
    """The entries as numbered lines: seq, local time, who, what.

    ``versions`` (content hash → workflow) explains each entry with the guide version it was
    written under (a case moved to a new version keeps its old steps' titles); ``workflow``
    is used for entries whose version is not given.
    """
    lines = []
    for e in entries:
        when = e.time.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")
        who = actor_name(e.actor) if actor_name else e.actor
        wf = versions.get(e.workflow_hash, workflow) if versions else workflow
        lines.append(f"{e.seq:>3}  {when}  {who:<30} {describe(e, wf)}")
    return "\n".join(lines) + "\n"
