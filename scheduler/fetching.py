"""Fetching calendar URLs when a person asks, without tying up the web server: the
settings read from the environment, and the slots that bound how many such fetches run
at once in this process.

A fetch someone asks for ("connect my calendar", "fetch it now") runs in a thread of its
own while holding one of ``at_once`` slots; the request waits for it at most the fetch
deadline and a second more, then answers that it is still under way (the fetch finishes
on its own and keeps what it finds). With every slot taken the request is answered at
once with Busy (429, Retry-After), so however many slow addresses are asked for, the
server's threads stay free for the pages and ``/healthz``."""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from calendars.fetch import FetchPolicy

from .env_settings import seconds_setting, whole_setting
from .errors import Busy
from .rates import Rate, rate_from_env

__all__ = ["FetchSettings", "FetchSlots"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_MARGIN_S = 1.0  # how much longer than the deadline a request waits for its fetch
_RATE = Rate(4, 60)  # fetches on request of one calendar URL, by default


@dataclass(frozen=True)
class FetchSettings:
    """``policy``: how URLs are fetched (its ``timeout``: one deadline for a whole fetch);
    ``at_once``: fetches that requests may run at once in this process; ``rate``: how
    often a member's calendar URL (or a body's plan URL) may be fetched on request, by
    the member or a secretary."""

    policy: FetchPolicy
    at_once: int = 2
    rate: Rate = _RATE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FetchSettings:
        """From ``SCHEDULER_FETCH_ALLOW``, ``SCHEDULER_FETCH_DEADLINE_S`` (1 to 120 s,
        default 10), ``SCHEDULER_FETCHES_AT_ONCE`` (1 to 64, default 2) and
        ``SCHEDULER_FETCH_RATE`` (``COUNT/SECONDS``, default ``4/60``: a member's URL is
        fetched at most 4 times a minute on request); InputError naming a bad one."""
        env = os.environ if environ is None else environ
        allowed = FetchPolicy.from_env(dict(env)).allow
        deadline = seconds_setting(env, "SCHEDULER_FETCH_DEADLINE_S", FetchPolicy.timeout, 1, 120)
        return cls(FetchPolicy(timeout=deadline, allow=allowed),
                   at_once=whole_setting(env, "SCHEDULER_FETCHES_AT_ONCE", cls.at_once, 1, 64),
                   rate=rate_from_env("SCHEDULER_FETCH_RATE", cls.rate, env))


class FetchSlots:
    """At most ``at_once`` fetches asked for by requests run at a time, each in a thread of
    its own that the request waits for no longer than it may. Each fetch names its owners
    (its URL's key first, then its council): a key holds one slot at a time and any other
    owner at most half of them, so one link or council cannot keep the others waiting."""

    def __init__(self, at_once: int):
        self.at_once = at_once
        self._lock = threading.Lock()
        self._running = 0
        self._held: Counter[str] = Counter()

    @property
    def running(self) -> int:
        """How many fetches hold a slot now."""
        with self._lock:
            return self._running

    def _take(self, owners: Sequence[str], retry: int) -> None:
        shares = [1] + [max(1, math.ceil(self.at_once / 2))] * (len(owners) - 1)
        with self._lock:
            if self._running >= self.at_once:
                raise Busy(f"{self.at_once} calendar addresses are being fetched already; "
                           f"try again in {retry} s", retry_after=retry)
            if any(self._held[owner] >= share for owner, share in zip(owners, shares, strict=True)):
                raise Busy(f"this council's calendar addresses are being fetched already; "
                           f"try again in {retry} s", retry_after=retry)
            self._running += 1
            self._held.update(owners)

    def _give_back(self, owners: Sequence[str]) -> None:
        with self._lock:
            self._running -= 1
            self._held.subtract(owners)
            for owner in owners:
                if self._held[owner] <= 0:
                    del self._held[owner]

    def run(self, work: Callable[[], T], deadline_s: float, owners: Sequence[str] = ("",),
            admit: Callable[[], None] = lambda: None) -> T | None:
        """``work()``'s result (or its error), or None when it is still running after
        ``deadline_s`` and a second (it goes on, and keeps what it finds); Busy at once
        when no slot is free to ``owners``, or when ``admit()`` (called once a slot is
        held, e.g. to count a rate) says so. ``work`` returns something other than None."""
        self._take(owners, max(1, math.ceil(deadline_s)))
        try:
            admit()
        except BaseException:
            self._give_back(owners)
            raise
        done, given_up = threading.Event(), threading.Event()
        outcome: list[T] = []
        failure: list[BaseException] = []

        def go() -> None:
            try:
                outcome.append(work())
            except BaseException as exc:  # the caller's, if it still waits; else logged
                failure.append(exc)
                if given_up.is_set() and not isinstance(exc, (ValueError, LookupError)):
                    log.error("a fetch failed after its request was answered", exc_info=exc)
            finally:
                self._give_back(owners)
                done.set()

        threading.Thread(target=go, name="fetch-on-request", daemon=True).start()
        if not done.wait(deadline_s + _MARGIN_S):
            given_up.set()
            return None
        if failure:
            raise failure[0]
        return outcome[0]
