"""When members' answers close: a council may take answers to a meeting up to a number of
working days before it (weekdays that are not Swedish public holidays)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import holidays

__all__ = ["answer_deadline", "poll_closes"]


def _working(day: dt.date, closed: holidays.HolidayBase) -> bool:
    return day.weekday() < 5 and day not in closed


def answer_deadline(meeting_start: dt.datetime, working_days: int | None,
                    zone: str) -> dt.datetime:
    """The last moment a member may answer a meeting: its start, or with ``working_days``
    the end of the working day that many working days before the meeting's date."""
    if working_days is None:
        return meeting_start
    tz = zoneinfo.ZoneInfo(zone)
    day = meeting_start.astimezone(tz).date()
    closed = holidays.country_holidays("SE", years=range(day.year - 1, day.year + 1))
    left = working_days
    while left > 0:
        day -= dt.timedelta(days=1)
        if _working(day, closed):
            left -= 1
    if working_days == 0:
        return meeting_start
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)


def poll_closes(deadline: dt.date, zone: str) -> dt.datetime:
    """The moment a poll answered "through ``deadline``" closes: midnight after that day."""
    return dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(), zoneinfo.ZoneInfo(zone))
