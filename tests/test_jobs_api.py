"""Proposals and rounds over HTTP as jobs: 201 as before when the job ends within the
wait, 202 with the job at once (``Prefer: respond-async``) or after the wait, the job
read back, one job per Idempotency-Key, 422 for a key sent with another body, and a 503
problem (nothing kept) when the queue is down."""

from __future__ import annotations

import pytest

from api import create_app
from api.openapi import openapi_document
from scheduler.errors import InputError, QueueUnavailable

from .conftest import bearer
from .test_api import COUNCIL, OPTIONS
from .test_api_rounds import _round, _two

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def council_id(app, client) -> str:
    return client.post("/api/councils", json=COUNCIL, headers=bearer(app)).json["id"]


def secretary(app, council_id: str) -> dict[str, str]:
    return bearer(app, "secretary", council_id)


def test_without_prefer_the_answer_is_201_with_the_proposal_as_before(app, client, council_id):
    answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                         headers=secretary(app, council_id))
    assert answer.status_code == 201, answer.text
    proposal_id = answer.json["id"]
    assert answer.headers["Location"] == f"/api/proposals/{proposal_id}"
    assert answer.json["status"] in ("optimal", "feasible") and len(answer.json["meetings"]) == 1
    stored = client.get(f"/api/proposals/{proposal_id}", headers=secretary(app, council_id)).json
    assert stored["meetings"] == answer.json["meetings"]


def test_respond_async_answers_202_with_the_job_which_reads_back_done(app, client, council_id):
    headers = {**secretary(app, council_id), **ASYNC}
    answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS, headers=headers)
    assert answer.status_code == 202, answer.text
    assert answer.headers["Preference-Applied"] == "respond-async"
    job = answer.json
    assert answer.headers["Location"] == f"/api/jobs/{job['id']}"
    assert {"id", "state", "progress", "result", "error", "kind", "stage", "detail",
            "created_at", "started_at", "finished_at"} <= set(job)
    read = client.get(f"/api/jobs/{job['id']}", headers=bearer(app, "chair", council_id))
    assert read.status_code == 200
    done = read.json
    assert done["state"] == "done" and done["progress"] == 1.0 and done["error"] is None
    assert done["kind"] == "proposal" and done["stage"]  # the solver told it how far it got
    proposal = client.get(f"/api/proposals/{done['result']['proposal']}",
                          headers=secretary(app, council_id))
    assert proposal.status_code == 200


def test_a_job_not_done_within_the_wait_answers_202(tmp_path):
    """Proposals beyond what the workers take at once wait on the queue (202 with the
    job), where they were once refused with a 429."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}", "TESTING": True,
                      "QUEUE_URL": "", "RUN_WORKER": False, "JOB_WAIT_S": 0.2})
    try:
        client = app.test_client()
        cid = client.post("/api/councils", json=COUNCIL, headers=bearer(app)).json["id"]
        answer = client.post(f"/api/councils/{cid}/proposals", json=OPTIONS,
                             headers=secretary(app, cid))
        assert answer.status_code == 202 and answer.json["state"] == "queued"
        assert "Preference-Applied" not in answer.headers
        assert app.extensions["council_queue"].pending() == 1  # on the embedded queue's file
        services = app.extensions["council_services"]
        services.run_job(answer.json["id"])  # as a worker would
        read = client.get(answer.headers["Location"], headers=secretary(app, cid)).json
        assert read["state"] == "done" and len(services.proposals(cid)) == 1
    finally:
        app.extensions["council_engine"].dispose()


def test_the_same_idempotency_key_gives_one_job_and_one_proposal(app, client, council_id,
                                                                  services):
    headers = {**secretary(app, council_id), "Idempotency-Key": "2027-kultur-1"}
    first = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                        headers={**headers, **ASYNC})
    again = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS, headers=headers)
    assert first.status_code == 202 and again.status_code == 201
    assert again.json["id"] == client.get(first.headers["Location"], headers=headers).json[
        "result"]["proposal"]
    assert len(services.proposals(council_id)) == 1
    other = client.post(f"/api/councils/{council_id}/proposals", json={**OPTIONS, "meetings": 2},
                        headers=headers)
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert other.json["invalid-params"][0]["name"] == "Idempotency-Key"
    assert len(services.proposals(council_id)) == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "nyckel med mellanslag"])
def test_a_key_that_is_not_a_key_is_refused_by_name(app, client, council_id, services, key):
    answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                         headers={**secretary(app, council_id), "Idempotency-Key": key})
    assert answer.status_code == 400
    assert answer.json["invalid-params"][0]["name"] == "Idempotency-Key"
    assert sum(services.job_counts().values()) == 0


def test_bad_options_answer_400_before_any_job_is_kept(app, client, council_id, services):
    answer = client.post(f"/api/councils/{council_id}/proposals", json={**OPTIONS, "meetings": 0},
                         headers={**secretary(app, council_id), **ASYNC})
    assert answer.status_code == 400 and answer.json["invalid-params"][0]["name"] == "meetings"
    assert sum(services.job_counts().values()) == 0


def test_an_error_in_the_job_answers_as_the_request_would_have(app, client, council_id, services,
                                                               monkeypatch):
    def refuse(*_args, **_kwargs):
        raise InputError("no dates left", field="weekdays")

    monkeypatch.setattr(services, "compute_proposal", refuse)
    answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                         headers=secretary(app, council_id))
    assert answer.status_code == 400 and answer.json["invalid-params"][0]["name"] == "weekdays"
    assert services.job_counts()["failed"] == 1 and services.proposals(council_id) == []


def test_a_queue_that_is_down_answers_503_and_keeps_nothing(app, client, council_id, services):
    class Down:
        def enqueue_job(self, job_id: str) -> None:
            raise QueueUnavailable("the job queue does not answer", retry_after=15)

    services.job_queue = Down()
    answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                         headers={**secretary(app, council_id), "Idempotency-Key": "k"})
    assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
    assert answer.headers["Retry-After"] == "15"
    assert sum(services.job_counts().values()) == 0
    # reads go on
    assert client.get(f"/api/councils/{council_id}", headers=bearer(app)).status_code == 200


def test_a_round_is_a_job_too(app, client, services):
    admin = bearer(app)
    ids = list(_two(client, admin))
    body = _round(*ids)
    answer = client.post("/api/rounds", json=body, headers={**admin, **ASYNC})
    assert answer.status_code == 202, answer.text
    job = client.get(answer.headers["Location"], headers=admin).json
    assert job["kind"] == "round" and job["state"] == "done" and job["councils"] == ids
    again = client.post("/api/rounds", json=body, headers=admin)
    assert again.status_code == 201 and again.json["id"] != job["result"]["round"]


def test_the_document_tells_of_202_its_location_and_the_headers_read(app):
    document = openapi_document(app)
    for path in ("/api/councils/{council_id}/proposals", "/api/rounds"):
        operation = document["paths"][path]["post"]
        assert "Location" in operation["responses"]["202"]["headers"]
        assert "Retry-After" in operation["responses"]["503"]["headers"]
        assert {"Prefer", "Idempotency-Key"} <= {p["name"] for p in operation["parameters"]}
    assert "/api/jobs/{job_id}" in document["paths"]


def test_the_503s_retry_after_is_documented_as_seconds_not_as_a_location(app):
    document = openapi_document(app)
    operation = document["paths"]["/api/rounds"]["post"]
    retry = operation["responses"]["503"]["headers"]["Retry-After"]
    assert retry["schema"] == {"type": "integer", "minimum": 0}
    assert operation["responses"]["202"]["headers"]["Location"]["schema"] == {"type": "string"}
