"""The values that leave the ingestion layer: busy intervals and warnings, nothing else."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

__all__ = ["BusyCalendar", "BusyInterval", "BusyStatus", "IngestWarning"]


class BusyStatus(enum.StrEnum):
    """How strongly an interval blocks its owner, weakest first."""

    TENTATIVE = "tentative"
    BUSY = "busy"
    OOF = "oof"

    @property
    def rank(self) -> int:
        """Order of strength: oof > busy > tentative."""
        return _RANK[self]


_RANK = {BusyStatus.TENTATIVE: 1, BusyStatus.BUSY: 2, BusyStatus.OOF: 3}


@dataclass(frozen=True, slots=True, order=True)
class BusyInterval:
    """One stretch of time in which a calendar's owner is not free.

    ``start`` and ``end`` are timezone-aware; ``end`` may equal ``start`` for an event
    of zero length. ``uid`` names the event (or free/busy component) it came from;
    ``recurring`` says that it is an occurrence of a recurring series (RRULE or RDATE),
    which goes on past what a calendar publishes of one-off events.
    """

    start: dt.datetime
    end: dt.datetime
    status: BusyStatus
    uid: str
    recurring: bool = False

    def as_json(self) -> dict[str, str]:
        """The interval as the JSON object of the ``scheduler busy`` contract."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status.value,
            "uid": self.uid,
        }


@dataclass(frozen=True, slots=True)
class IngestWarning:
    """Something skipped or guessed while reading a calendar that was otherwise good."""

    message: str
    uid: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ", ".join(
            p for p in (f"line {self.line}" if self.line else None,
                        f"UID {self.uid}" if self.uid else None) if p
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class BusyCalendar:
    """The result of reading one calendar over one window.

    ``last_one_off`` is the calendar's non-recurring busy interval (of positive length)
    that ends last, wherever it lies, in the window or not: where the calendar stops
    publishing one-off events. None when it has none.
    """

    intervals: tuple[BusyInterval, ...]
    warnings: tuple[IngestWarning, ...]
    content_hash: str
    last_one_off: BusyInterval | None = None
