"""Overlays: a guide that ``extends`` another is laid onto it, key by key, before the shape check.

Keyed lists (``fields.KEYED_LISTS``) merge by key, other values are replaced; ``after``,
``remove`` and ``add_*`` exist only here. Every text is normalised to ``{language: text}`` first,
so an overlay can add a language to a base text.
"""

from __future__ import annotations

from typing import Any

from btiflow.errors import Problem
from btiflow.words import say
from btiflow.workflow import model
from btiflow.workflow.fields import KEYED_LISTS, OVERLAY_KEYS, fields_of, path_join
from btiflow.workflow.problems import describe, problem, suggest
from btiflow.workflow.yamlsource import LList, LMap, Loc

# Overlay keys that append to a list of the extended guide's step instead of replacing it.
ADD_KEYS = {"add_tools": "tools", "add_questions": "questions", "add_advice": "advice"}

# The catalogue's noun (loader.part.noun.<name>) for an item of each keyed list.
NOUNS: dict[type, str] = {
    model.Level: "level",
    model.Principle: "principle",
    model.Step: "step",
    model.Outcome: "outcome",
}


def _copy_map(node: LMap) -> LMap:
    out = LMap(node.loc)
    out.update(node)
    out.key_locs.update(node.key_locs)
    out.value_locs.update(node.value_locs)
    return out


def _set(target: LMap, key: str, value: Any, source: LMap) -> None:
    target[key] = value
    target.key_locs[key] = source.key_locs[key]
    target.value_locs[key] = source.value_locs[key]


