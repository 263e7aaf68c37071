"""A recurring series moved up to just before a window: the same occurrences from there on,
found without walking the years between its DTSTART and the window.

A rule's occurrences are computed period by period (a year, a month, a week, a day, an
hour, ...) every INTERVAL periods from DTSTART's own period, and what DTSTART leaves
unsaid (its day of the month for a monthly rule, its time of day for a daily one) is
filled in from it. So a period some whole number of INTERVALs later, with those values
written into the rule, gives the same occurrences as the original from there on; its
first occurrence becomes the series' DTSTART, and a COUNT is reduced by the occurrences
walked past (a COUNT cannot be skipped, only counted).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from icalendar import Component

__all__ = ["move_up", "rule_in_frame", "wall_time"]

_DAY_PARTS = ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")
_STEP_SECONDS = {"HOURLY": 3600, "MINUTELY": 60, "SECONDLY": 1}


def wall_time(value: dt.date | dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """A DTSTART-like value as a naive wall time in ``tz`` (midnight for a date; an aware
    value as it is, without its zone, when ``tz`` is None)."""
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    if value.tzinfo is not None and tz is not None:
        value = value.astimezone(tz)
    return value.replace(tzinfo=None)


def rule_in_frame(rule: Any, tz: dt.tzinfo | None, first: dt.datetime,
                  extra: dict[str, list[object]] | None = None) -> rrule:
    """The RRULE as a dateutil rule over naive wall times in ``tz`` from ``first``: UNTIL
    converted to the same frame, ``extra`` parts written in."""
    parts = []
    for key, values in {**{k.upper(): v for k, v in rule.items()}, **(extra or {})}.items():
        if key == "UNTIL":
            until = values[0]
            text = wall_time(until, tz).strftime("%Y%m%dT%H%M%S")
        else:
            text = ",".join(_text(v) for v in values)
        parts.append(f"{key}={text}")
    return rrulestr("RRULE:" + ";".join(parts), dtstart=first)


def _text(value: object) -> str:
    to_ical = getattr(value, "to_ical", None)
    if to_ical is not None:
        found = to_ical()
        return found.decode() if isinstance(found, bytes) else str(found)
    return str(value)


def _grid(first: dt.datetime, target: dt.datetime, freq: str, interval: int,
          whole_days: bool = False) -> tuple[dt.datetime, dict[str, list[object]]] | None:
    """A start on the rule's grid of periods, whole INTERVALs after ``first`` (and whole
    days, if asked) and at least one INTERVAL before ``target``, and the parts DTSTART
    filled in; None: none such."""
    fills: dict[str, list[object]] = {}
    time_of_day = first.time()
    if freq == "YEARLY":
        steps = (target.year - first.year) // interval - 1
        if steps <= 0:
            return None
        start = dt.datetime.combine(dt.date(first.year + steps * interval, 1, 1), time_of_day)
        fills = {"BYMONTH": [first.month], "BYMONTHDAY": [first.day]}
    elif freq == "MONTHLY":
        months = (target.year - first.year) * 12 + target.month - first.month
        steps = months // interval - 1
        if steps <= 0:
            return None
        index = first.year * 12 + first.month - 1 + steps * interval
        start = dt.datetime.combine(dt.date(index // 12, index % 12 + 1, 1), time_of_day)
        fills = {"BYMONTHDAY": [first.day]}
    elif freq in ("WEEKLY", "DAILY"):
        days = 7 if freq == "WEEKLY" else 1
        steps = (target - first).days // (days * interval) - 1
        if steps <= 0:
            return None
        start = first + dt.timedelta(days=steps * days * interval)
    elif freq in _STEP_SECONDS:
        step = _STEP_SECONDS[freq] * interval
        step = math.lcm(step, 86_400) if whole_days else step
        steps = int((target - first).total_seconds() // step) - 1
        if steps <= 0:
            return None
        start = first + dt.timedelta(seconds=steps * step)
    else:
        return None
    return start, fills


def move_up(event: Component, before: dt.datetime, zone: ZoneInfo) -> None:
    """Move a series whose DTSTART lies before ``before`` up to its first occurrence from
    about one period before it on, keeping every occurrence from ``before`` on and the
    length of each; a rule with none left is removed (its DTSTART stays, as the one
    occurrence it was). Series this cannot move exactly (several RRULEs, RANGE overrides,
    BYEASTER) are left as they are."""
    rules = event.get("RRULE")
    if rules is None or isinstance(rules, list) or "BYEASTER" in rules:
        return
    start = getattr(event.get("DTSTART"), "dt", None)
    if start is None:
        return
    tz = start.tzinfo if isinstance(start, dt.datetime) and start.tzinfo else None
    frame = tz or zone
    first = wall_time(start, tz)
    target = before.astimezone(frame).replace(tzinfo=None)
    if first >= target:
        return
    freq = str(rules.get("FREQ", ["DAILY"])[0]).upper()
    interval = int(str(rules.get("INTERVAL", [1])[0]))
    if interval < 1:
        return
    if freq in _STEP_SECONDS and not isinstance(start, dt.datetime):
        _move_day(event, rules, first, target, freq, interval)
        return
    found: tuple[dt.datetime | None, int | None] | None
    if "COUNT" in rules:
        found = _counted(rules, tz, first, target)
    else:
        found = _skipped(rules, tz, first, target, freq, interval)
    if found is None:
        return
    occurrence, left = found
    if occurrence is None:
        event.pop("RRULE")  # nothing of it from ``before`` on
        return
    if left is not None:
        rules["COUNT"] = [left]
    _restart(event, start, occurrence, tz)


def _moved(rules: Any, first: dt.datetime, target: dt.datetime, freq: str, interval: int,
           whole_days: bool = False) -> tuple[dt.datetime, dict[str, list[object]]] | None:
    """A start on the rule's grid before ``target`` and the parts to write into the rule
    so that it gives the same occurrences from there as from DTSTART."""
    grid = _grid(first, target, freq, interval, whole_days)
    if grid is None:
        return None
    start, fills = grid
    if any(part in rules for part in _DAY_PARTS):
        fills.pop("BYMONTH", None)
        fills.pop("BYMONTHDAY", None)
    if freq not in _STEP_SECONDS:  # DTSTART gives the time of day of longer periods
        fills |= {"BYHOUR": [first.hour], "BYMINUTE": [first.minute],
                  "BYSECOND": [first.second]}
    elif freq != "SECONDLY":
        fills["BYSECOND"] = [first.second]
        if freq == "HOURLY":
            fills["BYMINUTE"] = [first.minute]
    return start, {k: v for k, v in fills.items() if k not in rules}


def _move_day(event: Component, rules: Any, first: dt.datetime, target: dt.datetime,
              freq: str, interval: int) -> None:
    """A rule of hours, minutes or seconds from a date: DTSTART moved by whole days on
    its grid (its own occurrence, a day before the window, is no harm there)."""
    moved = None if "COUNT" in rules else _moved(rules, first, target, freq, interval, True)
    if moved is None:
        return
    start, fills = moved
    for key, values in fills.items():
        rules[key] = values
    _restart(event, first.date(), start, None)


def _skipped(rules: Any, tz: dt.tzinfo | None, first: dt.datetime, target: dt.datetime,
             freq: str, interval: int) -> tuple[dt.datetime | None, None] | None:
    """The first occurrence on or after a grid start just before ``target`` (None: there
    is none); None when the rule's grid cannot be moved."""
    moved = _moved(rules, first, target, freq, interval)
    if moved is None:
        return None
    start, fills = moved
    rule = rule_in_frame(rules, tz, start, fills)
    return next(iter(rule.xafter(start, count=1, inc=True)), None), None


