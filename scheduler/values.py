"""Parsing of the contract's value formats: dates, durations, time zones."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from .errors import InputError

__all__ = ["parse_date", "parse_duration", "parse_zone"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days",
          "w": "weeks"}


def parse_date(text: str, field: str) -> dt.date:
    """A ``YYYY-MM-DD`` date, or InputError naming ``field``."""
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def parse_duration(text: str, field: str) -> dt.timedelta:
    """A duration such as ``90m``, ``3h``, ``42d`` or ``6w``, or InputError."""
    match = _DURATION.match(str(text))
    if not match:
        raise InputError(f"{text!r} is not a duration (like 90m, 3h, 42d, 6w)", field=field)
    number, unit = float(match.group(1)), match.group(2).lower()
    return dt.timedelta(**{_UNITS[unit]: number})


def parse_zone(name: str, field: str) -> zoneinfo.ZoneInfo:
    """An IANA time zone such as ``Europe/Stockholm``, or InputError."""
    try:
        return zoneinfo.ZoneInfo(str(name).strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r}", field=field) from None
