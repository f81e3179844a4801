"""The built-in checks behind the names a workflow may use (``records``, ``requires``, ``when``).

The registries in ``btiflow.workflow.registry`` list the names; this module is what they mean.
Each check is a pure function of the case. "Recorded" means recorded in the current round: since
the case entered its level, or since the last evaluation decided to continue.
"""

from __future__ import annotations

from collections.abc import Callable

from btiflow.case.concern import child_welfare_advice_pending, guardian_step_done
from btiflow.case.consent import units_consented
from btiflow.case.meetings import child_voice_missing, heard, unminuted
from btiflow.case.state import Case


def _in_round(name: str) -> Callable[[Case], bool]:
    return lambda case: name in case.cycle_records


def _minutes_in_round(case: Case) -> bool:
    held = case.cycle_meetings()
    return bool(held) and not unminuted(held)


def _child_voice_in_round(case: Case) -> bool:
    # some meeting of the round heard the child, and no planning or evaluation meeting left
    # them out (a meeting that agrees measures is refused without the voice: meetings.agree)
    held = case.cycle_meetings()
    return any(heard(m) for m in held) and not any(
        child_voice_missing(m.kind, m.child_took_part, m.child_voice) for m in held
    )


RECORD_CHECKS: dict[str, Callable[[Case], bool]] = {
    "concern": lambda case: bool(case.concern),
    "leader_informed": lambda case: case.leader_informed,
    "guardians_informed": guardian_step_done,
    "contact_person": _in_round("contact_person"),
    "baton_holder": _in_round("baton_holder"),
    "meeting": lambda case: bool(case.cycle_meetings()),
    "measures": _in_round("measures"),
    "minutes": _minutes_in_round,
    "evaluation_date": lambda case: case.next_evaluation_due is not None,
    "child_voice": _child_voice_in_round,
    "evaluation": _in_round("evaluation"),
    "units_involved": _in_round("units_involved"),
    "consent": units_consented,
    "rights_assessment": lambda case: case.rights_assessed,
}

CONDITION_CHECKS: dict[str, Callable[[Case], bool]] = {
    "leader_informed": lambda case: case.leader_informed,
    "suspected_harm": lambda case: case.suspected_harm,
    "child_welfare_consulted_if_suspected_harm": (
        lambda case: not child_welfare_advice_pending(case)
    ),
    "baton_holder_appointed": lambda case: case.baton_holder is not None,
    "consent_given": units_consented,
    "measures_agreed": lambda case: bool(case.measures),
    "evaluation_date_set": lambda case: case.next_evaluation_due is not None,
    "minutes_complete": lambda case: not unminuted(case.meetings),
    "rights_assessed": lambda case: case.rights_assessed,
}
