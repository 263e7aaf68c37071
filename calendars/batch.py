"""Many calendars over one window (or each over its own) at once: cache hits answered here,
misses read in parallel worker processes (one per core)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from .errors import CalendarError
from .ingest import IngestCache, Limits, cache_key, read_busy
from .model import BusyCalendar

__all__ = ["CalendarRequest", "read_many"]


@dataclass(frozen=True)
class CalendarRequest:
    """One calendar to read: its bytes, its owner's address, a name for errors and, when
    it is read over a window of its own, that window [start, end)."""

    data: bytes
    source: str
    email: str | None = None
    window: tuple[dt.datetime, dt.datetime] | None = None


def _read_one(request: CalendarRequest, start: dt.datetime, end: dt.datetime, zone: str,
              limits: Limits) -> BusyCalendar | tuple[str, int | None]:
    try:
        return read_busy(request.data, start, end, zone=zone, email=request.email, limits=limits,
                         source=request.source, cache=None)
    except CalendarError as exc:  # errors travel back as plain values
        return (exc.message, exc.line)


def read_many(requests: Sequence[CalendarRequest], start: dt.datetime, end: dt.datetime, *,
              zone: str, cache: IngestCache | None, limits: Limits = Limits(),  # noqa: B008
              workers: int | None = None,
              read: Callable[[int], None] | None = None) -> list[BusyCalendar | CalendarError]:
    """``read_busy`` for each request over [start, end) (or the request's own window), in
    order; a bad calendar gives its CalendarError.

    Calendars already in ``cache`` are not read again; the others are read by up to
    ``workers`` processes (default: one per core) and then stored in ``cache``. ``read``
    is told how many calendars are read so far, as they come in.
    """
    results: list[BusyCalendar | CalendarError | None] = [None] * len(requests)
    windows = [request.window or (start, end) for request in requests]
    missing: list[int] = []
    for i, request in enumerate(requests):
        found = cache.get(read_key(request, *windows[i], zone, limits)) if cache else None
        if found is None:
            missing.append(i)
        else:
            results[i] = found
    workers = min(len(missing), workers or os.cpu_count() or 1)
    told = read or (lambda count: None)
    hits = len(requests) - len(missing)
    if workers > 1 and len(missing) > 2:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            answers = []
            for answer in pool.map(_read_one, [requests[i] for i in missing],
                                   *zip(*[(*windows[i], zone, limits) for i in missing],
                                        strict=True)):
                answers.append(answer)
                told(hits + len(answers))
    else:
        answers = []
        for i in missing:
            answers.append(_read_one(requests[i], *windows[i], zone, limits))
            told(hits + len(answers))
    for i, answer in zip(missing, answers, strict=True):
        if isinstance(answer, BusyCalendar):
            if cache is not None:
                cache.put(read_key(requests[i], *windows[i], zone, limits), answer)
            results[i] = answer
        else:
            results[i] = CalendarError(answer[0], line=answer[1], source=requests[i].source)
    return [r for r in results if r is not None]


def read_key(request: CalendarRequest, start: dt.datetime, end: dt.datetime, zone: str,
             limits: Limits) -> tuple[object, ...]:
    """The cache key ``read_busy`` uses for this request."""
    return cache_key(request.data, start, end, zone, request.email, limits)
