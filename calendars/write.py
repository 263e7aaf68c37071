"""Events out as an iCalendar document (RFC 5545), knowing nothing of councils.

Times are written in UTC, so no VTIMEZONE is needed and every client reads them alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import icalendar

__all__ = ["OutgoingEvent", "write_calendar"]


@dataclass(frozen=True)
class OutgoingEvent:
    """One event to publish."""

    uid: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    status: str = "CONFIRMED"  # TENTATIVE, CONFIRMED or CANCELLED
    transparent: bool = False
    sequence: int = 0
    location: str | None = None
    description: str | None = None
    stamp: dt.datetime | None = None  # when this event last changed; defaults to now


def write_calendar(events: Sequence[OutgoingEvent], *, name: str, method: str = "PUBLISH",
                   stamp: dt.datetime | None = None, refresh: dt.timedelta | None = None) -> bytes:
    """The events as iCalendar bytes (CRLF, folded), with DTSTAMP on every event."""
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", "-//council-scheduler//meetings//EN")
    calendar.add("METHOD", method)
    calendar.add("X-WR-CALNAME", name)
    if refresh is not None:
        calendar.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", refresh)
    for item in events:
        event = icalendar.Event()
        event.add("UID", item.uid)
        event.add("DTSTAMP", (item.stamp or stamp).astimezone(dt.UTC).replace(microsecond=0))
        event.add("DTSTART", item.start.astimezone(dt.UTC))
        event.add("DTEND", item.end.astimezone(dt.UTC))
        event.add("SUMMARY", item.summary)
        event.add("STATUS", item.status)
        event.add("SEQUENCE", item.sequence)
        event.add("TRANSP", "TRANSPARENT" if item.transparent else "OPAQUE")
        if item.status == "TENTATIVE":
            event.add("X-MICROSOFT-CDO-BUSYSTATUS", "TENTATIVE")
        if item.location:
            event.add("LOCATION", item.location)
        if item.description:
            event.add("DESCRIPTION", item.description)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
