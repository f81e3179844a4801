"""What a store of relay logs must do; the SQLite store implements it, a second store would too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs

from btiflow.access import AccessRecord
from btiflow.case.entries import Entry, Tombstone
from btiflow.case.state import Case
from btiflow.errors import reason_in
from btiflow.notify.rows import OutboxRow
from btiflow.words import say
from btiflow.workflow.model import Workflow


@attrs.frozen
class DueCase:
    """A case with an evaluation due: when, and who holds the baton."""

    case_id: str
    due: dt.date
    level: int
    step: str
    baton_holder: str | None
    baton_unit: str | None


DueRow = tuple[str, dt.date, int, str, str | None, str | None]
"""A case with an evaluation due, as a plain tuple (cheap by the hundred thousand): case id,
due day, level, step, baton holder, baton unit. ``DueCase``'s fields in order, so
``DueCase(*row)`` is the same case as an object."""

DueAfter = tuple[dt.date, str]
"""Where a list of due evaluations goes on from: the last row's due day and case id (rows are
in that order)."""


@attrs.frozen
class CaseCount:
    """How many cases stand at one level with one status, and of them how many have an
    evaluation overdue, one due soon, and an offer of the baton not yet answered. Figures
    only: never which cases (``Store.case_counts``)."""

    level: int
    status: str
    cases: int
    overdue: int = 0
    due_soon: int = 0
    offers: int = 0


@attrs.frozen
class ChainProblem:
    """What ``verify`` found wrong: in a case (``case_id``, at entry ``seq``, or 0 for the
    case as a whole or its access log), or in the file or a guide version (``case_id`` "").

    ``code`` names what is wrong and is the same in every language (``hash_mismatch``,
    ``link_broken``...; docs/errors.md lists them all): a program tells problems apart by it.
    ``values`` are what its words name (an entry number, a guide version, the columns that
    differ). :meth:`words` words it for a person (``verify.<code>`` in the text catalogue);
    ``message`` and ``str()`` are the English words, for a developer. ``verify``'s notes
    (what is not wrong but worth saying, e.g. entries a purge erased) are of this kind too.
    """

    case_id: str
    seq: int
    code: str
    values: Mapping[str, object] = attrs.field(factory=dict, hash=False)

    @property
    def message(self) -> str:
        """What is wrong, in English (for a developer; :meth:`words` for a person)."""
        return self.words("en")

    def words(self, language: str) -> str:
        """What is wrong in ``language`` (``nb``, ``nn``, ``se``, ``en``), without where."""
        values = dict(self.values)
        columns = values.get("columns")
        if isinstance(columns, tuple | list):
            values["columns"] = ", ".join(say(language, f"verify.column.{c}") for c in columns)
        reason = values.get("reason")
        if isinstance(reason, str):  # the database's words: a common reason in the reader's
            values["reason"] = reason_in(reason, language)
        return say(language, f"verify.{self.code}", **values)

    def said(self, language: str) -> str:
        """Where and what, in ``language``: "CASE entry 3: ..." (or "CASE: ...", or what
        alone for the file or a guide version)."""
        message = self.words(language)
        if not self.case_id:  # the file or a guide version, not a case
            return message
        if not self.seq:
            return say(language, "verify.in_case", case=self.case_id, message=message)
        return say(language, "verify.at_entry", case=self.case_id, seq=self.seq, message=message)

    def __str__(self) -> str:
        return self.said("en")


@attrs.frozen
class VerifyReport:
    """What ``verify`` found: the file's integrity, every hash chain, every state row against
    its log, every access log's chain and every stored guide version (``store.check``)."""

    cases: int
    entries: int
    problems: tuple[ChainProblem, ...]
    notes: tuple[ChainProblem, ...] = ()
    """What is not a problem but worth saying: e.g. a purged case's erased entries (with a
    code, as problems have)."""

    @property
    def ok(self) -> bool:
        return not self.problems


@attrs.frozen
class ChainHead:
    """The last entry of a case's chain: keep these elsewhere as a witness."""

    case_id: str
    seq: int
    hash: str


