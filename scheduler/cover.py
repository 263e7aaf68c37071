"""Who covers a party at a confirmed meeting once members have said they cannot come:
the representative, else the first substitute who has not said so, else nobody.

What members say after a meeting's answers have closed is kept, but does not change who
covers the party (``says_absent``'s ``before``); ``said_late`` finds such a statement so
that the secretary can see it. Mail about the cover tells the net change once it has
settled: ``secretary_news`` and ``representative_news`` say what to tell, given what the
person was last told and what is true now (a substitute called in or released is told as
every change of a member's own state is, ``member_states.state_news``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .council import Council, Party
from .deadlines import answer_deadline
from .records import MeetingRecord
from .statements import Statement, newest_status

__all__ = [
    "REPRESENTATIVE",
    "UNCOVERED",
    "Cover",
    "RepresentativeNews",
    "SecretaryNews",
    "answers_closed_at",
    "cover",
    "late_absences",
    "news_due",
    "representative_news",
    "said_late",
    "says_absent",
    "secretary_news",
    "substitute_state",
]

_ABOUT_MEETINGS = frozenset({"absence", "absent", "coming"})

# a party's cover as told to the secretary: one of these, or substitute_state(member id)
REPRESENTATIVE = "representative"
UNCOVERED = "uncovered"
_SUBSTITUTE = "substitute:"

SecretaryNews = Literal["called_in", "uncovered", "covered_again"]
RepresentativeNews = Literal["called_in", "uncovered"]


def says_absent(statements: Sequence[Statement], start: dt.datetime, end: dt.datetime, *,
                notice: bool = False, before: dt.datetime | None = None) -> bool:
    """Whether a member's newest absence or answer over [start, end) says they cannot
    come; without one, whether a notice of absence was recorded for them. With
    ``before``, only statements made before that moment count."""
    newest = newest_status([s for s in statements if s.word in _ABOUT_MEETINGS
                            and (before is None or s.made_at < before)], start, end)
    if newest is None:
        return notice
    return newest.word != "coming"


def said_late(statements: Sequence[Statement], start: dt.datetime, end: dt.datetime,
              before: dt.datetime) -> bool:
    """Whether a member's newest absence or answer over [start, end) says they cannot
    come and was made at or after ``before`` (once the meeting's answers had closed), so
    that it called nobody in."""
    newest = newest_status([s for s in statements if s.word in _ABOUT_MEETINGS], start, end)
    return newest is not None and newest.word != "coming" and newest.made_at >= before


def answers_closed_at(meeting: MeetingRecord, council: Council) -> dt.datetime:
    """From when members' own word no longer changes who covers a meeting: its answer
    deadline, or its confirmation or last move when that came later."""
    return max(answer_deadline(meeting.start, council.answer_days, council.timezone),
               meeting.updated_at)


def late_absences(council: Council, member_ids: Iterable[str],
                  meetings: Sequence[MeetingRecord],
                  said: Mapping[str, Sequence[Statement]]) -> set[tuple[str, str]]:
    """(meeting id, member id) of the members who said they cannot come to a confirmed
    meeting only once its answers had closed: kept, shown to the secretary, nobody called."""
    found: set[tuple[str, str]] = set()
    for meeting in meetings:
        if meeting.status != "confirmed":
            continue
        closed = answers_closed_at(meeting, council)
        for member_id in member_ids:
            if said_late(said.get(member_id, ()), meeting.start, meeting.end, closed):
                found.add((meeting.id, member_id))
    return found


@dataclass(frozen=True)
class Cover:
    """A party at a meeting: the substitute called in (by position), whether nobody can
    come, and the positions of the members who said they cannot."""

    called: int | None
    uncovered: bool
    absent: tuple[int, ...]


def cover(party: Party, absent: Mapping[int, bool]) -> Cover:
    """Who covers ``party`` given which member positions said they cannot come."""
    gone = tuple(i for i in range(len(party.members)) if absent.get(i, False))
    representative = party.members.index(party.representative)
    if representative not in gone:
        return Cover(None, False, gone)
    for i, member in enumerate(party.members):
        if member.role == "substitute" and i not in gone:
            return Cover(i, False, gone)
    return Cover(None, True, gone)


def substitute_state(member_id: str) -> str:
    """A party's cover when the substitute ``member_id`` is called in."""
    return _SUBSTITUTE + member_id


def secretary_news(told: str | None, now: str) -> SecretaryNews | None:
    """What to tell the secretary about a party's cover, last told ``told`` (None: nothing
    yet, the representative comes) and ``now``: nothing when it is what they were told,
    and nothing when a substitute is released for the representative (as ever)."""
    told = told or REPRESENTATIVE
    if now == told:
        return None
    if now == UNCOVERED:
        return "uncovered"
    if now.startswith(_SUBSTITUTE):
        return "called_in"
    return "covered_again" if told == UNCOVERED else None


def representative_news(told: str | None, now: str) -> RepresentativeNews | None:
    """What to tell a representative about their party's cover, last told ``told`` (None:
    nothing yet, they come) and ``now``: their substitute called in, or nobody to represent
    the party; nothing when it is what they were told, and nothing when they come again
    (that is their own word). What they know is ``now`` in every case."""
    if now == (told or REPRESENTATIVE):
        return None
    if now == UNCOVERED:
        return "uncovered"
    if now.startswith(_SUBSTITUTE):
        return "called_in"
    return None


def news_due(at: dt.datetime, first_untold: dt.datetime | None, quiet: dt.timedelta,
             longest: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
    """When the news of a change at ``at`` is told, and from when its wait counts: once
    ``quiet`` has passed without another change, but no later than ``longest`` after the
    first change not yet told (``first_untold``, None when nothing waits)."""
    first = first_untold or at
    return min(at + quiet, first + longest), first
