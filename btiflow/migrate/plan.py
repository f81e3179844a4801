"""Planning a migration: what would happen to each open case, decided without writing.

The rules of a move (mapping, refusals, deadlines) are described in ``btiflow.migrate``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import attrs

from btiflow.case.conditions import CONDITION_CHECKS, RECORD_CHECKS
from btiflow.case.entries import Entry
from btiflow.case.kinds import (
    EntryBody,
    EvaluationContinued,
    EvaluationRescheduled,
    LevelChanged,
    MeasuresAgreed,
)
from btiflow.case.messages import label
from btiflow.case.state import Case
from btiflow.errors import MigrationError, Reason, StoreError
from btiflow.localtime import OSLO
from btiflow.store.base import Store
from btiflow.words import say
from btiflow.workflow.model import Level, Step, Workflow

DeadlineMode = Literal["keep", "recompute"]
DEADLINE_MODES: tuple[DeadlineMode, ...] = ("keep", "recompute")

Action = Literal["move", "needs_mapping", "refused", "skipped", "current"]


def _due_set(body: EntryBody) -> tuple[str | None, bool]:
    """The evaluation date an entry set (ISO), and whether a reason for a late date was given."""
    if isinstance(body, EvaluationRescheduled):
        return body.next_evaluation.isoformat(), bool(body.reason)
    if isinstance(body, MeasuresAgreed | EvaluationContinued | LevelChanged):
        due = body.next_evaluation
        return (None if due is None else due.isoformat()), bool(body.delay_reason)
    return None, False


def _reason(code: str, message: str) -> Reason:
    return Reason(code, "migration", message)


@attrs.frozen
class DeadlineEffect:
    """A case's due evaluation under the old and the new version's limit.

    ``set_on`` is the day the date was set; ``old_latest``/``new_latest`` the latest date each
    version's limit allows from that day; ``recomputed`` the date ``recompute`` would give.
    """

    due: str
    set_on: str
    old_limit: str
    new_limit: str
    old_latest: str
    new_latest: str
    recomputed: str
    delayed: bool

    @property
    def limit_differs(self) -> bool:
        """The new version's limit gives another latest date."""
        return self.old_latest != self.new_latest

    @property
    def changes(self) -> bool:
        """``recompute`` would change the date."""
        return self.recomputed != self.due

    def due_with(self, mode: str) -> str:
        return self.recomputed if mode == "recompute" else self.due


@attrs.frozen
class CasePlan:
    """What a migration does to one open case; ``reasons`` say why it does not move."""

    case_id: str
    subject: str
    level: int
    workflow_id: str
    from_version: str
    from_hash: str
    from_step: str
    from_title: str
    action: Action
    seq: int
    to_step: str | None = None
    to_title: str | None = None
    how: str | None = None  # auto | mapped
    reasons: tuple[Reason, ...] = ()
    deadline: DeadlineEffect | None = None


@attrs.frozen
class MigrationPlan:
    """Every open case's plan for a migration to ``workflow``; nothing written yet."""

    workflow: Workflow
    mapping: Mapping[str, str]
    deadlines: DeadlineMode
    cases: tuple[CasePlan, ...]
    closed: int = 0
    warnings: tuple[str, ...] = ()

    def where(self, action: Action) -> list[CasePlan]:
        return [c for c in self.cases if c.action == action]

    @property
    def moving(self) -> list[CasePlan]:
        return self.where("move")

    @property
    def staying(self) -> list[CasePlan]:
        """Cases on an older version of this guide that will not move (mapping or refusal)."""
        return [c for c in self.cases if c.action in ("needs_mapping", "refused")]

    @property
    def deadline_differs(self) -> list[CasePlan]:
        """Moving cases whose due evaluation has another latest date under the new limit."""
        return [c for c in self.moving if c.deadline is not None and c.deadline.limit_differs]

    @property
    def recompute_changes(self) -> list[CasePlan]:
        """Moving cases whose due date ``recompute`` would change."""
        return [c for c in self.moving if c.deadline is not None and c.deadline.changes]


def _title(step: Step, workflow: Workflow) -> str:
    return step.title.get(workflow.language)


def _landing(level: Level) -> int:
    """Index of the step a 'continue' returns to (where a new round of the level begins)."""
    ids = [s.id for s in level.steps]
    for step in level.steps:
        outcome = step.outcome("continue")
        if outcome is not None and outcome.step in ids:
            return ids.index(outcome.step)
    return 0


def _round_began_by_continue(log: Sequence[Entry]) -> bool:
    """Whether the case's current round began with a 'continue' (or a hand-down) rather than
    with entering its level."""
    for entry in reversed(log):
        if isinstance(entry.body, EvaluationContinued):
            return True
        if isinstance(entry.body, LevelChanged):
            return entry.body.outcome == "hand_down"
    return False


def _day(time: dt.datetime) -> dt.date:
    return time.astimezone(OSLO).date()


