"""Use cases of background jobs: proposals and rounds asked for as jobs (validated first,
kept, then put on the queue), run under a lease with their outcome kept in the same
transaction that marks them done, watched, and handed back when their worker died; and
the periodic calendar refresh, a job made once a period by whichever worker asks first."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import sqlalchemy as sa

from ..errors import Busy, KeyReused, NotFound, QueueUnavailable
from ..jobs.fair import fair_order
from ..jobs.lease import Heartbeat, ProgressWriter, worker_name
from ..jobs.problems import problem, problem_of
from ..jobs.records import JobRecord, NewJob
from ..jobs.settings import JobSettings
from ..ports import UnitOfWork
from ..proposal_request import parse_proposal_request
from .rounds import RoundServices

__all__ = ["JobDispatch", "JobServices"]

log = logging.getLogger(__name__)

Keeper = Callable[[UnitOfWork], dict[str, Any]]  # stores an outcome, returns the job's result
SCHEDULER = "scheduler"  # the requester of the jobs the service makes itself
REFRESH_COUNTS = ("fetched", "unchanged", "failed", "skipped", "not_due")
BUSY_RETRY_S = 10  # a token or council at its cap of jobs: ask again after this long


class JobDispatch(Protocol):
    """Puts a kept job on the queue; raises QueueUnavailable when the queue is down."""

    def enqueue_job(self, job_id: str) -> None: ...


def request_hash(kind: str, council_ids: tuple[str, ...], payload: Any) -> str:
    """A fingerprint of what was asked (to tell an idempotency key sent again with another
    request). Escaped to ASCII, so any text a JSON body can hold (a lone surrogate too)
    has a fingerprint."""
    text = json.dumps({"kind": kind, "councils": council_ids, "payload": payload},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def transient(error: BaseException) -> bool:
    """Whether an error may pass by itself (the database away, a connection dropped, a
    pool exhausted, a transaction that lost a race): such a job is tried again."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError
                      | sa.exc.TimeoutError)


def _exists(uow: UnitOfWork, council_id: str) -> bool:
    try:
        uow.councils.get(council_id)
    except NotFound:
        return False
    return True


def _still_there(uow: UnitOfWork, job: JobRecord) -> None:
    """NotFound when a council of the job was removed while it ran."""
    for council_id in job.council_ids:
        if not _exists(uow, council_id):
            raise NotFound(f"council {council_id!r} was removed while the job ran; "
                           "nothing was kept")


