"""What members say themselves (MODEL.md): absences, poll answers and answers to confirmed
meetings, as statuses over the spans they cover; the newest statement that overlaps a
slot decides that slot's status, over the member's calendar, habits or lack of one.

A statement speaks of the slot itself, travel not added: a member who answers "yes" to a
slot has counted their own journey.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["ANSWER_STATUS", "MEETING_ANSWERS", "POLL_ANSWERS", "Statement", "absence_span",
           "apply_statements", "newest_status"]

POLL_ANSWERS = ("yes", "if_need_be", "no")
MEETING_ANSWERS = ("coming", "absent")
# a statement's word -> the status code of ``availability`` (0 free, 1 tentative, 3 oof)
ANSWER_STATUS = {"yes": 0, "if_need_be": 1, "no": 3, "coming": 0, "absent": 3, "absence": 3}


@dataclass(frozen=True)
class Statement:
    """A member's own word over [start, end): ``word`` is a poll answer, a meeting answer
    or ``absence``; ``made_at`` orders statements (the newest decides)."""

    start: dt.datetime
    end: dt.datetime
    word: str
    made_at: dt.datetime

    @property
    def code(self) -> int:
        """The status code it states: 0 free, 1 tentative, 3 oof."""
        return ANSWER_STATUS[self.word]


def absence_span(first: dt.date, last: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """An absence from ``first`` through ``last`` (local dates, inclusive) as a time span."""
    tz = zoneinfo.ZoneInfo(zone)
    return (dt.datetime.combine(first, dt.time(), tz),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz))


def apply_statements(statements: Sequence[Statement], starts: npt.NDArray[np.float64],
                     ends: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int8],
                                                             npt.NDArray[np.bool_]]:
    """Per slot [start, end) (epoch seconds): the status code the newest overlapping
    statement gives, and whether any statement overlaps it at all."""
    codes = np.zeros(starts.size, dtype=np.int8)
    said = np.zeros(starts.size, dtype=np.bool_)
    for statement in sorted(statements, key=lambda s: s.made_at):
        hit = (starts < statement.end.timestamp()) & (ends > statement.start.timestamp())
        codes[hit] = statement.code
        said |= hit
    return codes, said


def newest_status(statements: Sequence[Statement], start: dt.datetime,
                  end: dt.datetime) -> Statement | None:
    """The newest statement overlapping [start, end), or None."""
    found = [s for s in statements if s.start < end and s.end > start]
    return max(found, key=lambda s: s.made_at) if found else None
