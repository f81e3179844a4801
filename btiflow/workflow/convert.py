"""A ``Workflow`` to plain data and back, and its content hash: what a store needs of the format.

The cattrs hooks for ``Text`` and ``Duration`` are registered here, on the one converter
(``btiflow.codec``), so a store can keep and read workflow versions without importing the YAML
loader.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import attrs

from btiflow.codec import converter
from btiflow.workflow.fields import parse_duration, parse_period
from btiflow.workflow.model import Consent, Duration, Period, Text, Workflow

converter.register_structure_hook(
    # Pairs come from the shape check; a mapping comes from a stored workflow (unstructure).
    Text,
    lambda v, _: Text(tuple(v.items()) if isinstance(v, dict) else tuple((k, t) for k, t in v)),
)
converter.register_unstructure_hook(Text, lambda t: dict(t.by_language))
converter.register_structure_hook(Duration, lambda v, _: Duration(v, parse_duration(v) or 0))
converter.register_unstructure_hook(Duration, lambda d: d.iso)
converter.register_structure_hook(Period, lambda v, _: parse_period(v) or Period(v))
converter.register_unstructure_hook(Period, lambda p: p.iso)

# Keys added to the format later are left out while unset, so every guide written before they
# existed keeps its content hash (a case pins it; ``verify`` compares a stored version with it).
_LATER_KEYS: dict[type, tuple[str, ...]] = {Consent: ("valid_for", "renewal_reminder", "services")}


def _omitting_later_keys(cls: type) -> None:
    plain = converter.get_unstructure_hook(cls)
    later = _LATER_KEYS[cls]

    def unstructure(value: Any) -> Any:
        data = plain(value)
        for key in later:
            if data.get(key) in (None, [], ()):
                data.pop(key, None)
        return data

    converter.register_unstructure_hook(cls, unstructure)


for _cls in _LATER_KEYS:
    _omitting_later_keys(_cls)


def content_hash(workflow: Workflow) -> str:
    """SHA-256 of the workflow's resolved content; the identity a case pins."""
    data = converter.unstructure(workflow)
    data.pop("content_hash", None)
    data.pop("source", None)
    if not any(data.get("retention", {}).values()):
        # added after guides were first pinned: left out while unset, so their hashes stay
        data.pop("retention", None)
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def structure(data: dict[str, Any]) -> Workflow:
    """A workflow back from ``unstructure``'s output (e.g. a version kept in a store)."""
    workflow = converter.structure(data, Workflow)
    return attrs.evolve(workflow, content_hash=content_hash(workflow))


def unstructure(workflow: Workflow) -> dict[str, Any]:
    """The workflow as plain data (texts as language mappings, durations as ISO strings)."""
    data: dict[str, Any] = converter.unstructure(workflow)
    return data


__all__ = ["content_hash", "structure", "unstructure"]
