"""An act's writes on PostgreSQL in one round trip: the server function ``btiflow_append``.

An append used to be eleven statements, each a round trip (the state row, the entries, the
access head read ``FOR UPDATE``, its rows and the new head, the webhook deliveries, the feed's
lock, its last position and its rows, then COMMIT). The function does the same writes, in the
same order and under the same locks, in one call, so ``PostgresStore.append`` sends BEGIN, the
call and COMMIT in one pipeline and waits once (docs/design.md, 2026-12-01, issue 14):

- the state row is updated ``WHERE last_seq = <expected>`` (or inserted for a new case, where
  the primary key refuses a second writer); a row that moved on makes it return ``CONFLICT``
  having written nothing;
- the access records come already chained onto the head the writer read with the state
  (``PostgresStore.load`` reads it); the update also requires that head, so a read recorded
  meanwhile makes it return ``ACCESS_MOVED`` (the store chains again the slow way);
- the webhook deliveries, then the feed's rows under the tenant's advisory lock, numbered after
  the last position read once the lock is held (a PL/pgSQL statement takes a new snapshot, so
  it sees the position the lock's previous holder committed).

Entries and access rows travel as JSON arrays of rows (each row an array of its columns):
one parameter each, cheap to build and to bind. Every value is a bound parameter, never part
of the statement's text, and an ordinary conflict is a returned status, not an error: the
server's log (which writes a failed statement's text) never sees a case's contents. Only after
``APPENDED`` do the outbox and receipt rows of the same transaction go in (``appended_only``).

The function shipped with migration m012: its column lists are frozen here as literals (a later
column goes into a new, versioned function in a new migration; tests/test_migrations_pinned.py
fails if this text changes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from btiflow.case.entries import Entry
from btiflow.store.rows import entry_values

APPENDED = "appended"
"""What the function returns when it wrote the act."""
CONFLICT = "conflict"
"""Returned for a state row that moved on from the seq the writer read (a ConflictError)."""
ACCESS_MOVED = "access moved"
"""Returned for an access head that moved on since the writer read it (chain again)."""

M012_STATE_COLUMNS = (
    "case_id", "workflow_id", "workflow_version", "workflow_hash", "subject", "status", "level",
    "step", "baton_holder", "baton_unit", "next_evaluation_due", "last_seq", "head_hash",
    "opened_at", "closed_at", "state", "opened_unit", "offer_to", "offer_unit",
)  # fmt: skip
"""The state columns of m012's function, as they were (``rows.STATE_COLUMNS`` then): frozen."""
_STATE_TYPES = {"level": "integer", "next_evaluation_due": "date", "last_seq": "integer"}
M012_ENTRY_COLUMNS = (
    "seq", "time", "actor", "role", "unit", "kind", "data", "workflow_hash", "prev_hash", "hash",
    "content_hash", "erased",
)  # fmt: skip
M012_ACCESS_COLUMNS = (
    "time", "actor", "name", "role", "unit", "relation", "what", "seq", "prev_hash", "hash",
)  # fmt: skip


def _state_params() -> str:
    return ", ".join(f"s_{c} {_STATE_TYPES.get(c, 'text')}" for c in M012_STATE_COLUMNS)


def _field(row: str, columns: Sequence[str], name: str) -> str:
    """A column of a row given as a JSON array (by its position), typed."""
    value = f"{row}->>{columns.index(name)}"
    return f"({value})::integer" if name == "seq" else value


def _fields(row: str, columns: Sequence[str]) -> str:
    return ", ".join(_field(row, columns, c) for c in columns)


_SIGNATURE = (
    f"p_tenant text, p_expected integer, p_access_head text, {_state_params()}, "
    "p_entries json, p_access json"
)

