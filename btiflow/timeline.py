"""A case's relay log as a readable timeline, in the workflow's language (catalogue ``timeline.*``).

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
from btiflow.case.messages import meeting_kind_name, origin_name
from btiflow.words import dates, has, language_of, say
from btiflow.workflow.model import Workflow


def _part(lang: str, key: str, **values: object) -> str:
    return say(lang, f"timeline.part.{key}", **values)


def _step_title(workflow: Workflow | None, step_id: str) -> str:
    if workflow is None:
        return step_id
    try:
        return workflow.find_step(step_id)[1].title.get(workflow.language)
    except KeyError:
        return step_id


def _values(entry: Entry, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    """What the kind's sentence may name: the body's fields that are set, and what ``_more``
    adds or words differently (a person's label, a local time, a step's title...)."""
    body = entry.body
    values = {f.name: _worded(getattr(body, f.name), lang) for f in attrs.fields(type(body))}
    values = {name: value for name, value in values.items() if value is not None}
    return values | _more(body, workflow, lang)


def _worded(value: object, lang: str) -> object:
    """A field as a person reads it: a day or a time in the one date style."""
    if isinstance(value, dt.datetime):
        return dates.moment(value, lang)
    if isinstance(value, dt.date):
        return dates.day(value, lang)
    return value


@functools.singledispatch
def _more(body: EntryBody, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {}


@_more.register
def _(body: k.CaseOpened, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {
        "opener": body.opened_by.label(),
        "guide": f"{body.workflow.id} {body.workflow.version}",
        "from_whom": (
            _part(lang, "from_whom", origin=origin_name(body.origin, lang)) if body.origin else ""
        ),
    }


@_more.register
def _(body: k.StepCompleted, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {
        "from_title": _step_title(workflow, body.from_step),
        "to_title": _step_title(workflow, body.to_step),
    }


@_more.register
def _(body: k.LevelChanged, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    outcome = f"outcome.{body.outcome}"
    return {"outcome": _part(lang, outcome) if has("nb", f"timeline.part.{outcome}") else ""}


@_more.register
def _(body: k.CaseClosed, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    summary = body.reason or _part(lang, "closing", changes=body.changes, agreed=body.agreed)
    return {"summary": summary}


@_more.register
def _(body: k.ContactPersonAppointed, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"person": body.person.label()}


@_more.register
def _(body: k.BatonOffered, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    # offered on behalf of an absent holder: the reason says why (rule 5)
    return {
        "to": body.to.label(),
        "why": _part(lang, "why", reason=body.reason) if body.reason else "",
    }


@_more.register
def _(body: k.ChildWelfareConsulted, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"advised": _part(lang, "advised") if body.tell_guardians is False else ""}


@_more.register
def _(body: k.BatonAccepted, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"holder": body.holder.label()}


@_more.register
def _(body: k.MeetingScheduled, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"kind": meeting_kind_name(body.kind, lang).capitalize()}


@_more.register
def _(body: k.MeetingHeld, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    voice = (
        _part(lang, "child_took_part")
        if body.child_took_part
        else _part(lang, "child_voice", voice=body.child_voice)
    )
    if body.interpreter_present is not None:
        interpreter = "interpreter_present" if body.interpreter_present else "no_interpreter"
        voice += "; " + _part(lang, interpreter)
    return {"kind": meeting_kind_name("other", lang).capitalize(), "voice": voice}


def _plan(lang: str, name: str, value: object) -> str:
    shown = dates.short_day(value) if isinstance(value, dt.date) else value
    return _part(lang, f"plan.{name}", value=shown)


@_more.register
def _(body: k.MeasuresAgreed, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    def one(m: k.AgreedMeasure) -> str:
        more = [_plan(lang, "responsible", m.responsible)]
        more += [_plan(lang, n, v) for n in ("by_date", "goal") if (v := getattr(m, n)) is not None]
        return f"{m.what} ({', '.join(more)})"

    return {"measures": "; ".join(one(m) for m in body.measures)}


@_more.register
def _(body: k.EvaluationRecorded, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    if not body.goals:
        return {}
    goals = "; ".join(_part(lang, f"goal.{g.status}", goal=g.goal) for g in body.goals)
    return {"status": _part(lang, "goals", status=body.status, goals=goals)}


@_more.register
def _(body: k.MeasureRevised, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    changes = [
        _plan(lang, name, value)
        for name in ("what", "responsible", "by_date", "goal")
        if (value := getattr(body, name)) is not None
    ]
    why = _part(lang, "why", reason=body.reason) if body.reason else ""
    return {"change": ", ".join(changes), "why": why}


@_more.register
def _(body: k.MeasureEnded, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"why": _part(lang, "why", reason=body.reason) if body.reason else ""}


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
        "due": _part(lang, "due", day=dates.day(due, lang)) if due else "",
    }


@_more.register
def _(body: k.CaseArchived, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"short": body.package[:12]}


@_more.register(k.CaseTransferred)
@_more.register(k.CaseReceived)
def _(
    body: k.CaseTransferred | k.CaseReceived, workflow: Workflow | None, lang: str
) -> dict[str, Any]:
    return {"short": body.bundle[:12]}


@_more.register
def _(body: k.AccessLogErased, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"before": dates.moment(dt.datetime.fromisoformat(body.before), lang)}


@_more.register
def _(body: k.CasePurged, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"retention": dates.duration(body.retention, lang)}


@_more.register(k.ConsentGiven)
@_more.register(k.ConsentRefused)
@_more.register(k.ConsentWithdrawn)
def _(
    body: k.ConsentGiven | k.ConsentRefused | k.ConsentWithdrawn,
    workflow: Workflow | None,
    lang: str,
) -> dict[str, Any]:
    # the consent to the relay log itself is recorded under a unit's name
    relay_log = _part(lang, "relay_log")
    return {"units": ", ".join(relay_log if u == RELAY_LOG else u for u in body.units)}


@_more.register
def _(body: k.GuardianRegistered, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"person": body.person.label()}


@_more.register
def _(body: k.YoungPersonRegistered, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"person": body.person.label()}


@_more.register
def _(body: k.CloseRequested, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"why": _part(lang, "why", reason=body.reason) if body.reason else ""}


@_more.register
def _(body: k.InterpreterNeeded, workflow: Workflow | None, lang: str) -> dict[str, Any]:
    return {"who": _part(lang, "child") if body.person == "child" else body.person}


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
    lang = language_of(workflow.language if workflow is not None else "nb")
    if entry.erased is not None:  # a purge left only the kind and the time
        return _part(
            lang, "erased", day=dates.day(dt.datetime.fromisoformat(entry.erased.at), lang)
        )
    key = f"timeline.{entry.kind}"
    if not has("nb", key):
        return entry.kind
    return say(lang, key, **_values(entry, workflow, lang))


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
        wf = versions.get(e.workflow_hash, workflow) if versions else workflow
        when = dates.short_moment(e.time, wf.language if wf is not None else None)
        who = actor_name(e.actor) if actor_name else e.actor
        lines.append(f"{e.seq:>3}  {when}  {who:<30} {describe(e, wf)}")
    return "\n".join(lines) + "\n"
