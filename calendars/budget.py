"""What reading one calendar may cost: occurrences counted, and a wall-clock deadline that
also holds inside the parsing and recurrence libraries' own loops."""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import CalendarLimitError

__all__ = ["Budget"]

T = TypeVar("T")
_AGAIN_S = 0.01


class _OutOfTime(BaseException):
    """Raised into the reading thread when its deadline has passed; not an Exception, so
    that the libraries' own handlers pass it on."""


class _Alarm:
    """Raises _OutOfTime in the thread that made it from the deadline on, until stopped.
    Python code anywhere in that thread (the libraries' loops included) stops at its next
    instruction; before the deadline nothing runs in that thread, so it costs nothing. It
    rings again every ``_AGAIN_S`` in case it was raised inside a callback (a weak
    reference's, a destructor's) that could only swallow it."""

    def __init__(self, deadline: float):
        self._thread = threading.get_ident()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._rang = False
        threading.Thread(target=self._ring, args=(deadline,), daemon=True,
                         name="calendar-deadline").start()

    def _ring(self, deadline: float) -> None:
        wait = max(0.0, deadline - time.monotonic())
        while not self._stopped.wait(wait):
            with self._lock:
                if self._stopped.is_set():
                    return
                self._rang = True
                _raise_in(self._thread, _OutOfTime)
            wait = _AGAIN_S

    def stop(self) -> None:
        """Stop ringing; one rung but not yet raised is taken back."""
        self._stopped.set()
        with self._lock:
            if self._rang:
                _raise_in(self._thread, None)


def _raise_in(thread: int, error: type[BaseException] | None) -> None:
    """Have ``thread`` raise ``error`` at its next instruction (None: not any more)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), ctypes.py_object(error) if error else ctypes.c_void_p(None))


class Budget:
    """Occurrences and seconds one calendar may spend; raises when either runs out.

    The seconds are wall-clock time from the budget's making. Loops over occurrences
    check them; :meth:`watch` holds them for everything else, however long a library
    works without returning. ``current`` is the series being read, named when the time
    runs out.
    """

    def __init__(self, max_occurrences: int, max_seconds: float):
        self.max_occurrences = max_occurrences
        self.deadline = time.monotonic() + max_seconds
        self.max_seconds = max_seconds
        self.per_series: Counter[str] = Counter()
        self.total = 0
        self.current: str | None = None

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
        self.check_time()

    def apart(self) -> Budget:
        """A budget that counts no occurrences of its own against any limit but runs out of
        time with this one (for reading that cannot multiply occurrences)."""
        other = Budget(sys.maxsize, self.max_seconds)
        other.deadline = self.deadline
        return other

    def check_time(self) -> None:
        """Raise when the calendar has run past its time."""
        if time.monotonic() > self.deadline:
            raise self.out_of_time()

    def out_of_time(self) -> CalendarLimitError:
        """The error of a calendar that ran past its time (naming the series it was at)."""
        if self.current is None:
            return CalendarLimitError(f"reading the calendar took longer than the "
                                      f"{self.max_seconds:g} s it may take")
        return CalendarLimitError(f"series {self.current!r}: reading it took the calendar "
                                  f"past the {self.max_seconds:g} s it may take")

    def watch(self, work: Callable[[], T]) -> T:
        """``work()``, stopped wherever it is when the deadline passes: CalendarLimitError."""
        self.check_time()
        _quiet_when_swallowed()
        alarm = _Alarm(self.deadline)
        try:
            try:
                return work()
            finally:
                alarm.stop()
        except _OutOfTime:
            alarm.stop()  # it may have been raised inside the first ``stop``: now it is quiet
        raise self.out_of_time()


def _quiet_when_swallowed() -> None:
    """Have Python say nothing of an _OutOfTime raised where it could only be swallowed
    (the alarm rings again); every other such exception is reported as before."""
    previous = sys.unraisablehook
    if getattr(previous, "calendar_deadline", False):
        return

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, _OutOfTime):
            previous(unraisable)

    hook.calendar_deadline = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook
