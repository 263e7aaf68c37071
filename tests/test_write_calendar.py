"""Writing iCalendar: every content line in its RFC 5545 / RFC 7986 or vendor form, every
text escaped so that no value can end a line, and times in UTC."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendars import read_busy
from calendars.write import OutgoingEvent, write_calendar

from .js.reader import ical_js

STOCKHOLM = ZoneInfo("Europe/Stockholm")
STAMP = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
WINDOW = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
INJECTION = ("Anna\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270101T000000Z\r\n"
             "DTEND:20270102T000000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT")


def meeting(**changes: object) -> OutgoingEvent:
    """A two-hour meeting on 11 January 2027 at 09:00 in Stockholm."""
    fields: dict[str, object] = {
        "uid": "m1@council-scheduler", "summary": "Kulturrådet",
        "start": dt.datetime(2027, 1, 11, 9, tzinfo=STOCKHOLM),
        "end": dt.datetime(2027, 1, 11, 11, tzinfo=STOCKHOLM)}
    return OutgoingEvent(**{**fields, **changes})  # type: ignore[arg-type]


def content_lines(data: bytes) -> list[str]:
    """The logical lines of the document: CRLF endings, folds removed."""
    assert data.endswith(b"\r\n")
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def calendar_name(calendar: icalendar.Calendar) -> str:
    """X-WR-CALNAME read as RFC 5545 TEXT (icalendar 7 leaves X- properties escaped)."""
    escaped = str(calendar["X-WR-CALNAME"])
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], escaped)


def event_lines(data: bytes) -> list[str]:
    """The content lines of the only event in the document."""
    lines = content_lines(data)
    return lines[lines.index("BEGIN:VEVENT") + 1:lines.index("END:VEVENT")]


def test_a_feed_is_written_line_by_line_in_the_standard_and_vendor_forms() -> None:
    data = write_calendar([meeting(location="Länsmuseet, Örebro", description="Dagordning")],
                          name="Kulturrådet", stamp=STAMP, refresh=dt.timedelta(hours=1))
    assert content_lines(data) == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//council-scheduler//meetings//EN",
        "METHOD:PUBLISH",
        "NAME:Kulturrådet",
        "X-WR-CALNAME:Kulturrådet",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        "BEGIN:VEVENT",
        "UID:m1@council-scheduler",
        "DTSTAMP:20261201T093000Z",
        "DTSTART:20270111T080000Z",
        "DTEND:20270111T100000Z",
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        "SUMMARY:Kulturrådet",
        "LOCATION:Länsmuseet\\, Örebro",
        "DESCRIPTION:Dagordning",
        "TRANSP:OPAQUE",
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


@pytest.mark.parametrize(("refresh", "written"), [
    (dt.timedelta(hours=1), "PT1H"),
    (dt.timedelta(minutes=90), "PT1H30M"),
    (dt.timedelta(minutes=45), "PT45M"),
    (dt.timedelta(days=1), "P1D"),
    (dt.timedelta(days=1, minutes=5), "P1DT5M"),
    (dt.timedelta(weeks=1), "P7D"),
])
def test_the_refresh_hint_is_an_rfc_5545_duration_for_every_client(
        refresh: dt.timedelta, written: str) -> None:
    lines = content_lines(write_calendar([], name="Råd", stamp=STAMP, refresh=refresh))
    assert f"REFRESH-INTERVAL;VALUE=DURATION:{written}" in lines
    assert f"X-PUBLISHED-TTL:{written}" in lines
    assert icalendar.vDuration.from_ical(written) == refresh  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("refresh", [dt.timedelta(0), dt.timedelta(hours=-1),
                                     dt.timedelta(seconds=90)])
def test_a_refresh_hint_that_is_not_a_positive_whole_number_of_minutes_is_refused(
        refresh: dt.timedelta) -> None:
    with pytest.raises(ValueError, match="refresh"):
        write_calendar([], name="Råd", stamp=STAMP, refresh=refresh)


def test_without_a_refresh_hint_neither_refresh_property_is_written() -> None:
    lines = content_lines(write_calendar([], name="Råd", stamp=STAMP))
    assert not [line for line in lines if "REFRESH" in line or "TTL" in line]


def test_tentative_free_and_cancelled_events_say_so_to_outlook_and_to_the_standard() -> None:
    written = {
        "tentative": event_lines(write_calendar([meeting(status="TENTATIVE")], name="R",
                                                stamp=STAMP)),
        "free": event_lines(write_calendar([meeting(transparent=True)], name="R", stamp=STAMP)),
        "cancelled": event_lines(write_calendar([meeting(status="CANCELLED")], name="R",
                                                stamp=STAMP)),
    }
    assert written["tentative"][-3:] == ["SUMMARY:Kulturrådet", "TRANSP:OPAQUE",
                                         "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE"]
    assert written["free"][-2:] == ["TRANSP:TRANSPARENT", "X-MICROSOFT-CDO-BUSYSTATUS:FREE"]
    assert "STATUS:CANCELLED" in written["cancelled"]
    assert written["cancelled"][-2:] == ["TRANSP:TRANSPARENT", "X-MICROSOFT-CDO-BUSYSTATUS:FREE"]


def test_every_text_is_escaped_as_rfc_5545_text_and_reads_back_unchanged() -> None:
    text = "Rådet; möte, \\ salen \\N 2\nrad två\r\nrad tre\rrad fyra\ttabb"
    data = write_calendar([meeting(summary=text, location=text, description=text)], name=text,
                          stamp=STAMP)
    escaped = ("Rådet\\; möte\\, \\\\ salen \\\\N 2\\nrad två\\nrad tre\\nrad fyra\ttabb")
    lines = content_lines(data)
    for name in ("NAME", "X-WR-CALNAME", "SUMMARY", "LOCATION", "DESCRIPTION"):
        assert f"{name}:{escaped}" in lines
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    read = "Rådet; möte, \\ salen \\N 2\nrad två\nrad tre\nrad fyra\ttabb"
    assert str(event["SUMMARY"]) == str(event["LOCATION"]) == str(event["DESCRIPTION"]) == read
    assert calendar_name(calendar) == read
    parsed = ical_js(data)
    assert parsed["name"] == parsed["rfc7986_name"] == read
    assert parsed["events"][0]["summary"] == parsed["events"][0]["location"] == read


@pytest.mark.parametrize("separator", ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
                                       "\u2029"])
def test_other_line_separators_are_written_as_escaped_newlines(separator: str) -> None:
    data = write_calendar([meeting(summary=f"a{separator}b")], name=f"c{separator}d", stamp=STAMP)
    assert "SUMMARY:a\\nb" in event_lines(data)
    assert "X-WR-CALNAME:c\\nd" in content_lines(data)


def test_control_characters_are_left_out_so_every_reader_accepts_the_feed() -> None:
    data = write_calendar([meeting(summary="Kultur\x00rå\x1bdet\x7f")], name="R\x07åd",
                          stamp=STAMP)
    assert "SUMMARY:Kulturrådet" in event_lines(data)
    assert "X-WR-CALNAME:Råd" in content_lines(data)
    assert len(read_busy(data, *WINDOW, cache=None).intervals) == 1


def test_a_lone_surrogate_in_a_text_does_not_stop_the_feed() -> None:
    data = write_calendar([meeting(summary="Råd\ud800et")], name="Råd", stamp=STAMP)
    assert "SUMMARY:Råd?et" in event_lines(data)


def test_no_carriage_return_or_line_feed_appears_but_as_a_crlf_line_ending() -> None:
    text = f"{INJECTION}\rUID:y\n\n\r\r"
    data = write_calendar([meeting(summary=text, location=text, description=text)], name=text,
                          stamp=STAMP)
    assert data.count(b"\r") == data.count(b"\n") == data.count(b"\r\n")
    assert re.search(rb"\r\n(?!(?:[A-Z-]+[;:]| ))", data[:-2]) is None


@pytest.mark.parametrize("field", ["summary", "location", "description", "name"])
def test_a_text_that_looks_like_an_event_stays_text_for_every_reader(field: str) -> None:
    event = meeting(**{field: INJECTION}) if field != "name" else meeting()
    data = write_calendar([event], name=INJECTION if field == "name" else "Råd", stamp=STAMP)
    (parsed,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    written = {"summary": parsed.get("SUMMARY"), "location": parsed.get("LOCATION"),
               "description": parsed.get("DESCRIPTION"),
               "name": calendar_name(icalendar.Calendar.from_ical(data))}
    assert str(written[field]) == INJECTION.replace("\r\n", "\n")
    parsed_js = ical_js(data)
    assert [e["uid"] for e in parsed_js["events"]] == ["m1@council-scheduler"]
    written_js = {**parsed_js["events"][0], "name": parsed_js["name"]}
    assert written_js[field] == INJECTION.replace("\r\n", "\n")
    (busy,) = read_busy(data, *WINDOW, cache=None).intervals
    assert busy.start == dt.datetime(2027, 1, 11, 8, tzinfo=dt.UTC)


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character() -> None:
    text = "Sammanträde i Länsmuseets hörsal – " + "åäö€𝄞" * 40
    data = write_calendar([meeting(summary=text)], name=text, stamp=STAMP)
    physical = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) == 75
    for line in physical:
        line.decode("utf-8")  # no character cut in two
    assert f"SUMMARY:{text}" in event_lines(data)
    assert str(icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["SUMMARY"]) == text


def test_times_are_written_in_utc_whatever_zone_they_come_in() -> None:
    summer = meeting(start=dt.datetime(2027, 7, 1, 9, 0, 0, 999_999, tzinfo=STOCKHOLM),
                     end=dt.datetime(2027, 7, 1, 12, tzinfo=STOCKHOLM),
                     stamp=dt.datetime(2027, 6, 1, 10, tzinfo=STOCKHOLM))
    lines = event_lines(write_calendar([summer], name="R", stamp=STAMP))
    assert {"DTSTART:20270701T070000Z", "DTEND:20270701T100000Z",
            "DTSTAMP:20270601T080000Z"} <= set(lines)


def test_a_time_without_a_zone_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="zone"):
        write_calendar([meeting(start=dt.datetime(2027, 1, 11, 9))], name="R", stamp=STAMP)
    with pytest.raises(ValueError, match="zone"):
        write_calendar([meeting()], name="R", stamp=dt.datetime(2027, 1, 1))


@pytest.mark.parametrize("changes", [
    {"end": dt.datetime(2027, 1, 11, 9, tzinfo=STOCKHOLM)},
    {"status": "confirmed"},
    {"status": "DONE"},
    {"sequence": -1},
])
def test_an_event_the_standard_does_not_allow_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        write_calendar([meeting(**changes)], name="R", stamp=STAMP)


def test_the_same_events_give_the_same_bytes_and_the_uid_is_kept_as_given() -> None:
    events = [meeting(sequence=3), meeting(uid="0123abcd@council-scheduler")]
    first = write_calendar(events, name="R", stamp=STAMP, refresh=dt.timedelta(hours=1))
    assert write_calendar(events, name="R", stamp=STAMP, refresh=dt.timedelta(hours=1)) == first
    assert [line for line in content_lines(first) if line.startswith("UID:")] == [
        "UID:m1@council-scheduler", "UID:0123abcd@council-scheduler"]
    assert "SEQUENCE:3" in content_lines(first)


def test_an_organizer_and_attendees_are_written_as_calendar_user_addresses() -> None:
    event = meeting(organizer="kalender@region.se", organizer_name="Kulturrådet",
                    attendees=("anna@kumla.se", "MAILTO:bo@nora.se"))
    lines = event_lines(write_calendar([event], name="R", method="REQUEST", stamp=STAMP))
    assert lines[lines.index("SUMMARY:Kulturrådet") + 1:-2] == [
        'ORGANIZER;CN="Kulturrådet":mailto:kalender@region.se',
        "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:anna@kumla.se",
        "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:bo@nora.se",
    ]
    (parsed,) = icalendar.Calendar.from_ical(
        write_calendar([event], name="R", method="REQUEST", stamp=STAMP)).walk("VEVENT")
    assert str(parsed["ORGANIZER"]) == "mailto:kalender@region.se"
    assert [str(a) for a in parsed["ATTENDEE"]] == ["mailto:anna@kumla.se", "mailto:bo@nora.se"]


def test_an_event_without_organizer_or_attendees_is_written_as_before() -> None:
    lines = event_lines(write_calendar([meeting()], name="R", stamp=STAMP))
    assert not [line for line in lines if line.startswith(("ORGANIZER", "ATTENDEE"))]
    assert write_calendar([meeting(organizer=None, attendees=())], name="R", stamp=STAMP) == \
        write_calendar([meeting()], name="R", stamp=STAMP)


@pytest.mark.parametrize("name", [
    'Kultur"rådet', "Kultur^rådet", "Kulturrådet;ROLE=CHAIR", "Kulturrådet:mailto:x@y",
    INJECTION, "Kultur\x00rå\tdet\u2028"])
def test_an_organizers_name_is_one_quoted_parameter_for_every_reader(name: str) -> None:
    event = meeting(organizer="kalender@region.se", organizer_name=name,
                    attendees=("anna@kumla.se",))
    data = write_calendar([event], name="R", method="REQUEST", stamp=STAMP)
    (line,) = [x for x in event_lines(data) if x.startswith("ORGANIZER")]
    assert line.startswith('ORGANIZER;CN="') and line.endswith('":mailto:kalender@region.se')
    assert line.count('"') == 2
    (parsed,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    expected = " ".join(name.replace("\x00", "").replace("\t", " ").split())
    assert " ".join(str(parsed["ORGANIZER"].params["CN"]).split()) == expected
    assert str(parsed["ORGANIZER"]) == "mailto:kalender@region.se"
    assert [e["uid"] for e in ical_js(data)["events"]] == ["m1@council-scheduler"]


@pytest.mark.parametrize("address", [
    "anna@kumla.se\r\nATTENDEE:mailto:eve@x.se", "anna kumla.se", "anna", "anna@kumla@se",
    '"anna"@kumla.se', "anna@kumla.se;RSVP=FALSE", "anna@kumla.se:x", "anna@kumla.se,bo@nora.se",
    "<anna@kumla.se>", "mailto:", ""])
def test_an_organizer_or_attendee_that_is_not_a_mail_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="not a mail address"):
        write_calendar([meeting(organizer=address, attendees=("a@b.se",))], name="R", stamp=STAMP)
    with pytest.raises(ValueError, match="not a mail address"):
        write_calendar([meeting(organizer="a@b.se", attendees=(address,))], name="R", stamp=STAMP)


def test_an_events_url_is_one_line_and_only_an_http_address() -> None:
    data = write_calendar([meeting(url="https://moten.example/my/cs_abc?x=1,2")], name="R",
                          stamp=STAMP)
    assert "URL:https://moten.example/my/cs_abc?x=1,2" in event_lines(data)
    assert ical_js(data)["events"][0]["uid"] == "m1@council-scheduler"
    for bad in ("https://x.se/a\r\nATTENDEE:mailto:eve@x.se", "javascript:alert(1)",
                "https://x.se/å", "https://x.se/a b"):
        with pytest.raises(ValueError, match="URL"):
            write_calendar([meeting(url=bad)], name="R", stamp=STAMP)
