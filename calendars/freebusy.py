"""VFREEBUSY components (published free/busy, Zimbra and Exchange replies) to intervals."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar

from .errors import BEYOND_RANGE, CalendarError
from .expand import to_aware
from .model import BusyInterval, BusyStatus, IngestWarning

__all__ = ["freebusy_intervals"]

_FBTYPE = {
    "BUSY": BusyStatus.BUSY,
    "BUSY-TENTATIVE": BusyStatus.TENTATIVE,
    "BUSY-UNAVAILABLE": BusyStatus.OOF,
    "FREE": None,
}


def freebusy_intervals(calendar: Calendar, start: dt.datetime, end: dt.datetime, *,
                       zone: ZoneInfo, warnings: list[IngestWarning]) -> list[BusyInterval]:
    """Busy periods of every VFREEBUSY that meet [start, end).

    FBTYPE BUSY (the default) is busy, BUSY-TENTATIVE tentative, BUSY-UNAVAILABLE out of
    office, FREE nothing. A period is a start with an end or a duration.
    """
    intervals: list[BusyInterval] = []
    for component in calendar.walk("VFREEBUSY"):
        uid = str(component.get("UID", ""))
        periods = component.get("FREEBUSY", [])
        for period in periods if isinstance(periods, list) else [periods]:
            fbtype = str(period.params.get("FBTYPE", "BUSY")).upper()
            status = _FBTYPE.get(fbtype, BusyStatus.BUSY)
            if status is None:
                continue
            try:
                first, second = period.dt
            except (TypeError, ValueError, AttributeError):
                warnings.append(IngestWarning(f"FREEBUSY value {period!s} skipped", uid=uid))
                continue
            try:
                begin = to_aware(first, zone)
                finish = (begin + second if isinstance(second, dt.timedelta)
                          else to_aware(second, zone))
            except OverflowError:
                raise CalendarError(f"VFREEBUSY {uid!r}: {BEYOND_RANGE}") from None
            if finish > begin and begin < end and finish > start:
                intervals.append(BusyInterval(begin, finish, status, uid))
    return intervals
