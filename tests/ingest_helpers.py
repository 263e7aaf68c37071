"""Small helpers to read fixtures into comparable tuples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from calendars import BusyCalendar, Limits, read_busy

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def window(start: str, end: str, zone: ZoneInfo = STOCKHOLM) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) at midnight in ``zone`` from ISO dates."""
    return (dt.datetime.combine(dt.date.fromisoformat(start), dt.time(), tzinfo=zone),
            dt.datetime.combine(dt.date.fromisoformat(end), dt.time(), tzinfo=zone))


def read(path: Path, start: str = "2027-01-01", end: str = "2028-01-01", *,
         email: str | None = None, zone: ZoneInfo = STOCKHOLM,
         limits: Limits | None = None) -> BusyCalendar:
    """Read a calendar file over [start, end) without the shared cache."""
    lo, hi = window(start, end, zone)
    return read_busy(path.read_bytes(), lo, hi, zone=zone, email=email, limits=limits or Limits(),
                     cache=None, source=path.name)


def rows(calendar: BusyCalendar) -> list[tuple[str, str, str, str]]:
    """Intervals as (start, end, status, uid) with ISO times in their own offsets."""
    return [(i.start.isoformat(), i.end.isoformat(), i.status.value, i.uid)
            for i in calendar.intervals]


def by_uid(calendar: BusyCalendar) -> dict[str, list[tuple[str, str, str]]]:
    """Intervals grouped by UID as (start, end, status)."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for start, end, status, uid in rows(calendar):
        found.setdefault(uid, []).append((start, end, status))
    return found
