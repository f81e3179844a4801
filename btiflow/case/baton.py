"""Rules 4–6 of the domain: the baton (stafettpinnen).

4. Baton from level 1: a holder is appointed when the case leaves level 0, and from then until
   the case closes there is always exactly one.
5. Baton kept until accepted: the holder keeps it until the person offered it accepts; a
   declined, withdrawn or unanswered offer changes nothing. When the holder's unit has lost
   consent (``Case.baton_stranded``) others who work the case may offer it on.
6. Baton decided at each change of level, together with the family.

The fold (``case/fold.py``) only applies what the entries written here say: a ``level_changed``
entry names the holder (``baton_holder``, when appointed) or the person offered it
(``baton_offer``), and the holder changes only with ``baton_accepted``.
"""

from __future__ import annotations

from typing import Any

from btiflow.case.consent import baton_stranded, unit_allowed
from btiflow.case.context import Context, Refused
from btiflow.case.entries import Draft
from btiflow.case.kinds import BatonAccepted, BatonOffered
from btiflow.case.people import Person
from btiflow.case.state import Case
from btiflow.errors import Reason


def at_level_change(case: Case, holder: Person | None) -> tuple[Person | None, Person | None]:
    """The baton's part of a ``level_changed`` entry, ``holder`` being the one chosen (rule 6):
    the holder appointed, and the person offered the baton (either or both None).

    With no holder yet (leaving level 0) the chosen one is appointed at once (rule 4); otherwise
    a new person is only offered the baton, and the holder keeps it until they accept (rule 5).
    """
    if case.baton_holder is None:
        return holder, None
    if holder is not None and holder.id != case.baton_holder.id:
        return None, holder
    return None, None


def level_change_reasons(ctx: Context, p: dict[str, Any]) -> list[Reason]:
    """Rule 6: a change of level is decided with the family, whose wish is recorded."""
    return [] if p.get("family_wish") else [ctx.reason("family_wish_required")]


def appointment_reasons(ctx: Context, holder: Person | None) -> list[Reason]:
    """Rule 4: leaving level 0 needs a holder, whose unit may work the case (rule 11)."""
    case = ctx.case
    if case.level == 0 and holder is None:
        return [ctx.reason("baton_holder_required")]
    if case.baton_holder is None and holder is not None and not unit_allowed(ctx, holder.unit):
        # appointed at once, so the consent an accepted offer would need is needed now
        return [ctx.reason("baton_unit_without_consent", unit=holder.unit or "?")]
    return []


def on_behalf(ctx: Context) -> bool:
    """Rule 5: the actor may pass the baton on for a holder who is away or has left: the
    holder's line manager (role leader of the holder's unit) or the municipality's BTI
    coordinator. The holder keeps the baton until the person offered it accepts."""
    holder = ctx.case.baton_holder
    actor = ctx.actor
    if holder is None or actor.id == holder.id:
        return False
    manages = actor.role == "leader" and bool(actor.unit) and actor.unit == holder.unit
    return manages or actor.role == "coordinator"


def _may_pass(ctx: Context) -> bool:
    holder = ctx.case.baton_holder
    stranded = baton_stranded(ctx.workflow, ctx.case, ctx.today)
    return holder is None or ctx.actor.id == holder.id or stranded or on_behalf(ctx)


def offer_check(ctx: Context) -> list[Reason]:
    case = ctx.case
    reasons = []
    holder = case.baton_holder
    if holder is not None and not _may_pass(ctx):
        reasons.append(ctx.reason("only_baton_holder", person=holder.label()))
    if case.baton_offer is not None:
        reasons.append(ctx.reason("baton_offer_pending", person=case.baton_offer.label()))
    return reasons


def offer(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    holder = ctx.case.baton_holder
    if holder is not None and p["to"].id == holder.id:
        raise Refused([ctx.reason("already_baton_holder", person=holder.label())])
    if on_behalf(ctx) and not p.get("reason"):
        raise Refused([ctx.reason("offer_reason_required")])  # the log says why (rule 5)
    return [Draft(BatonOffered(**p))]


def answer_check(ctx: Context) -> list[Reason]:
    offered = ctx.case.baton_offer
    if offered is None:
        return [ctx.reason("no_baton_offer")]
    if ctx.actor.id != offered.id:
        return [ctx.reason("not_offered_to_you", person=offered.label())]
    return []


def accept(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    offered = ctx.case.baton_offer
    assert offered is not None
    if not unit_allowed(ctx, offered.unit):
        raise Refused([ctx.reason("baton_unit_without_consent", unit=offered.unit or "?")])
    return [Draft(BatonAccepted(holder=offered))]


def withdraw_offer_check(ctx: Context) -> list[Reason]:
    case = ctx.case
    if case.baton_offer is None:
        return [ctx.reason("no_baton_offer")]
    holder = case.baton_holder
    if holder is not None and not _may_pass(ctx):
        return [ctx.reason("only_baton_holder", person=holder.label())]
    return []
