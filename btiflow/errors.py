"""Every exception btiflow raises on purpose, in one tree.

::

    BtiflowError                      the root: catch this to catch everything below
    ├── WorkflowError (ValueError)    a workflow file cannot be loaded; .problems lists all
    ├── ActionRefused (ValueError)    an action breaks a rule of the guide; .reasons say which
    ├── CaseNotFound (LookupError)    no case with that id in the store
    ├── AccessDenied (PermissionError) this person may not see the case (or its access log)
    ├── ConflictError                 another writer changed the case first; reload and retry
    ├── MigrationError (ValueError)   two guide versions cannot be compared or migrated; .problems
    ├── ArchiveError (ValueError)     an archive package or insight export cannot be written
    ├── RetentionError (ValueError)   a purge, legal hold or release is refused; nothing written
    ├── TransferError (ValueError)    a case cannot be exported or imported (signature, chain…)
    └── StoreError                    the store cannot be opened or written (bad file, schema)
        └── CommitUnknown             lost at commit: maybe written; read the case, then retry

No exception from yaml, cattrs, sqlite3, psycopg or transitions escapes the public API: each is
translated here with ``raise ... from exc`` so the cause stays visible to a debugger.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Self

import attrs

from btiflow.words import has, say


class BtiflowError(Exception):
    """Root of every error btiflow raises on purpose.

    ``str(error)`` is an English sentence for a developer. An error a person may read (through
    the command line or the service) has a stable ``code`` (``"store.not_a_log"``,
    ``"case_not_found"``...; the same in every language) and the ``values`` its words name;
    :meth:`words` gives them in a person's language (the catalogue's ``error.<code>``).
    """

    code: str = ""
    values: Mapping[str, object] = MappingProxyType({})

    @classmethod
    def coded(cls, code: str, /, **values: object) -> Self:
        """The error ``code`` with ``values``; its message the catalogue's English."""
        error = cls(say("en", f"error.{code}", **values))
        error.code = code
        error.values = MappingProxyType(values)
        return error

    def words(self, language: str) -> str:
        """The error in ``language`` (``nb``, ``nn``, ``se``, ``en``): by its code, the values
        in it worded too; an error without a code says its own words."""
        if not self.code or not has("nb", f"error.{self.code}"):
            return str(self)
        return say(language, f"error.{self.code}", **worded(self.values, language))


def worded(values: Mapping[str, object], language: str) -> dict[str, object]:
    """``values`` for a message in ``language``: an error or a problem in it worded in that
    language too, and a known ``reason`` (the database's or the system's words) as well."""
    out: dict[str, object] = {}
    for name, value in values.items():
        said: Any = getattr(value, "said", None) or getattr(value, "words", None)
        if callable(said):
            value = said(language)
        elif name == "reason" and isinstance(value, str):
            value = reason_in(value, language)
        out[name] = value
    return out


@attrs.frozen
class InWords:
    """A value an error names that a person reads in words: a day (``kind`` "day"), a
    period (``kind`` "period", ISO 8601 such as ``P5Y``) or a case's status (``kind``
    "status"). ``str()`` is its code form, as in the English message (``2031-11-02``,
    ``P5Y``, ``closed``); :meth:`words` "søndag 2. november 2031", "fem år", "avsluttet"."""

    value: Any
    kind: str

    def __str__(self) -> str:
        return str(self.value)

    def words(self, language: str) -> str:
        """The value in ``language`` (English keeps the code form, as the message has it)."""
        from btiflow.words import dates

        if language == "en":
            return str(self)
        if self.kind == "day":
            return dates.day(self.value, language)
        if self.kind == "status":
            return say(language, f"views.status.{self.value}")
        return dates.duration(str(self.value), language)


REASONS = (
    "locked",
    "readonly",
    "not_database",
    "malformed",
    "cannot_open",
    "io",
    "full",
    "not_found",
    "permission",
    "is_folder",
    "not_folder",
    "no_space",
    "read_only",
)
"""The reasons a database or the system gives that btiflow words (``error.reason.<code>``): a
``reason`` value equal to one's English text is shown in the reader's language."""

