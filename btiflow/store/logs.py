"""What the stores log, under ``btiflow.store.sqlite`` and ``btiflow.store.postgres``.

Case ids, sequence numbers, entry kinds, counts and schema names: never a subject, a name, a
concern or an address (nothing sensitive in log lines, docs/design.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from btiflow.case.entries import Entry


def appended(log: logging.Logger, case_id: str, entries: Sequence[Entry], mail: int) -> None:
    """One action's entries written (with ``mail`` outbox rows)."""
    if not entries or not log.isEnabledFor(logging.DEBUG):
        return
    kinds = ", ".join(e.kind for e in entries)
    first, last = entries[0].seq, entries[-1].seq
    seqs = f"entry {first}" if first == last else f"entries {first}-{last}"
    log.debug("case %s: %s appended (%s), %d mail", case_id, seqs, kinds, mail)


def conflict(log: logging.Logger, case_id: str, seq: int) -> None:
    """Another writer took ``seq`` first: nothing was written."""
    log.info("case %s: entry %d was written by another writer first; nothing written", case_id, seq)


def opened(log: logging.Logger, where: str, migrated: Sequence[str]) -> None:
    """The log opened, with the schema migrations that opening applied."""
    if migrated:
        log.info("relay log %s: schema migrated (%s)", where, ", ".join(migrated))
    else:
        log.debug("relay log %s opened", where)


def enqueued(log: logging.Logger, new: int, given: int) -> None:
    """Outbox rows added by key (reminders): how many were new."""
    log.debug("outbox: %d of %d rows new", new, given)