def _counted(rules: Any, tz: dt.tzinfo | None, first: dt.datetime, target: dt.datetime
             ) -> tuple[dt.datetime | None, int]:
    """The first occurrence of a COUNT rule from ``target`` on, found by counting those
    before it (None: the COUNT ends before it), and how many of the COUNT are left from
    it on. As long as the count, so the caller's deadline bounds it."""
    count = int(str(rules["COUNT"][0]))
    rule = rule_in_frame({k: v for k, v in rules.items() if k.upper() != "COUNT"}, tz, first)
    for seen, occurrence in enumerate(rule, 0):
        if seen >= count:
            return None, 0
        if occurrence >= target:
            return occurrence, count - seen
    return None, 0


def _restart(event: Component, start: dt.date | dt.datetime, occurrence: dt.datetime,
             tz: dt.tzinfo | None) -> None:
    """DTSTART set to ``occurrence`` (same type and zone), DTEND moved with it."""
    new: dt.date | dt.datetime
    if not isinstance(start, dt.datetime):
        new = occurrence.date()
    elif tz is not None:
        new = occurrence.replace(tzinfo=tz)
    else:
        new = occurrence
    end = getattr(event.get("DTEND"), "dt", None)
    params = dict(event["DTSTART"].params)
    event.pop("DTSTART")
    event.add("DTSTART", new, parameters=_kept(params))
    if end is not None and type(end) is type(start):
        end_params = dict(event["DTEND"].params)
        event.pop("DTEND")
        event.add("DTEND", new + (end - start), parameters=_kept(end_params))


def _kept(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters other than TZID and VALUE (which ``add`` writes from the value)."""
    return {k: v for k, v in params.items() if k.upper() not in ("TZID", "VALUE")}
