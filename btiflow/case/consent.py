"""Rule 11 of the domain: consent.

The relay log follows the child across services only with the guardians' consent, or the young
person's own from the self-consent age; level 0 stays inside the opening unit, and every other
unit takes part (is involved, holds the baton) only by its own consent. A guide may let consent
lapse (``consent.valid_for``): from the day it ends the unit may no longer know, until the family
gives it again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from btiflow.case.context import Context, Refused
from btiflow.case.entries import Draft
from btiflow.case.kinds import (
    CaseClosed,
    ConsentGiven,
    ConsentRefused,
    ConsentWithdrawn,
    EntryBody,
    UnitInvolved,
)
from btiflow.case.state import Case, ConsentState
from btiflow.errors import Reason
from btiflow.localtime import OSLO
from btiflow.words import say
from btiflow.workflow.model import Workflow


def consents_alone(workflow: Workflow, case: Case, today: dt.date) -> bool:
    """The young person has reached the guide's self-consent age (the birth date is known)."""
    age = case.age_on(today)
    return age is not None and age >= workflow.consent.self_consent_age


def guardians_limited(workflow: Workflow, case: Case, today: dt.date) -> bool:
    """The guardians' view is limited: the young person has reached the guide's
    ``guardian_limit_age`` and the guide hides something from then (``guardian_hides``); the
    young person's own notes and acts are then theirs (``access``, ``views.family_notes``)."""
    age = case.age_on(today)
    limit = workflow.consent.guardian_limit_age
    return bool(workflow.consent.guardian_hides) and age is not None and age >= limit


def young_note_readers(workflow: Workflow, case: Case, today: dt.date) -> str:
    """Who reads a note the young person writes, in words for them: staff who see the case, and
    the guardians until their view is limited (or always, when the guide limits nothing)."""
    lang = workflow.language
    if guardians_limited(workflow, case, today):
        return say(lang, "access.young_note.own")
    if workflow.consent.guardian_hides:
        return say(lang, "access.young_note.until", age=workflow.consent.guardian_limit_age)
    return say(lang, "access.young_note.guardians")


RELAY_LOG = "stafettlogg"
"""The consent to the relay log itself, recorded like a unit's (``give_consent(units=[...])``):
without it the case stays inside the opening unit, at level 0."""


def lapses_on(workflow: Workflow, state: ConsentState) -> dt.date | None:
    """The day a given consent ends under the guide's ``consent.valid_for`` (None: it does not)."""
    valid = workflow.consent.valid_for
    if valid is None or state.status != "given":
        return None
    given = dt.datetime.fromisoformat(state.at).astimezone(OSLO).date()
    return given + valid.timedelta


def _stands(state: ConsentState, workflow: Workflow | None, today: dt.date | None) -> bool:
    if state.status != "given":
        return False
    if workflow is None or today is None:
        return True
    ends = lapses_on(workflow, state)
    return ends is None or today < ends


def consent_stands(
    case: Case, unit: str, workflow: Workflow | None = None, today: dt.date | None = None
) -> bool:
    """Consent for ``unit`` is given and, with the guide and the day, has not lapsed."""
    state = case.consent_for(unit)
    return state is not None and _stands(state, workflow, today)


def log_shared(case: Case, workflow: Workflow | None = None, today: dt.date | None = None) -> bool:
    """The relay log may follow the child across services: the family's consent to it stands
    (and, given the guide and the day, has not lapsed under ``consent.valid_for``).

    A case that went past level 0 before consent to the log existed (it has no decision on the
    log) counts as consented: it went on under the old process, with the guardians told and the
    family's wish recorded, and the family may still withdraw (docs/design.md).
    """
    state = case.consent_for(RELAY_LOG)
    if state is not None:
        return _stands(state, workflow, today)
    return case.level >= 1


def lapsed(workflow: Workflow, case: Case, today: dt.date) -> tuple[str, ...]:
    """The units (and the relay log) whose given consent has ended under ``valid_for``."""
    return tuple(
        c.unit for c in case.consents if c.status == "given" and not _stands(c, workflow, today)
    )


def ending(workflow: Workflow, case: Case, today: dt.date) -> list[tuple[str, dt.date]]:
    """Consents that end within the guide's ``renewal_reminder`` (default two weeks) of
    ``today`` and have not ended yet: (unit, the day it ends), soonest first."""
    before = workflow.consent.renewal_reminder
    lead = before.timedelta if before is not None else dt.timedelta(days=14)
    found = []
    for c in case.consents:
        ends = lapses_on(workflow, c)
        if ends is not None and today < ends <= today + lead:
            found.append((c.unit, ends))
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def units_consented(case: Case) -> bool:
    """Consent is given for some unit or agency (the consent to the relay log itself aside)."""
    return any(c.status == "given" and c.unit != RELAY_LOG for c in case.consents)


def lapsed_reasons(ctx: Context, unit: str) -> list[Reason]:
    """``consent_lapsed`` when the consent for ``unit`` was given and has ended (valid_for)."""
    state = ctx.case.consent_for(unit)
    ends = None if state is None else lapses_on(ctx.workflow, state)
    if ends is None or ctx.today < ends:
        return []
    return [ctx.reason("consent_lapsed", unit=unit, date=ends.isoformat())]


