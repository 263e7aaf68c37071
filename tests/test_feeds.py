"""Members' iCal feeds: valid for two independent parsers, and right for a subscriber
after a move and a cancellation."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest

from api import create_app
from calendars import read_busy

from .council_helpers import ics
from .databases import database

JS = Path(__file__).parent / "js"
COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm", "venue": "Länsmuseet, Örebro",
    "parties": [{"id": "nora", "travel": "30m", "members": [
        {"name": "Anna Ek", "role": "representative"}, {"name": "Erik Ek", "role": "substitute"}]}],
}
OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1}


def ical_js(text: bytes) -> dict:
    """The feed as ical.js (strict) reads it."""
    if shutil.which("node") is None or not (JS / "node_modules" / "ical.js").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("ical.js is required in CI: scripts/test installs it")
        pytest.skip("node or ical.js not installed (run scripts/test)")
    done = subprocess.run(["node", str(JS / "check_feed.mjs")], input=text, capture_output=True,
                          check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    with database(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False)})
        yield app
        app.extensions["council_services"].store.engine.dispose()


@pytest.fixture
def world(app):
    """A council with a confirmed meeting; the secretary's headers and the member ids."""
    client = app.test_client()
    services = app.extensions["council_services"]
    admin = {"Authorization": f"Bearer {services.store.create_token('admin')[1]}"}
    council = client.post("/api/councils", json=COUNCIL, headers=admin).json
    secretary = {"Authorization":
                 f"Bearer {services.store.create_token('secretary', council['id'])[1]}"}
    rep, sub = (m["id"] for m in council["parties"][0]["members"])
    proposal = client.post(f"/api/councils/{council['id']}/proposals", json=OPTIONS,
                           headers=secretary).json
    meeting = client.post(f"/api/proposals/{proposal['id']}/confirm", headers=secretary
                          ).json["meetings"][0]
    return client, secretary, rep, sub, meeting


def feed_url(client, headers, member):
    link = client.get(f"/api/members/{member}/feed", headers=headers).json
    assert link["webcal"].startswith("webcal://")
    return link["url"].removeprefix("http://localhost")


def test_a_representatives_feed_is_valid_for_both_parsers(world):
    client, headers, rep, _, meeting = world
    answer = client.get(feed_url(client, headers, rep))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(answer.data)
    assert str(calendar["METHOD"]) == "PUBLISH" and str(calendar["VERSION"]) == "2.0"
    assert calendar.get("PRODID") and calendar.get("REFRESH-INTERVAL")
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{meeting['id']}@council-scheduler"
    assert event.get("DTSTAMP") and int(event["SEQUENCE"]) == 0
    assert str(event["LOCATION"]) == "Länsmuseet, Örebro" and str(event["STATUS"]) == "CONFIRMED"
    parsed = ical_js(answer.data)
    assert parsed["method"] == "PUBLISH"
    assert parsed["events"][0]["start"] == "2027-01-11T08:00:00.000Z"  # 09:00 in Stockholm


