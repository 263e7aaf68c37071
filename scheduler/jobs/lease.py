"""A running job's lease kept alive (a heartbeat thread), and its progress written to its
row no more often than needed. Both only touch the job while the worker holds it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ..ports import UnitOfWork
from .progress import ProgressReport, progress_detail

__all__ = ["Heartbeat", "ProgressWriter", "worker_name"]

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[..., UnitOfWork]


def worker_name() -> str:
    """Who holds a lease: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Heartbeat:
    """Renews ``owner``'s lease on a job every third of the lease until stopped, or until
    the lease turns out lost (``lost`` is then True)."""

    def __init__(self, uow: UnitOfWorkFactory, job_id: str, owner: str, lease_s: float):
        self.uow = uow
        self.job_id = job_id
        self.owner = owner
        self.lease_s = lease_s
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}",
                                        daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(self.lease_s)

    def _run(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                with self.uow() as uow:  # renewed by the database's clock, not this one's
                    until = uow.jobs.clock() + dt.timedelta(seconds=self.lease_s)
                    held = uow.jobs.heartbeat(self.job_id, self.owner, until)
                    uow.commit()
            except Exception:  # the database is away for now: try again next beat
                log.warning("job %s: the lease could not be renewed", self.job_id, exc_info=True)
                continue
            if not held:
                if self._ended():  # its worker ended it; the beat had waited for that
                    log.debug("job %s: ended; the heartbeat stops", self.job_id)
                    return
                self.lost = True
                log.warning("job %s: the lease was lost; its outcome will not be kept",
                            self.job_id)
                return

    def _ended(self) -> bool:
        """Whether the job is done or failed (rather than held by another worker or
        queued again): then no lease was lost, the job is over."""
        try:
            with self.uow(write=False) as uow:
                return uow.jobs.get(self.job_id).finished
        except Exception:
            log.debug("job %s: its state could not be read", self.job_id, exc_info=True)
            return False


class ProgressWriter:
    """A progress callback that writes a report to the job's row, at most every
    ``every_s`` seconds (a new stage is written at once). Errors are logged, never raised
    into the computation."""

    def __init__(self, uow: UnitOfWorkFactory, job_id: str, owner: str, every_s: float):
        self.uow = uow
        self.job_id = job_id
        self.owner = owner
        self.every_s = every_s
        self.written = 0  # reports written, for tests and the curious
        self._last = -float("inf")
        self._stage: str | None = None
        self._fraction = 0.0
        self._lock = threading.Lock()

    def __call__(self, report: ProgressReport) -> None:
        """Hear one report."""
        with self._lock:
            moment = time.monotonic()
            stage = getattr(report, "stage", None)
            fraction = getattr(report, "fraction", None)
            if isinstance(fraction, int | float) and not isinstance(fraction, bool):
                self._fraction = min(max(float(fraction), self._fraction), 1.0)
            if stage == self._stage and moment - self._last < self.every_s:
                return
            self._last, self._stage = moment, stage
            self._write(stage, progress_detail(report))

    def _write(self, stage: str | None, detail: dict[str, Any]) -> None:
        try:
            with self.uow() as uow:
                uow.jobs.progress(self.job_id, self.owner, self._fraction,
                                  str(stage)[:64] if stage else None, detail)
                uow.commit()
            self.written += 1
        except Exception:
            log.warning("job %s: progress not written", self.job_id, exc_info=True)
