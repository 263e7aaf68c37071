"""A job whose outcome cannot be kept, on SQLite and PostgreSQL: it ends failed with a
problem saying why when another try would meet the same (its council removed while it
ran: 404; a value refused: 400; a defect: 500), and is tried again only when the
database failed for a moment; it is never left running."""

from __future__ import annotations

import dataclasses
import time

import pytest
import sqlalchemy as sa

from scheduler.errors import InputError
from scheduler.jobs.settings import JobSettings
from scheduler.services import jobs as job_services

from .databases import services_over
from .test_jobs_services import Recorder
from .test_services import COUNCIL, OPTIONS


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path):
    with services_over(request.param, tmp_path) as made:
        made.job_queue = Recorder()
        yield made


def submitted(services):
    council_id = services.create_council(COUNCIL)["id"]
    job, _ = services.submit_proposal(council_id, OPTIONS)
    return council_id, job


def removed_while_computing(services, council_id: str) -> None:
    compute = services.compute_proposal

    def then_removed(*args, **kwargs):
        document = compute(*args, **kwargs)
        services.delete_council(council_id)
        return document

    services.compute_proposal = then_removed


def test_a_council_removed_while_the_job_ran_fails_it_as_not_found(services):
    council_id, job = submitted(services)
    removed_while_computing(services, council_id)
    ended = services.run_job(job.id, "w1")
    assert ended.state == "failed" and ended.error["status"] == 404
    assert "removed while the job ran" in ended.error["detail"]


def test_a_council_removed_as_the_outcome_is_stored_fails_it_as_not_found(services,
                                                                          monkeypatch):
    council_id, job = submitted(services)
    removed_while_computing(services, council_id)
    monkeypatch.setattr(job_services, "_still_there", lambda uow, job: None)  # too late
    ended = services.run_job(job.id, "w1")
    assert ended.state == "failed" and ended.error["status"] == 404
    assert council_id in ended.error["detail"]


@pytest.mark.parametrize(("error", "status"), [
    (InputError("no such party", field="parties"), 400),
    (sa.exc.DataError("INSERT", {}, Exception("value refused")), 400),
    (ValueError("a defect"), 500)])
def test_an_error_storing_the_outcome_fails_the_job_with_its_problem(services, monkeypatch,
                                                                     error, status):
    council_id, job = submitted(services)

    def refuse(*_args):
        raise error

    monkeypatch.setattr(type(services), "keep_proposal", staticmethod(refuse))
    ended = services.run_job(job.id, "w1")
    assert ended.state == "failed" and ended.error["status"] == status
    assert ended.finished_at is not None and services.proposals(council_id) == []


def test_a_database_that_failed_for_a_moment_leaves_the_job_to_be_tried_again(services,
                                                                              monkeypatch):
    council_id, job = submitted(services)
    services.job_settings = dataclasses.replace(JobSettings(), lease_s=0.3)

    def dropped(*_args):
        raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(type(services), "keep_proposal", staticmethod(dropped))
    waiting = services.run_job(job.id, "w1")
    assert waiting.state == "running" and waiting.error is None
    time.sleep(0.4)
    assert services.reap_jobs() == ([job.id], [])
    monkeypatch.undo()  # the database is back
    done = services.run_job(job.id, "w2")
    assert done.state == "done" and done.attempts == 2
    assert [p.id for p in services.proposals(council_id)] == [done.result["proposal"]]
