"""The one cattrs converter: attrs objects to plain JSON-ready data and back.

Every module that (un)structures — the workflow format, a case's state row, the relay log's
entries — registers its hooks on ``converter`` here, so cattrs is imported in one place and can be
swapped in one place. Unknown keys are errors (``forbid_extra_keys``): a mistyped key in a guide
or a stored row is a problem to report, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

converter = cattrs.Converter(forbid_extra_keys=True)

StructureError = cattrs.BaseValidationError
"""What ``converter.structure`` raises on data of the wrong shape (besides TypeError/ValueError)."""


# --- records stored as JSON objects (the relay log's entry bodies) ---------------------------

OMIT_IF_NONE = "btiflow.omit_if_none"
"""Field metadata: the key is left out of the stored object when the value is None (and a
stored null is refused, since it was never written)."""

KEY = "btiflow.key"
"""Field metadata: the stored key, when it is not the field's name (e.g. ``from``)."""


def _canonical(parse: Callable[[str], Any], what: str) -> Callable[[Any, Any], Any]:
    # Only the text its own isoformat() gives back is accepted, so what is read is written again
    # byte for byte (Python also parses '20261224' or '2026-12-24T09:00', which never were).
    def structure(value: Any, _: Any) -> Any:
        if isinstance(value, str):
            try:
                parsed = parse(value)
            except ValueError:
                pass
            else:
                if parsed.isoformat() == value:
                    return parsed
        raise ValueError(f"expected {what}")  # not the value: it may be personal (a birth date)

    return structure


converter.register_structure_hook(dt.date, _canonical(dt.date.fromisoformat, "a date YYYY-MM-DD"))
converter.register_unstructure_hook(dt.date, dt.date.isoformat)
converter.register_structure_hook(
    dt.datetime, _canonical(dt.datetime.fromisoformat, "an ISO date and time with its offset")
)
converter.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)


def register_record(cls: type[Any]) -> None:
    """(Un)structure the attrs class ``cls`` as a JSON object, honouring ``OMIT_IF_NONE`` and
    ``KEY`` field metadata, so a stored object reads and writes back exactly as it was."""
    overrides: dict[str, Any] = {}
    omittable = []
    for field in attrs.fields(cls):
        key = field.metadata.get(KEY)
        omit = bool(field.metadata.get(OMIT_IF_NONE))
        if omit:
            omittable.append(key or field.name)
        if key or omit:
            overrides[field.name] = override(rename=key, omit_if_default=omit or None)
    unstructure = make_dict_unstructure_fn(cls, converter, **overrides)
    structure = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True, **overrides)

    def structure_record(data: Any, cl: Any) -> Any:
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
        nulls = [k for k in omittable if k in data and data[k] is None]
        if nulls:
            raise ValueError(f"{cls.__name__}: {', '.join(nulls)} is left out when empty, not null")
        return structure(data, cl)

    converter.register_structure_hook(cls, structure_record)
    converter.register_unstructure_hook(cls, unstructure)


def problems(exc: BaseException) -> list[str]:
    """What ``converter.structure`` found wrong, each with where (``... @ $.measures[0].what``),
    never with the value found, which may be personal."""
    if isinstance(exc, cattrs.BaseValidationError):
        return list(cattrs.transform_error(exc))
    return [str(exc) or type(exc).__name__]
