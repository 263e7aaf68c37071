"""How much of next year's attendance the planner recovers from calendars that end early.

Dates for year Y are chosen in the autumn of Y-1, when Exchange publishes one-off events
only about three months ahead and recurring series in full. A generated council has a
true calendar per member (boards every second or fourth week and a monthly municipal
council written as one-off invitations, a weekly standing series, a day job, random
appointments, tentative holds, leave), and the published view of each as of 15 October
Y-1 (with the meeting plans its boards and councils have adopted for Y). Four plans of
year Y are made:

- ``blind``: from the published views, reading beyond a calendar's end as free;
- ``horizon``: from the published views with horizons and habit priors (MODEL.md);
- ``bodies``: as ``horizon``, with the bodies' meeting plans;
- ``truth``: from the true calendars.

Each plan is scored on the truth (expected party-meetings, and the worst-off party's
expected meetings), and ``share = (x - blind) / (truth - blind)`` says how much of what
the blind plan loses plan x recovers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import statistics
import sys
import time
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from calendars import BusyInterval, BusyStatus
from scheduler.availability import presence
from scheduler.bodies import PlanMap
from scheduler.council import Council, Member, Party
from scheduler.planning import BusyMap, propose
from scheduler.proposal_request import parse_proposal_request
from scheduler.slots import swedish_days_off

from .common import write_result

__all__ = ["PLANS", "Scenario", "Setting", "evaluate", "generate", "holiday_weeks", "plan",
           "published", "run", "run_case"]

ZONE_NAME = "Europe/Stockholm"
ZONE = zoneinfo.ZoneInfo(ZONE_NAME)
YEAR = 2027
PUBLISHED_AHEAD = dt.timedelta(days=92)  # Exchange: one-off events about three months ahead
PUBLISHED_BEHIND = dt.timedelta(days=183)  # and half a year back
FULL_YEAR_SHARE = 0.1  # members whose calendar publishes everything
SERIES_PAUSED = 0.5  # series whose holiday-week occurrences are cancelled
NEVER = dt.date(2100, 1, 1)  # a declared horizon that switches horizons off
PLANS = ("blind", "horizon", "bodies", "truth")
# the culture council of Region Örebro län: id, name, travel to Örebro (minutes)
OREBRO = (("region", "Region Örebro län", 10), ("askersund", "Askersunds kommun", 45),
          ("degerfors", "Degerfors kommun", 50), ("hallsberg", "Hallsbergs kommun", 30),
          ("hallefors", "Hällefors kommun", 60), ("karlskoga", "Karlskoga kommun", 40),
          ("kumla", "Kumla kommun", 20), ("laxa", "Laxå kommun", 45),
          ("lekeberg", "Lekebergs kommun", 25), ("lindesberg", "Lindesbergs kommun", 45),
          ("ljusnarsberg", "Ljusnarsbergs kommun", 60), ("nora", "Nora kommun", 35),
          ("orebro", "Örebro kommun", 10))
_SUMMER_WEEKS = range(26, 33)  # ISO weeks without boards or councils
_GAP_FLOOR = 0.1  # below this gap (expected party-meetings) a share is not defined


@dataclass(frozen=True)
class Setting:
    """One configuration of the benchmark: council size, seeds, requests and solver time."""

    parties: int = 13
    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    meetings: tuple[int, ...] = (4, 6)
    objectives: tuple[str, ...] = ("fair", "attendance")
    year: int = YEAR
    start: dt.date | None = None  # of the planned span; default 1 January of the year
    end: dt.date | None = None  # exclusive; default 1 January of the next year
    min_gap_days: int = 42
    time_limit_s: float = 6.0
    blackouts: tuple[tuple[dt.date, dt.date], ...] = ()  # inclusive, besides the council's summer
    label: str = ""

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        """The planned span [start, end)."""
        return (self.start or dt.date(self.year, 1, 1), self.end or dt.date(self.year + 1, 1, 1))


@dataclass(frozen=True)
class Scenario:
    """A generated council, its members' true calendars and what they publish as of a date."""

    council: Council  # members without declared horizons: the product's default
    truth: BusyMap
    published: BusyMap
    as_of: dt.date
    full_year: frozenset[tuple[str, int]]  # members who publish their whole calendar
    plans: PlanMap  # the adopted meeting plans of each member's boards and municipal council

    @property
    def blind_council(self) -> Council:
        """The same council with horizons switched off (every calendar declared to 2100)."""
        parties = tuple(dataclasses.replace(p, members=tuple(
            dataclasses.replace(m, horizon=NEVER) for m in p.members)) for p in self.council.parties)
        return dataclasses.replace(self.council, parties=parties)


