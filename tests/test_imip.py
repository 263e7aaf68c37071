"""iMIP: one event as a meeting request or a cancellation, as RFC 5546 asks and as
independent readers take it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendars.imip import invitation, publication
from calendars.write import OutgoingEvent

from .js.reader import ical_js

STOCKHOLM = ZoneInfo("Europe/Stockholm")
STAMP = dt.datetime(2027, 1, 20, 8, tzinfo=dt.UTC)
EVENT = OutgoingEvent(
    "m7@council-scheduler", dt.datetime(2027, 3, 2, 13, tzinfo=STOCKHOLM),
    dt.datetime(2027, 3, 2, 16, tzinfo=STOCKHOLM), "Samverkansrådet för kultur", sequence=3,
    location="Länsmuseet, Örebro", organizer="kalender@region.se", organizer_name="Kulturrådet",
    attendees=("åsa@kumla.se",))


def test_a_request_carries_method_organizer_attendee_and_the_feeds_uid() -> None:
    data = invitation(EVENT, "REQUEST", stamp=STAMP)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "m7@council-scheduler"
    assert event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:kalender@region.se"
    assert str(event["ORGANIZER"].params["CN"]) == "Kulturrådet"
    assert str(event["ATTENDEE"]) == "mailto:åsa@kumla.se"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert event["DTSTART"].dt == dt.datetime(2027, 3, 2, 12, tzinfo=dt.UTC)
    parsed = ical_js(data)
    assert parsed["method"] == "REQUEST"
    assert [(e["uid"], e["sequence"], e["status"]) for e in parsed["events"]] == [
        ("m7@council-scheduler", 3, "CONFIRMED")]


def test_a_cancel_marks_the_event_cancelled_and_keeps_uid_and_sequence() -> None:
    data = invitation(EVENT, "CANCEL", stamp=STAMP)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"], str(event["STATUS"])) == (
        "m7@council-scheduler", 3, "CANCELLED")
    assert "ORGANIZER" in event and "ATTENDEE" in event
    parsed = ical_js(data)
    assert parsed["method"] == "CANCEL"
    assert parsed["events"][0]["status"] == "CANCELLED"


@pytest.mark.parametrize(("event", "method", "complaint"), [
    (EVENT, "PUBLISH", "not one of"),
    (EVENT, "request", "not one of"),
    (dataclasses.replace(EVENT, organizer=None), "REQUEST", "organizer and an attendee"),
    (dataclasses.replace(EVENT, attendees=()), "CANCEL", "organizer and an attendee"),
    (dataclasses.replace(EVENT, status="CANCELLED"), "REQUEST", "send a CANCEL"),
])
def test_what_rfc_5546_does_not_allow_is_refused(event: OutgoingEvent, method: str,
                                                complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        invitation(event, method, stamp=STAMP)


def test_the_same_event_gives_the_same_bytes() -> None:
    assert invitation(EVENT, "REQUEST", stamp=STAMP) == invitation(EVENT, "REQUEST", stamp=STAMP)


PUBLISHED = dataclasses.replace(EVENT, attendees=())
LATER = dataclasses.replace(PUBLISHED, uid="m8@council-scheduler", sequence=0, transparent=True,
                            start=EVENT.start + dt.timedelta(days=42),
                            end=EVENT.end + dt.timedelta(days=42))


def test_a_publication_posts_several_events_with_an_organizer_and_no_attendee() -> None:
    data = publication([PUBLISHED, LATER], name="Kulturrådet", stamp=STAMP)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert [(str(e["UID"]), e["SEQUENCE"], str(e["TRANSP"])) for e in events] == [
        ("m7@council-scheduler", 3, "OPAQUE"), ("m8@council-scheduler", 0, "TRANSPARENT")]
    assert all("ORGANIZER" in e and "ATTENDEE" not in e for e in events)
    parsed = ical_js(data)
    assert parsed["method"] == "PUBLISH"
    assert [e["uid"] for e in parsed["events"]] == ["m7@council-scheduler", "m8@council-scheduler"]


@pytest.mark.parametrize(("events", "complaint"), [
    ([], "at least one"),
    ([EVENT], "no attendees"),  # RFC 5546 section 3.2.1: "Attendees" MUST NOT be present
    ([dataclasses.replace(PUBLISHED, organizer=None)], "an organizer"),
    ([PUBLISHED, PUBLISHED], "each event once"),
])
def test_what_a_publication_may_not_hold_is_refused(events: list[OutgoingEvent],
                                                    complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        publication(events, name="Kulturrådet", stamp=STAMP)


def test_an_attendee_told_for_information_only_is_no_participant() -> None:
    data = invitation(dataclasses.replace(EVENT, attendee_role="NON-PARTICIPANT"), "REQUEST",
                      stamp=STAMP)
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert event["ATTENDEE"].params["ROLE"] == "NON-PARTICIPANT"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    ical_js(data)
    with pytest.raises(ValueError, match="attendee role"):
        invitation(dataclasses.replace(EVENT, attendee_role="CHAIR\r\nX"), "REQUEST", stamp=STAMP)