class Merger:
    """Lays an overlay's located tree onto the tree of the guide it extends; its problems are
    worded in ``language`` (the guide editor's)."""

    def __init__(self, language: str = "nb") -> None:
        self.language = language
        self.problems: list[Problem] = []

    def problem(self, loc: Loc, path: str, code: str, /, **values: Any) -> None:
        where = (loc.file, loc.line, loc.column)
        self.problems.append(problem(self.language, where, path, code, **values))

    def noun(self, item_cls: type) -> str:
        """The word for an item of this kind (step, level, ...) in the editor's language."""
        return say(self.language, f"loader.part.noun.{NOUNS.get(item_cls, 'item')}")

    def merge(self, base: Any, over: Any, cls: type, path: str) -> Any:
        if not isinstance(base, LMap) or not isinstance(over, LMap):
            return over
        out = _copy_map(base)
        kinds = {f.name: f.kind for f in fields_of(cls)}
        for key, value in over.items():
            kind = kinds.get(key)
            sub = path_join(path, key)
            if kind is None or key not in base:
                _set(out, key, value, over)
            elif kind[0] == "class":
                _set(out, key, self.merge(base[key], value, kind[1], sub), over)
            elif kind[0] == "text" and isinstance(base[key], LMap) and isinstance(value, LMap):
                _set(out, key, self._merge_text(base[key], value), over)
            elif (
                (cls, key) in KEYED_LISTS
                and isinstance(base[key], LList)
                and isinstance(value, LList)
            ):
                item_cls = kind[1][1]
                merged = self._merge_list(base[key], value, KEYED_LISTS[cls, key], item_cls, sub)
                _set(out, key, merged, over)
            else:
                _set(out, key, value, over)
        return out

    def _merge_text(self, base: LMap, over: LMap) -> LMap:
        out = _copy_map(base)
        for lang in over:
            _set(out, lang, over[lang], over)
        return out

    def _merge_list(self, base: LList, over: LList, key: str, item_cls: type, path: str) -> LList:
        items: list[tuple[Any, Loc]] = list(zip(base, base.item_locs, strict=True))
        index = {self._key(item, key): i for i, (item, _) in enumerate(items)}
        given: dict[Any, Loc] = {}
        noun = self.noun(item_cls)
        for j, (item, loc) in enumerate(zip(over, over.item_locs, strict=True)):
            ident = self._key(item, key)
            path_j = path_join(path, j)
            item = self._only_allowed(item, item_cls, path_j)
            if ident is not None and ident in given:
                line = given[ident].line
                self.problem(loc, path_j, "given_twice", key=key, ident=ident, line=line)
                continue
            if ident is not None:
                given[ident] = loc
            self._check_remove(item, path_j)
            if ident is not None and ident in index:
                i = index[ident]
                merged = self.merge(
                    items[i][0], self._strip(item, items[i][0], path_j), item_cls, path_j
                )
                if isinstance(item, LMap) and item.get("remove") is True:
                    items[i] = (None, loc)
                    continue
                items[i] = (merged, items[i][1])
                after = item.get("after") if isinstance(item, LMap) else None
                if after is not None:
                    moved = items.pop(i)
                    items.insert(self._after(items, key, after, item, path_j, noun), moved)
            else:
                if isinstance(item, LMap) and item.get("remove") is True:
                    self.problem(loc, path_j, "remove_unknown", ident=ident, key=key)
                    continue
                after = item.get("after") if isinstance(item, LMap) else None
                clean = self._strip(item, None, path_j)
                if after is None:
                    items.append((clean, loc))
                else:
                    items.insert(self._after(items, key, after, item, path_j, noun), (clean, loc))
            index = {self._key(it, key): i for i, (it, _) in enumerate(items) if it is not None}
        out = LList(over.loc)
        for item, loc in items:
            if item is not None:
                out.append(item)
                out.item_locs.append(loc)
        return out

    def _only_allowed(self, item: Any, item_cls: type, path: str) -> Any:
        """Report and drop 'after'/'remove' where this kind of item cannot be moved or removed."""
        if not isinstance(item, LMap):
            return item
        allowed = OVERLAY_KEYS.get(item_cls, {})
        misplaced = [k for k in ("after", "remove") if k in item and k not in allowed]
        if not misplaced:
            return item
        out = _copy_map(item)
        for k in misplaced:
            noun = self.noun(item_cls)
            self.problem(item.key_locs[k], path_join(path, k), "not_movable", key=k, noun=noun)
            del out[k]
        return out

    def _after(
        self,
        items: list[tuple[Any, Loc]],
        key: str,
        after: Any,
        item: LMap,
        path: str,
        noun: str,
    ) -> int:
        for i, (it, _) in enumerate(items):
            if it is not None and self._key(it, key) == after:
                return i + 1
        ids = [str(self._key(it, key)) for it, _ in items if self._key(it, key) is not None]
        self.problem(
            item.value_locs["after"],
            path_join(path, "after"),
            "after_unknown",
            after=after,
            noun=noun,
            hint=suggest(str(after), ids, self.language),
        )
        return len(items)

    @staticmethod
    def _key(item: Any, key: str) -> Any:
        value = item.get(key) if isinstance(item, LMap) else None
        # Only a plain word or number identifies an item; anything else is left to the shape check.
        return value if isinstance(value, str | int) and not isinstance(value, bool) else None

    def _check_remove(self, item: Any, path: str) -> None:
        if isinstance(item, LMap) and "remove" in item and item["remove"] is not True:
            found = describe(item["remove"], self.language)
            self.problem(
                item.value_locs["remove"], path_join(path, "remove"), "remove_not_true", found=found
            )

    def _strip(self, item: Any, base: Any, path: str) -> Any:
        """Apply and remove overlay-only keys (after, remove, add_tools/questions/advice)."""
        if not isinstance(item, LMap):
            return item
        out = _copy_map(item)
        for key in ("after", "remove"):
            if key in out:
                del out[key]
        for extra, target in ADD_KEYS.items():
            if extra not in out:
                continue
            added = out.pop(extra)
            existing = base.get(target) if isinstance(base, LMap) else None
            if not isinstance(added, LList):
                found = describe(added, self.language)
                where = item.value_locs[extra]
                self.problem(where, path_join(path, extra), "add_not_list", key=extra, found=found)
                continue
            combined = LList(added.loc)
            for src in (out.get(target, existing), added):
                if isinstance(src, LList):
                    combined.extend(src)
                    combined.item_locs.extend(src.item_locs)
            out[target] = combined
            out.key_locs[target] = item.key_locs[extra]
            out.value_locs[target] = item.value_locs[extra]
        return out


def normalize_texts(node: Any, kind: tuple[Any, ...], language: str) -> Any:
    """Turn every plain-string text into ``{language: text}``, keeping locations.

    Done to each file before an overlay is merged, so that a plain string always means the first
    language of the file it is written in, and an overlay can add a language to a base text.
    """
    tag = kind[0]
    if tag == "text" and isinstance(node, str):
        return node  # handled by the caller, which knows the location
    if tag == "list" and isinstance(node, LList):
        for i, item in enumerate(node):
            node[i] = _normalized_item(item, kind[1], language, node.item_locs[i])
        return node
    if tag == "class" and isinstance(node, LMap):
        kinds = {f.name: f.kind for f in fields_of(kind[1])}
        kinds["add_tools"] = ("list", ("class", model.Tool))
        kinds["add_questions"] = ("list", ("text",))
        kinds["add_advice"] = ("list", ("class", model.Advice))
        for key in list(node):
            if key in kinds:
                node[key] = _normalized_item(node[key], kinds[key], language, node.value_locs[key])
        return node
    return node


def _normalized_item(value: Any, kind: tuple[Any, ...], language: str, loc: Loc) -> Any:
    if kind[0] == "text" and isinstance(value, str):
        out = LMap(loc)
        out[language] = value
        out.key_locs[language] = loc
        out.value_locs[language] = loc
        return out
    return normalize_texts(value, kind, language)
