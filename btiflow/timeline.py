"""A case's relay log as a readable timeline, in the workflow's language (bokmål or nynorsk).

Meant for staff (it shows what the log holds, the concern included); the family's view is
shaped separately.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from btiflow.case import kinds as k
from btiflow.case.consent import RELAY_LOG
from btiflow.case.entries import Entry
from btiflow.case.kinds import EntryBody
from btiflow.case.messages import MEETING_KIND_NAMES, origin_name
from btiflow.localtime import OSLO
from btiflow.workflow.model import Workflow

_NB: dict[str, str] = {
    "case_opened": "Sak åpnet av {opener} ({guide}){from_whom}",
    "concern_recorded": "Bekymring konkretisert: {description}",
    "child_welfare_consulted": "Barneverntjenesten rådspurt anonymt{advised}",
    "leader_informed": "Nærmeste leder informert",
    "guardians_informed": "Foresatte informert",
    "child_informed": "Barnet informert",
    "step_completed": "Steg fullført: «{from_title}» → «{to_title}»",
    "level_changed": "Nivå {from_level} → {to_level} ({outcome}). Familiens ønske: {family_wish}",
    "case_closed": "Saken avsluttet på nivå {level}. {summary}",
    "evaluation_continued": "Videreføring: ny evaluering {next_evaluation}",
    "contact_person_appointed": "Kontaktperson: {person}",
    "baton_offered": "Stafettpinnen tilbudt {to}{why}",
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
    "interpreter_needed": "Behov for tolk: {who} ({language})",
    "guardians_not_informed": "Bekymringen deles ikke med foresatte: {reason}",
    "report_sent": "Bekymringsmelding sendt til barneverntjenesten",
    "case_archived": "Arkivpakke laget (kontrollsum {short})",
    "workflow_migrated": (
        "Flyttet til veilederens versjon {to_version} (fra {from_version}): «{from_title}» → "
        "«{to_title}»{due}"
    ),
    "goal_set": "Mål {goal}: {text}",
    "measure_revised": "Tiltak {measure} endret: {change}{why}",
    "measure_ended": "Tiltak {measure} avsluttet{why}",
    "responsibility_group_formed": "Ansvarsgruppe: {members}",
    "individual_plan_started": "Individuell plan, koordinator: {coordinator}",
    "child_coordinator_applied": "Søkt om barnekoordinator",
}

# Nynorsk for the records added with issue 12 (the gettext catalogue will take over the rest).
_NN: dict[str, str] = {
    "goal_set": "Mål {goal}: {text}",
    "measure_revised": "Tiltak {measure} endra: {change}{why}",
    "measure_ended": "Tiltak {measure} avslutta{why}",
    "responsibility_group_formed": "Ansvarsgruppe: {members}",
    "individual_plan_started": "Individuell plan, koordinator: {coordinator}",
    "child_coordinator_applied": "Søkt om barnekoordinator",
}

# words inside those sentences: nb, nn
_PLAN_WORDS: dict[str, tuple[str, str]] = {
    "what": ("tiltak", "tiltak"),
    "responsible": ("ansvar", "ansvar"),
    "by_date": ("frist", "frist"),
    "goal": ("mål", "mål"),
    "reached": ("nådd", "nådd"),
    "partly": ("delvis nådd", "delvis nådd"),
    "not": ("ikke nådd", "ikkje nådd"),
}


def _plan_word(key: str, lang: str) -> str:
    nb, nn = _PLAN_WORDS[key]
    return nn if lang == "nn" else nb


_OUTCOMES = {"expand": "utvides", "hand_down": "videreføres på lavere nivå"}


def _step_title(workflow: Workflow | None, step_id: str) -> str:
    if workflow is None:
        return step_id
    try:
        return workflow.find_step(step_id)[1].title.get(workflow.language)
    except KeyError:
        return step_id


def _local(at: dt.datetime) -> str:
    return at.astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")


def _values(entry: Entry, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    """What the kind's sentence may name: the body's fields that are set, and what ``_more``
    adds or words differently (a person's label, a local time, a step's title...)."""
    body = entry.body
    values = {f.name: getattr(body, f.name) for f in attrs.fields(type(body))}
    values = {name: value for name, value in values.items() if value is not None}
    return values | _more(body, workflow, lang)


@functools.singledispatch
def _more(body: EntryBody, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {}


@_more.register
def _(body: k.CaseOpened, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {
        "opener": body.opened_by.label(),
        "guide": f"{body.workflow.id} {body.workflow.version}",
        "from_whom": f", etter at {origin_name(body.origin, 'nb')}" if body.origin else "",
    }


@_more.register
def _(body: k.StepCompleted, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {
        "from_title": _step_title(workflow, body.from_step),
        "to_title": _step_title(workflow, body.to_step),
    }


@_more.register
def _(body: k.LevelChanged, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"outcome": _OUTCOMES.get(body.outcome, body.outcome)}


@_more.register
def _(body: k.CaseClosed, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"summary": body.reason or f"Endring: {body.changes} Avtalt: {body.agreed}"}


@_more.register
def _(body: k.ContactPersonAppointed, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"person": body.person.label()}


@_more.register
def _(body: k.BatonOffered, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    # offered on behalf of an absent holder: the reason says why (rule 5)
    return {"to": body.to.label(), "why": f" ({body.reason})" if body.reason else ""}


@_more.register
def _(body: k.ChildWelfareConsulted, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    advised = "; råd: ikke del bekymringen med foresatte nå" if body.tell_guardians is False else ""
    return {"advised": advised}


@_more.register
def _(body: k.BatonAccepted, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"holder": body.holder.label()}


@_more.register
def _(body: k.MeetingScheduled, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    names = MEETING_KIND_NAMES.get(lang, MEETING_KIND_NAMES["nb"])
    return {"kind": names.get(body.kind, body.kind).capitalize(), "at": _local(body.at)}


@_more.register
def _(body: k.MeetingMoved, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"at": _local(body.at)}


@_more.register
def _(body: k.MeetingHeld, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    voice = "barnet deltok" if body.child_took_part else f"barnets stemme: {body.child_voice}"
    if body.interpreter_present is not None:
        voice += "; tolk til stede" if body.interpreter_present else "; uten tolk"
    return {"kind": "Møte", "voice": voice}


@_more.register
def _(body: k.MeasuresAgreed, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    def one(m: k.AgreedMeasure) -> str:
        more = [f"ansvar: {m.responsible}"]
        if m.by_date is not None:
            more.append(f"{_plan_word('by_date', lang)} {m.by_date.isoformat()}")
        if m.goal is not None:
            more.append(f"{_plan_word('goal', lang)} {m.goal}")
        return f"{m.what} ({', '.join(more)})"

    return {"measures": "; ".join(one(m) for m in body.measures)}


@_more.register
def _(body: k.EvaluationRecorded, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    if not body.goals:
        return {}
    said = "; ".join(f"{g.goal} {_plan_word(g.status, lang)}" for g in body.goals)
    return {"status": f"{body.status} ({_plan_word('goal', lang)}: {said})"}


@_more.register
def _(body: k.MeasureRevised, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    changes = [
        f"{_plan_word(name, lang)} {value.isoformat() if name == 'by_date' else value}"
        for name in ("what", "responsible", "by_date", "goal")
        if (value := getattr(body, name)) is not None
    ]
    return {"change": ", ".join(changes), "why": f" ({body.reason})" if body.reason else ""}


@_more.register
def _(body: k.MeasureEnded, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"why": f" ({body.reason})" if body.reason else ""}


@_more.register
def _(body: k.ResponsibilityGroupFormed, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"members": ", ".join(p.label() for p in body.members)}


@_more.register
def _(body: k.IndividualPlanStarted, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"coordinator": body.coordinator.label()}


@_more.register
def _(body: k.WorkflowMigrated, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    due = body.next_evaluation
    return {
        "from_version": body.from_workflow.version,
        "to_version": body.to_workflow.version,
        "from_title": body.from_title or body.from_step,
        "to_title": _step_title(workflow, body.to_step),
        "due": f". Evaluering senest {due.isoformat()}" if due else "",
    }


@_more.register
def _(body: k.CaseArchived, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"short": body.package[:12]}


@_more.register(k.ConsentGiven)
@_more.register(k.ConsentRefused)
@_more.register(k.ConsentWithdrawn)
def _(
    body: k.ConsentGiven | k.ConsentRefused | k.ConsentWithdrawn,
    workflow: Workflow | None,
    lang: str,
) -> dict[str, Any]:
    # the consent to the relay log itself is recorded under a unit's name
    return {"units": ", ".join("stafettloggen" if u == RELAY_LOG else u for u in body.units)}


@_more.register
def _(body: k.InterpreterNeeded, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"who": "barnet" if body.person == "child" else body.person}


def actor_names(entries: Iterable[Entry]) -> dict[str, str]:
    """Actor id → name, from the persons the entries name (for a readable timeline)."""
    names: dict[str, str] = {}
    for entry in entries:
        for person in k.persons_in(entry.body):
            if person.name:
                names.setdefault(person.id, person.name)
    return names


def describe(entry: Entry, workflow: Workflow | None = None) -> str:
    """One entry as a sentence."""
    lang = workflow.language if workflow is not None else "nb"
    template = (_NN if lang == "nn" else {}).get(entry.kind) or _NB.get(entry.kind, entry.kind)
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
