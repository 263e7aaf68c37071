"""Ingestion of a member calendar (2,000 events, 200 series, one year) against bare parsing."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from calendars import IngestCache, read_busy

from .common import median_seconds, report
from .member_calendar import member_calendar


def run() -> dict[str, Any]:
    """Measure and return the figures."""
    data = member_calendar()
    zone = ZoneInfo("Europe/Stockholm")
    start = dt.datetime(2027, 1, 1, tzinfo=zone)
    end = dt.datetime(2028, 1, 1, tzinfo=zone)
    cache = IngestCache()

    bare = median_seconds(lambda: icalendar.Calendar.from_ical(data))
    first = median_seconds(lambda: read_busy(data, start, end, zone=zone, cache=cache),
                           setup=cache.clear)
    read_busy(data, start, end, zone=zone, cache=cache)
    second = median_seconds(lambda: read_busy(data, start, end, zone=zone, cache=cache), repeat=21)
    intervals = len(read_busy(data, start, end, zone=zone, cache=None).intervals)
    return {
        "calendar_bytes": len(data),
        "events": 2000,
        "series": 200,
        "intervals_in_year": intervals,
        "bare_icalendar_parse_s": round(bare, 4),
        "ingestion_s": round(first, 4),
        "ingestion_over_bare_parse": round(first / bare, 2),
        "cached_ingestion_s": round(second, 6),
        "cached_over_first": round(second / first, 4),
        "goals": {"ingestion_over_bare_parse": "<= 3", "cached_over_first": "<= 0.05"},
    }


def main() -> None:
    """Run, print and write the figures."""
    report("ingest", run())

if __name__ == "__main__":
    main()