# --- generating true calendars ----------------------------------------------------------

def _at(day: dt.date, hour: float) -> dt.datetime:
    minutes = round(hour * 60)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=ZONE)


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day < last:
        yield day
        day += dt.timedelta(days=1)


def _working(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in swedish_days_off(day.year)


def _quiet(day: dt.date) -> bool:
    """Summer and the Christmas weeks: no boards, councils or standing meetings."""
    week = day.isocalendar().week
    return week in _SUMMER_WEEKS or week in (52, 53, 1)


class _Calendar:
    """Collects one member's intervals with unique ids."""

    def __init__(self, tag: str, as_of: dt.date) -> None:
        self.tag = tag
        self.planned_from = dt.datetime.combine(as_of, dt.time(), tzinfo=ZONE)
        self.intervals: list[BusyInterval] = []
        self.plan: list[BusyInterval] = []  # the meeting plans of the member's bodies

    def add(self, start: dt.datetime, end: dt.datetime, status: BusyStatus, kind: str,
            recurring: bool = False) -> None:
        uid = f"{self.tag}-{kind}-{len(self.intervals)}"
        self.intervals.append(BusyInterval(start, end, status, uid, recurring))

    def planned(self, start: dt.datetime, end: dt.datetime, body: str) -> None:
        """A meeting in a body's adopted plan (known from the as-of date on)."""
        if start >= self.planned_from:
            self.plan.append(BusyInterval(start, end, BusyStatus.BUSY, f"{body}-{start:%Y%m%d}",
                                          recurring=True))


def _weekly(first: dt.date, last: dt.date, weekday: int, every: int, phase: int
            ) -> Iterator[dt.date]:
    """The given weekday of every ``every``-th ISO week (week number mod ``every`` = phase)."""
    for day in _days(first, last):
        if day.weekday() == weekday and day.isocalendar().week % every == phase % every:
            yield day


def _monthly(first: dt.date, last: dt.date, weekday: int, nth: int) -> Iterator[dt.date]:
    """The ``nth`` (0-based) given weekday of each month."""
    for day in _days(first, last):
        if day.weekday() == weekday and (day.day - 1) // 7 == nth:
            yield day


def _leave(cal: _Calendar, first: dt.date, days: int) -> None:
    start = dt.datetime.combine(first, dt.time(), tzinfo=ZONE)
    end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time(), tzinfo=ZONE)
    cal.add(start, end, BusyStatus.OOF, "leave")


def _monday(year: int, week: int) -> dt.date:
    return dt.date.fromisocalendar(year, week, 1)


def _holidays(cal: _Calendar, rng: random.Random, years: Sequence[int], first: dt.date,
              last: dt.date) -> set[dt.date]:
    """Leave as one-off out-of-office events: summer, Christmas, school breaks, odd days."""
    away: set[dt.date] = set()

    def take(day: dt.date, days: int) -> None:
        if day + dt.timedelta(days=days) <= first or day >= last:
            return
        _leave(cal, day, days)
        away.update(day + dt.timedelta(days=i) for i in range(days))

    for year in years:
        take(_monday(year, rng.choice((26, 27, 28, 29))), 7 * rng.choice((3, 4, 5)) - 2)
        if rng.random() < 0.8:
            take(dt.date(year, 12, 22), 16)
        for week, chance in ((9, 0.35), (44, 0.3), (rng.randrange(10, 24), 0.4),
                             (rng.randrange(34, 50), 0.4)):
            if rng.random() < chance:
                take(_monday(year, week), 5)
        for _ in range(rng.randrange(2, 6)):
            take(dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 365)), 1)
    return away


