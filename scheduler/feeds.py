"""What a member's iCal feed says about each meeting.

A representative sees the council's meetings as busy. A substitute sees a meeting as
*standby* (busy) when the representative is likely unavailable – predicted probability
under one half, or a notice of absence recorded – and otherwise as information only
(free). Cancelled meetings stay in the feed, marked cancelled, so subscribed clients
remove them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from calendars import BusyInterval
from calendars.write import OutgoingEvent, write_calendar

from .availability import member_status
from .council import Member, Party, Weights

__all__ = ["FeedMeeting", "member_feed", "representative_probability"]

_STANDBY_BELOW = 0.5
_QUALITY = ("free", "tentative", "busy", "oof")
_KEEP_CANCELLED = dt.timedelta(days=90)


@dataclass(frozen=True)
class FeedMeeting:
    """A meeting as the feed needs it."""

    id: str
    start: dt.datetime
    end: dt.datetime
    status: str  # confirmed | cancelled | proposed
    sequence: int
    updated_at: dt.datetime
    representative_probability: float
    representative_absent: bool


def representative_probability(party: Party, intervals: Sequence[BusyInterval] | None,
                               weights: Weights, start: dt.datetime, end: dt.datetime) -> float:
    """MODEL.md's probability that the party's representative comes to [start, end)."""
    member: Member = party.representative
    if intervals is None:
        return member.reliability(weights) * weights.unknown
    travel = party.travel.total_seconds()
    code = member_status(intervals, np.array([start.timestamp() - travel]),
                         np.array([end.timestamp() + travel]))[0]
    return member.reliability(weights) * weights.q(_QUALITY[int(code)])


def _event(meeting: FeedMeeting, member: Member, council: str, venue: str | None) -> OutgoingEvent:
    uid = f"{meeting.id}@council-scheduler"
    if meeting.status == "proposed":
        return OutgoingEvent(uid, meeting.start, meeting.end, f"{council} (preliminary date)",
                             status="TENTATIVE", sequence=meeting.sequence, location=venue,
                             stamp=meeting.updated_at)
    status = "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED"
    if member.role == "representative":
        return OutgoingEvent(uid, meeting.start, meeting.end, council, status=status,
                             sequence=meeting.sequence, location=venue, stamp=meeting.updated_at)
    standby = (meeting.representative_absent
               or meeting.representative_probability < _STANDBY_BELOW)
    summary = (f"Standby: {council} – your representative is likely unavailable" if standby
               else f"{council} (for information: your representative is expected)")
    return OutgoingEvent(uid, meeting.start, meeting.end, summary, status=status,
                         transparent=not standby, sequence=meeting.sequence, location=venue,
                         stamp=meeting.updated_at)


def member_feed(member: Member, council: str, venue: str | None, meetings: Sequence[FeedMeeting],
                now: dt.datetime) -> bytes:
    """The member's feed as iCalendar bytes; the same inputs give the same bytes."""
    shown = [m for m in meetings
             if m.status != "cancelled" or m.end > now - _KEEP_CANCELLED]
    events = [_event(m, member, council, venue) for m in sorted(shown, key=lambda m: m.start)]
    latest = max((m.updated_at for m in shown), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    return write_calendar(events, name=f"{council} – {member.name}", stamp=latest,
                          refresh=dt.timedelta(hours=1))
