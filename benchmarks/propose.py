"""``scheduler propose`` on the demo council: whole process, warm in-process, and at scale."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scheduler.calendar_sources import reset_ingest_cache
from scheduler.council import PlanningRequest
from scheduler.council_file import load_council
from scheduler.demo import write_demo
from scheduler.planning import propose
from scheduler.proposal_request import parse_proposal_request

from .common import median_seconds, report
from .member_calendar import member_calendar

YEAR = 2027
IMPORTS = ("import ortools.sat.python.cp_model, pandas, numpy, icalendar, recurring_ical_events, "
           "x_wr_timezone, holidays, pydantic, httpx")


def _process(args: list[str], cache: Path | None = None, cold: bool = False) -> float:
    """Median wall time of a process; ``cold`` empties its calendar cache before each run."""
    env = dict(os.environ)
    if cache is not None:
        env["SCHEDULER_CACHE_DIR"] = str(cache)

    def empty() -> None:
        if cold and cache is not None:
            shutil.rmtree(cache, ignore_errors=True)

    return median_seconds(lambda: subprocess.run(args, check=True, capture_output=True, env=env),
                          repeat=5, setup=empty)


def _request(meetings: int = 4, step: str = "30m") -> PlanningRequest:
    return parse_proposal_request({"from": f"{YEAR}-01-01", "to": f"{YEAR + 1}-01-01",
                                   "meetings": meetings, "min_gap_days": 42, "step": step,
                                   "time_limit_s": 30})


def _private_cache(folder: Path) -> None:
    """Read calendars through an empty cache of this run's own."""
    os.environ["SCHEDULER_CACHE_DIR"] = str(folder)
    reset_ingest_cache()


def _scaled(folder: Path, parties: int, members: int, events: int) -> dict[str, Any]:
    """A council of ``parties`` x ``members`` with ``events`` events each, 15-minute step,
    read with an empty calendar cache."""
    lines = ['name = "Skalad"', 'timezone = "Europe/Stockholm"', ""]
    for p in range(parties):
        lines += ["[[parties]]", f'id = "p{p:03d}"', 'travel = "30m"', ""]
        for m in range(members):
            name = f"p{p:03d}-{m}.ics"
            (folder / name).write_bytes(member_calendar(events=events, series=events // 10,
                                                        year=YEAR, seed=p * members + m))
            role = "representative" if m == 0 else "substitute"
            lines += ["[[parties.members]]", f'name = "M {p}-{m}"', f'role = "{role}"',
                      f'calendar = "{name}"', ""]
    (folder / "council.toml").write_text("\n".join(lines))
    council = load_council(folder / "council.toml")
    _private_cache(folder / "cache")
    started = time.perf_counter()
    found = propose(council, _request(step="15m"), deadline=math.inf)  # as the command line
    return {"parties": parties, "members": parties * members, "events_per_member": events,
            "status": found.status, "seconds": round(time.perf_counter() - started, 1),
            "solve_seconds": round(found.solve_seconds, 1), "slots": found.slots_considered,
            "worst_party_expected": round(found.worst_party_expected, 3)}


def run(scale: bool = True) -> dict[str, Any]:
    """Measure and return the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        council_file = write_demo(Path(tmp) / "demo", YEAR)
        scheduler = str(Path(sys.executable).with_name("scheduler"))
        command = [scheduler, "propose", str(council_file), "--from", f"{YEAR}-01-01", "--to",
                   f"{YEAR + 1}-01-01", "--meetings", "4", "--min-gap", "42d"]
        cache = Path(tmp) / "cache"
        cold = _process(command, cache, cold=True)
        whole = _process(command, cache)
        floor = _process([sys.executable, "-c", IMPORTS])
        _private_cache(Path(tmp) / "in-process-cache")
        council = load_council(council_file)
        propose(council, _request())  # warm: calendars read once, then from the content cache
        warm = median_seconds(lambda: propose(load_council(council_file), _request()), repeat=7)
        figures: dict[str, Any] = {
            "demo_process_s": round(whole, 3), "import_floor_s": round(floor, 3),
            "demo_process_cold_cache_s": round(cold, 3),
            "process_over_import_floor": round(whole / floor, 2),
            "warm_in_process_s": round(warm, 3),
            "goals": {"process_over_import_floor": "<= 2", "warm_in_process_s": "< 0.2"},
        }
        if scale:
            folder = Path(tmp) / "scaled"
            folder.mkdir()
            figures["scaled_council"] = _scaled(folder, parties=100, members=3, events=2000)
    return figures


def main() -> None:
    """Run, print and write the figures."""
    report("propose", run(scale="--quick" not in sys.argv))

if __name__ == "__main__":
    main()
