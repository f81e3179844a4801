"""What changed between two versions of one guide, for the editor who changed it.

``diff(old, new)`` lists ``Change`` items: a stable ``kind`` for programs and a ``message`` in
bokmål for people. Steps are matched by id (ids are global), so a step whose id stayed but whose
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

_OUTCOME_NAMES = {"close": "avslutning", "continue": "videreføring", "expand": "utvidelse"}
_DEADLINE_NAMES = {
    "evaluation": "evalueringsfrist",
    "baton_offer_reminder": "påminnelse om ubesvart stafettpinne",
}
_TEXT_FIELDS = {
    "guidance": "veiledningsteksten",
    "questions": "spørsmålene",
    "advice": "rådene",
    "tools": "verktøyene",
}


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


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "ingen"


def check_same_guide(old: Workflow, new: Workflow) -> None:
    """Refuse to compare (or migrate between) two different guides."""
    if old.id != new.id:
        raise MigrationError(
            [
                f"the two files are different guides ({old.id!r} and {new.id!r}); "
                "compare or migrate only versions of the same guide (same id)"
            ]
        )


def diff(old: Workflow, new: Workflow) -> list[Change]:
    """Every change from ``old`` to ``new``; empty when the versions have the same content.

    Raises ``MigrationError`` when the two are different guides (different ``id``).
    """
    check_same_guide(old, new)
    return list(_Diff(old, new).changes())


class _Diff:
    def __init__(self, old: Workflow, new: Workflow) -> None:
        self.old = old
        self.new = new
        self.lang = new.language

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
                        f"Nivå {old_level.level}: steget «{_t(step.title, self.lang)}» "
                        f"({step.id}) er fjernet",
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
                f"Versjon {old.version} → {new.version}",
                old=old.version,
                new=new.version,
            )
        if old.title != new.title:
            yield Change(
                "title_changed",
                f"Tittel: «{_t(old.title, lang)}» → «{_t(new.title, lang)}»",
                old=_t(old.title, lang),
                new=_t(new.title, lang),
            )
        if old.introduction != new.introduction:
            yield Change("introduction_changed", "Innledningen er endret")
        if old.languages != new.languages:
            yield Change(
                "languages_changed",
                f"Språk: {_names(old.languages)} → {_names(new.languages)}",
                old=list(old.languages),
                new=list(new.languages),
            )
        old_p = {p.id: p for p in old.principles}
        new_p = {p.id: p for p in new.principles}
        for pid, p in new_p.items():
            if pid not in old_p:
                yield Change(
                    "principle_added",
                    f"Nytt prinsipp «{_t(p.title, lang)}» ({pid})",
                    new=pid,
                )
            elif old_p[pid] != p:
                yield Change(
                    "principle_changed",
                    f"Prinsippet «{_t(p.title, lang)}» ({pid}) er endret",
                    old=pid,
                    new=pid,
                )
        for pid, p in old_p.items():
            if pid not in new_p:
                yield Change(
                    "principle_removed",
                    f"Prinsippet «{_t(p.title, lang)}» ({pid}) er fjernet",
                    old=pid,
                )
        if old.consent != new.consent:
            yield Change(
                "consent_changed",
                f"Alder for eget samtykke: {old.consent.self_consent_age} → "
                f"{new.consent.self_consent_age} år",
                field="self_consent_age",
                old=old.consent.self_consent_age,
                new=new.consent.self_consent_age,
            )

    def _deadlines(self) -> Iterable[Change]:
        for name, label in _DEADLINE_NAMES.items():
            before = _dur(getattr(self.old.deadlines, name))
            after = _dur(getattr(self.new.deadlines, name))
            if before == after:
                continue
            message = f"Standard {label}: {before or 'ingen'} → {after or 'ingen'}"
            if name == "evaluation":
                levels = [
                    lv.level
                    for lv in self.new.levels
                    if any(o.level == lv.level for o in self.old.levels)
                    and self.old.evaluation_limit(lv.level) != self.new.evaluation_limit(lv.level)
                ]
                if levels:
                    message += f" (gjelder nivå {', '.join(str(n) for n in levels)})"
            yield Change("deadline_changed", message, field=name, old=before, new=after)

    # --- levels and steps ---

    def _level(self, old: Level, new: Level) -> Iterable[Change]:
        lang, n = self.lang, new.level
        if old.title != new.title:
            yield Change(
                "level_title_changed",
                f"Nivå {n}: tittel «{_t(old.title, lang)}» → «{_t(new.title, lang)}»",
                level=n,
                field="title",
                old=_t(old.title, lang),
                new=_t(new.title, lang),
            )
        if old.summary != new.summary:
            yield Change(
                "level_summary_changed",
                f"Nivå {n}: sammendraget er endret",
                level=n,
                field="summary",
            )
        own_old = old.deadlines or Deadlines()
        own_new = new.deadlines or Deadlines()
        for name, label in _DEADLINE_NAMES.items():
            before = _dur(getattr(own_old, name))
            after = _dur(getattr(own_new, name))
            if before == after:
                continue
            message = f"Nivå {n}: egen {label} {before or 'ingen'} → {after or 'ingen'}"
            if name == "evaluation":
                message += (
                    f" (gjeldende frist {self.old.evaluation_limit(n).iso} → "
                    f"{self.new.evaluation_limit(n).iso})"
                )
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
            here = f"Nivå {n}, steg {number} «{title}» ({step.id})"
            found = old_steps.get(step.id)
            if found is None:
                yield Change(
                    "step_added",
                    f"Nivå {n}: nytt steg {number} «{title}» ({step.id})",
                    level=n,
                    step=step.id,
                    new=title,
                )
                continue
            was_level, was = found
            if was_level.level != n:
                yield Change(
                    "step_moved",
                    f"{here}: flyttet fra nivå {was_level.level} "
                    f"(steg {was_level.step_number(step.id)})",
                    level=n,
                    step=step.id,
                    field="level",
                    old=was_level.level,
                    new=n,
                )
            elif step.id not in kept:
                yield Change(
                    "step_moved",
                    f"{here}: flyttet fra steg {was_level.step_number(step.id)}",
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
                f"Nivå {level}: steget {new.id} har fått ny tittel: «{_t(old.title, lang)}» → "
                f"«{_t(new.title, lang)}»",
                level=level,
                step=new.id,
                field="title",
                old=_t(old.title, lang),
                new=_t(new.title, lang),
            )
        for name, label in _TEXT_FIELDS.items():
            before, after = getattr(old, name), getattr(new, name)
            if before == after:
                continue
            detail = ""
            if name == "guidance":
                detail = f": «{_short(_t(after, lang))}»" if after is not None else ": fjernet"
            elif isinstance(before, tuple) and isinstance(after, tuple):
                detail = f" ({len(before)} → {len(after)})"
            yield Change(
                "step_text_changed",
                f"{here}: {label} er endret{detail}",
                level=level,
                step=new.id,
                field=name,
            )
        for name, kind, label in (
            ("records", "step_records_changed", "må registreres"),
            ("requires", "step_requires_changed", "krever"),
        ):
            before, after = list(getattr(old, name)), list(getattr(new, name))
            if before == after:
                continue
            added = [x for x in after if x not in before]
            removed = [x for x in before if x not in after]
            parts = []
            if added:
                parts.append(f"nytt: {_names(added)}")
            if removed:
                parts.append(f"ikke lenger: {_names(removed)}")
            if not parts:
                parts.append("ny rekkefølge")
            yield Change(
                kind,
                f"{here}: {label} – {'; '.join(parts)}",
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
            return "ingen"
        try:
            return f"«{_t(workflow.find_step(step_id)[1].title, self.lang)}» ({step_id})"
        except KeyError:
            return step_id

    def _outcomes(self, old: Step, new: Step, here: str, level: int) -> Iterable[Change]:
        before = {o.kind: o for o in old.outcomes}
        after = {o.kind: o for o in new.outcomes}
        for kind, outcome in after.items():
            name = _OUTCOME_NAMES.get(kind, kind)
            if kind not in before:
                yield Change(
                    "outcome_added",
                    f"{here}: nytt utfall {name}{_where(outcome)}",
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
                    f"til nivå {_names([str(t) for t in was.to])} → "
                    f"{_names([str(t) for t in outcome.to])}"
                )
            if was.step != outcome.step:
                parts.append(
                    f"fortsetter i {self._named(self.old, was.step)} → "
                    f"{self._named(self.new, outcome.step)}"
                )
            if was.title != outcome.title or was.description != outcome.description:
                parts.append("teksten er endret")
            yield Change(
                "outcome_changed",
                f"{here}: utfallet {name}: {'; '.join(parts)}",
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
                    f"{here}: utfallet {_OUTCOME_NAMES.get(kind, kind)} er fjernet",
                    level=level,
                    step=new.id,
                    field=kind,
                    old=_outcome_value(outcome),
                )


def _where(outcome: Outcome) -> str:
    if outcome.to:
        return f" (til nivå {', '.join(str(t) for t in outcome.to)})"
    if outcome.step:
        return f" (fortsetter i {outcome.step})"
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


def report(old: Workflow, new: Workflow, changes: Sequence[Change]) -> str:
    """The changes as text for a guide editor (bokmål)."""
    head = f"{new.id}: {old.version} → {new.version}"
    if old.version == new.version:
        head += f" (innhold {old.content_hash[:12]} → {new.content_hash[:12]})"
    if not changes:
        return f"{head}\nIngen forskjeller.\n"
    lines = [head, f"{len(changes)} endring{'er' if len(changes) != 1 else ''}:"]
    lines += [f"  [{c.kind}] {c.message}" for c in changes]
    return "\n".join(lines) + "\n"
