"""The semantic checks: what needs the whole workflow (ids, levels, outcomes, reachability,
translations), run after the shape check on the structured ``Workflow``.
"""

from __future__ import annotations

import re
from collections import deque

from btiflow.errors import Problem
from btiflow.workflow.fields import suggest
from btiflow.workflow.model import Level, Step, Workflow
from btiflow.workflow.shape import ShapeChecker
from btiflow.workflow.yamlsource import Loc

_CLOSED = "<closed>"


class Semantics:
    """Checks that need the whole workflow: ids, levels, outcomes, reachability, translations."""

    def __init__(self, wf: Workflow, checker: ShapeChecker, top: Loc) -> None:
        self.wf = wf
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

    def problem(self, path: str, message: str, hint: str = "") -> None:
        loc = self.at(path)
        self.problems.append(Problem(loc.file, loc.line, loc.column, path, message, hint))

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
                self.problem(
                    f"languages[{i}]",
                    f"language '{lang}' is listed twice",
                    "list each language once",
                )
            seen.add(lang)
        if not self.wf.languages:
            self.problem("languages", "no language declared", "e.g. languages: [nb]")

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
            names = ", ".join(missing)
            self.problem(
                path,
                f"the text has no translation into {names}",
                f"add {missing[0]}: ... beside the other languages, or remove "
                f"{names} from languages",
            )
        for lang, paths in inherited.items():
            here = self.at("languages")
            shown = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
            self.problems.append(
                Problem(
                    here.file,
                    here.line,
                    here.column,
                    "languages",
                    f"{len(paths)} text{'s' if len(paths) != 1 else ''} of the guide extended "
                    f"{'have' if len(paths) != 1 else 'has'} no '{lang}' ({shown})",
                    f"translate each in this file, giving the item's id and the text as a mapping "
                    f"(e.g. title: {{{lang}: ...}}), or declare only complete languages; other "
                    f"translations may still be given in texts",
                )
            )

    def levels(self) -> None:
        numbers = [lv.level for lv in self.wf.levels]
        if numbers != [0, 1, 2, 3] and self.levels_complete:
            missing = sorted({0, 1, 2, 3} - set(numbers))
            detail = f"missing {', '.join(map(str, missing))}" if missing else "out of order"
            self.problem(
                "levels",
                f"levels must be 0, 1, 2 and 3 in order; found {numbers} ({detail})",
                "give each level once, from 0 to 3",
            )
        for i, level in enumerate(self.wf.levels):
            if not level.steps:
                self.problem(
                    f"levels[{i}]",
                    f"level {level.level} has no steps",
                    "add steps: with at least one step",
                )

    def ids(self) -> None:
        seen: dict[str, str] = {}
        for i, p in enumerate(self.wf.principles):
            self._unique(seen, p.id, f"principles[{i}].id")
        for li, level in enumerate(self.wf.levels):
            for si, step in enumerate(level.steps):
                self._unique(seen, step.id, f"levels[{li}].steps[{si}].id")

    def _unique(self, seen: dict[str, str], ident: str, path: str) -> None:
        if ident in seen:
            first = self.at(seen[ident])
            self.problem(
                path,
                f"the id '{ident}' is used twice",
                f"first used at line {first.line}; ids must be unique",
            )
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
                        self.problem(
                            f"{base}.tools[{ti}]",
                            "a tool needs exactly one of url or file",
                            "give url: https://... or file: path/to/file.pdf",
                        )
                self._outcomes(level, step, base, ids, levels)

    def _outcomes(
        self, level: Level, step: Step, base: str, ids: list[str], levels: set[int]
    ) -> None:
        seen: set[str] = set()
        for oi, outcome in enumerate(step.outcomes):
            path = f"{base}.outcomes[{oi}]"
            if outcome.kind in seen:
                self.problem(
                    path,
                    f"the outcome '{outcome.kind}' is given twice",
                    "give each kind once per step",
                )
            seen.add(outcome.kind)
            if outcome.kind == "expand":
                self._expand_targets(level, outcome.to, path, levels)
            elif outcome.to:
                self.problem(
                    f"{path}.to", f"'to' belongs to expand, not {outcome.kind}", "remove to:"
                )
            if outcome.kind == "continue":
                if outcome.step is None:
                    self.problem(
                        path,
                        "continue needs the step where the work goes on",
                        "add step: <id of a step in this level>",
                    )
                elif outcome.step not in ids:
                    self.problem(
                        f"{path}.step",
                        f"'{outcome.step}' is not a step of level {level.level}",
                        suggest(outcome.step, ids),
                    )
            elif outcome.step is not None:
                self.problem(
                    f"{path}.step",
                    f"'step' belongs to continue, not {outcome.kind}",
                    "remove step:",
                )

    def _expand_targets(
        self, level: Level, targets: tuple[int, ...], path: str, levels: set[int]
    ) -> None:
        if not targets:
            self.problem(
                path,
                "expand needs the levels the case may move to",
                f"add to: [{min(level.level + 1, 3)}]",
            )
        for ti, target in enumerate(targets):
            ok = target > level.level or target == level.level == 3
            if not ok:
                self.problem(
                    f"{path}.to[{ti}]",
                    f"level {level.level} cannot expand to level {target}",
                    "expand goes to a higher level (at level 3: to 3, more units and agencies)",
                )
            elif target not in levels and self.levels_complete:
                self.problem(
                    f"{path}.to[{ti}]", f"there is no level {target}", "use an existing level"
                )

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
                self.problem(
                    path,
                    f"the step '{step_id}' can never be reached",
                    "a step after a decision step is reached only through an outcome; "
                    "move it before the decision or point an outcome to it",
                )
            elif step_id not in closing:
                self.problem(
                    path,
                    f"from the step '{step_id}' the case can never be closed",
                    "the last step of a level needs outcomes, one of them leading to "
                    "close (kind: close)",
                )


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