@dataclass(frozen=True)
class _Series:
    """A meeting on a fixed weekday every ``every`` weeks at a fixed time."""

    weekday: int
    every: int
    phase: int
    hour: float
    hours: float

    @staticmethod
    def draw(rng: random.Random, every: Sequence[int], hours: Sequence[float],
             durations: Sequence[float]) -> _Series:
        """A random series."""
        return _Series(rng.randrange(5), rng.choice(every), rng.randrange(4), rng.choice(hours),
                       rng.choice(durations))


@dataclass(frozen=True)
class _PartyHabits:
    """What a party's members share: the municipal council's monthly meeting."""

    council_weekday: int
    council_nth: int
    council_hour: float
    council_hours: float


def _board_meetings(cal: _Calendar, rng: random.Random, boards: Sequence[_Series],
                    first: dt.date, last: dt.date, away: set[dt.date], year: int) -> None:
    """Boards as one-off invitations; a board's plan may move to another day from ``year``."""
    for n, board in enumerate(boards):
        later = board if rng.random() < 0.8 else _Series.draw(
            rng, (board.every,), (8.5, 9.0, 10.0, 13.0, 14.0), (2.0, 2.5, 3.0, 4.0))
        for part, (a, b) in ((board, (first, dt.date(year, 1, 1))), (later, (dt.date(year, 1, 1), last))):
            for day in _weekly(a, b, part.weekday, part.every, part.phase):
                if not _working(day) or _quiet(day):
                    continue
                start, end = _at(day, part.hour), _at(day, part.hour + part.hours)
                cal.planned(start, end, f"board{n}")
                if day not in away and rng.random() < 0.9:  # a tenth are cancelled
                    cal.add(start, end, BusyStatus.BUSY, "board")


def _member_calendar(rng: random.Random, tag: str, representative: bool, habits: _PartyHabits,
                     regional: Sequence[_Series], first: dt.date, last: dt.date,
                     year: int, as_of: dt.date) -> _Calendar:
    """One member's true calendar over [first, last), and the plans of their bodies."""
    cal = _Calendar(tag, as_of)
    away = _holidays(cal, rng, (year - 1, year), first, last)
    boards = [_Series.draw(rng, (2, 2, 4), (8.5, 9.0, 10.0, 13.0, 13.5), (2.0, 2.5, 3.0, 4.0))
              for _ in range(rng.randint(2, 3) if representative else rng.randint(1, 2))]
    boards += [r for r in regional if rng.random() < 0.25]
    _board_meetings(cal, rng, boards, first, last, away, year)
    if representative or rng.random() < 0.7:
        for day in _monthly(first, last, habits.council_weekday, habits.council_nth):
            if _working(day) and not _quiet(day) and day.month != 7:
                start, end = _at(day, habits.council_hour), _at(day, habits.council_hour
                                                                 + habits.council_hours)
                cal.add(start, end, BusyStatus.BUSY, "council")
                cal.planned(start, end, "council")
    standing = [_Series.draw(rng, (1,), (8.0, 8.5, 13.0, 15.0), (1.0, 1.5, 2.0))]
    if rng.random() < 0.4:
        standing.append(_Series.draw(rng, (2,), (9.0, 10.0, 14.0), (1.0, 2.0)))
    for series in standing:  # recurring: published in full, exceptions included
        paused = rng.random() < SERIES_PAUSED  # the organiser cancels the holiday weeks
        for day in _weekly(first, last, series.weekday, series.every, series.phase):
            if _working(day) and not (paused and _quiet(day)):
                cal.add(_at(day, series.hour), _at(day, series.hour + series.hours),
                        BusyStatus.BUSY, "standing", recurring=True)
    if rng.random() < (0.15 if representative else 0.5):  # a day job on fixed weekdays
        job_days = rng.sample(range(5), rng.randint(1, 3))
        as_series = rng.random() < 0.3
        for day in _days(first, last):
            if day.weekday() in job_days and _working(day) and day not in away and (
                    as_series or rng.random() < 0.9):
                cal.add(_at(day, 8.0), _at(day, 16.5), BusyStatus.BUSY, "job", recurring=as_series)
    rate = rng.uniform(0.3, 1.0)  # random appointments per working day
    for day in _days(first, last):
        if not _working(day) or day in away:
            continue
        for _ in range(3):
            if rng.random() < rate / 3:
                hour = rng.randrange(16, 35) / 2
                status = BusyStatus.TENTATIVE if rng.random() < 0.2 else BusyStatus.BUSY
                cal.add(_at(day, hour), _at(day, hour + rng.choice((1.0, 1.5, 2.0, 3.0))), status,
                        "appointment")
    cal.intervals.sort()
    return cal


