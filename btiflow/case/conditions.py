"""The built-in checks behind the names a workflow may use (``records``, ``requires``, ``when``).

The registries in ``btiflow.workflow.registry`` list the names; this module is what they mean.
Each check is a pure function of the case. "Recorded" means recorded in the current round: since
the case entered its level, or since the last evaluation decided to continue.
"""

from __future__ import annotations

from collections.abc import Callable

from btiflow.case.state import CHILD_VOICE_KINDS, Case


def _in_round(name: str) -> Callable[[Case], bool]:
    return lambda case: name in case.cycle_records


def _minutes_in_round(case: Case) -> bool:
    held = case.cycle_meetings()
    return bool(held) and all(m.minutes for m in held)


def _child_voice_in_round(case: Case) -> bool:
    held = case.cycle_meetings()
    return bool(held) and all(
        m.child_took_part or m.child_voice for m in held if m.kind in CHILD_VOICE_KINDS
    )


RECORD_CHECKS: dict[str, Callable[[Case], bool]] = {
    "concern": lambda case: bool(case.concern),
    "leader_informed": lambda case: case.leader_informed,
    "guardians_informed": lambda case: case.guardians_informed,
    "contact_person": _in_round("contact_person"),
    "baton_holder": _in_round("baton_holder"),
    "meeting": lambda case: bool(case.cycle_meetings()),
    "measures": _in_round("measures"),
    "minutes": _minutes_in_round,
    "evaluation_date": lambda case: case.next_evaluation_due is not None,
    "child_voice": _child_voice_in_round,
    "evaluation": _in_round("evaluation"),
    "units_involved": _in_round("units_involved"),
    "consent": lambda case: any(c.status == "given" for c in case.consents),
    "rights_assessment": lambda case: case.rights_assessed,
}

CONDITION_CHECKS: dict[str, Callable[[Case], bool]] = {
    "leader_informed": lambda case: case.leader_informed,
    "suspected_harm": lambda case: case.suspected_harm,
    "child_welfare_consulted_if_suspected_harm": (
        lambda case: not case.suspected_harm or case.child_welfare_consulted
    ),
    "baton_holder_appointed": lambda case: case.baton_holder is not None,
    "consent_given": lambda case: any(c.status == "given" for c in case.consents),
    "measures_agreed": lambda case: bool(case.measures),
    "evaluation_date_set": lambda case: case.next_evaluation_due is not None,
    "minutes_complete": lambda case: all(m.minutes for m in case.meetings if m.held),
    "rights_assessed": lambda case: case.rights_assessed,
}
