"""Where calendars come from: a file path or a subscription URL, and the process's cache
of calendars already read."""

from __future__ import annotations

import os
from pathlib import Path

from calendars import IngestCache
from calendars.disk_cache import DiskCache
from calendars.fetch import FetchPolicy, fetch_calendar

from .errors import InputError
from .validation import is_calendar_url

__all__ = ["calendar_bytes", "ingest_cache", "reset_ingest_cache"]


def calendar_bytes(source: str, policy: FetchPolicy | None = None) -> bytes:
    """The bytes of a calendar file or URL."""
    if is_calendar_url(source):
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


class _Caches:
    """The one ingestion cache of this process, made on first use."""

    current: IngestCache | None = None


def ingest_cache() -> IngestCache:
    """The cache for this process: on disk under the user's cache folder, unless
    ``SCHEDULER_CACHE_DIR`` names another folder or is ``off``."""
    if _Caches.current is None:
        setting = os.environ.get("SCHEDULER_CACHE_DIR", "")
        if setting.lower() == "off":
            _Caches.current = IngestCache()
        else:
            base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            _Caches.current = DiskCache(setting or Path(base) / "council-scheduler" / "busy")
    return _Caches.current


def reset_ingest_cache() -> None:
    """Forget this process's cache; the next use reads ``SCHEDULER_CACHE_DIR`` again."""
    _Caches.current = None
