"""What ``verify`` checks, for every store: each case's hash chain, its state row column by column
against the replay of its log, its access log's own hash chain, and each stored guide version
against its content hash; and a store against chain heads exported earlier.

The stores read rows (in one snapshot) and hand them here as stored, so SQLite and PostgreSQL
check exactly the same things. A row that cannot be read is a problem of its case, never an
exception: ``verify`` names every broken case and goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from btiflow.case.entries import GENESIS, Entry, canonical_json
from btiflow.case.fold import fold, to_data
from btiflow.case.kinds import AccessLogErased, CasePurged
from btiflow.case.state import Case
from btiflow.store.base import ChainHead, ChainProblem, Store, VerifyReport
from btiflow.store.rows import (
    ENTRY_COLUMNS,
    STATE_COLUMNS,
    UnreadableEntry,
    access_hash,
    entry_from_row,
    strict_json,
)
from btiflow.words import say
from btiflow.workflow.convert import structure

PROBLEMS = (
    "file_damaged",
    "store_unreadable",
    "entries_without_case",
    "case_damaged",
    "unreadable",
    "data_not_sealed",
    "entry_unreadable",
    "no_entries",
    "entry_missing",
    "link_broken",
    "hash_mismatch",
    "erased_without_purge",
    "head_beyond_log",
    "entries_after_head",
    "head_mismatch",
    "access_cut_unrecorded",
    "not_replayable",
    "state_row_differs",
    "access_row_changed",
    "access_count_differs",
    "guides_damaged",
    "guide_unreadable",
    "guide_hash_mismatch",
    "case_missing",
    "chain_shorter",
    "chain_differs",
)
"""Every ``ChainProblem.code`` ``verify`` (and ``--against``) can report, in the order it checks;
each is worded by the catalogue's ``verify.<code>`` (docs/errors.md lists them)."""

NOTES = ("erased", "erased_old_form")
"""Every code of ``VerifyReport.notes``: not problems, but worth saying."""

_STATE = STATE_COLUMNS.index("state")
_LAST_SEQ = STATE_COLUMNS.index("last_seq")
_HEAD = STATE_COLUMNS.index("head_hash")


@attrs.frozen
class StoredCase:
    """One case as a store holds it: its state row, entry rows and access-log rows.

    ``row`` is in ``STATE_COLUMNS`` order; ``entries`` in ``ENTRY_COLUMNS`` order by seq;
    ``access`` is (the ``ACCESS_COLUMNS`` values..., prev_hash, hash) by id; ``access_count``
    and ``access_head`` are what the case row says the access log's chain ends with;
    ``access_cut`` how many of its oldest rows were erased, and ``access_base`` the hash the
    rows left chain on from (None: the start).
    """

    case_id: str
    row: Sequence[Any]
    entries: Sequence[Sequence[Any]]
    access: Sequence[Sequence[Any]]
    access_count: int
    access_head: str
    access_cut: int = 0
    access_base: str | None = None


def check_case(
    stored: StoredCase, state_values: Callable[[Case], Sequence[Any]]
) -> list[ChainProblem]:
    """Every problem of one case (at most one for its log and state row, one for its access log).

    ``state_values`` is the store's own ``rows.state_values`` (a store may keep a column in
    another type, e.g. PostgreSQL's date), so the row is compared as that store writes it.
    """
    problems: list[ChainProblem] = []
    try:
        problem = _check_log(stored, state_values)
    except Exception as exc:  # verify reports whatever a changed row does, and goes on
        problem = ChainProblem(stored.case_id, 0, "unreadable", {"reason": _short(exc)})
    if problem is not None:
        problems.append(problem)
    access = _check_access(stored)
    if access is not None:
        problems.append(access)
    return problems


