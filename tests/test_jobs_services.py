"""The job use cases over in-memory storage and SQLite: a job is asked for only after the
request checks out as ``create_proposal`` checks it, runs once under a lease, keeps its
outcome only while it holds the lease, and a queue that is down keeps nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from contextlib import contextmanager

import pytest

from scheduler.errors import InputError, KeyReused, NotFound, QueueUnavailable
from scheduler.jobs.lease import Heartbeat, ProgressWriter
from scheduler.jobs.settings import JobSettings

from .databases import services_over
from .test_services import COUNCIL, OPTIONS


@pytest.fixture(params=["fake", "sqlite"])
def services(request, tmp_path):
    with services_over(request.param, tmp_path) as made:
        yield made


class Recorder:
    """A queue that keeps what it was given (or is down)."""

    def __init__(self, down: bool = False):
        self.down = down
        self.ids: list[str] = []

    def enqueue_job(self, job_id: str) -> None:
        if self.down:
            raise QueueUnavailable("the queue is down")
        self.ids.append(job_id)


def council_id(services) -> str:
    return services.create_council(COUNCIL)["id"]


def test_without_a_queue_a_job_runs_at_once_and_keeps_one_proposal(services):
    cid = council_id(services)
    job, new = services.submit_proposal(cid, OPTIONS, "token-1")
    assert new and job.state == "done" and job.progress == 1.0 and job.attempts == 1
    proposals = services.proposals(cid)
    assert [p.id for p in proposals] == [job.result["proposal"]]
    assert proposals[0].request == OPTIONS
    assert services.run_job(job.id) is None  # a finished job is never run again
    assert len(services.proposals(cid)) == 1


@pytest.mark.parametrize(("options", "error", "field"), [
    ({**OPTIONS, "meetings": 0}, InputError, "meetings"),
    ({**OPTIONS, "to": "soon"}, InputError, "to")])
def test_bad_requests_answer_as_create_proposal_does_and_keep_nothing(services, options, error,
                                                                      field):
    cid = council_id(services)
    with pytest.raises(error) as raised:
        services.create_proposal(cid, options)
    with pytest.raises(error) as submitted:
        services.submit_proposal(cid, options)
    assert submitted.value.field == raised.value.field == field
    assert services.job_counts() == {"queued": 0, "running": 0, "done": 0, "failed": 0}


def test_an_unknown_council_is_not_found_and_keeps_nothing(services):
    with pytest.raises(NotFound):
        services.submit_proposal("nope", OPTIONS)
    assert sum(services.job_counts().values()) == 0


def test_the_same_key_gives_the_same_job_and_another_request_with_it_is_refused(services):
    cid = council_id(services)
    services.job_queue = Recorder()
    first, new = services.submit_proposal(cid, OPTIONS, "token-1", "k1")
    again, again_new = services.submit_proposal(cid, dict(OPTIONS), "token-1", "k1")
    assert new and not again_new and again.id == first.id
    assert services.job_queue.ids == [first.id]  # queued once
    other, other_new = services.submit_proposal(cid, OPTIONS, "token-2", "k1")
    assert other_new and other.id != first.id  # keys are the requester's own
    with pytest.raises(KeyReused):
        services.submit_proposal(cid, {**OPTIONS, "meetings": 2}, "token-1", "k1")


def test_a_queue_that_is_down_keeps_no_job(services):
    cid = council_id(services)
    services.job_queue = Recorder(down=True)
    with pytest.raises(QueueUnavailable):
        services.submit_proposal(cid, OPTIONS, "token-1", "k1")
    assert sum(services.job_counts().values()) == 0
    services.job_queue = Recorder()
    job, new = services.submit_proposal(cid, OPTIONS, "token-1", "k1")  # the key is free again
    assert new and job.state == "queued"


def test_a_queue_that_errs_after_taking_the_job_answers_with_the_job(services):
    cid = council_id(services)

    class TookItThenFailed:
        def enqueue_job(self, job_id: str) -> None:
            services.run_job(job_id, "w1")  # a worker had it at once
            raise QueueUnavailable("no answer from the queue")

    services.job_queue = TookItThenFailed()
    job, new = services.submit_proposal(cid, OPTIONS, "token-1", "k1")
    assert new and job.state == "done"
    assert [p.id for p in services.proposals(cid)] == [job.result["proposal"]]
    assert services.job(job.id) == job


def test_a_worker_that_lost_its_lease_keeps_no_outcome(services):
    cid = council_id(services)
    services.job_queue = Recorder()
    job, _ = services.submit_proposal(cid, OPTIONS)
    compute = services.compute_proposal

    def slow(*args, **kwargs):
        document = compute(*args, **kwargs)
        with services.uow() as uow:  # meanwhile the reaper gave the job to another worker
            uow.jobs.fail(job.id, None, {"status": 500, "title": "taken away"})
            uow.commit()
        return document

    services.compute_proposal = slow
    ended = services.run_job(job.id, "w1")
    assert ended.state == "failed" and services.proposals(cid) == []


def test_an_error_in_the_computation_is_the_jobs_problem(services):
    cid = council_id(services)
    services.job_queue = Recorder()
    job, _ = services.submit_proposal(cid, OPTIONS)
    services.delete_council(cid)  # gone before a worker came to it
    ended = services.run_job(job.id, "w1")
    assert ended.state == "failed" and ended.error["status"] == 404
    assert ended.error["title"] == "Not Found"


def test_the_reaper_puts_a_dead_workers_job_back_on_the_queue(services):
    cid = council_id(services)
    services.job_queue = Recorder()
    services.job_settings = dataclasses.replace(JobSettings(), lease_s=0.001, attempts=2)
    job, _ = services.submit_proposal(cid, OPTIONS)
    with services.uow() as uow:  # a worker claims it and dies
        uow.jobs.claim(job.id, "dead", job.created_at, __import__("datetime").timedelta(0))
        uow.commit()
    queued, failed = services.reap_jobs()
    assert queued == [job.id] and failed == []
    assert services.job_queue.ids == [job.id, job.id]
    services.job_settings = JobSettings()
    done = services.run_job(job.id, "w2")
    assert done.state == "done" and done.attempts == 2
    assert len(services.proposals(cid)) == 1


def test_progress_is_written_at_most_as_often_as_asked(services):
    cid = council_id(services)
    services.job_queue = Recorder()
    job, _ = services.submit_proposal(cid, OPTIONS)
    with services.uow() as uow:
        uow.jobs.claim(job.id, "w1", job.created_at, __import__("datetime").timedelta(hours=1))
        uow.commit()

    @dataclasses.dataclass
    class Report:
        stage: str
        fraction: float | None
        bound: float | None = None
        best: float | None = None
        gap: float | None = None

    writer = ProgressWriter(services.uow, job.id, "w1", every_s=60)
    writer(Report("solve", 0.1, bound=2.0, best=1.5, gap=0.25))
    for i in range(50):
        writer(Report("solve", 0.1 + i / 100))
    writer(Report("polish", None, gap=float("nan")))
    assert writer.written == 2  # the first report and the new stage
    seen = services.job(job.id)
    assert seen.stage == "polish" and seen.progress == pytest.approx(0.59)
    assert seen.detail == {"bound": None, "best": None, "gap": None}


def test_the_wait_returns_when_the_job_ends_or_the_time_is_up(services):
    cid = council_id(services)
    services.job_queue = Recorder()
    job, _ = services.submit_proposal(cid, OPTIONS)
    assert services.wait(job.id, 0.05).state == "queued"
    services.run_job(job.id)
    assert services.wait(job.id, 5).state == "done"


@contextmanager
def claimed_job(folder):
    """Services over SQLite and a proposal job claimed by worker ``w1`` for 0.3 s."""
    with services_over("sqlite", folder) as services:
        services.job_queue = Recorder()
        job, _ = services.submit_proposal(council_id(services), OPTIONS)
        with services.uow() as uow:
            uow.jobs.claim(job.id, "w1", dt.datetime.now(dt.UTC), dt.timedelta(seconds=0.3))
            uow.commit()
        yield services, job


def test_a_heartbeat_keeps_the_lease_alive_and_notices_when_it_is_lost(tmp_path):
    with claimed_job(tmp_path) as (services, job):
        first = services.job(job.id).lease_until
        with Heartbeat(services.uow, job.id, "w1", 0.3) as beat:
            time.sleep(0.5)
            renewed = services.job(job.id).lease_until
            assert renewed > first and not beat.lost
            with services.uow() as uow:  # the reaper gave it away meanwhile
                uow.jobs.reap(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5), 3, {})
                uow.commit()
            time.sleep(0.4)
            assert beat.lost


def test_a_heartbeat_after_the_job_ended_says_no_lease_was_lost(tmp_path, caplog):
    with claimed_job(tmp_path) as (services, job):
        caplog.set_level("DEBUG", logger="scheduler.jobs.lease")
        with Heartbeat(services.uow, job.id, "w1", 0.3) as beat:
            with services.uow() as uow:  # the worker ends the job while the beat waits
                assert uow.jobs.finish(job.id, "w1", {"proposal": "p"})
                uow.commit()
            time.sleep(0.4)
            assert not beat.lost
        assert "lease was lost" not in caplog.text and "ended; the heartbeat stops" in caplog.text
