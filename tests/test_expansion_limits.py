"""Reading a calendar stops within its wall-clock limit whatever its rules, names the
series at fault, and keeps nothing; a series from long ago is read quickly and exactly;
times beyond what a date can hold are refused naming the event."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import calendars.expand
from calendars import CalendarError, CalendarLimitError, Limits, read_busy
from scheduler.calendar_sources import calendar_limits
from scheduler.errors import InputError

LIMIT_S = 2.0
MARGIN_S = 3.0
ZONE = ZoneInfo("Europe/Stockholm")
START = dt.datetime(2027, 1, 1, tzinfo=ZONE)
MEMBER_WINDOW = (START - dt.timedelta(days=31), START + dt.timedelta(days=2 * 366))


def calendar(*events: str, head: str = "") -> bytes:
    """A calendar of the given VEVENT bodies (content lines joined by CRLF)."""
    body = "".join(f"BEGIN:VEVENT\r\n{event}\r\nEND:VEVENT\r\n" for event in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{head}{body}END:VCALENDAR\r\n".encode()


def the_147_bytes(year: int = 2000) -> bytes:
    """The calendar of the report: a rule that repeats every minute since ``year``."""
    return calendar(f"UID:x\r\nDTSTART:{year}0101T000000Z\r\nRRULE:FREQ=SECONDLY;BYSECOND=0")


def test_the_reported_calendar_is_147_bytes():
    assert len(the_147_bytes().replace(b"VERSION:2.0\r\nPRODID:t\r\n", b"")) <= 147


# the member's own link and the command line ---------------------------------------------
@pytest.fixture
def low_limit(monkeypatch):
    monkeypatch.setenv("SCHEDULER_CALENDAR_DEADLINE_S", str(LIMIT_S))


COUNCIL = {"name": "Kulturrådet", "timezone": "Europe/Stockholm",
           "parties": [{"id": "nora", "members": [{"name": "Anna Ek", "role": "representative"}]}]}


@pytest.fixture
def secret(services):
    council = services.create_council(COUNCIL)
    return services.page_secret(council["parties"][0]["members"][0]["id"])


@pytest.mark.parametrize("year", [2000, 1900])
def test_the_147_byte_rule_through_a_members_link_is_refused_in_time_and_nothing_kept(
        low_limit, client, services, secret, year):
    began = time.monotonic()
    answer = client.put(f"/api/my/{secret}/calendar", data=the_147_bytes(year),
                        content_type="text/calendar")
    assert time.monotonic() - began < LIMIT_S + MARGIN_S
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert "series 'x'" in answer.json["detail"]
    assert services.my_overview(secret)["calendar"]["busy_intervals"] == 0


def _busy(path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``scheduler busy`` over 2027 in a process of its own, and how long it took."""
    env = {**os.environ, "SCHEDULER_CALENDAR_DEADLINE_S": str(LIMIT_S), "SCHEDULER_CACHE_DIR": "off",
           "PYTHONPATH": str(Path(__file__).parent.parent)}
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "scheduler", "busy", str(path), "--from",
                           "2027-01-01", "--to", "2028-01-01"], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    return done, time.monotonic() - began


@pytest.mark.parametrize("rule", [the_147_bytes(2000), the_147_bytes(1900), calendar(
    "UID:x\r\nDTSTART:20000101T000000Z\r\nRRULE:FREQ=SECONDLY;BYSETPOS=2")],
    ids=["147 bytes from 2000", "from 1900", "never, walked for ever"])
def test_the_147_byte_rule_through_scheduler_busy_exits_2_in_time(tmp_path, rule):
    (tmp_path / "one.ics").write_bytes(calendar("UID:one\r\nDTSTART:20270110T100000Z"))
    _, starting = _busy(tmp_path / "one.ics")  # the command's own start, on a busy machine
    (tmp_path / "rule.ics").write_bytes(rule)
    done, took = _busy(tmp_path / "rule.ics")
    assert took - starting < LIMIT_S + MARGIN_S
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "series 'x'" in done.stderr


def test_the_limit_is_read_from_the_environment_and_refused_out_of_its_range():
    assert calendar_limits({}).max_seconds == 30
    assert calendar_limits({"SCHEDULER_CALENDAR_DEADLINE_S": "2"}).max_seconds == 2
    for bad in ("0", "-1", "nan", "inf", "601", "soon"):
        with pytest.raises(InputError) as raised:
            calendar_limits({"SCHEDULER_CALENDAR_DEADLINE_S": bad})
        assert raised.value.field == "SCHEDULER_CALENDAR_DEADLINE_S"


# hostile rules, whatever they are ---------------------------------------------------------
def _rdates(count: int) -> str:
    first = dt.datetime(1990, 1, 1)
    values = ",".join(f"{first + dt.timedelta(minutes=i):%Y%m%dT%H%M%S}Z" for i in range(count))
    return f"RDATE:{values}"


