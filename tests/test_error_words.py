"""A library error a person reads (through the command line) is worded by its code, in bokmål
or nynorsk; its English message stays for a developer."""

from __future__ import annotations

import re
from pathlib import Path

import btiflow
from btiflow.errors import AccessDenied, CaseNotFound, CommitUnknown, ConflictError, StoreError
from btiflow.store.base import ChainProblem
from btiflow.words import has, say

SOURCE = Path(btiflow.__file__).parent


def test_every_coded_error_is_in_the_catalogue() -> None:
    """Each code an error is made with (``Error.coded("...")``, or set by its own
    ``__init__``) has its words."""
    codes = set()
    for module in SOURCE.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        codes |= set(re.findall(r'\.coded\(\s*"([\w.]+)"', text))
        codes |= set(re.findall(r'self\.code = "([\w.]+)"', text))  # errors with own fields
    assert len(codes) > 20
    missing = sorted(c for c in codes if not has("nb", f"error.{c}"))
    assert missing == []


def test_a_coded_error_is_english_for_a_developer_and_norwegian_for_a_person() -> None:
    error = StoreError.coded("store.not_a_log", path="annen.db")
    assert error.code == "store.not_a_log"
    assert dict(error.values) == {"path": "annen.db"}
    assert str(error) == "'annen.db' is not a btiflow relay log (it holds other tables or none)"
    assert error.words("nb") == (
        "«annen.db» er ikke en stafettlogg fra btiflow (den har andre tabeller eller ingen)"
    )
    assert error.words("nn") == (
        "«annen.db» er ikkje ein stafettlogg frå btiflow (han har andre tabellar eller ingen)"
    )
    assert error.words("en") == str(error)


def test_a_known_database_reason_is_worded_and_an_unknown_one_kept() -> None:
    known = StoreError.coded("store.cannot_open", path="x.db", reason="file is not a database")
    assert known.words("nb") == "kan ikke åpne stafettloggen «x.db»: filen er ikke en database"
    assert known.words("nn") == "kan ikkje opne stafettloggen «x.db»: fila er ikkje ein database"
    odd = StoreError.coded("store.cannot_open", path="x.db", reason="something odd")
    assert odd.words("nb").endswith(": something odd")


def test_a_verify_problem_inside_an_error_is_worded_too() -> None:
    problem = ChainProblem("abc", 2, "hash_mismatch")
    error = StoreError.coded("store.source_not_verified", problem=problem)
    assert str(error) == (
        "the source does not verify: abc entry 2: content does not match its hash (changed)"
    )
    assert error.words("nb") == (
        "kilden består ikke kontrollen: abc oppføring 2: innholdet stemmer ikke med sin hash "
        "(endret)"
    )


def test_the_errors_with_their_own_fields_have_codes() -> None:
    assert CaseNotFound("abc").words("nn") == "inga sak med ID «abc» i denne loggen"
    assert "no case with id 'abc'" in str(CaseNotFound("abc"))
    conflict = ConflictError("abc", 4)
    assert (conflict.code, conflict.case_id, conflict.expected_seq) == ("conflict", "abc", 4)
    assert "oppføring 4" in conflict.words("nb")
    denied = AccessDenied("abc", "elev-1", "access_log")
    assert denied.words("nb").startswith("«elev-1» har ikke tilgang til tilgangsloggen")
    assert "may not see the access log" in str(denied)
    lost = CommitUnknown("abc", 3, "server closed the connection")
    assert lost.words("nb").startswith("saken «abc»: forbindelsen ble brutt mens oppføring 3")
    assert say("en", "error.store.commit_unknown", case="abc", seq=3, reason="x") in str(
        CommitUnknown("abc", 3, "x")
    )


def test_an_error_without_a_code_says_its_own_words() -> None:
    error = btiflow.TransferError("the bundle's signature does not verify")
    assert error.code == ""
    assert error.words("nb") == "the bundle's signature does not verify"
