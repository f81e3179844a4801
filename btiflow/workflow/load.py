"""YAML file → ``Workflow``: located parsing, overlays, key checks, cattrs structuring, checks.

Every stage collects problems instead of stopping at the first, so a guide editor sees every
mistake at once; ``load_workflow`` raises one ``WorkflowError`` carrying them all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from btiflow.codec import StructureError, converter
from btiflow.errors import Problem, WorkflowError
from btiflow.words import language_of
from btiflow.workflow.checks import Semantics
from btiflow.workflow.convert import content_hash, structure, unstructure
from btiflow.workflow.fields import FORMAT, fields_of, path_join
from btiflow.workflow.model import LANGUAGES, Workflow
from btiflow.workflow.overlay import Merger, normalize_texts
from btiflow.workflow.problems import problem, suggest
from btiflow.workflow.shape import ShapeChecker
from btiflow.workflow.yamlsource import LList, LMap, Loc, parse_file, parse_text

DEFAULT_EVALUATION = "P4W"
DEFAULT_BATON_OFFER_REMINDER = "P7D"
DEFAULT_EVALUATION_REMINDER = "P7D"


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


def _allowed(found: Path, from_file: Path) -> bool:
    """``found`` (links followed) lies in the extending file's folder or among the shipped
    guides: ``..``, an absolute path or a link elsewhere would read any .yaml on the machine."""
    real = found.resolve()
    return any(
        real.is_relative_to(folder.resolve()) for folder in (from_file.parent, shipped_dir())
    )


def _resolve_extends(name: str, from_file: Path) -> list[Path]:
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return [from_file.parent / name]
    return [from_file.parent / f"{name}.yaml", shipped_dir() / f"{name}.yaml"]


class _Loading:
    """One load: the problems so far (worded in ``language``, the guide editor's)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.problems: list[Problem] = []

    def problem(self, loc: Loc, path: str, code: str, /, **values: Any) -> None:
        where = (loc.file, loc.line, loc.column)
        self.problems.append(problem(self.language, where, path, code, **values))

    def tree(self, path: Path, display: str, chain: tuple[Path, ...]) -> Any:
        tree, problems = parse_file(path, display, self.language)
        self.problems.extend(problems)
        return self._extend(tree, path, chain)

    def _base_file(self, name: str, path: Path, loc: Loc) -> Path | None:
        """The file ``extends: name`` names, inside the guide's folder or the shipped guides;
        None (reported) when it is outside or not found."""
        candidates = _resolve_extends(name, path)
        found = next((c for c in candidates if _is_file(c)), None)
        if self._outside(name, found, path, loc):
            return None
        if found is None:
            shipped = sorted(p.stem for p in shipped_dir().glob("*.yaml"))
            self.problem(
                loc,
                "extends",
                "extends_not_found",
                name=_clip(name),
                looked=", ".join(_clip(_display(c)) for c in candidates),
                suggestion=suggest(_clip(name), shipped, self.language),
            )
        return found

    def _outside(self, name: str, found: Path | None, path: Path, loc: Loc) -> bool:
        """``extends`` names a file outside the guide's folder (reported): nothing is read, or
        its values would be quoted back in the problems."""
        if not Path(name).is_absolute() and (found is None or _allowed(found, path)):
            return False
        self.problem(loc, "extends", "extends_outside", name=_clip(name))
        return True

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
            self.problem(loc, "extends", "extends_empty")
            return None
        if ("/" in name or "\\" in name) and not name.endswith((".yaml", ".yml")):
            # Only a guide file is ever read, never an arbitrary file a path could name.
            self.problem(loc, "extends", "extends_not_yaml", name=name)
            return None
        found = self._base_file(name, path, loc)
        if found is None:
            return None
        if found.resolve() in chain:
            self.problem(loc, "extends", "extends_circle", name=name)
            return None
        base = self._normalized(self.tree(found, _display(found), (*chain, found.resolve())))
        tree = self._normalized(tree, _default_language(base) if isinstance(base, LMap) else None)
        for key in ("id", "version"):
            if key not in tree:
                self.problem(tree.loc, "", "overlay_missing_key", key=key)
        if not isinstance(base, LMap):
            if base is not None:  # None: the guide extended already has its problem
                where = getattr(base, "loc", Loc(_display(found), 1, 1))
                self.problem(where, "", "extends_not_workflow", name=name)
            return None
        overlay = LMap(tree.loc)
        for key, value in tree.items():
            if key != "extends":
                overlay[key] = value
                overlay.key_locs[key] = tree.key_locs[key]
                overlay.value_locs[key] = tree.value_locs[key]
        merger = Merger(self.language)
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


def _follows(path: str, shaped: str) -> bool:
    """A problem at ``path`` is a follow-on of a shape problem at ``shaped``: inside it, or
    around it (``languages`` left empty because its one item ``languages[0]`` was bad)."""
    return path.startswith(shaped) or shaped.startswith((path + ".", path + "["))


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
        loading.problem(loc, "", "not_a_workflow")
        return None
    fmt = tree.get("format")
    if fmt != FORMAT:
        loc = tree.value_locs.get("format", tree.loc)
        if "format" in tree:
            loading.problem(loc, "format", "unknown_format", value=fmt, format=FORMAT)
            return None
    checker = ShapeChecker(_default_language(tree), _declared_languages(tree), loading.language)
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
        workflow = converter.structure(data, Workflow)
    except (StructureError, TypeError, ValueError) as exc:  # pragma: no cover
        # The shape check should make this impossible; never let cattrs' error escape.
        loading.problem(tree.loc, "", "cannot_build", detail=str(exc))
        return None
    # Semantic problems inside (or around) a node that already has a problem are follow-ons of
    # that problem; leave them out so the editor sees each mistake once.
    shaped = [p.path for p in checker.problems]
    # A step, level or outcome left out for a shape problem changes the graph: reachability
    # would then report follow-ons of that problem, so it waits until the shape is right.
    graph = not any(d.startswith("levels") for d in checker.dropped)
    semantics = Semantics(workflow, checker, Loc(top, 1, 1))
    for found in semantics.run(translations=languages_ok, graph=graph):
        if not any(_follows(found.path, s) for s in shaped):
            loading.problems.append(found)
    if loading.problems or not complete:
        return None
    return attrs.evolve(workflow, content_hash=content_hash(workflow), source=top)


def check_workflow(
    path: str | os.PathLike[str], language: str = "nb"
) -> tuple[Workflow | None, list[Problem]]:
    """Load a workflow file; return it (or None) and every problem found, sorted by place.

    Each problem's ``message`` and ``hint`` are worded in ``language``: ``"nb"`` (bokmål, the
    default), ``"nn"`` (nynorsk) or ``"en"``; its ``code`` is the same in every language.
    """
    language = language_of(language)
    file = Path(path)
    display = str(path)
    loading = _Loading(language)
    tree = loading.tree(file, display, (file.resolve(),))
    workflow = _build(tree, loading, display)
    return workflow, _sorted(loading.problems, display)


def check_workflow_text(
    text: str,
    name: str = "<text>",
    base_dir: str | os.PathLike[str] = ".",
    language: str = "nb",
) -> tuple[Workflow | None, list[Problem]]:
    """Like ``check_workflow`` for YAML given as text; ``extends`` resolves from ``base_dir``."""
    loading = _Loading(language_of(language))
    tree, problems = parse_text(text, name, loading.language)
    loading.problems.extend(problems)
    tree = loading._extend(tree, Path(base_dir) / name, ())
    workflow = _build(tree, loading, name)
    return workflow, _sorted(loading.problems, name)


def load_workflow(path: str | os.PathLike[str], language: str = "nb") -> Workflow:
    """Load and check a workflow file; raise ``WorkflowError`` listing every problem.

    ``path`` may also be the name of a shipped workflow (``"bti"``, ``"kafjord"``). The
    problems are worded in ``language`` (``"nb"`` bokmål by default, ``"nn"``, ``"en"``).
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError("load_workflow needs a path (str or pathlib.Path) or a shipped name")
    language = language_of(language)
    try:
        os.fsencode(path)  # a lone surrogate or a NUL is no file name: say so, do not crash
        if "\0" in os.fspath(path):
            raise ValueError(path)
    except (UnicodeError, ValueError, TypeError) as exc:
        found = problem(language, ("<path>", 1, 1), "", "path_not_file_name")
        raise WorkflowError([found], language) from exc
    if not Path(path).exists() and isinstance(path, str) and "/" not in path and "." not in path:
        shipped = shipped_dir() / f"{path}.yaml"
        if shipped.exists():
            path = shipped
    workflow, problems = check_workflow(path, language)
    if workflow is None:
        failed = problems or [problem(language, (str(path), 1, 1), "", "could_not_load")]
        raise WorkflowError(failed, language)
    return workflow


def load_workflow_text(
    text: str,
    name: str = "<text>",
    base_dir: str | os.PathLike[str] = ".",
    language: str = "nb",
) -> Workflow:
    """Load and check a workflow given as YAML text; raise ``WorkflowError`` on problems,
    worded in ``language`` (as ``load_workflow``)."""
    if not isinstance(text, str) or not isinstance(name, str):
        raise TypeError("load_workflow_text needs the YAML as a str, and a str name")
    from btiflow.case.people import storable  # here: reading a file never needs the case code

    language = language_of(language)
    if not storable(text) or not storable(name):
        lone = problem(language, ("<text>", 1, 1), "", "lone_surrogate")
        raise WorkflowError([lone], language)
    workflow, problems = check_workflow_text(text, name, base_dir, language)
    if workflow is None:
        failed = problems or [problem(language, (name, 1, 1), "", "could_not_load")]
        raise WorkflowError(failed, language)
    return workflow


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