def _overrides(count: int) -> list[str]:
    first = dt.date(2000, 1, 1)
    return [f"UID:h\r\nRECURRENCE-ID:{first + dt.timedelta(days=i):%Y%m%d}T090000Z\r\n"
            f"DTSTART:{first + dt.timedelta(days=i):%Y%m%d}T100000Z\r\nDURATION:PT1H"
            for i in range(count)]


HOSTILE = {
    "every second since 1900": ["UID:h\r\nDTSTART:19000101T000000Z\r\nRRULE:FREQ=SECONDLY"],
    "every minute since 1900, zoned": [
        "UID:h\r\nDTSTART;TZID=Europe/Stockholm:19000101T000000\r\nRRULE:FREQ=SECONDLY;BYSECOND=0"],
    "every minute from a date": ["UID:h\r\nDTSTART;VALUE=DATE:19000101\r\n"
                                 "RRULE:FREQ=MINUTELY;BYHOUR=7;BYMINUTE=4"],
    "leap days by the minute": ["UID:h\r\nDTSTART:19000101T000000Z\r\n"
                                "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29"],
    "never: a second's second occurrence": ["UID:h\r\nDTSTART:20000101T000000Z\r\n"
                                            "RRULE:FREQ=SECONDLY;BYSETPOS=2"],
    "never: day 366 of February": ["UID:h\r\nDTSTART:19000101T000000Z\r\n"
                                   "RRULE:FREQ=SECONDLY;BYYEARDAY=366;BYMONTH=2"],
    "never: Tuesdays every seventh day from a Monday": [
        "UID:h\r\nDTSTART:19000101T090000Z\r\nRRULE:FREQ=DAILY;INTERVAL=7;BYDAY=TU"],
    "a huge count": ["UID:h\r\nDTSTART:19000101T000000Z\r\nRRULE:FREQ=SECONDLY;COUNT=2000000000"],
    "a count of minutes": ["UID:h\r\nDTSTART:20000101T000000Z\r\nRRULE:FREQ=MINUTELY;COUNT=20000000"],
    "two rules": ["UID:h\r\nDTSTART:19000101T000000Z\r\nRRULE:FREQ=SECONDLY;BYSECOND=0\r\n"
                  "RRULE:FREQ=SECONDLY;BYSECOND=30"],
    "a range override": [
        "UID:h\r\nDTSTART:19000101T000000Z\r\nRRULE:FREQ=SECONDLY;BYSECOND=0",
        "UID:h\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:19500101T000000Z\r\n"
        "DTSTART:19500101T000100Z"],
    "rdates by the thousand": [f"UID:h\r\nDTSTART:19900101T000000Z\r\n{_rdates(60_000)}"],
    "exdates by the thousand": [
        "UID:h\r\nDTSTART:19900101T000000Z\r\nRRULE:FREQ=MINUTELY\r\n"
        + _rdates(60_000).replace("RDATE", "EXDATE")],
    "overrides by the thousand": [
        "UID:h\r\nDTSTART:20000101T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY",
        *_overrides(3000)],
}


@pytest.mark.parametrize("events", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_rule_stops_within_the_limit_naming_its_series(events):
    began = time.monotonic()
    try:
        read_busy(calendar(*events), *MEMBER_WINDOW, zone=ZONE, cache=None,
                  limits=Limits(max_seconds=LIMIT_S))
    except CalendarLimitError as exc:
        assert "'h'" in str(exc)
    assert time.monotonic() - began < LIMIT_S + MARGIN_S


def test_a_daily_series_since_2000_is_read_quickly_and_exactly():
    data = calendar("UID:d\r\nDTSTART;TZID=Europe/Stockholm:20000103T090000\r\n"
                    "DTEND;TZID=Europe/Stockholm:20000103T100000\r\nRRULE:FREQ=DAILY;BYDAY=MO,WE")
    began = time.monotonic()
    found = read_busy(data, *MEMBER_WINDOW, zone=ZONE, cache=None,
                      limits=Limits(max_seconds=LIMIT_S))
    assert time.monotonic() - began < 0.5
    days = {i.start.date() for i in found.intervals}
    assert all(day.weekday() in (0, 2) for day in days) and len(days) in (218, 219, 220)
    first = min(found.intervals)
    assert (first.start.hour, first.end.hour) == (9, 10)  # wall time, through DST


# moved up, the same as walked -------------------------------------------------------------
@st.composite
def rules(draw: st.DrawFn) -> str:
    """A recurring event from long before the window, with an ordinary rule."""
    freq = draw(st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 5))}"]
    days = st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"])
    if draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.lists(days, min_size=1, max_size=3, unique=True))))
    elif freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        parts.append(f"BYDAY={draw(st.sampled_from(['1', '2', '-1']))}{draw(days)}")
    if draw(st.booleans()):
        parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 15, 29, 31, -1]))}")
    if draw(st.booleans()):
        parts.append(f"BYMONTH={draw(st.integers(1, 12))}")
    if freq == "HOURLY":
        parts.append(f"BYHOUR={draw(st.integers(0, 23))}")
    if draw(st.booleans()):
        parts.append("WKST=SU")
    end = draw(st.sampled_from(["", "COUNT", "UNTIL"]))
    if end == "COUNT":
        parts.append(f"COUNT={draw(st.integers(1, 3000))}")
    elif end == "UNTIL":
        parts.append(f"UNTIL={draw(st.integers(2010, 2030))}0615T120000Z")
    begin = draw(st.datetimes(dt.datetime(1995, 1, 1), dt.datetime(2026, 12, 1)))
    begin = begin.replace(minute=begin.minute // 15 * 15, second=0, microsecond=0)
    start = draw(st.sampled_from([
        f"DTSTART:{begin:%Y%m%dT%H%M%S}Z\r\nDURATION:PT2H",
        f"DTSTART;TZID=Europe/Stockholm:{begin:%Y%m%dT%H%M%S}\r\n"
        f"DTEND;TZID=Europe/Stockholm:{begin + dt.timedelta(hours=1):%Y%m%dT%H%M%S}",
        f"DTSTART;VALUE=DATE:{begin:%Y%m%d}",
        f"DTSTART:{begin:%Y%m%dT%H%M%S}\r\nDURATION:PT30M"]))
    return f"UID:r\r\n{start}\r\nRRULE:{';'.join(parts)}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=rules(), weeks=st.sampled_from([1, 6, 30]),
       month=st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2027, 12, 1)))
