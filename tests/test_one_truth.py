"""One truth to every person: whatever members and the secretary do, in any order, the
member's feed, the latest invitation mailed to them, their own page's data, the meeting
view and the chair's report say the same about each member's part in each meeting.

A hypothesis state machine drives a small council through the HTTP API with mail on a
real SMTP server (aiosmtpd): confirm, answers, declared and withdrawn absences, a
representative's calendar that makes them busy or free, moves, cancellations and new
links. After every step (and once the mail about it has settled) it checks, for every
member and meeting, MODEL.md's state and busy/free on every surface; that a SEQUENCE
never falls and never comes back with other content, in the feed or in mail; that no
CANCEL is mailed for a meeting that is not cancelled; and that the report's coverage of
each party follows MODEL.md's rule from the same inputs.
"""

from __future__ import annotations

import datetime as dt
import email.message
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from api import create_app
from scheduler.mail import MailSettings, drain

from .conftest import bearer
from .smtp_server import SmtpServer

SECRETARY = "sekreterare@region.example"
PARTIES = ("nora", "kumla", "lekeberg")
COUNCIL = {
    "name": "Samverkansråd kultur", "timezone": "Europe/Stockholm",
    "secretary_email": SECRETARY, "venue": "Länsmuseet, Örebro",
    "parties": [
        {"id": party, "name": f"{party.title()} kommun", "members": [
            {"name": f"Ledamot {party.title()}", "role": "representative",
             "email": f"ledamot@{party}.example"},
            {"name": f"Ersättare {party.title()}", "role": "substitute",
             "email": f"ersattare@{party}.example"}]}
        for party in PARTIES],
}
# two three-hour meetings in two weeks of March 2027 without holidays
PLAN = {"from": "2027-03-08", "to": "2027-03-20", "meetings": 2, "duration": "3h",
        "step": "3h", "earliest": "09:00", "latest": "12:00", "time_limit_s": 10,
        "min_gap_days": 5}
