"""How jobs are run: the lease a worker holds, how often it is renewed, how many tries a
job gets, when a queued job's message counts as lost, how long a job may wait for a
worker at all, and how often calendars are fetched again. Each read from the environment
and refused, naming the variable, when it is not a number in its range."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import InputError

__all__ = ["JobSettings", "refresh_hours"]

_DAY = 86_400.0


def _seconds(environ: Mapping[str, str], name: str, default: float, low: float,
             high: float) -> float:
    """A number of seconds from ``name`` (``default`` when unset), within [low, high]."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a number of seconds", field=name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(f"must be a number of seconds from {low:g} to {high:g}",
                         field=name)
    return value


def _whole(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole number from ``name`` (``default`` when unset), within [low, high]."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise InputError(f"must be a whole number from {low} to {high}", field=name)
    return int(raw)


def refresh_hours(environ: Mapping[str, str] | None = None) -> int:
    """``SCHEDULER_REFRESH_HOURS``: every how many hours calendar URLs are fetched again
    (default 6, at most a week)."""
    env = os.environ if environ is None else environ
    return _whole(env, "SCHEDULER_REFRESH_HOURS", 6, 1, 168)


@dataclass(frozen=True)
class JobSettings:
    """``lease_s``: how long a worker holds a job without a heartbeat (renewed every third
    of it); ``attempts``: tries before a job whose workers keep dying fails;
    ``stale_after_s``: a job queued this long without a worker is put on the queue again
    (once each such period); ``max_queued_s``: a job no worker took within this long
    fails; ``progress_every_s``: progress is written at most this often."""

    lease_s: float = 60.0
    attempts: int = 3
    stale_after_s: float = 600.0
    max_queued_s: float = 3600.0
    progress_every_s: float = 0.5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> JobSettings:
        """From ``SCHEDULER_JOB_LEASE_S`` (1 s to a day), ``SCHEDULER_JOB_ATTEMPTS`` (1 to
        100), ``SCHEDULER_JOB_STALE_S`` (1 s to a week) and ``SCHEDULER_JOB_MAX_QUEUED_S``
        (1 s to 30 days), each optional; InputError naming one out of its range."""
        env = os.environ if environ is None else environ
        return cls(lease_s=_seconds(env, "SCHEDULER_JOB_LEASE_S", cls.lease_s, 1, _DAY),
                   attempts=_whole(env, "SCHEDULER_JOB_ATTEMPTS", cls.attempts, 1, 100),
                   stale_after_s=_seconds(env, "SCHEDULER_JOB_STALE_S", cls.stale_after_s, 1,
                                          7 * _DAY),
                   max_queued_s=_seconds(env, "SCHEDULER_JOB_MAX_QUEUED_S", cls.max_queued_s,
                                         1, 30 * _DAY))
