"""The files shipped beside the renderers (``render/static/``): the stylesheets.

They are package data, not Python strings, so a designer edits CSS as CSS; read
through ``importlib.resources`` so they are found in a wheel or a zip as in a checkout.
"""

from __future__ import annotations

from importlib.resources import files


def read(name: str) -> str:
    """The text of ``render/static/<name>``."""
    return (files("btiflow.render") / "static" / name).read_text(encoding="utf-8")


__all__ = ["read"]