def generate(seed: int, parties: int = 13, year: int = YEAR) -> Scenario:
    """A council of ``parties`` parties (a representative and a substitute each) with true
    calendars from half a year before 15 October ``year``-1 to the end of ``year``, and
    their views as published on that date."""
    rng = random.Random(seed)
    as_of = dt.date(year - 1, 10, 15)
    first = as_of - PUBLISHED_BEHIND
    last = dt.date(year + 1, 1, 1)
    regional = [_Series.draw(rng, (4,), (9.0, 10.0, 13.0), (2.0, 3.0)) for _ in range(3)]
    if parties == len(OREBRO):
        shapes = list(OREBRO)
    else:
        shapes = [(f"p{n:02d}", f"Part {n}", rng.choice((10, 20, 30, 45, 60))) for n in range(parties)]
    members: list[Party] = []
    truth: BusyMap = {}
    plans: PlanMap = {}
    full: set[tuple[str, int]] = set()
    for pid, name, travel in shapes:
        habits = _PartyHabits(rng.randrange(5), rng.randrange(4), rng.choice((9.0, 13.0, 18.0)),
                              rng.choice((3.0, 5.0)))
        people = []
        for i, role in enumerate(("representative", "substitute")):
            people.append(Member(f"{name} {role}", "representative" if i == 0 else "substitute"))
            made = _member_calendar(rng, f"{pid}-{i}", i == 0, habits, regional, first, last,
                                    year, as_of)
            truth[(pid, i)], plans[(pid, i)] = made.intervals, made.plan
            if rng.random() < FULL_YEAR_SHARE:
                full.add((pid, i))
        members.append(Party(pid, name, tuple(people), dt.timedelta(minutes=travel)))
    council = Council(f"Generated council {seed}", ZONE_NAME, tuple(members),
                      blackouts=((dt.date(year, 6, 22), dt.date(year, 8, 9)),))
    views: BusyMap = {key: published(intervals or [], as_of, key in full)
                      for key, intervals in truth.items()}
    return Scenario(council, truth, views, as_of, frozenset(full), plans)


def published(intervals: Sequence[BusyInterval], as_of: dt.date, full_year: bool = False
              ) -> list[BusyInterval]:
    """What a calendar publishes on ``as_of``: from half a year back, recurring series in
    full and one-off events up to about three months ahead (everything when ``full_year``)."""
    now = dt.datetime.combine(as_of, dt.time(), tzinfo=ZONE)
    since, until = now - PUBLISHED_BEHIND, now + PUBLISHED_AHEAD
    return [i for i in intervals
            if i.end > since and (full_year or i.recurring or i.start < until)]


# --- planning and scoring ---------------------------------------------------------------

def plan(scenario: Scenario, which: str, meetings: int, objective: str, setting: Setting
         ) -> dict[str, Any]:
    """One plan (``blind``, ``horizon``, ``bodies`` or ``truth``): its slots, status and
    solve time."""
    council = scenario.blind_council if which in ("blind", "truth") else scenario.council
    busy = scenario.truth if which == "truth" else scenario.published
    start, end = setting.span
    request = parse_proposal_request({
        "from": start.isoformat(), "to": end.isoformat(), "meetings": meetings,
        "min_gap_days": setting.min_gap_days, "objective": objective, "alternatives": 0,
        "earliest": "09:00", "latest": "16:00", "step": "30m",
        "blackouts": [f"{a.isoformat()}:{b.isoformat()}" for a, b in setting.blackouts],
        "time_limit_s": setting.time_limit_s})
    began = time.perf_counter()
    found = propose(council, request, busy=busy,
                    plans=scenario.plans if which == "bodies" else None)
    return {"status": found.status, "seconds": round(time.perf_counter() - began, 2),
            "slots": [(m.start, m.end) for m in found.meetings],
            "believed_total": round(found.total_expected, 3)}


