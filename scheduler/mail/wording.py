"""Times and dates as the mail writes them, in Swedish or English, in the council's zone:
``tisdag 2 mars 2027 kl. 13.00–16.00`` or ``Tuesday 2 March 2027, 13:00–16:00``."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from ..wording import _SV_MONTHS

__all__ = ["day", "one_line", "short_day", "span"]

_SV_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` with every run of spaces, line breaks and control characters as one space."""
    return _BREAKS.sub(" ", text).strip()


def short_day(when: dt.date, language: str) -> str:
    """``2 mars 2027`` or ``2 March 2027``."""
    months = _SV_MONTHS if language == "sv" else _EN_MONTHS
    return f"{when.day} {months[when.month - 1]} {when.year}"


def day(when: dt.date, language: str) -> str:
    """``tisdag 2 mars 2027`` or ``Tuesday 2 March 2027``."""
    weekdays = _SV_WEEKDAYS if language == "sv" else _EN_WEEKDAYS
    return f"{weekdays[when.weekday()]} {short_day(when, language)}"


def _clock(when: dt.datetime, language: str) -> str:
    return f"{when:%H.%M}" if language == "sv" else f"{when:%H:%M}"


def span(start: dt.datetime, end: dt.datetime, zone: str, language: str) -> str:
    """A meeting's day and time in the zone; both days when it ends on another."""
    tz = ZoneInfo(zone)
    start, end = start.astimezone(tz), end.astimezone(tz)
    at = "kl. " if language == "sv" else ""
    sep = " " if language == "sv" else ", "
    if start.date() == end.date():
        return f"{day(start, language)}{sep}{at}{_clock(start, language)}–{_clock(end, language)}"
    return (f"{day(start, language)}{sep}{at}{_clock(start, language)} – "
            f"{day(end, language)}{sep}{at}{_clock(end, language)}")
