"""Who may see a case and do what in it: pure functions of (workflow, case, actor, time).

An embedding app authenticates people and hands btiflow an ``Actor`` (id, role, unit). The role
alone gives no access to any case: access comes from how the actor is tied to *this* case, which
is read from the case itself (``relations``):

=================  =========================================================================
relation           holds when
=================  =========================================================================
opener             staff whose id (and unit) is the one who opened the case
leader             a line manager (role ``leader``) of the opener's unit, while at level 0
baton_holder       staff who hold the baton, while their unit may know (own unit or consent)
contact_person     staff who are the contact person, under the same condition
plan_coordinator   staff who coordinate the case's individual plan, under the same condition
offered            staff offered the baton (they may answer; seeing needs another relation)
holder_leader      a line manager (role ``leader``) of the baton holder's unit: may pass it on
coordinator        the municipality's BTI coordinator (role ``coordinator``): may pass it on
unit_staff         staff of a unit involved in the case under a given consent
guardian           a guardian recorded in the case (told, or registered) who has been told
child              the young person the case is about (actor id = the case's subject id)
young_person       the child, from the workflow's self-consent age
admin              a municipality administrator: reads access logs, never case contents
=================  =========================================================================

A person recorded in a case matches an actor only when the role is a staff role and the id and
unit agree, so a guardian who claims a baton holder's id gets nothing. Every refusal is a
``Reason`` with code ``not_permitted`` (rule ``actor``) naming the permission missing and who
holds it. See docs/permissions.md.
"""

from __future__ import annotations

import datetime as dt
import functools

import attrs

from btiflow.case.actions import ACTIONS
from btiflow.case.consent import (
    baton_stranded,
    consents_alone,
    guardians_limited,
    unit_may_know,
)
from btiflow.case.messages import reason
from btiflow.case.people import STAFF_ROLES, Actor, Person
from btiflow.case.state import Case
from btiflow.errors import Reason
from btiflow.localtime import OSLO
from btiflow.words import say
from btiflow.workflow.model import Workflow

STAFF_SEES = frozenset(
    {"opener", "leader", "baton_holder", "contact_person", "plan_coordinator", "unit_staff"}
)
"""Relations that let a member of staff see the case (the staff view)."""

# permission: who holds it (relations)
HOLDERS: dict[str, frozenset[str]] = {
    "work_case": frozenset(
        {"opener", "leader", "baton_holder", "contact_person", "plan_coordinator"}
    ),
    "lead_meetings": frozenset({"baton_holder", "contact_person", "plan_coordinator"}),
    # the holder, or for a holder who is away or has left their line manager or the BTI
    # coordinator (rule 5); passing on gives no sight of the case's contents
    "pass_baton": frozenset({"baton_holder", "holder_leader", "coordinator"}),
    "answer_baton": frozenset({"offered"}),
    "consent": frozenset({"guardian", "young_person"}),
    # the family writes notes too: guardians once told, the young person from the self-consent
    # age (who reads a young person's note: views.family_view)
    "note": STAFF_SEES | {"guardian", "young_person"},
    "ask_to_close": frozenset({"guardian", "young_person"}),
}

# action: the permission it needs (an action not listed needs work_case)
PERMISSION_OF: dict[str, str] = {
    "schedule_meeting": "lead_meetings",
    "move_meeting": "lead_meetings",
    "cancel_meeting": "lead_meetings",
    "record_minutes": "lead_meetings",
    "offer_baton": "pass_baton",
    "withdraw_baton_offer": "pass_baton",
    "accept_baton": "answer_baton",
    "decline_baton": "answer_baton",
    "give_consent": "consent",
    "refuse_consent": "consent",
    "withdraw_consent": "consent",
    "add_note": "note",
    "ask_to_close": "ask_to_close",
}

_PRIORITY = (
    "baton_holder",
    "contact_person",
    "plan_coordinator",
    "opener",
    "leader",
    "unit_staff",
    "offered",
    "holder_leader",
    "coordinator",
    "guardian",
    "young_person",
    "child",
    "admin",
)