class JobServices(RoundServices):
    """Long work as jobs: asked for, queued, run once, watched."""

    job_settings: JobSettings = JobSettings()
    job_queue: JobDispatch | None = None  # None: a job runs at once, in the caller

    # asking ---------------------------------------------------------------------------------
    def submit_proposal(self, council_id: str, options: Any, requester: str | None = None,
                        idempotency_key: str | None = None) -> tuple[JobRecord, bool]:
        """A job that proposes meetings for a council: (the job, True when it is new). The
        request is checked as ``create_proposal`` checks it (InputError, NotFound) before
        anything is kept; the same ``idempotency_key`` from the same requester gives the
        same job (KeyReused when its request differs); QueueUnavailable keeps nothing."""
        parse_proposal_request(options)
        with self.reader() as uow:
            uow.councils.get(council_id)
        payload = {"council_id": council_id, "options": options}
        return self._submit("proposal", (council_id,), payload, requester, idempotency_key)

    def submit_round(self, body: Any, requester: str | None = None,
                     idempotency_key: str | None = None) -> tuple[JobRecord, bool]:
        """A job that plans a round, checked first as ``create_round`` checks it; otherwise
        as ``submit_proposal``."""
        request, _records = self.parse_round_body(body)
        council_ids = tuple(c.id for c in request.councils)
        return self._submit("round", council_ids, {"body": body}, requester, idempotency_key)

    def _submit(self, kind: str, council_ids: tuple[str, ...], payload: dict[str, Any],
                requester: str | None, key: str | None) -> tuple[JobRecord, bool]:
        fingerprint = request_hash(kind, council_ids, payload)
        if key is not None:
            found = self._by_key(requester, key, fingerprint)
            if found is not None:
                return found, False
        with self.uow() as uow:
            self._admit(uow, requester, council_ids)
            made = uow.jobs.add(NewJob(kind, council_ids, payload, requester, key, fingerprint))
            uow.commit()
        if made is None:  # the same key came in at the same moment
            found = self._by_key(requester, key or "", fingerprint)
            if found is None:
                raise QueueUnavailable("the job could not be kept; try again", retry_after=1)
            return found, False
        try:
            self.dispatch(made.id)
        except QueueUnavailable:
            with self.uow() as uow:  # unless the queue took it after all and a worker has it
                withdrawn = uow.jobs.withdraw(made.id)
                uow.commit()
            if withdrawn:
                raise
            log.warning("job %s: the queue answered with an error, yet a worker has the job",
                        made.id)
        return self.job(made.id), True

    def _admit(self, uow: UnitOfWork, requester: str | None,
               council_ids: tuple[str, ...]) -> None:
        """Busy (nothing kept) when the token asking already has ``per_token`` jobs queued or
        running, or a council of the job has ``per_council``; the command line and the
        service itself (no token) are not counted."""
        if requester is None or requester == SCHEDULER:
            return
        settings = self.job_settings
        mine, most = uow.jobs.in_flight(requester, council_ids)
        if mine >= settings.per_token:
            raise Busy(f"this token has {mine} jobs queued or running, as many as one may; "
                       "ask again when one has ended", retry_after=BUSY_RETRY_S)
        if most >= settings.per_council:
            raise Busy(f"the council has {most} jobs queued or running, as many as one may; "
                       "ask again when one has ended", retry_after=BUSY_RETRY_S)

    def _by_key(self, requester: str | None, key: str, fingerprint: str) -> JobRecord | None:
        with self.reader() as uow:
            found = uow.jobs.by_key(requester, key)
        if found is not None and found.request_hash != fingerprint:
            raise KeyReused("this Idempotency-Key was used with another request")
        return found

    def dispatch(self, job_id: str) -> None:
        """Put a kept job on the queue (or, without a queue, run it now)."""
        if self.job_queue is None:
            self.run_job(job_id)
        else:
            self.job_queue.enqueue_job(job_id)

    # watching -------------------------------------------------------------------------------
    def job(self, job_id: str) -> JobRecord:
        """One job as it stands."""
        with self.reader() as uow:
            return uow.jobs.get(job_id)

    def wait(self, job_id: str, timeout_s: float) -> JobRecord:
        """The job once it is done or failed, or as it stands after ``timeout_s`` seconds."""
        deadline = time.monotonic() + timeout_s
        pause = 0.02
        while True:
            found = self.job(job_id)
            left = deadline - time.monotonic()
            if found.finished or left <= 0:
                return found
            time.sleep(min(pause, left))
            pause = min(pause * 1.5, 0.5)

    # running --------------------------------------------------------------------------------
    def run_job(self, job_id: str, owner: str | None = None) -> JobRecord | None:
        """Claim a queued job and run it: its outcome is kept in the transaction that marks
        it done, and only while this worker still holds its lease. None when the job was
        not queued (another worker has it, or it has ended)."""
        owner = owner or worker_name()
        with self.uow() as uow:  # the lease runs by the database's clock, not this one's
            job = uow.jobs.claim(job_id, owner, uow.jobs.clock(),
                                 dt.timedelta(seconds=self.job_settings.lease_s))
            uow.commit()
        return None if job is None else self._run(job, owner)

    def run_next(self, owner: str | None = None) -> JobRecord | None:
        """Take the queued job it is fairest to run now and run it as ``run_job`` does:
        the oldest job of the councils with the fewest jobs running, then of those served
        longest ago (``fair_order``). The queue's messages only wake workers: a message
        runs one queued job, not always the one it names, and the job passed over keeps
        a message (its own, or that of the job taken in its place), so every job is
        still taken once and none is left without a message. None when none is queued."""
        owner = owner or worker_name()
        settings = self.job_settings
        with self.uow() as uow:
            moment = uow.jobs.clock()
            lately = moment - dt.timedelta(seconds=settings.max_queued_s)
            job = None
            for job_id in fair_order(uow.jobs.waiting(), uow.jobs.turns(lately)):
                job = uow.jobs.claim(job_id, owner, moment,
                                     dt.timedelta(seconds=settings.lease_s))
                if job is not None:  # else another worker took it meanwhile: the next one
                    break
            uow.commit()
        return None if job is None else self._run(job, owner)

    def _run(self, job: JobRecord, owner: str) -> JobRecord | None:
        """Run a job this worker has claimed, under its lease; the job as it ends."""
        settings = self.job_settings
        log.info("job %s (%s) started, try %d", job.id, job.kind, job.attempts)
        started = time.monotonic()
        writer = ProgressWriter(self.uow, job.id, owner, settings.progress_every_s)
        with Heartbeat(self.uow, job.id, owner, settings.lease_s):
            try:
                keep = self._compute(job, writer)
                with self.uow() as uow:
                    result = keep(uow)
                    if uow.jobs.finish(job.id, owner, result):
                        uow.commit()
                        log.info("job %s done in %.1f s: %s", job.id,
                                 time.monotonic() - started, result)
                    else:
                        log.warning("job %s: lease lost before the end; its outcome is "
                                    "dropped", job.id)
            except Exception as error:
                if transient(error):  # the lease runs out and the reaper tries it again
                    log.warning("job %s: the database failed (%s); it is tried again once "
                                "its lease runs out", job.id, type(error).__name__)
                    return self._current(job.id)
                self._fail(job, owner, error)
        return self._current(job.id)

    def _fail(self, job: JobRecord, owner: str, error: BaseException) -> None:
        """End a job that cannot succeed with the problem its error stands for."""
        found = self._problem(job, error)
        if found["status"] >= 500:
            log.error("job %s failed", job.id, exc_info=error)
        with self.uow() as uow:
            uow.jobs.fail(job.id, owner, found)
            uow.commit()
        log.info("job %s failed: %s", job.id, found.get("detail", found["title"]))

    def _problem(self, job: JobRecord, error: BaseException) -> dict[str, Any]:
        """The problem of an error that a second try would meet again: the domain's own,
        a council removed while the job ran (404), a value the database refuses (400),
        else a defect (500)."""
        if isinstance(error, sa.exc.IntegrityError):
            with self.reader() as uow:
                gone = [c for c in job.council_ids if not _exists(uow, c)]
            if gone:
                return problem(404, "Not Found", f"council {gone[0]!r} was removed while the "
                               "job ran; nothing was kept")
        if isinstance(error, sa.exc.DataError):
            return problem(400, "Bad Request", "the request holds a value the database "
                           "cannot store; nothing was kept")
        return problem_of(error)

    def _current(self, job_id: str) -> JobRecord | None:
        """The job as it stands, or None when it cannot be read now."""
        try:
            return self.job(job_id)
        except Exception:
            log.warning("job %s: its state could not be read", job_id, exc_info=True)
            return None

    def _compute(self, job: JobRecord, writer: ProgressWriter) -> Keeper:
        """Compute a job's outcome (outside any transaction); return how to keep it."""
        if job.kind == "proposal":
            council_id, options = job.payload["council_id"], job.payload["options"]
            document = self.compute_proposal(council_id, options, progress=writer)

            def keep_proposal(uow: UnitOfWork) -> dict[str, Any]:
                _still_there(uow, job)
                return {"proposal": self.keep_proposal(uow, council_id, options, document).id}
            return keep_proposal
        if job.kind == "round":
            body = job.payload["body"]
            planned = self.compute_round(body, progress=writer)

            def keep_round(uow: UnitOfWork) -> dict[str, Any]:
                _still_there(uow, job)
                return {"round": self.keep_round(uow, body, planned).id}
            return keep_round
        if job.kind == "refresh":
            found = self.refresh_due(progress=writer)
            result = {name: found[name] for name in REFRESH_COUNTS}
            result["errors"] = found["errors"][:20]  # members named by id only
            return lambda _uow: result
        raise ValueError(f"no way to run a job of kind {job.kind!r}")

    # the periodic calendar refresh ----------------------------------------------------------
    def refresh_when_due(self, every_h: int) -> JobRecord | None:
        """The calendar refresh of the current period of ``every_h`` hours (periods counted
        from 1970 by the database's clock, so they are even whatever ``every_h``), as a
        job that only the first of all workers asking in the period makes; it runs it
        here. None when the period's refresh was made already."""
        every = every_h * 3600
        with self.uow() as uow:
            start = int(uow.jobs.clock().timestamp()) // every * every
            key = f"refresh {dt.datetime.fromtimestamp(start, dt.UTC):%Y-%m-%dT%H:%MZ}"
            made = uow.jobs.add(NewJob("refresh", (), {"every_h": every_h}, SCHEDULER, key,
                                       request_hash("refresh", (), key)))
            uow.commit()
        return None if made is None else self.run_job(made.id)

    # the reaper -----------------------------------------------------------------------------
    def reap_jobs(self) -> tuple[list[str], list[str]]:
        """Hand back the jobs whose worker died (lease run out), put queued jobs whose
        message may have been lost on the queue again (once each ``stale_after_s``), and
        fail those no worker took within ``max_queued_s``: (the ids put on the queue, the
        ids failed: after too many tries, or never taken)."""
        settings = self.job_settings
        gave_up = problem(500, "Internal Server Error",
                          f"the job's worker stopped {settings.attempts} times; it is given up")
        untaken = problem(503, "Service Unavailable",
                          f"no worker took the job within {settings.max_queued_s:g} s; "
                          "ask again")
        with self.uow() as uow:
            moment = uow.jobs.clock()  # leases are compared by the database's clock
            again, failed = uow.jobs.reap(moment, settings.attempts, gave_up)
            failed += uow.jobs.expire(moment - dt.timedelta(seconds=settings.max_queued_s),
                                      moment, untaken)
            stale = uow.jobs.stale(moment - dt.timedelta(seconds=settings.stale_after_s), moment)
            uow.commit()
        queued = list(dict.fromkeys([*again, *stale]))
        for job_id in queued:
            try:
                self.dispatch(job_id)
            except QueueUnavailable:
                log.warning("reaper: the queue is down; %d jobs wait for the next round",
                            len(queued))
                break
        if queued or failed:
            log.info("reaper: %d jobs queued again, %d given up", len(queued), len(failed))
        return queued, failed

    def job_counts(self) -> dict[str, int]:
        """How many jobs are queued, running, done and failed."""
        with self.reader() as uow:
            return uow.jobs.counts()