def _check_log(
    stored: StoredCase, state_values: Callable[[Case], Sequence[Any]]
) -> ChainProblem | None:
    case_id, row = stored.case_id, stored.row
    try:
        log = [_entry(r) for r in stored.entries]
    except _NotSealed as exc:  # changed behind the store's back
        return ChainProblem(case_id, exc.seq, "data_not_sealed")
    except UnreadableEntry as exc:
        return ChainProblem(case_id, exc.seq, "entry_unreadable", {"reason": exc.problem})
    problem = _check_chain(case_id, log, row[_LAST_SEQ], row[_HEAD]) or _check_cut(stored, log)
    if problem is not None:
        return problem
    try:
        replay = fold(log)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        return ChainProblem(case_id, 0, "not_replayable", {"reason": _short(exc)})
    return _check_state_row(case_id, row, replay, state_values)


class _NotSealed(ValueError):
    """An entry's data is not the canonical text that was hashed (changed behind the store)."""

    def __init__(self, seq: int) -> None:
        super().__init__(f"entry {seq}: the data is not the text that was sealed")
        self.seq = seq


def _entry(row: Sequence[Any]) -> Entry:
    """An entry from its row, whose data must be exactly the canonical text that was hashed."""
    entry = entry_from_row(row)
    data = row[7]
    if data != canonical_json(entry.data):
        raise _NotSealed(entry.seq)
    return entry


def _check_state_row(
    case_id: str, row: Sequence[Any], replay: Case, state_values: Callable[[Case], Sequence[Any]]
) -> ChainProblem | None:
    expected = state_values(replay)
    differ = [
        name
        for name, have, want in zip(STATE_COLUMNS, row, expected, strict=True)
        if name != "state" and have != want
    ]
    try:
        state = strict_json(row[_STATE])
    except ValueError:  # not JSON any more: the state differs
        differ.append("state")
    else:
        if state != to_data(replay):
            differ.append("state")
    if not differ:
        return None
    values = {"columns": tuple(differ)}
    return ChainProblem(case_id, row[_LAST_SEQ] or 0, "state_row_differs", values)


def check_chain(case_id: str, log: list[Entry]) -> ChainProblem | None:
    """The first break in a case's chain of entries (seq, links, hashes), if any: for a log
    that comes from elsewhere (a transfer bundle), with no case row to compare."""
    if not log:
        return ChainProblem(case_id, 1, "no_entries")
    return _check_chain(case_id, log, len(log), log[-1].hash)


def _check_chain(
    case_id: str, log: list[Entry], last_seq: int, head_hash: str
) -> ChainProblem | None:
    prev = GENESIS
    purges = {e.seq for e in log if isinstance(e.body, CasePurged)}
    for expected_seq, entry in enumerate(log, 1):
        if entry.seq != expected_seq:
            return ChainProblem(case_id, expected_seq, "entry_missing")
        if entry.prev_hash != prev:
            return ChainProblem(case_id, entry.seq, "link_broken")
        code = _check_hash(entry, purges)
        if code is not None:
            return ChainProblem(case_id, entry.seq, code)
        prev = entry.hash
    if len(log) < last_seq:
        return ChainProblem(case_id, len(log) + 1, "head_beyond_log", {"head": last_seq})
    if len(log) > last_seq:
        return ChainProblem(case_id, last_seq + 1, "entries_after_head", {"head": last_seq})
    if prev != head_hash:
        return ChainProblem(case_id, last_seq, "head_mismatch")
    return None


def _check_hash(entry: Entry, purges: set[int]) -> str | None:
    """What is wrong with one entry's hash, if anything (a problem code).

    Form 2: the content must give the content hash (unless erased), and the header with the
    content hash the entry's hash. Form 1: the header with the body gives the hash; once
    erased only its links can be checked (its neighbours hold its hash). An erased entry's
    tombstone must name a ``case_purged`` entry after it.
    """
    if entry.erased is not None:
        if entry.erased.by_seq not in purges or entry.erased.by_seq <= entry.seq:
            return "erased_without_purge"
        if entry.form == 1:
            return None
    elif entry.form == 2 and entry.compute_content_hash() != entry.content_hash:
        return "hash_mismatch"
    if entry.compute_hash() != entry.hash:
        return "hash_mismatch"
    return None


