"""HTML to PDF/A-3b (ISO 19005-3) through WeasyPrint, the optional extra ``btiflow[archive]``.

PDF/A is what a Noark 5 archive keeps for the long term: every font embedded, the metadata in
XMP, nothing that needs the network. WeasyPrint embeds (subsets of) the fonts it finds through
fontconfig, so the page's CSS names fonts a Debian machine has (DejaVu, fonts-dejavu-core).
WeasyPrint is imported when a PDF is made, so ``import btiflow`` works without it.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import warnings
from types import MappingProxyType

from btiflow.errors import ArchiveError
from btiflow.words import say

PDF_VARIANT = "pdf/a-3b"
"""WeasyPrint's name of the PDF/A level written: part 3, conformance B (visual appearance)."""

PRINT_CSS = """\
@page { size: A4; margin: 16mm 15mm; }
html { font-family: "DejaVu Sans", "Noto Sans", sans-serif; font-size: 10pt; line-height: 1.4; }
body { max-width: none; padding: 0; }
"""
"""CSS added to every printed page: A4, and a font family every Debian machine can embed."""


class PdfUnavailable(ArchiveError):
    """WeasyPrint (or the Pango library it needs) is not installed."""

    def __init__(self, cause: str) -> None:
        self.code = "archive.no_pdf"
        self.values = MappingProxyType({"reason": cause})
        super().__init__(say("en", "error.archive.no_pdf", reason=cause))


def pdf_a(html: str, *, created: dt.datetime) -> bytes:
    """``html`` (a whole page, with ``<title>`` and ``lang``) as PDF/A-3b bytes.

    ``created`` is written as the document's creation and modification date, so the same
    input at the same time gives a document with the same text and dates.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Python package is there, Pango is not
        raise PdfUnavailable(str(exc)) from exc
    # WeasyPrint and fontTools log every font subset at INFO/WARNING: noise in a CLI's output
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    stamp = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # WeasyPrint opens its sRGB colour profile (PDF/A's output intent) and leaves closing it to
    # the garbage collector: collect here, so its ResourceWarning is not the caller's noise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        document = weasyprint.HTML(string=_with_dates(html, stamp)).render(
            stylesheets=[weasyprint.CSS(string=PRINT_CSS)]
        )
        result = document.write_pdf(pdf_variant=PDF_VARIANT)
        del document
        gc.collect()
    assert isinstance(result, bytes)
    return result


def _with_dates(html: str, stamp: str) -> str:
    # WeasyPrint reads the PDF's dates from these <meta> names (else it leaves them out)
    meta = f'<meta name="dcterms.created" content="{stamp}">'
    meta += f'<meta name="dcterms.modified" content="{stamp}">'
    return html.replace("<head>", "<head>\n" + meta, 1)
