"""The jobs table on SQLite and PostgreSQL: one claim wins, only the lease's holder ends a
job, the reaper hands expired leases back and gives up after the attempts cap, and an
idempotency key keeps one job per requester even when sent twice at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from scheduler.errors import NotFound
from scheduler.jobs.records import NewJob
from scheduler.storage.unit_of_work import SqlUnitOfWork

from .conftest import Repositories
from .databases import database

LEASE = dt.timedelta(seconds=30)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    with database(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        yield Repositories(engine)


def new_job(key: str | None = None, requester: str | None = "token-1") -> NewJob:
    return NewJob("proposal", ("kultur",), {"council_id": "kultur", "options": {"meetings": 2}},
                  requester, key, "hash-1")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_a_job_is_kept_queued_with_what_was_asked(store):
    job = store.jobs.add(new_job())
    assert job.state == "queued" and job.progress == 0.0 and job.attempts == 0
    assert job.council_ids == ("kultur",) and job.payload["options"] == {"meetings": 2}
    assert store.jobs.get(job.id) == job
    with pytest.raises(NotFound):
        store.jobs.get("nope")


def test_only_one_of_many_workers_claims_a_job(store):
    job = store.jobs.add(new_job())
    claims: list[object] = []
    barrier = threading.Barrier(6)

    def claim(i: int) -> None:
        barrier.wait()
        claims.append(store.jobs.claim(job.id, f"w{i}", now(), LEASE))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [c for c in claims if c is not None]
    assert len(won) == 1
    running = store.jobs.get(job.id)
    assert running.state == "running" and running.attempts == 1
    assert running.lease_owner == won[0].lease_owner  # type: ignore[attr-defined]


def test_only_the_lease_holder_records_progress_and_ends_the_job(store):
    job = store.jobs.add(new_job())
    store.jobs.claim(job.id, "w1", now(), LEASE)
    assert not store.jobs.progress(job.id, "w2", 0.5, "solve", None)
    assert store.jobs.progress(job.id, "w1", 0.5, "solve", {"bound": 3.0, "gap": 0.1})
    seen = store.jobs.get(job.id)
    assert (seen.progress, seen.stage, seen.detail) == (0.5, "solve", {"bound": 3.0, "gap": 0.1})
    assert not store.jobs.finish(job.id, "w2", {"proposal": "p"})
    assert store.jobs.finish(job.id, "w1", {"proposal": "p"})
    done = store.jobs.get(job.id)
    assert done.state == "done" and done.result == {"proposal": "p"} and done.progress == 1.0
    assert done.lease_owner is None and done.finished_at is not None
    assert not store.jobs.claim(job.id, "w3", now(), LEASE)  # an ended job is not run again
    assert not store.jobs.fail(job.id, None, {"status": 500})


def test_a_heartbeat_keeps_the_lease_from_the_reaper(store):
    job = store.jobs.add(new_job())
    store.jobs.claim(job.id, "w1", now() - dt.timedelta(minutes=5), LEASE)  # long expired
    assert store.jobs.heartbeat(job.id, "w1", now() + LEASE)
    assert not store.jobs.heartbeat(job.id, "w2", now() + LEASE)
    again, failed = store.jobs.reap(now(), 3, {"status": 500})
    assert job.id not in again and job.id not in failed


def test_the_reaper_requeues_an_expired_lease_and_gives_up_after_the_cap(store):
    job = store.jobs.add(new_job())
    for attempt in range(1, 4):
        assert store.jobs.claim(job.id, f"w{attempt}", now() - dt.timedelta(minutes=5), LEASE)
        again, failed = store.jobs.reap(now(), 3, {"status": 500, "title": "gave up"})
        if attempt < 3:
            assert job.id in again and job.id not in failed
            requeued = store.jobs.get(job.id)
            assert requeued.state == "queued" and requeued.lease_owner is None
        else:
            assert job.id in failed and job.id not in again
    given_up = store.jobs.get(job.id)
    assert given_up.state == "failed" and given_up.error == {"status": 500, "title": "gave up"}
    assert given_up.attempts == 3
    # the worker that died comes back to life: its outcome is not kept
    assert not store.jobs.finish(job.id, "w3", {"proposal": "late"})


def test_queued_jobs_whose_message_was_lost_are_found_once_per_period(store):
    job = store.jobs.add(new_job())
    later = now() + dt.timedelta(minutes=20)
    assert job.id in store.jobs.stale(later - dt.timedelta(minutes=10), later)
    assert job.id not in store.jobs.stale(later - dt.timedelta(minutes=10), later)


def test_an_idempotency_key_gives_one_job_per_requester_even_at_once(store):
    results: list[object] = []
    barrier = threading.Barrier(4)

    def add() -> None:
        barrier.wait()
        results.append(store.jobs.add(new_job("key-1")))

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    made = [r for r in results if r is not None]
    assert len(made) == 1
    assert store.jobs.by_key("token-1", "key-1") == made[0]
    other = store.jobs.add(new_job("key-1", requester="token-2"))  # another requester's key
    assert other is not None and other.id != made[0].id  # type: ignore[attr-defined]


def test_a_failed_insert_of_a_taken_key_leaves_the_transaction_usable(store):
    store.jobs.add(new_job("key-2"))
    with SqlUnitOfWork(store.engine) as uow:
        assert uow.jobs.add(new_job("key-2")) is None
        fresh = uow.jobs.add(new_job("key-3"))
        uow.commit()
    assert fresh is not None and store.jobs.get(fresh.id).idempotency_key == "key-3"


def test_a_job_is_deleted_when_the_queue_would_not_take_it(store):
    job = store.jobs.add(new_job())
    assert store.jobs.withdraw(job.id)
    with pytest.raises(NotFound):
        store.jobs.get(job.id)
    assert not store.jobs.withdraw(job.id)


def test_a_job_a_worker_holds_or_ended_is_not_withdrawn(store):
    held = store.jobs.add(new_job())
    store.jobs.claim(held.id, "w1", now(), LEASE)
    ended = store.jobs.add(new_job())
    store.jobs.claim(ended.id, "w1", now(), LEASE)
    store.jobs.finish(ended.id, "w1", {"proposal": "p"})
    assert not store.jobs.withdraw(held.id) and not store.jobs.withdraw(ended.id)
    assert store.jobs.get(held.id).state == "running"
    assert store.jobs.get(ended.id).state == "done"
