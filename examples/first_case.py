"""Open a case on Kåfjord's guide and walk level 0, asking "what can I do now" on the way.

Run: python examples/first_case.py [DB]   (default: a temporary file). Everyone is invented.
"""

import datetime as dt
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import btiflow


def main(db: Path) -> None:
    workflow = btiflow.load_workflow("kafjord")
    now = dt.datetime(2026, 9, 1, 9, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    engine = btiflow.Engine(workflow, btiflow.SqliteStore(db), clock=lambda: now)
    teacher = btiflow.Actor("kari", role="employee", unit="Olderdalen skole", name="Kari Eksempel")

    case = engine.open_case("elev-17", by=teacher, concern="Trekker seg unna i friminuttene")
    engine.act(case.id, "complete_step", by=teacher)
    refused = [o for o in engine.options(case.id, by=teacher) if o.action == "inform_guardians"]
    print("Kan jeg informere foresatte nå?", refused[0].allowed, refused[0].reasons[0].message)

    engine.act(case.id, "inform_leader", by=teacher)
    for action in ("complete_step", "inform_guardians", "complete_step", "complete_step"):
        case = engine.act(case.id, action, by=teacher)
    case = engine.act(
        case.id,
        "decide",
        by=teacher,
        outcome="close",
        reason="Samtalen med foresatte avklarte situasjonen.",
    )
    print(f"Sak {case.id}: {case.status} på nivå {case.level}, {case.seq} oppføringer")
    print("Loggen er hel:", engine.verify().ok)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "logg.db"
    main(target)
