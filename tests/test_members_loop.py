"""Members in the loop, through the HTTP API with a real SMTP server: a poll and its
answers change the next proposal; a representative's absence calls the substitute in
(feed, mail with an iMIP request); the substitute's absence too leaves the party
uncovered (mail to the secretary, first in the chair's report)."""

from __future__ import annotations

import datetime as dt
import email.policy
from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from scheduler.mail import MailSettings, drain

from .conftest import bearer
from .js.reader import ical_js
from .smtp_server import SmtpServer

SECRETARY = "sekreterare@region.example"
COUNCIL = {
    "name": "Samverkansråd kultur", "timezone": "Europe/Stockholm",
    "secretary_email": SECRETARY,
    "parties": [
        {"id": "lindesberg", "name": "Lindesbergs kommun", "members": [
            {"name": "Åsa Lind", "role": "representative", "email": "asa@lindesberg.example"},
            {"name": "Per Berg", "role": "substitute", "email": "per@lindesberg.example"}]},
        {"id": "askersund", "name": "Askersunds kommun", "members": [
            {"name": "Eva Ek", "role": "representative", "email": "eva@askersund.example"},
            {"name": "Olle Ås", "role": "substitute"}]},
    ],
}
# one three-hour slot a day, Monday to Friday of a week without holidays
WEEK = {"from": "2027-03-08", "to": "2027-03-13", "meetings": 1, "duration": "3h",
        "step": "3h", "earliest": "09:00", "latest": "12:00", "alternatives": 3,
        "time_limit_s": 10}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(tmp_path: Any, smtp: SmtpServer) -> Iterator[Flask]:
    settings = MailSettings("127.0.0.1", smtp.port, sender="Kalendern <kalender@region.example>",
                            timeout=5)
    made = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                       "MAIL": settings, "SEND_MAIL": False,
                       "PUBLIC_URL": "https://moten.example"})
    yield made
    made.extensions["council_engine"].dispose()


def _send(app: Flask) -> None:
    """Send the mail, once changes of cover have settled (the quiet period passed)."""
    services = app.extensions["council_services"]
    services.tell_settled(dt.datetime.now(dt.UTC)
                          + dt.timedelta(seconds=services.mail_quiet_s + 1))
    drain(services.uow, services.mail)


