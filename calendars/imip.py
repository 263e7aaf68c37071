"""Events as iTIP messages for mail (iMIP, RFC 6047), knowing nothing of councils.

A REQUEST invites the attendees to one event, or tells them it changed; a CANCEL takes
it out of their calendars. RFC 5546 asks both for an organizer and at least one
attendee, and a CANCEL for the status CANCELLED: this module sees to it. A PUBLISH
(``publication``) posts several events at once for the reader to add to a calendar:
RFC 5546 section 3.2.1 asks each for an organizer and for no attendees (nobody is asked
anything, so no mail program offers a reply). The ``text/calendar`` part that carries
the bytes must name the same method as its ``method`` parameter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from .write import OutgoingEvent, write_calendar

__all__ = ["IMIP_METHODS", "invitation", "publication"]

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


def publication(events: Sequence[OutgoingEvent], *, name: str,
                stamp: dt.datetime | None = None) -> bytes:
    """The events as one iCalendar object with ``METHOD:PUBLISH``, for a reader to add to
    their calendar (each keeps its UID, SEQUENCE, status and free or busy time).

    Raises ValueError for no events, two with the same UID, an event without organizer
    or with attendees (RFC 5546 section 3.2.1), or anything ``write_calendar`` refuses.
    """
    if not events:
        raise ValueError("a PUBLISH needs at least one event")
    uids = [event.uid for event in events]
    if len(set(uids)) != len(uids):
        raise ValueError("a PUBLISH names each event once")
    for event in events:
        if event.organizer is None or event.attendees:
            raise ValueError(f"event {event.uid!r}: a PUBLISH needs an organizer and no attendees")
    return write_calendar(events, name=name, method="PUBLISH", stamp=stamp)
