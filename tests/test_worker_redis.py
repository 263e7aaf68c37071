"""``scheduler worker`` processes on Redis and PostgreSQL: a worker killed with SIGKILL in
the middle of a solve loses nothing (after its lease runs out the job runs on another
worker and exactly one proposal is kept), and a worker stops cleanly on SIGTERM."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.jobs.queue import JobQueue
from scheduler.jobs.queue_url import queue_target
from scheduler.serve import load_demo
from scheduler.services import open_services

from .databases import database
from .test_queue_servers import Worker, redis_server, wait_for, worker_env

# a year of the demo council at a 5-minute grid: the solver works for its whole time limit
SLOW = {"from": "2027-01-04", "to": "2027-12-20", "meetings": 10, "step": "5m",
        "min_gap_days": 14, "time_limit_s": 12, "alternatives": 0}
LEASE_S = "3"


@pytest.fixture
def world(tmp_path):
    """PostgreSQL with the demo council, our own Redis, and services of this process
    putting jobs on it."""
    with database("postgresql", tmp_path) as engine, redis_server(tmp_path) as redis:
        url = engine.url.render_as_string(hide_password=False)
        services, own_engine = open_services(url, link_key="tests")
        services.job_queue = JobQueue(queue_target(redis.url), lambda: services)
        council_id, _tokens = load_demo(services, 2027)
        yield {"services": services, "url": url, "redis": redis, "council": council_id,
               "folder": tmp_path}
        own_engine.dispose()


def test_a_worker_killed_mid_solve_loses_nothing_and_the_job_is_kept_once(world):
    services = world["services"]
    env = worker_env(world["url"], world["redis"].url, SCHEDULER_JOB_LEASE_S=LEASE_S)
    first = Worker(env, world["folder"] / "first.log")
    second = None
    try:
        job, _new = services.submit_proposal(world["council"], SLOW, "token-1", "slow-1")

        def solving():
            seen = services.job(job.id)
            return seen if seen.state == "running" and (seen.stage or "").startswith("stage") \
                else None

        running = wait_for(solving, 90, "the first worker to be solving")
        assert running.lease_owner.split(":")[1] == str(first.pid)
        first.kill()
        assert services.job(job.id).state == "running"  # nobody says it died but its lease
        wait_for(lambda: services.job(job.id).lease_until < dt.datetime.now(dt.UTC), 10,
                 "the lease to run out")
        second = Worker(env, world["folder"] / "second.log")
        done = wait_for(lambda: services.job(job.id).finished and services.job(job.id), 120,
                        "the second worker to finish the job")
        assert done.state == "done", done.error
        assert done.attempts == 2
        proposals = services.proposals(world["council"])
        assert [p.id for p in proposals] == [done.result["proposal"]]
        assert "1 jobs put on the queue again" in second.text()
        assert second.stop() == 0  # SIGTERM: stops cleanly
        assert "worker: stopped" in second.text()
        second = None
    finally:
        if first.process.poll() is None:
            first.kill()
        if second is not None:
            second.stop()


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_the_same_idempotency_key_on_redis_gives_one_job(world, processes):
    services = world["services"]
    quick = {"from": "2027-02-01", "to": "2027-03-01", "meetings": 1, "min_gap_days": 1,
             "time_limit_s": 10}
    made = {services.submit_proposal(world["council"], quick, "token-1", "k")[0].id
            for _ in range(3)}
    assert len(made) == 1
    assert services.job_queue.pending() == 1  # one message for one job
    env = worker_env(world["url"], world["redis"].url)
    worker = Worker(env, world["folder"] / "w.log", workers=2, processes=processes)
    try:
        (job_id,) = made
        job = wait_for(lambda: services.job(job_id).finished and services.job(job_id), 60,
                       "the job to end")
        assert job.state == "done", job.error
        assert len(services.proposals(world["council"])) == 1
    finally:
        assert worker.stop() == 0
