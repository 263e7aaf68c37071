"""Each member is told the net change of their own state in a confirmed meeting, once it
has settled: whatever changed it (a representative's calendar, an answer, an absence),
the member gets one mail for the meeting whose iMIP part is their feed's event at that
moment (the same UID, SEQUENCE and busy or free time), with words for the change; a
change undone within the quiet period tells nothing; and the representative who says
they cannot come gets one mail, with their calendar freed and who covers for them.

Detection does not wait for anyone to read a feed: the minute's ``tell_settled`` finds
the change itself. On the in-memory store, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
import email.message
import email.policy
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest

from scheduler.mail import MailSettings
from scheduler.records import MailRecord
from scheduler.services import Services, open_services

from .council_helpers import ics
from .databases import database
from .fakes import fake_services

SECRETARY = "kansli@region.example"
OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1,
           "time_limit_s": 10}
# busy the whole week the meeting is planned in; and a calendar reaching past it, free then
AWAY = ics(("resa", "20270110T000000", "20270117T000000")).encode()
FREE = ics(("annat", "20270201T090000", "20270201T100000")).encode()
COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm", "venue": "Länsmuseet, Örebro",
    "secretary_email": SECRETARY,
    "parties": [{"id": "nora", "name": "Nora kommun", "members": [
        {"name": "Anna Ek", "role": "representative", "email": "anna@nora.example"},
        {"name": "Erik Ek", "role": "substitute", "email": "erik@nora.example"}]}]}
ANNA, ERIK = "anna@nora.example", "erik@nora.example"
STANDBY = "Din ledamot kan troligen inte komma"
NOT_NEEDED = "Du behövs troligen inte: din ledamot väntas komma"


class World:
    """A council with one confirmed meeting in the week of 11 January 2027, mail on."""

    def __init__(self, services: Services, council: dict[str, Any] = COUNCIL):
        self.services = services
        self.council = services.create_council(council)
        self.ids = {m["name"]: m["id"] for p in self.council["parties"] for m in p["members"]}
        proposal = services.create_proposal(self.council["id"], OPTIONS)
        _made, (self.meeting,) = services.confirm(proposal.id)
        self.seen = {m.id for m in self.outbox()}

    def outbox(self) -> list[MailRecord]:
        with self.services.reader() as uow:
            return uow.outbox.listing(limit=1000)

    def settle(self, after_s: float | None = None) -> list[MailRecord]:
        """Tell what is due ``after_s`` seconds from now (default: once the quiet period
        has passed); the messages this put in the outbox, oldest first."""
        wait = self.services.mail_quiet_s + 1 if after_s is None else after_s
        self.services.tell_settled(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait))
        new = [m for m in reversed(self.outbox()) if m.id not in self.seen]
        self.seen |= {m.id for m in new}
        return new

    def feed_event(self, name: str) -> Any:
        found = self.services.feed(self.services.feed_secret(self.ids[name]))
        assert found is not None
        (event,) = icalendar.Calendar.from_ical(found[0]).walk("VEVENT")
        return event


def _message(mail: MailRecord) -> email.message.EmailMessage:
    parsed = email.message_from_string(mail.message, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def _invitation(mail: MailRecord) -> tuple[str, Any, str]:
    """(METHOD, the VEVENT, the text) of a mail with one inline calendar part."""
    message = _message(mail)
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    body = message.get_body(("plain",))
    assert body is not None
    return str(calendar["METHOD"]), calendar.walk("VEVENT")[0], body.get_content()


def _same_as_feed(event: Any, feed: Any) -> None:
    for field in ("UID", "SEQUENCE", "TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS", "STATUS", "SUMMARY"):
        assert str(event[field]) == str(feed[field]), field


MAIL = MailSettings("127.0.0.1", 25, sender="Kalendern <kalender@region.example>")


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "fake":
        services = fake_services()
        services.mail, services.public_url = MAIL, "https://moten.example"
        yield World(services)
        return
    with database(request.param, tmp_path) as engine:
        made, own = open_services(
            engine.url.render_as_string(hide_password=False), link_key="tests",
            mail=MAIL, public_url="https://moten.example")
        try:
            yield World(made)
        finally:
            own.dispose()


def test_a_calendar_that_puts_the_substitute_on_standby_and_frees_them_is_mailed_each_time(
        world: World) -> None:
    services = world.services
    anna = world.ids["Anna Ek"]
    assert str(world.feed_event("Erik Ek")["TRANSP"]) == "TRANSPARENT"  # informed at first
    # the representative's calendar shows her away: the substitute is on standby
    services.upload_calendar(anna, AWAY)
    assert world.settle(services.mail_quiet_s - 1) == []  # not before the quiet period
    (mail,) = world.settle()
    assert mail.recipient == ERIK
    method, event, text = _invitation(mail)
    feed = world.feed_event("Erik Ek")
    assert method == "REQUEST" and str(event["TRANSP"]) == "OPAQUE"
    _same_as_feed(event, feed)
    assert STANDBY in text and "räkna med att du behövs" in text
    assert "Du är ersättare för Anna Ek." in text
    standby_sequence = int(event["SEQUENCE"])
    assert world.settle(3600) == []  # told once
    # a second upload frees the representative: one more mail, free, a higher SEQUENCE
    services.upload_calendar(anna, FREE)
    (mail,) = world.settle()
    method, event, text = _invitation(mail)
    assert (mail.recipient, method, str(event["TRANSP"])) == (ERIK, "REQUEST", "TRANSPARENT")
    _same_as_feed(event, world.feed_event("Erik Ek"))
    assert int(event["SEQUENCE"]) > standby_sequence
    assert NOT_NEEDED in text and "För kännedom." in text
    # back and forth within the quiet period, seen in between, tells nothing
    services.upload_calendar(anna, AWAY)
    assert world.settle(1) == []
    assert str(world.feed_event("Erik Ek")["TRANSP"]) == "OPAQUE"
    services.upload_calendar(anna, FREE)
    assert world.settle(1) == []
    assert world.settle() == []
    assert world.settle(3600) == []


def test_a_representative_who_cannot_come_gets_one_mail_freeing_her_calendar_and_naming_her_cover(
        world: World) -> None:
    services = world.services
    services.answer_meeting_as(services.page_secret(world.ids["Anna Ek"]), world.meeting.id,
                               {"answer": "absent"})
    told = world.settle()
    assert Counter(m.recipient for m in told) == Counter({ANNA: 1, ERIK: 1, SECRETARY: 1})
    (to_anna,) = [m for m in told if m.recipient == ANNA]
    method, event, text = _invitation(to_anna)
    assert method == "REQUEST" and str(event["TRANSP"]) == "TRANSPARENT"
    _same_as_feed(event, world.feed_event("Anna Ek"))
    assert int(event["SEQUENCE"]) > 0
    assert "Du har meddelat förhinder till sammanträdet" in text
    assert "i din kalender står det nu som ledigt" in text
    assert "Din ersättare Erik Ek är inkallad till sammanträdet" in text
    (to_erik,) = [m for m in told if m.recipient == ERIK]
    method, event, text = _invitation(to_erik)
    assert method == "REQUEST" and str(event["TRANSP"]) == "OPAQUE"
    _same_as_feed(event, world.feed_event("Erik Ek"))
    assert "Du är inkallad i stället för Anna Ek." in text
    assert world.settle(3600) == []
    # she can come after all: she is told her calendar is busy again, the substitute that
    # he is released; the secretary is not told of a release
    services.answer_meeting_as(services.page_secret(world.ids["Anna Ek"]), world.meeting.id,
                               {"answer": "coming"})
    told = world.settle()
    assert Counter(m.recipient for m in told) == Counter({ANNA: 1, ERIK: 1})
    for mail in told:
        name = "Anna Ek" if mail.recipient == ANNA else "Erik Ek"
        method, event, text = _invitation(mail)
        assert method == "REQUEST"
        _same_as_feed(event, world.feed_event(name))
    (to_anna,) = [m for m in told if m.recipient == ANNA]
    assert "Du väntas komma till sammanträdet" in _invitation(to_anna)[2]
    assert str(_invitation(to_anna)[1]["TRANSP"]) == "OPAQUE"


def test_a_substitute_who_cannot_come_is_told_their_calendar_is_free(world: World) -> None:
    services = world.services
    services.answer_meeting_as(services.page_secret(world.ids["Erik Ek"]), world.meeting.id,
                               {"answer": "absent"})
    (mail,) = world.settle()
    method, event, text = _invitation(mail)
    assert (mail.recipient, method, str(event["TRANSP"])) == (ERIK, "REQUEST", "TRANSPARENT")
    _same_as_feed(event, world.feed_event("Erik Ek"))
    assert "Du har meddelat förhinder till sammanträdet" in text


def test_the_confirmation_is_what_members_were_told_so_nothing_more_is_mailed(world: World) -> None:
    assert world.settle(3600) == []
    world.feed_event("Erik Ek")  # reading feeds changes nothing either
    assert world.settle(3600) == []


def test_a_move_tells_the_state_in_its_own_mail_and_nothing_after(world: World) -> None:
    services = world.services
    services.answer_meeting_as(services.page_secret(world.ids["Anna Ek"]), world.meeting.id,
                               {"answer": "absent"})
    world.settle()
    later = world.meeting.start + dt.timedelta(days=1)
    services.change_meeting(world.meeting.id, {"start": later.isoformat(),
                                               "end": (later + dt.timedelta(hours=3)).isoformat()})
    told = world.settle()
    # her answer goes with the meeting: nothing else changed, so the move is all they hear
    assert Counter(m.kind for m in told) == Counter({"meeting_moved": 2})
    for mail in told:
        name = "Anna Ek" if mail.recipient == ANNA else "Erik Ek"
        _same_as_feed(_invitation(mail)[1], world.feed_event(name))
    assert world.settle(3600) == []


def test_a_substitute_on_standby_told_another_is_called_in_is_not_told_the_representative_comes(
        world: World) -> None:
    services = world.services
    second = World(services, {**COUNCIL, "parties": [{**COUNCIL["parties"][0], "members": [
        *COUNCIL["parties"][0]["members"],
        {"name": "Olof Ek", "role": "substitute", "email": "olof@nora.example"}]}]})
    services.upload_calendar(second.ids["Anna Ek"], AWAY)
    second.seen |= {m.id for m in world.outbox()}
    told = second.settle()
    assert Counter(m.recipient for m in told) == Counter({ERIK: 1, "olof@nora.example": 1})
    assert all(STANDBY in _invitation(m)[2] for m in told)
    # she cannot come: Erik is called in, Olof is not needed, and is told why
    services.answer_meeting_as(services.page_secret(second.ids["Anna Ek"]), second.meeting.id,
                               {"answer": "absent"})
    told = second.settle()
    (to_olof,) = [m for m in told if m.recipient == "olof@nora.example"]
    _method, event, text = _invitation(to_olof)
    assert str(event["TRANSP"]) == "TRANSPARENT"
    _same_as_feed(event, second.feed_event("Olof Ek"))
    assert "Du behövs inte: en annan ersättare är inkallad till sammanträdet" in text
    assert "väntas komma" not in text
