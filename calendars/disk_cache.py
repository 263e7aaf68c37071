"""Ingestion results kept on disk by content hash, so unchanged calendars are read once.

Only what leaves the ingestion layer anyway is stored: busy intervals (start, end,
status, UID), the last one-off interval and warnings. One small JSON file per calendar and query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path

from .ingest import IngestCache
from .model import BusyCalendar, BusyInterval, BusyStatus, IngestWarning

__all__ = ["DiskCache"]

_FORMAT = 3  # bump when what is stored, or how calendars are read, changes


class DiskCache(IngestCache):
    """An in-memory cache backed by a folder of JSON files."""

    def __init__(self, folder: str | Path, size: int = 256):
        super().__init__(size)
        self.folder = Path(folder)

    def _path(self, key: tuple[object, ...]) -> Path:
        name = hashlib.sha256(repr((_FORMAT, *key)).encode()).hexdigest()
        return self.folder / name[:2] / f"{name}.json"

    def get(self, key: tuple[object, ...]) -> BusyCalendar | None:
        """From memory, else from disk (a damaged file counts as a miss)."""
        found = super().get(key)
        if found is not None:
            return found
        try:
            raw = json.loads(self._path(key).read_text(encoding="utf-8"))
            last = raw["last_one_off"]
            found = BusyCalendar(
                tuple(_interval(*row) for row in raw["intervals"]),
                tuple(IngestWarning(m, u, n) for m, u, n in raw["warnings"]),
                raw["content_hash"], None if last is None else _interval(*last))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        super().put(key, found)
        return found

    def put(self, key: tuple[object, ...], value: BusyCalendar) -> None:
        """Keep in memory and write to disk atomically; a full disk is not an error."""
        super().put(key, value)
        path = self._path(key)
        document = {"content_hash": value.content_hash,
                    "intervals": [_row(i) for i in value.intervals],
                    "warnings": [[w.message, w.uid, w.line] for w in value.warnings],
                    "last_one_off": None if value.last_one_off is None else _row(value.last_one_off)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False,
                                             encoding="utf-8", suffix=".tmp") as handle:
                json.dump(document, handle)
            os.replace(handle.name, path)
        except OSError:
            return


def _row(interval: BusyInterval) -> list[object]:
    """An interval as stored: start, end, status, UID, recurring."""
    return [interval.start.isoformat(), interval.end.isoformat(), interval.status.value,
            interval.uid, interval.recurring]


def _interval(start: str, end: str, status: str, uid: str, recurring: object) -> BusyInterval:
    """An interval from its stored row."""
    return BusyInterval(dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end),
                        BusyStatus(status), uid, bool(recurring))
