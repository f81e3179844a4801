"""YAML file → ``Workflow``: located parsing, overlays, key checks, cattrs structuring, checks.

Every stage collects problems instead of stopping at the first, so a guide editor sees every
mistake at once; ``load_workflow`` raises one ``WorkflowError`` carrying them all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import deque
from pathlib import Path
from typing import Any

import attrs

from btiflow.codec import StructureError, converter
from btiflow.errors import Problem, WorkflowError
from btiflow.workflow.model import LANGUAGES, Duration, Level, Step, Text, Workflow
from btiflow.workflow.shape import (
    FORMAT,
    Merger,
    ShapeChecker,
    fields_of,
    normalize_texts,
    parse_duration,
    path_join,
    suggest,
)
from btiflow.workflow.yamlsource import LList, LMap, Loc, parse_file, parse_text

DEFAULT_EVALUATION = "P4W"
DEFAULT_BATON_OFFER_REMINDER = "P7D"
DEFAULT_EVALUATION_REMINDER = "P7D"
_CLOSED = "<closed>"

_converter = converter
_converter.register_structure_hook(
    # Pairs come from the shape check; a mapping comes from a stored workflow (unstructure).
    Text,
    lambda v, _: Text(tuple(v.items()) if isinstance(v, dict) else tuple((k, t) for k, t in v)),
)
_converter.register_unstructure_hook(Text, lambda t: dict(t.by_language))
_converter.register_structure_hook(Duration, lambda v, _: Duration(v, parse_duration(v) or 0))
_converter.register_unstructure_hook(Duration, lambda d: d.iso)


def shipped_dir() -> Path:
    """The folder with the workflows btiflow ships (bti, kafjord, sortland, nore-og-uvdal)."""
    bundled = Path(__file__).resolve().parent.parent / "_workflows"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[2] / "workflows"


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _clip(text: str, width: int = 80) -> str:
    """A value short enough to quote in a message."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a name too long for the file system: then it is no guide file
        return False


def _resolve_extends(name: str, from_file: Path) -> list[Path]:
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return [from_file.parent / name]
    return [from_file.parent / f"{name}.yaml", shipped_dir() / f"{name}.yaml"]