@attrs.frozen
class Access:
    """How one actor is tied to one case: relations, which view they get, what is hidden."""

    relations: frozenset[str]
    sees: str | None = None
    """``staff``, ``family`` or None (may not see the case)."""
    hidden: tuple[str, ...] = ()
    """Parts of the family's view withheld (from a guardian, once the young person is older)."""

    @property
    def relation(self) -> str:
        """The main relation, for the access log ('none' when there is none)."""
        return next((r for r in _PRIORITY if r in self.relations), "none")


@attrs.frozen
class AccessRecord:
    """One read of a case or one action on it, as the append-only access log keeps it."""

    case_id: str
    time: dt.datetime
    actor: str
    name: str
    role: str
    unit: str
    relation: str
    what: str
    """``view:family``, ``view:staff``, ``access_log``, ``action:<name>``, ``archive`` or
    ``insight`` (btiflow.archive, btiflow.insight)."""
    seq: int | None = None
    """For an action: the last relay-log entry it wrote."""


def _is_case_staff(actor: Actor) -> bool:
    return actor.role in ("employee", "leader")


def _is(p: Person | None, actor: Actor) -> bool:
    """The recorded person is this actor: a staff role, the same id and the same unit.

    A person recorded without a unit (only an old log can hold one: naming staff needs their
    unit) matches nobody, or anyone presenting that id from any service would be them."""
    return (
        p is not None
        and _is_case_staff(actor)
        and p.id == actor.id
        and bool(p.unit)
        and p.unit == actor.unit
    )


def _passing_on(case: Case, actor: Actor) -> set[str]:
    """Who may pass the baton on for a holder who is away or has left (rule 5)."""
    holder = case.baton_holder
    if actor.role == "leader" and holder is not None and actor.unit and actor.unit == holder.unit:
        return {"holder_leader"}
    return {"coordinator"} if actor.role == "coordinator" else set()


def relations(workflow: Workflow, case: Case, actor: Actor, today: dt.date) -> frozenset[str]:
    """Every relation that ties ``actor`` to ``case`` on ``today`` (see the module's table)."""
    found = set()
    if actor.role == "admin":
        found.add("admin")
    if _is(case.opened_by, actor):
        found.add("opener")
    leads = actor.role == "leader" and actor.unit and actor.unit == case.opened_by.unit
    if leads and case.level == 0:
        found.add("leader")
    named = (
        ("baton_holder", case.baton_holder),
        ("contact_person", case.contact_person),
        ("plan_coordinator", case.coordinator),
    )
    for name, p in named:
        if p is not None and _is(p, actor) and unit_may_know(case, actor.unit, workflow, today):
            found.add(name)
    if _is(case.baton_offer, actor):
        found.add("offered")
    found |= _passing_on(case, actor)
    if (
        _is_case_staff(actor)
        and actor.unit
        and any(
            i.unit == actor.unit and unit_may_know(case, i.unit, workflow, today)
            for i in case.involved
        )
    ):
        found.add("unit_staff")
    if (
        actor.role == "guardian"
        and case.guardians_informed
        and any(g.id == actor.id for g in case.guardians)
    ):
        found.add("guardian")
    if actor.role == "child" and case.is_subject(actor.id):
        found.add("child")
        if consents_alone(workflow, case, today):
            found.add("young_person")
    return frozenset(found)


def access(workflow: Workflow, case: Case, actor: Actor, now: dt.datetime) -> Access:
    """What ``actor`` may see of ``case`` at ``now``: the staff view, the family's, or nothing."""
    today = now.astimezone(OSLO).date()
    rel = relations(workflow, case, actor, today)
    if rel & STAFF_SEES:
        return Access(rel, "staff")
    if "guardian" in rel:
        limited = guardians_limited(workflow, case, today)
        return Access(rel, "family", workflow.consent.guardian_hides if limited else ())
    age = case.age_on(today)
    if "child" in rel and age is not None and age >= workflow.consent.child_view_age:
        return Access(rel, "family")
    return Access(rel, None)


def may_see(workflow: Workflow, case: Case, actor: Actor, now: dt.datetime) -> bool:
    """Whether ``actor`` may see ``case`` at all at ``now``."""
    return access(workflow, case, actor, now).sees is not None


