"""One council cannot starve the others: a free worker takes the queued job of the council
with the fewest jobs running and served longest ago, not the next message's; still every
job runs exactly once, on SQLite and PostgreSQL, and no message is lost. A token (and a
council) has a cap on jobs queued or running: beyond it 429 with Retry-After, nothing
kept."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from api import create_app
from scheduler.jobs.fair import Turns, Waiting, fair_order
from scheduler.jobs.settings import JobSettings

from .conftest import bearer
from .databases import services_over
from .test_queue_faults import COUNCIL, OPTIONS

ASYNC = {"Prefer": "respond-async"}
T0 = dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)


def _council(name: str) -> dict[str, Any]:
    return {**COUNCIL, "name": name}


# the choice itself ---------------------------------------------------------------------------
def _waiting(job_id: str, *councils: str, minute: int = 0) -> Waiting:
    return Waiting(job_id, councils, T0 + dt.timedelta(minutes=minute))


def test_a_council_never_served_goes_before_the_older_jobs_of_one_just_served():
    queued = [_waiting("a2", "A", minute=1), _waiting("a3", "A", minute=2),
              _waiting("b1", "B", minute=3)]
    served = Turns.of([], [(("A",), T0 + dt.timedelta(minutes=5))])
    assert fair_order(queued, served) == ["b1", "a2", "a3"]


def test_the_council_with_fewer_jobs_running_goes_first_and_a_round_waits_for_its_busiest():
    queued = [_waiting("a2", "A"), _waiting("round", "B", "C", minute=1),
              _waiting("c1", "C", minute=2)]
    turns = Turns.of([("A",), ("B",), ("B",)], [])
    assert fair_order(queued, turns) == ["c1", "a2", "round"]


def test_with_nothing_running_or_served_the_oldest_goes_first():
    queued = [_waiting("new", "B", minute=3), _waiting("old", "A", minute=1),
              _waiting("refresh", minute=2)]
    assert fair_order(queued, Turns()) == ["old", "refresh", "new"]


# one worker, over HTTP -----------------------------------------------------------------------
class Gate:
    """Council A's proposals wait for a permit each (heavy jobs, held as long as the test
    likes); every start is recorded, and the first one is told."""

    def __init__(self, services: Any, heavy: str):
        self.compute = services.compute_proposal
        self.heavy = heavy
        self.permits = threading.Semaphore(0)
        self.started: list[str] = []
        self.first = threading.Event()
        services.compute_proposal = self

    def __call__(self, council_id: str, options: Any, **kwargs: Any) -> Any:
        self.started.append(council_id)
        self.first.set()
        if council_id == self.heavy:
            assert self.permits.acquire(timeout=60), "the test never let the job end"
        return self.compute(council_id, options, **kwargs)


@pytest.fixture
def one_worker(tmp_path, monkeypatch) -> Iterator[Flask]:
    """An app with the embedded queue and one worker thread in it; a token may queue 8."""
    monkeypatch.setenv("SCHEDULER_JOBS_PER_TOKEN", "8")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                      "QUEUE_URL": "", "RUN_WORKER": True, "WORKERS": 1})
    yield app
    app.extensions["council_queue"].stop(5.0)
    app.extensions["council_engine"].dispose()


def test_a_second_councils_job_finishes_while_the_first_councils_heavy_jobs_still_wait(
        one_worker):
    app, client = one_worker, one_worker.test_client()
    services = app.extensions["council_services"]
    admin = bearer(app)
    a = client.post("/api/councils", json=_council("Råd A"), headers=admin).json["id"]
    b = client.post("/api/councils", json=_council("Råd B"), headers=admin).json["id"]
    gate = Gate(services, a)
    first = bearer(app, "secretary", a)
    heavy = [client.post(f"/api/councils/{a}/proposals", json=OPTIONS,
                         headers={**first, **ASYNC}).json["id"] for _ in range(6)]
    assert gate.first.wait(30)  # the worker holds A's first job
    small = client.post(f"/api/councils/{b}/proposals", json=OPTIONS,
                        headers={**bearer(app, "secretary", b), **ASYNC})
    assert small.status_code == 202
    gate.permits.release()  # A's first job ends; the worker is free once

    done = services.wait(small.json["id"], 30)
    assert done.state == "done", done
    states = Counter(services.job(job_id).state for job_id in heavy)
    assert states["done"] == 1 and states["queued"] >= 4, states
    assert gate.started[:2] == [a, b]

    gate.permits.release(5)
    ended = [services.wait(job_id, 60) for job_id in heavy]
    assert [(j.state, j.attempts) for j in ended] == [("done", 1)] * 6
    assert len(services.proposals(a)) == 6 and len(services.proposals(b)) == 1
    assert gate.started.count(a) == 6  # each job run once


# many workers: each job once, no message lost ------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def stored(request, tmp_path) -> Iterator[Any]:
    with services_over(request.param, tmp_path) as made:
        yield made


def test_workers_taking_the_fairest_job_at_once_run_each_job_exactly_once(stored):
    councils = [stored.create_council(_council(f"Råd {n}"))["id"] for n in range(3)]
    stored.job_queue = type("Queue", (), {"enqueue_job": lambda _self, _i: None})()
    stored.job_settings = JobSettings(per_token=20, per_council=20)
    ids = [stored.submit_proposal(councils[n % 3], OPTIONS, "t")[0].id for n in range(9)]
    runs: list[str] = []
    compute = stored.compute_proposal

    def counted(council_id: str, options: Any, **kwargs: Any) -> Any:
        runs.append(council_id)
        return compute(council_id, options, **kwargs)

    stored.compute_proposal = counted
    barrier = threading.Barrier(6)

    def worker() -> None:  # as many messages as jobs and more: each takes what is fairest
        barrier.wait()
        while stored.run_next() is not None:
            pass

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(stored.job(i).state, stored.job(i).attempts) for i in ids] == [("done", 1)] * 9
    assert sorted(runs) == sorted(councils * 3)
    assert sum(len(stored.proposals(c)) for c in councils) == 9


def test_a_message_whose_job_was_taken_in_another_ones_place_takes_the_job_passed_over(
        tmp_path):
    with services_over("sqlite", tmp_path) as services:
        a = services.create_council(_council("Råd A"))["id"]
        b = services.create_council(_council("Råd B"))["id"]
        messages: list[str] = []
        services.job_queue = type("Queue", (), {"enqueue_job": lambda _self, i: messages.append(i)})()
        first = [services.submit_proposal(a, OPTIONS, "ta")[0].id for _ in range(2)]
        other = services.submit_proposal(b, OPTIONS, "tb")[0].id
        order = [services.run_next() for _message in messages]  # one worker, FIFO messages
        assert [job.id for job in order if job] == [first[0], other, first[1]]
        assert services.run_next() is None  # nothing left, nothing run twice
        assert all(services.job(i).attempts == 1 for i in [*first, other])


# the caps ------------------------------------------------------------------------------------
def test_a_token_beyond_its_cap_of_jobs_in_flight_is_refused_429_and_nothing_is_kept(
        tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDULER_JOBS_PER_TOKEN", "2")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                      "QUEUE_URL": "", "RUN_WORKER": False})  # nothing runs: all stay queued
    try:
        client = app.test_client()
        services = app.extensions["council_services"]
        council = client.post("/api/councils", json=COUNCIL, headers=bearer(app)).json["id"]
        secretary = {**bearer(app, "secretary", council), **ASYNC}
        path = f"/api/councils/{council}/proposals"
        assert [client.post(path, json=OPTIONS, headers=secretary).status_code
                for _ in range(2)] == [202, 202]
        before = services.job_counts()
        refused = client.post(path, json=OPTIONS, headers=secretary)
        assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
        assert int(refused.headers["Retry-After"]) > 0 and "token" in refused.json["detail"]
        assert services.job_counts() == before
        again = client.post(path, json=OPTIONS, headers={**secretary, "Idempotency-Key": "k"})
        assert again.status_code == 429
        # another token of the same council may still ask
        other = client.post(path, json=OPTIONS,
                            headers={**bearer(app, "secretary", council), **ASYNC})
        assert other.status_code == 202
    finally:
        app.extensions["council_engine"].dispose()


def test_a_council_beyond_its_cap_is_refused_whichever_token_asks(tmp_path):
    with services_over("sqlite", tmp_path) as services:
        services.job_settings = JobSettings(per_token=5, per_council=3)
        services.job_queue = type("Queue", (), {"enqueue_job": lambda _self, _i: None})()
        council = services.create_council(COUNCIL)["id"]
        for n in range(3):
            services.submit_proposal(council, OPTIONS, f"token-{n}")
        from scheduler.errors import Busy

        with pytest.raises(Busy, match="council"):
            services.submit_proposal(council, OPTIONS, "token-9")
        assert services.job_counts()["queued"] == 3
        services.submit_proposal(council, OPTIONS)  # the command line is not counted


@pytest.mark.parametrize(("name", "value"), [("SCHEDULER_JOBS_PER_TOKEN", "0"),
                                             ("SCHEDULER_JOBS_PER_COUNCIL", "many")])
def test_a_cap_out_of_range_names_its_variable(name, value):
    from scheduler.errors import InputError

    with pytest.raises(InputError) as raised:
        JobSettings.from_env({name: value})
    assert raised.value.field == name


def test_the_proposal_form_beyond_the_cap_says_so_in_swedish_and_keeps_nothing(tmp_path,
                                                                              monkeypatch):
    monkeypatch.setenv("SCHEDULER_JOBS_PER_TOKEN", "1")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                      "QUEUE_URL": "", "RUN_WORKER": False, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "tests"})
    try:
        client = app.test_client()
        services = app.extensions["council_services"]
        council = services.create_council(COUNCIL)["id"]
        secret = services.create_token("secretary", council)[1]
        assert client.post("/sign-in", data={"token": secret}).status_code == 302
        form = {"from": "2027-01-11", "to": "2027-01-16", "meetings": "1"}
        assert "/jobs/" in client.post(f"/councils/{council}/proposals", data=form).location
        refused = client.post(f"/councils/{council}/proposals", data=form,
                              follow_redirects=True)
        assert refused.status_code == 200
        assert "Det går inte att beställa fler förslag just nu" in refused.text
        assert services.job_counts()["queued"] == 1
    finally:
        app.extensions["council_engine"].dispose()