class _Loading:
    """One load: the problems so far, and the files on the current extends chain."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, loc: Loc, path: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(loc.file, loc.line, loc.column, path, message, hint))

    def tree(self, path: Path, display: str, chain: tuple[Path, ...]) -> Any:
        tree, problems = parse_file(path, display)
        self.problems.extend(problems)
        return self._extend(tree, path, chain)

    @staticmethod
    def _normalized(tree: Any, default: str | None = None) -> Any:
        if isinstance(tree, LMap):
            normalize_texts(tree, ("class", Workflow), _default_language(tree, default))
        return tree

    def _extend(self, tree: Any, path: Path, chain: tuple[Path, ...]) -> Any:
        if not isinstance(tree, LMap) or "extends" not in tree:
            return tree
        name = tree["extends"]
        loc = tree.value_locs["extends"]
        if not isinstance(name, str) or not name.strip():
            self.problem(loc, "extends", "extends must name a guide", "e.g. extends: bti")
            return None
        if ("/" in name or "\\" in name) and not name.endswith((".yaml", ".yml")):
            # Only a guide file is ever read, never an arbitrary file a path could name.
            self.problem(
                loc,
                "extends",
                f"'{name}' is not a .yaml file",
                "name a shipped guide (extends: bti) or a .yaml file beside this one",
            )
            return None
        candidates = _resolve_extends(name, path)
        found = next((c for c in candidates if _is_file(c)), None)
        if found is None:
            shipped = sorted(p.stem for p in shipped_dir().glob("*.yaml"))
            self.problem(
                loc,
                "extends",
                f"the guide '{_clip(name)}' to extend was not found",
                f"looked for {', '.join(_clip(_display(c)) for c in candidates)}; "
                + suggest(_clip(name), shipped),
            )
            return None
        if found.resolve() in chain:
            self.problem(
                loc,
                "extends",
                f"'{name}' extends this file again (a circle)",
                "a guide cannot extend itself, directly or through another",
            )
            return None
        base = self._normalized(self.tree(found, _display(found), (*chain, found.resolve())))
        tree = self._normalized(tree, _default_language(base) if isinstance(base, LMap) else None)
        for key in ("id", "version"):
            if key not in tree:
                self.problem(
                    tree.loc,
                    "",
                    f"missing key '{key}' at the top of the file",
                    f"a guide that extends another needs its own {key}",
                )
        if not isinstance(base, LMap):
            if base is not None:  # None: the guide extended already has its problem
                where = getattr(base, "loc", Loc(_display(found), 1, 1))
                self.problem(
                    where,
                    "",
                    "the guide extended is not a workflow (a mapping of "
                    "keys format:, id:, levels: ...)",
                    f"check extends: {name}",
                )
            return None
        overlay = LMap(tree.loc)
        for key, value in tree.items():
            if key != "extends":
                overlay[key] = value
                overlay.key_locs[key] = tree.key_locs[key]
                overlay.value_locs[key] = tree.value_locs[key]
        merger = Merger()
        merged = merger.merge(base, overlay, Workflow, "")
        self.problems.extend(merger.problems)
        return merged


def _declared_languages(tree: LMap) -> tuple[str, ...]:
    langs = tree.get("languages")
    if not isinstance(langs, LList):
        return ()
    return tuple(lang for lang in langs if isinstance(lang, str) and lang in LANGUAGES)


def _default_language(tree: LMap, inherited: str | None = None) -> str:
    langs = tree.get("languages")
    if isinstance(langs, LList) and langs and isinstance(langs[0], str):
        return langs[0]
    return inherited or "nb"


def _fill_defaults(data: dict[str, Any]) -> None:
    deadlines = data.setdefault("deadlines", {})
    deadlines.setdefault("evaluation", DEFAULT_EVALUATION)
    deadlines.setdefault("baton_offer_reminder", DEFAULT_BATON_OFFER_REMINDER)
    deadlines.setdefault("evaluation_reminder", DEFAULT_EVALUATION_REMINDER)


def content_hash(workflow: Workflow) -> str:
    """SHA-256 of the workflow's resolved content; the identity a case pins."""
    data = _converter.unstructure(workflow)
    data.pop("content_hash", None)
    data.pop("source", None)
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class _Semantics:
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
                out = edges.setdefault(step.id, set())
                if not step.is_decision:
                    if si + 1 < len(level.steps):
                        out.add(level.steps[si + 1].id)
                    continue
                for outcome in step.outcomes:
                    if outcome.kind == "close":
                        out.add(_CLOSED)
                    elif outcome.kind == "continue" and outcome.step:
                        out.add(outcome.step)
                    elif outcome.kind == "expand":
                        out.update(first[t] for t in outcome.to if t in first)
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


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _sorted(problems: list[Problem], top: str) -> list[Problem]:
    files = [top]
    for p in problems:
        if p.file not in files:
            files.append(p.file)
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (files.index(p.file), p.line, p.column))


