"""Move open cases to a new version of their guide: plan first, then apply case by case.

``plan_migration`` reads every open case and decides, without writing, what would happen to it:

- **move**: its step exists unchanged in the new version (same id, same level, same title), or
  ``mapping`` names where it goes. A step whose title changed counts as renamed and needs a
  mapping (``--map n1-iverksett=n1-iverksett`` confirms that it is still the same step).
- **needs_mapping**: its step was removed, renamed or moved to another level.
- **refused**: the move would break a rule. The target step must be in the case's current
  level; a case at level 1 or above must have a baton holder; and the case must have done what
  every step it would be placed past asks for. Those steps are the ones before the target in
  the new version's level, from where the case's current round began (the level's first step,
  or the step a 'continue' returns to), that the case did *not* already pass in its own version
  (new steps, steps moved ahead of it, its own current step when mapped forward). Their
  ``records`` and ``requires`` must hold now, and none of them may be a decision step. Steps
  the case already passed under its version are not checked again: a requirement added to
  them later does not reach back.
- **skipped**: the case is on another guide (another workflow id); **current**: already on the
  new version. Closed cases stay as they are.

Deadlines: a due evaluation keeps its date (``deadlines="keep"``). The plan says, for each case,
where the new version's evaluation limit gives a different latest date than the old one for the
day the date was set; with ``deadlines="recompute"`` a date later than the new latest date is
brought forward to it (never before today, never pushed later, and a date set with a reason for
the delay is kept).

``apply_migration`` appends one ``workflow_migrated`` entry per case, each in its own
transaction, expecting the case unchanged since planning (else ``ConflictError``: that case is
reported and the others go on).
"""

from btiflow.migrate.apply import CaseResult, MigrationResult, apply_migration, migration_draft
from btiflow.migrate.plan import (
    DEADLINE_MODES,
    Action,
    CasePlan,
    DeadlineEffect,
    DeadlineMode,
    MigrationPlan,
    plan_migration,
)
from btiflow.migrate.report import plan_text, summary
from btiflow.views import moved_note  # lived here before; it is what the family is shown

__all__ = [
    "DEADLINE_MODES",
    "Action",
    "CasePlan",
    "CaseResult",
    "DeadlineEffect",
    "DeadlineMode",
    "MigrationPlan",
    "MigrationResult",
    "apply_migration",
    "migration_draft",
    "moved_note",
    "plan_migration",
    "plan_text",
    "summary",
]