M012_APPEND = f"""
CREATE FUNCTION btiflow_append({_SIGNATURE}) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    reads integer := json_array_length(p_access);
    read_head text := {_field("(p_access->(reads - 1))", M012_ACCESS_COLUMNS, "hash")};
BEGIN
    IF p_expected = 0 THEN
        INSERT INTO cases (tenant, {", ".join(M012_STATE_COLUMNS)}, access_count, access_head)
        VALUES (p_tenant, {", ".join(f"s_{c}" for c in M012_STATE_COLUMNS)}, reads, read_head)
        ON CONFLICT (tenant, case_id) DO NOTHING;
        IF NOT FOUND THEN
            RETURN '{CONFLICT}';
        END IF;
    ELSE
        UPDATE cases SET {", ".join(f"{c} = s_{c}" for c in M012_STATE_COLUMNS[1:])},
            access_count = access_count + reads, access_head = coalesce(read_head, access_head)
        WHERE tenant = p_tenant AND case_id = s_case_id AND last_seq = p_expected
            AND (reads = 0 OR access_head IS NOT DISTINCT FROM p_access_head);
        IF NOT FOUND THEN
            IF reads > 0 AND EXISTS (SELECT FROM cases WHERE tenant = p_tenant
                    AND case_id = s_case_id AND last_seq = p_expected) THEN
                RETURN '{ACCESS_MOVED}';
            END IF;
            RETURN '{CONFLICT}';
        END IF;
    END IF;
    INSERT INTO entries (tenant, case_id, {", ".join(M012_ENTRY_COLUMNS)})
    SELECT p_tenant, s_case_id, {_fields("e", M012_ENTRY_COLUMNS)}
    FROM json_array_elements(p_entries) AS e;
    INSERT INTO access_log (tenant, case_id, {", ".join(M012_ACCESS_COLUMNS)})
    SELECT p_tenant, s_case_id, {_fields("a", M012_ACCESS_COLUMNS)}
    FROM json_array_elements(p_access) WITH ORDINALITY AS x(a, n)
    ORDER BY x.n;
    IF json_array_length(p_entries) > 0 THEN
        INSERT INTO webhook_outbox (tenant, webhook_id, case_id, seq, status, next_attempt_at)
        SELECT w.tenant, w.id, s_case_id, {_field("x.e", M012_ENTRY_COLUMNS, "seq")},
            'pending', now()
        FROM json_array_elements(p_entries) WITH ORDINALITY AS x(e, n)
            JOIN webhooks w ON w.tenant = p_tenant
        ORDER BY x.n, w.id;
        PERFORM pg_advisory_xact_lock(hashtext('btiflow feed ' || p_tenant));
        INSERT INTO feed (tenant, position, case_id, seq, kind, time)
        SELECT p_tenant, m.last + x.n, s_case_id,
            {", ".join(_field("x.e", M012_ENTRY_COLUMNS, c) for c in ("seq", "kind", "time"))}
        FROM (SELECT coalesce(max(position), 0) AS last FROM feed WHERE tenant = p_tenant) m,
            json_array_elements(p_entries) WITH ORDINALITY AS x(e, n);
    END IF;
    PERFORM set_config('btiflow.appended', 'yes', true);
    RETURN '{APPENDED}';
END $$;
"""
"""The migration m012_append_function: the function ``CALL`` calls."""


def _cast(column: str) -> str:
    return f"%s::{_STATE_TYPES.get(column, 'text')}"


CALL = (
    "SELECT btiflow_append(%s::text, %s::integer, %s::text, "
    f"{', '.join(_cast(c) for c in M012_STATE_COLUMNS)}, %s::json, %s::json)"
)
"""The call, its parameters as ``call_args`` gives them."""


def call_args(
    tenant: str,
    expected_seq: int,
    access_head: str | None,
    state: Sequence[Any],
    entries: Sequence[Entry],
    access: Sequence[Sequence[Any]],
) -> list[Any]:
    """The parameters of ``CALL``: ``state`` the state row's values (``STATE_COLUMNS``),
    ``access`` rows of ``rows.chained_access`` (all of the case), chained on ``access_head``
    (the head read with the state; None for a case without one)."""
    return [
        tenant,
        expected_seq,
        access_head,
        *state,
        _json([entry_values(e)[1:] for e in entries]),
        _json([r[1:] for r in access]),
    ]


def appended_only(table: str, columns: Sequence[str], types: dict[str, str]) -> str:
    """An INSERT of one row into ``table`` that writes only if the function, earlier in the
    same transaction, wrote the act (its values typed, as an INSERT ... SELECT needs)."""
    values = ", ".join(f"%s::{types.get(c, 'text')}" for c in ("tenant", *columns))
    return (
        f"INSERT INTO {table} (tenant, {', '.join(columns)}) SELECT {values} "
        "WHERE current_setting('btiflow.appended', true) = 'yes'"
    )


def _json(rows: Sequence[Sequence[Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