def log_consent_reasons(ctx: Context) -> list[Reason]:
    """Leaving level 0 takes the family's consent to the relay log itself (not lapsed)."""
    if ctx.case.level == 0 and not log_shared(ctx.case, ctx.workflow, ctx.today):
        missing = [ctx.reason("log_consent_missing", log=RELAY_LOG)]
        return missing + lapsed_reasons(ctx, RELAY_LOG)
    return []


def unit_may_know(
    case: Case, unit: str, workflow: Workflow | None = None, today: dt.date | None = None
) -> bool:
    """The unit may hold the case's information: the opener's own unit, or another unit under
    its own consent while the relay log is shared; given the guide and the day, a consent that
    has lapsed (``consent.valid_for``) no longer counts."""
    if unit == case.opened_by.unit:
        return True
    return (
        unit != RELAY_LOG
        and consent_stands(case, unit, workflow, today)
        and log_shared(case, workflow, today)
    )


def baton_stranded(workflow: Workflow, case: Case, today: dt.date) -> bool:
    """The baton holder's unit may no longer know (consent withdrawn, refused or lapsed): the
    holder keeps the baton (there is never a moment without one) but can no longer act, so
    others who work the case may pass it on."""
    holder = case.baton_holder
    return holder is not None and not unit_may_know(case, holder.unit, workflow, today)


def may_consent(ctx: Context) -> list[Reason]:
    if ctx.actor.role == "guardian":
        return []
    if ctx.actor.role == "child" and consents_alone(ctx.workflow, ctx.case, ctx.today):
        return []
    return [ctx.reason("consent_by_guardian", age=ctx.workflow.consent.self_consent_age)]


def unit_allowed(ctx: Context, unit: str) -> bool:
    """Whether ``unit`` may work the case: the opening unit always, any other by consent."""
    return unit_may_know(ctx.case, unit, ctx.workflow, ctx.today)


def young_person_decides(ctx: Context, units: tuple[str, ...]) -> list[Reason]:
    """From the self-consent age the young person's own decision stands: nobody else gives,
    refuses or withdraws consent for a unit they decided on themselves.

    Only the subject can have made such a decision (the child consents only from the guide's
    age), so the latest decision being theirs is enough; a later one of theirs may change it.
    """
    if ctx.case.is_subject(ctx.actor.id):
        return []
    decided = [u for u in units if ctx.case.young_person_decided(u)]
    if not decided:
        return []
    age = ctx.workflow.consent.self_consent_age
    return [ctx.reason("young_person_decides", units=", ".join(decided), age=age)]


def unknown_services(ctx: Context, units: tuple[str, ...]) -> list[Reason]:
    """A guide that names its services (``consent.services``) takes consent for those and for
    the relay log itself only: a name typed wrong would share the log with no one, or with a
    unit nobody meant."""
    named = {s.unit for s in ctx.workflow.consent.services}
    unknown = [u for u in units if named and u != RELAY_LOG and u not in named]
    if not unknown:
        return []
    known = ", ".join(s.unit for s in ctx.workflow.consent.services)
    return [ctx.reason("unknown_service", units=", ".join(unknown), known=known)]


def give(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = unknown_services(ctx, p["units"]) + young_person_decides(ctx, p["units"])
    if reasons:
        raise Refused(reasons)
    return [Draft(ConsentGiven(**p))]


def refuse(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    reasons = unknown_services(ctx, p["units"]) + young_person_decides(ctx, p["units"])
    if reasons:
        raise Refused(reasons)
    return _closing_the_log(ctx, p["units"], ConsentRefused(**p))


def _closing_the_log(ctx: Context, units: tuple[str, ...], body: EntryBody) -> list[Draft]:
    """The consent entry; when it ends a shared relay log past level 0, the case closes too:
    what is written is kept, and no other service is shown it any further."""
    drafts = [Draft(body)]
    if RELAY_LOG in units and ctx.case.level >= 1 and log_shared(ctx.case):
        reason = say(ctx.language, "consent.log_closed")
        closed = CaseClosed(level=ctx.case.level, outcome="log_withdrawn", reason=reason)
        drafts.append(Draft(closed))
    return drafts


def withdraw_consent(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    case = ctx.case
    missing = [
        u for u in p["units"] if not (log_shared(case) if u == RELAY_LOG else case.has_consent(u))
    ]
    reasons = young_person_decides(ctx, p["units"])
    if missing:
        reasons.insert(0, ctx.reason("no_consent_to_withdraw", units=", ".join(missing)))
    if reasons:
        raise Refused(reasons)
    return _closing_the_log(ctx, p["units"], ConsentWithdrawn(**p))


def involve(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    unit = p["unit"]
    if unit == RELAY_LOG:
        raise Refused([ctx.reason("log_is_no_unit", log=RELAY_LOG)])
    if unit == ctx.case.opened_by.unit:
        raise Refused([ctx.reason("own_unit", unit=unit)])
    if not consent_stands(ctx.case, unit, ctx.workflow, ctx.today):
        raise Refused([ctx.reason("consent_missing", unit=unit), *lapsed_reasons(ctx, unit)])
    if not log_shared(ctx.case, ctx.workflow, ctx.today):  # lapsed: the unit may not know
        missing = ctx.reason("log_consent_missing", log=RELAY_LOG)
        raise Refused([missing, *lapsed_reasons(ctx, RELAY_LOG)])
    return [Draft(UnitInvolved(**p))]
