"""The fixed registries of names a workflow may use: nothing in a YAML file is ever executed.

``RECORDS`` are what a step can demand be recorded before it is complete; ``CONDITIONS`` are
checks a step can demand hold (``requires``) or that gate advice (``when``). The case engine
implements every name here (``btiflow.case.conditions``); a test keeps the two in step.
"""

from __future__ import annotations

RECORDS: dict[str, str] = {
    "concern": "the concern made concrete (what was observed, when, where, for how long)",
    "leader_informed": "the line manager has been told of the concern",
    "guardians_informed": "the guardians have been told of the concern",
    "contact_person": "a contact person is appointed",
    "baton_holder": "the baton holder is decided (kept or newly accepted) in this level",
    "meeting": "a meeting has been held in this step",
    "measures": "measures are agreed, each with a responsible person",
    "minutes": "minutes exist for every meeting held in this step",
    "evaluation_date": "the next evaluation meeting has a date",
    "child_voice": "the child took part, or how the child's voice was brought in is recorded",
    "evaluation": "an evaluation (experience, changes seen, status against goals) is recorded",
    "units_involved": "another unit or agency has joined the case, under consent",
    "consent": "consent to involve other units or agencies is given",
    "rights_assessment": "rights to coordinator, individual plan and child coordinator assessed",
}

CONDITIONS: dict[str, str] = {
    "leader_informed": "the line manager has been told of the concern",
    "suspected_harm": "the concern is about possible violence, sexual abuse or neglect",
    "child_welfare_consulted_if_suspected_harm": (
        "when violence, sexual abuse or neglect is suspected, the child welfare service has "
        "been consulted (anonymously)"
    ),
    "baton_holder_appointed": "the case has a baton holder",
    "consent_given": "a valid consent to involve other units or agencies exists",
    "measures_agreed": "at least one measure is agreed",
    "evaluation_date_set": "the next evaluation has a date",
    "minutes_complete": "every meeting held so far has minutes",
    "rights_assessed": "rights to coordinator, individual plan and child coordinator assessed",
}
