"""Events to busy intervals inside a window: recurrence expanded, limits enforced."""

from __future__ import annotations

import calendar as monthcal
import contextlib
import datetime as dt
import time
import warnings as pywarnings
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast
from zoneinfo import ZoneInfo

import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar import Calendar, Component

from .errors import CalendarLimitError
from .model import BusyInterval, BusyStatus, IngestWarning
from .status import event_status

__all__ = ["Budget", "expand_events", "to_aware"]

_SUB_DAILY = {"SECONDLY", "MINUTELY", "HOURLY"}
_DAY = dt.timedelta(days=1)


class Budget:
    """Occurrences and seconds one query may spend; raises when either runs out."""

    def __init__(self, max_occurrences: int, max_seconds: float):
        self.max_occurrences = max_occurrences
        self.deadline = time.monotonic() + max_seconds
        self.max_seconds = max_seconds
        self.per_series: Counter[str] = Counter()
        self.total = 0

    def spend(self, uid: str) -> None:
        """Count one occurrence of series ``uid``."""
        self.per_series[uid] += 1
        self.total += 1
        if self.total > self.max_occurrences:
            worst, count = self.per_series.most_common(1)[0]
            raise CalendarLimitError(
                f"more than {self.max_occurrences:,} occurrences in the window; "
                f"series {worst!r} alone has {count:,} or more"
            )

    def check_time(self) -> None:
        """Raise when the query has run past its time budget."""
        if time.monotonic() > self.deadline:
            raise CalendarLimitError(
                f"expanding the calendar took longer than {self.max_seconds:g} s")


