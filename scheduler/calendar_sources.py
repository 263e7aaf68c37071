"""Where calendars come from: a file path or a subscription URL, many URLs fetched host by
host, and the process's cache of calendars already read."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from calendars import CalendarError, CalendarFetchError, IngestCache, Limits, redact_url
from calendars.disk_cache import DiskCache
from calendars.fetch import (
    FetchedCalendar,
    FetchPolicy,
    HostUnavailable,
    Validators,
    fetch_calendar,
    host_key,
)

from .env_settings import seconds_setting
from .errors import InputError
from .fetching import FetchSettings
from .validation import is_calendar_url

__all__ = ["Answer", "Wanted", "calendar_bytes", "calendar_limits", "fetch_by_host",
           "ingest_cache", "reset_ingest_cache"]

_HOSTS_AT_ONCE = 4


def calendar_bytes(source: str, policy: FetchPolicy | None = None) -> bytes:
    """The bytes of a calendar file or URL."""
    if is_calendar_url(source):
        return fetch_calendar(source, policy=policy or FetchSettings.from_env().policy).content
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a calendar file", source=source) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=source) from None


def calendar_limits(environ: Mapping[str, str] | None = None) -> Limits:
    """What reading one calendar may cost: ``SCHEDULER_CALENDAR_DEADLINE_S`` of wall-clock time
    (default 30, from 0.5 to 600), expanding recurrences included; InputError naming the
    variable when it is not a number in that range."""
    env = os.environ if environ is None else environ
    seconds = seconds_setting(env, "SCHEDULER_CALENDAR_DEADLINE_S", Limits().max_seconds, 0.5, 600)
    return Limits(max_seconds=seconds)


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


@dataclass(frozen=True)
class Wanted:
    """A calendar URL to fetch, with the validators of what is kept of it (if anything);
    ``key`` tells the caller whose it is."""

    key: tuple[str, ...]
    url: str
    known: Validators | None = None

    @property
    def host(self) -> str:
        """The host it is fetched from ("" for a URL that is no http(s) URL)."""
        return host_key(self.url) or ""


@dataclass(frozen=True)
class Answer:
    """What came of a wanted URL: the fetched calendar, the error, or ``skipped`` (its host
    failed earlier in the same run, so it was not asked)."""

    wanted: Wanted
    fetched: FetchedCalendar | None = None
    error: CalendarError | None = None

    @property
    def skipped(self) -> bool:
        """True when the URL was not asked at all."""
        return self.fetched is None and self.error is None


def fetch_by_host(wanted: Sequence[Wanted], policy: FetchPolicy,
                  hosts_at_once: int = _HOSTS_AT_ONCE) -> Iterator[Answer]:
    """Fetch the URLs, each host's one after another (in the order given) and several
    hosts at once; answers come as they are ready. A host whose first URL fails
    (HostUnavailable), or two URLs in a row, is down: its other URLs are skipped, so one
    host's trouble neither delays the others nor is asked again and again."""
    groups: dict[str, list[Wanted]] = {}
    for item in wanted:
        groups.setdefault(item.host, []).append(item)
    if not groups:
        return
    answers: queue.Queue[Answer | None] = queue.Queue(maxsize=2 * hosts_at_once)
    stop = threading.Event()

    def put(answer: Answer | None) -> None:
        while not stop.is_set():
            try:
                answers.put(answer, timeout=0.1)
                return
            except queue.Full:
                continue

    def run(group: list[Wanted]) -> None:
        answered, streak = False, 0  # the host answered at all; its failures in a row
        try:
            for item in group:
                if stop.is_set() or streak >= 2 or (streak and not answered):
                    put(Answer(item))
                    continue
                try:
                    put(Answer(item, fetch_calendar(item.url, policy=policy, known=item.known)))
                    answered, streak = True, 0
                except CalendarError as exc:  # an error of the URL's is an answer of the host's
                    failed = isinstance(exc, HostUnavailable)
                    answered, streak = answered or not failed, streak + 1 if failed else 0
                    put(Answer(item, error=exc))
                except Exception as exc:  # one URL's surprise is its own failure, not the run's
                    put(Answer(item, error=CalendarFetchError(
                        f"the fetch failed ({type(exc).__name__})", source=redact_url(item.url))))
        finally:
            put(None)

    with ThreadPoolExecutor(max_workers=max(1, min(hosts_at_once, len(groups)))) as pool:
        for group in groups.values():
            pool.submit(run, group)
        try:
            left = len(groups)
            while left:
                answer = answers.get()
                if answer is None:
                    left -= 1
                else:
                    yield answer
        finally:
            stop.set()
