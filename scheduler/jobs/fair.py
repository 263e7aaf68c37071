"""Which queued job a free worker takes: fairly across councils, not first come first
served, so that one council's many heavy jobs cannot keep another's waiting.

The queue's messages only wake a worker; the worker then takes the queued job of the
council that has the fewest jobs running, then the one served longest ago (or never),
and within a council the oldest job. A job of several councils (a round) counts for
each of them and waits for the busiest. Plain values in, plain values out: the
repositories gather the figures, this module decides.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["NOBODY", "Turns", "Waiting", "fair_order"]

NOBODY = ""
"""The council a job of no council (the calendar refresh) is counted under."""


@dataclass(frozen=True)
class Waiting:
    """A queued job as the choice sees it: its id, its councils, when it was asked for."""

    id: str
    council_ids: tuple[str, ...]
    created_at: dt.datetime

    @property
    def councils(self) -> tuple[str, ...]:
        """Its councils, or ``NOBODY`` for a job of none."""
        return self.council_ids or (NOBODY,)


@dataclass(frozen=True)
class Turns:
    """How much each council has of the workers: its jobs running now, and when a worker
    last took one of its jobs (councils not served lately are absent)."""

    running: Mapping[str, int] = field(default_factory=dict)
    served: Mapping[str, dt.datetime] = field(default_factory=dict)

    @classmethod
    def of(cls, running: Iterable[Sequence[str]],
           started: Iterable[tuple[Sequence[str], dt.datetime]]) -> Turns:
        """From the councils of each running job, and the councils and start of each job
        started lately (running ones among them)."""
        count: Counter[str] = Counter()
        for councils in running:
            count.update(set(councils) or {NOBODY})
        served: dict[str, dt.datetime] = {}
        for councils, moment in started:
            for council_id in set(councils) or {NOBODY}:
                if council_id not in served or served[council_id] < moment:
                    served[council_id] = moment
        return cls(dict(count), served)


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def fair_order(queued: Sequence[Waiting], turns: Turns) -> list[str]:
    """The ids of ``queued`` in the order a free worker should try to take them: the
    fewest running jobs of the job's councils first, then the councils served longest
    ago (or never), then the oldest job."""
    def key(job: Waiting) -> tuple[int, dt.datetime, dt.datetime, str]:
        busiest = max(turns.running.get(c, 0) for c in job.councils)
        latest = max(turns.served.get(c, _NEVER) for c in job.councils)
        return busiest, latest, job.created_at, job.id

    return [job.id for job in sorted(queued, key=key)]
