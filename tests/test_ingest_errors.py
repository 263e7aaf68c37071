"""Bad input, limits and the cache: one error type, clear messages, bounded cost."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars import CalendarError, CalendarLimitError, IngestCache, Limits, read_busy

from .ingest_helpers import STOCKHOLM, window

LO, HI = window("2027-01-01", "2028-01-01")


def ics(*events: str) -> bytes:
    """A calendar around the given VEVENT bodies."""
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n".encode()


def read(data: bytes, **kwargs: object):
    return read_busy(data, LO, HI, zone=STOCKHOLM, cache=None, **kwargs)  # type: ignore[arg-type]


def test_an_html_page_is_not_a_calendar_and_the_error_names_the_line():
    with pytest.raises(CalendarError) as err:
        read(b"\n<!doctype html>\n<html><body>Sign in</body></html>", source="https://x/cal")
    assert err.value.line == 2
    assert str(err.value).startswith("https://x/cal: line 2: not a calendar")


@pytest.mark.parametrize("data", [b"", b"   \r\n  ", b"BEGIN:VCALENDAR\x00\x01\x02"])
def test_empty_or_binary_input_is_rejected(data: bytes):
    with pytest.raises(CalendarError):
        read(data)


def test_the_error_type_is_a_value_error():
    assert issubclass(CalendarError, ValueError)
    assert issubclass(CalendarLimitError, CalendarError)


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(CalendarLimitError, match=r"over the limit of 0\.001 MB"):
        read(ics("UID:a\r\nDTSTART:20270101T100000Z") + b" " * 1000, limits=Limits(max_bytes=1000))


def test_a_secondly_storm_stops_at_the_occurrence_limit_and_names_the_series():
    storm = ics("UID:storm-series\r\nDTSTART:20270101T000000Z\r\nDURATION:PT1S\r\n"
                "RRULE:FREQ=SECONDLY")
    with pytest.raises(CalendarLimitError, match=r"'storm-series'.*50,000"):
        read(storm)


def test_many_series_together_over_the_limit_name_the_largest():
    events = [f"UID:daily-{n}\r\nDTSTART:20270101T0{n}0000Z\r\nRRULE:FREQ=DAILY" for n in range(4)]
    events.append("UID:hourly\r\nDTSTART:20270101T000000Z\r\nRRULE:FREQ=HOURLY;BYHOUR=8,9,10,11")
    with pytest.raises(CalendarLimitError, match="series 'hourly'"):
        read(ics(*events), limits=Limits(max_occurrences=2000))


def test_a_rule_that_never_occurs_is_skipped_at_once_with_a_warning():
    found = read(ics("UID:feb-31\r\nDTSTART:20270101T000000Z\r\n"
                     "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=31"))
    assert found.intervals == ()
    assert found.warnings[0].uid == "feb-31"


@pytest.mark.parametrize("duration", ["P999999999W", "PT999999999W", "P999999999D"])
def test_a_duration_beyond_what_a_time_can_hold_is_refused_naming_the_event(duration: str):
    with pytest.raises(CalendarError) as err:
        read(ics("UID:fine\r\nDTSTART:20270105T100000Z",
                 f"UID:for-ever\r\nDTSTART:20270110T100000Z\r\nDURATION:{duration}"))
    assert "'for-ever'" in str(err.value) and "9999" in str(err.value)


def test_a_calendar_past_its_time_stops_there_and_names_the_series():
    never = ics("UID:never\r\nDTSTART:20000101T000000Z\r\nRRULE:FREQ=SECONDLY;BYSETPOS=2")
    with pytest.raises(CalendarLimitError, match=r"series 'never'.*past the 0\.5 s"):
        read(never, limits=Limits(max_seconds=0.5))


def test_a_window_must_be_aware_and_positive():
    with pytest.raises(ValueError, match="aware"):
        read_busy(ics(), dt.datetime(2027, 1, 1), dt.datetime(2027, 2, 1))
    with pytest.raises(ValueError, match="end after"):
        read_busy(ics(), HI, LO)


def test_unchanged_bytes_are_answered_from_the_content_hash_cache():
    cache = IngestCache()
    data = ics("UID:a\r\nDTSTART:20270110T100000Z\r\nDTEND:20270110T110000Z")
    first = read_busy(data, LO, HI, cache=cache)
    assert read_busy(bytes(data), LO, HI, cache=cache) is first
    assert read_busy(data, LO, HI, cache=cache, email="x@example.invalid") is not first
    assert first.content_hash == read_busy(data, LO, HI, cache=None).content_hash


def test_the_cache_keeps_only_its_size():
    cache = IngestCache(size=2)
    for n in range(3):
        read_busy(ics(f"UID:{n}\r\nDTSTART:20270110T100000Z"), LO, HI, cache=cache)
    assert len(cache._items) == 2


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_only_ever_raise_the_one_error_type(data: bytes):
    with contextlib.suppress(CalendarError):
        read(data)


_LINES = st.sampled_from([
    "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VALARM",
    "END:VALARM", "BEGIN:VTIMEZONE", "END:VTIMEZONE", "BEGIN:VFREEBUSY", "END:VFREEBUSY",
    "TZID:Custom", "DTSTART:20270110T100000Z", "DTSTART;TZID=Custom:20270110T100000",
    "DTSTART;VALUE=DATE:20270110", "DTSTART:garbage", "DTEND:20270109T100000Z",
    "DURATION:PT1H", "DURATION:-P1D", "DURATION:nonsense", "RRULE:FREQ=WEEKLY;COUNT=3",
    "RRULE:FREQ=NEVER", "RRULE:", "EXDATE:20270117T100000Z", "RDATE:20270120T100000Z",
    "RECURRENCE-ID:20270117T100000Z", "UID:x", "UID:y", "STATUS:CANCELLED",
    "X-WR-TIMEZONE:Europe/Stockholm", "X-WR-TIMEZONE:Not/AZone", "FREEBUSY:20270110T100000Z/PT1H",
    "FREEBUSY:bad", "TRANSP:TRANSPARENT", " folded", "no colon here", 'DTSTART;TZID="a:b"',
])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(_LINES, max_size=30))
def test_random_calendar_shaped_lines_only_ever_raise_the_one_error_type(lines: list[str]):
    try:
        found = read("\r\n".join(["BEGIN:VCALENDAR", *lines]).encode())
    except CalendarError:
        return
    assert all(i.end >= i.start for i in found.intervals)


def test_the_disk_cache_answers_a_new_process_and_survives_damage(tmp_path):
    from calendars.disk_cache import DiskCache

    data = ics("UID:a\r\nDTSTART:20270110T100000Z\r\nDTEND:20270110T110000Z")
    first = read_busy(data, LO, HI, cache=DiskCache(tmp_path))
    again = read_busy(data, LO, HI, cache=DiskCache(tmp_path))  # a fresh memory: from disk
    assert again == first
    for path in tmp_path.rglob("*.json"):
        path.write_text("{broken")
    assert read_busy(data, LO, HI, cache=DiskCache(tmp_path)) == first