@attrs.frozen
class Receipt:
    """The first answer to a state-changing request that carried an ``Idempotency-Key``.

    Kept per ``caller`` (who asked) and ``key``, written in the same transaction as the entries
    the request produced, so a retry finds either both or neither. ``fingerprint`` identifies
    the request (method, path, body); ``status``, ``headers`` and ``body`` are the answer as
    first given, replayed word for word to a retry."""

    caller: str
    key: str
    fingerprint: str
    status: int
    headers: str
    """The answer's headers worth replaying (``ETag``, ``Location``), as a JSON object."""
    body: str
    """The answer's body, as the JSON text first sent."""


@attrs.frozen
class FeedEvent:
    """One entry of the tenant's relay log as the event feed tells it: where it stands in the
    feed (``position``, one order for the whole tenant), which case, which entry, what kind,
    when. Never the entry's content."""

    position: int
    case_id: str
    seq: int
    kind: str
    time: dt.datetime


KEPT_ON_PURGE = ("case_archived", "access_log_erased")
"""Entry kinds a purge leaves as they are: they hold no one's personal data, and they show
what was archived and erased."""


@attrs.frozen
class Erasure:
    """One case's purge, or a cut of its access log's oldest rows (``Store.erase``), written
    in one transaction with the entries that record it.

    With a ``tombstone``, every entry up to ``expected_seq`` but those of ``KEPT_ON_PURGE`` is
    erased: actor, role, unit and data emptied, the tombstone set; seq, time, kind, guide
    version and the hashes stay. ``access_rows`` oldest access-log rows are removed; the
    last of them must have the hash ``access_base`` (or, when the whole access log goes,
    ``access_base`` is GENESIS and new rows start a new chain)."""

    case_id: str
    expected_seq: int
    entries: tuple[Entry, ...]
    state: Case
    tombstone: Tombstone | None
    access_rows: int
    access_base: str


class Store(Protocol):
    """The storage a relay log needs. ``append`` is atomic and refuses a stale writer."""

    def load(self, case_id: str) -> Case: ...

    def append(
        self,
        entries: Sequence[Entry],
        state: Case,
        *,
        expected_seq: int,
        access: Sequence[AccessRecord] = (),
        outbox: Sequence[OutboxRow] = (),
        receipt: Receipt | None = None,
        access_cut: tuple[int, str] | None = None,
    ) -> None: ...

    def receipt(self, caller: str, key: str) -> Receipt | None: ...

    def events(self, after: int, limit: int) -> list[FeedEvent]: ...

    def record_access(self, records: Sequence[AccessRecord]) -> None: ...

    def access_log(self, case_id: str) -> list[AccessRecord]: ...

    def access_chain(self, case_id: str) -> list[tuple[dt.datetime, str]]: ...

    def erase(self, erasure: Erasure) -> None: ...

    def entries(self, case_id: str) -> list[Entry]: ...

    def case_ids(self) -> list[str]: ...

    def enqueue(self, rows: Sequence[OutboxRow]) -> int: ...

    def due_between(self, start: dt.date, end: dt.date) -> list[DueCase]: ...

    def overdue(self, today: dt.date) -> list[DueCase]: ...

    def offers_to(self, person: str, unit: str) -> list[str]: ...

    def case_counts(
        self, unit: str | None, today: dt.date, soon_until: dt.date
    ) -> list[CaseCount]: ...

    def needing_attention(
        self, unit: str | None, today: dt.date, soon_until: dt.date
    ) -> list[str]: ...
    def due_page(
        self, first: dt.date | None, last: dt.date, *, after: DueAfter | None, limit: int
    ) -> list[DueRow]: ...

    def verify(self) -> VerifyReport: ...

    def heads(self) -> list[ChainHead]: ...

    def save_workflow(self, workflow: Workflow) -> None: ...

    def load_workflow(self, content_hash: str) -> Workflow: ...

    def workflow_versions(self) -> list[tuple[str, str, str]]: ...

    def close(self) -> None: ...


class SessionStore(Protocol):
    """Where the web pages keep their login sessions (both shipped stores do): one row per
    session, keyed by a hash of the cookie's id, with its data (JSON) and when it was last
    used (seconds since the epoch). ``btiflow.server.sessions`` decides what is in it."""

    def session_get(self, key: str) -> tuple[str, float] | None: ...

    def session_put(self, key: str, data: str, seen_at: float) -> None: ...

    def session_delete(self, key: str) -> None: ...

    def session_purge(self, before: float) -> int: ...
