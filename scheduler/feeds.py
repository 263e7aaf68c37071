"""What a member's iCal feed says about each meeting.

A representative sees the council's meetings as busy. A substitute sees a meeting as
*standby* (busy) when the representative is likely unavailable – predicted probability
under one half, or a notice of absence recorded – and otherwise as information only
(free). A substitute *called in* (the representative said they cannot come) sees the
meeting as theirs, and each call-in or release raises the event's SEQUENCE. Cancelled
meetings stay in the feed for 90 days, marked cancelled, so subscribed clients remove them.
The feed speaks Swedish, or English when asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from calendars.write import OutgoingEvent, write_calendar

from .council import Member

__all__ = ["FeedMeeting", "Part", "feed_event", "member_feed", "member_part"]

Part = Literal["representative", "called_in", "standby", "information"]

_STANDBY_BELOW = 0.5
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
    called_in: bool | None = None  # None: no one was called in; else: this member is (not)


@dataclass(frozen=True)
class _Words:
    """What a feed says, in one language."""

    representative: str
    substitute: str
    calendar: str  # {council}, {member}, {role}
    preliminary: str  # {council}
    standby: str  # {council}
    information: str  # {council}
    cancelled: str  # {summary}
    called_in: str  # {council}


_LANGUAGES = {
    "sv": _Words(
        representative="ledamot", substitute="ersättare",
        calendar="{council} – {member} ({role})",
        preliminary="{council} (preliminärt datum)",
        standby="Beredskap: {council} – din ledamot kan troligen inte komma",
        information="{council} (för kännedom: din ledamot väntas komma)",
        cancelled="Inställt: {summary}",
        called_in="Inkallad: {council} – du ersätter din ledamot"),
    "en": _Words(
        representative="representative", substitute="substitute",
        calendar="{council} – {member} ({role})",
        preliminary="{council} (preliminary date)",
        standby="Standby: {council} – your representative is likely unavailable",
        information="{council} (for information: your representative is expected)",
        cancelled="Cancelled: {summary}",
        called_in="Called in: {council} – you stand in for your representative"),
}


def _event(meeting: FeedMeeting, member: Member, council: str, venue: str | None,
           words: _Words) -> OutgoingEvent:
    uid = f"{meeting.id}@council-scheduler"
    if meeting.status == "proposed":
        return OutgoingEvent(uid, meeting.start, meeting.end,
                             words.preliminary.format(council=council), status="TENTATIVE",
                             sequence=meeting.sequence, location=venue, stamp=meeting.updated_at)
    part = member_part(meeting, member)
    summary = {"representative": council,
               "called_in": words.called_in.format(council=council),
               "standby": words.standby.format(council=council),
               "information": words.information.format(council=council)}[part]
    cancelled = meeting.status == "cancelled"
    if cancelled:
        summary = words.cancelled.format(summary=summary)
    return OutgoingEvent(uid, meeting.start, meeting.end, summary,
                         status="CANCELLED" if cancelled else "CONFIRMED",
                         transparent=part == "information",
                         sequence=meeting.sequence, location=venue, stamp=meeting.updated_at)


def member_part(meeting: FeedMeeting, member: Member) -> Part:
    """A member's part in a confirmed (or cancelled) meeting, as their feed and their mail
    about it say: the representative's; a substitute called in; one on standby (the
    representative likely cannot come: busy); or one told for information only (free)."""
    if member.role == "representative":
        return "representative"
    if meeting.called_in is not None:  # someone is called in: they are needed, no one else
        return "called_in" if meeting.called_in else "information"
    if meeting.representative_absent or meeting.representative_probability < _STANDBY_BELOW:
        return "standby"
    return "information"


def feed_event(meeting: FeedMeeting, member: Member, council: str, venue: str | None, *,
               language: str = "sv") -> OutgoingEvent:
    """The event a member's feed shows for a meeting (the same UID, SEQUENCE and words
    go into mail about it)."""
    return _event(meeting, member, council, venue, _LANGUAGES.get(language, _LANGUAGES["sv"]))


def member_feed(member: Member, council: str, venue: str | None, meetings: Sequence[FeedMeeting],
                now: dt.datetime, *, language: str = "sv") -> bytes:
    """The member's feed as iCalendar bytes, in Swedish (``"sv"``) or English (``"en"``).

    The same inputs give the same bytes. Raises ValueError for any other language.
    """
    words = _LANGUAGES.get(language)
    if words is None:
        raise ValueError(f"language {language!r} is not one of {', '.join(_LANGUAGES)}")
    shown = [m for m in meetings
             if m.status != "cancelled" or m.end > now - _KEEP_CANCELLED]
    events = [_event(m, member, council, venue, words)
              for m in sorted(shown, key=lambda m: m.start)]
    latest = max((m.updated_at for m in shown), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    role = words.representative if member.role == "representative" else words.substitute
    name = words.calendar.format(council=council, member=member.name, role=role)
    return write_calendar(events, name=name, stamp=latest, refresh=dt.timedelta(hours=1))
