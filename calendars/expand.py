"""Events to busy intervals inside a window: recurrence expanded, limits enforced."""

from __future__ import annotations

import calendar as monthcal
import contextlib
import datetime as dt
import warnings as pywarnings
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast
from zoneinfo import ZoneInfo

import recurring_ical_events
from dateutil.rrule import rrule
from icalendar import Calendar, Component

from .budget import Budget
from .errors import BEYOND_RANGE, CalendarError, CalendarLimitError
from .model import BusyInterval, BusyStatus, IngestWarning
from .rules import move_up, rule_in_frame, wall_time
from .status import event_status

# Budget: from .budget, kept here too
__all__ = ["Budget", "event_length", "expand_events", "series_uid", "to_aware"]

_SUB_DAILY = {"SECONDLY", "MINUTELY", "HOURLY"}
_DAY = dt.timedelta(days=1)


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
                     budget: Budget, zone: ZoneInfo, uid: str) -> None:
    """Raise for a rule with too many occurrences in the window.

    Only rules that could exceed the budget are counted, lazily and against the clock,
    so a rule that repeats every second stops after the limit instead of filling memory.
    """
    for rule in _as_list(event.get("RRULE")):
        freq = str(rule.get("FREQ", ["DAILY"])[0]).upper()  # type: ignore[attr-defined]
        per_day = 1
        for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            per_day *= max(1, len(rule.get(key, [])))  # type: ignore[attr-defined]
        days = (end - start).days + 2
        if freq not in _SUB_DAILY and per_day * days <= budget.max_occurrences:
            continue
        first = _value(event, "DTSTART")
        tz = first.tzinfo if isinstance(first, dt.datetime) and first.tzinfo else None
        frame = tz or zone
        try:
            expanded = rule_in_frame(rule, tz, wall_time(first, tz))
        except (ValueError, TypeError, OverflowError):
            continue  # let the expander report it
        lo = (start - _DAY).astimezone(frame).replace(tzinfo=None)
        hi = (end + _DAY).astimezone(frame).replace(tzinfo=None)
        _count(expanded, lo, hi, budget, f"series {uid!r} (FREQ={freq})")


def _count(rule: rrule, lo: dt.datetime, hi: dt.datetime, budget: Budget, series: str) -> None:
    """Raise when the rule has more occurrences in [lo, hi) than the budget allows."""
    most = budget.max_occurrences
    for seen, occurrence in enumerate(rule.xafter(lo, inc=True), 1):
        if occurrence >= hi:
            return
        if seen > most:
            raise CalendarLimitError(f"{series} has more than {most:,} occurrences in the window")
        budget.check_time()


def event_length(event: Component) -> dt.timedelta:
    """How long one occurrence of the event lasts (a day when that cannot be told)."""
    start, end = _value(event, "DTSTART"), _value(event, "DTEND")
    duration = _value(event, "DURATION")
    try:
        if isinstance(duration, dt.timedelta):
            return max(duration, dt.timedelta())
        if end is not None and type(end) is type(start):
            return max(cast("dt.timedelta", end - start), dt.timedelta())
    except (TypeError, OverflowError):
        pass
    return _DAY


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
            except OverflowError:
                raise CalendarError(f"series {uid!r}: {BEYOND_RANGE}") from None
            except Exception as exc:
                warnings.append(IngestWarning(f"series skipped: {exc}", uid=uid))
        return series


def _heaviest(calendar: Calendar) -> str | None:
    """The UID with the most components, RDATEs and EXDATEs: the one to name when taking
    the calendar's series apart takes too long."""
    weight: Counter[str] = Counter()
    for event in calendar.walk("VEVENT"):
        values = [v for name in ("RDATE", "EXDATE") for v in _as_list(event.get(name))]
        weight[str(event.get("UID", ""))] += 1 + sum(len(getattr(v, "dts", ())) for v in values)
    return weight.most_common(1)[0][0] if weight else None


def series_uid(event: Component) -> str:
    """The name of the series an event belongs to, as the expander names it: its UID, or
    for an event without one (each its own series) the Python id of its component."""
    return str(event.get("UID", id(event)))


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
        uid = series_uid(event)
        status = event_status(event, email)
        found[uid] = status if found.get(uid, status) == status else _MIXED
    return found


def expand_events(calendar: Calendar, start: dt.datetime, end: dt.datetime, *,
                  zone: ZoneInfo, email: str | None, budget: Budget,
                  warnings: list[IngestWarning]) -> list[BusyInterval]:
    """Busy intervals of the calendar's events that meet [start, end)."""
    skip: set[str] = set()
    ranged = {str(event.get("UID", "")) for event in calendar.walk("VEVENT")
              if "RANGE" in getattr(event.get("RECURRENCE-ID"), "params", {})}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        if "RRULE" not in event or "RECURRENCE-ID" in event:
            continue
        if any(_never_occurs(rule) for rule in _as_list(event.get("RRULE"))):  # type: ignore[arg-type]
            warnings.append(IngestWarning("series skipped: its rule never occurs", uid=uid))
            skip.add(uid)
            continue
        budget.current = uid
        if uid not in ranged:  # a RANGE override moves occurrences from before the window
            try:
                move_up(event, start - 2 * _DAY - event_length(event), zone)
            except CalendarLimitError:
                raise
            except (ValueError, TypeError, OverflowError):
                pass  # a rule that cannot be read is left as it is: the expander reports it
        if "RRULE" in event:
            _check_rule_size(event, start, end, budget, zone, uid)
    if skip:
        calendar.subcomponents = [c for c in calendar.subcomponents
                                  if str(c.get("UID", "")) not in skip]
    intervals: list[BusyInterval] = []
    query_start, query_end = start - _DAY, end + _DAY
    shared = _shared_status(calendar, email)
    recurring = {series_uid(event) for event in calendar.walk("VEVENT")
                 if "RRULE" in event or "RDATE" in event}
    budget.current = _heaviest(calendar)
    for series in _series_of(calendar, warnings):
        uid = budget.current = str(getattr(series, "uid", ""))

        def expand(series: Any = series, uid: str = uid) -> None:
            with pywarnings.catch_warnings():
                pywarnings.simplefilter("ignore")
                for occurrence in series.between(query_start, query_end):
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

        try:
            expand()
        except CalendarLimitError:
            raise
        except OverflowError:
            raise CalendarError(f"series {uid!r}: {BEYOND_RANGE}") from None
        except Exception as exc:
            warnings.append(IngestWarning(f"series skipped: {exc}", uid=uid))
    return intervals
