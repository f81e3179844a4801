"""The one cattrs converter: attrs objects to plain JSON-ready data and back.

Every module that (un)structures — the workflow format, a case's state row, the relay log's
entries — registers its hooks on ``converter`` here, so cattrs is imported in one place and can be
swapped in one place. Unknown keys are errors (``forbid_extra_keys``): a mistyped key in a guide
or a stored row is a problem to report, never silently dropped.
"""

from __future__ import annotations

import cattrs

converter = cattrs.Converter(forbid_extra_keys=True)

StructureError = cattrs.BaseValidationError
"""What ``converter.structure`` raises on data of the wrong shape (besides TypeError/ValueError)."""
