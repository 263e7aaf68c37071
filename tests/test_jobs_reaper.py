"""The reaper's bounds: a stale queued job is put on the queue again once a period even
when reapers run at once (PostgreSQL and SQLite), a job no worker takes fails after a
while, and the settings that drive it refuse values out of range at start."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest

from scheduler import cli
from scheduler.errors import InputError
from scheduler.jobs.records import NewJob
from scheduler.jobs.settings import JobSettings, refresh_hours
from scheduler.storage.unit_of_work import SqlUnitOfWork

from .databases import database, services_over
from .test_jobs_services import Recorder
from .test_services import COUNCIL, OPTIONS


@pytest.mark.parametrize(("name", "value"), [
    ("SCHEDULER_JOB_LEASE_S", "inf"), ("SCHEDULER_JOB_LEASE_S", "nan"),
    ("SCHEDULER_JOB_LEASE_S", "0"), ("SCHEDULER_JOB_LEASE_S", "1e9"),
    ("SCHEDULER_JOB_LEASE_S", "soon"), ("SCHEDULER_JOB_STALE_S", "Infinity"),
    ("SCHEDULER_JOB_STALE_S", "-5"), ("SCHEDULER_JOB_MAX_QUEUED_S", "nan"),
    ("SCHEDULER_JOB_ATTEMPTS", "2.5"), ("SCHEDULER_JOB_ATTEMPTS", "0"),
    ("SCHEDULER_JOB_ATTEMPTS", "inf"), ("SCHEDULER_JOB_ATTEMPTS", "1000"),
    ("SCHEDULER_JOB_ATTEMPTS", "\u0663")])
def test_job_settings_out_of_range_are_refused_naming_the_variable(name, value):
    with pytest.raises(InputError) as raised:
        JobSettings.from_env({name: value})
    assert raised.value.field == name


@pytest.mark.parametrize("value", ["0", "2.5", "1000", "six", "-6", "\u00b2"])
def test_refresh_hours_out_of_range_are_refused(value):
    with pytest.raises(InputError) as raised:
        refresh_hours({"SCHEDULER_REFRESH_HOURS": value})
    assert raised.value.field == "SCHEDULER_REFRESH_HOURS"


def test_settings_in_range_are_taken():
    settings = JobSettings.from_env({"SCHEDULER_JOB_LEASE_S": "30", "SCHEDULER_JOB_ATTEMPTS": "5",
                                     "SCHEDULER_JOB_STALE_S": "120.5",
                                     "SCHEDULER_JOB_MAX_QUEUED_S": "7200"})
    assert (settings.lease_s, settings.attempts, settings.stale_after_s,
            settings.max_queued_s) == (30, 5, 120.5, 7200)
    assert refresh_hours({"SCHEDULER_REFRESH_HOURS": "24"}) == 24 and refresh_hours({}) == 6


@pytest.mark.parametrize(("name", "value"), [("SCHEDULER_JOB_LEASE_S", "inf"),
                                             ("SCHEDULER_REFRESH_HOURS", "0")])
def test_a_worker_with_a_setting_out_of_range_exits_2_with_one_line(tmp_path, monkeypatch,
                                                                    capsys, name, value):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    monkeypatch.setenv("SCHEDULER_QUEUE_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv(name, value)
    assert cli.main(["worker"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and name in lines[0]
    assert not (tmp_path / "w.sqlite").exists()  # stopped before the database was touched


def test_an_app_with_a_setting_out_of_range_is_refused_before_its_database(tmp_path,
                                                                            monkeypatch):
    from api import create_app

    monkeypatch.setenv("SCHEDULER_JOB_MAX_QUEUED_S", "inf")
    with pytest.raises(InputError) as raised:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}", "TESTING": True})
    assert raised.value.field == "SCHEDULER_JOB_MAX_QUEUED_S"
    assert not (tmp_path / "a.sqlite").exists()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    with database(request.param, tmp_path) as made:
        yield made


def test_reapers_at_once_put_a_stale_job_on_the_queue_once(engine):
    with SqlUnitOfWork(engine) as uow:
        job = uow.jobs.add(NewJob("proposal", ("c",), {}, None, None, None))
        uow.commit()
    assert job is not None
    later = job.enqueued_at + dt.timedelta(minutes=20)
    before = later - dt.timedelta(minutes=10)
    second: list[list[str]] = []

    def another_reaper() -> None:
        with SqlUnitOfWork(engine) as uow:
            second.append(uow.jobs.stale(before, later + dt.timedelta(seconds=1)))
            uow.commit()

    with SqlUnitOfWork(engine) as uow:
        first = uow.jobs.stale(before, later)
        thread = threading.Thread(target=another_reaper)
        thread.start()  # it reads while the first has not committed yet
        time.sleep(0.5)
        uow.commit()
    thread.join(10)
    assert first == [job.id] and second == [[]]


@pytest.fixture(params=["fake", "sqlite"])
def services(request, tmp_path):
    with services_over(request.param, tmp_path) as made:
        yield made


def test_a_job_no_worker_takes_fails_after_a_while(services):
    council_id = services.create_council(COUNCIL)["id"]
    services.job_queue = Recorder()
    job, _ = services.submit_proposal(council_id, OPTIONS)
    services.job_settings = dataclasses.replace(JobSettings(), stale_after_s=0.05,
                                                max_queued_s=0.3)
    time.sleep(0.1)
    assert services.reap_jobs() == ([job.id], [])  # its message may be lost: once more
    assert services.reap_jobs() == ([], [])  # not again within the period
    time.sleep(0.3)
    assert services.reap_jobs() == ([], [job.id])
    failed = services.job(job.id)
    assert failed.state == "failed" and failed.error["status"] == 503
    assert "no worker took the job" in failed.error["detail"]
    assert services.job_queue.ids == [job.id, job.id]
    assert services.run_job(job.id) is None  # a late message finds it ended
