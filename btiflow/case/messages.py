"""The refusals of the BTI model's rules: a stable code for programs, words for people.

The rules themselves live in the modules named for them (``case/concern.py``, ``case/baton.py``,
``case/meetings.py``...; docs/design.md has the table); this module only names which rule each
refusal code belongs to (numbered as in the domain description) and words it from the text
catalogue (``btiflow.words``, keys ``refusal.<code>``), in the workflow's first language.
docs/errors.md lists every code with its rule and message; a test holds it equal.
"""

from __future__ import annotations

from typing import Any

from btiflow.errors import Reason
from btiflow.words import has, say

RULES: dict[str, str] = {
    "case_closed": "case",
    "not_at_level": "guide",
    "leader_before_guardians": "1 leader-before-guardians",
    "child_welfare_first": "2 child-welfare-first",
    "child_welfare_advised_not_to_tell": "2 child-welfare-first",
    "step_incomplete": "guide",
    "not_a_decision_step": "guide",
    "decision_step": "guide",
    "outcome_not_allowed": "10 evaluation-outcome",
    "closing_summary_required": "12 documentation",
    "close_reason_required": "3 close-at-level-0",
    "baton_holder_required": "4 one-baton-holder",
    "family_wish_required": "6 baton-at-level-change",
    "no_baton_offer": "5 baton-kept-until-accepted",
    "baton_offer_pending": "5 baton-kept-until-accepted",
    "not_offered_to_you": "5 baton-kept-until-accepted",
    "already_baton_holder": "5 baton-kept-until-accepted",
    "offer_reason_required": "5 baton-kept-until-accepted",
    "only_baton_holder": "5 baton-kept-until-accepted",
    "baton_unit_without_consent": "11 consent",
    "evaluation_too_late": "7 evaluation-within-limit",
    "evaluation_in_past": "7 evaluation-within-limit",
    "evaluation_date_required": "7 evaluation-within-limit",
    "not_evaluation_step": "7 evaluation-within-limit",
    "no_measures": "7 evaluation-within-limit",
    "minutes_missing": "8 minutes",
    "minutes_by_contact_or_holder": "8 minutes",
    "minutes_exist": "8 minutes",
    "child_voice_missing": "9 child-voice",
    "unknown_meeting": "guide",
    "meeting_not_held": "guide",
    "meeting_already_held": "guide",
    "meeting_cancelled": "guide",
    "meeting_unchanged": "guide",
    "not_evaluation_meeting": "10 evaluation-outcome",
    "no_meeting_held": "guide",
    "evaluation_required": "10 evaluation-outcome",
    "consent_missing": "11 consent",
    "consent_by_guardian": "11 consent",
    "no_consent_to_withdraw": "11 consent",
    "interpreter_for_whom": "interpreter",
    "log_consent_missing": "11 consent",
    "log_is_no_unit": "11 consent",
    "young_person_decides": "11 consent",
    "unknown_service": "11 consent",
    "own_unit": "11 consent",
    "rights_assessment_required": "13 level-3-rights",
    "group_without_members": "13 level-3-rights",
    "group_unchanged": "13 level-3-rights",
    "already_coordinator": "13 level-3-rights",
    "unknown_goal": "guide",
    "unknown_measure": "guide",
    "measure_ended": "guide",
    "measure_unchanged": "guide",
    "no_running_measures": "guide",
    "consent_lapsed": "11 consent",
    "staff_only": "actor",
    "not_permitted": "actor",
    "invalid_input": "input",
    "unknown_action": "input",
}
"""Each refusal code and the rule (or ``guide``/``input``/``case``) it belongs to."""


def reason(code: str, language: str, **values: Any) -> Reason:
    """The reason for ``code``, its message in ``language`` (bokmål when not translated)."""
    return Reason(code, RULES[code], say(language, f"refusal.{code}", **values))


RECORD_NAMES: tuple[str, ...] = (
    "concern",
    "leader_informed",
    "guardians_informed",
    "contact_person",
    "baton_holder",
    "meeting",
    "measures",
    "minutes",
    "evaluation_date",
    "child_voice",
    "evaluation",
    "units_involved",
    "consent",
    "rights_assessment",
    "suspected_harm",
    "child_welfare_consulted_if_suspected_harm",
    "baton_holder_appointed",
    "consent_given",
    "measures_agreed",
    "evaluation_date_set",
    "minutes_complete",
    "rights_assessed",
)
"""The record and condition names of the registry that have words (``record.<name>``)."""


def label(name: str, language: str) -> str:
    """A record or condition name in words, in ``language`` (bokmål when not translated)."""
    if name not in RECORD_NAMES:
        return name.replace("_", " ")
    return say(language, f"record.{name}")


def meeting_kind_name(kind: str, language: str) -> str:
    """A kind of meeting as people call it ("planleggingsmøte"); unknown kinds are a "møte"."""
    key = f"meeting_kind.{kind}"
    return say(language, key if has("nb", key) else "meeting_kind.other")


def origin_name(origin: str, language: str) -> str:
    """Where a concern came from (``concern.ORIGINS``), as a clause in ``language``."""
    key = f"origin.{origin}"
    return say(language, key) if has("nb", key) else origin
