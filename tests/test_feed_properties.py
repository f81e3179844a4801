"""Properties of receipts and the feed, over any run of writes (a real SQLite file each time).

- An action carrying a receipt whose key was used before is a conflict and writes nothing; so
  the log holds exactly one entry per key that was ever accepted.
- The feed holds every entry once, numbered 1, 2, 3, ... in the order they were written, and
  any way of paging through it gives the same list.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import casekit
from casekit import TEACHER, Clock
from hypothesis import given, settings
from hypothesis import strategies as st

from btiflow import Case, ConflictError, FeedEvent, Receipt

KEYS = st.sampled_from(["k1", "k2", "k3", "k4"])
WRITES = st.lists(st.tuples(st.integers(0, 2), KEYS), min_size=1, max_size=12)


def _receipt(key: str) -> Callable[[Case], Receipt]:
    def make(_: Case) -> Receipt:
        return Receipt("person:laerer-a", key, "f", 200, "{}", "{}")

    return make


@settings(max_examples=max(10, settings().max_examples // 4), deadline=None)
@given(writes=WRITES, pages=st.integers(1, 5))
def test_one_entry_per_key_and_a_gapless_feed(writes: list[tuple[int, str]], pages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = casekit.engine_on(Path(tmp) / "r.db", Clock())
        try:
            cases = [casekit.open_case(engine, f"elev-{n}").id for n in range(3)]
            used: set[str] = set()
            order = [(c, 1) for c in cases]
            for which, key in writes:
                case_id = cases[which]
                before = engine.case(case_id).seq
                try:
                    state = engine.act_with(
                        case_id,
                        "add_note",
                        TEACHER,
                        {"text": key},
                        receipt=_receipt(key),
                    )
                except ConflictError:
                    assert key in used
                    assert engine.case(case_id).seq == before
                    continue
                assert key not in used
                used.add(key)
                order.append((case_id, state.seq))
            notes = sum(len(engine.log(c)) - 1 for c in cases)
            assert notes == len(used)
            feed = engine.events(0, 1000)
            assert [e.position for e in feed] == list(range(1, len(order) + 1))
            assert [(e.case_id, e.seq) for e in feed] == order
            paged: list[FeedEvent] = []
            while page := engine.events(paged[-1].position if paged else 0, pages):
                paged.extend(page)
            assert paged == feed
        finally:
            engine.store.close()