# a representative busy all day, every day of March 2027: at any time of these meetings
BUSY_MARCH = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//one truth//SV\r
BEGIN:VEVENT\r
UID:busy-march@test\r
DTSTAMP:20261201T000000Z\r
DTSTART;VALUE=DATE:20270301\r
DTEND;VALUE=DATE:20270401\r
SUMMARY:Annat uppdrag\r
END:VEVENT\r
END:VCALENDAR\r
"""
BUSY_STATES = frozenset({"expected", "called_in", "standby"})


@dataclass
class Seen:
    """What a member has been shown of one event: content by SEQUENCE, and the highest."""

    contents: dict[int, tuple[str, ...]] = field(default_factory=dict)
    highest: int = -1


@dataclass
class Said:
    """A member's statement about meeting times: ``absent`` or ``coming``, over [start, end)
    (an answer covers its meeting; an absence whole days), in the order made."""

    word: str
    start: dt.datetime
    end: dt.datetime
    order: int
    meeting_id: str | None = None


def _events(data: bytes) -> dict[str, icalendar.cal.Component]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def _content(event: icalendar.cal.Component) -> tuple[str, ...]:
    return (str(event.get("SUMMARY")), str(event.get("TRANSP", "OPAQUE")),
            str(event.get("STATUS")), event["DTSTART"].dt.isoformat(),
            event["DTEND"].dt.isoformat())


def _calendar_parts(message: email.message.EmailMessage) -> list[tuple[str | None, bytes]]:
    parts = []
    for part in message.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            parts.append((part.get_param("method"), payload))
    return parts


class OneTruth(RuleBasedStateMachine):
    """A council whose members and secretary act in any order."""

    smtp: SmtpServer
    tmp: Any

    @initialize()
    def confirm_a_plan(self) -> None:
        self.smtp.received.clear()
        self.app: Flask = create_app({
            "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/truth.sqlite", "TESTING": True,
            "SEND_MAIL": False,
            "MAIL": MailSettings("127.0.0.1", self.smtp.port,
                                 sender="Kalendern <kalender@region.example>", timeout=5),
            "PUBLIC_URL": "https://moten.example"})
        self.client: FlaskClient = self.app.test_client()
        self.admin = bearer(self.app)
        made = self.client.post("/api/councils", json=COUNCIL, headers=self.admin)
        assert made.status_code == 201, made.json
        self.council = made.json
        self.chair = bearer(self.app, "chair", self.council["id"])
        self.members = {(p["id"], m["role"]): m["id"] for p in self.council["parties"]
                        for m in p["members"]}
        self.party_of = {member_id: key[0] for key, member_id in self.members.items()}
        self.role_of = {member_id: key[1] for key, member_id in self.members.items()}
        self.email_of = {m["id"]: m["email"] for p in self.council["parties"]
                         for m in p["members"]}
        proposal = self.client.post(f"/api/councils/{self.council['id']}/proposals", json=PLAN,
                                    headers=self.admin)
        assert proposal.status_code == 201 and proposal.json["status"] != "infeasible", proposal.json
        confirmed = self.client.post(f"/api/proposals/{proposal.json['id']}/confirm",
                                     headers=self.admin)
        assert confirmed.status_code in (200, 201), confirmed.json
        self.meeting_order = [m["id"] for m in confirmed.json["meetings"]]
        self.member_order = [self.members[(party, role)] for party in PARTIES
                             for role in ("representative", "substitute")]
        self.meetings = {m["id"]: {"start": dt.datetime.fromisoformat(m["start"]),
                                   "end": dt.datetime.fromisoformat(m["end"]),
                                   "status": "confirmed"}
                         for m in confirmed.json["meetings"]}
        self.said: dict[str, list[Said]] = {member_id: [] for member_id in self.party_of}
        self.busy_calendar: set[str] = set()
        self.seen: dict[tuple[str, str], Seen] = {}
        self.mailed: dict[tuple[str, str], tuple[str, icalendar.cal.Component]] = {}
        self.order = 0
        self.pages = {member_id: self._page(member_id) for member_id in self.party_of}
        self.feeds = {member_id: self._feed_path(member_id) for member_id in self.party_of}

    def teardown(self) -> None:
        if hasattr(self, "app"):
            self.app.extensions["council_engine"].dispose()

    # links ------------------------------------------------------------------------------
    def _page(self, member_id: str, *, rotate: bool = False) -> str:
        path = f"/api/members/{member_id}/link" + ("/rotate" if rotate else "")
        answer = (self.client.post(path, headers=self.admin) if rotate
                  else self.client.get(path, headers=self.admin))
        assert answer.status_code in (200, 201), answer.json
        return str(answer.json["url"]).rsplit("/", 1)[1]

    def _feed_path(self, member_id: str, *, rotate: bool = False) -> str:
        path = f"/api/members/{member_id}/feed" + ("/rotate" if rotate else "")
        answer = (self.client.post(path, headers=self.admin) if rotate
                  else self.client.get(path, headers=self.admin))
        assert answer.status_code in (200, 201), answer.json
        return "/" + str(answer.json["url"]).split("://", 1)[1].split("/", 1)[1]

    # rules ------------------------------------------------------------------------------
    def _live(self) -> list[str]:
        return [m for m in self.meeting_order if self.meetings[m]["status"] == "confirmed"]

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data(), word=st.sampled_from(["absent", "coming"]))
    def answer(self, data: st.DataObject, word: str) -> None:
        """A member answers for one meeting on their page."""
        member_id = data.draw(st.sampled_from(self.member_order), "member")
        meeting_id = data.draw(st.sampled_from(self._live()), "meeting")
        answered = self.client.put(f"/api/my/{self.pages[member_id]}/meetings/{meeting_id}",
                                   json={"answer": word})
        assert answered.status_code == 204, answered.json
        meeting = self.meetings[meeting_id]
        self.order += 1
        self.said[member_id] = [s for s in self.said[member_id] if s.meeting_id != meeting_id]
        self.said[member_id].append(Said(word, meeting["start"], meeting["end"], self.order,
                                         meeting_id))

    @rule(data=st.data(), away=st.booleans())
    def absences(self, data: st.DataObject, away: bool) -> None:
        """A member declares they are away the whole of March 2027, or withdraws it."""
        member_id = data.draw(st.sampled_from(self.member_order), "member")
        body = [{"from": "2027-03-01", "to": "2027-03-31"}] if away else []
        declared = self.client.put(f"/api/my/{self.pages[member_id]}/absences", json=body)
        assert declared.status_code == 204, declared.json
        self.order += 1
        self.said[member_id] = [s for s in self.said[member_id] if s.meeting_id is not None]
        if away:
            zone = dt.UTC
            self.said[member_id].append(Said("absent", dt.datetime(2027, 3, 1, tzinfo=zone),
                                             dt.datetime(2027, 4, 1, tzinfo=zone), self.order))

    @rule(party=st.sampled_from(PARTIES), busy=st.booleans())
    def representative_calendar(self, party: str, busy: bool) -> None:
        """The representative's calendar: busy all March, or taken away (no calendar)."""
        member_id = self.members[(party, "representative")]
        if busy:
            answer = self.client.put(f"/api/members/{member_id}/calendar", data=BUSY_MARCH,
                                     headers={**self.admin, "Content-Type": "text/calendar"})
            self.busy_calendar.add(member_id)
        else:
            answer = self.client.delete(f"/api/members/{member_id}/calendar", headers=self.admin)
            self.busy_calendar.discard(member_id)
        assert answer.status_code in (200, 204), answer.json

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data(), days=st.integers(min_value=1, max_value=3))
    def move(self, data: st.DataObject, days: int) -> None:
        """The secretary moves a meeting a few days on (staying in March 2027)."""
        meeting_id = data.draw(st.sampled_from(self._live()), "meeting")
        meeting = self.meetings[meeting_id]
        start = meeting["start"] + dt.timedelta(days=days)
        end = meeting["end"] + dt.timedelta(days=days)
        if end.month != 3:
            return
        moved = self.client.patch(f"/api/meetings/{meeting_id}", headers=self.admin,
                                  json={"start": start.isoformat(), "end": end.isoformat()})
        assert moved.status_code == 200, moved.json
        meeting["start"], meeting["end"] = start, end
        for said in self.said.values():  # an answer goes with its meeting
            for s in said:
                if s.meeting_id == meeting_id:
                    s.start, s.end = start, end

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """The secretary cancels a meeting."""
        meeting_id = data.draw(st.sampled_from(self._live()), "meeting")
        cancelled = self.client.patch(f"/api/meetings/{meeting_id}", headers=self.admin,
                                      json={"status": "cancelled"})
        assert cancelled.status_code == 200, cancelled.json
        self.meetings[meeting_id]["status"] = "cancelled"

    @rule(data=st.data(), feed=st.booleans())
    def rotate(self, data: st.DataObject, feed: bool) -> None:
        """A member's feed link or page link is replaced; the old one stops working."""
        member_id = data.draw(st.sampled_from(self.member_order), "member")
        if feed:
            old = self.feeds[member_id]
            self.feeds[member_id] = self._feed_path(member_id, rotate=True)
            assert self.client.get(old).status_code == 404
        else:
            old = self.pages[member_id]
            self.pages[member_id] = self._page(member_id, rotate=True)
            assert self.client.get(f"/api/my/{old}").status_code == 404

    # the model --------------------------------------------------------------------------
    def _newest(self, member_id: str, meeting_id: str) -> str | None:
        """What the member said last over the meeting's time (``absent``, ``coming``)."""
        meeting = self.meetings[meeting_id]
        over = [s for s in self.said[member_id]
                if s.start < meeting["end"] and meeting["start"] < s.end]
        return max(over, key=lambda s: s.order).word if over else None

    def _absent(self, member_id: str, meeting_id: str) -> bool:
        return self._newest(member_id, meeting_id) == "absent"

    def _representative_covers(self, party: str, meeting_id: str) -> bool:
        """Likely to come (p >= 0.5): their own word decides over the calendar (MODEL.md);
        without it, a calendar busy all March makes p = r * q[busy], far under one half,
        and no calendar p = 0.95 * 0.70 = 0.665."""
        representative = self.members[(party, "representative")]
        said = self._newest(representative, meeting_id)
        if said is not None:
            return said == "coming"
        return representative not in self.busy_calendar

    def _state(self, member_id: str, meeting_id: str) -> str:
        """MODEL.md's state of a member in a confirmed or cancelled meeting."""
        if self.meetings[meeting_id]["status"] == "cancelled":
            return "cancelled"
        if self._absent(member_id, meeting_id):
            return "absent"
        if self.role_of[member_id] == "representative":
            return "expected"
        party = self.party_of[member_id]
        if self._absent(self.members[(party, "representative")], meeting_id):
            return "called_in"
        return "informed" if self._representative_covers(party, meeting_id) else "standby"

    def _covered_by(self, party: str, meeting_id: str) -> str:
        substitute = self.members[(party, "substitute")]
        if self._representative_covers(party, meeting_id):
            return "representative"
        return "uncovered" if self._absent(substitute, meeting_id) else "substitute"

    # checks -----------------------------------------------------------------------------
    def _settle(self) -> None:
        services = self.app.extensions["council_services"]
        services.tell_settled(dt.datetime.now(dt.UTC)
                              + dt.timedelta(seconds=services.mail_quiet_s + 1))
        drain(services.uow, services.mail)

    def _observe(self, member_id: str, uid: str, event: icalendar.cal.Component,
                 where: str) -> None:
        seen = self.seen.setdefault((member_id, uid), Seen())
        sequence = int(event.get("SEQUENCE", 0))
        content = _content(event)
        assert sequence >= seen.highest, (
            f"{where}: SEQUENCE fell from {seen.highest} to {sequence} for {uid}")
        known = seen.contents.setdefault(sequence, content)
        assert known == content, f"{where}: SEQUENCE {sequence} of {uid} came back as {content}, was {known}"
        seen.highest = sequence

    @invariant()
    def every_surface_says_the_same(self) -> None:
        if not hasattr(self, "app"):
            return
        self._settle()
        by_address = {address: member_id for member_id, address in self.email_of.items()}
        for received in list(self.smtp.received):
            for address in received.recipients:
                member_id = by_address.get(address)
                if member_id is None:
                    assert address == SECRETARY
                    continue
                for given, payload in _calendar_parts(received.message):
                    calendar = icalendar.Calendar.from_ical(payload)
                    method = str(calendar.get("METHOD", given))
                    for uid, event in _events(payload).items():
                        meeting_id = uid.split("@", 1)[0]
                        if method == "CANCEL":
                            assert self.meetings[meeting_id]["status"] == "cancelled", (
                                f"a CANCEL for {meeting_id}, which is not cancelled")
                        for attendee in event.get("ATTENDEE", []) if isinstance(
                                event.get("ATTENDEE"), list) else [event.get("ATTENDEE")]:
                            if attendee is not None:
                                assert attendee.params.get("RSVP", "FALSE") == "FALSE"
                        self._observe(member_id, uid, event, f"mail to {address}")
                        self.mailed[(member_id, uid)] = (method, event)
        self.smtp.received.clear()
        report = self.client.get(f"/api/councils/{self.council['id']}/reports/conflicts",
                                 headers=self.chair)
        assert report.status_code == 200, report.json
        reported = {m["id"]: m for m in report.json["meetings"]}
        for member_id in sorted(self.party_of):
            feed = self.client.get(self.feeds[member_id])
            assert feed.status_code == 200
            events = _events(feed.data)
            mine = self.client.get(f"/api/my/{self.pages[member_id]}")
            assert mine.status_code == 200, mine.json
            overview = {m["id"]: m for m in mine.json["meetings"]}
            for meeting_id, meeting in self.meetings.items():
                uid = f"{meeting_id}@council-scheduler"
                state = self._state(member_id, meeting_id)
                event = events[uid]
                self._observe(member_id, uid, event, "feed")
                where = f"{self.role_of[member_id]} of {self.party_of[member_id]}, {meeting_id}"
                busy = str(event.get("TRANSP", "OPAQUE")) == "OPAQUE"
                if state == "cancelled":
                    assert str(event["STATUS"]) == "CANCELLED", where
                else:
                    assert busy == (state in BUSY_STATES), f"{where}: feed busy={busy}, state {state}"
                    assert event["DTSTART"].dt == meeting["start"], where
                    assert overview[meeting_id]["state"] == state, (
                        f"{where}: /api/my says {overview[meeting_id].get('state')}, model {state}")
                mailed = self.mailed.get((member_id, uid))
                if mailed is not None:  # the latest invitation agrees with the feed now
                    method, last = mailed
                    assert (method == "CANCEL") == (state == "cancelled"), where
                    if state != "cancelled":
                        mailed_busy = str(last.get("TRANSP", "OPAQUE")) == "OPAQUE"
                        assert mailed_busy == busy, f"{where}: mail busy={mailed_busy}, feed {busy}"
                        assert last["DTSTART"].dt == meeting["start"], where
                if state != "cancelled":
                    party = next(p for p in reported[meeting_id]["parties"]
                                 if p["party"] == self.party_of[member_id])
                    member = next(m for m in party["members"] if m.get("id") == member_id)
                    assert member["state"] == state, f"{where}: report says {member['state']}"
        for meeting_id, meeting in self.meetings.items():
            if meeting["status"] != "confirmed":
                continue
            for party in reported[meeting_id]["parties"]:
                assert party["covered_by"] == self._covered_by(party["party"], meeting_id), (
                    f"{meeting_id} {party['party']}: report {party['covered_by']}")
            view = self.client.get(f"/api/meetings/{meeting_id}", headers=self.chair)
            assert view.status_code == 200, view.json
            assert {p["party"]: p["covered_by"] for p in view.json["parties"]} == {
                p["party"]: p["covered_by"] for p in reported[meeting_id]["parties"]}


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def test_every_surface_tells_each_member_one_truth(smtp: SmtpServer) -> None:
    OneTruth.smtp = smtp
    OneTruth.TestCase.settings = settings(
        max_examples=15, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    OneTruth.TestCase().runTest()