def test_after_a_move_and_a_cancellation_a_subscriber_sees_the_new_time_then_nothing(world):
    client, headers, rep, _, meeting = world
    url = feed_url(client, headers, rep)
    window = (dt.datetime(2027, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    moved = client.patch(f"/api/meetings/{meeting['id']}", headers=headers,
                         json={"start": "2027-01-13T13:00:00+01:00",
                               "end": "2027-01-13T16:00:00+01:00"})
    assert moved.status_code == 200 and moved.json["sequence"] == 1
    body = client.get(url).data
    (busy,) = read_busy(body, *window, cache=None).intervals
    assert busy.start == dt.datetime(2027, 1, 13, 12, tzinfo=dt.UTC)
    event = ical_js(body)["events"][0]
    assert (event["start"], event["sequence"]) == ("2027-01-13T12:00:00.000Z", 1)
    assert client.patch(f"/api/meetings/{meeting['id']}", headers=headers,
                        json={"status": "cancelled"}).status_code == 200
    body = client.get(url).data
    assert read_busy(body, *window, cache=None).intervals == ()  # gone from the subscriber's time
    event = ical_js(body)["events"][0]
    assert (event["status"], event["sequence"]) == ("CANCELLED", 2)


def test_a_substitute_is_on_standby_only_when_the_representative_is_likely_away(world):
    client, headers, rep, sub, _meeting = world
    url = feed_url(client, headers, sub)
    first = icalendar.Calendar.from_ical(client.get(url).data).walk("VEVENT")[0]
    assert "for information" in str(first["SUMMARY"]) and str(first["TRANSP"]) == "TRANSPARENT"
    busy = ics(("x", "20270111T080000", "20270111T130000"))
    assert client.put(f"/api/members/{rep}/calendar", data=busy, content_type="text/calendar",
                      headers=headers).status_code == 204
    second = icalendar.Calendar.from_ical(client.get(url).data).walk("VEVENT")[0]
    assert str(second["SUMMARY"]).startswith("Standby") and str(second["TRANSP"]) == "OPAQUE"


def test_a_recorded_notice_of_absence_puts_the_substitute_on_standby(world):
    client, headers, rep, sub, meeting = world
    assert client.post(f"/api/meetings/{meeting['id']}/attendance", headers=headers,
                       json={"member_id": rep, "state": "absent_notice"}).status_code == 204
    event = icalendar.Calendar.from_ical(client.get(feed_url(client, headers, sub)).data
                                         ).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).startswith("Standby")


def test_the_feed_answers_304_to_its_etag_and_a_rotated_link_stops_working(world):
    client, headers, rep, _, _ = world
    url = feed_url(client, headers, rep)
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    rotated = client.post(f"/api/members/{rep}/feed/rotate", headers=headers).json["url"]
    assert client.get(url).status_code == 404
    assert client.get(rotated.removeprefix("http://localhost")).status_code == 200


def test_preliminary_dates_can_be_published_as_tentative_holds(world):
    client, headers, rep, _, meeting = world
    council_id = client.get(f"/api/proposals/{meeting['proposal_id']}", headers=headers
                            ).json["council_id"]
    later = {**OPTIONS, "from": "2027-02-01", "to": "2027-02-06"}
    proposal = client.post(f"/api/councils/{council_id}/proposals", json=later,
                           headers=headers).json
    url = feed_url(client, headers, rep)
    plain = icalendar.Calendar.from_ical(client.get(url).data).walk("VEVENT")
    held = icalendar.Calendar.from_ical(client.get(url + "?holds=1").data).walk("VEVENT")
    assert [str(e["STATUS"]) for e in plain] == ["CONFIRMED"]
    tentative = [e for e in held if str(e["STATUS"]) == "TENTATIVE"]
    assert len(tentative) == 1 and str(tentative[0]["UID"]).startswith(proposal["id"])
    assert ical_js(client.get(url + "?holds=1").data)["events"]


def test_the_chairs_report_says_who_covers_each_party_and_why_in_json_and_csv(app, world):
    client, headers, rep, sub, meeting = world
    services = app.extensions["council_services"]
    council_id = client.get(f"/api/proposals/{meeting['proposal_id']}", headers=headers
                            ).json["council_id"]
    chair = {"Authorization": f"Bearer {services.store.create_token('chair', council_id)[1]}"}
    away = ics(("x", "20270111T080000", "20270111T170000", "OOF"))
    client.put(f"/api/members/{rep}/calendar", data=away, content_type="text/calendar",
               headers=headers)
    report = client.get(f"/api/councils/{council_id}/reports/conflicts", headers=chair).json
    party = report["meetings"][0]["parties"][0]
    assert (party["covered_by"], party["why"]) == ("substitute", "representative out of office")
    busy = ics(("y", "20270111T080000", "20270111T170000"))
    client.put(f"/api/members/{sub}/calendar", data=busy, content_type="text/calendar",
               headers=headers)
    report = client.get(f"/api/councils/{council_id}/reports/conflicts", headers=chair).json
    (row,) = report["meetings"]
    party = row["parties"][0]
    assert party["covered_by"] == "uncovered"
    assert party["why"] == "representative out of office, substitute busy"
    assert row["uncovered"] == ["nora"]
    assert "x" not in json.dumps(report["meetings"][0]["parties"])  # no event titles or UIDs
    csv = client.get(f"/api/councils/{council_id}/reports/conflicts?format=csv", headers=chair)
    assert csv.mimetype == "text/csv"
    assert csv.data.decode().splitlines()[1].startswith(row["start"])
    bad = client.get(f"/api/councils/{council_id}/reports/conflicts?format=pdf", headers=chair)
    assert bad.status_code == 400 and bad.json["invalid-params"][0]["name"] == "format"


def test_the_feed_version_changes_with_every_change_that_shows(app, world):
    client, headers, rep, _, meeting = world
    url = feed_url(client, headers, rep)
    first = client.get(url).headers["ETag"]
    assert client.get(url).headers["ETag"] == first  # nothing changed, nothing rebuilt
    client.post(f"/api/meetings/{meeting['id']}/attendance", headers=headers,
                json={"member_id": rep, "state": "absent_notice"})
    second = client.get(url).headers["ETag"]
    client.patch(f"/api/meetings/{meeting['id']}", headers=headers, json={"status": "cancelled"})
    third = client.get(url)
    assert len({first, second, third.headers["ETag"]}) == 3
    assert b"STATUS:CANCELLED" in third.data


def test_behind_a_proxy_feed_links_carry_the_public_address(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDULER_BEHIND_PROXY", "1")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    services = app.extensions["council_services"]
    admin = {"Authorization": f"Bearer {services.store.create_token('admin')[1]}"}
    client = app.test_client()
    council = client.post("/api/councils", json=COUNCIL, headers=admin).json
    member = council["parties"][0]["members"][0]["id"]
    link = client.get(f"/api/members/{member}/feed", headers={
        **admin, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "moten.example.se"}).json
    assert link["url"].startswith("https://moten.example.se/feeds/")
    services.store.engine.dispose()
