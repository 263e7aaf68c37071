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
from .test_api import COUNCIL

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
