"""The bundled demo: a fictional culture council of Region Örebro län, and its proposal.

The region and the county's twelve municipalities each send a representative and a
substitute (fictional people). The council is planned in late November for the coming
year (:func:`as_of`), and the demo tells the truth about what can be known then:

- *bodies* publish their meeting plans for the whole year: each municipality's council
  (kommunfullmäktige; Nora's plan is still a draft), Regionfullmäktige, Regionstyrelsen
  (every third Tuesday morning), and each municipality's school holidays (sportlov in
  week 8, 9 or 10, påsklov, höstlov in week 44), which members with children sit in;
- members' own calendars are generated deterministically in the styles of real exports
  (Outlook, Google, Apple, published free/busy) and filled as politicians' calendars
  are: boards and committees as series, one-off meetings, conferences, tentative holds,
  summer leave, moved and cancelled occurrences. Outlook and free/busy calendars publish
  one-off events only three months ahead (:func:`published_until`, Exchange's default;
  a free/busy file ends there altogether), Google and Apple ones a full year; two
  substitutes publish no calendar at all.

In the 2020 history, Ljusnarsberg came to one of three meetings.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dateutil.easter import easter

from .council_file import load_council
from .demo_calendars import Plan, Series, Single, published, write_meeting_plan, write_style
from .formats import render
from .planning import propose
from .proposal_request import parse_proposal_request
from .slots import swedish_days_off

if TYPE_CHECKING:
    from solver.progress import ProgressCallback

__all__ = ["as_of", "published_until", "run_demo", "write_demo"]

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
COUNCIL_NAME = "Specifika samverkansrådet för kultur, Region Örebro län"

# id, name, travel to Örebro (minutes), board weekday, council weekday and start hour,
# sportlov week
PARTIES = [
    ("region", "Region Örebro län", 10, 1, 2, 9.0, 9),
    ("askersund", "Askersunds kommun", 45, 0, 3, 13.0, 9),
    ("degerfors", "Degerfors kommun", 50, 1, 0, 18.0, 8),
    ("hallsberg", "Hallsbergs kommun", 30, 2, 1, 13.0, 9),
    ("hallefors", "Hällefors kommun", 60, 3, 1, 18.0, 10),
    ("karlskoga", "Karlskoga kommun", 40, 4, 0, 13.0, 8),
    ("kumla", "Kumla kommun", 20, 1, 3, 18.0, 9),
    ("laxa", "Laxå kommun", 45, 2, 0, 18.0, 8),
    ("lekeberg", "Lekebergs kommun", 25, 3, 1, 18.0, 9),
    ("lindesberg", "Lindesbergs kommun", 45, 0, 0, 17.0, 10),
    ("ljusnarsberg", "Ljusnarsbergs kommun", 60, 2, 3, 13.0, 10),
    ("nora", "Nora kommun", 35, 4, 0, 18.0, 10),
    ("orebro", "Örebro kommun", 10, 2, 3, 13.0, 9),
]
FIRST = ["Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per",
         "Lena", "Mikael", "Ingrid", "Fredrik", "Helena", "Magnus", "Ulla", "Jonas", "Elin",
         "Olof", "Britt", "Henrik", "Sofia", "Gustav", "Malin", "Nils"]
LAST = ["Bergqvist", "Lindholm", "Ekström", "Sjögren", "Hallberg", "Forsberg", "Nyqvist",
        "Åkesson", "Wallin", "Dahlgren", "Holmström", "Björklund", "Lundin", "Engström",
        "Sandberg", "Hedlund", "Blomqvist", "Norén", "Strand", "Vikström", "Öberg", "Falk",
        "Lindqvist", "Borg", "Rydén", "Edlund"]
STYLES = ["outlook", "google", "apple", "freebusy"]
CUT_STYLES = {"outlook", "freebusy"}  # published as Exchange does: three months ahead
WITHOUT_CALENDAR = {("hallefors", "substitute"), ("laxa", "substitute")}
DRAFT_PLANS = {"nora-kf"}  # not yet adopted when the demo is planned
# municipal politicians who also sit in the regional council
IN_REGIONAL_COUNCIL = {("karlskoga", "representative"), ("kumla", "substitute")}
PUBLISHED_MONTHS = 3
HISTORY_WEEKS = 8  # what calendars show of the time before the as-of date


def as_of(year: int) -> dt.date:
    """The day the demo plans ``year``: 15 November of the year before, when boards and
    councils adopt next year's meeting plans."""
    return dt.date(year - 1, 11, 15)


def published_until(year: int) -> dt.date:
    """The first day an Exchange calendar published on :func:`as_of` says nothing of:
    one-off events are published three months ahead."""
    day = as_of(year)
    month = day.month - 1 + PUBLISHED_MONTHS
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def _at(day: dt.date, hour: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(int(hour), round(hour % 1 * 60)), tzinfo=ZONE)


