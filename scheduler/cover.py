"""Who covers a party at a confirmed meeting once members have said they cannot come:
the representative, else the first substitute who has not said so, else nobody."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .council import Party
from .statements import Statement, newest_status

__all__ = ["Cover", "cover", "says_absent"]

_ABOUT_MEETINGS = frozenset({"absence", "absent", "coming"})


def says_absent(statements: Sequence[Statement], start: dt.datetime, end: dt.datetime, *,
                notice: bool = False) -> bool:
    """Whether a member's newest absence or answer over [start, end) says they cannot
    come; without one, whether a notice of absence was recorded for them."""
    newest = newest_status([s for s in statements if s.word in _ABOUT_MEETINGS], start, end)
    if newest is None:
        return notice
    return newest.word != "coming"


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