def to_aware(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A date (midnight) or floating time in ``zone``; an aware time converted to it."""
    if isinstance(value, dt.datetime):
        aware = value.replace(tzinfo=zone) if value.tzinfo is None else value
    else:
        aware = dt.datetime.combine(value, dt.time(), tzinfo=zone)
    # through UTC, so a wall time in a DST gap comes out as a real local time
    return aware.astimezone(dt.UTC).astimezone(zone)


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _value(component: Component, name: str) -> Any:
    """The Python value of a date-time property (typed loosely by icalendar)."""
    return getattr(component.get(name), "dt", None)


def _never_occurs(rule: dict[str, list[object]]) -> bool:
    """True for a rule whose month days exist in none of its months (e.g. 30 February)."""
    days = [int(str(d)) for d in rule.get("BYMONTHDAY", [])]
    if not days or any(d < 0 for d in days):
        return False
    months = [int(str(m)) for m in rule.get("BYMONTH", [])] or list(range(1, 13))
    longest = max(monthcal.monthrange(2024, m)[1] for m in months)
    return min(days) > longest


def _check_rule_size(event: Component, start: dt.datetime, end: dt.datetime,
                     budget: Budget, zone: ZoneInfo, uid: str) -> bool:
    """False for a rule that never occurs; raise for one with too many occurrences.

    Only rules that could exceed the budget are counted, lazily, so a rule that
    repeats every second stops after the limit instead of filling memory.
    """
    for rule in _as_list(event.get("RRULE")):
        if _never_occurs(rule):  # type: ignore[arg-type]
            return False
        freq = str(rule.get("FREQ", ["DAILY"])[0]).upper()  # type: ignore[attr-defined]
        per_day = 1
        for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            per_day *= max(1, len(rule.get(key, [])))  # type: ignore[attr-defined]
        days = (end - start).days + 2
        if freq not in _SUB_DAILY and per_day * days <= budget.max_occurrences:
            continue
        first = to_aware(_value(event, "DTSTART"), zone).replace(tzinfo=None)
        text = rule.to_ical().decode()  # type: ignore[attr-defined]
        text = ";".join(p.rstrip("Zz") if p.upper().startswith("UNTIL=") else p
                        for p in text.split(";"))
        try:
            expanded = rrulestr(f"RRULE:{text}", dtstart=first)
        except (ValueError, TypeError):
            continue  # let the expander report it
        lo = start.astimezone(zone).replace(tzinfo=None) - _DAY
        hi = end.astimezone(zone).replace(tzinfo=None) + _DAY
        for count, occurrence in enumerate(expanded.xafter(lo, inc=True), 1):
            if occurrence >= hi:
                break
            if count > budget.max_occurrences:
                raise CalendarLimitError(
                    f"series {uid!r} (FREQ={freq}) has more than "
                    f"{budget.max_occurrences:,} occurrences in the window")
    return True


def _series_of(calendar: Calendar, warnings: list[IngestWarning]) -> Iterable[object]:
    """The recurrence series of the calendar's events; a bad series skipped, reported."""
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")
        with contextlib.suppress(Exception):  # a bad series: isolated below
            return list(recurring_ical_events.of(calendar, components=("VEVENT",)).series)
        by_uid: dict[str, list[Component]] = {}
        for component in calendar.walk("VEVENT"):
            by_uid.setdefault(str(component.get("UID", id(component))), []).append(component)
        series: list[object] = []
        for uid, components in by_uid.items():
            single = Calendar()
            for component in components:
                single.add_component(component)
            try:
                series.extend(recurring_ical_events.of(single).series)
            except Exception as exc:
                warnings.append(IngestWarning(f"series skipped: {exc}", uid=uid))
        return series


def _interval(start: dt.date | dt.datetime, end: dt.date | dt.datetime | None,
              zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    all_day = not isinstance(start, dt.datetime)
    begin = to_aware(start, zone)
    if end is None or isinstance(end, dt.timedelta):
        finish = begin + (end or (_DAY if all_day else dt.timedelta()))
    else:
        finish = to_aware(end, zone)
    if all_day and finish <= begin:
        finish = to_aware(start + _DAY, zone)
    return begin, max(begin, finish)


_MIXED = object()


def _shared_status(calendar: Calendar, email: str | None) -> dict[str, object]:
    """Status by UID where every component of the UID agrees; ``_MIXED`` where not."""
    found: dict[str, object] = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        status = event_status(event, email)
        found[uid] = status if found.get(uid, status) == status else _MIXED
    return found


def expand_events(calendar: Calendar, start: dt.datetime, end: dt.datetime, *,
                  zone: ZoneInfo, email: str | None, budget: Budget,
                  warnings: list[IngestWarning]) -> list[BusyInterval]:
    """Busy intervals of the calendar's events that meet [start, end)."""
    skip: set[str] = set()
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        if "RRULE" in event and not _check_rule_size(event, start, end, budget, zone, uid):
            warnings.append(IngestWarning("series skipped: its rule never occurs", uid=uid))
            skip.add(uid)
    if skip:
        calendar.subcomponents = [c for c in calendar.subcomponents
                                  if str(c.get("UID", "")) not in skip]
    intervals: list[BusyInterval] = []
    query_start, query_end = start - _DAY, end + _DAY
    shared = _shared_status(calendar, email)
    recurring = {str(event.get("UID", "")) for event in calendar.walk("VEVENT")
                 if "RRULE" in event or "RDATE" in event}
    for series in _series_of(calendar, warnings):
        budget.check_time()
        uid = str(getattr(series, "uid", ""))
        try:
            with pywarnings.catch_warnings():
                pywarnings.simplefilter("ignore")
                for occurrence in series.between(query_start, query_end):  # type: ignore[attr-defined]
                    budget.spend(uid)
                    known = shared.get(uid, _MIXED)
                    status = (event_status(occurrence.as_component(False), email)
                              if known is _MIXED else cast("BusyStatus | None", known))
                    if status is None:
                        continue
                    begin, finish = _interval(occurrence.start, occurrence.end, zone)
                    if begin < end and (finish > start or begin >= start):
                        intervals.append(BusyInterval(begin, finish, status, uid,
                                                      uid in recurring))
        except CalendarLimitError:
            raise
        except Exception as exc:
            warnings.append(IngestWarning(f"series skipped: {exc}", uid=uid))
    return intervals