def _council(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    made = client.post("/api/councils", json=COUNCIL, headers=headers)
    assert made.status_code == 201, made.json
    return made.json


def _members(council: dict[str, Any]) -> dict[str, str]:
    return {m["name"]: m["id"] for p in council["parties"] for m in p["members"]}


def _own(client: FlaskClient, headers: dict[str, str], member_id: str) -> str:
    url = client.get(f"/api/members/{member_id}/link", headers=headers).json["url"]
    assert url.startswith("https://moten.example/my/")
    return url.rsplit("/", 1)[1]


def _calendar_parts(message: email.message.EmailMessage) -> list[bytes]:
    return [part.get_payload(decode=True) for part in message.walk()
            if part.get_content_type() == "text/calendar"]


def test_poll_answers_move_the_next_proposal_to_the_date_everyone_can_come(
        mail_app: Flask, smtp: SmtpServer) -> None:
    client = mail_app.test_client()
    headers = bearer(mail_app)
    council = _council(client, headers)
    ids = _members(council)
    first = client.post(f"/api/councils/{council['id']}/proposals", json=WEEK, headers=headers)
    assert first.status_code == 201, first.json
    poll = client.post(f"/api/proposals/{first.json['id']}/poll",
                       json={"deadline": "2027-03-01"}, headers=headers)
    assert poll.status_code == 201, poll.json
    slots = [s["start"] for s in poll.json["slots"]]
    assert len(slots) == 4 and first.json["meetings"][0]["start"] in slots
    # every member with an address is asked, in Swedish, with their own link
    _send(mail_app)
    asked = {r.recipients[0]: r.message for r in smtp.received}
    assert set(asked) == {"asa@lindesberg.example", "per@lindesberg.example",
                          "eva@askersund.example"}
    body = asked["asa@lindesberg.example"].get_body(("plain",)).get_content()
    assert "https://moten.example/my/" in body and "2027" in body
    # Lindesberg cannot come to the first date at all; both representatives say yes to
    # the third. Hand-derived (no calendars: q = 0.70, r = 0.95): the third date gives
    # each party 1 - (1 - 0.95)(1 - 0.665) = 0.983, any other at most
    # 1 - (1 - 0.665)^2 = 0.888, and the first gives Lindesberg 0.
    chosen = slots[2]
    for name, answers in (("Åsa Lind", {slots[0]: "no", chosen: "yes"}),
                          ("Per Berg", {slots[0]: "no"}), ("Eva Ek", {chosen: "yes"})):
        secret = _own(client, headers, ids[name])
        answered = client.put(f"/api/my/{secret}/polls/{poll.json['id']}", json={
            "answers": [{"start": s, "answer": a} for s, a in answers.items()]})
        assert answered.status_code == 204, answered.json
    grid = client.get(f"/api/polls/{poll.json['id']}", headers=headers).json
    by_start = {s["start"]: s for s in grid["slots"]}
    assert by_start[chosen]["parties_yes"] == 2
    assert [p["coverage"] for p in by_start[slots[0]]["parties"]] == ["no", "unanswered"]
    assert [w["name"] for w in grid["not_answered"]] == ["Olle Ås"]
    again = client.post(f"/api/councils/{council['id']}/proposals", json=WEEK, headers=headers)
    meeting = again.json["meetings"][0]
    assert meeting["start"] == chosen
    parties = {p["party"]: p for p in meeting["parties"]}
    assert parties["lindesberg"]["presence"] == pytest.approx(0.98325, abs=1e-3)
    assert {m["basis"] for m in parties["lindesberg"]["members"]} == {"statement", "none"}
    # reminders go to those who have not answered every date, and only when asked
    before = smtp.count()
    reminded = client.post(f"/api/polls/{poll.json['id']}/reminders", headers=headers).json
    assert reminded == {"queued": 3, "mail": True}
    _send(mail_app)
    assert smtp.count() == before + 3


def test_absences_call_the_substitute_in_and_then_leave_the_party_uncovered(
        mail_app: Flask, smtp: SmtpServer) -> None:
    client = mail_app.test_client()
    headers = bearer(mail_app)
    council = _council(client, headers)
    ids = _members(council)
    proposal = client.post(f"/api/councils/{council['id']}/proposals", json=WEEK, headers=headers)
    confirmed = client.post(f"/api/proposals/{proposal.json['id']}/confirm", headers=headers)
    meeting = confirmed.json["meetings"][0]
    _send(mail_app)
    # on confirmation each member with an address gets a meeting request matching their feed
    requests = {r.recipients[0]: r.message for r in smtp.received}
    assert len(requests) == 3
    invite = icalendar.Calendar.from_ical(_calendar_parts(requests["per@lindesberg.example"])[0])
    assert str(invite["METHOD"]) == "REQUEST"
    assert str(invite.walk("VEVENT")[0]["UID"]) == f"{meeting['id']}@council-scheduler"
    feed = client.get(client.get(f"/api/members/{ids['Per Berg']}/feed",
                                 headers=headers).json["url"].split("://", 1)[1]
                      .split("/", 1)[1].join(["/", ""]))
    assert feed.status_code == 200
    before = icalendar.Calendar.from_ical(feed.data).walk("VEVENT")[0]
    assert str(before["TRANSP"]) == "TRANSPARENT"
    smtp.received.clear()

    # the representative cannot come: the substitute is called in
    rep = _own(client, headers, ids["Åsa Lind"])
    assert client.put(f"/api/my/{rep}/meetings/{meeting['id']}",
                      json={"answer": "absent"}).status_code == 204
    after = icalendar.Calendar.from_ical(client.get(feed.request.path).data).walk("VEVENT")[0]
    assert str(after["SUMMARY"]).startswith("Inkallad") and str(after["TRANSP"]) == "OPAQUE"
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    _send(mail_app)
    got = {r.recipients[0]: r for r in smtp.received}
    assert set(got) == {"per@lindesberg.example", "asa@lindesberg.example", SECRETARY}
    # the representative is told who stands in for her, in the mail that frees the
    # meeting in her calendar (her feed's event, free)
    assert "Din ersättare Per Berg är inkallad till sammanträdet" in got[
        "asa@lindesberg.example"].message.get_body(("plain",)).get_content()
    (freed,) = _calendar_parts(got["asa@lindesberg.example"].message)
    asa_feed = icalendar.Calendar.from_ical(client.get(client.get(
        f"/api/members/{ids['Åsa Lind']}/feed", headers=headers).json["url"].split("://", 1)[1]
        .split("/", 1)[1].join(["/", ""])).data).walk("VEVENT")[0]
    freed_event = ical_js(freed)["events"][0]
    assert (freed_event["sequence"], freed_event["transp"]) == (
        int(asa_feed["SEQUENCE"]), "TRANSPARENT")
    assert str(asa_feed["TRANSP"]) == "TRANSPARENT"
    part = _calendar_parts(got["per@lindesberg.example"].message)[0]
    strict = ical_js(part)
    assert strict["method"] == "REQUEST"
    assert strict["events"][0]["uid"] == str(after["UID"])
    assert strict["events"][0]["sequence"] == int(after["SEQUENCE"])
    told = got[SECRETARY].message.get_body(("plain",)).get_content()
    assert "Per Berg" in told and "Åsa Lind" in told
    overview = client.get(f"/api/my/{_own(client, headers, ids['Per Berg'])}").json
    assert overview["meetings"][0]["called_in"] is True
    smtp.received.clear()

    # the substitute is away that week too: nobody covers Lindesberg
    sub = _own(client, headers, ids["Per Berg"])
    assert client.put(f"/api/my/{sub}/absences",
                      json=[{"from": "2027-03-07", "to": "2027-03-14"}]).status_code == 204
    _send(mail_app)
    got = {r.recipients[0]: r for r in smtp.received}
    assert set(got) == {"per@lindesberg.example", "asa@lindesberg.example", SECRETARY}
    told = got["asa@lindesberg.example"].message.get_body(("plain",)).get_content()
    assert "Ingen kan företräda Lindesbergs kommun vid sammanträdet" in told
    assert "Sekreteraren har fått veta det." in told
    released = icalendar.Calendar.from_ical(_calendar_parts(got["per@lindesberg.example"].message)[0])
    assert str(released["METHOD"]) == "REQUEST"  # a release is an update, not a cancellation
    alarm = got[SECRETARY].message
    assert "Lindesbergs kommun" in str(alarm["Subject"]) + alarm.get_body(("plain",)).get_content()
    report = client.get(f"/api/councils/{council['id']}/reports/conflicts", headers=headers).json
    assert [(u["meeting"], u["party"]) for u in report["uncovered_stated"]] == [
        (meeting["id"], "lindesberg")]
    # saying the same again tells nobody again
    count = smtp.count()
    assert client.put(f"/api/my/{sub}/absences",
                      json=[{"from": "2027-03-07", "to": "2027-03-14"}]).status_code == 204
    _send(mail_app)
    assert smtp.count() == count


def test_a_member_link_reaches_only_its_own_member(mail_app: Flask) -> None:
    client = mail_app.test_client()
    headers = bearer(mail_app)
    ours, theirs = _council(client, headers), _council(client, headers)
    proposals = [client.post(f"/api/councils/{c['id']}/proposals", json=WEEK,
                             headers=headers).json for c in (ours, theirs)]
    their_meeting = client.post(f"/api/proposals/{proposals[1]['id']}/confirm",
                                headers=headers).json["meetings"][0]
    their_poll = client.post(f"/api/proposals/{proposals[1]['id']}/poll",
                             json={"deadline": "2027-03-01"}, headers=headers).json
    member = _members(ours)["Åsa Lind"]
    secret = _own(client, headers, member)
    assert client.get(f"/api/my/{secret}").json["member"]["id"] == member
    assert client.put(f"/api/my/{secret}/meetings/{their_meeting['id']}",
                      json={"answer": "absent"}).status_code == 404
    assert client.put(f"/api/my/{secret}/polls/{their_poll['id']}", json={
        "answers": [{"start": their_poll["slots"][0]["start"], "answer": "no"}]}).status_code == 404
    # the feed link is no page link: nothing can be said through it
    feed_secret = client.get(f"/api/members/{member}/feed", headers=headers).json["url"]
    feed_secret = feed_secret.rsplit("/", 1)[1].removesuffix(".ics")
    assert client.get(f"/api/my/{feed_secret}").status_code == 404
    assert client.put(f"/api/my/{feed_secret}/absences",
                      json=[{"from": "2027-03-08", "to": "2027-03-08"}]).status_code == 404
    # rotating kills the old link at once
    new = client.post(f"/api/members/{member}/link/rotate", headers=headers).json["url"]
    assert client.get(f"/api/my/{secret}").status_code == 404
    assert client.get(f"/api/my/{new.rsplit('/', 1)[1]}").status_code == 200
    # a chair may not read members' links
    chair = bearer(mail_app, "chair", ours["id"])
    assert client.get(f"/api/members/{member}/link", headers=chair).status_code == 403


def _problem(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json.get("field") == field or any(
        p.get("name") == field for p in response.json.get("invalid-params", [])), response.json


def test_bad_answers_are_refused_by_name_and_store_nothing(mail_app: Flask) -> None:
    client = mail_app.test_client()
    headers = bearer(mail_app)
    council = _council(client, headers)
    proposal = client.post(f"/api/councils/{council['id']}/proposals", json=WEEK,
                           headers=headers).json
    poll = client.post(f"/api/proposals/{proposal['id']}/poll", json={"deadline": "2027-03-01"},
                       headers=headers).json
    meeting = client.post(f"/api/proposals/{proposal['id']}/confirm",
                          headers=headers).json["meetings"][0]
    secret = _own(client, headers, _members(council)["Åsa Lind"])
    stored = client.get(f"/api/my/{secret}").json
    _problem(client.put(f"/api/my/{secret}/meetings/{meeting['id']}", json={"answer": "maybe"}),
             400, "answer")
    _problem(client.put(f"/api/my/{secret}/polls/{poll['id']}", json={
        "answers": [{"start": "2027-03-08T15:00:00+01:00", "answer": "yes"}]}),
        400, "answers[0].start")
    _problem(client.put(f"/api/my/{secret}/absences",
                        json=[{"from": "2027-03-10", "to": "2027-03-09"}]), 400, "[0].to")
    _problem(client.put(f"/api/my/{secret}/calendar", json={"url": "https://127.0.0.1/cal.ics"}),
             400, "url")
    _problem(client.post(f"/api/proposals/{proposal['id']}/poll", json={"deadline": "2020-01-01"},
                         headers=headers), 400, "deadline")
    assert client.get(f"/api/my/{secret}").json == stored
    # a closed poll, and a meeting past its answer deadline, are conflicts
    engine = mail_app.extensions["council_engine"]
    with engine.begin() as db:
        db.exec_driver_sql("UPDATE polls SET deadline = '2026-01-01'")
    _problem(client.put(f"/api/my/{secret}/polls/{poll['id']}", json={
        "answers": [{"start": poll["slots"][0]["start"], "answer": "yes"}]}), 409, "answers")
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    assert client.patch(f"/api/meetings/{meeting['id']}", headers=headers, json={
        "start": soon.isoformat(), "end": (soon + dt.timedelta(hours=3)).isoformat()}
        ).status_code == 200
    assert client.patch(f"/api/councils/{council['id']}", json={"answer_days": 3},
                        headers=headers).status_code == 200
    _problem(client.put(f"/api/my/{secret}/meetings/{meeting['id']}",
                        json={"answer": "absent"}), 409, "answer")
    assert client.get(f"/api/my/{secret}").json["meetings"][0]["answer"] is None


def test_without_mail_the_loop_works_and_says_mail_is_off(client: FlaskClient, app: Flask) -> None:
    headers = bearer(app)
    council = _council(client, headers)
    member = _members(council)["Åsa Lind"]
    assert client.post(f"/api/members/{member}/link/mail", headers=headers).json == {
        "queued": False, "mail": False}
    secret = client.get(f"/api/members/{member}/link", headers=headers).json["url"].rsplit("/", 1)[1]
    assert client.get(f"/api/my/{secret}").json["mail"] is False


# Åsa Lind is busy all that week in her own calendar: she is expected not to come
ASA_AWAY = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:away@test\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270307T230000Z\r\n"
            b"DTEND:20270313T230000Z\r\nSUMMARY:Resa\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def _feed_event(client: FlaskClient, headers: dict[str, str], member_id: str) -> Any:
    url = client.get(f"/api/members/{member_id}/feed", headers=headers).json["url"]
    answer = client.get("/" + url.split("://", 1)[1].split("/", 1)[1])
    assert answer.status_code == 200
    (event,) = icalendar.Calendar.from_ical(answer.data).walk("VEVENT")
    return event


def _invitations(smtp: SmtpServer, recipient: str) -> list[tuple[str, Any, str, bytes]]:
    """(METHOD, the VEVENT, the text, the calendar bytes) of each mail to ``recipient``."""
    found = []
    for received in smtp.received:
        if received.recipients[0] != recipient:
            continue
        (part,) = _calendar_parts(received.message)
        calendar = icalendar.Calendar.from_ical(part)
        found.append((str(calendar["METHOD"]), calendar.walk("VEVENT")[0],
                      received.message.get_body(("plain",)).get_content(), part))
    return found


def _same_state(mailed: Any, feed: Any) -> None:
    for field in ("UID", "SEQUENCE", "TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS", "STATUS"):
        assert str(mailed[field]) == str(feed[field]), field
    assert str(mailed["SUMMARY"]).split(":")[0] == str(feed["SUMMARY"]).split(":")[0]


def test_the_substitutes_mail_tells_the_same_part_as_their_feed_and_a_release_updates_it(
        mail_app: Flask, smtp: SmtpServer) -> None:
    client = mail_app.test_client()
    headers = bearer(mail_app)
    council = _council(client, headers)
    ids = _members(council)
    assert client.put(f"/api/members/{ids['Åsa Lind']}/calendar", data=ASA_AWAY,
                      content_type="text/calendar", headers=headers).status_code < 300
    proposal = client.post(f"/api/councils/{council['id']}/proposals", json=WEEK, headers=headers)
    confirmed = client.post(f"/api/proposals/{proposal.json['id']}/confirm", headers=headers)
    meeting = confirmed.json["meetings"][0]
    _send(mail_app)
    # the substitute's invitation says what their feed says: standby, busy
    feed = _feed_event(client, headers, ids["Per Berg"])
    assert str(feed["SUMMARY"]).startswith("Beredskap:") and str(feed["TRANSP"]) == "OPAQUE"
    ((method, mailed, text, part),) = _invitations(smtp, "per@lindesberg.example")
    assert method == "REQUEST"
    _same_state(mailed, feed)
    assert "Du är i beredskap: din ledamot kan troligen inte komma – räkna med att du behövs." in text
    assert "Du är ersättare för Åsa Lind." in text
    assert "väntas komma" not in text
    strict = ical_js(part)["events"][0]
    assert (strict["uid"], strict["sequence"], strict["transp"]) == (
        str(feed["UID"]), int(feed["SEQUENCE"]), "OPAQUE")
    # nobody is asked to reply by mail: their own link is where they answer
    for received in smtp.received:
        for calendar in map(icalendar.Calendar.from_ical, _calendar_parts(received.message)):
            event = calendar.walk("VEVENT")[0]
            assert event["ATTENDEE"].params["RSVP"] == "FALSE"
            assert str(event["URL"]).startswith("https://moten.example/my/")
            assert str(event["URL"]) in str(event["DESCRIPTION"])
    asa = _invitations(smtp, "asa@lindesberg.example")[0]
    assert "ersättare" not in asa[2] and str(asa[1]["TRANSP"]) == "OPAQUE"
    seen = int(mailed["SEQUENCE"])
    smtp.received.clear()

    # the representative says she is away that week: the substitute is called in
    rep = _own(client, headers, ids["Åsa Lind"])
    assert client.put(f"/api/my/{rep}/absences",
                      json=[{"from": "2027-03-07", "to": "2027-03-14"}]).status_code == 204
    _send(mail_app)
    ((method, mailed, text, _part),) = _invitations(smtp, "per@lindesberg.example")
    _same_state(mailed, _feed_event(client, headers, ids["Per Berg"]))
    assert method == "REQUEST" and "Du är inkallad i stället för Åsa Lind." in text
    assert int(mailed["SEQUENCE"]) > seen
    seen = int(mailed["SEQUENCE"])
    smtp.received.clear()

    # the meeting moves to a week she is free: the substitute is released by an update
    moved = client.patch(f"/api/meetings/{meeting['id']}", headers=headers, json={
        "start": "2027-03-16T09:00:00+01:00", "end": "2027-03-16T12:00:00+01:00"})
    assert moved.status_code == 200, moved.json
    _send(mail_app)
    feed = _feed_event(client, headers, ids["Per Berg"])
    assert str(feed["TRANSP"]) == "TRANSPARENT" and "kännedom" in str(feed["SUMMARY"])
    told = _invitations(smtp, "per@lindesberg.example")
    assert told and {method for method, *_ in told} == {"REQUEST"}
    for _method, mailed, text, _part in told:
        _same_state(mailed, feed)
        assert int(mailed["SEQUENCE"]) > seen
        assert "För kännedom: din ledamot väntas komma." in text
    # the move says where the meeting was
    (moved_text,) = [text for _m, _e, text, _p in told if "flyttat" in text]
    assert "Sammanträdet är flyttat: " in moved_text and "(tidigare " in moved_text
    smtp.received.clear()

    # a cancelled meeting is still a cancellation
    cancelled = client.patch(f"/api/meetings/{meeting['id']}", headers=headers,
                             json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.json
    _send(mail_app)
    told = _invitations(smtp, "per@lindesberg.example")
    assert [method for method, *_ in told] == ["CANCEL"]
    assert int(told[0][1]["SEQUENCE"]) > int(feed["SEQUENCE"])
    assert int(told[0][1]["SEQUENCE"]) == int(_feed_event(client, headers, ids["Per Berg"])["SEQUENCE"])