def _deadline(
    case: Case, log: Sequence[Entry], old: Workflow, new: Workflow, today: dt.date
) -> DeadlineEffect | None:
    due = case.next_evaluation_due
    if due is None:
        return None
    setter = next((e for e in reversed(log) if _due_set(e.body)[0] == due), None)
    set_on = _day(setter.time) if setter is not None else today
    delayed = setter is not None and _due_set(setter.body)[1]
    old_limit = old.evaluation_limit(case.level)
    new_limit = new.evaluation_limit(case.level)
    old_latest = set_on + old_limit.timedelta
    new_latest = set_on + new_limit.timedelta
    day = dt.date.fromisoformat(due)
    recomputed = day if delayed else min(day, max(today, new_latest))
    return DeadlineEffect(
        due=due,
        set_on=set_on.isoformat(),
        old_limit=old_limit.iso,
        new_limit=new_limit.iso,
        old_latest=old_latest.isoformat(),
        new_latest=new_latest.isoformat(),
        recomputed=recomputed.isoformat(),
        delayed=delayed,
    )


def _unmet(
    case: Case,
    log: Callable[[], Sequence[Entry]],
    old: Workflow,
    new: Workflow,
    target: str,
) -> list[Reason]:
    """The reasons the case may not stand at ``target``: steps it would be placed past
    without having done what they ask (see the module's docstring)."""
    old_level = old.level(case.level)
    new_level = new.level(case.level)
    old_ids = [s.id for s in old_level.steps]
    new_ids = [s.id for s in new_level.steps]
    at = new_ids.index(target)
    if at == 0:
        return []
    by_continue = _round_began_by_continue(log())
    old_start = _landing(old_level) if by_continue else 0
    new_start = _landing(new_level) if by_continue else 0
    current = old_ids.index(case.step)
    passed = set(old_ids[old_start:current])
    reasons = []
    lang = new.language
    for step in new_level.steps[new_start:at]:
        if step.id in passed:
            continue
        title = _title(step, new)
        if step.is_decision:
            reasons.append(
                _reason(
                    "passes_decision",
                    say(lang, "migrate.reason.passes_decision", title=title, step=step.id),
                )
            )
            continue
        missing = [label(n, lang) for n in step.records if not RECORD_CHECKS[n](case)]
        missing += [label(n, lang) for n in step.requires if not CONDITION_CHECKS[n](case)]
        if missing:
            reasons.append(
                _reason(
                    "requirements_unmet",
                    say(
                        lang,
                        "migrate.reason.requirements_unmet",
                        title=title,
                        step=step.id,
                        missing=", ".join(dict.fromkeys(missing)),
                    ),
                )
            )
    return reasons


def _plan_case(
    case: Case,
    log: Callable[[], Sequence[Entry]],
    old: Workflow,
    new: Workflow,
    mapping: Mapping[str, str],
    today: dt.date,
) -> CasePlan:
    _, old_step = old.find_step(case.step)
    base = _case_plan(case, _title(old_step, old), "move")
    v, lang = new.version, new.language
    if case.step in mapping:
        target, how = mapping[case.step], "mapped"
    else:
        try:
            level, step = new.find_step(case.step)
        except KeyError:
            reason = _reason(
                "step_removed",
                say(
                    lang,
                    "migrate.reason.step_removed",
                    title=base.from_title,
                    step=case.step,
                    version=v,
                ),
            )
            return attrs.evolve(base, action="needs_mapping", reasons=(reason,))
        if level.level != case.level:
            reason = _reason(
                "step_moved_level",
                say(
                    lang,
                    "migrate.reason.step_moved_level",
                    step=case.step,
                    level=level.level,
                    version=v,
                    case_level=case.level,
                ),
            )
            return attrs.evolve(base, action="needs_mapping", reasons=(reason,))
        if step.title != old_step.title:
            reason = _reason(
                "step_renamed",
                say(lang, "migrate.reason.step_renamed", step=case.step, title=_title(step, new)),
            )
            return attrs.evolve(base, action="needs_mapping", reasons=(reason,))
        target, how = case.step, "auto"
    new_level, new_step = new.find_step(target)  # mapping targets were checked up front
    planned = attrs.evolve(
        base,
        to_step=target,
        to_title=_title(new_step, new),
        how=how,
        deadline=_deadline(case, log(), old, new, today),
    )
    reasons: list[Reason] = []
    if new_level.level != case.level:
        reasons.append(
            _reason(
                "target_other_level",
                say(
                    lang,
                    "migrate.reason.target_other_level",
                    target=target,
                    level=new_level.level,
                    case_level=case.level,
                ),
            )
        )
    if case.level >= 1 and case.baton_holder is None:
        reasons.append(_reason("no_baton_holder", say(lang, "migrate.reason.no_baton_holder")))
    if not reasons:
        reasons = _unmet(case, log, old, new, target)
    if reasons:
        return attrs.evolve(planned, action="refused", reasons=tuple(reasons))
    return planned


