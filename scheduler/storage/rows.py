"""Small helpers shared by the repositories."""

from __future__ import annotations

import datetime as dt

__all__ = ["aware", "now"]


def now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC time (SQLite hands back naive UTC, PostgreSQL aware)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
