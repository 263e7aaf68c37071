"""How jobs are run: the lease a worker holds, how often it is renewed, how many tries a
job gets, and when a queued job's message counts as lost."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import InputError

__all__ = ["JobSettings"]


def _positive(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a number of seconds", field=name) from None
    if not value > 0:
        raise InputError("must be more than 0", field=name)
    return value


@dataclass(frozen=True)
class JobSettings:
    """``lease_s``: how long a worker holds a job without a heartbeat (renewed every third
    of it); ``attempts``: tries before a job whose workers keep dying fails;
    ``stale_after_s``: a job queued this long without a worker is put on the queue again;
    ``progress_every_s``: progress is written at most this often."""

    lease_s: float = 60.0
    attempts: int = 3
    stale_after_s: float = 600.0
    progress_every_s: float = 0.5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> JobSettings:
        """From ``SCHEDULER_JOB_LEASE_S``, ``SCHEDULER_JOB_ATTEMPTS`` and
        ``SCHEDULER_JOB_STALE_S`` (each optional)."""
        env = os.environ if environ is None else environ
        attempts = _positive(env, "SCHEDULER_JOB_ATTEMPTS", cls.attempts)
        return cls(lease_s=_positive(env, "SCHEDULER_JOB_LEASE_S", cls.lease_s),
                   attempts=max(int(attempts), 1),
                   stale_after_s=_positive(env, "SCHEDULER_JOB_STALE_S", cls.stale_after_s))
