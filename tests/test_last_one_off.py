"""Reading a calendar over any window also tells where its one-off events end: its last
non-recurring busy interval wherever it lies, as a reading over a window holding it would
give it, found without expanding any series."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from calendars import BusyInterval, BusyStatus, Limits, read_busy
from calendars.disk_cache import DiskCache

from .conftest import CORPUS, corpus_files
from .ingest_helpers import STOCKHOLM, read, window

SEPTEMBER = window("2027-09-01", "2027-10-01")
FILES = corpus_files()


def calendar(*components: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(components)
            + "END:VCALENDAR\r\n").encode()


def event(uid: str, start: str, end: str, *extra: str) -> str:
    lines = [f"UID:{uid}", f"DTSTART;TZID=Europe/Stockholm:{start}",
             f"DTEND;TZID=Europe/Stockholm:{end}", *extra]
    return "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VEVENT\r\n"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def test_events_that_leave_their_owner_free_do_not_end_the_calendar() -> None:
    data = calendar(
        event("board", "20270302T130000", "20270302T160000"),
        event("declined", "20270310T090000", "20270310T100000",
              "ATTENDEE;PARTSTAT=DECLINED:mailto:anna@example.se"),
        event("cancelled", "20270311T090000", "20270311T100000", "STATUS:CANCELLED"),
        event("free", "20270312T090000", "20270312T100000", "TRANSP:TRANSPARENT"),
        event("empty", "20270315T090000", "20270315T090000"),
        "BEGIN:VEVENT\r\nUID:birthday\r\nDTSTART;VALUE=DATE:20300101\r\nTRANSP:TRANSPARENT\r\n"
        "END:VEVENT\r\n")
    last = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, email="anna@example.se",
                     cache=None).last_one_off
    assert last == BusyInterval(at("2027-03-02T13:00"), at("2027-03-02T16:00"), BusyStatus.BUSY,
                                "board")
    # not the owner's address: the invitation she declined is someone else's, so it counts
    anyone = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, cache=None).last_one_off
    assert anyone is not None and anyone.uid == "declined"


def test_a_moved_one_off_ends_where_it_was_moved_and_series_never_end_a_calendar() -> None:
    data = calendar(
        event("meeting", "20270405T090000", "20270405T100000"),
        event("meeting", "20270412T140000", "20270412T150000", "RECURRENCE-ID;TZID="
              "Europe/Stockholm:20270405T090000", "SEQUENCE:1"),
        event("weekly", "20270101T080000", "20270101T090000", "RRULE:FREQ=WEEKLY"),
        event("rdate", "20270601T080000", "20270601T090000",
              "RDATE;TZID=Europe/Stockholm:20270801T080000"))
    found = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, cache=None)
    assert found.last_one_off == BusyInterval(at("2027-04-12T14:00"), at("2027-04-12T15:00"),
                                              BusyStatus.BUSY, "meeting")
    assert {i.uid for i in found.intervals} == {"weekly"}


def test_a_series_without_a_uid_is_recurring_and_a_one_off_without_one_counts() -> None:
    data = calendar(
        "BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Stockholm:20270104T080000\r\n"
        "DTEND;TZID=Europe/Stockholm:20270104T090000\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Stockholm:20270302T130000\r\n"
        "DTEND;TZID=Europe/Stockholm:20270302T160000\r\nEND:VEVENT\r\n")
    found = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, cache=None)
    assert found.intervals and all(i.recurring for i in found.intervals)
    assert found.last_one_off is not None
    assert (found.last_one_off.start, found.last_one_off.recurring) == \
        (at("2027-03-02T13:00"), False)


def test_published_free_busy_periods_are_one_offs_too() -> None:
    data = calendar(event("board", "20270302T130000", "20270302T160000"),
                    "BEGIN:VFREEBUSY\r\nUID:fb\r\nFREEBUSY;FBTYPE=BUSY-TENTATIVE:"
                    "20280110T080000Z/20280110T090000Z\r\nFREEBUSY;FBTYPE=FREE:"
                    "20290110T080000Z/PT1H\r\nEND:VFREEBUSY\r\n")
    last = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, cache=None).last_one_off
    assert last is not None
    assert (last.uid, last.status, last.end) == ("fb", BusyStatus.TENTATIVE,
                                                 dt.datetime(2028, 1, 10, 9, tzinfo=dt.UTC))


def test_a_series_of_a_second_is_never_expanded_to_find_the_end() -> None:
    # read over September the series costs nothing; over the years it would run past any limit
    data = calendar(event("board", "20270302T130000", "20270302T160000"),
                    event("tick", "20270901T080000", "20270901T080001",
                          "RRULE:FREQ=SECONDLY;BYHOUR=8;BYMINUTE=0;BYSECOND=0"))
    began = time.monotonic()
    found = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, cache=None,
                      limits=Limits(max_seconds=5))
    assert time.monotonic() - began < 5
    assert found.last_one_off is not None and found.last_one_off.uid == "board"


def test_many_trailing_free_events_are_read_past_in_doubling_batches() -> None:
    holidays = [
        "BEGIN:VEVENT\r\nUID:holiday-{0}\r\nDTSTART;VALUE=DATE:{0:%Y%m%d}\r\n"
        "TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n".format(dt.date(2028, 1, 1) + dt.timedelta(days=n))
        for n in range(3000)]
    data = calendar(event("board", "20270302T130000", "20270302T160000"), *holidays)
    last = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, cache=None).last_one_off
    assert last is not None and last.uid == "board"


def test_the_disk_cache_keeps_the_last_one_off(tmp_path: Path) -> None:
    data = calendar(event("board", "20270302T130000", "20270302T160000"))
    first = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, cache=DiskCache(tmp_path))
    again = read_busy(data, *SEPTEMBER, zone=STOCKHOLM, cache=DiskCache(tmp_path))  # from disk
    assert again == first and again.last_one_off is not None
    assert again.last_one_off.uid == "board"


def times(interval: BusyInterval | None) -> tuple[object, ...] | None:
    """An interval without its UID (an event without one is named anew at each reading)."""
    return None if interval is None else (interval.start, interval.end, interval.status,
                                          interval.recurring)


@pytest.mark.corpus
@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(CORPUS).as_posix() for p in FILES])
def test_every_corpus_calendar_ends_where_a_reading_of_the_whole_span_says(path: Path) -> None:
    try:
        whole = read(path, "2000-01-01", "2030-01-01", limits=Limits(max_seconds=20))
        narrow = read(path, "2031-01-01", "2031-01-02", limits=Limits(max_seconds=20))
    except ValueError:
        pytest.skip("refused over these years")
    one_offs = [i for i in whole.intervals if not i.recurring and i.end > i.start]
    expected = max(one_offs, key=lambda i: (i.end, i.start, i.status.rank, i.uid), default=None)
    last = whole.last_one_off
    assert times(narrow.last_one_off) == times(last)  # whatever the window
    first, after = window("2000-01-01", "2030-01-01")
    if last is not None and last.start >= after:  # beyond the years read
        assert expected is None or expected.end <= last.end
    elif last is not None and last.end <= first:  # before them
        assert expected is None
    else:
        assert times(last) == times(expected)
