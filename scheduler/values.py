"""Parsing of the contract's value formats: dates, date ranges, times of day, durations,
time zones. Every failure is an InputError naming the field, never an OverflowError."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from .errors import InputError

__all__ = ["FIRST_YEAR", "LAST_YEAR", "LONGEST_DURATION", "parse_blackout", "parse_date",
           "parse_duration", "parse_time", "parse_zone"]

FIRST_YEAR, LAST_YEAR = 2000, 2200
"""Dates outside these years are refused: no meeting is planned there."""
LONGEST_DURATION = dt.timedelta(days=3660)
"""No duration of the contract (gap, travel, meeting) is ever longer: about ten years."""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days",
          "w": "weeks"}
_TIME = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?\s*$")


def parse_date(text: str, field: str) -> dt.date:
    """A ``YYYY-MM-DD`` date in the years 2000 to 2200, or InputError naming ``field``."""
    try:
        day = dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{str(text)[:40]!r} is not a date (YYYY-MM-DD)", field=field) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(f"the date must be in the years {FIRST_YEAR} to {LAST_YEAR}",
                         field=field)
    return day


def parse_blackout(text: str, field: str) -> tuple[dt.date, dt.date]:
    """An inclusive ``DATE:DATE`` range, or InputError naming ``field``."""
    first, sep, last = str(text).partition(":")
    if not sep:
        raise InputError(f"{str(text)[:40]!r} is not DATE:DATE", field=field)
    try:
        start, end = parse_date(first, field), parse_date(last, field)
    except InputError:
        raise InputError(f"{str(text)[:40]!r} is not DATE:DATE (years {FIRST_YEAR} to "
                         f"{LAST_YEAR})", field=field) from None
    if end < start:
        raise InputError(f"{text!r} must be DATE:DATE with the second not before the first",
                         field=field)
    return start, end


def parse_time(text: str, field: str) -> dt.time:
    """A ``09:00``-style time of day (``HH:MM`` or ``HH:MM:SS``), or InputError."""
    match = _TIME.match(str(text))
    if not match:
        raise InputError(f"{str(text)[:40]!r} is not a time of day (HH:MM)", field=field)
    return dt.time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def parse_duration(text: str, field: str) -> dt.timedelta:
    """A duration such as ``90m``, ``3h``, ``42d`` or ``6w`` (at most about ten years),
    or InputError."""
    match = _DURATION.match(str(text))
    if not match:
        raise InputError(f"{str(text)[:40]!r} is not a duration (like 90m, 3h, 42d, 6w)",
                         field=field)
    number, unit = float(match.group(1)), match.group(2).lower()
    seconds = dt.timedelta(**{_UNITS[unit]: 1}).total_seconds() * number
    if seconds > LONGEST_DURATION.total_seconds():
        raise InputError(f"{str(text)[:40]!r} is too long (at most {LONGEST_DURATION.days} days)",
                         field=field)
    return dt.timedelta(seconds=seconds)


def parse_zone(name: str, field: str) -> zoneinfo.ZoneInfo:
    """An IANA time zone such as ``Europe/Stockholm``, or InputError."""
    try:
        return zoneinfo.ZoneInfo(str(name).strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {str(name)[:60]!r}", field=field) from None
