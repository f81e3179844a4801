"""The right to an interpreter ("rett til tolk", the guide's principle of the child's
participation): who in the case needs one, for which language, and what whoever plans a meeting
is told.

The need is recorded for the child or for one of the case's guardians; a held meeting records
whether an interpreter was present (``hold_meeting``'s ``interpreter_present``).
"""

from __future__ import annotations

from typing import Any

from btiflow.case.context import Context, Refused
from btiflow.case.entries import Draft
from btiflow.case.kinds import InterpreterNeeded
from btiflow.case.state import Case
from btiflow.words import say

CHILD = "child"
"""How the need of the child (the case's subject) is named in ``InterpreterNeeded.person``."""


def record_need(ctx: Context, p: dict[str, Any]) -> list[Draft]:
    """Record that the child or a guardian of the case needs an interpreter."""
    who = p["person"].strip()
    guardians = {g.id for g in ctx.case.guardians}
    if who != CHILD and who not in guardians:
        known = ", ".join([CHILD, *sorted(guardians)])
        raise Refused([ctx.reason("interpreter_for_whom", person=who, known=known)])
    return [Draft(InterpreterNeeded(person=who, language=p["language"].strip()))]


def who_needs(case: Case, person: str, language: str) -> str:
    """The person an interpreter need is for, in words: the child, or the guardian's name."""
    if person == CHILD:
        return say(language, "interpreter.child")
    guardian = next((g for g in case.guardians if g.id == person), None)
    return (guardian.name or guardian.id) if guardian is not None else person


def planning_notes(case: Case, language: str) -> tuple[str, ...]:
    """What whoever plans a meeting is reminded of: each recorded interpreter need."""
    return tuple(
        say(
            language,
            "interpreter.note",
            who=who_needs(case, i.person, language),
            language=i.language,
        )
        for i in case.interpreters
    )