_OS_REASONS = {
    errno.ENOENT: "not_found",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EISDIR: "is_folder",
    errno.ENOTDIR: "not_folder",
    errno.ENOSPC: "no_space",
    errno.EROFS: "read_only",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused, as an error's ``reason`` value: a common reason in the
    catalogue's English (worded again for a reader by :func:`reason_in`), else its own words."""
    code = _OS_REASONS.get(exc.errno) if exc.errno is not None else None
    if code is not None:
        return say("en", f"error.reason.{code}")
    return exc.strerror or str(exc) or type(exc).__name__


def reason_in(reason: str, language: str) -> str:
    """A database's or the system's reason in ``language`` when it is a known one."""
    for code in REASONS:
        if reason == say("en", f"error.reason.{code}"):
            return say(language, f"error.reason.{code}")
    return reason


@attrs.frozen
class Problem:
    """One mistake in a workflow file: where it is, what is wrong, and how to fix it.

    ``code`` names the kind of mistake (``"language_twice"``, ``"unknown_key"``, ...) and is the
    same in every language: a program tells problems apart by it. ``message`` and ``hint`` are
    words for the guide editor, in the language the loader was asked for (bokmål by default;
    see docs/workflow-format.md, "Every error message", for every code).
    """

    file: str
    line: int
    column: int
    path: str
    message: str
    hint: str = ""
    code: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class WorkflowError(BtiflowError, ValueError):
    """A workflow file could not be loaded. ``problems`` holds every problem found, in order.

    The message heads the problems with their number, in ``language`` (the language the
    problems are worded in; bokmål by default).
    """

    def __init__(self, problems: Sequence[Problem], language: str = "nb") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = "heading_one" if count == 1 else "heading_many"
        text = say(language, f"loader.part.{head}", count=count)
        super().__init__(text + "\n" + "\n".join(str(p) for p in self.problems))


@attrs.frozen
class Reason:
    """Why an action is refused: a stable ``code`` for programs, a ``message`` for people."""

    code: str
    rule: str
    message: str


class ActionRefused(BtiflowError, ValueError):
    """An action was refused; nothing was written. ``reasons`` lists every rule it breaks."""

    def __init__(self, action: str, reasons: Sequence[Reason]) -> None:
        self.action = action
        self.reasons: tuple[Reason, ...] = tuple(reasons)
        first = self.reasons[0] if self.reasons else None
        self.code = first.code if first else "refused"
        self.rule = first.rule if first else ""
        lines = "; ".join(f"[{r.code}] {r.message}" for r in self.reasons)
        super().__init__(f"{action} refused: {lines}")

    def words(self, language: str) -> str:
        """The reasons' messages (in the guide's language, as the engine worded them)."""
        return "; ".join(r.message for r in self.reasons) or str(self)


class CaseNotFound(BtiflowError, LookupError):
    """No case with this id exists in the store."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.code = "case_not_found"
        self.values = MappingProxyType({"case": case_id})
        super().__init__(say("en", "error.case_not_found", case=case_id))


class AccessDenied(BtiflowError, PermissionError):
    """The viewer may not see this case (or its access log); nothing was shown or recorded."""

    def __init__(self, case_id: str, viewer: str, what: str = "case") -> None:
        self.case_id = case_id
        self.viewer = viewer
        self.code = f"access_denied.{what}"  # what: "case", "access_log" or "overview"
        self.values = MappingProxyType({"viewer": viewer, "case": case_id})
        super().__init__(say("en", f"error.{self.code}", **self.values))


class ConflictError(BtiflowError):
    """Another writer appended to the case since it was read; reload the case and try again."""

    def __init__(self, case_id: str, expected_seq: int) -> None:
        self.case_id = case_id
        self.expected_seq = expected_seq
        self.code = "conflict"
        self.values = MappingProxyType({"case": case_id, "seq": expected_seq})
        super().__init__(say("en", "error.conflict", **self.values))


class MigrationError(BtiflowError, ValueError):
    """Two guide versions cannot be compared, or a migration's input is wrong; nothing was
    written. ``problems`` lists every problem found, in words for the guide editor."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


class ArchiveError(BtiflowError, ValueError):
    """An archive package (or a person's insight export) cannot be written: the directory, the
    date or the person is wrong. Nothing was written, in the directory or in the log."""


class RetentionError(BtiflowError, ValueError):
    """A purge, a legal hold or its release is refused: the case is not archived, not yet due,
    under a legal hold, already purged, or the person is not an administrator. Nothing was
    written."""


class TransferError(BtiflowError, ValueError):
    """A case cannot move between municipalities: the bundle's signature or chain does not
    hold, it was signed by another key, the case is already in the store, the family has not
    consented, or the case cannot be exported (purged, moved already). Nothing was written."""


class StoreError(BtiflowError):
    """The store could not be opened, read or written."""


class CommitUnknown(StoreError):
    """The connection to the database was lost while an append was committing, and the store
    could not reach the database to find out whether it was written. The entries (``case_id``,
    up to entry ``seq``) may or may not be in the log: read the case (``engine.case``) before
    trying again, or an action may be written twice. Only PostgreSQL raises it; any other
    failure to write is a plain ``StoreError`` and nothing was written."""

    def __init__(self, case_id: str, seq: int, cause: str) -> None:
        self.case_id = case_id
        self.seq = seq
        self.code = "store.commit_unknown"
        self.values = MappingProxyType({"case": case_id, "seq": seq, "reason": cause})
        super().__init__(say("en", "error.store.commit_unknown", **self.values))
