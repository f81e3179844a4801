"""A migration plan in words for the guide editor: every case, then a summary.

The words are the catalogue's (``migrate.*``), in the new guide's first language unless another
is asked for; days read "29.09.2026" and limits "fire uker" (``btiflow.words.dates``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from btiflow.migrate.plan import Action, CasePlan, DeadlineEffect, MigrationPlan
from btiflow.words import dates, say

_ACTIONS: tuple[Action, ...] = ("move", "needs_mapping", "refused", "skipped", "current")


def _day(iso: str) -> str:
    return dates.short_day(dt.date.fromisoformat(iso))


def _deadline_line(d: DeadlineEffect, action: Action, mode: str, lang: str) -> str:
    parts = [say(lang, "migrate.evaluation", due=_day(d.due), set_on=_day(d.set_on))]
    if d.limit_differs:
        parts.append(
            say(
                lang,
                "migrate.limit",
                old=dates.duration(d.old_limit, lang),
                new=dates.duration(d.new_limit, lang),
                new_latest=_day(d.new_latest),
                old_latest=_day(d.old_latest),
            )
        )
    line = "; ".join(parts)
    if action == "move":
        after = d.due_with(mode)
        kept = after == d.due
        line += "; " + (
            say(lang, "migrate.kept") if kept else say(lang, "migrate.moved_to", day=_day(after))
        )
        if mode == "keep" and d.changes:
            line += f" ({say(lang, 'migrate.recompute_would', day=_day(d.recomputed))})"
        if d.delayed and d.limit_differs:
            line += f" ({say(lang, 'migrate.delayed')})"
    return "    " + line


def _case_lines(c: CasePlan, mode: str, lang: str) -> Iterable[str]:
    yield say(
        lang,
        "migrate.case",
        case=c.case_id,
        subject=c.subject,
        level=c.level,
        version=c.from_version,
        title=c.from_title,
        step=c.from_step,
        action=say(lang, f"migrate.action.{c.action}"),
    )
    if c.action == "move":
        how = say(
            lang, "migrate.same_step" if c.to_step == c.from_step else "migrate.after_mapping"
        )
        yield "    " + say(lang, "migrate.to", title=c.to_title, step=c.to_step, how=how)
    for r in c.reasons:
        yield f"    [{r.code}] {r.message}"
    d = c.deadline
    if d is not None and c.action in ("move", "refused"):
        yield _deadline_line(d, c.action, mode, lang)


def plan_text(plan: MigrationPlan, *, dry_run: bool, language: str | None = None) -> str:
    """The plan as text for the guide editor: every case, then a summary; in ``language``, or
    the new guide's first language."""
    wf = plan.workflow
    lang = language or wf.language
    title = say(lang, "migrate.title", guide=wf.id, version=wf.version, hash=wf.content_hash[:12])
    lines = [
        title + (f" – {say(lang, 'migrate.dry_run')}" if dry_run else ""),
        say(
            lang,
            "migrate.deadlines.keep" if plan.deadlines == "keep" else "migrate.deadlines.recompute",
        ),
    ]
    if plan.mapping:
        pairs = ", ".join(f"{a} → {b}" for a, b in plan.mapping.items())
        lines.append(say(lang, "migrate.mapping", pairs=pairs))
    lines += [say(lang, "migrate.warning", warning=w) for w in plan.warnings]
    lines.append("")
    for c in plan.cases:
        lines += _case_lines(c, plan.deadlines, lang)
    lines.append("")
    lines.append(summary(plan, language=lang))
    return "\n".join(lines) + "\n"


def summary(plan: MigrationPlan, *, language: str | None = None) -> str:
    """Counts per action, and which cases the deadline choice affects."""
    lang = language or plan.workflow.language
    counts = {a: len(plan.where(a)) for a in _ACTIONS}
    parts = [f"{n} {say(lang, f'migrate.action.{a}')}" for a, n in counts.items() if n]
    if plan.closed:
        parts.append(say(lang, "migrate.closed", count=plan.closed))
    lines = [
        say(
            lang,
            "migrate.summary",
            parts=", ".join(parts) if parts else say(lang, "migrate.no_open"),
        )
    ]
    differs = plan.deadline_differs
    if differs:
        cases = ", ".join(c.case_id for c in differs)
        lines.append(say(lang, "migrate.differs", count=len(differs), cases=cases))
        changes = plan.recompute_changes
        if changes:
            verb = say(
                lang,
                "migrate.recompute.moves"
                if plan.deadlines == "recompute"
                else "migrate.recompute.would",
            )
            cases = ", ".join(
                f"{c.case_id} ({_day(c.deadline.due)} → {_day(c.deadline.recomputed)})"
                for c in changes
                if c.deadline is not None
            )
            lines.append(say(lang, "migrate.recompute", verb=verb, count=len(changes), cases=cases))
        else:
            lines.append(say(lang, "migrate.none_moved"))
    return "\n".join(lines)
