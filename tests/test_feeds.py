"""Members' iCal feeds: in the member's language, valid for two independent parsers
whatever the names hold, and right for a subscriber after a move and a cancellation."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from calendars import read_busy
from scheduler.council import Member, Role
from scheduler.feeds import FeedMeeting, member_feed

from .council_helpers import ics
from .databases import database
from .js.reader import ical_js

COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm", "venue": "Länsmuseet, Örebro",
    "parties": [{"id": "nora", "travel": "30m", "members": [
        {"name": "Anna Ek", "role": "representative"}, {"name": "Erik Ek", "role": "substitute"}]}],
}
OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1}
NOW = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
WINDOW = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
INJECTION = ("Anna\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270101T000000Z\r\n"
             "DTEND:20270102T000000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT")


def feed_meeting(n: int, status: str = "confirmed", probability: float = 0.9,
                 absent: bool = False) -> FeedMeeting:
    """The n-th meeting: 11 January 2027 plus n weeks, 09:00-12:00 in Stockholm (UTC+1)."""
    start = dt.datetime(2027, 1, 11, 8, tzinfo=dt.UTC) + dt.timedelta(weeks=n)
    return FeedMeeting(f"m{n}", start, start + dt.timedelta(hours=3), status, n,
                       dt.datetime(2026, 12, 1, tzinfo=dt.UTC) + dt.timedelta(days=n),
                       probability, absent)


MEETINGS = [feed_meeting(0), feed_meeting(1, probability=0.3), feed_meeting(2, absent=True),
            feed_meeting(3, status="proposed"), feed_meeting(4, status="cancelled")]


def summaries(feed: bytes) -> list[str]:
    """Each event's SUMMARY, in the order written."""
    return [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")]


def calendar_name(feed: bytes) -> str:
    """X-WR-CALNAME read as RFC 5545 TEXT (icalendar 7 leaves X- properties escaped)."""
    escaped = str(icalendar.Calendar.from_ical(feed)["X-WR-CALNAME"])
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], escaped)


def test_a_substitutes_feed_speaks_swedish_by_default() -> None:
    feed = member_feed(Member("Erik Ek", "substitute"), "Kulturrådet", None, MEETINGS, NOW)
    assert calendar_name(feed) == "Kulturrådet – Erik Ek (ersättare)"
    assert summaries(feed) == [
        "Kulturrådet (för kännedom: din ledamot väntas komma)",
        "Beredskap: Kulturrådet – din ledamot kan troligen inte komma",
        "Beredskap: Kulturrådet – din ledamot kan troligen inte komma",
        "Kulturrådet (preliminärt datum)",
        "Inställt: Kulturrådet",  # the same for everyone, whatever their part was
    ]


def test_a_substitutes_feed_speaks_english_when_asked() -> None:
    feed = member_feed(Member("Erik Ek", "substitute"), "Kulturrådet", None, MEETINGS, NOW,
                       language="en")
    assert calendar_name(feed) == "Kulturrådet – Erik Ek (substitute)"
    assert summaries(feed) == [
        "Kulturrådet (for information: your representative is expected)",
        "Standby: Kulturrådet – your representative is likely unavailable",
        "Standby: Kulturrådet – your representative is likely unavailable",
        "Kulturrådet (preliminary date)",
        "Cancelled: Kulturrådet",
    ]


@pytest.mark.parametrize(("language", "name", "preliminary", "cancelled"), [
    ("sv", "Kulturrådet – Anna Ek (ledamot)", "Kulturrådet (preliminärt datum)",
     "Inställt: Kulturrådet"),
    ("en", "Kulturrådet – Anna Ek (representative)", "Kulturrådet (preliminary date)",
     "Cancelled: Kulturrådet"),
])
def test_a_representatives_feed_names_the_council_in_the_members_language(
        language: str, name: str, preliminary: str, cancelled: str) -> None:
    feed = member_feed(Member("Anna Ek", "representative"), "Kulturrådet", None, MEETINGS, NOW,
                       language=language)
    assert calendar_name(feed) == name
    assert summaries(feed) == ["Kulturrådet"] * 3 + [preliminary, cancelled]


