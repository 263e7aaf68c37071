"""What reading one calendar may cost: occurrences counted, and a wall-clock deadline that
also holds inside the recurrence libraries' own loops."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

from .errors import CalendarLimitError

__all__ = ["Budget"]

T = TypeVar("T")


class _OutOfTime(BaseException):
    """Raised into library code when the deadline has passed; not an Exception, so that
    the libraries' own handlers pass it on."""


class Budget:
    """Occurrences and seconds one calendar may spend; raises when either runs out.

    The seconds are wall-clock time from the budget's making, checked in every loop over
    occurrences and, through :meth:`within`, in every function the recurrence libraries
    call, so a rule they walk without ever yielding still stops at the deadline.
    """

    def __init__(self, max_occurrences: int, max_seconds: float):
        self.max_occurrences = max_occurrences
        self.deadline = time.monotonic() + max_seconds
        self.max_seconds = max_seconds
        self.per_series: Counter[str] = Counter()
        self.total = 0

    def spend(self, uid: str) -> None:
        """Count one occurrence of series ``uid``; raise past either limit."""
        self.per_series[uid] += 1
        self.total += 1
        if self.total > self.max_occurrences:
            worst, count = self.per_series.most_common(1)[0]
            raise CalendarLimitError(
                f"more than {self.max_occurrences:,} occurrences in the window; "
                f"series {worst!r} alone has {count:,} or more"
            )
        self.check_time(uid)

    def check_time(self, uid: str | None = None) -> None:
        """Raise when the calendar has run past its time, naming series ``uid`` if given."""
        if time.monotonic() > self.deadline:
            raise self.out_of_time(uid)

    def out_of_time(self, uid: str | None) -> CalendarLimitError:
        """The error of a calendar that ran past its time while expanding ``uid``."""
        if uid is None:
            return CalendarLimitError(
                f"expanding the calendar took longer than {self.max_seconds:g} s")
        return CalendarLimitError(
            f"series {uid!r}: expanding its recurrence took longer than the "
            f"{self.max_seconds:g} s a calendar may take")

    def within(self, uid: str | None, work: Callable[[], T]) -> T:
        """``work()``, with the deadline checked at every Python function call it makes
        (the libraries' included); past it, CalendarLimitError naming series ``uid``."""
        self.check_time(uid)
        previous = sys.gettrace()
        sys.settrace(self._check)
        try:
            return work()
        except _OutOfTime:
            pass  # raised below, once the trace is undone
        finally:
            sys.settrace(previous)  # a C call: the trace function is not asked again here
        raise self.out_of_time(uid)

    def _check(self, _frame: FrameType, _event: str, _arg: Any) -> None:
        """The trace function: calls only (no tracing inside a frame), so it costs little."""
        if time.monotonic() > self.deadline:
            raise _OutOfTime