def _build(tree: Any, loading: _Loading, top: str) -> Workflow | None:
    if tree is None:
        return None
    if not isinstance(tree, LMap):
        loc = getattr(tree, "loc", Loc(top, 1, 1))
        loading.problem(
            loc,
            "",
            "a workflow file is a mapping of keys (format:, id:, levels: ...)",
            "start from a shipped workflow, e.g. workflows/bti.yaml",
        )
        return None
    fmt = tree.get("format")
    if fmt != FORMAT:
        loc = tree.value_locs.get("format", tree.loc)
        if "format" in tree:
            loading.problem(
                loc, "format", f"unknown format {fmt!r}", f"this btiflow reads format: {FORMAT}"
            )
            return None
    checker = ShapeChecker(_default_language(tree), _declared_languages(tree))
    data = checker.check_class(tree, Workflow, "", tree.loc, partial=True)
    loading.problems.extend(checker.problems)
    if data is None:
        return None
    # A missing or bad required key at the top must not hide the other checks: stand in for it
    # (the load fails anyway, its problem is recorded) so that every mistake is reported at once.
    complete = all(f.name in data for f in fields_of(Workflow) if f.required)
    languages_ok = "languages" in data
    language = _default_language(tree)
    for key, stand_in in (
        ("format", FORMAT),
        ("id", "-"),
        ("version", "-"),
        ("title", [(language, "-")]),
        ("languages", [language]),
    ):
        data.setdefault(key, stand_in)
    _fill_defaults(data)
    try:
        workflow = _converter.structure(data, Workflow)
    except (StructureError, TypeError, ValueError) as exc:  # pragma: no cover
        # The shape check should make this impossible; never let cattrs' error escape.
        loading.problem(tree.loc, "", f"could not build the workflow: {exc}", "")
        return None
    # Semantic problems inside (or around) a node that already has a problem are follow-ons of
    # that problem; leave them out so the editor sees each mistake once.
    shaped = [p.path for p in checker.problems]
    # A step, level or outcome left out for a shape problem changes the graph: reachability
    # would then report follow-ons of that problem, so it waits until the shape is right.
    graph = not any(d.startswith("levels") for d in checker.dropped)
    semantics = _Semantics(workflow, checker, Loc(top, 1, 1))
    for problem in semantics.run(translations=languages_ok, graph=graph):
        if not any(problem.path.startswith(s) or s.startswith(problem.path + ".") for s in shaped):
            loading.problems.append(problem)
    if loading.problems or not complete:
        return None
    return attrs.evolve(workflow, content_hash=content_hash(workflow), source=top)


def check_workflow(path: str | os.PathLike[str]) -> tuple[Workflow | None, list[Problem]]:
    """Load a workflow file; return it (or None) and every problem found, sorted by place."""
    file = Path(path)
    display = str(path)
    loading = _Loading()
    tree = loading.tree(file, display, (file.resolve(),))
    workflow = _build(tree, loading, display)
    return workflow, _sorted(loading.problems, display)


def check_workflow_text(
    text: str, name: str = "<text>", base_dir: str | os.PathLike[str] = "."
) -> tuple[Workflow | None, list[Problem]]:
    """Like ``check_workflow`` for YAML given as text; ``extends`` resolves from ``base_dir``."""
    loading = _Loading()
    tree, problems = parse_text(text, name)
    loading.problems.extend(problems)
    tree = loading._extend(tree, Path(base_dir) / name, ())
    workflow = _build(tree, loading, name)
    return workflow, _sorted(loading.problems, name)


def load_workflow(path: str | os.PathLike[str]) -> Workflow:
    """Load and check a workflow file; raise ``WorkflowError`` listing every problem.

    ``path`` may also be the name of a shipped workflow (``"bti"``, ``"kafjord"``).
    """
    if not Path(path).exists() and isinstance(path, str) and "/" not in path and "." not in path:
        shipped = shipped_dir() / f"{path}.yaml"
        if shipped.exists():
            path = shipped
    workflow, problems = check_workflow(path)
    if workflow is None:
        raise WorkflowError(problems or [Problem(str(path), 1, 1, "", "could not load", "")])
    return workflow


def load_workflow_text(
    text: str, name: str = "<text>", base_dir: str | os.PathLike[str] = "."
) -> Workflow:
    """Load and check a workflow given as YAML text; raise ``WorkflowError`` on problems."""
    workflow, problems = check_workflow_text(text, name, base_dir)
    if workflow is None:
        raise WorkflowError(problems or [Problem(name, 1, 1, "", "could not load", "")])
    return workflow


def structure(data: dict[str, Any]) -> Workflow:
    """A workflow back from ``unstructure``'s output (e.g. a version kept in a store)."""
    workflow = _converter.structure(data, Workflow)
    return attrs.evolve(workflow, content_hash=content_hash(workflow))


def unstructure(workflow: Workflow) -> dict[str, Any]:
    """The workflow as plain data (texts as language mappings, durations as ISO strings)."""
    data: dict[str, Any] = _converter.unstructure(workflow)
    return data


__all__ = [
    "check_workflow",
    "check_workflow_text",
    "content_hash",
    "load_workflow",
    "load_workflow_text",
    "path_join",
    "shipped_dir",
    "structure",
    "unstructure",
]
