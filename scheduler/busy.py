"""``scheduler busy``: one calendar (file or URL) as busy intervals, JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import zoneinfo
from pathlib import Path

from calendars import BusyCalendar, IngestCache, read_busy
from calendars.disk_cache import DiskCache
from calendars.fetch import FetchPolicy, fetch_calendar

from .errors import InputError

__all__ = ["calendar_bytes", "read_source"]

_URL_PREFIXES = ("http://", "https://", "webcal://", "webcals://")


def is_url(source: str) -> bool:
    """True for a calendar source that is a URL rather than a file path."""
    return source.lower().startswith(_URL_PREFIXES)


def calendar_bytes(source: str, policy: FetchPolicy | None = None) -> bytes:
    """The bytes of a calendar file or URL."""
    if is_url(source):
        return fetch_calendar(source, policy=policy or FetchPolicy.from_env()).content
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a calendar file", source=source) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=source) from None


def ingest_cache() -> IngestCache:
    """The cache for this process: on disk under the user's cache folder, unless
    ``SCHEDULER_CACHE_DIR`` names another folder or is ``off``."""
    global _CACHE  # noqa: PLW0603 - one cache per process, made on first use
    if _CACHE is None:
        setting = os.environ.get("SCHEDULER_CACHE_DIR", "")
        if setting.lower() == "off":
            _CACHE = IngestCache()
        else:
            base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            _CACHE = DiskCache(setting or Path(base) / "council-scheduler" / "busy")
    return _CACHE


_CACHE: IngestCache | None = None


def reset_ingest_cache() -> None:
    """Forget this process's cache; the next use reads ``SCHEDULER_CACHE_DIR`` again."""
    global _CACHE  # noqa: PLW0603 - see ingest_cache
    _CACHE = None


def read_source(source: str, start: dt.date, end: dt.date, zone: zoneinfo.ZoneInfo,
                email: str | None = None) -> BusyCalendar:
    """Busy intervals of a calendar source over [start, end) at midnight in ``zone``."""
    if end <= start:
        raise InputError("must be after --from", field="--to")
    begin = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    finish = dt.datetime.combine(end, dt.time(), tzinfo=zone)
    return read_busy(calendar_bytes(source), begin, finish, zone=zone, email=email,
                     source=source, cache=ingest_cache())


def busy_json(calendar: BusyCalendar) -> str:
    """The ``scheduler busy`` JSON document."""
    return json.dumps([i.as_json() for i in calendar.intervals], indent=2, ensure_ascii=False)