def _weekday_on_or_after(day: dt.date, weekday: int, week_offset: int = 0) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7 + 7 * week_offset)


def _iso_week(year: int, week: int) -> dt.date:
    return dt.date.fromisocalendar(year, week, 1)


def _workday(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in swedish_days_off(day.year)


@dataclass
class _Body:
    id: str
    name: str
    meetings: list[Single]
    members: list[tuple[str, str]]  # (party id, role) of those who sit in it
    draft: bool = False
    in_own_calendars: bool = True  # members' calendars hold its meetings (not holidays);
    # of a draft plan, only this year's (next year's are not yet sent out)


def _months(first: dt.date, year: int) -> list[tuple[int, int]]:
    found, (y, m) = [], (first.year, first.month)
    while y <= year:
        found.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return found


def _council_meetings(body_id: str, title: str, first: dt.date, year: int, weekday: int,
                      ordinal: int, hour: float) -> list[Single]:
    """Monthly on the ``ordinal``-th ``weekday`` (the second in December), not in July."""
    length = 7 if hour < 12 else 5 if hour < 15 else 4
    meetings = []
    for y, m in _months(first, year):
        if m == 7:
            continue
        day = _weekday_on_or_after(dt.date(y, m, 1), weekday, (2 if m == 12 else ordinal) - 1)
        if not _workday(day):  # a holiday: a week later, or earlier at the end of a month
            later = day + dt.timedelta(weeks=1)
            day = later if later.month == m else day - dt.timedelta(weeks=1)
        if day >= first:
            meetings.append(Single(f"{body_id}-{day:%Y%m%d}@sammantradesplan.example.invalid",
                                   title, _at(day, hour), _at(day, hour + length)))
    return meetings


def _board_meetings(first: dt.date, year: int) -> list[Single]:
    """Regionstyrelsen: every third Tuesday, 09:00-12:00, not in July or on holidays."""
    meetings, day = [], _weekday_on_or_after(first, 1)
    while day.year <= year:
        if day.month != 7 and _workday(day):
            meetings.append(Single(f"regionstyrelsen-{day:%Y%m%d}@sammantradesplan.example.invalid",
                                   "Regionstyrelsen", _at(day, 9), _at(day, 12)))
        day += dt.timedelta(weeks=3)
    return meetings


def _school_holidays(pid: str, index: int, first: dt.date, year: int, sportlov: int) -> list[Single]:
    """Sportlov, påsklov (after Easter, or in Holy Week for every other municipality) and
    höstlov in week 44: whole school weeks, out of office."""
    mondays = [_iso_week(first.year, 44)]
    for y in range(first.year + 1, year + 1):
        after_easter = easter(y) + dt.timedelta(days=1)
        mondays += [_iso_week(y, sportlov),
                    after_easter if index % 2 else after_easter - dt.timedelta(weeks=1),
                    _iso_week(y, 44)]
    titles = {8: "Sportlov", 9: "Sportlov", 10: "Sportlov", 44: "Höstlov"}
    return [Single(f"{pid}-lov-{monday:%Y%m%d}@skolor.example.invalid",
                   titles.get(monday.isocalendar().week, "Påsklov"),
                   monday, monday + dt.timedelta(days=5), "oof")
            for monday in sorted(mondays) if monday >= first]


def _bodies(first: dt.date, year: int) -> list[_Body]:
    bodies = []
    for index, (pid, name, _, _, weekday, hour, sportlov) in enumerate(PARTIES):
        ordinal = 3 if pid == "lindesberg" else 2 + index % 3
        if pid == "region":
            members = [("region", "representative"), ("region", "substitute"),
                       *sorted(IN_REGIONAL_COUNCIL)]
            bodies.append(_Body("regionfullmaktige", "Regionfullmäktige", _council_meetings(
                "regionfullmaktige", "Regionfullmäktige", first, year, weekday, ordinal, hour),
                members))
            bodies.append(_Body("regionstyrelsen", "Regionstyrelsen", _board_meetings(first, year),
                                [("region", "representative")]))
            continue
        title = f"{name.removesuffix(' kommun')} kommunfullmäktige"
        bodies.append(_Body(f"{pid}-kf", title, _council_meetings(
            f"{pid}-kf", "Kommunfullmäktige", first, year, weekday, ordinal, hour),
            [(pid, "representative"), (pid, "substitute")], draft=f"{pid}-kf" in DRAFT_PLANS))
        bodies.append(_Body(f"{pid}-lov", f"Skollov, {name}",
                            _school_holidays(pid, index, first, year, sportlov), [],
                            in_own_calendars=False))
    return bodies


def _plan(rng: random.Random, owner: str, first: dt.date, year: int, board: int, *,
          representative: bool, heavy: bool, meetings: list[Single]) -> Plan:
    """One member's own calendar from ``first`` to the end of ``year``: ``meetings`` of
    the bodies they sit in, their board or committee, other councils, a day job for some,
    one-off meetings, conferences, tentative holds and summer leave."""
    plan = Plan(owner)
    until = dt.date(year, 12, 31)
    n = 0

    def uid() -> str:
        nonlocal n
        n += 1
        return f"{owner}-{year}-{n:04d}@kalender.example.invalid"

    # the municipal board (or a committee, for substitutes) every other week
    board_first = _at(_weekday_on_or_after(first, board, rng.randrange(2)),
                      8.5 if representative else 13)
    series = Series(uid(), "Kommunstyrelsen" if representative else "Kultur- och fritidsnämnden",
                    board_first, dt.timedelta(hours=3.5 if representative else 3), 2, until)
    occurrences = []
    moment = board_first
    while moment.date() <= until:
        occurrences.append(moment)
        moment += dt.timedelta(weeks=2)
    series.deleted += [o for o in occurrences if o.month == 7]  # summer: cancelled
    spring = [o for o in occurrences if o.year == year and o.month == 3]
    series.moved[spring[0]] = spring[0] + dt.timedelta(days=1)  # moved a day
    plan.series.append(series)
    # the bodies' meetings, as the invitations reached this calendar
    plan.singles += [Single(f"{owner}-{m.uid}", m.title, m.start, m.end) for m in meetings]
    # other cooperation councils and boards: members sit on several
    for name in rng.sample(["Samverkansråd vård och omsorg", "Länstrafikens styrelse",
                            "Bildningsnämnden", "Räddningstjänstförbundet", "Tillväxtrådet"],
                           k=2 if heavy else 1):
        weekday, week = rng.randrange(5), rng.randrange(4)
        plan.series.append(Series(uid(), name, _at(_weekday_on_or_after(first, weekday, week), 9.5),
                                  dt.timedelta(hours=2.5), 4, until))
    # a day job for substitutes who have one: the heavy ones work most weekdays
    if not representative and heavy:
        for weekday in range(4):
            plan.series.append(Series(uid(), "Arbete", _at(_weekday_on_or_after(first, weekday), 8),
                                      dt.timedelta(hours=8.5), 1, until))
    # one-off meetings, conferences and tentative holds
    day = first
    while day <= until:
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
    leave = _iso_week(year, rng.choice([27, 28, 29]))
    plan.singles.append(Single(uid(), "Semester", leave, leave + dt.timedelta(weeks=4), "oof"))
    plan.singles.append(Single(uid(), "Namnsdag", dt.date(year, 3, 8), dt.date(year, 3, 9), "free"))
    return plan


@dataclass
class _Person:
    name: str
    role: str
    calendar: str | None
    invited: int
    attended: int
    bodies: list[str]
    horizon: dt.date | None


def _council_toml(year: int, bodies: list[tuple[_Body, str]], members: list[list[_Person]],
                  name: str = COUNCIL_NAME) -> str:
    lines = [f'name = "{name}"', 'timezone = "Europe/Stockholm"',
             'venue = "Länsmuseet, Örebro"',
             "# told of every substitute called in and every party nobody can represent",
             'secretary_email = "kulturradet@regionorebrolan.example"',
             f'blackouts = ["{year}-06-21:{year}-08-13", "{year}-12-21:{year + 1}-01-06"]', "",
             "[weights]", "free = 1.0", "tentative = 0.5", "busy = 0.05", "oof = 0.0",
             "unknown = 0.7", "reliability = 0.95", "",
             "# bodies whose meeting plans count for the members who sit in them"]
    for body, calendar in bodies:
        lines += ["[[bodies]]", f'id = "{body.id}"', f'name = "{body.name}"',
                  f'calendar = "{calendar}"', *(["draft = true"] if body.draft else []), ""]
    for (pid, party_name, travel, *_), people in zip(PARTIES, members, strict=True):
        lines += ["[[parties]]", f'id = "{pid}"', f'name = "{party_name}"',
                  f'travel = "{travel}m"', ""]
        for person in people:
            email = person.name.lower().replace(" ", ".").translate(str.maketrans("åäöé", "aaoe"))
            lines += ["[[parties.members]]", f'name = "{person.name}"', f'role = "{person.role}"']
            if person.calendar:
                lines.append(f'calendar = "{person.calendar}"')
            if person.horizon:
                lines.append(f"horizon = {person.horizon.isoformat()}"
                             "  # published three months ahead")
            lines += [f'email = "{email}@{pid}.example"',
                      "bodies = [" + ", ".join(f'"{b}"' for b in person.bodies) + "]",
                      f"invited = {person.invited}", f"attended = {person.attended}", ""]
    everyone = [p[0] for p in PARTIES]
    history = [("2020-02-12", everyone), ("2020-05-20", [p for p in everyone if p != "ljusnarsberg"]),
               ("2020-10-14", [p for p in everyone if p not in ("ljusnarsberg", "hallefors")])]
    for date, present in history:
        lines += ["[[history]]", f"date = {date}", "present = [" + ", ".join(f'"{p}"' for p in present)
                  + "]", ""]
    return "\n".join(lines)


def write_demo(directory: str | Path, year: int, *, council_name: str = COUNCIL_NAME,
               seed: int = 2027,
               people_from: int = 0,
               seats: Mapping[tuple[str, str], tuple[str, str | None]] | None = None) -> Path:
    """Write the council file, the bodies' meeting plans and the members' calendars into
    ``directory`` as they would read on :func:`as_of`; return the council file.

    ``seed`` and ``people_from`` (an offset into the names) make another council of the
    same parties; ``seats`` puts a given person (name, calendar path relative to the
    council file) in a (party, role) seat — the same name in the same party gives the
    same e-mail address, so a round matches them."""
    root = Path(directory)
    (root / "calendars").mkdir(parents=True, exist_ok=True)
    (root / "bodies").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)  # noqa: S311 - deterministic fiction, not secrets
    day = as_of(year)
    stamp = f"{day:%Y%m%d}T080000Z"
    first = day - dt.timedelta(weeks=HISTORY_WEEKS)
    cut = published_until(year)
    bodies = _bodies(first, year)
    written = []
    for body in bodies:
        plan_file = f"bodies/{body.id}.ics"
        (root / plan_file).write_bytes(write_meeting_plan(body.name, body.meetings, stamp))
        written.append((body, plan_file))
    members = []
    for index, (pid, _, _, board, *_) in enumerate(PARTIES):
        people = []
        for role_index, role in enumerate(("representative", "substitute")):
            n = 2 * index + role_index
            person = (f"{FIRST[(n + people_from) % len(FIRST)]} "
                      f"{LAST[(n * 7 + 3 * people_from) % len(LAST)]}")
            heavy = pid == "ljusnarsberg" or rng.random() < 0.2
            kids = rng.random() < 0.4
            seats_here = [b for b in bodies if (pid, role) in b.members]
            if kids:
                holidays_of = f"{'orebro' if pid == 'region' else pid}-lov"
                seats_here.append(next(b for b in bodies if b.id == holidays_of))
            plan = _plan(rng, f"{pid}-{role[:3]}", first, year, (board + role_index) % 5,
                         representative=role == "representative", heavy=heavy,
                         meetings=[m for b in seats_here if b.in_own_calendars for m in b.meetings
                                   if not (b.draft and m.start.year >= year)])
            if pid == "ljusnarsberg" and role == "representative":  # many clashing meetings
                plan.series.append(Series(f"{pid}-extra@kalender.example.invalid", "Beredning",
                                          _at(_weekday_on_or_after(first, 2), 9), dt.timedelta(hours=7),
                                          1, dt.date(year, 12, 31)))
            style = STYLES[n % len(STYLES)]
            name: str | None = None
            horizon = None
            if (pid, role) not in WITHOUT_CALENDAR:
                name = f"calendars/{pid}-{'ledamot' if role == 'representative' else 'ersattare'}.ics"
                if style in CUT_STYLES:
                    plan = published(plan, cut, series=style == "freebusy")
                    horizon = cut if style == "outlook" else None  # the secretary knows Exchange
                (root / name).write_bytes(write_style(plan, style, ZONE, stamp))
            invited, attended = {("ljusnarsberg", "representative"): (3, 1),
                                 ("ljusnarsberg", "substitute"): (2, 0),
                                 ("hallefors", "representative"): (3, 2)}.get(
                (pid, role), (3, 3) if role == "representative" else (0, 0))
            if (pid, role) in (seats or {}):
                person, name = (seats or {})[(pid, role)]  # someone who sits elsewhere too
            people.append(_Person(person, role, name, invited, attended,
                                  [b.id for b in seats_here], horizon))
        members.append(people)
    path = root / "council.toml"
    path.write_text(_council_toml(year, written, members, council_name), encoding="utf-8")
    return path


def run_demo(directory: str | Path, year: int | None = None,
             progress: ProgressCallback | None = None) -> str:
    """Write the demo council and return its proposal for ``year`` as a table
    (``progress``: told how the proposal goes)."""
    year = year or dt.datetime.now(ZONE).year + 1
    council = load_council(write_demo(directory, year))
    request = parse_proposal_request({"from": f"{year}-01-01", "to": f"{year + 1}-01-01",
                                      "meetings": 4, "duration": "3h", "min_gap_days": 42,
                                      "time_limit_s": 20})
    return render(propose(council, request, progress=progress), "table")