def evaluate(scenario: Scenario, slots: Sequence[tuple[dt.datetime, dt.datetime]]
             ) -> tuple[float, float]:
    """Expected party-meetings of the slots on the true calendars (horizons off), and the
    worst-off party's expected meetings."""
    if not slots:
        return 0.0, 0.0
    matrix = presence(scenario.blind_council, list(slots), scenario.truth).presence
    per_party = np.asarray(matrix).sum(axis=1)
    return float(per_party.sum()), float(per_party.min())


def holiday_weeks(year: int) -> tuple[tuple[dt.date, dt.date], ...]:
    """The weeks around Christmas and New Year and the rest of summer leave (to 20 August)
    that a secretary who knows them would close (a diagnostic: series pause in them)."""
    return ((dt.date(year, 1, 1), dt.date(year, 1, 6)), (dt.date(year, 8, 10), dt.date(year, 8, 20)),
            (dt.date(year, 12, 20), dt.date(year, 12, 31)))


def _share(blind: float, horizon: float, truth: float) -> float | None:
    gap = truth - blind
    return None if gap < _GAP_FLOOR else round((horizon - blind) / gap, 3)


def run_case(scenario: Scenario, meetings: int, objective: str, setting: Setting) -> dict[str, Any]:
    """The three plans of one request, scored on the truth, and the shares recovered."""
    case: dict[str, Any] = {"meetings": meetings, "objective": objective}
    for which in PLANS:
        made = plan(scenario, which, meetings, objective, setting)
        total, worst = evaluate(scenario, made["slots"])
        case[which] = {"total": round(total, 3), "worst": round(worst, 3),
                       "believed_total": made["believed_total"], "status": made["status"],
                       "seconds": made["seconds"],
                       "dates": [s.date().isoformat() for s, _ in made["slots"]]}
    for which in ("horizon", "bodies"):
        suffix = "" if which == "horizon" else "_bodies"
        for field in ("total", "worst"):
            case[f"share_{field}{suffix}"] = _share(case["blind"][field], case[which][field],
                                                    case["truth"][field])
    return case


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 3) if known else None


def _pooled(cases: Sequence[dict[str, Any]], field: str, which: str = "horizon") -> float | None:
    blind, found, truth = (sum(c[w][field] for c in cases) for w in ("blind", which, "truth"))
    return _share(blind, found, truth)


def _summary(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, Any] = {}
    for objective in sorted({c["objective"] for c in cases}):
        for meetings in sorted({c["meetings"] for c in cases}):
            chosen = [c for c in cases if c["objective"] == objective and c["meetings"] == meetings]
            if not chosen:
                continue
            groups[f"{objective}/{meetings}"] = {
                "median_share_total": _median([c["share_total"] for c in chosen]),
                "median_share_worst": _median([c["share_worst"] for c in chosen]),
                "pooled_share_total": _pooled(chosen, "total"),
                "pooled_share_worst": _pooled(chosen, "worst"),
                "median_share_total_bodies": _median([c["share_total_bodies"] for c in chosen]),
                "median_share_worst_bodies": _median([c["share_worst_bodies"] for c in chosen]),
                "pooled_share_total_bodies": _pooled(chosen, "total", "bodies"),
                "pooled_share_worst_bodies": _pooled(chosen, "worst", "bodies"),
                **{f"mean_{w}_total": round(statistics.fmean(c[w]["total"] for c in chosen), 3)
                   for w in PLANS},
                **{f"mean_{w}_worst": round(statistics.fmean(c[w]["worst"] for c in chosen), 3)
                   for w in PLANS},
            }
    return groups


