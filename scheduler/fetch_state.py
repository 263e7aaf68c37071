"""How fetching calendar URLs went, kept between refreshes: per calendar the validators of
the kept answer, when it was last checked and its failures in a row; per host the
failures in a row and when it may be tried again (it backs off, doubling, up to a day).
Plain values and rules, known to every layer."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

__all__ = ["FAILING_AFTER", "FAILING_FOR", "FRESH_FOR", "FetchMark", "FetchState", "HostState",
           "backoff", "is_failing", "short_error", "source_key"]

FRESH_FOR = dt.timedelta(hours=1)  # a calendar checked this recently is not due again
FAILING_AFTER = 3  # failures in a row that flag a member's calendar
FAILING_FOR = dt.timedelta(hours=24)  # or failing this long
_FIRST_WAIT = dt.timedelta(minutes=5)
_LONGEST_WAIT = dt.timedelta(hours=24)
_ERROR_CHARS = 300


@dataclass(frozen=True)
class FetchState:
    """One calendar URL's fetching: ``source`` names the URL (``source_key``) that the kept
    content and its validators came from; ``failures`` in a row since ``failing_since``."""

    source: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    checked_at: dt.datetime | None = None
    failures: int = 0
    failing_since: dt.datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class FetchMark:
    """What a successful check of a URL leaves: its source key, the answer's validators
    and when it was checked."""

    source: str
    etag: str | None
    last_modified: str | None
    at: dt.datetime


@dataclass(frozen=True)
class HostState:
    """A host that failed: its failures in a row, the last error and when to try again."""

    host: str
    failures: int
    retry_at: dt.datetime
    last_error: str | None = None


def source_key(url: str) -> str:
    """A short fixed name of a URL (its SHA-256), to tell whether what is kept came from it
    without keeping the URL twice."""
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:32]


def backoff(failures: int) -> dt.timedelta:
    """How long a host waits after this many failures in a row: 5 minutes, doubling, at
    most a day."""
    if failures <= 0:
        return dt.timedelta(0)
    return min(_LONGEST_WAIT, _FIRST_WAIT * (1 << min(failures - 1, 20)))


def is_failing(failures: int, failing_since: dt.datetime | None, now: dt.datetime) -> bool:
    """A calendar keeps failing: three failures in a row, or failing for more than a day."""
    return failures >= FAILING_AFTER or (
        failures > 0 and failing_since is not None and now - failing_since > FAILING_FOR)


def short_error(error: str) -> str:
    """An error on one line, at most 300 characters (fetch errors already name the URL
    without its secrets and never quote what a server sent)."""
    line = " ".join(error.split())
    return line if len(line) <= _ERROR_CHARS else line[:_ERROR_CHARS - 1] + "…"
