"""The demo round: Region Örebro län's regional cooperation council and its four specific
councils (public health; culture; school, education and skills; social welfare, health
and care), the same thirteen parties in each, with a minority of politicians who sit in
two to five of them — as the region's councils are made up."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from .demo import ZONE, write_demo
from .round_formats import render_round
from .round_planning import plan_round
from .round_request import load_round

if TYPE_CHECKING:
    from solver.progress import ProgressCallback

__all__ = ["COUNCILS", "SHARED", "run_round_demo", "write_round_demo"]

# round id, council name, meetings a year, least days between meetings
COUNCILS = [
    ("samverkan", "Regionalt samverkansråd, Region Örebro län", 4, 56),
    ("folkhalsa", "Specifika samverkansrådet för folkhälsa", 4, 42),
    ("kultur", "Specifika samverkansrådet för kultur", 4, 42),
    ("utbildning", "Specifika samverkansrådet för skola, utbildning och kompetens", 5, 35),
    ("valfard", "Specifika samverkansrådet för social välfärd, vård och omsorg", 6, 28),
]
# people who sit in several councils: (party, role) and the councils, the first of which
# is where their name and calendar come from
SHARED = [
    (("region", "representative"), ["samverkan", "folkhalsa", "kultur", "utbildning", "valfard"]),
    (("orebro", "representative"), ["samverkan", "kultur", "utbildning"]),
    (("karlskoga", "representative"), ["samverkan", "valfard"]),
    (("kumla", "substitute"), ["samverkan", "folkhalsa"]),
    (("lindesberg", "representative"), ["samverkan", "utbildning", "valfard"]),
    (("nora", "representative"), ["folkhalsa", "valfard"]),
    (("hallsberg", "substitute"), ["kultur", "utbildning"]),
    (("askersund", "representative"), ["samverkan", "kultur"]),
    (("degerfors", "representative"), ["utbildning", "valfard"]),
    (("lekeberg", "substitute"), ["folkhalsa", "kultur", "valfard"]),
    (("ljusnarsberg", "representative"), ["samverkan", "folkhalsa"]),
    (("orebro", "substitute"), ["folkhalsa", "valfard"]),
]


def _seat_file(council_id: str, pid: str, role: str) -> str:
    return (f"../{council_id}/calendars/{pid}-"
            f"{'ledamot' if role == 'representative' else 'ersattare'}.ics")


def write_round_demo(directory: str | Path, year: int) -> Path:
    """Write the five councils (each in its own folder) and the round file; return it."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for n, (council_id, name, _meetings, _gap) in enumerate(COUNCILS):
        seats: dict[tuple[str, str], tuple[str, str | None]] = {}
        for (pid, role), councils in SHARED:
            home = councils[0]
            if council_id in councils[1:] and home in written:
                seats[(pid, role)] = (_name_in(written[home], pid, role),
                                      _seat_file(home, pid, role))
        written[council_id] = write_demo(root / council_id, year, council_name=name,
                                         seed=2027 + n, people_from=5 * n, seats=seats)
    lines = [f'name = "Region Örebro län, samverkansråden {year}"',
             f"from = {year}-01-01", f"to = {year + 1}-01-01", 'between = "1h"',
             "time_limit_s = 60", ""]
    for council_id, _name, meetings, gap in COUNCILS:
        lines += ["[[councils]]", f'id = "{council_id}"', f'file = "{council_id}/council.toml"',
                  f"meetings = {meetings}", f'min_gap = "{gap}d"', 'duration = "3h"', ""]
    path = root / "round.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _name_in(council_file: Path, pid: str, role: str) -> str:
    """The name of the member in a seat of a written council file."""
    document = tomllib.loads(council_file.read_text(encoding="utf-8"))
    party = next(p for p in document["parties"] if p["id"] == pid)
    return str(next(m["name"] for m in party["members"] if m["role"] == role))


def run_round_demo(directory: str | Path, year: int | None = None, form: str = "table",
                   progress: ProgressCallback | None = None) -> str:
    """Write the demo round and plan it; the joint plan and the comparison as text
    (``progress``: told how the planning goes)."""
    year = year or dt.datetime.now(ZONE).year + 1
    return render_round(plan_round(load_round(write_round_demo(directory, year)),
                                   progress=progress), form)

