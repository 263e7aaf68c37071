"""Reading many calendars at once: the same answers as one by one, errors in place."""

from __future__ import annotations

from calendars import CalendarError, IngestCache, read_busy
from calendars.batch import CalendarRequest, read_many

from .conftest import FIXTURES
from .ingest_helpers import window

LO, HI = window("2027-01-01", "2028-01-01")


def test_parallel_reading_matches_reading_one_by_one_and_fills_the_cache():
    names = ["rrule_exdate_rdate.ics", "all_day.ics", "vfreebusy_types.ics",
             "free_time_and_busy_status.ics", "dst_stockholm.ics"]
    requests = [CalendarRequest((FIXTURES / n).read_bytes(), n) for n in names]
    requests.append(CalendarRequest(b"<html>nope</html>", "broken.ics"))
    cache = IngestCache()
    found = read_many(requests, LO, HI, zone="Europe/Stockholm", cache=cache, workers=2)
    for request, result in zip(requests[:-1], found[:-1], strict=True):
        assert result == read_busy(request.data, LO, HI, cache=None)
    error = found[-1]
    assert isinstance(error, CalendarError)
    assert str(error) == "broken.ics: line 1: not a calendar: it does not begin with BEGIN:VCALENDAR"
    assert "nope" not in str(error)  # what a file holds is never quoted
    again = read_many(requests[:-1], LO, HI, zone="Europe/Stockholm", cache=cache, workers=2)
    assert all(a is b for a, b in zip(again, found[:-1], strict=True))  # answered from the cache
