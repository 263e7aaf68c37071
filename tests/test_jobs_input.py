"""Requests that once answered 500 around the jobs, on SQLite and PostgreSQL: a Prefer
header that is not what RFC 7240 allows (ignored, as the RFC asks), text that is not text
(a lone surrogate) and text holding NUL (refused with a 400 naming the field), and ids of
a form the service never issues (404 before any query)."""

from __future__ import annotations

import pytest

from scheduler.services.jobs import request_hash

from .conftest import bearer
from .databases import app_over
from .test_api import COUNCIL, OPTIONS

ROUND_OPTIONS = {"meetings": 1, "duration": "3h", "step": "4h", "earliest": "09:00",
                 "latest": "16:00"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    with app_over(request.param, tmp_path_factory.mktemp(request.param)) as made:
        yield made


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


# ids of a form never issued, and NUL in text -------------------------------------------------
MALFORMED = ["%00", "a%00b", "0123456789ABCDEF", "x" * 101, "%C3%A5%00"]


def id_routes(app) -> list[tuple[str, str, list[str]]]:
    """Every route with an id in its URL: (method, rule, the ids' names)."""
    found = []
    for rule in app.url_map.iter_rules():
        names = [name for name in rule.arguments if name.endswith("_id")]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if names:
                found.append((method, rule.rule, names))
    return found


def test_every_route_answers_404_for_an_id_of_a_form_never_issued(app, client, council_id):
    routes = id_routes(app)
    assert len(routes) > 30 and any("/api/jobs/" in r for _m, r, _n in routes)
    wrong = []
    for method, rule, names in routes:
        for malformed in MALFORMED:
            for bad in names:  # one id wrong at a time, the others of the right form
                if bad in ("party_id", "body_id") and malformed == "0123456789ABCDEF":
                    continue  # chosen in the council file: upper case may be one
                path = rule
                for name in names:
                    good = council_id if name == "council_id" else (
                        "nora" if name in ("party_id", "body_id") else "0123456789abcdef")
                    path = path.replace(f"<{name}>", malformed if name == bad else good)
                path = path.replace("<secret>", "x").replace("<token>", "x")
                answer = client.open(path, method=method, headers=bearer(app), json={})
                if answer.status_code != 404:
                    wrong.append(f"{method} {path}: {answer.status_code}")
    assert wrong == []


def test_nul_in_a_rounds_name_or_council_is_a_400_naming_the_field(app, client, council_id):
    before = jobs_kept(app)
    answer = client.post("/api/rounds", json=round_body(council_id, name="a\u0000b"),
                         headers=bearer(app))
    assert answer.status_code == 400, answer.text
    assert answer.json["invalid-params"][0]["name"] == "name"
    answer = client.post("/api/rounds", json=round_body("a\u0000b"), headers=bearer(app))
    assert answer.status_code == 400, answer.text
    assert answer.json["invalid-params"][0]["name"] == "councils[0].council"
    assert jobs_kept(app) == before


def test_nul_in_an_attendance_member_id_is_a_400_naming_the_field(app, client, council_id):
    services = app.extensions["council_services"]
    proposal = services.create_proposal(council_id, OPTIONS)
    _first, [meeting, *_] = services.confirm(proposal.id)
    answer = client.post(f"/api/meetings/{meeting.id}/attendance",
                         json={"member_id": "a\u0000b", "state": "present"},
                         headers=bearer(app))
    assert answer.status_code == 400 and answer.json["invalid-params"][0]["name"] == "member_id"
