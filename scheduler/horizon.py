"""Beyond a calendar's horizon (MODEL.md): where a calendar stops speaking, and what the
member's own weekday × time-of-day habits say after that.

A calendar speaks up to its horizon: a declared date, else the end of its latest one-off
(non-recurring) busy interval. Recurring series go on and are read as they are. For a
slot after the horizon that meets no recurring interval, q is learned from the covered
weeks before the horizon: in how many of them the same weekday and clock-time window
was taken by a one-off interval (tentative counts a half), smoothed toward 30 % by a
Beta prior of two pseudo-weeks.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from calendars import BusyInterval

from .council import Weights

if TYPE_CHECKING:
    from .availability import Overlaps

__all__ = ["HISTORY", "Habit", "Horizon", "calendar_horizon", "habits", "horizon_until",
           "missing_history", "pattern_q", "recurring_only", "whole_calendar"]

MAX_WEEKS = 26
MIN_WEEKS = 4
PRIOR_WEEKS = 2.0
PRIOR_SHARE = 0.3
_WEEK = dt.timedelta(weeks=1)
HISTORY = dt.timedelta(weeks=MAX_WEEKS + 1)
"""How long before a period calendars are read, so that one that stops speaking in it has
its covered weeks to learn habits from."""


@dataclass(frozen=True)
class Horizon:
    """Where a member's calendar stops speaking, and the weeks its habits are learned from.

    ``until`` is None when the calendar speaks everywhere (no one-off events and nothing
    declared). ``weeks`` are the Mondays (local) of the covered whole weeks, oldest first.
    """

    until: dt.datetime | None
    declared: bool
    weeks: tuple[dt.date, ...] = ()

    @property
    def learns(self) -> bool:
        """True when enough weeks are covered to learn habits from (at least four)."""
        return len(self.weeks) >= MIN_WEEKS

    def last_day(self, zone: str) -> dt.date | None:
        """The last day (local in ``zone``) the calendar speaks of; None when it speaks of
        every day."""
        if self.until is None:
            return None
        return (self.until - dt.timedelta(microseconds=1)).astimezone(zoneinfo.ZoneInfo(zone)).date()


@dataclass(frozen=True)
class Habit:
    """How often a weekday's part of the day was taken in the covered weeks."""

    weekday: int  # 0 Monday
    part: str  # "morning" (08-12) or "afternoon" (13-17)
    busy_weeks: float  # tentative counts a half
    weeks: int


def _local_midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def horizon_until(intervals: Sequence[BusyInterval], declared: dt.date | None,
                  zone: str) -> dt.datetime | None:
    """Where a calendar stops speaking: the end of the declared day, else the end of its
    latest one-off (non-recurring) busy interval; None when it speaks everywhere."""
    if declared is not None:
        return _local_midnight(declared + dt.timedelta(days=1), zoneinfo.ZoneInfo(zone))
    return max((i.end for i in intervals if not i.recurring and i.end > i.start), default=None)


def missing_history(intervals: Sequence[BusyInterval], last: BusyInterval | None,
                    declared: dt.date | None, zone: str, start: dt.datetime, end: dt.datetime,
                    *, beyond: bool = True) -> list[tuple[dt.datetime, dt.datetime]]:
    """What more to read of a calendar read over [start, end) (``intervals``) so that its
    horizon and habits are the whole calendar's, not the window's: the parts of the half
    year before its horizon that the window missed. ``last`` is the whole calendar's last
    one-off interval (wherever it lies: the horizon is where the calendar stops speaking,
    not where the window stops); ``declared`` overrides it.

    ``beyond``: also the weeks before a horizon after the window, which only the habits
    shown of every calendar need (no slot of the window lies after such a horizon, so the
    window's statuses and probabilities are the same without them).
    """
    until = horizon_until([*intervals, *([last] if last else [])], declared, zone)
    if until is None:
        return []
    ranges = [(until - HISTORY, min(until, start))]
    if beyond:
        ranges.append((max(end, until - HISTORY), until))
    return [(begin, finish) for begin, finish in ranges if begin < finish]


def whole_calendar(intervals: Sequence[BusyInterval], last: BusyInterval | None,
                   more: Sequence[BusyInterval]) -> list[BusyInterval]:
    """A calendar's intervals read over a window, with its last one-off interval and what
    was read of ``missing_history``: sorted, each once. No status inside the window
    changes; its horizon and habits become the whole calendar's."""
    return sorted({*intervals, *([last] if last else []), *more},
                  key=lambda i: (i.start, i.end, i.status.rank, i.uid))


def calendar_horizon(intervals: Sequence[BusyInterval], declared: dt.date | None,
                     zone: str) -> Horizon:
    """The member's horizon: the end of the declared day, else the end of the latest
    one-off busy interval; and the covered whole weeks before it (at most the latest 26,
    none before the week of the calendar's first interval)."""
    tz = zoneinfo.ZoneInfo(zone)
    until = horizon_until(intervals, declared, zone)
    if until is None:
        return Horizon(None, False)
    if not intervals:
        return Horizon(until, declared is not None)
    first = min(i.start for i in intervals).astimezone(tz).date()
    first_monday = first - dt.timedelta(days=first.weekday())
    last_day = until.astimezone(tz).date()
    # whole weeks that end at or before the horizon
    end_monday = last_day - dt.timedelta(days=last_day.weekday())
    if _local_midnight(end_monday, tz) + _WEEK > until:
        end_monday -= dt.timedelta(weeks=1)
    weeks: list[dt.date] = []
    monday = end_monday
    while monday >= first_monday and len(weeks) < MAX_WEEKS:
        weeks.append(monday)
        monday -= dt.timedelta(weeks=1)
    return Horizon(until, declared is not None, tuple(reversed(weeks)))


