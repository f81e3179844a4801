"""A writer process for the durability tests: ``python -m tests.helpers.worker MODE ...``.

DB is a SQLite file or a ``postgresql://`` URL (with ``--tenant``).

``concurrent DB CASES --actor NAME --ops N --seed S --barrier DIR``
    waits until DIR/go exists, then does N notes on the comma-separated CASES (at level 2, the
    health station involved under consent: NAME works there, so may add notes) through
    ``btiflow.retry``, and prints one JSON summary: every success as [case, seq, kind], the
    conflicts the helper retried and the ones it surfaced.
``churn DB CASES --seed S``
    acts as the cases' teacher on CASES (at level 1 or above) until killed, printing
    ``ok CASE SEQ`` (flushed) after each action returns; now and then it opens a new case
    (``ok CASE 1``) and adds notes to it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from btiflow.case.people import Actor
from btiflow.case.state import Case
from btiflow.engine import Engine, retry
from btiflow.errors import ConflictError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, home of casekit
import casekit


class Counted:
    """Runs ``engine.act`` through ``retry``, counting the conflicts it retried or surfaced."""

    def __init__(self, engine: Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self.retried = 0
        self.surfaced = 0
        self.done: list[tuple[str, int, str]] = []

    def act(self, case_id: str, action: str, **params: Any) -> Case | None:
        conflicts = 0

        def attempt() -> Case:
            nonlocal conflicts
            try:
                return self.engine.act(case_id, action, self.actor, **params)
            except ConflictError:
                conflicts += 1
                raise

        try:
            state = retry(attempt, attempts=8, pause=0.002)
        except ConflictError:
            self.retried += conflicts - 1
            self.surfaced += 1
            return None
        self.retried += conflicts
        self.done.append((case_id, state.seq, action))
        return state


def _one_action(
    runner: Counted, rng: random.Random, case_id: str, n: int, *, meetings: bool = True
) -> None:
    """A note, or a meeting scheduled and then held (two actions; level 1 and up only)."""
    if not meetings or rng.random() < 0.6:
        runner.act(case_id, "add_note", text=f"Notat {n} fra {runner.actor.id}")
        return
    state = runner.act(
        case_id, "schedule_meeting", kind="other", at=casekit.START, place=f"Rom {n}"
    )
    if state is not None:
        runner.act(case_id, "hold_meeting", meeting=state.meetings[-1].id, child_took_part=True)


def concurrent(args: argparse.Namespace) -> None:
    actor = Actor(args.actor, "employee", casekit.NURSE.unit, args.actor)
    engine = casekit.engine_on(args.db, tenant=args.tenant)
    runner = Counted(engine, actor)
    rng = random.Random(args.seed)
    cases = args.cases.split(",")
    barrier = Path(args.barrier)
    (barrier / f"ready-{args.actor}").touch()
    while not (barrier / "go").exists():
        time.sleep(0.005)
    for n in range(args.ops):
        _one_action(runner, rng, rng.choice(cases), n, meetings=False)
    json.dump(
        {"done": runner.done, "retried": runner.retried, "surfaced": runner.surfaced},
        sys.stdout,
    )


def churn(args: argparse.Namespace) -> None:
    actor = casekit.TEACHER  # holds the baton, is contact person and opened every case
    engine = casekit.engine_on(args.db, tenant=args.tenant)
    runner = Counted(engine, actor)
    rng = random.Random(args.seed)
    cases = args.cases.split(",")
    opened: list[str] = []
    reported = 0
    for n in range(10**9):
        if rng.random() < 0.05:
            case = casekit.open_case(engine, f"elev-churn-{args.seed}-{n}")
            opened.append(case.id)
            print(f"ok {case.id} 1", flush=True)
            continue
        case_id = rng.choice(cases + opened)
        _one_action(runner, rng, case_id, n, meetings=case_id in cases)
        for case_id, seq, _ in runner.done[reported:]:
            print(f"ok {case_id} {seq}", flush=True)
        reported = len(runner.done)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.helpers.worker")
    parser.add_argument("mode", choices=["concurrent", "churn"])
    parser.add_argument("db")
    parser.add_argument("cases")
    parser.add_argument("--actor", default="worker")
    parser.add_argument("--ops", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--barrier", default=".")
    parser.add_argument("--tenant", default=None)
    args = parser.parse_args(argv)
    {"concurrent": concurrent, "churn": churn}[args.mode](args)


if __name__ == "__main__":
    main()
