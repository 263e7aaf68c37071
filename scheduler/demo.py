"""The bundled demo: a fictional culture council of Region Örebro län, and its proposal.

The region and the county's twelve municipalities each send a representative and a
substitute (fictional people). Their 26 calendars are generated deterministically in
the styles of real exports and filled as politicians' calendars are: each
municipality's board and council on its own weekdays, regional boards, other
cooperation councils, school holiday weeks, summer leave, tentative holds, moved and
cancelled occurrences. In the 2020 history, Ljusnarsberg came to one of three meetings.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from pathlib import Path

from .council_file import load_council
from .demo_calendars import Plan, Series, Single, write_style
from .formats import render
from .planning import propose
from .proposal_request import parse_proposal_request

__all__ = ["run_demo", "write_demo"]

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
COUNCIL_NAME = "Specifika samverkansrådet för kultur, Region Örebro län"

# id, name, travel to Örebro (minutes), board weekday, council weekday
PARTIES = [
    ("region", "Region Örebro län", 10, 1, 2),
    ("askersund", "Askersunds kommun", 45, 0, 3),
    ("degerfors", "Degerfors kommun", 50, 1, 0),
    ("hallsberg", "Hallsbergs kommun", 30, 2, 1),
    ("hallefors", "Hällefors kommun", 60, 3, 1),
    ("karlskoga", "Karlskoga kommun", 40, 4, 2),
    ("kumla", "Kumla kommun", 20, 1, 3),
    ("laxa", "Laxå kommun", 45, 2, 0),
    ("lekeberg", "Lekebergs kommun", 25, 3, 4),
    ("lindesberg", "Lindesbergs kommun", 45, 0, 1),
    ("ljusnarsberg", "Ljusnarsbergs kommun", 60, 2, 3),
    ("nora", "Nora kommun", 35, 4, 0),
    ("orebro", "Örebro kommun", 10, 2, 3),
]
FIRST = ["Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per",
         "Lena", "Mikael", "Ingrid", "Fredrik", "Helena", "Magnus", "Ulla", "Jonas", "Elin",
         "Olof", "Britt", "Henrik", "Sofia", "Gustav", "Malin", "Nils"]
LAST = ["Bergqvist", "Lindholm", "Ekström", "Sjögren", "Hallberg", "Forsberg", "Nyqvist",
        "Åkesson", "Wallin", "Dahlgren", "Holmström", "Björklund", "Lundin", "Engström",
        "Sandberg", "Hedlund", "Blomqvist", "Norén", "Strand", "Vikström", "Öberg", "Falk",
        "Lindqvist", "Borg", "Rydén", "Edlund"]
STYLES = ["outlook", "google", "apple", "freebusy"]


def _at(day: dt.date, hour: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(int(hour), round(hour % 1 * 60)), tzinfo=ZONE)


def _first_weekday(year: int, weekday: int, week_offset: int = 0) -> dt.date:
    day = dt.date(year, 1, 4)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7 + 7 * week_offset)


def _iso_week(year: int, week: int) -> dt.date:
    return dt.date.fromisocalendar(year, week, 1)


def _plan(rng: random.Random, owner: str, year: int, board: int, council: int, *,
          representative: bool, region: bool, heavy: bool, kids: bool) -> Plan:
    plan = Plan(owner)
    until = dt.date(year, 12, 31)
    n = 0

    def uid() -> str:
        nonlocal n
        n += 1
        return f"{owner}-{year}-{n:04d}@kalender.example.invalid"

    # the municipal board (or a committee, for substitutes) every other week
    board_first = _at(_first_weekday(year, board, rng.randrange(2)), 8.5 if representative else 13)
    meetings = Series(uid(), "Kommunstyrelsen" if representative else "Kultur- och fritidsnämnden",
                      board_first, dt.timedelta(hours=3.5 if representative else 3), 2, until)
    occurrences = [board_first + dt.timedelta(weeks=2 * k) for k in range(26)]
    meetings.deleted.append(occurrences[14])  # summer: cancelled
    meetings.moved[occurrences[5]] = occurrences[5] + dt.timedelta(days=1)  # moved a day
    plan.series.append(meetings)
    # the full council, monthly on its own weekday, afternoons
    for month in range(1, 13):
        if month == 7:
            continue
        day = dt.date(year, month, 1)
        day += dt.timedelta(days=(council - day.weekday()) % 7 + 7 * rng.randrange(1, 3))
        plan.singles.append(Single(uid(), "Kommunfullmäktige", _at(day, 13), _at(day, 18)))
    if region:
        plan.series.append(Series(uid(), "Regionstyrelsen", _at(_first_weekday(year, 1), 9),
                                  dt.timedelta(hours=3), 1, until))
    # other cooperation councils and boards: members sit on several
    for name in rng.sample(["Samverkansråd vård och omsorg", "Länstrafikens styrelse",
                            "Bildningsnämnden", "Räddningstjänstförbundet", "Tillväxtrådet"],
                           k=2 if heavy else 1):
        weekday, week = rng.randrange(5), rng.randrange(4)
        plan.series.append(Series(uid(), name, _at(_first_weekday(year, weekday, week), 9.5),
                                  dt.timedelta(hours=2.5), 4, until))
    # a day job for substitutes who have one: the heavy ones work most weekdays
    if not representative and heavy:
        for weekday in range(4):
            plan.series.append(Series(uid(), "Arbete", _at(_first_weekday(year, weekday), 8),
                                      dt.timedelta(hours=8.5), 1, until))
    # one-off meetings, conferences and tentative holds
    day = dt.date(year, 1, 1)
    while day.year == year:
        if day.weekday() < 5:
            for _ in range(rng.choice([0, 0, 1, 1, 2]) + (1 if heavy else 0)):
                start = rng.choice([8, 9, 10, 13, 14, 15]) + rng.choice([0, 0.5])
                length = rng.choice([1, 1.5, 2, 3])
                status = "tentative" if rng.random() < 0.15 else "busy"
                plan.singles.append(Single(uid(), "Möte", _at(day, start), _at(day, start + length),
                                           status))
            if rng.random() < 0.03:
                plan.singles.append(Single(uid(), "Konferens", day, day + dt.timedelta(days=1)))
        day += dt.timedelta(days=1)
    # school holidays (sportlov, höstlov) and summer leave
    if kids:
        for week in (9, 44):
            monday = _iso_week(year, week)
            plan.singles.append(Single(uid(), "Lov", monday, monday + dt.timedelta(days=5), "oof"))
    leave = _iso_week(year, rng.choice([27, 28, 29]))
    plan.singles.append(Single(uid(), "Semester", leave, leave + dt.timedelta(weeks=4), "oof"))
    plan.singles.append(Single(uid(), "Namnsdag", dt.date(year, 3, 8), dt.date(year, 3, 9), "free"))
    return plan


def _council_toml(year: int, members: list[list[tuple[str, str, str, int, int]]]) -> str:
    lines = [f'name = "{COUNCIL_NAME}"', 'timezone = "Europe/Stockholm"',
             'venue = "Länsmuseet, Örebro"',
             f'blackouts = ["{year}-06-21:{year}-08-13", "{year}-12-21:{year + 1}-01-06"]', "",
             "[weights]", "free = 1.0", "tentative = 0.5", "busy = 0.05", "oof = 0.0",
             "unknown = 0.7", "reliability = 0.95", ""]
    for (pid, name, travel, _, _), people in zip(PARTIES, members, strict=True):
        lines += ["[[parties]]", f'id = "{pid}"', f'name = "{name}"', f'travel = "{travel}m"', ""]
        for person, role, calendar, invited, attended in people:
            email = person.lower().replace(" ", ".").translate(str.maketrans("åäöé", "aaoe"))
            lines += ["[[parties.members]]", f'name = "{person}"', f'role = "{role}"',
                      f'calendar = "{calendar}"', f'email = "{email}@{pid}.example.invalid"',
                      f"invited = {invited}", f"attended = {attended}", ""]
    everyone = [p[0] for p in PARTIES]
    history = [("2020-02-12", everyone), ("2020-05-20", [p for p in everyone if p != "ljusnarsberg"]),
               ("2020-10-14", [p for p in everyone if p not in ("ljusnarsberg", "hallefors")])]
    for date, present in history:
        lines += ["[[history]]", f"date = {date}", "present = [" + ", ".join(f'"{p}"' for p in present)
                  + "]", ""]
    return "\n".join(lines)


def write_demo(directory: str | Path, year: int) -> Path:
    """Write the council file and its 26 calendars into ``directory``; return the file."""
    root = Path(directory)
    (root / "calendars").mkdir(parents=True, exist_ok=True)
    rng = random.Random(2027)  # noqa: S311 - deterministic fiction, not secrets
    members = []
    for index, (pid, _, _, board, council) in enumerate(PARTIES):
        people = []
        for role_index, role in enumerate(("representative", "substitute")):
            n = 2 * index + role_index
            person = f"{FIRST[n]} {LAST[(n * 7) % len(LAST)]}"
            heavy = pid == "ljusnarsberg" or rng.random() < 0.2
            plan = _plan(rng, f"{pid}-{role[:3]}", year, (board + role_index) % 5, council,
                         representative=role == "representative", region=pid == "region",
                         heavy=heavy, kids=rng.random() < 0.4)
            if pid == "ljusnarsberg" and role == "representative":  # many clashing meetings
                plan.series.append(Series(f"{pid}-extra@kalender.example.invalid", "Beredning",
                                          _at(_first_weekday(year, 2), 9), dt.timedelta(hours=7),
                                          1, dt.date(year, 12, 31)))
            style = STYLES[n % len(STYLES)]
            name = f"calendars/{pid}-{'ledamot' if role == 'representative' else 'ersattare'}.ics"
            (root / name).write_bytes(write_style(plan, style, ZONE))
            invited, attended = {("ljusnarsberg", "representative"): (3, 1),
                                 ("ljusnarsberg", "substitute"): (2, 0),
                                 ("hallefors", "representative"): (3, 2)}.get(
                (pid, role), (3, 3) if role == "representative" else (0, 0))
            people.append((person, role, name, invited, attended))
        members.append(people)
    path = root / "council.toml"
    path.write_text(_council_toml(year, members), encoding="utf-8")
    return path


def run_demo(directory: str | Path, year: int | None = None) -> str:
    """Write the demo council and return its proposal for ``year`` as a table."""
    year = year or dt.datetime.now(ZONE).year + 1
    council = load_council(write_demo(directory, year))
    request = parse_proposal_request({"from": f"{year}-01-01", "to": f"{year + 1}-01-01",
                                      "meetings": 4, "duration": "3h", "min_gap_days": 42,
                                      "time_limit_s": 20})
    return render(propose(council, request), "table")
