"""The demo council's mail on a real SMTP server: confirming its plan of four meetings
sends each member one mail naming every date, the member's part in each said plainly, and
the meetings attached as one calendar file whose events are the member's feed events;
a representative who cannot come is told, in the mail that frees the meeting in their
calendar, that their substitute is called in (or that nobody can come), and the secretary
is told of every call-in and every party left uncovered."""

from __future__ import annotations

import datetime as dt
import email.message
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from scheduler.mail import drain
from scheduler.mail.wording import span
from scheduler.serve import load_demo
from scheduler.services import Services, open_services

from .js.reader import ical_js
from .smtp_server import Received, SmtpServer
from .test_mail_delivery import settings_for

ZONE = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(ZONE)
PUBLIC = "https://moten.example"
# four Wednesday mornings of the demo's year, outside its blackouts
DATES = [dt.datetime(2027, month, day, 9, tzinfo=STOCKHOLM)
         for month, day in ((2, 10), (4, 21), (9, 15), (11, 24))]
STANDBY = "Du är i beredskap: din ledamot kan troligen inte komma – räkna med att du behövs."
INFORMED = "För kännedom: din ledamot väntas komma."


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    role: str
    party: str
    party_name: str


@dataclass
class World:
    services: Services
    server: SmtpServer
    council_id: str
    people: list[Person]
    meetings: list[Any]
    confirmation: list[Received]
    secretary: str | None

    def person(self, party: str, role: str) -> Person:
        return next(p for p in self.people if (p.party, p.role) == (party, role))

    def feed(self, member_id: str) -> dict[str, icalendar.Event]:
        found = self.services.feed(self.services.feed_secret(member_id))
        assert found is not None
        return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(found[0]).walk("VEVENT")}

    def page(self, member_id: str) -> str:
        return f"{PUBLIC}/my/{self.services.page_secret(member_id)}"

    def settle(self) -> list[Received]:
        """Tell the settled news, send the outbox; the messages this sent."""
        before = len(self.server.received)
        self.services.tell_settled(dt.datetime.now(dt.UTC)
                                   + dt.timedelta(seconds=self.services.mail_quiet_s + 1))
        drain(self.services.uow, self.services.mail)
        return self.server.received[before:]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    server = SmtpServer().start()
    folder = tmp_path_factory.mktemp("demo-mail")
    services, engine = open_services(f"sqlite:///{folder / 'demo.sqlite'}", link_key="tests",
                                     mail=settings_for(server), public_url=PUBLIC)
    try:
        council_id, _tokens = load_demo(services, 2027)
        with services.uow() as uow:
            record = uow.councils.get(council_id)
            proposal = uow.plans.add_proposal(council_id, {}, {"status": "optimal", "meetings": [
                {"start": start.isoformat(), "end": (start + dt.timedelta(hours=3)).isoformat()}
                for start in DATES]})
            uow.commit()
        people = []
        for (party_id, index), member_id in record.member_ids.items():
            party = record.council.party(party_id)
            member = party.members[index]
            assert member.email is not None
            people.append(Person(member_id, member.name, member.email, member.role, party_id,
                                 party.name))
        created, meetings = services.confirm(proposal.id)
        assert created
        drain(services.uow, services.mail)
        yield World(services, server, council_id, people, meetings, list(server.received),
                    record.council.secretary_email)
    finally:
        server.stop()
        engine.dispose()


def _calendar_parts(message: email.message.EmailMessage) -> list[email.message.EmailMessage]:
    return [p for p in message.walk() if p.get_content_type() == "text/calendar"]


