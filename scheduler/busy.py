"""``scheduler busy``: one calendar (file or URL) as busy intervals, JSON."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

from calendars import BusyCalendar, read_busy, redact_url

from .calendar_sources import calendar_bytes, calendar_limits, ingest_cache
from .errors import InputError
from .validation import is_calendar_url

__all__ = ["busy_json", "read_source"]


def read_source(source: str, start: dt.date, end: dt.date, zone: zoneinfo.ZoneInfo,
                email: str | None = None) -> BusyCalendar:
    """Busy intervals of a calendar source over [start, end) at midnight in ``zone``."""
    if end <= start:
        raise InputError("must be after --from", field="--to")
    begin = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    finish = dt.datetime.combine(end, dt.time(), tzinfo=zone)
    return read_busy(calendar_bytes(source), begin, finish, zone=zone, email=email,
                     limits=calendar_limits(),
                     source=redact_url(source) if is_calendar_url(source) else source,
                     cache=ingest_cache())


def busy_json(calendar: BusyCalendar) -> str:
    """The ``scheduler busy`` JSON document."""
    return json.dumps([i.as_json() for i in calendar.intervals], indent=2, ensure_ascii=False)
