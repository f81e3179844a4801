"""The semantic checks: what needs the whole workflow (ids, levels, outcomes, reachability,
translations), run after the shape check on the structured ``Workflow``.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from btiflow.errors import Problem
from btiflow.workflow.model import Level, Step, Workflow
from btiflow.workflow.problems import problem, suggest
from btiflow.workflow.shape import ShapeChecker
from btiflow.workflow.yamlsource import Loc

_CLOSED = "<closed>"


class Semantics:
    """Checks that need the whole workflow: ids, levels, outcomes, reachability, translations.

    Problems are worded in the shape checker's ``reader_language`` (the guide editor's)."""

    def __init__(self, wf: Workflow, checker: ShapeChecker, top: Loc) -> None:
        self.wf = wf
        self.language = checker.reader_language
        self.locs = checker.locs
        self.texts = checker.texts
        self.top = top
        self.problems: list[Problem] = []
        # False when a level was left out for a shape problem: then "missing level" problems
        # would be follow-ons of that problem.
        self.levels_complete = not any(re.fullmatch(r"levels\[\d+\]", d) for d in checker.dropped)

    def at(self, path: str) -> Loc:
        while path not in self.locs and path:
            path = path.rsplit(".", 1)[0] if "." in path else ""
        return self.locs.get(path, self.top)

    def problem(self, path: str, code: str, /, **values: Any) -> None:
        loc = self.at(path)
        where = (loc.file, loc.line, loc.column)
        self.problems.append(problem(self.language, where, path, code, **values))

    def run(self, translations: bool = True, graph: bool = True) -> list[Problem]:
        self.languages()
        if translations:
            self.translations()
        self.levels()
        self.ids()
        self.steps()
        if graph:
            self.graph()
        return self.problems

    def languages(self) -> None:
        seen: set[str] = set()
        for i, lang in enumerate(self.wf.languages):
            if lang in seen:
                self.problem(f"languages[{i}]", "language_twice", code=lang)
            seen.add(lang)
        if not self.wf.languages:
            self.problem("languages", "no_language")

    def translations(self) -> None:
        inherited: dict[str, list[str]] = {}
        for path, langs in self.texts:
            missing = [lang for lang in self.wf.languages if lang not in langs]
            if not missing:
                continue
            if self.at(path).file != self.top.file:
                # The text comes from the guide extended: the fix belongs in this file, and one
                # problem per language says it better than one per text.
                for lang in missing:
                    inherited.setdefault(lang, []).append(path)
                continue
            codes = ", ".join(missing)
            self.problem(path, "missing_translation", codes=codes, first=missing[0])
        for lang, paths in inherited.items():
            shown = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
            self.problem(
                "languages",
                "inherited_missing_translation",
                code=lang,
                count=len(paths),
                paths=shown,
            )

    def levels(self) -> None:
        numbers = [lv.level for lv in self.wf.levels]
        if numbers != [0, 1, 2, 3] and self.levels_complete:
            missing = ", ".join(map(str, sorted({0, 1, 2, 3} - set(numbers))))
            code = "levels_missing" if missing else "levels_out_of_order"
            self.problem("levels", code, found=numbers, missing=missing)
        for i, level in enumerate(self.wf.levels):
            if not level.steps:
                self.problem(f"levels[{i}]", "level_without_steps", level=level.level)

    def ids(self) -> None:
        seen: dict[str, str] = {}
        for i, p in enumerate(self.wf.principles):
            self._unique(seen, p.id, f"principles[{i}].id")
        for li, level in enumerate(self.wf.levels):
            for si, step in enumerate(level.steps):
                self._unique(seen, step.id, f"levels[{li}].steps[{si}].id")
        units: dict[str, str] = {}
        for i, service in enumerate(self.wf.consent.services):
            self._unique(units, service.unit, f"consent.services[{i}].unit")

    def _unique(self, seen: dict[str, str], ident: str, path: str) -> None:
        if ident in seen:
            first = self.at(seen[ident])
            self.problem(path, "id_twice", ident=ident, line=first.line)
        else:
            seen[ident] = path

    def steps(self) -> None:
        levels = {lv.level for lv in self.wf.levels}
        for li, level in enumerate(self.wf.levels):
            ids = [s.id for s in level.steps]
            for si, step in enumerate(level.steps):
                base = f"levels[{li}].steps[{si}]"
                for ti, tool in enumerate(step.tools):
                    if (tool.url is None) == (tool.file is None):
                        self.problem(f"{base}.tools[{ti}]", "tool_url_or_file")
                self._outcomes(level, step, base, ids, levels)

    def _outcomes(
        self, level: Level, step: Step, base: str, ids: list[str], levels: set[int]
    ) -> None:
        seen: set[str] = set()
        for oi, outcome in enumerate(step.outcomes):
            path = f"{base}.outcomes[{oi}]"
            if outcome.kind in seen:
                self.problem(path, "outcome_twice", kind=outcome.kind)
            seen.add(outcome.kind)
            if outcome.kind == "expand":
                self._expand_targets(level, outcome.to, path, levels)
            elif outcome.to:
                self.problem(f"{path}.to", "to_without_expand", kind=outcome.kind)
            if outcome.kind == "continue":
                if outcome.step is None:
                    self.problem(path, "continue_without_step")
                elif outcome.step not in ids:
                    self.problem(
                        f"{path}.step",
                        "continue_unknown_step",
                        step=outcome.step,
                        level=level.level,
                        hint=suggest(outcome.step, ids, self.language),
                    )
            elif outcome.step is not None:
                self.problem(f"{path}.step", "step_without_continue", kind=outcome.kind)

    def _expand_targets(
        self, level: Level, targets: tuple[int, ...], path: str, levels: set[int]
    ) -> None:
        if not targets:
            self.problem(path, "expand_without_levels", next=min(level.level + 1, 3))
        for ti, target in enumerate(targets):
            ok = target > level.level or target == level.level == 3
            if not ok:
                where = f"{path}.to[{ti}]"
                self.problem(where, "expand_downward", level=level.level, target=target)
            elif target not in levels and self.levels_complete:
                self.problem(f"{path}.to[{ti}]", "no_such_level", level=target)

    def graph(self) -> None:
        if not self.wf.levels or not self.wf.levels[0].steps:
            return
        edges: dict[str, set[str]] = {}
        where: dict[str, str] = {}
        first = {lv.level: lv.steps[0].id for lv in self.wf.levels if lv.steps}
        for li, level in enumerate(self.wf.levels):
            for si, step in enumerate(level.steps):
                where[step.id] = f"levels[{li}].steps[{si}]"
                edges.setdefault(step.id, set()).update(_moves(level, si, first))
        start = self.wf.levels[0].steps[0].id
        reached = _reach(start, edges)
        back: dict[str, set[str]] = {}
        for src, dsts in edges.items():
            for dst in dsts:
                back.setdefault(dst, set()).add(src)
        closing = _reach(_CLOSED, back)
        for step_id, path in where.items():
            if step_id not in reached:
                self.problem(path, "unreachable_step", step=step_id)
            elif step_id not in closing:
                self.problem(path, "step_never_closes", step=step_id)


def _moves(level: Level, index: int, first: dict[int, str]) -> set[str]:
    """Where the case can go from the level's step at ``index`` (``first``: each level's start)."""
    step = level.steps[index]
    if not step.is_decision:
        return {level.steps[index + 1].id} if index + 1 < len(level.steps) else set()
    out: set[str] = set()
    for outcome in step.outcomes:
        if outcome.kind == "close":
            out.add(_CLOSED)
        elif outcome.kind == "continue" and outcome.step:
            out.add(outcome.step)
        elif outcome.kind == "expand":
            out.update(first[t] for t in outcome.to if t in first)
    return out


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
