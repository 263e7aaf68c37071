"""Errors raised while reading calendars.

    CalendarError (ValueError)     a source that cannot be read as a calendar
    ├── CalendarLimitError         too large, or expands into too many occurrences
    └── CalendarFetchError         a calendar URL that could not be fetched

Every error says what is wrong and where: the source (file name or URL) and, when
known, the line number of the offending content line.
"""

from __future__ import annotations

__all__ = ["BEYOND_RANGE", "CalendarError", "CalendarFetchError", "CalendarLimitError"]

BEYOND_RANGE = "its times or length reach beyond what a calendar can hold (the years 1 to 9999)"
"""Why a component whose dates cannot be computed (they overflow) is refused."""


class CalendarError(ValueError):
    """A calendar that cannot be read; carries the source and line at fault."""

    def __init__(self, message: str, *, line: int | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.source = source

    def with_source(self, source: str) -> CalendarError:
        """Return this error with the name of its source filled in."""
        if self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        parts = [p for p in (self.source, f"line {self.line}" if self.line else None) if p]
        return ": ".join([*parts, self.message])


class CalendarLimitError(CalendarError):
    """A calendar over a configured limit (size, occurrences, expansion time)."""


class CalendarFetchError(CalendarError):
    """A calendar URL that could not be fetched (network, HTTP status, policy)."""
