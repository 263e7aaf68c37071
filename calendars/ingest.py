"""Calendar bytes to busy intervals over a window: the one entry point of ingestion."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from .decode import decode, unfold
from .errors import CalendarError
from .expand import Budget, expand_events
from .freebusy import freebusy_intervals
from .layout import scan
from .model import BusyCalendar, BusyInterval, IngestWarning
from .one_offs import last_one_off
from .parse import parse
from .sanitize import SanitizedCalendar, sanitize

__all__ = ["IngestCache", "Limits", "busy_time_calendar", "read_busy"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one calendar may cost to read."""

    max_bytes: int = 10_000_000
    max_occurrences: int = 50_000
    max_seconds: float = 30.0


class IngestCache:
    """Results by content hash and query, so unchanged bytes are not read twice."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[tuple[object, ...], BusyCalendar] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> BusyCalendar | None:
        """The stored result for ``key``, marked as recently used."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], value: BusyCalendar) -> None:
        """Store a result, evicting the least recently used beyond ``size``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every stored result."""
        with self._lock:
            self._items.clear()


DEFAULT_CACHE = IngestCache()


def content_hash(data: bytes) -> str:
    """The SHA-256 of calendar bytes, as hex."""
    return hashlib.sha256(data).hexdigest()


def cache_key(data: bytes, start: dt.datetime, end: dt.datetime, zone: str, email: str | None,
              limits: Limits) -> tuple[object, ...]:
    """What identifies one reading: the content hash and every argument that shapes it."""
    return (content_hash(data), start, end, zone, (email or "").lower(), limits)


def read_busy(
    data: bytes,
    start: dt.datetime,
    end: dt.datetime,
    *,
    zone: ZoneInfo | str = "Europe/Stockholm",
    email: str | None = None,
    limits: Limits = Limits(),
    source: str | None = None,
    cache: IngestCache | None = DEFAULT_CACHE,
) -> BusyCalendar:
    """Read iCalendar bytes into the busy intervals that meet [start, end), sorted, and
    the calendar's last one-off busy interval wherever it lies (``last_one_off``).

    ``zone`` gives floating times and all-day events their zone; ``email`` identifies
    the owner among an invitation's attendees (declined means free). Raises
    CalendarError (a ValueError) when the bytes are not a calendar or exceed a limit;
    a broken component among good ones is skipped and reported in ``warnings``.
    """
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end <= start:
        raise ValueError("the window must end after it starts")
    key = cache_key(data, start, end, zone.key, email, limits)
    digest = str(key[0])
    if cache is not None and (found := cache.get(key)) is not None:
        return found
    try:
        result = _read(data, digest, start, end, zone, email, limits)
    except CalendarError as exc:
        raise (exc.with_source(source) if source else exc) from None
    if cache is not None:
        cache.put(key, result)
    return result


def _read(data: bytes, digest: str, start: dt.datetime, end: dt.datetime, zone: ZoneInfo,
          email: str | None, limits: Limits) -> BusyCalendar:
    budget = Budget(limits.max_occurrences, limits.max_seconds)
    return budget.watch(partial(_read_watched, data, digest, start, end, zone, email, limits,
                                budget))


def _read_watched(data: bytes, digest: str, start: dt.datetime, end: dt.datetime,
                  zone: ZoneInfo, email: str | None, limits: Limits, budget: Budget
                  ) -> BusyCalendar:
    warnings: list[IngestWarning] = []
    text, _encoding = decode(data, max_bytes=limits.max_bytes)
    layouts = scan(unfold(text), warnings)
    intervals: set[BusyInterval] = set()
    last: list[BusyInterval] = []
    for layout in layouts:
        budget.current = None
        source = sanitize(layout, zone.key, email, warnings)
        budget.current = _largest(source)
        calendar = parse(source, warnings)
        # first: reading the window moves series on (their rules rewritten in place)
        found = last_one_off(calendar, zone=zone, email=email, budget=budget.apart())
        last += [found] if found is not None else []
        intervals.update(expand_events(calendar, start, end, zone=zone, email=email,
                                       budget=budget, warnings=warnings))
        budget.current = None
        intervals.update(freebusy_intervals(calendar, start, end, zone=zone, warnings=warnings))
    ordered = tuple(sorted(intervals, key=lambda i: (i.start, i.end, i.status.rank, i.uid)))
    return BusyCalendar(ordered, tuple(warnings), digest,
                        max(last, key=lambda i: (i.end, i.start, i.status.rank, i.uid),
                            default=None))


def _largest(source: SanitizedCalendar) -> str | None:
    """The UID of the longest component: the one to name when reading it takes too long."""
    sizes = [(len(text), block.uid) for block, text in zip(source.blocks, source.texts, strict=True)
             if block.uid]
    return max(sizes)[1] if sizes else None


def busy_time_calendar(data: bytes, *, zone: ZoneInfo | str = "Europe/Stockholm",
                       email: str | None = None, limits: Limits = Limits()) -> str:
    """The calendar reduced to busy time, as iCalendar text: no titles, descriptions,
    places, alarms or other people. ``read_busy`` reads it to the same intervals as the
    original for any window, so it can be kept instead of the calendar itself."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    text, _encoding = decode(data, max_bytes=limits.max_bytes)
    warnings: list[IngestWarning] = []
    return "".join(sanitize(layout, zone.key, email, warnings).text
                   for layout in scan(unfold(text), warnings))