def test_a_language_the_feed_does_not_speak_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        member_feed(Member("Anna Ek", "representative"), "Kulturrådet", None, MEETINGS, NOW,
                    language="de")


def test_only_a_likely_absent_representative_puts_the_substitute_on_standby() -> None:
    feed = member_feed(Member("Erik Ek", "substitute"), "Kulturrådet", None, MEETINGS[:3], NOW)
    events = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert [str(e["TRANSP"]) for e in events] == ["TRANSPARENT", "OPAQUE", "OPAQUE"]
    busy = read_busy(feed, *WINDOW, cache=None).intervals
    assert [b.start for b in busy] == [MEETINGS[1].start, MEETINGS[2].start]


def test_a_substitute_informed_because_another_is_called_in_is_not_told_the_representative_comes(
        ) -> None:
    import dataclasses

    away = dataclasses.replace(feed_meeting(0, absent=True), called_in=False)  # another is
    for language, words in (("sv", "Kulturrådet (för kännedom: en annan ersättare är inkallad)"),
                            ("en", "Kulturrådet (for information: another substitute is called in)")):
        feed = member_feed(Member("Erik Ek", "substitute"), "Kulturrådet", None, [away], NOW,
                           language=language)
        (event,) = icalendar.Calendar.from_ical(feed).walk("VEVENT")
        assert (str(event["SUMMARY"]), str(event["TRANSP"])) == (words, "TRANSPARENT")


@pytest.mark.parametrize("role", ["representative", "substitute"])
@pytest.mark.parametrize("where", ["member", "council", "venue"])
def test_a_name_that_looks_like_an_event_stays_a_name_for_every_reader(
        where: str, role: Role) -> None:
    member = Member(INJECTION if where == "member" else "Anna Ek", role)
    council = INJECTION if where == "council" else "Kulturrådet"
    venue = INJECTION if where == "venue" else "Länsmuseet, Örebro"
    meetings = [feed_meeting(0, probability=0.1), feed_meeting(1, status="proposed")]
    feed = member_feed(member, council, venue, meetings, NOW)
    events = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == ["m0@council-scheduler", "m1@council-scheduler"]
    read_back = INJECTION.replace("\r\n", "\n")
    texts = {"member": [calendar_name(feed)],
             "council": [calendar_name(feed), *(str(e["SUMMARY"]) for e in events)],
             "venue": [str(e["LOCATION"]) for e in events]}
    assert all(read_back in text for text in texts[where])
    parsed = ical_js(feed)
    assert [e["uid"] for e in parsed["events"]] == ["m0@council-scheduler", "m1@council-scheduler"]
    assert parsed["name"] == calendar_name(feed)
    assert parsed["events"][0]["location"] == str(events[0]["LOCATION"])
    busy = read_busy(feed, *WINDOW, cache=None).intervals
    assert [(b.start, b.end) for b in busy] == [(m.start, m.end) for m in meetings]


def test_the_same_inputs_give_the_same_bytes_whenever_the_feed_is_built() -> None:
    member = Member("Erik Ek", "substitute")
    first = member_feed(member, "Kulturrådet", "Länsmuseet", MEETINGS, NOW)
    later = NOW + dt.timedelta(days=3)
    assert member_feed(member, "Kulturrådet", "Länsmuseet", MEETINGS, later) == first


def test_a_cancelled_meeting_leaves_the_feed_ninety_days_after_it_ended() -> None:
    member = Member("Anna Ek", "representative")
    cancelled = feed_meeting(0, status="cancelled")
    kept = member_feed(member, "Kulturrådet", None, [cancelled], cancelled.end + dt.timedelta(days=89))
    gone = member_feed(member, "Kulturrådet", None, [cancelled], cancelled.end + dt.timedelta(days=91))
    assert b"STATUS:CANCELLED" in kept and b"BEGIN:VEVENT" not in gone


World = tuple[FlaskClient, dict[str, str], str, str, dict[str, Any]]


def json_of(answer: Any) -> Any:
    """The JSON body of a test client's answer."""
    return answer.get_json()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with database(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False)})
        yield app
        app.extensions["council_engine"].dispose()


