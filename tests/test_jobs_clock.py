"""Leases run by the database's clock, on SQLite and PostgreSQL: a worker whose own clock
runs an hour behind keeps its lease while it works, and a reaper whose clock runs an hour
ahead hands back no lease that is still alive."""

from __future__ import annotations

import datetime as dt
import types

import pytest

from scheduler.jobs import lease
from scheduler.services import jobs as job_services

from .databases import services_over
from .test_jobs_services import Recorder
from .test_services import COUNCIL, OPTIONS


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path):
    with services_over(request.param, tmp_path) as made:
        made.job_queue = Recorder()
        yield made


def skewed(monkeypatch, offset: dt.timedelta) -> None:
    """This process's clock, as the job code reads it, ``offset`` off the true time."""
    class Skewed(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
            return dt.datetime.now(tz) + offset

    clock = types.SimpleNamespace(datetime=Skewed, timedelta=dt.timedelta, UTC=dt.UTC)
    monkeypatch.setattr(job_services, "dt", clock)
    monkeypatch.setattr(lease, "dt", clock)


def test_the_database_tells_the_time_in_utc(services):
    with services.reader() as uow:
        first = uow.jobs.clock()
        second = uow.jobs.clock()
    assert first.utcoffset() == dt.timedelta(0) and second >= first
    assert abs(first - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
    assert first.microsecond or second.microsecond or first != second  # finer than seconds


def test_a_worker_whose_clock_runs_behind_keeps_its_lease(services, monkeypatch):
    council_id = services.create_council(COUNCIL)["id"]
    job, _ = services.submit_proposal(council_id, OPTIONS)
    compute = services.compute_proposal

    def meanwhile_a_true_clock_reaps(*args, **kwargs):
        with services.uow() as uow:
            uow.jobs.reap(dt.datetime.now(dt.UTC), 3, {"status": 500})
            uow.commit()
        return compute(*args, **kwargs)

    skewed(monkeypatch, -dt.timedelta(hours=1))
    services.compute_proposal = meanwhile_a_true_clock_reaps
    ended = services.run_job(job.id, "w1")
    assert ended.state == "done" and ended.attempts == 1
    assert [p.id for p in services.proposals(council_id)] == [ended.result["proposal"]]


def test_a_reaper_whose_clock_runs_ahead_hands_back_no_live_lease(services, monkeypatch):
    council_id = services.create_council(COUNCIL)["id"]
    job, _ = services.submit_proposal(council_id, OPTIONS)
    with services.uow() as uow:
        uow.jobs.claim(job.id, "w1", dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
        uow.commit()
    skewed(monkeypatch, dt.timedelta(hours=1))
    assert services.reap_jobs() == ([], [])
    assert services.job(job.id).state == "running"
