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

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from btiflow.case.conditions import CONDITION_CHECKS, RECORD_CHECKS
from btiflow.case.entries import Draft, Entry
from btiflow.case.people import Actor
from btiflow.case.rules import label
from btiflow.case.state import Case, extend
from btiflow.errors import ConflictError, MigrationError, Reason, StoreError
from btiflow.localtime import OSLO
from btiflow.store.base import Store
from btiflow.workflow.model import Level, Step, Workflow

DeadlineMode = Literal["keep", "recompute"]
DEADLINE_MODES: tuple[DeadlineMode, ...] = ("keep", "recompute")

Action = Literal["move", "needs_mapping", "refused", "skipped", "current"]

_DUE_SETTERS = (
    "measures_agreed",
    "evaluation_continued",
    "level_changed",
    "evaluation_rescheduled",
)


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


@attrs.frozen
class CaseResult:
    """What happened to one case in a real run: ``migrated``, or ``conflict`` with the reason."""

    case_id: str
    status: Literal["migrated", "conflict"]
    message: str = ""
    case: Case | None = None


@attrs.frozen
class MigrationResult:
    """The plan and what the real run did with each case it tried to move."""

    plan: MigrationPlan
    results: tuple[CaseResult, ...]

    @property
    def migrated(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == "migrated"]

    @property
    def conflicts(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == "conflict"]


# --- planning ------------------------------------------------------------------------------


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
        if entry.kind == "evaluation_continued":
            return True
        if entry.kind == "level_changed":
            return entry.data.get("outcome") == "hand_down"
    return False


def _day(time: dt.datetime) -> dt.date:
    return time.astimezone(OSLO).date()


