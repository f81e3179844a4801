"""Compile the catalogues: each ``locale/<lang>/<area>.po`` to the ``.mo`` beside it.

Also click's own words for the command line, ``locale/<lang>/LC_MESSAGES/click.po`` (gettext's
layout: :mod:`btiflow.cli.clickwords` reads them with the standard library's ``gettext``).

Run ``python -m btiflow.words.compile`` after editing a ``.po`` file; ``--check`` only reports
the ``.mo`` files that are out of date (the tests hold them equal). Needs Babel.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

LOCALE = Path(__file__).parent / "locale"


def compiled(po: Path) -> bytes:
    """The ``.mo`` bytes for a ``.po`` file (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    language = po.parent.parent.name if po.parent.name == "LC_MESSAGES" else po.parent.name
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=language, abort_invalid=True)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _texts(data: bytes) -> dict[object, object]:
    """A compiled catalogue's texts, without its header: the header names the Babel version
    that compiled it, which must not make an up-to-date file look stale."""
    import gettext

    catalog = gettext.GNUTranslations(io.BytesIO(data))._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in catalog.items() if k != ""}


def stale(locale: Path = LOCALE) -> list[Path]:
    """The ``.mo`` files whose texts differ from what their ``.po`` compiles to (or missing)."""
    result = []
    for po in sorted([*locale.glob("*/*.po"), *locale.glob("*/LC_MESSAGES/*.po")]):
        mo = po.with_suffix(".mo")
        if not mo.exists() or _texts(mo.read_bytes()) != _texts(compiled(po)):
            result.append(mo)
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_of_date = stale()
    if "--check" in args:
        for mo in out_of_date:
            print(f"out of date: {mo}")
        return 1 if out_of_date else 0
    for mo in out_of_date:
        mo.write_bytes(compiled(mo.with_suffix(".po")))
        print(f"wrote {mo}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