def run(setting: Setting, echo: bool = False) -> dict[str, Any]:
    """Every seed, meeting count and objective of the setting: cases and their summary."""
    cases = []
    for seed in setting.seeds:
        scenario = generate(seed, setting.parties, setting.year)
        for objective in setting.objectives:
            for meetings in setting.meetings:
                case = {"seed": seed, **run_case(scenario, meetings, objective, setting)}
                cases.append(case)
                if echo:
                    print(_row(case), flush=True)
    return {"label": setting.label or f"{setting.parties} parties", "parties": setting.parties,
            "seeds": list(setting.seeds),
            "blackouts": [f"{a.isoformat()}:{b.isoformat()}" for a, b in setting.blackouts],
            "meetings": list(setting.meetings), "min_gap_days": setting.min_gap_days,
            "time_limit_s": setting.time_limit_s, "summary": _summary(cases), "cases": cases}


def _cell(value: float | None) -> str:
    return "   -" if value is None else f"{value:4.2f}"


def _row(case: dict[str, Any]) -> str:
    values = " ".join(f"{case[w]['total']:6.2f}/{case[w]['worst']:4.2f}" for w in PLANS)
    return (f"{case['seed']:4d} {case['objective']:10s} {case['meetings']:2d}  {values}  "
            f"{_cell(case['share_total'])} {_cell(case['share_worst'])}  "
            f"{_cell(case['share_total_bodies'])} {_cell(case['share_worst_bodies'])}")


def main() -> None:
    """Run 13 parties, 30 parties and 13 with the holiday weeks closed (only the first three
    seeds of 13 parties with --quick); print a table, write the figures."""
    quick = "--quick" in sys.argv
    began = time.perf_counter()
    figures: dict[str, Any] = {
        "as_of": f"15 October of the year before; one-offs published {PUBLISHED_AHEAD.days} days "
                 f"ahead, {FULL_YEAR_SHARE:.0%} of members publish everything",
        "plans": {"blind": "published views, beyond a calendar's end read as free",
                  "horizon": "published views with horizons and habits (the default)",
                  "bodies": "as horizon, with the adopted meeting plans of boards and councils",
                  "truth": "the true calendars"},
        "figures": "total expected party-meetings and the worst-off party's expected meetings "
                   "of each plan, both on the true calendars; share = (x - blind) / (truth - blind)",
        "goal": {"median_share_total": ">= 0.5"}, "sizes": []}
    seeds = (1, 2, 3) if quick else (1, 2, 3, 4, 5)
    sizes = [Setting(seeds=seeds)]
    if not quick:
        sizes += [Setting(parties=30, seeds=seeds, meetings=(4,)),
                  Setting(seeds=seeds, meetings=(4,), blackouts=holiday_weeks(YEAR),
                          label="13 parties, holiday weeks closed")]
    print("per plan: total / worst-off party on the truth; share of the gap recovered "
          "(total, worst) by horizon and by bodies")
    for setting in sizes:
        print(f"== {setting.label or f'{setting.parties} parties'}")
        print("seed objective   k   " + " ".join(f"{w:>11s}" for w in PLANS)
              + "  horizon share  bodies share")
        result = run(setting, echo=True)
        figures["sizes"].append(result)
        for group, v in result["summary"].items():
            print(f"  median {group:13s} horizon {_cell(v['median_share_total'])} "
                  f"{_cell(v['median_share_worst'])}  bodies {_cell(v['median_share_total_bodies'])} "
                  f"{_cell(v['median_share_worst_bodies'])}   pooled horizon "
                  f"{_cell(v['pooled_share_total'])} {_cell(v['pooled_share_worst'])}  bodies "
                  f"{_cell(v['pooled_share_total_bodies'])} {_cell(v['pooled_share_worst_bodies'])}")
    figures["seconds"] = round(time.perf_counter() - began, 1)
    path = write_result("horizon", figures)
    print(f"written to {path} in {figures['seconds']} s")

if __name__ == "__main__":
    main()
