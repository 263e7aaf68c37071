"""How often one key (a member's link, a council's mail, a token) may act.

A rate is ``count`` actions per ``per_s`` seconds, taken as a steady flow with a burst of
at most ``count`` at once (the generic cell rate algorithm): a key's whole state is one
time, the moment its allowance is next full, so a store keeps one number per key.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from .errors import Busy, InputError

__all__ = ["MemoryRates", "Rate", "RateStore", "admit", "limit", "rate_from_env"]

_FORM = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,7}(?:\.\d{1,3})?)\s*")


@dataclasses.dataclass(frozen=True)
class Rate:
    """``count`` actions per ``per_s`` seconds."""

    count: int
    per_s: float

    def __post_init__(self) -> None:
        if not (1 <= self.count <= 1_000_000 and 0 < self.per_s <= 10_000_000):
            raise InputError(f"a rate is 1 to 1000000 actions per 0 to 10000000 s, "
                             f"not {self.count}/{self.per_s:g}")

    @property
    def interval(self) -> float:
        """Seconds one action uses of the allowance."""
        return self.per_s / self.count

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"5/60"``: five actions a minute."""
        found = _FORM.fullmatch(text)
        if not found:
            raise InputError(f"a rate is written COUNT/SECONDS, e.g. 5/60, not {text!r}")
        return cls(int(found[1]), float(found[2]))

    def __str__(self) -> str:
        return f"{self.count}/{self.per_s:g}"


def rate_from_env(name: str, default: Rate, environ: Mapping[str, str] | None = None) -> Rate:
    """The rate in environment variable ``name``, or ``default``; a malformed one is an
    error naming the variable."""
    text = (os.environ if environ is None else environ).get(name, "").strip()
    if not text:
        return default
    try:
        return Rate.parse(text)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def admit(full_at: float | None, now: float, rate: Rate) -> tuple[float | None, int]:
    """One action at ``now`` for a key whose allowance is full again at ``full_at`` (None:
    never used): the key's new ``full_at`` and 0, or None and the whole seconds to wait."""
    start = now if full_at is None else max(full_at, now)
    after = start + rate.interval
    if after - now > rate.per_s + 1e-9:
        return None, max(1, math.ceil(after - now - rate.per_s))
    return after, 0


class RateStore(Protocol):
    """Where each key's state is kept: taking is atomic across threads (and, for a store
    in the database, across processes and machines)."""

    def take(self, key: str, rate: Rate, now: float) -> int:
        """Take one action for ``key``: 0 when allowed, else the seconds to wait."""
        ...


class MemoryRates:
    """Rates kept in this process only (tests, and services without a database)."""

    def __init__(self) -> None:
        self._full_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate: Rate, now: float) -> int:
        """Take one action for ``key`` (see RateStore)."""
        with self._lock:
            after, wait = admit(self._full_at.get(key), now, rate)
            if after is not None:
                self._full_at[key] = after
            return wait


def limit(store: RateStore, key: str, rate: Rate, what: str,
          clock: Callable[[], float] = time.time) -> None:
    """Take one action for ``key`` or raise Busy saying ``what`` is limited and for how
    long."""
    wait = store.take(key, rate, clock())
    if wait:
        raise Busy(f"{what}: at most {rate.count} per {_span(rate.per_s)}; "
                   f"try again in {wait} s", retry_after=wait)


def _span(seconds: float) -> str:
    if seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return "hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        minutes = int(seconds // 60)
        return "minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds:g} s"