def recorded_cut(log: Sequence[Entry]) -> tuple[int, str]:
    """How many access-log rows the case's log says were erased (retention, purge), and the
    hash the rows left chain on from (GENESIS: the start)."""
    cut, base = 0, GENESIS
    for entry in log:
        if isinstance(entry.body, AccessLogErased):
            cut, base = cut + entry.body.rows, entry.body.base
        elif isinstance(entry.body, CasePurged) and entry.body.access_rows:
            # the whole access log went with the purge; rows after it start a new chain
            cut, base = cut + entry.body.access_rows, GENESIS
    return cut, base


def _check_cut(stored: StoredCase, log: list[Entry]) -> ChainProblem | None:
    """Access-log rows erased (retention) must be recorded in the case's log: as many rows as
    its ``access_log_erased`` and ``case_purged`` entries say, the rows left chaining on from
    the last recorded base."""
    cut, base = recorded_cut(log)
    if (stored.access_cut or 0, stored.access_base or GENESIS) != (cut, base):
        values = {"erased": stored.access_cut or 0, "recorded": cut}
        return ChainProblem(stored.case_id, 0, "access_cut_unrecorded", values)
    return None


def _check_access(stored: StoredCase) -> ChainProblem | None:
    """The access log's chain: each row links to the one before, and ends at the case row's
    head (so a row edited, removed or added is seen). After a retention cut it starts from
    the base the case row names (``_check_cut`` holds that base to the log)."""
    prev = stored.access_base or GENESIS
    for n, row in enumerate(stored.access, 1):
        *values, prev_hash, digest = row
        if prev_hash != prev or access_hash(prev, values) != digest:
            return ChainProblem(stored.case_id, 0, "access_row_changed", {"row": n})
        prev = digest
    count = len(stored.access)
    if count != stored.access_count or prev != (
        stored.access_head or stored.access_base or GENESIS
    ):
        counted = {"count": count, "recorded": stored.access_count}
        return ChainProblem(stored.case_id, 0, "access_count_differs", counted)
    return None


def check_workflow(content_hash: str, content: str) -> ChainProblem | None:
    """A stored guide version whose content no longer gives its hash (a changed age limit,
    say) is a problem: cases pinned to it would follow rules nobody published."""
    try:
        actual = structure(strict_json(content)).content_hash
    except Exception as exc:  # a changed row can hold anything
        values = {"version": content_hash[:12], "reason": _short(exc)}
        return ChainProblem("", 0, "guide_unreadable", values)
    if actual != content_hash:
        return ChainProblem("", 0, "guide_hash_mismatch", {"version": content_hash[:12]})
    return None


def check_heads(store: Store, heads: Sequence[ChainHead]) -> list[ChainProblem]:
    """Compare a store with chain heads exported earlier (``btiflow verify --heads``): a case
    missing, a chain shorter than it was, or one whose entry at the exported seq differs (cut
    and rewritten, or forged) is named. Cases opened since are fine."""
    now = {h.case_id: h for h in store.heads()}
    problems: list[ChainProblem] = []
    for head in heads:
        current = now.get(head.case_id)
        if current is None:
            problems.append(ChainProblem(head.case_id, head.seq, "case_missing"))
        elif current.seq < head.seq:
            values = {"now": current.seq, "was": head.seq}
            problems.append(ChainProblem(head.case_id, head.seq, "chain_shorter", values))
        elif _hash_at(store, head) != head.hash:
            problems.append(ChainProblem(head.case_id, head.seq, "chain_differs"))
    return problems


def _hash_at(store: Store, head: ChainHead) -> str | None:
    try:
        log = store.entries(head.case_id)
    except Exception:  # an unreadable log cannot match; verify names why
        return None
    return log[head.seq - 1].hash if 0 < head.seq <= len(log) else None


class BadHeads(ValueError):
    """A file that is not one ``btiflow verify --heads`` wrote; ``code`` says why (``not_json``,
    ``not_list``, ``fields``, ``types``: the catalogue's ``verify.heads.<code>``)."""

    def __init__(self, code: str) -> None:
        super().__init__(say("en", f"verify.heads.{code}"))
        self.code = code

    def words(self, language: str) -> str:
        """Why, in ``language``."""
        return say(language, f"verify.heads.{self.code}")


