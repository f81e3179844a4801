"""Level 3's standing arrangements: responsibility group, individual plan and coordinator, and a
child coordinator (step 3 of level 3: "Vurder å etablere ansvarsgruppe, opprette individuell
plan/koordinator, og/eller søke om barnekoordinator").

Rule 13 (``decisions``) makes sure the rights are *assessed*; this module records what was then
*done*: who is in the group, that an individual plan started and who coordinates it, that a child
coordinator was applied for. An individual plan does not close the case to open it again
elsewhere: the case goes on, with the coordinator named (who may be the baton holder), and the
coordinator works the case like the contact person (``access``). Every member of staff named
works in a unit that may know (the opening unit, or one under consent, rule 11).
"""

from __future__ import annotations

from typing import Any

from btiflow.case.consent import unit_allowed
from btiflow.case.context import Context, Refused
from btiflow.case.entries import Draft
from btiflow.case.kinds import IndividualPlanStarted, ResponsibilityGroupFormed
from btiflow.case.people import Person


def _outside(ctx: Context, people: tuple[Person, ...]) -> list[str]:
    """Units of staff named who may not know the case (no consent)."""
    return sorted({p.unit for p in people if p.unit and not unit_allowed(ctx, p.unit)})


def form_group(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    members: tuple[Person, ...] = p["members"]
    if not members:
        raise Refused([ctx.reason("group_without_members")])
    outside = _outside(ctx, members)
    if outside:
        raise Refused([ctx.reason("consent_missing", unit=", ".join(outside))])
    if tuple(members) == ctx.case.responsibility_group and "note" not in p:
        raise Refused([ctx.reason("group_unchanged")])
    return [Draft(ResponsibilityGroupFormed(**p))]


def start_plan(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    coordinator: Person = p["coordinator"]
    if not unit_allowed(ctx, coordinator.unit):
        raise Refused([ctx.reason("consent_missing", unit=coordinator.unit)])
    current = ctx.case.coordinator
    if current is not None and (current.id, current.unit) == (coordinator.id, coordinator.unit):
        raise Refused([ctx.reason("already_coordinator", person=coordinator.label())])
    return [Draft(IndividualPlanStarted(**p))]
