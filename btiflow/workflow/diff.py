"""What changed between two versions of one guide, for the editor who changed it.

``diff(old, new)`` lists ``Change`` items: a stable ``kind`` for programs and a ``message`` for
people, in the guide's first language (words from the catalogue, ``guide.diff.*``; limits in
words, "fire uker"). Steps are matched by id (ids are global), so a step whose id stayed but whose
title changed is *renamed*, and a step found in another level, or in another order among the
steps both versions share, is *moved*.

Change kinds (stable): ``version_changed``, ``title_changed``, ``introduction_changed``,
``languages_changed``, ``principle_added``, ``principle_removed``, ``principle_changed``,
``deadline_changed``, ``consent_changed``, ``level_title_changed``, ``level_summary_changed``,
``level_deadline_changed``, ``step_added``, ``step_removed``, ``step_renamed``, ``step_moved``,
``step_text_changed``, ``step_records_changed``, ``step_requires_changed``, ``outcome_added``,
``outcome_removed``, ``outcome_changed``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from btiflow.errors import MigrationError
from btiflow.words import dates, has, say
from btiflow.workflow.model import Deadlines, Duration, Level, Outcome, Step, Text, Workflow

CHANGE_KINDS = (
    "version_changed",
    "title_changed",
    "introduction_changed",
    "languages_changed",
    "principle_added",
    "principle_removed",
    "principle_changed",
    "deadline_changed",
    "consent_changed",
    "level_title_changed",
    "level_summary_changed",
    "level_deadline_changed",
    "step_added",
    "step_removed",
    "step_renamed",
    "step_moved",
    "step_text_changed",
    "step_records_changed",
    "step_requires_changed",
    "outcome_added",
    "outcome_removed",
    "outcome_changed",
)
"""Every kind of change ``diff`` reports."""

_DEADLINES = ("evaluation", "baton_offer_reminder")
_TEXT_FIELDS = ("guidance", "questions", "advice", "tools")


@attrs.frozen
class Change:
    """One difference between two versions of a guide.

    ``kind`` is stable (see ``CHANGE_KINDS``); ``level`` and ``step`` say where (None for the
    guide as a whole); ``field`` names what changed inside a step or level; ``old`` and ``new``
    are short plain values (ids, titles, durations, lists of names); ``message`` is for people.
    """

    kind: str
    message: str
    level: int | None = None
    step: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None

    def as_data(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return attrs.asdict(self)


def _t(text: Text | None, lang: str) -> str:
    return "" if text is None else text.get(lang)


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _dur(d: Duration | None) -> str | None:
    return None if d is None else d.iso


def _w(lang: str, key: str, **values: object) -> str:
    """A word of the diff in ``lang`` (``guide.diff.<key>`` in the catalogue)."""
    return say(lang, f"guide.diff.{key}", **values)


def _names(names: Sequence[str], lang: str) -> str:
    return ", ".join(names) if names else _w(lang, "none")


def _limit(iso: str | None, lang: str) -> str:
    """A limit in words ("fire uker"), or "ingen"."""
    return dates.duration(iso, lang) if iso else _w(lang, "none")


def _outcome_name(kind: str, lang: str) -> str:
    key = f"guide.diff.outcome.{kind}"
    return say(lang, key) if has("nb", key) else kind


def check_same_guide(old: Workflow, new: Workflow, language: str | None = None) -> None:
    """Refuse to compare (or migrate between) two different guides; the problem in
    ``language`` (default: the new version's first language)."""
    if old.id != new.id:
        words = say(language or new.language, "guide.diff.different_guides", old=old.id, new=new.id)
        raise MigrationError([words])


def diff(old: Workflow, new: Workflow, language: str | None = None) -> list[Change]:
    """Every change from ``old`` to ``new``; empty when the versions have the same content.

    Messages are in ``language`` (default: the new version's first language, whose titles
    they quote). Raises ``MigrationError`` when the two are different guides (different
    ``id``).
    """
    check_same_guide(old, new, language)
    return list(_Diff(old, new, language).changes())


class _Diff:
    def __init__(self, old: Workflow, new: Workflow, language: str | None = None) -> None:
        self.old = old
        self.new = new
        self.lang = new.language
        self.words = language or new.language

    def w(self, key: str, **values: object) -> str:
        return _w(self.words, key, **values)

    def changes(self) -> Iterable[Change]:
        yield from self._guide()
        yield from self._deadlines()
        old_steps = {s.id: (lv, s) for lv, s in self.old.steps()}
        new_steps = {s.id: (lv, s) for lv, s in self.new.steps()}
        for new_level in self.new.levels:
            old_level = next((lv for lv in self.old.levels if lv.level == new_level.level), None)
            if old_level is not None:
                yield from self._level(old_level, new_level)
            yield from self._steps(old_level, new_level, old_steps, new_steps)
        for old_level in self.old.levels:
            for step in old_level.steps:
                if step.id not in new_steps:
                    yield Change(
                        "step_removed",
                        self.w(
                            "step_removed",
                            level=old_level.level,
                            title=_t(step.title, self.lang),
                            step=step.id,
                        ),
                        level=old_level.level,
                        step=step.id,
                        old=_t(step.title, self.lang),
                    )

    # --- the guide as a whole ---

    def _guide(self) -> Iterable[Change]:
        old, new, lang = self.old, self.new, self.lang
        if old.version != new.version:
            yield Change(
                "version_changed",
                self.w("version_changed", old=old.version, new=new.version),
                old=old.version,
                new=new.version,
            )
        if old.title != new.title:
            yield Change(
                "title_changed",
                self.w("title_changed", old=_t(old.title, lang), new=_t(new.title, lang)),
                old=_t(old.title, lang),
                new=_t(new.title, lang),
            )
        if old.introduction != new.introduction:
            yield Change("introduction_changed", self.w("introduction_changed"))
        if old.languages != new.languages:
            yield Change(
                "languages_changed",
                self.w(
                    "languages_changed",
                    old=_names(old.languages, self.words),
                    new=_names(new.languages, self.words),
                ),
                old=list(old.languages),
                new=list(new.languages),
            )
        old_p = {p.id: p for p in old.principles}
        new_p = {p.id: p for p in new.principles}
        for pid, p in new_p.items():
            if pid not in old_p:
                yield Change(
                    "principle_added",
                    self.w("principle_added", title=_t(p.title, lang), id=pid),
                    new=pid,
                )
            elif old_p[pid] != p:
                yield Change(
                    "principle_changed",
                    self.w("principle_changed", title=_t(p.title, lang), id=pid),
                    old=pid,
                    new=pid,
                )
        for pid, p in old_p.items():
            if pid not in new_p:
                yield Change(
                    "principle_removed",
                    self.w("principle_removed", title=_t(p.title, lang), id=pid),
                    old=pid,
                )
        if attrs.evolve(old.consent, services=()) != attrs.evolve(new.consent, services=()):
            yield Change(
                "consent_changed",
                self.w(
                    "consent_changed",
                    old=old.consent.self_consent_age,
                    new=new.consent.self_consent_age,
                ),
                field="self_consent_age",
                old=old.consent.self_consent_age,
                new=new.consent.self_consent_age,
            )
        if old.consent.services != new.consent.services:
            before = [service.unit for service in old.consent.services]
            after = [service.unit for service in new.consent.services]
            yield Change(
                "consent_changed",
                self.w(
                    "consent_services",
                    old=_names(before, self.words),
                    new=_names(after, self.words),
                ),
                field="services",
                old=before,
                new=after,
            )

    def _deadlines(self) -> Iterable[Change]:
        words = self.words
        for name in _DEADLINES:
            before = _dur(getattr(self.old.deadlines, name))
            after = _dur(getattr(self.new.deadlines, name))
            if before == after:
                continue
            message = self.w(
                "deadline_changed",
                name=self.w(f"deadline.{name}"),
                old=_limit(before, words),
                new=_limit(after, words),
            )
            if name == "evaluation":
                levels = [
                    lv.level
                    for lv in self.new.levels
                    if any(o.level == lv.level for o in self.old.levels)
                    and self.old.evaluation_limit(lv.level) != self.new.evaluation_limit(lv.level)
                ]
                if levels:
                    message += f" ({self.w('applies', levels=', '.join(map(str, levels)))})"
            yield Change("deadline_changed", message, field=name, old=before, new=after)

    # --- levels and steps ---

    def _level(self, old: Level, new: Level) -> Iterable[Change]:
        lang, n = self.lang, new.level
        if old.title != new.title:
            yield Change(
                "level_title_changed",
                self.w(
                    "level_title_changed",
                    level=n,
                    old=_t(old.title, lang),
                    new=_t(new.title, lang),
                ),
                level=n,
                field="title",
                old=_t(old.title, lang),
                new=_t(new.title, lang),
            )
        if old.summary != new.summary:
            yield Change(
                "level_summary_changed",
                self.w("level_summary_changed", level=n),
                level=n,
                field="summary",
            )
        own_old = old.deadlines or Deadlines()
        own_new = new.deadlines or Deadlines()
        for name in _DEADLINES:
            before = _dur(getattr(own_old, name))
            after = _dur(getattr(own_new, name))
            if before == after:
                continue
            message = self.w(
                "level_deadline_changed",
                level=n,
                name=self.w(f"deadline.{name}"),
                old=_limit(before, self.words),
                new=_limit(after, self.words),
            )
            if name == "evaluation":
                limits = self.w(
                    "current_limit",
                    old=_limit(self.old.evaluation_limit(n).iso, self.words),
                    new=_limit(self.new.evaluation_limit(n).iso, self.words),
                )
                message += f" ({limits})"
            yield Change(
                "level_deadline_changed", message, level=n, field=name, old=before, new=after
            )

    def _steps(
        self,
        old_level: Level | None,
        new_level: Level,
        old_steps: dict[str, tuple[Level, Step]],
        new_steps: dict[str, tuple[Level, Step]],
    ) -> Iterable[Change]:
        lang, n = self.lang, new_level.level
        old_ids = [s.id for s in old_level.steps] if old_level is not None else []
        new_ids = [s.id for s in new_level.steps]
        shared_new = [i for i in new_ids if i in old_ids]
        shared_old = [i for i in old_ids if i in shared_new]
        kept = _in_order(shared_old, shared_new)
        for number, step in enumerate(new_level.steps, 1):
            title = _t(step.title, lang)
            here = self.w("here", level=n, number=number, title=title, step=step.id)
            found = old_steps.get(step.id)
            if found is None:
                yield Change(
                    "step_added",
                    self.w("step_added", level=n, number=number, title=title, step=step.id),
                    level=n,
                    step=step.id,
                    new=title,
                )
                continue
            was_level, was = found
            if was_level.level != n:
                yield Change(
                    "step_moved",
                    self.w(
                        "moved_from_level",
                        here=here,
                        level=was_level.level,
                        number=was_level.step_number(step.id),
                    ),
                    level=n,
                    step=step.id,
                    field="level",
                    old=was_level.level,
                    new=n,
                )
            elif step.id not in kept:
                yield Change(
                    "step_moved",
                    self.w("moved_from_step", here=here, number=was_level.step_number(step.id)),
                    level=n,
                    step=step.id,
                    field="position",
                    old=was_level.step_number(step.id),
                    new=number,
                )
            yield from self._step(was, step, here, n)

    def _step(self, old: Step, new: Step, here: str, level: int) -> Iterable[Change]:
        lang = self.lang
        if old.title != new.title:
            yield Change(
                "step_renamed",
                self.w(
                    "step_renamed",
                    level=level,
                    step=new.id,
                    old=_t(old.title, lang),
                    new=_t(new.title, lang),
                ),
                level=level,
                step=new.id,
                field="title",
                old=_t(old.title, lang),
                new=_t(new.title, lang),
            )
        for name in _TEXT_FIELDS:
            before, after = getattr(old, name), getattr(new, name)
            if before == after:
                continue
            detail = ""
            if name == "guidance":
                shown = _short(_t(after, lang)) if after is not None else None
                detail = f": «{shown}»" if shown is not None else f": {self.w('removed')}"
            elif isinstance(before, tuple) and isinstance(after, tuple):
                detail = f" ({len(before)} → {len(after)})"
            yield Change(
                "step_text_changed",
                self.w("text_changed", here=here, field=self.w(f"text.{name}"), detail=detail),
                level=level,
                step=new.id,
                field=name,
            )
        for name, kind in (
            ("records", "step_records_changed"),
            ("requires", "step_requires_changed"),
        ):
            before, after = list(getattr(old, name)), list(getattr(new, name))
            if before == after:
                continue
            added = [x for x in after if x not in before]
            removed = [x for x in before if x not in after]
            parts = []
            if added:
                parts.append(self.w("added_items", names=_names(added, self.words)))
            if removed:
                parts.append(self.w("removed_items", names=_names(removed, self.words)))
            if not parts:
                parts.append(self.w("reordered"))
            yield Change(
                kind,
                self.w("list_changed", here=here, field=self.w(name), parts="; ".join(parts)),
                level=level,
                step=new.id,
                field=name,
                old=before,
                new=after,
            )
        yield from self._outcomes(old, new, here, level)

    def _named(self, workflow: Workflow, step_id: str | None) -> str:
        """«Title» (id) of a step, for a message."""
        if step_id is None:
            return self.w("none")
        try:
            return f"«{_t(workflow.find_step(step_id)[1].title, self.lang)}» ({step_id})"
        except KeyError:
            return step_id

    def _outcomes(self, old: Step, new: Step, here: str, level: int) -> Iterable[Change]:
        before = {o.kind: o for o in old.outcomes}
        after = {o.kind: o for o in new.outcomes}
        for kind, outcome in after.items():
            name = _outcome_name(kind, self.words)
            if kind not in before:
                yield Change(
                    "outcome_added",
                    self.w(
                        "outcome_added", here=here, name=name, where=_where(outcome, self.words)
                    ),
                    level=level,
                    step=new.id,
                    field=kind,
                    new=_outcome_value(outcome),
                )
                continue
            was = before[kind]
            if was == outcome:
                continue
            parts = []
            if was.to != outcome.to:
                parts.append(
                    self.w(
                        "outcome_to_changed",
                        old=_names([str(t) for t in was.to], self.words),
                        new=_names([str(t) for t in outcome.to], self.words),
                    )
                )
            if was.step != outcome.step:
                parts.append(
                    self.w(
                        "outcome_step_changed",
                        old=self._named(self.old, was.step),
                        new=self._named(self.new, outcome.step),
                    )
                )
            if was.title != outcome.title or was.description != outcome.description:
                parts.append(self.w("outcome_text"))
            yield Change(
                "outcome_changed",
                self.w("outcome_changed", here=here, name=name, parts="; ".join(parts)),
                level=level,
                step=new.id,
                field=kind,
                old=_outcome_value(was),
                new=_outcome_value(outcome),
            )
        for kind, outcome in before.items():
            if kind not in after:
                yield Change(
                    "outcome_removed",
                    self.w("outcome_removed", here=here, name=_outcome_name(kind, self.words)),
                    level=level,
                    step=new.id,
                    field=kind,
                    old=_outcome_value(outcome),
                )


def _where(outcome: Outcome, lang: str) -> str:
    if outcome.to:
        return f" ({_w(lang, 'outcome_to', levels=', '.join(str(t) for t in outcome.to))})"
    if outcome.step:
        return f" ({_w(lang, 'outcome_step', step=outcome.step)})"
    return ""


def _outcome_value(outcome: Outcome) -> dict[str, Any]:
    return {"to": list(outcome.to), "step": outcome.step}


def _in_order(old: list[str], new: list[str]) -> set[str]:
    """The shared steps that kept their order (the longest run both agree on)."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    kept: set[str] = set()
    for block in matcher.get_matching_blocks():
        kept.update(old[block.a : block.a + block.size])
    return kept


def report(
    old: Workflow, new: Workflow, changes: Sequence[Change], language: str | None = None
) -> str:
    """The changes as text for a guide editor, in ``language`` (default: the new version's)."""
    lang = language or new.language
    head = f"{new.id}: {old.version} → {new.version}"
    if old.version == new.version:
        content = _w(lang, "content", old=old.content_hash[:12], new=new.content_hash[:12])
        head += f" ({content})"
    if not changes:
        return f"{head}\n{_w(lang, 'no_changes')}\n"
    count = (
        _w(lang, "count.one") if len(changes) == 1 else _w(lang, "count.many", count=len(changes))
    )
    lines = [head, count]
    lines += [f"  [{c.kind}] {c.message}" for c in changes]
    return "\n".join(lines) + "\n"