def read_heads(text: str) -> list[ChainHead]:
    """Chain heads from a file ``btiflow verify --heads`` wrote; ``BadHeads`` (a ValueError)
    if it is not one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadHeads("not_json") from exc
    if not isinstance(data, list):
        raise BadHeads("not_list")
    heads = []
    for item in data:
        if not isinstance(item, dict) or set(item) != {"case_id", "seq", "hash"}:
            raise BadHeads("fields")
        case_id, seq, digest = item["case_id"], item["seq"], item["hash"]
        if not isinstance(case_id, str) or type(seq) is not int or not isinstance(digest, str):
            raise BadHeads("types")
        heads.append(ChainHead(case_id, seq, digest))
    return heads


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


@attrs.frozen
class Queries:
    """The SQL ``verify`` runs, in a store's dialect. Each takes ``scope`` (the tenant, or
    nothing) first; ``entries`` and ``access`` then take the case id."""

    scope: tuple[Any, ...]
    cases: str
    """STATE_COLUMNS, access_count, access_head, access_cut, access_base of every case, by
    case id."""
    orphans: str
    """The case id of every entry (DISTINCT)."""
    entries: str
    access: str
    """ACCESS_COLUMNS, prev_hash, hash of one case, by id."""
    workflows: str
    """hash, content of every stored guide version."""


def verify_rows(
    read: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]],
    queries: Queries,
    state_values: Callable[[Case], Sequence[Any]],
    damaged: type[BaseException] | tuple[type[BaseException], ...],
) -> VerifyReport:
    """Check every case, access log and guide version a store holds (one snapshot, read by
    ``read``); a read that fails with ``damaged`` is reported, and the rest still checked."""
    problems: list[ChainProblem] = []
    notes: list[ChainProblem] = []
    scope = queries.scope
    try:
        rows = read(queries.cases, scope)
        known = {r[0] for r in rows}
        for (case_id,) in read(queries.orphans, scope):
            if case_id not in known:
                problems.append(ChainProblem(case_id, 0, "entries_without_case"))
    except damaged as exc:
        unreadable = ChainProblem("", 0, "store_unreadable", {"reason": _short(exc)})
        return VerifyReport(0, 0, (*problems, unreadable))
    entries = 0
    for row in rows:
        case_id = row[0]
        try:
            entry_rows = read(queries.entries, (*scope, case_id))
            access_rows = read(queries.access, (*scope, case_id))
        except damaged as exc:
            problems.append(ChainProblem(case_id, 0, "case_damaged", {"reason": _short(exc)}))
            continue
        entries += len(entry_rows)
        *state_row, access_count, access_head, access_cut, access_base = row
        stored = StoredCase(
            case_id,
            state_row,
            entry_rows,
            access_rows,
            access_count,
            access_head,
            access_cut,
            access_base,
        )
        problems += check_case(stored, state_values)
        notes += erased_notes(case_id, entry_rows)
    try:
        for content_hash, content in read(queries.workflows, scope):
            problem = check_workflow(content_hash, content)
            if problem is not None:
                problems.append(problem)
    except damaged as exc:
        problems.append(ChainProblem("", 0, "guides_damaged", {"reason": _short(exc)}))
    return VerifyReport(len(rows), entries, tuple(problems), tuple(notes))


_CONTENT_HASH = ENTRY_COLUMNS.split(", ").index("content_hash")
_ERASED = ENTRY_COLUMNS.split(", ").index("erased")


def erased_notes(case_id: str, entry_rows: Sequence[Sequence[Any]]) -> list[ChainProblem]:
    """What ``verify`` says of a case's erased entries (not problems: a purge erased them):
    ``erased`` (how many), or ``erased_old_form`` when some are in the old hash form 1,
    checked by their links only."""
    erased = [r for r in entry_rows if r[_ERASED] is not None]
    if not erased:
        return []
    old = sum(1 for r in erased if r[_CONTENT_HASH] is None)
    if old:
        return [ChainProblem(case_id, 0, "erased_old_form", {"count": len(erased), "old": old})]
    return [ChainProblem(case_id, 0, "erased", {"count": len(erased)})]