def _deadline(
    case: Case, log: Sequence[Entry], old: Workflow, new: Workflow, today: dt.date
) -> DeadlineEffect | None:
    due = case.next_evaluation_due
    if due is None:
        return None
    setter = next(
        (
            e
            for e in reversed(log)
            if e.kind in _DUE_SETTERS and e.data.get("next_evaluation") == due
        ),
        None,
    )
    set_on = _day(setter.time) if setter is not None else today
    delayed = setter is not None and bool(
        setter.data.get("delay_reason") or setter.data.get("reason")
    )
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
                    f"saken ville passert beslutningssteget «{title}» ({step.id}) uten beslutning",
                )
            )
            continue
        missing = [label(n, lang) for n in step.records if not RECORD_CHECKS[n](case)]
        missing += [label(n, lang) for n in step.requires if not CONDITION_CHECKS[n](case)]
        if missing:
            reasons.append(
                _reason(
                    "requirements_unmet",
                    f"saken ville stått etter steget «{title}» ({step.id}) uten at det er "
                    f"gjort: mangler {', '.join(dict.fromkeys(missing))}",
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
    base = CasePlan(
        case_id=case.id,
        subject=case.subject,
        level=case.level,
        workflow_id=case.workflow_id,
        from_version=case.workflow_version,
        from_hash=case.workflow_hash,
        from_step=case.step,
        from_title=_title(old_step, old),
        action="move",
        seq=case.seq,
    )
    v = new.version
    if case.step in mapping:
        target, how = mapping[case.step], "mapped"
    else:
        try:
            level, step = new.find_step(case.step)
        except KeyError:
            reason = _reason(
                "step_removed",
                f"steget «{base.from_title}» ({case.step}) finnes ikke i versjon {v}; "
                f"angi hvor saken skal stå med --map {case.step}=STEG",
            )
            return attrs.evolve(base, action="needs_mapping", reasons=(reason,))
        if level.level != case.level:
            reason = _reason(
                "step_moved_level",
                f"steget {case.step} ligger på nivå {level.level} i versjon {v}, saken er på "
                f"nivå {case.level}; angi et steg på nivå {case.level} med --map {case.step}=STEG",
            )
            return attrs.evolve(base, action="needs_mapping", reasons=(reason,))
        if step.title != old_step.title:
            reason = _reason(
                "step_renamed",
                f"steget {case.step} har fått ny tittel «{_title(step, new)}»; bekreft at det er "
                f"samme steg med --map {case.step}={case.step}, eller angi et annet",
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
                f"målsteget {target} ligger på nivå {new_level.level}, saken er på nivå "
                f"{case.level}; en migrering flytter ikke saker mellom nivåer",
            )
        )
    if case.level >= 1 and case.baton_holder is None:
        reasons.append(
            _reason("no_baton_holder", "saken er på nivå 1 eller høyere uten stafettholder")
        )
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
    problems = []
    if deadlines not in DEADLINE_MODES:
        problems.append(f"--deadlines must be keep or recompute, not {deadlines!r}")
    new_ids = {s.id for _, s in new.steps()}
    for source, target in mapping.items():
        if target not in new_ids:
            problems.append(
                f"--map {source}={target}: versjon {new.version} av {new.id} har ikke steget "
                f"{target!r}"
            )
    cases: list[Case] = []
    closed = 0
    for case_id in store.case_ids():
        case = store.load(case_id)
        if case.is_open:
            cases.append(case)
        elif case.workflow_id == new.id:
            closed += 1
    ours = [c for c in cases if c.workflow_id == new.id]
    if cases and not ours:
        others = ", ".join(sorted({c.workflow_id for c in cases}))
        problems.append(
            f"ingen åpen sak følger veilederen {new.id!r}; sakene her følger {others}. "
            "En migrering flytter saker mellom versjoner av samme veileder."
        )
    olds: dict[str, Workflow] = {}
    for case in ours:
        if case.workflow_hash not in olds and case.workflow_hash != new.content_hash:
            try:
                olds[case.workflow_hash] = store.load_workflow(case.workflow_hash)
            except StoreError as exc:
                problems.append(f"sak {case.id}: {exc}")
    for old in olds.values():
        if old.version == new.version:
            problems.append(
                f"versjon {new.version} av {new.id} finnes allerede med annet innhold "
                f"({old.content_hash[:12]}, ny fil {new.content_hash[:12]}); gi den nye filen "
                "et nytt versjonsnummer"
            )
    if problems:
        raise MigrationError(list(dict.fromkeys(problems)))
    on_old_steps = {c.step for c in ours if c.workflow_hash != new.content_hash}
    warnings = tuple(
        f"--map {source}={target}: ingen åpen sak på en eldre versjon står i steget {source}"
        for source, target in mapping.items()
        if source not in on_old_steps
    )
    plans = []
    for case in cases:
        if case.workflow_id != new.id:
            plans.append(_other_guide(case))
            continue
        if case.workflow_hash == new.content_hash:
            plans.append(_current(case, new))
            continue
        log = _lazy(functools.partial(store.entries, case.id))
        plans.append(_plan_case(case, log, olds[case.workflow_hash], new, mapping, today))
    return MigrationPlan(
        workflow=new,
        mapping=mapping,
        deadlines="recompute" if deadlines == "recompute" else "keep",
        cases=tuple(plans),
        closed=closed,
        warnings=warnings,
    )


def _lazy(fetch: Callable[[], list[Entry]]) -> Callable[[], list[Entry]]:
    """Read a case's log only if the plan needs it, and then once."""
    kept: list[list[Entry]] = []

    def get() -> list[Entry]:
        if not kept:
            kept.append(fetch())
        return kept[0]

    return get


def _other_guide(case: Case) -> CasePlan:
    return CasePlan(
        case_id=case.id,
        subject=case.subject,
        level=case.level,
        workflow_id=case.workflow_id,
        from_version=case.workflow_version,
        from_hash=case.workflow_hash,
        from_step=case.step,
        from_title=case.step,
        action="skipped",
        seq=case.seq,
        reasons=(_reason("other_guide", f"saken følger en annen veileder ({case.workflow_id})"),),
    )


def _current(case: Case, new: Workflow) -> CasePlan:
    step = new.find_step(case.step)[1]
    return CasePlan(
        case_id=case.id,
        subject=case.subject,
        level=case.level,
        workflow_id=case.workflow_id,
        from_version=case.workflow_version,
        from_hash=case.workflow_hash,
        from_step=case.step,
        from_title=_title(step, new),
        action="current",
        seq=case.seq,
    )


# --- applying ------------------------------------------------------------------------------


def migration_draft(plan: CasePlan, new: Workflow, mapping: Mapping[str, str], mode: str) -> Draft:
    """The ``workflow_migrated`` entry for one planned move."""
    assert plan.action == "move"
    assert plan.to_step is not None
    data: dict[str, Any] = {
        "from": {"id": plan.workflow_id, "version": plan.from_version, "hash": plan.from_hash},
        "to": {"id": new.id, "version": new.version, "hash": new.content_hash},
        "from_step": plan.from_step,
        "from_title": plan.from_title,
        "to_step": plan.to_step,
        "how": plan.how,
        "mapping": dict(mapping),
        "deadlines": mode,
    }
    if plan.deadline is not None:
        data["next_evaluation"] = plan.deadline.due_with(mode)
    return Draft("workflow_migrated", data)


def apply_migration(
    store: Store,
    plan: MigrationPlan,
    *,
    by: Actor,
    now: dt.datetime | None = None,
) -> MigrationResult:
    """Move every case the plan moves, each in its own transaction, as a logged entry.

    The new workflow version is saved in the store first. A case changed since it was planned
    is not moved (``conflict``); the others go on.
    """
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("give a timezone-aware time")
    new = plan.workflow
    moving = plan.moving
    if moving:
        store.save_workflow(new)
    results = []
    for item in moving:
        try:
            case = store.load(item.case_id)
            if case.seq != item.seq:
                raise ConflictError(case.id, item.seq + 1)
            draft = migration_draft(item, new, plan.mapping, plan.deadlines)
            entries, state = extend(case, [draft], by=by, time=now, workflow_hash=new.content_hash)
            store.append(entries, state, expected_seq=item.seq)
        except ConflictError:
            results.append(
                CaseResult(
                    item.case_id,
                    "conflict",
                    "saken er endret etter at planen ble laget; kjør migreringen på nytt",
                )
            )
            continue
        results.append(CaseResult(item.case_id, "migrated", case=state))
    return MigrationResult(plan, tuple(results))


# --- for people ------------------------------------------------------------------------------


def moved_note(case: Case, language: str = "nb") -> str | None:
    """'Saken ble flyttet til versjon X av veilederen DATO.' for the case's last migration."""
    if not case.migrations:
        return None
    last = case.migrations[-1]
    day = dt.datetime.fromisoformat(last.at).astimezone(OSLO).strftime("%d.%m.%Y")
    if language == "nn":
        return f"Saka vart flytta til versjon {last.to_version} av rettleiaren {day}."
    if language == "en":
        return f"The case moved to version {last.to_version} of the guide on {day}."
    return f"Saken ble flyttet til versjon {last.to_version} av veilederen {day}."


_ACTION_WORDS: dict[Action, str] = {
    "move": "flyttes",
    "needs_mapping": "trenger kartlegging",
    "refused": "avvist, blir på sin versjon",
    "skipped": "hoppet over (annen veileder)",
    "current": "allerede på denne versjonen",
}


def _case_lines(c: CasePlan, mode: str) -> Iterable[str]:
    yield (
        f"Sak {c.case_id} ({c.subject}), nivå {c.level}, versjon {c.from_version}, "
        f"steg «{c.from_title}» ({c.from_step}): {_ACTION_WORDS[c.action]}"
    )
    if c.action == "move":
        how = "samme steg" if c.to_step == c.from_step else "etter kartlegging"
        yield f"    → «{c.to_title}» ({c.to_step}), {how}"
    for r in c.reasons:
        yield f"    [{r.code}] {r.message}"
    d = c.deadline
    if d is not None and c.action in ("move", "refused"):
        line = f"    evaluering {d.due} (satt {d.set_on})"
        if d.limit_differs:
            line += (
                f"; fristen {d.old_limit} → {d.new_limit} gir senest {d.new_latest} "
                f"i stedet for {d.old_latest}"
            )
        if c.action == "move":
            after = d.due_with(mode)
            line += f"; {'beholdes' if after == d.due else f'flyttes til {after}'}"
            if mode == "keep" and d.changes:
                line += f" (recompute ville gitt {d.recomputed})"
            if d.delayed and d.limit_differs:
                line += " (datoen ble satt med begrunnelse for utsettelse og beholdes)"
        yield line


def plan_text(plan: MigrationPlan, *, dry_run: bool) -> str:
    """The plan as text for the guide editor (bokmål): every case, then a summary."""
    wf = plan.workflow
    lines = [
        f"Migrering til {wf.id} {wf.version} ({wf.content_hash[:12]})"
        + (" – prøvekjøring, ingenting skrives" if dry_run else ""),
        "Frister: "
        + (
            "evalueringsdatoer beholdes (--deadlines keep)"
            if plan.deadlines == "keep"
            else "evalueringsdatoer etter ny frist beregnes på nytt (--deadlines recompute)"
        ),
    ]
    if plan.mapping:
        lines.append("Kartlegging: " + ", ".join(f"{a} → {b}" for a, b in plan.mapping.items()))
    lines += [f"Advarsel: {w}" for w in plan.warnings]
    lines.append("")
    for c in plan.cases:
        lines += _case_lines(c, plan.deadlines)
    lines.append("")
    lines.append(summary(plan))
    return "\n".join(lines) + "\n"


def summary(plan: MigrationPlan) -> str:
    """Counts per action, and which cases the deadline choice affects."""
    counts = {a: len(plan.where(a)) for a in _ACTION_WORDS}
    parts = [f"{n} {_ACTION_WORDS[a]}" for a, n in counts.items() if n]
    if plan.closed:
        parts.append(f"{plan.closed} avsluttet (blir på sin versjon)")
    lines = ["Oppsummering: " + (", ".join(parts) if parts else "ingen åpne saker")]
    differs = plan.deadline_differs
    if differs:
        lines.append(
            f"Ny evalueringsfrist gir annen senest-dato for {len(differs)} sak(er): "
            + ", ".join(c.case_id for c in differs)
        )
        changes = plan.recompute_changes
        if changes:
            verb = "flyttes" if plan.deadlines == "recompute" else "ville blitt flyttet"
            lines.append(
                f"Med --deadlines recompute {verb} datoen for {len(changes)} sak(er): "
                + ", ".join(
                    f"{c.case_id} ({c.deadline.due} → {c.deadline.recomputed})"
                    for c in changes
                    if c.deadline is not None
                )
            )
        else:
            lines.append("Ingen evalueringsdato er senere enn ny frist tillater; ingen flyttes.")
    return "\n".join(lines)
