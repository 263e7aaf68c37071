"""One event as an iTIP message for mail (iMIP, RFC 6047), knowing nothing of councils.

A REQUEST invites the attendees to the event, or tells them it changed; a CANCEL takes
it out of their calendars. RFC 5546 asks both for an organizer and at least one
attendee, and a CANCEL for the status CANCELLED: this module sees to it. The
``text/calendar`` part that carries the bytes must name the same method as its
``method`` parameter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from .write import OutgoingEvent, write_calendar

__all__ = ["IMIP_METHODS", "invitation"]

IMIP_METHODS = frozenset({"REQUEST", "CANCEL"})


def invitation(event: OutgoingEvent, method: str, *, stamp: dt.datetime | None = None) -> bytes:
    """The event as an iCalendar object with ``METHOD:REQUEST`` or ``METHOD:CANCEL``.

    A CANCEL marks the event cancelled. Raises ValueError for another method, an event
    without organizer or attendees, a REQUEST for a cancelled event, or anything
    ``write_calendar`` refuses.
    """
    if method not in IMIP_METHODS:
        raise ValueError(f"method {method!r} is not one of {', '.join(sorted(IMIP_METHODS))}")
    if event.organizer is None or not event.attendees:
        raise ValueError(f"event {event.uid!r}: a {method} needs an organizer and an attendee")
    if method == "CANCEL":
        event = dataclasses.replace(event, status="CANCELLED")
    elif event.status == "CANCELLED":
        raise ValueError(f"event {event.uid!r} is cancelled: send a CANCEL, not a REQUEST")
    return write_calendar([event], name=event.summary, method=method, stamp=stamp)
