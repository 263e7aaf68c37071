"""Requests that once answered 500 around the jobs, on SQLite and PostgreSQL: a Prefer
header that is not what RFC 7240 allows (ignored, as the RFC asks), text that is not text
(a lone surrogate) and text holding NUL (refused with a 400 naming the field), and ids of
a form the service never issues (404 before any query)."""

from __future__ import annotations

import pytest

from api import create_app
from scheduler.services.jobs import request_hash

from .conftest import bearer
from .databases import database
from .test_api import COUNCIL, OPTIONS

ROUND_OPTIONS = {"meetings": 1, "duration": "3h", "step": "4h", "earliest": "09:00",
                 "latest": "16:00"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    with database(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        made = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                           "TESTING": True})
        yield made
        made.extensions["council_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def council_id(app) -> str:
    return app.test_client().post("/api/councils", json=COUNCIL, headers=bearer(app)).json["id"]


def jobs_kept(app) -> int:
    return sum(app.extensions["council_services"].job_counts().values())


def round_body(council_id: str, **more: object) -> dict[str, object]:
    return {"name": "Omgång", "from": "2027-03-08", "to": "2027-03-13",
            "councils": [{"council": council_id, **ROUND_OPTIONS}], **more}


# text that is not text ---------------------------------------------------------------------
def test_a_request_with_a_lone_surrogate_has_a_fingerprint():
    one = request_hash("round", ("a",), {"body": {"name": "\ud800"}})
    assert one != request_hash("round", ("a",), {"body": {"name": "\udc00"}})
    assert one == request_hash("round", ("a",), {"body": {"name": "\ud800"}})


def test_a_lone_surrogate_in_a_round_is_a_400_naming_the_field(app, client, council_id):
    before = jobs_kept(app)
    raw = ('{"name": "\\ud800", "from": "2027-03-08", "to": "2027-03-13", "councils": '
           f'[{{"council": "{council_id}", "meetings": 1}}]}}')
    answer = client.post("/api/rounds", data=raw, content_type="application/json",
                         headers=bearer(app))
    assert answer.status_code == 400, answer.text
    assert answer.json["invalid-params"][0]["name"] == "name"
    nested = raw.replace('"meetings": 1', '"meetings": 1, "objective": "\\udfff"')
    nested = nested.replace('"\\ud800"', '"Omgång"')
    answer = client.post("/api/rounds", data=nested, content_type="application/json",
                         headers=bearer(app))
    assert answer.status_code == 400
    assert answer.json["invalid-params"][0]["name"] == "councils[0].objective"
    assert jobs_kept(app) == before


# Prefer ------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefer", ["wait=\u00b2", "wait=1\u00b3", "wait=1e3", "wait=-1",
                                    "wait", "wait=9" * 50, "=,;", 'wait="5', "\u00e5=1"])
def test_a_prefer_header_it_cannot_read_is_ignored_never_a_500(app, client, council_id,
                                                                prefer):
    answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                         headers={**bearer(app), "Prefer": prefer})
    assert answer.status_code == 201, answer.text
    assert "Preference-Applied" not in answer.headers


@pytest.mark.parametrize("prefer", ["respond-async; foo=bar", "wait=0, respond-async",
                                    'Respond-Async;x="a,b", wait=10', "foo=\"a,respond\", "
                                    "respond-async"])
def test_respond_async_is_heard_with_parameters_and_other_preferences(app, client, council_id,
                                                                      prefer):
    answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                         headers={**bearer(app), "Prefer": prefer})
    assert answer.status_code == 202, answer.text
    assert answer.headers["Preference-Applied"] == "respond-async"


def test_wait_with_parameters_is_heard(app, client, council_id, monkeypatch):
    waited: list[float] = []
    services = app.extensions["council_services"]
    real = services.wait
    monkeypatch.setattr(services, "wait", lambda job_id, s: waited.append(s) or real(job_id, s))
    queue = app.extensions["council_queue"]
    monkeypatch.setattr(queue, "enqueue_job", lambda job_id: None)  # no worker comes
    answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                         headers={**bearer(app), "Prefer": "wait=0;x=1"})
    assert answer.status_code == 202 and waited == [0.0]
    assert "Preference-Applied" not in answer.headers