def test_a_series_moved_up_to_the_window_has_the_occurrences_walked_from_its_start(
        event, weeks, month):
    data = calendar(event)
    begin = month.replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=ZONE)
    window = (begin, begin + dt.timedelta(weeks=weeks))

    def read() -> object:
        try:
            found = read_busy(data, *window, zone=ZONE, cache=None)
            return found.intervals, found.warnings
        except CalendarError as exc:
            return str(exc)

    moved = read()
    with mock.patch.object(calendars.expand, "move_up", lambda *_args, **_kw: None):
        walked = read()
    assert moved == walked


# times beyond what a date can hold --------------------------------------------------------
OVERFLOWS = {
    "weeks": "DTSTART:20270110T100000Z\r\nDURATION:P999999999W",
    "seconds": "DTSTART:20270110T100000Z\r\nDURATION:PT99999999999999999999S",
    "days": "DTSTART:20270110T100000Z\r\nDURATION:P999999999D",
    "years of weeks": "DTSTART:20270110T100000Z\r\nDURATION:P500000W",
    "lenient weeks": "DTSTART:20270110T100000Z\r\nDURATION:PT999999999W",
    "end of time": "DTSTART:20270110T100000Z\r\nDTEND:99991231T235959Z",
    "last day": "DTSTART;VALUE=DATE:99991231",
    "first moment": "DTSTART:00010101T000000Z\r\nDTEND:20270110T000000Z",
}


@pytest.mark.parametrize("event", OVERFLOWS.values(), ids=OVERFLOWS.keys())
def test_a_time_beyond_the_years_a_date_can_hold_is_refused_naming_the_event(event):
    data = calendar("UID:ok\r\nDTSTART:20270111T100000Z\r\nDURATION:PT1H", f"UID:far\r\n{event}")
    with pytest.raises(CalendarError) as raised:
        read_busy(data, START, START + dt.timedelta(days=60), zone=ZONE, cache=None)
    assert "'far'" in str(raised.value) and "9999" in str(raised.value)


def test_a_free_busy_period_beyond_the_years_is_refused_naming_it():
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VFREEBUSY\r\nUID:fb\r\n"
            b"FREEBUSY:20270110T100000Z/P500000W\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    with pytest.raises(CalendarError) as raised:
        read_busy(data, START, START + dt.timedelta(days=60), zone=ZONE, cache=None)
    assert "'fb'" in str(raised.value)


def test_a_duration_overflow_through_a_members_link_is_a_400_naming_the_event(
        client, services, secret):
    data = calendar("UID:long\r\nDTSTART:20270110T100000Z\r\nDURATION:P999999999W")
    answer = client.put(f"/api/my/{secret}/calendar", data=data, content_type="text/calendar")
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert "'long'" in answer.json["detail"]
    assert services.my_overview(secret)["calendar"]["busy_intervals"] == 0


# stored calendars read again for another window --------------------------------------------
def test_a_stored_calendar_over_a_limit_for_a_later_window_counts_as_unknown_with_a_warning(
        services):
    council = services.create_council(COUNCIL)
    anna = council["parties"][0]["members"][0]["id"]
    later = dt.datetime.now(ZONE).year + 4  # beyond the window read at upload
    state = services.upload_calendar(anna, calendar(
        f"UID:later\r\nDTSTART:{later}0101T000000Z\r\nRRULE:FREQ=MINUTELY"))
    assert state.known and state.intervals == 0
    with services.reader() as uow:
        record = uow.councils.get(council["id"])
        begin = dt.datetime(later, 2, 1, tzinfo=ZONE)
        busy, warnings = services.busy_map(uow, record, begin, begin + dt.timedelta(days=60))
    assert busy[("nora", 0)] is None
    assert len(warnings) == 1 and "Anna Ek" in warnings[0] and "'later'" in warnings[0]
