"""Rule 12 of the domain: documentation. All follow-up is documented, and closing a case from
level 1 up documents what changed and what was agreed.

Meetings are documented by their minutes (rule 8, ``meetings``), a case closed at level 0 by its
reason (rule 3, ``concern``), and anything else by a note or a document (``add_note``,
``add_document``); what a closing must carry is checked here.
"""

from __future__ import annotations

from typing import Any

from btiflow.case.context import Context
from btiflow.errors import Reason


def closing_summary_reasons(ctx: Context, p: dict[str, Any]) -> list[Reason]:
    """A closing (or a hand-down from level 3) says what changed and what was agreed."""
    if not p.get("changes") or not p.get("agreed"):
        return [ctx.reason("closing_summary_required")]
    return []
