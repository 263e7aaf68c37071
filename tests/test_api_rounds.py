"""Rounds through the API: stored councils that share a member planned together; who may
plan and read them; bad input named."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from .conftest import bearer


def _council(name: str, party: str) -> dict[str, Any]:
    return {"name": name, "timezone": "Europe/Stockholm", "parties": [
        {"id": "kumla", "name": "Kumla kommun", "members": [
            {"name": "Siv Sund", "role": "representative", "email": "Siv@Kumla.example"}]},
        {"id": party, "members": [{"name": f"{party} rep", "role": "representative"}]}]}


def _round(a: str, b: str, **more: Any) -> dict[str, Any]:
    options = {"meetings": 2, "min_gap": "2d", "duration": "3h", "step": "4h",
               "earliest": "09:00", "latest": "16:00"}
    return {"name": "Vår omgång", "from": "2027-03-08", "to": "2027-03-13", "between": "1h",
            "time_limit_s": 20, "councils": [{"council": a, **options},
                                             {"council": b, **options}], **more}


def _two(client: FlaskClient, headers: dict[str, str]) -> tuple[str, str]:
    a = client.post("/api/councils", json=_council("Råd A", "askersund"), headers=headers).json
    b = client.post("/api/councils", json=_council("Råd B", "boxholm"), headers=headers).json
    return a["id"], b["id"]


def test_a_round_of_stored_councils_is_planned_kept_and_read(client: FlaskClient,
                                                            app: Flask) -> None:
    admin = bearer(app)
    a, b = _two(client, admin)
    made = client.post("/api/rounds", json=_round(a, b), headers=admin)
    assert made.status_code == 201, made.json
    document = made.json
    assert made.headers["Location"] == f"/api/rounds/{document['id']}"
    assert document["status"] == "optimal"
    assert document["shared_people"] == [{"name": "Siv Sund", "councils": [a, b]}]
    assert document["joint"]["person_clashes"] == 0
    assert {"worst_share", "total_expected", "person_clashes"} <= set(document["alone"])
    assert [len(c["meetings"]) for c in document["councils"]] == [2, 2]
    starts = {m["start"] for c in document["councils"] for m in c["meetings"]}
    assert len(starts) == 4  # Siv never has two meetings at once
    read = client.get(f"/api/rounds/{document['id']}", headers=bearer(app, "chair", b))
    assert read.status_code == 200 and read.json["councils_in_round"] == [a, b]
    listed = client.get(f"/api/councils/{a}/rounds", headers=bearer(app, "secretary", a)).json
    assert [r["id"] for r in listed["rounds"]] == [document["id"]]


def test_only_a_secretary_of_every_council_may_plan_a_round(client: FlaskClient,
                                                           app: Flask) -> None:
    admin = bearer(app)
    a, b = _two(client, admin)
    assert client.post("/api/rounds", json=_round(a, b)).status_code == 401
    assert client.post("/api/rounds", json=_round(a, b),
                       headers=bearer(app, "secretary", a)).status_code == 404
    assert client.post("/api/rounds", json=_round(a, b),
                       headers=bearer(app, "chair", a)).status_code in (403, 404)
    made = client.post("/api/rounds", json=_round(a, b), headers=admin).json
    other = client.post("/api/councils", json=_council("Råd C", "degerfors"), headers=admin).json
    assert client.get(f"/api/rounds/{made['id']}",
                      headers=bearer(app, "secretary", other["id"])).status_code == 404
    assert client.get("/api/rounds/0123456789abcdef", headers=admin).status_code == 404
    assert client.get(f"/api/rounds/{made['id']}").status_code == 401


def test_another_councils_round_answers_exactly_as_a_round_that_does_not_exist(
        client: FlaskClient, app: Flask) -> None:
    admin = bearer(app)
    a, b = _two(client, admin)
    made = client.post("/api/rounds", json=_round(a, b), headers=admin).json
    other = client.post("/api/councils", json=_council("Råd C", "degerfors"), headers=admin).json
    for role in ("secretary", "chair"):
        headers = bearer(app, role, other["id"])
        theirs = client.get(f"/api/rounds/{made['id']}", headers=headers)
        unknown = client.get("/api/rounds/0123456789abcdef", headers=headers)
        assert (theirs.status_code, theirs.mimetype) == (404, "application/problem+json")
        assert (unknown.status_code, unknown.headers.get("Retry-After")) == (404, None)
        assert {k: v for k, v in theirs.json.items() if k != "request_id"} \
            == {k: v for k, v in unknown.json.items() if k != "request_id"}
        assert set(theirs.headers.keys()) - {"X-Request-Id"} \
            == set(unknown.headers.keys()) - {"X-Request-Id"}


def test_bad_rounds_are_refused_by_field(client: FlaskClient, app: Flask) -> None:
    admin = bearer(app)
    a, b = _two(client, admin)
    for body, field in ((_round(a, b, between="2d"), "between"),
                        ({**_round(a, b), "councils": [{"council": a, "meetings": 0}]},
                         "councils[0].meetings"),
                        ({**_round(a, b), "councils": [{"council": a, "meetings": 1}] * 2},
                         "councils[1]"),
                        ({**_round(a, b), "councils": [{"meetings": 2}]}, "councils[0].council")):
        answer = client.post("/api/rounds", json=body, headers=admin)
        assert answer.status_code == 400, (field, answer.json)
        assert answer.mimetype == "application/problem+json"
        names = [p["name"] for p in answer.json.get("invalid-params", [])]
        assert field in names or answer.json.get("field") == field, answer.json
