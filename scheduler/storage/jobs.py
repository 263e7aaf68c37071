"""Jobs in the database. A worker claims a queued job with one conditional UPDATE (so two
workers never run it at once, on SQLite and PostgreSQL alike), keeps its lease alive,
and ends it only while it still holds the lease; the reaper hands expired leases back.
The figures for a fair choice between councils (queued jobs, running ones, recent starts)
and for the caps on jobs in flight are read here."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa

from ..errors import NotFound
from ..ids import is_record_id
from ..jobs.fair import Turns, Waiting
from ..jobs.records import JobRecord, NewJob
from .rows import aware
from .tables import jobs

__all__ = ["JobRepository"]

_ADMISSION_LOCK = 0x6A6F6273  # PostgreSQL advisory lock: one job admitted at a time
_IN_FLIGHT = ("queued", "running")


def _maybe(moment: dt.datetime | None) -> dt.datetime | None:
    return aware(moment) if moment else None


def _record(row: sa.Row[Any]) -> JobRecord:
    return JobRecord(row.id, row.kind, tuple(row.council_ids), row.payload, row.requester,
                     row.idempotency_key, row.request_hash, row.state, float(row.progress),
                     row.stage, row.detail, row.result, row.error, row.attempts, row.lease_owner,
                     _maybe(row.lease_until), aware(row.created_at), aware(row.updated_at),
                     aware(row.enqueued_at), _maybe(row.started_at), _maybe(row.finished_at))


class JobRepository:
    """Jobs over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def clock(self) -> dt.datetime:
        """The database's time now (aware, UTC): leases are set and compared by it, so
        workers whose clocks disagree still agree on when a lease runs out. SQLite's is
        the machine's own clock, read in SQL to the millisecond (its CURRENT_TIMESTAMP
        has whole seconds only)."""
        dialect = self.db.dialect.name
        if dialect == "sqlite":
            text = self.db.scalar(sa.select(sa.func.strftime("%Y-%m-%d %H:%M:%f", "now")))
            return dt.datetime.fromisoformat(str(text)).replace(tzinfo=dt.UTC)
        query = (sa.func.statement_timestamp() if dialect == "postgresql"
                 else sa.func.current_timestamp())
        moment = self.db.scalar(sa.select(query))
        assert isinstance(moment, dt.datetime)
        return aware(moment).astimezone(dt.UTC)

    def add(self, job: NewJob) -> JobRecord | None:
        """Keep a new queued job; None (and nothing added) when its requester already
        used its idempotency key."""
        if job.idempotency_key is not None and self.by_key(job.requester, job.idempotency_key):
            return None
        moment = self.clock()
        job_id = secrets.token_hex(8)
        values = {"id": job_id, "kind": job.kind, "council_ids": list(job.council_ids),
                  "payload": job.payload, "requester": job.requester,
                  "idempotency_key": job.idempotency_key, "request_hash": job.request_hash,
                  "state": "queued", "progress": 0.0, "attempts": 0, "created_at": moment,
                  "updated_at": moment, "enqueued_at": moment}
        if job.idempotency_key is None:
            self.db.execute(jobs.insert().values(**values))
        else:  # two requests with one key at once: one row, the other sees it taken
            with self.db.begin_nested() as savepoint:
                try:
                    self.db.execute(jobs.insert().values(**values))
                except sa.exc.IntegrityError:
                    savepoint.rollback()
                    return None
        return self.get(job_id)

    def get(self, job_id: str) -> JobRecord:
        """One job; NotFound if there is none (an id of a form never issued is not
        looked up)."""
        if not is_record_id(job_id):
            raise NotFound(f"no job {job_id!r}")
        row = self.db.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
        if row is None:
            raise NotFound(f"no job {job_id!r}")
        return _record(row)

    def by_key(self, requester: str | None, key: str) -> JobRecord | None:
        """The job a requester made with an idempotency key, if any."""
        owner = jobs.c.requester.is_(None) if requester is None else jobs.c.requester == requester
        row = self.db.execute(sa.select(jobs).where(owner)
                              .where(jobs.c.idempotency_key == key)).first()
        return None if row is None else _record(row)

    def withdraw(self, job_id: str) -> bool:
        """Forget a job no worker has taken (the queue would not take it); False, and
        nothing changed, when a worker holds it or it has ended."""
        return bool(self.db.execute(jobs.delete().where(jobs.c.id == job_id)
                                    .where(jobs.c.state == "queued")).rowcount)

    def claim(self, job_id: str, owner: str, at: dt.datetime, lease: dt.timedelta) -> JobRecord | None:
        """Take a queued job to run: running, leased to ``owner`` until ``at + lease``, its
        attempts counted; None when it is not queued (another worker has it, or it ended)."""
        taken = self.db.execute(
            jobs.update().where(jobs.c.id == job_id).where(jobs.c.state == "queued")
            .values(state="running", lease_owner=owner, lease_until=at + lease,
                    attempts=jobs.c.attempts + 1, updated_at=at,
                    started_at=sa.func.coalesce(jobs.c.started_at, at))).rowcount
        return self.get(job_id) if taken else None

    def waiting(self, limit: int = 200) -> list[Waiting]:
        """The queued jobs a worker may take, oldest first (at most ``limit``)."""
        rows = self.db.execute(sa.select(jobs.c.id, jobs.c.council_ids, jobs.c.created_at)
                               .where(jobs.c.state == "queued")
                               .order_by(jobs.c.created_at, jobs.c.id).limit(limit))
        return [Waiting(row.id, tuple(row.council_ids), aware(row.created_at)) for row in rows]

    def turns(self, since: dt.datetime) -> Turns:
        """The councils of the running jobs, and of the jobs started since ``since`` with
        when they started: how much of the workers each council has had lately."""
        rows = self.db.execute(sa.select(jobs.c.council_ids, jobs.c.state, jobs.c.started_at)
                               .where(sa.or_(jobs.c.state == "running",
                                             jobs.c.started_at >= since))).all()
        return Turns.of((row.council_ids for row in rows if row.state == "running"),
                        ((row.council_ids, aware(row.started_at)) for row in rows
                         if row.started_at is not None))

    def in_flight(self, requester: str | None, council_ids: tuple[str, ...]) -> tuple[int, int]:
        """(how many jobs ``requester`` has queued or running, the most any of
        ``council_ids`` has). On PostgreSQL it first waits for any other request being
        admitted (a lock held to the end of the transaction), so two requests at once
        cannot both pass a cap; SQLite's writing transactions run one at a time anyway."""
        if self.db.dialect.name == "postgresql":
            self.db.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADMISSION_LOCK)))
        rows = self.db.execute(sa.select(jobs.c.requester, jobs.c.council_ids)
                               .where(jobs.c.state.in_(_IN_FLIGHT))).all()
        mine = sum(1 for row in rows if requester is not None and row.requester == requester)
        most = max((sum(1 for row in rows if council_id in row.council_ids)
                    for council_id in council_ids), default=0)
        return mine, most

    def _held(self, job_id: str, owner: str) -> Any:
        return (jobs.update().where(jobs.c.id == job_id).where(jobs.c.state == "running")
                .where(jobs.c.lease_owner == owner))

    def heartbeat(self, job_id: str, owner: str, until: dt.datetime) -> bool:
        """Keep ``owner``'s lease alive until ``until``; False when it holds it no longer."""
        return bool(self.db.execute(self._held(job_id, owner)
                                    .values(lease_until=until, updated_at=self.clock())).rowcount)

    def progress(self, job_id: str, owner: str, progress: float, stage: str | None,
                 detail: dict[str, Any] | None) -> bool:
        """Record how far ``owner`` got; False when it holds the lease no longer."""
        return bool(self.db.execute(self._held(job_id, owner).values(
            progress=min(max(progress, 0.0), 1.0), stage=stage, detail=detail,
            updated_at=self.clock())).rowcount)

    def finish(self, job_id: str, owner: str, result: dict[str, Any]) -> bool:
        """Mark ``owner``'s job done with its result; False (nothing changed) when it
        holds the lease no longer, so its outcome must not be kept."""
        moment = self.clock()
        return bool(self.db.execute(self._held(job_id, owner).values(
            state="done", result=result, progress=1.0, lease_owner=None, lease_until=None,
            updated_at=moment, finished_at=moment)).rowcount)

    def fail(self, job_id: str, owner: str | None, error: dict[str, Any]) -> bool:
        """Mark a job failed with a problem: ``owner``'s running job, or (owner None) a
        job not yet finished; False when it is not so."""
        moment = self.clock()
        query = (self._held(job_id, owner) if owner is not None else
                 jobs.update().where(jobs.c.id == job_id)
                 .where(jobs.c.state.in_(("queued", "running"))))
        return bool(self.db.execute(query.values(
            state="failed", error=error, lease_owner=None, lease_until=None, updated_at=moment,
            finished_at=moment)).rowcount)

    def reap(self, at: dt.datetime, max_attempts: int,
             error: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Jobs whose lease ran out before ``at``: back to queued (their ids first), or,
        after ``max_attempts`` tries, failed with ``error`` (their ids second)."""
        expired = self.db.execute(sa.select(jobs.c.id, jobs.c.attempts)
                                  .where(jobs.c.state == "running")
                                  .where(jobs.c.lease_until < at)).all()
        again: list[str] = []
        given_up: list[str] = []
        for job_id, attempts in expired:
            still = (jobs.update().where(jobs.c.id == job_id).where(jobs.c.state == "running")
                     .where(jobs.c.lease_until < at))
            if attempts >= max_attempts:
                if self.db.execute(still.values(state="failed", error=error, lease_owner=None,
                                                lease_until=None, updated_at=at,
                                                finished_at=at)).rowcount:
                    given_up.append(job_id)
            elif self.db.execute(still.values(state="queued", lease_owner=None, lease_until=None,
                                              updated_at=at, enqueued_at=at)).rowcount:
                again.append(job_id)
        return again, given_up

    def stale(self, before: dt.datetime, at: dt.datetime, limit: int = 500) -> list[str]:
        """Queued jobs last put on the queue before ``before`` (their message may have been
        lost), marked as put on it again at ``at``: each only by the one caller whose
        conditional update changed it, so reapers running at once put it there once."""
        found = self.db.scalars(sa.select(jobs.c.id).where(jobs.c.state == "queued")
                                .where(jobs.c.enqueued_at < before)
                                .order_by(jobs.c.enqueued_at).limit(limit)).all()
        marked = []
        for job_id in found:
            if self.db.execute(jobs.update().where(jobs.c.id == job_id)
                               .where(jobs.c.state == "queued")
                               .where(jobs.c.enqueued_at < before)
                               .values(enqueued_at=at)).rowcount:
                marked.append(job_id)
        return marked

    def expire(self, before: dt.datetime, at: dt.datetime, error: dict[str, Any],
               limit: int = 500) -> list[str]:
        """Jobs queued since before ``before`` (no worker took them, or took them back)
        failed at ``at`` with ``error``; their ids."""
        found = self.db.scalars(sa.select(jobs.c.id).where(jobs.c.state == "queued")
                                .where(jobs.c.updated_at < before)
                                .order_by(jobs.c.updated_at).limit(limit)).all()
        expired = []
        for job_id in found:
            if self.db.execute(jobs.update().where(jobs.c.id == job_id)
                               .where(jobs.c.state == "queued")
                               .where(jobs.c.updated_at < before)
                               .values(state="failed", error=error, updated_at=at,
                                       finished_at=at)).rowcount:
                expired.append(job_id)
        return expired

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state."""
        rows = self.db.execute(sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state))
        found = {"queued": 0, "running": 0, "done": 0, "failed": 0}
        found.update({state: int(count) for state, count in rows})
        return found