def plan_migration(
    store: Store,
    new: Workflow,
    *,
    mapping: Mapping[str, str] | None = None,
    deadlines: str = "keep",
    today: dt.date | None = None,
) -> MigrationPlan:
    """Plan moving every open case on an older version of ``new``'s guide to ``new``.

    Writes nothing. Raises ``MigrationError`` (every problem listed) when a mapping names a
    step the new version does not have, ``deadlines`` is neither keep nor recompute, no case
    in the store is on this guide while others are, or ``new`` has the version label of a
    version cases are on but other content. A mapping for a step no case is on is a warning.
    """
    mapping = dict(mapping or {})
    today = today or dt.datetime.now(OSLO).date()
    problems = _request_problems(new, mapping, deadlines)
    cases, closed = _open_cases(store, new)
    ours = [c for c in cases if c.workflow_id == new.id]
    if cases and not ours:
        others = ", ".join(sorted({c.workflow_id for c in cases}))
        problems.append(
            say(new.language, "migrate.problem.other_guide", guide=new.id, others=others)
        )
    olds = _old_versions(store, new, ours, problems)
    if problems:
        raise MigrationError(list(dict.fromkeys(problems)))
    on_old_steps = {c.step for c in ours if c.workflow_hash != new.content_hash}
    warnings = tuple(
        say(new.language, "migrate.warning.unused_map", source=source, target=target)
        for source, target in mapping.items()
        if source not in on_old_steps
    )
    plans = [_plan_for(store, case, olds, new, mapping, today) for case in cases]
    return MigrationPlan(
        workflow=new,
        mapping=mapping,
        deadlines="recompute" if deadlines == "recompute" else "keep",
        cases=tuple(plans),
        closed=closed,
        warnings=warnings,
    )


def _request_problems(new: Workflow, mapping: Mapping[str, str], deadlines: str) -> list[str]:
    """What is wrong with the request itself: the deadline mode, mapping targets."""
    problems = []
    if deadlines not in DEADLINE_MODES:
        problems.append(say(new.language, "migrate.problem.deadlines", mode=deadlines))
    new_ids = {s.id for _, s in new.steps()}
    for source, target in mapping.items():
        if target not in new_ids:
            problems.append(
                say(
                    new.language,
                    "migrate.problem.map_target",
                    source=source,
                    target=target,
                    version=new.version,
                    guide=new.id,
                )
            )
    return problems


def _open_cases(store: Store, new: Workflow) -> tuple[list[Case], int]:
    """The store's open cases, and how many closed cases follow ``new``'s guide."""
    cases: list[Case] = []
    closed = 0
    for case_id in store.case_ids():
        case = store.load(case_id)
        if case.is_open:
            cases.append(case)
        elif case.workflow_id == new.id:
            closed += 1
    return cases, closed


def _old_versions(
    store: Store, new: Workflow, ours: list[Case], problems: list[str]
) -> dict[str, Workflow]:
    """The versions the cases are on now, by hash; a version missing from the store, or one
    with ``new``'s label but other content, is added to ``problems``."""
    olds: dict[str, Workflow] = {}
    for case in ours:
        if case.workflow_hash not in olds and case.workflow_hash != new.content_hash:
            try:
                olds[case.workflow_hash] = store.load_workflow(case.workflow_hash)
            except StoreError as exc:
                problems.append(
                    say(new.language, "migrate.problem.case", case=case.id, problem=exc)
                )
    for old in olds.values():
        if old.version == new.version:
            problems.append(
                say(
                    new.language,
                    "migrate.problem.version_clash",
                    version=new.version,
                    guide=new.id,
                    old=old.content_hash[:12],
                    new=new.content_hash[:12],
                )
            )
    return olds


def _plan_for(
    store: Store,
    case: Case,
    olds: Mapping[str, Workflow],
    new: Workflow,
    mapping: Mapping[str, str],
    today: dt.date,
) -> CasePlan:
    """One open case's plan: another guide, already current, or planned against its version."""
    if case.workflow_id != new.id:
        return _other_guide(case, new.language)
    if case.workflow_hash == new.content_hash:
        return _current(case, new)
    log = _lazy(functools.partial(store.entries, case.id))
    return _plan_case(case, log, olds[case.workflow_hash], new, mapping, today)


def _lazy(fetch: Callable[[], list[Entry]]) -> Callable[[], list[Entry]]:
    """Read a case's log only if the plan needs it, and then once."""
    kept: list[list[Entry]] = []

    def get() -> list[Entry]:
        if not kept:
            kept.append(fetch())
        return kept[0]

    return get


def _case_plan(
    case: Case, from_title: str, action: Action, reasons: tuple[Reason, ...] = ()
) -> CasePlan:
    """A case's plan: where it stands now (from the case), what happens, and why not."""
    return CasePlan(
        case_id=case.id,
        subject=case.subject,
        level=case.level,
        workflow_id=case.workflow_id,
        from_version=case.workflow_version,
        from_hash=case.workflow_hash,
        from_step=case.step,
        from_title=from_title,
        action=action,
        seq=case.seq,
        reasons=reasons,
    )


def _other_guide(case: Case, lang: str) -> CasePlan:
    return _case_plan(
        case,
        case.step,
        "skipped",
        reasons=(
            _reason("other_guide", say(lang, "migrate.reason.other_guide", guide=case.workflow_id)),
        ),
    )


def _current(case: Case, new: Workflow) -> CasePlan:
    step = new.find_step(case.step)[1]
    return _case_plan(case, _title(step, new), "current")
