"""How jobs are run: the lease a worker holds, how often it is renewed, how many tries a
job gets, when a queued job's message counts as lost, how long a job may wait for a
worker at all, and how often calendars are fetched again. Each read from the environment
and refused, naming the variable, when it is not a number in its range."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..env_settings import seconds_setting, whole_setting

__all__ = ["JobSettings", "refresh_hours"]

_DAY = 86_400.0


def refresh_hours(environ: Mapping[str, str] | None = None) -> int:
    """``SCHEDULER_REFRESH_HOURS``: every how many hours calendar URLs are fetched again
    (default 6, at most a week)."""
    env = os.environ if environ is None else environ
    return whole_setting(env, "SCHEDULER_REFRESH_HOURS", 6, 1, 168)


@dataclass(frozen=True)
class JobSettings:
    """``lease_s``: how long a worker holds a job without a heartbeat (renewed every third
    of it); ``attempts``: tries before a job whose workers keep dying fails;
    ``stale_after_s``: a job queued this long without a worker is put on the queue again
    (once each such period); ``max_queued_s``: a job no worker took within this long
    fails; ``progress_every_s``: progress is written at most this often; ``per_token``
    and ``per_council``: how many jobs one token, or one council whoever asks, may have
    queued or running at once (beyond them a request is refused, 429)."""

    lease_s: float = 60.0
    attempts: int = 3
    stale_after_s: float = 600.0
    max_queued_s: float = 3600.0
    progress_every_s: float = 0.5
    per_token: int = 4
    per_council: int = 8

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> JobSettings:
        """From ``SCHEDULER_JOB_LEASE_S`` (1 s to a day), ``SCHEDULER_JOB_ATTEMPTS`` (1 to
        100), ``SCHEDULER_JOB_STALE_S`` (1 s to a week), ``SCHEDULER_JOB_MAX_QUEUED_S``
        (1 s to 30 days), ``SCHEDULER_JOBS_PER_TOKEN`` (1 to 1000) and
        ``SCHEDULER_JOBS_PER_COUNCIL`` (1 to 1000), each optional; InputError naming one
        out of its range."""
        env = os.environ if environ is None else environ
        return cls(lease_s=seconds_setting(env, "SCHEDULER_JOB_LEASE_S", cls.lease_s, 1, _DAY),
                   attempts=whole_setting(env, "SCHEDULER_JOB_ATTEMPTS", cls.attempts, 1, 100),
                   stale_after_s=seconds_setting(env, "SCHEDULER_JOB_STALE_S", cls.stale_after_s, 1,
                                          7 * _DAY),
                   max_queued_s=seconds_setting(env, "SCHEDULER_JOB_MAX_QUEUED_S", cls.max_queued_s,
                                         1, 30 * _DAY),
                   per_token=whole_setting(env, "SCHEDULER_JOBS_PER_TOKEN", cls.per_token, 1, 1000),
                   per_council=whole_setting(env, "SCHEDULER_JOBS_PER_COUNCIL", cls.per_council, 1,
                                      1000))