def _taken(one_offs: Overlaps, starts: npt.NDArray[np.float64],
           ends: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Per window: 1 when a busy or out-of-office one-off overlaps it, 0.5 for only a
    tentative one, else 0."""
    codes = one_offs.status(starts, ends)
    return np.select([codes >= 2, codes == 1], [1.0, 0.5], 0.0)


def _one_offs(intervals: Sequence[BusyInterval]) -> Overlaps:
    from .availability import Overlaps  # one overlap rule for the whole package

    return Overlaps([i for i in intervals if not i.recurring])


def _local_weekday_and_clock(starts: npt.NDArray[np.float64], tz: zoneinfo.ZoneInfo
                             ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Weekday (0 Monday) and seconds after local midnight of each instant (seconds since
    the epoch); the zone's offset is taken once a day, at noon (meetings are daytime)."""
    days = np.floor(starts / 86400)
    unique, which = np.unique(days, return_inverse=True)
    noon = dt.datetime(1970, 1, 1, 12, tzinfo=tz)
    offsets = np.array([((noon + dt.timedelta(days=float(d))).utcoffset() or dt.timedelta())
                        .total_seconds() for d in unique.tolist()])
    local = starts + offsets[which.ravel()]
    return (np.floor(local / 86400) + 3) % 7, np.round(local % 86400)  # 1 Jan 1970: Thursday


def pattern_q(intervals: Sequence[BusyInterval], horizon: Horizon,
              starts: npt.NDArray[np.float64], ends: npt.NDArray[np.float64], weights: Weights,
              zone: str) -> npt.NDArray[np.float64]:
    """MODEL.md's q for windows after the horizon: (1 − b)·q[free] + b·q[busy] with
    b = (c + 2·0.3) / (|W| + 2), c the covered weeks whose same weekday and clock window
    met a one-off interval; q[unknown] with fewer than four covered weeks. ``starts`` and
    ``ends`` are the windows in seconds since the epoch."""
    q = np.full(starts.size, weights.unknown)
    if not horizon.learns or not starts.size:
        return q
    tz = zoneinfo.ZoneInfo(zone)
    one_offs = _one_offs(intervals)
    weekdays, clocks = _local_weekday_and_clock(starts, tz)
    rows = np.stack([weekdays, clocks, ends - starts], axis=1)
    unique, which = np.unique(rows, axis=0, return_inverse=True)
    shapes: dict[tuple[int, dt.time, dt.timedelta], list[int]] = {}
    for number, (weekday, clock, length) in enumerate(unique.tolist()):
        second = int(clock)
        key = (int(weekday), dt.time(second // 3600, second % 3600 // 60, second % 60),
               dt.timedelta(seconds=length))
        shapes[key] = np.flatnonzero(which.ravel() == number).tolist()
    # every shape in every covered week, checked against the one-offs at once
    begins = np.array([dt.datetime.combine(monday + dt.timedelta(days=weekday), clock,
                                           tzinfo=tz).timestamp()
                       for weekday, clock, _length in shapes for monday in horizon.weeks])
    lengths = np.repeat([length.total_seconds() for _w, _c, length in shapes], len(horizon.weeks))
    counts = _taken(one_offs, begins, begins + lengths).reshape(len(shapes), -1).sum(axis=1)
    shares = (counts + PRIOR_WEEKS * PRIOR_SHARE) / (len(horizon.weeks) + PRIOR_WEEKS)
    for indices, share in zip(shapes.values(), shares.tolist(), strict=True):
        q[indices] = (1 - share) * weights.free + share * weights.busy
    return q


_PARTS = (("morning", dt.time(8), dt.time(12)), ("afternoon", dt.time(13), dt.time(17)))


def habits(intervals: Sequence[BusyInterval], horizon: Horizon, zone: str,
           at_least: float = 0.5) -> list[Habit]:
    """The weekday mornings and afternoons taken in at least ``at_least`` of the covered
    weeks, most often taken first (for explanations)."""
    if not horizon.learns:
        return []
    tz = zoneinfo.ZoneInfo(zone)
    one_offs = _one_offs(intervals)
    found = []
    for weekday in range(5):
        for part, begin, finish in _PARTS:
            starts = np.array([dt.datetime.combine(m + dt.timedelta(days=weekday), begin,
                                                   tzinfo=tz).timestamp() for m in horizon.weeks])
            length = (dt.datetime.combine(dt.date.min, finish)
                      - dt.datetime.combine(dt.date.min, begin)).total_seconds()
            count = float(_taken(one_offs, starts, starts + length).sum())
            if count >= at_least * len(horizon.weeks):
                found.append(Habit(weekday, part, count, len(horizon.weeks)))
    return sorted(found, key=lambda h: (-h.busy_weeks, h.weekday, h.part))


def recurring_only(intervals: Sequence[BusyInterval]) -> list[BusyInterval]:
    """The intervals of recurring series (and published plans), read beyond the horizon."""
    return [i for i in intervals if i.recurring]
