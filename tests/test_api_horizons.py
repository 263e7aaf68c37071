"""Horizons and bodies through the service: a declared horizon, a body's meeting plan kept
and counted for its members, what each calendar shows on the council page and in the
chair's report, and bad values refused naming their field."""

from __future__ import annotations

import pytest

from .conftest import bearer
from .council_helpers import ics

COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm",
    "bodies": [{"id": "kf", "name": "Nora kommunfullmäktige"}],
    "parties": [{"id": "nora", "name": "Nora kommun",
                 "members": [{"name": "Anna Ek", "role": "representative", "bodies": ["kf"]}]}],
}
# Anna's own calendar: Tuesday afternoons from January to the end of March 2027
TUESDAYS = ics(*[(f"t{w}", f"2027{m:02d}{d:02d}T130000", f"2027{m:02d}{d:02d}T160000")
                 for w, (m, d) in enumerate([(1, 5), (1, 12), (1, 19), (1, 26), (2, 2), (2, 9),
                                             (2, 16), (2, 23), (3, 2), (3, 9), (3, 16), (3, 23),
                                             (3, 30)])])
PLAN = ics(("kf-may", "20270503T130000", "20270503T170000"))
MAY = {"from": "2027-05-03", "to": "2027-05-08", "meetings": 1, "min_gap_days": 1,
       "earliest": "13:00", "latest": "16:00"}


@pytest.fixture
def council(app, client):
    made = client.post("/api/councils", json=COUNCIL, headers=bearer(app))
    assert made.status_code == 201, made.json
    return made.json


def test_a_kept_meeting_plan_and_habits_beyond_the_horizon_decide_the_date(app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    anna = council["parties"][0]["members"][0]["id"]
    assert client.put(f"/api/members/{anna}/calendar", data=TUESDAYS, content_type="text/calendar",
                      headers=secretary).status_code == 204
    assert client.put(f"/api/councils/{council['id']}/bodies/kf/calendar", data=PLAN,
                      content_type="text/calendar", headers=secretary).status_code == 204
    made = client.post(f"/api/councils/{council['id']}/proposals", json=MAY, headers=secretary)
    assert made.status_code == 201, made.json
    start = made.json["meetings"][0]["start"]
    assert start.startswith("2027-05-05")  # not the plan's Monday nor the habit's Tuesday
    assert made.json["calendars"][0]["bodies"] == ["Nora kommunfullmäktige"]
    document = client.get(f"/api/councils/{council['id']}", headers=secretary).json
    assert document["bodies"][0]["plan"]["kept"] is True
    assert document["parties"][0]["members"][0]["bodies"] == ["kf"]


def test_a_declared_horizon_is_kept_and_cleared(app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    anna = council["parties"][0]["members"][0]["id"]
    assert client.patch(f"/api/members/{anna}", json={"horizon": "2027-03-01"},
                        headers=secretary).status_code == 204
    member = client.get(f"/api/councils/{council['id']}", headers=secretary).json[
        "parties"][0]["members"][0]
    assert member["horizon"] == "2027-03-01"
    assert client.patch(f"/api/members/{anna}", json={"horizon": None},
                        headers=secretary).status_code == 204
    member = client.get(f"/api/councils/{council['id']}", headers=secretary).json[
        "parties"][0]["members"][0]
    assert member["horizon"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"horizon": "2027-02-30"}, "horizon"),
    ({"horizon": "1999-12-31"}, "horizon"),
    ({"bodies": ["no-such-body"]}, "bodies[0]"),
    ({"bodies": None}, "bodies"),
])
def test_bad_horizons_and_bodies_are_refused_naming_the_field(app, client, council, body, field):
    secretary = bearer(app, "secretary", council["id"])
    anna = council["parties"][0]["members"][0]["id"]
    answer = client.patch(f"/api/members/{anna}", json=body, headers=secretary)
    assert answer.status_code == 400 and answer.json["invalid-params"][0]["name"] == field
    member = client.get(f"/api/councils/{council['id']}", headers=secretary).json[
        "parties"][0]["members"][0]
    assert (member["horizon"], member["bodies"]) == (None, ["kf"])


def test_a_plan_that_is_not_a_calendar_is_refused_and_an_unknown_body_is_404(app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    bad = client.put(f"/api/councils/{council['id']}/bodies/kf/calendar", data="<html>",
                     content_type="text/calendar", headers=secretary)
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    missing = client.put(f"/api/councils/{council['id']}/bodies/nope/calendar", data=PLAN,
                         content_type="text/calendar", headers=secretary)
    assert missing.status_code == 404
    document = client.get(f"/api/councils/{council['id']}", headers=secretary).json
    assert document["bodies"][0]["plan"]["kept"] is False


def test_a_body_without_a_kept_plan_is_warned_of_and_its_members_counted_as_before(
        app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    made = client.post(f"/api/councils/{council['id']}/proposals", json=MAY, headers=secretary)
    assert any(w.startswith("Nora kommunfullmäktige: no meeting plan is kept")
               for w in made.json["warnings"])


def test_the_chairs_report_shows_what_each_calendar_shows(app, client, council):
    chair = bearer(app, "chair", council["id"])
    report = client.get(f"/api/councils/{council['id']}/reports/conflicts", headers=chair).json
    assert report["calendars"][0]["member"] == "Anna Ek"
    assert report["calendars"][0]["has_calendar"] is False
    assert report["calendars"][0]["bodies"] == ["Nora kommunfullmäktige"]


def test_a_substitute_is_on_standby_where_the_representatives_habits_say_busy(app, client):
    document = {**COUNCIL, "parties": [{"id": "nora", "name": "Nora kommun", "members": [
        {"name": "Anna Ek", "role": "representative"}, {"name": "Erik Ek", "role": "substitute"}]}]}
    council = client.post("/api/councils", json=document, headers=bearer(app)).json
    secretary = bearer(app, "secretary", council["id"])
    anna, erik = (m["id"] for m in council["parties"][0]["members"])
    client.put(f"/api/members/{anna}/calendar", data=TUESDAYS, content_type="text/calendar",
               headers=secretary)
    proposal = client.post(f"/api/councils/{council['id']}/proposals", headers=secretary, json={
        **MAY, "from": "2027-05-04", "to": "2027-05-05"}).json  # the habitual Tuesday only
    assert proposal["meetings"][0]["start"].startswith("2027-05-04")
    client.post(f"/api/proposals/{proposal['id']}/confirm", headers=secretary)
    url = client.get(f"/api/members/{erik}/feed", headers=secretary).json["url"]
    feed = client.get("/" + url.split("://", 1)[1].split("/", 1)[1]).get_data(as_text=True)
    assert "Beredskap:" in feed and "TRANSP:OPAQUE" in feed


def test_fetching_a_plan_of_a_body_without_a_url_is_refused_naming_it(app, client, council):
    answer = client.post(f"/api/councils/{council['id']}/bodies/kf/calendar/refresh",
                         headers=bearer(app, "secretary", council["id"]))
    assert answer.status_code == 400 and answer.json["invalid-params"][0]["name"] == "calendar"