@pytest.fixture
def world(app: Flask) -> World:
    """A council with a confirmed meeting; the secretary's headers and the member ids."""
    client = app.test_client()
    services = app.extensions["council_services"]
    admin = {"Authorization": f"Bearer {services.create_token('admin')[1]}"}
    council = json_of(client.post("/api/councils", json=COUNCIL, headers=admin))
    secretary = {"Authorization":
                 f"Bearer {services.create_token('secretary', council['id'])[1]}"}
    rep, sub = (m["id"] for m in council["parties"][0]["members"])
    proposal = json_of(client.post(f"/api/councils/{council['id']}/proposals", json=OPTIONS,
                                   headers=secretary))
    meeting = json_of(client.post(f"/api/proposals/{proposal['id']}/confirm",
                                  headers=secretary))["meetings"][0]
    return client, secretary, rep, sub, meeting


def feed_url(client: FlaskClient, headers: dict[str, str], member: str) -> str:
    """The path of the member's feed, from the secretary's feed link."""
    link = json_of(client.get(f"/api/members/{member}/feed", headers=headers))
    assert link["webcal"].startswith("webcal://")
    url: str = link["url"]
    return url.removeprefix("http://localhost")


def test_a_representatives_feed_is_valid_for_both_parsers(world: World) -> None:
    client, headers, rep, _, meeting = world
    answer = client.get(feed_url(client, headers, rep))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(answer.data)
    assert str(calendar["METHOD"]) == "PUBLISH" and str(calendar["VERSION"]) == "2.0"
    assert calendar.get("PRODID") and calendar.get("REFRESH-INTERVAL")
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{meeting['id']}@council-scheduler"
    assert event.get("DTSTAMP") and str(event["SEQUENCE"]) == "0"
    assert str(event["LOCATION"]) == "Länsmuseet, Örebro" and str(event["STATUS"]) == "CONFIRMED"
    parsed = ical_js(answer.data)
    assert parsed["method"] == "PUBLISH"
    assert parsed["events"][0]["start"] == "2027-01-11T08:00:00.000Z"  # 09:00 in Stockholm


