"""The HTTP API through Flask's test client, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import threading

import pytest

from .conftest import bearer
from .council_helpers import ics
from .databases import app_over

COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm",
    "parties": [
        {"id": "nora", "name": "Nora kommun", "travel": "30m",
         "members": [{"name": "Anna Ek", "role": "representative", "email": "anna@x.example"},
                     {"name": "Erik Ek", "role": "substitute"}]},
        {"id": "kumla", "members": [{"name": "Karin Berg", "role": "representative"}]},
    ],
}
OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    with app_over(request.param, tmp_path_factory.mktemp(request.param)) as made:
        yield made


@pytest.fixture
def council(app, client):
    answer = client.post("/api/councils", json=COUNCIL, headers=bearer(app))
    assert answer.status_code == 201, answer.json
    return answer.json


def member_ids(council):
    return {(p["id"], m["role"]): m["id"] for p in council["parties"] for m in p["members"]}


def test_creating_a_council_returns_ids_for_parties_and_members(council):
    assert council["id"] and [p["id"] for p in council["parties"]] == ["nora", "kumla"]
    nora = council["parties"][0]
    assert [m["role"] for m in nora["members"]] == ["representative", "substitute"]
    assert nora["members"][0]["calendar"]["busy_intervals"] == 0


def test_a_secretary_uploads_proposes_and_confirms_once(app, client, council):
    headers = bearer(app, "secretary", council["id"])
    ids = member_ids(council)
    busy_monday = ics(("m", "20270111T080000", "20270111T170000"))
    put = client.put(f"/api/members/{ids[('nora', 'representative')]}/calendar",
                     data=busy_monday, content_type="text/calendar", headers=headers)
    assert put.status_code == 204
    state = client.get(f"/api/councils/{council['id']}", headers=headers).json
    assert state["parties"][0]["members"][0]["calendar"]["busy_intervals"] == 1
    made = client.post(f"/api/councils/{council['id']}/proposals", json=OPTIONS, headers=headers)
    assert made.status_code == 201, made.json
    assert made.json["status"] == "optimal" and made.json["id"]
    first = made.json["meetings"][0]
    assert first["start"] == "2027-01-12T09:00:00+01:00"  # Monday busy for Nora's representative
    confirm = client.post(f"/api/proposals/{made.json['id']}/confirm", headers=headers)
    again = client.post(f"/api/proposals/{made.json['id']}/confirm", headers=headers)
    assert (confirm.status_code, again.status_code) == (201, 200)
    assert confirm.json["meetings"] == again.json["meetings"]
    assert len(client.get(f"/api/councils/{council['id']}/meetings", headers=headers)
               .json["meetings"]) == 1


def test_concurrent_confirms_create_the_meetings_once(app, council):
    headers = bearer(app, "secretary", council["id"])
    made = app.test_client().post(f"/api/councils/{council['id']}/proposals", json=OPTIONS,
                                  headers=headers).json
    codes: list[int] = []

    def confirm() -> None:
        codes.append(app.test_client().post(f"/api/proposals/{made['id']}/confirm",
                                            headers=headers).status_code)

    threads = [threading.Thread(target=confirm) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 200, 200, 200, 201]


def test_a_bad_calendar_is_a_400_problem_and_changes_nothing(app, client, council):
    headers = bearer(app, "secretary", council["id"])
    member = member_ids(council)[("kumla", "representative")]
    good = ics(("a", "20270111T080000", "20270111T090000"))
    client.put(f"/api/members/{member}/calendar", data=good, content_type="text/calendar",
               headers=headers)
    bad = client.put(f"/api/members/{member}/calendar", data="<html>", content_type="text/calendar",
                     headers=headers)
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert "not a calendar" in bad.json["detail"]
    state = client.get(f"/api/councils/{council['id']}", headers=headers).json
    assert state["parties"][1]["members"][0]["calendar"]["busy_intervals"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({**OPTIONS, "meetings": 0}, "meetings"),
    ({**OPTIONS, "from": "soon"}, "from"),
    ({**OPTIONS, "weekdays": "funday"}, "weekdays"),
    ({**OPTIONS, "surprise": 1}, "surprise"),
    ({k: v for k, v in OPTIONS.items() if k != "to"}, "to"),
])
def test_bad_proposal_options_name_the_field(app, client, council, body, field):
    answer = client.post(f"/api/councils/{council['id']}/proposals", json=body,
                         headers=bearer(app, "secretary", council["id"]))
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.json["invalid-params"][0]["name"] == field


@pytest.mark.parametrize(("change", "field"), [
    ({"timezone": "Mars/Base"}, "timezone"),
    ({"parties": []}, "parties"),
    ({"parties": [{"id": "x", "members": [{"name": "A", "role": "substitute"}]}]},
     "parties[0].members"),
    ({"parties": [{"id": "x", "members": [{"name": "A", "role": "representative",
                                            "calendar": "/etc/passwd"}]}]},
     "parties[0].members[0].calendar"),
])
def test_bad_councils_name_the_field(app, client, change, field):
    answer = client.post("/api/councils", json={**COUNCIL, **change}, headers=bearer(app))
    assert answer.status_code == 400
    assert answer.json["invalid-params"][0]["name"] == field


def test_tokens_are_required_and_scoped_to_their_council(app, client, council):
    other = client.post("/api/councils", json=COUNCIL, headers=bearer(app)).json
    assert client.get(f"/api/councils/{council['id']}").status_code == 401
    assert client.get(f"/api/councils/{council['id']}",
                      headers={"Authorization": "Bearer cs_wrong"}).status_code == 401
    secretary = bearer(app, "secretary", other["id"])
    assert client.get(f"/api/councils/{council['id']}", headers=secretary).status_code == 404
    chair = bearer(app, "chair", council["id"])
    assert client.get(f"/api/councils/{council['id']}", headers=chair).status_code == 200
    made = client.post(f"/api/councils/{council['id']}/proposals", json=OPTIONS, headers=chair)
    assert made.status_code == 403
    assert client.post("/api/councils", json=COUNCIL, headers=chair).status_code == 404


def test_wrong_media_types_oversized_bodies_and_unknown_routes_are_4xx_problems(app, client, council):
    headers = bearer(app)
    assert client.post("/api/councils", data="x", content_type="text/plain",
                       headers=headers).status_code == 415
    assert client.post("/api/councils", data="{", content_type="application/json",
                       headers=headers).status_code == 400
    member = member_ids(council)[("kumla", "representative")]
    big = client.put(f"/api/members/{member}/calendar", data=b"x" * 12_000_000,
                     content_type="text/calendar", headers=headers)
    assert big.status_code == 413 and big.mimetype == "application/problem+json"
    missing = client.get("/api/nothing-here", headers=headers)
    assert missing.status_code == 404 and json.loads(missing.data)["status"] == 404
    assert client.get("/api/proposals/nope", headers=headers).status_code == 404


def test_councils_and_members_are_changed_added_and_removed(app, client, council):
    headers = bearer(app, "secretary", council["id"])
    ids = member_ids(council)
    changed = client.patch(f"/api/councils/{council['id']}", json={"venue": "Slottet"},
                           headers=headers)
    assert changed.status_code == 200 and changed.json["venue"] == "Slottet"
    assert client.patch(f"/api/members/{ids[('kumla', 'representative')]}", headers=headers,
                        json={"calendar": "https://cal.example.invalid/k.ics"}).status_code == 204
    bad = client.patch(f"/api/members/{ids[('kumla', 'representative')]}", headers=headers,
                       json={"calendar": "/etc/passwd"})
    assert bad.status_code == 400 and bad.json["invalid-params"][0]["name"] == "calendar"
    added = client.post(f"/api/councils/{council['id']}/members", headers=headers,
                        json={"party": "kumla", "name": "Kim Ny"})
    assert added.status_code == 201
    kumla = added.json["parties"][1]
    assert [m["name"] for m in kumla["members"]] == ["Karin Berg", "Kim Ny"]
    assert kumla["members"][0]["calendar"]["url"] == "https://cal.example.invalid/k.ics"
    assert client.delete(f"/api/members/{kumla['members'][1]['id']}",
                         headers=headers).status_code == 204
    refused = client.delete(f"/api/members/{kumla['members'][0]['id']}", headers=headers)
    assert refused.status_code == 400
    after = client.get(f"/api/councils/{council['id']}", headers=headers).json
    assert len(after["parties"][1]["members"]) == 1


def test_parties_are_added_and_removed(app, client, council):
    headers = bearer(app, "secretary", council["id"])
    party = {"id": "laxa", "name": "Laxå kommun", "travel": "45m",
             "members": [{"name": "Lena Lax", "role": "representative"}]}
    added = client.post(f"/api/councils/{council['id']}/parties", json=party, headers=headers)
    assert added.status_code == 201 and added.json["parties"][-1]["id"] == "laxa"
    again = client.post(f"/api/councils/{council['id']}/parties", json=party, headers=headers)
    assert again.status_code == 400 and again.json["invalid-params"][0]["name"] == "id"
    no_rep = client.post(f"/api/councils/{council['id']}/parties", headers=headers,
                         json={**party, "id": "nora2", "members": [{"name": "X", "role": "substitute"}]})
    assert no_rep.status_code == 400 and no_rep.json["invalid-params"][0]["name"] == "members"
    assert client.delete(f"/api/councils/{council['id']}/parties/laxa",
                         headers=headers).status_code == 204
    assert [p["id"] for p in client.get(f"/api/councils/{council['id']}", headers=headers
                                        ).json["parties"]] == ["nora", "kumla"]