def _text(message: email.message.EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    text: str = body.get_content()  # type: ignore[attr-defined]
    return text.replace("\r\n", "\n")


def _by_recipient(received: list[Received]) -> dict[str, list[Received]]:
    found: dict[str, list[Received]] = {}
    for item in received:
        found.setdefault(item.recipients[0], []).append(item)
    return found


def _blocks(text: str) -> dict[str, str]:
    """The plan mail's list: each date as written, with the lines under it."""
    found = {}
    for block in text.split("\n\n"):
        for item in block.split("\n– ")[1:] if not block.startswith("– ") else \
                ("\n" + block).split("\n– ")[1:]:
            first, _, rest = item.partition("\n")
            found[first] = rest
    return found


def test_confirming_the_demo_plan_mails_each_member_once_and_nobody_else(world: World) -> None:
    assert world.secretary  # the demo council has a secretary to tell
    assert len(world.meetings) == 4
    assert Counter(r.recipients[0] for r in world.confirmation) == Counter(
        {p.email: 1 for p in world.people})
    assert len(world.confirmation) == 26  # not one per member and meeting (104)


def test_every_attached_event_is_the_members_feed_event_read_by_icalendar_and_ical_js(
        world: World) -> None:
    mails = _by_recipient(world.confirmation)
    uids = {f"{m.id}@council-scheduler" for m in world.meetings}
    for person in world.people:
        (received,) = mails[person.email]
        message = received.message
        assert message.get_content_type() == "multipart/mixed"
        (part,) = _calendar_parts(message)
        assert part.get_content_disposition() == "attachment"
        assert str(part.get_filename()).endswith(".ics")
        assert part.get_param("method") == "PUBLISH"
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        calendar = icalendar.Calendar.from_ical(data)
        assert str(calendar["METHOD"]) == "PUBLISH"
        events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == uids
        feed = world.feed(person.id)
        page = world.page(person.id)
        for uid, event in events.items():
            shown = feed[uid]
            for field in ("SEQUENCE", "TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS", "STATUS",
                          "SUMMARY", "LOCATION"):
                assert str(event[field]) == str(shown[field]), (person.name, field)
            assert event["DTSTART"].dt == shown["DTSTART"].dt
            assert event["DTEND"].dt == shown["DTEND"].dt
            # a publication asks nobody anything: no attendee, so no reply buttons;
            # the member answers through their own link
            assert "ATTENDEE" not in event and "ORGANIZER" in event
            assert str(event["URL"]) == page and page in str(event["DESCRIPTION"])
        strict = ical_js(data)
        assert strict["method"] == "PUBLISH"
        assert {(e["uid"], e["sequence"], e["transp"], e["summary"]) for e in strict["events"]} \
            == {(uid, int(e["SEQUENCE"]), str(e["TRANSP"]), str(e["SUMMARY"]))
                for uid, e in feed.items()}


def test_the_text_names_every_date_and_place_and_each_members_part_in_it(world: World) -> None:
    mails = _by_recipient(world.confirmation)
    seen = Counter[str]()
    for person in world.people:
        (received,) = mails[person.email]
        text = _text(received.message)
        blocks = _blocks(text)
        feed = world.feed(person.id)
        assert text.startswith(f"Hej {person.name},\n")
        assert world.page(person.id) in text
        for meeting in world.meetings:
            when = span(meeting.start, meeting.end, ZONE, "sv")
            assert when in blocks, (person.name, when)
            lines = blocks[when]
            assert "Plats: Länsmuseet, Örebro" in lines
            summary = str(feed[f"{meeting.id}@council-scheduler"]["SUMMARY"])
            if person.role == "representative":
                assert lines.strip() == "Plats: Länsmuseet, Örebro"
                continue
            if summary.startswith("Beredskap"):
                assert STANDBY in lines and INFORMED not in lines
                seen["standby"] += 1
            else:
                assert "kännedom" in summary
                assert INFORMED in lines and STANDBY not in lines
                seen["informed"] += 1
        representative = world.person(person.party, "representative")
        if person.role == "representative":
            assert "ersättare" not in text and "kännedom" not in text and "behövs" not in text
        else:
            assert f"Du är ersättare för {representative.name}." in text
    # the demo has substitutes on standby and substitutes told for information only
    assert seen["standby"] >= 1 and seen["informed"] >= 1, seen


def test_a_representative_is_told_their_substitute_is_called_in_and_the_secretary_each_call_in(
        world: World) -> None:
    meeting = world.meetings[-1]
    parties = ["kumla", "nora"]
    for party in parties:
        representative = world.person(party, "representative")
        world.services.answer_meeting_as(world.services.page_secret(representative.id),
                                         meeting.id, {"answer": "absent"})
    told = _by_recipient(world.settle())
    date = span(meeting.start, meeting.end, ZONE, "sv")
    assert world.secretary is not None
    assert len(told.pop(world.secretary)) == 2  # one per call-in
    for party in parties:
        representative = world.person(party, "representative")
        substitute = world.person(party, "substitute")
        (mail,) = told.pop(representative.email)
        text = _text(mail.message)
        assert f"Din ersättare {substitute.name} är inkallad till sammanträdet {date}" in text
        assert world.page(representative.id) in text
        # and her calendar is freed in the same mail: her feed's event, free
        assert "Du har meddelat förhinder till sammanträdet " in text
        assert "i din kalender står det nu som ledigt" in text
        (part,) = _calendar_parts(mail.message)
        assert part.get_param("method") == "REQUEST"
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
        shown = world.feed(representative.id)[str(event["UID"])]
        for field in ("SEQUENCE", "TRANSP", "SUMMARY"):
            assert str(event[field]) == str(shown[field]), field
        assert str(event["TRANSP"]) == "TRANSPARENT"
        (mail,) = told.pop(substitute.email)
        text = _text(mail.message)
        assert f"Du är inkallad i stället för {representative.name}." in text
        assert STANDBY not in text and INFORMED not in text
        (part,) = _calendar_parts(mail.message)
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
        shown = world.feed(substitute.id)[str(event["UID"])]
        for field in ("SEQUENCE", "TRANSP", "SUMMARY"):
            assert str(event[field]) == str(shown[field]), field
        assert str(event["TRANSP"]) == "OPAQUE"
        assert event["ATTENDEE"].params["RSVP"] == "FALSE"
        assert ical_js(data)["events"][0]["sequence"] == int(shown["SEQUENCE"])
    assert told == {}

    # Kumla's substitute cannot come either: nobody represents Kumla
    substitute = world.person("kumla", "substitute")
    representative = world.person("kumla", "representative")
    world.services.answer_meeting_as(world.services.page_secret(substitute.id), meeting.id,
                                     {"answer": "absent"})
    told = _by_recipient(world.settle())
    (alarm,) = told.pop(world.secretary)
    assert "Kumla kommun saknar företrädare" in str(alarm.message["Subject"])
    (mail,) = told.pop(representative.email)
    text = _text(mail.message)
    assert f"Ingen kan företräda Kumla kommun vid sammanträdet {date}" in text
    assert f"din ersättare {substitute.name} har meddelat förhinder" in text
    assert "Sekreteraren har fått veta det." in text
    (released,) = told.pop(substitute.email)  # the substitute is no longer called in
    assert [p.get_param("method") for p in _calendar_parts(released.message)] == ["REQUEST"]
    assert told == {}
