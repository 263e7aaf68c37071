"""What a member's iCal feed says about each meeting.

Each member sees a confirmed meeting as their state in it says (``member_states``): a
representative expected to come, and a substitute called in or on *standby* (the
representative likely cannot come), see busy time; a substitute told for information
only (the representative is expected), and anyone who said they cannot come (shown as
their own notice), see free time. The SEQUENCE is the one the member was last shown
(``member_states.next_version``): it rises whenever what they are shown changes.
Cancelled meetings stay in the feed for 90 days, marked cancelled, so subscribed clients
remove them. The feed speaks Swedish, or English when asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from calendars.write import OutgoingEvent, write_calendar

from .council import Member, Role
from .member_states import BUSY_STATES, MemberState, member_state

__all__ = ["FeedMeeting", "feed_event", "member_feed"]

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
    absent: bool = False  # the member said they cannot come (answer, absence or notice)

    def state(self, role: Role) -> MemberState:
        """The state of a member with this role in the meeting (``member_state``)."""
        return member_state(role, cancelled=self.status == "cancelled",
                            absent=self.absent, called_in=self.called_in,
                            representative_absent=self.representative_absent,
                            representative_probability=self.representative_probability)


@dataclass(frozen=True)
class _Words:
    """What a feed says, in one language."""

    representative: str
    substitute: str
    calendar: str  # {council}, {member}, {role}
    preliminary: str  # {council}
    standby: str  # {council}
    informed: str  # {council}
    informed_other: str  # {council}: another substitute is called in
    absent: str  # {council}
    cancelled: str  # {summary}
    called_in: str  # {council}


_LANGUAGES = {
    "sv": _Words(
        representative="ledamot", substitute="ersättare",
        calendar="{council} – {member} ({role})",
        preliminary="{council} (preliminärt datum)",
        standby="Beredskap: {council} – din ledamot kan troligen inte komma",
        informed="{council} (för kännedom: din ledamot väntas komma)",
        informed_other="{council} (för kännedom: en annan ersättare är inkallad)",
        absent="{council} (du har meddelat förhinder)",
        cancelled="Inställt: {summary}",
        called_in="Inkallad: {council} – du ersätter din ledamot"),
    "en": _Words(
        representative="representative", substitute="substitute",
        calendar="{council} – {member} ({role})",
        preliminary="{council} (preliminary date)",
        standby="Standby: {council} – your representative is likely unavailable",
        informed="{council} (for information: your representative is expected)",
        informed_other="{council} (for information: another substitute is called in)",
        absent="{council} (you sent your apologies)",
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
    if meeting.status == "cancelled":  # the same for everyone, whatever their part was
        return OutgoingEvent(uid, meeting.start, meeting.end,
                             words.cancelled.format(summary=council), status="CANCELLED",
                             transparent=True, sequence=meeting.sequence, location=venue,
                             stamp=meeting.updated_at)
    state = meeting.state(member.role)
    summary = {"expected": council,
               "called_in": words.called_in.format(council=council),
               "standby": words.standby.format(council=council),
               "informed": (words.informed_other if meeting.called_in is False
                            else words.informed).format(council=council),
               "absent": words.absent.format(council=council)}[state]
    return OutgoingEvent(uid, meeting.start, meeting.end, summary, status="CONFIRMED",
                         transparent=state not in BUSY_STATES,
                         sequence=meeting.sequence, location=venue, stamp=meeting.updated_at)


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