def may_see_any(actor: Actor) -> bool:
    """Whether ``actor``'s role could give them sight of any case at all: staff who work cases
    (``employee``, ``leader``), guardians and the child. The BTI coordinator and the
    administrator never see a case's contents (``relations`` gives them no seeing tie)."""
    return _is_case_staff(actor) or actor.role in ("guardian", "child")


def may_read_access_log(workflow: Workflow, case: Case, actor: Actor, now: dt.datetime) -> bool:
    """Guardians and the young person who may see the case, and administrators."""
    seen = access(workflow, case, actor, now)
    return seen.sees == "family" or "admin" in seen.relations


# part of the family's view (guardian_hides): the actions whose access-log rows would show it
_PART_OF_ACTION = {
    "record_minutes": "minutes",
    "add_document": "documents",
    "agree_measures": "measures",
    "schedule_meeting": "meetings",
    "move_meeting": "meetings",
    "cancel_meeting": "meetings",
    "hold_meeting": "meetings",
    "involve_unit": "involved",
}


def log_shown(case: Case, seen: Access, rows: list[AccessRecord]) -> list[AccessRecord]:
    """The access-log rows ``seen`` may read: all of them, except for a guardian whose view is
    limited (``seen.hidden``), who is not shown what the view hides either. A row would tell
    them: the young person's own reads and acts (their own business from that age), an action
    on a hidden part (minutes written, a document added), and with ``involved`` hidden, what
    staff of a service other than the opener's did."""
    if not seen.hidden:
        return rows
    hidden = set(seen.hidden)

    def shown(row: AccessRecord) -> bool:
        if row.role == "child" and case.is_subject(row.actor):
            return False
        if _PART_OF_ACTION.get(row.what.removeprefix("action:")) in hidden:
            return False
        other_unit = row.role in STAFF_ROLES and row.unit != case.opened_by.unit
        return not ("involved" in hidden and other_unit)

    return [row for row in rows if shown(row)]


def permission_of(action: str) -> str:
    """The permission ``action`` needs."""
    return PERMISSION_OF.get(action, "work_case")


def refusal(
    workflow: Workflow,
    case: Case,
    action: str,
    actor: Actor,
    now: dt.datetime,
    seen: Access | None = None,
) -> list[Reason]:
    """Why ``actor`` may not do ``action`` on ``case`` now (empty: permitted; the rules of the
    guide are checked after this, by ``decide``). ``seen`` is ``access(...)`` if known."""
    if action not in ACTIONS:
        return []  # decide names the unknown action
    permission = permission_of(action)
    if seen is None:
        seen = access(workflow, case, actor, now)
    if seen.relations & HOLDERS[permission]:
        return []
    stranded = baton_stranded(workflow, case, now.astimezone(OSLO).date())
    if permission == "pass_baton" and stranded and seen.relations & HOLDERS["work_case"]:
        return []  # the holder's unit lost consent: whoever still works the case passes it on
    if not case.is_open and seen.sees is not None:
        return []  # nothing is done on a closed case: the guide's rule says so, to those who see it
    if seen.sees is not None and _vacant(case, permission):
        return []  # nobody can hold it now (no baton yet, no offer): the guide's rule says why
    return [permission_reason(workflow, permission)]


def _vacant(case: Case, permission: str) -> bool:
    if permission == "lead_meetings":
        return case.baton_holder is None and case.contact_person is None
    if permission == "pass_baton":
        return case.baton_holder is None
    if permission == "answer_baton":
        return case.baton_offer is None
    return False


def permission_reason(workflow: Workflow, permission: str) -> Reason:
    """The ``not_permitted`` reason for ``permission``, in the workflow's language."""
    return _permission_reason(workflow.language, workflow.consent.self_consent_age, permission)


@functools.cache
def _permission_reason(lang: str, age: int, permission: str) -> Reason:
    # the permission's name and who holds it: access.<permission>.name/.holders in the
    # catalogue; {age} is the self-consent age
    name = say(lang, f"access.{permission}.name")
    holders = say(lang, f"access.{permission}.holders", age=age)
    return reason("not_permitted", lang, permission=name, holders=holders)