def test_after_a_move_and_a_cancellation_a_subscriber_sees_the_new_time_then_nothing(world: World) -> None:
    client, headers, rep, _, meeting = world
    url = feed_url(client, headers, rep)
    window = (dt.datetime(2027, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    moved = client.patch(f"/api/meetings/{meeting['id']}", headers=headers,
                         json={"start": "2027-01-13T13:00:00+01:00",
                               "end": "2027-01-13T16:00:00+01:00"})
    assert moved.status_code == 200 and json_of(moved)["sequence"] == 1
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


def test_a_substitute_is_on_standby_only_when_the_representative_is_likely_away(world: World) -> None:
    client, headers, rep, sub, _meeting = world
    url = feed_url(client, headers, sub)
    first = icalendar.Calendar.from_ical(client.get(url).data).walk("VEVENT")[0]
    assert "för kännedom" in str(first["SUMMARY"]) and str(first["TRANSP"]) == "TRANSPARENT"
    busy = ics(("x", "20270111T080000", "20270111T130000"))
    assert client.put(f"/api/members/{rep}/calendar", data=busy, content_type="text/calendar",
                      headers=headers).status_code == 204
    second = icalendar.Calendar.from_ical(client.get(url).data).walk("VEVENT")[0]
    assert str(second["SUMMARY"]).startswith("Beredskap") and str(second["TRANSP"]) == "OPAQUE"


def test_a_recorded_notice_of_absence_calls_the_substitute_in(world: World) -> None:
    client, headers, rep, sub, meeting = world
    before = icalendar.Calendar.from_ical(client.get(feed_url(client, headers, sub)).data
                                          ).walk("VEVENT")[0]
    assert client.post(f"/api/meetings/{meeting['id']}/attendance", headers=headers,
                       json={"member_id": rep, "state": "absent_notice"}).status_code == 204
    event = icalendar.Calendar.from_ical(client.get(feed_url(client, headers, sub)).data
                                         ).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).startswith("Inkallad") and str(event["TRANSP"]) == "OPAQUE"
    assert int(event["SEQUENCE"]) == int(before["SEQUENCE"]) + 1


def test_the_feed_answers_304_to_its_etag_and_a_rotated_link_stops_working(world: World) -> None:
    client, headers, rep, _, _ = world
    url = feed_url(client, headers, rep)
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    rotated = json_of(client.post(f"/api/members/{rep}/feed/rotate", headers=headers))["url"]
    assert client.get(url).status_code == 404
    assert client.get(rotated.removeprefix("http://localhost")).status_code == 200


def test_preliminary_dates_can_be_published_as_tentative_holds(world: World) -> None:
    client, headers, rep, _, meeting = world
    council_id = json_of(client.get(f"/api/proposals/{meeting['proposal_id']}",
                                    headers=headers))["council_id"]
    later = {**OPTIONS, "from": "2027-02-01", "to": "2027-02-06"}
    proposal = json_of(client.post(f"/api/councils/{council_id}/proposals", json=later,
                                   headers=headers))
    url = feed_url(client, headers, rep)
    plain = icalendar.Calendar.from_ical(client.get(url).data).walk("VEVENT")
    held = icalendar.Calendar.from_ical(client.get(url + "?holds=1").data).walk("VEVENT")
    assert [str(e["STATUS"]) for e in plain] == ["CONFIRMED"]
    tentative = [e for e in held if str(e["STATUS"]) == "TENTATIVE"]
    assert len(tentative) == 1 and str(tentative[0]["UID"]).startswith(proposal["id"])
    assert ical_js(client.get(url + "?holds=1").data)["events"]


def test_the_chairs_report_says_who_covers_each_party_and_why_in_json_and_csv(
        app: Flask, world: World) -> None:
    client, headers, rep, sub, meeting = world
    services = app.extensions["council_services"]
    council_id = json_of(client.get(f"/api/proposals/{meeting['proposal_id']}",
                                    headers=headers))["council_id"]
    chair = {"Authorization": f"Bearer {services.create_token('chair', council_id)[1]}"}
    away = ics(("hemligt-1", "20270111T080000", "20270111T170000", "OOF"))
    client.put(f"/api/members/{rep}/calendar", data=away, content_type="text/calendar",
               headers=headers)
    report = json_of(client.get(f"/api/councils/{council_id}/reports/conflicts", headers=chair))
    party = report["meetings"][0]["parties"][0]
    assert (party["covered_by"], party["why"]) == ("substitute", "representative out of office")
    busy = ics(("hemligt-2", "20270111T080000", "20270111T170000"))
    client.put(f"/api/members/{sub}/calendar", data=busy, content_type="text/calendar",
               headers=headers)
    report = json_of(client.get(f"/api/councils/{council_id}/reports/conflicts", headers=chair))
    (row,) = report["meetings"]
    party = row["parties"][0]
    assert party["covered_by"] == "uncovered"
    assert party["why"] == "representative out of office, substitute busy"
    assert row["uncovered"] == ["nora"]
    assert "hemligt" not in json.dumps(report["meetings"][0]["parties"])  # no event UIDs
    csv = client.get(f"/api/councils/{council_id}/reports/conflicts?format=csv", headers=chair)
    assert csv.mimetype == "text/csv"
    assert csv.data.decode().splitlines()[1].startswith(row["start"])
    bad = client.get(f"/api/councils/{council_id}/reports/conflicts?format=pdf", headers=chair)
    assert bad.status_code == 400 and json_of(bad)["invalid-params"][0]["name"] == "format"


def test_the_feed_version_changes_with_every_change_that_shows(app: Flask, world: World) -> None:
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


def test_behind_a_proxy_feed_links_carry_the_public_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_BEHIND_PROXY", "1")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    services = app.extensions["council_services"]
    admin = {"Authorization": f"Bearer {services.create_token('admin')[1]}"}
    client = app.test_client()
    council = json_of(client.post("/api/councils", json=COUNCIL, headers=admin))
    member = council["parties"][0]["members"][0]["id"]
    link = json_of(client.get(f"/api/members/{member}/feed", headers={
        **admin, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "moten.example.se"}))
    assert link["url"].startswith("https://moten.example.se/feeds/")
    app.extensions["council_engine"].dispose()
