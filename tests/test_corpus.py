"""Every real-world calendar of the shared corpus, read from ../shared (never copied).

Which files are refused is pinned: every file reads without error except those named in
EXPECTED_REFUSED, which must be refused with the one error type. For many, the intervals
expected from reading the file by hand are asserted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from calendars import BusyCalendar, CalendarError, Limits

from .conftest import CORPUS, corpus_files, require_corpus
from .ingest_helpers import by_uid, read, rows

FILES = corpus_files()

# Corpus files (relative to the corpus root) that must be refused, each with the reason.
# Broken files that real clients produce are read where they can be; a file joins this
# list only when refusing it is the intended behaviour.
EXPECTED_REFUSED: dict[str, str] = {}


def name_in_corpus(path: Path) -> str:
    """``folder/file.ics``: a corpus file's name relative to the corpus root."""
    return path.relative_to(CORPUS).as_posix()


def corpus(name: str, start: str, end: str, **kwargs: object) -> BusyCalendar:
    """Read one corpus file (``folder/file.ics``) over [start, end)."""
    require_corpus()
    return read(CORPUS / name, start, end, **kwargs)  # type: ignore[arg-type]


def read_whole(path: Path) -> BusyCalendar:
    """Read a corpus file over 2000-2030 with a generous time limit."""
    return read(path, "2000-01-01", "2030-01-01", limits=Limits(max_seconds=20))


def test_the_corpus_is_present_where_it_must_be() -> None:
    require_corpus()
    assert len(FILES) >= 100


def test_every_file_expected_to_be_refused_is_in_the_corpus() -> None:
    require_corpus()
    assert set(EXPECTED_REFUSED) <= {name_in_corpus(p) for p in FILES}


@pytest.mark.corpus
@pytest.mark.parametrize("path", FILES, ids=[name_in_corpus(p) for p in FILES])
def test_every_corpus_file_reads_unless_it_is_expected_to_be_refused(path: Path) -> None:
    name = name_in_corpus(path)
    if name in EXPECTED_REFUSED:
        with pytest.raises(CalendarError) as err:
            read_whole(path)
        assert str(err.value)
        return
    found = read_whole(path)
    for interval in found.intervals:
        assert interval.start.tzinfo is not None and interval.end >= interval.start
    assert list(found.intervals) == sorted(found.intervals, key=lambda i: (i.start, i.end,
                                                                          i.status.rank, i.uid))


def test_cancelled_occurrence_of_a_thunderbird_series_is_free() -> None:
    found = corpus("python-recurring-ical-events/issue_18_cancel_status.ics",
                   "2020-01-01", "2020-02-01")
    assert [s for s, *_ in rows(found)] == ["2020-01-28T22:00:00+01:00",
                                            "2020-01-30T22:00:00+01:00"]


def test_open_ended_daily_series_from_2015_gives_every_day_of_a_month_in_2019() -> None:
    found = corpus("python-recurring-ical-events/"
                   "issue_243_recurrence_id_is_not_identical_to_dtstart.ics",
                   "2019-03-01", "2019-04-01")
    assert len(found.intervals) == 31
    assert rows(found)[0][:2] == ("2019-03-01T08:00:00+01:00", "2019-03-01T10:00:00+01:00")


def test_etc_gmt_minus_2_is_two_hours_ahead_of_utc() -> None:
    found = by_uid(corpus("node-ical/yearly-party.ics", "2023-01-01", "2024-01-01"))
    assert found["000021b"][0][0] == "2023-07-15T14:00:00+02:00"
    assert found["000021a"][0][0] == "2023-07-14T14:00:00+02:00"


def test_synology_week_duration_written_pt1w_is_read_as_one_week() -> None:
    (interval,) = corpus("node-ical/test_date_duration.ics", "2024-01-01", "2025-01-01").intervals
    assert interval.end - interval.start == dt.timedelta(weeks=1)


def test_outlook_custom_zone_named_after_cities_is_used() -> None:
    (interval,) = corpus("node-ical/exchange-custom-tz.ics", "2019-01-01", "2020-01-01").intervals
    assert interval.start.utcoffset() == dt.timedelta(hours=2)  # shown in Stockholm
    assert interval.start.astimezone(dt.UTC).hour == 2  # 09:00 at +07:00


def test_windows_zone_name_without_vtimezone_is_central_european() -> None:
    (interval,) = corpus("allenporter-ical/office_365_extended_timezone.ics",
                         "2024-01-01", "2025-01-01").intervals
    assert interval.start.isoformat() == "2024-04-26T14:00:00+02:00"


def test_google_x_wr_timezone_applies_to_floating_times() -> None:
    (interval,) = corpus("python-recurring-ical-events/"
                         "issue_86_x_wr_timezone_without_time_zone_in_dt.ics",
                         "2021-01-01", "2022-01-01").intervals
    assert interval.start.isoformat() == "2021-09-16T21:00:00+02:00"  # Brussels = Stockholm


def test_zero_length_event_is_kept_with_zero_length() -> None:
    (interval,) = corpus("python-recurring-ical-events/zero_size_event.ics",
                         "2019-01-01", "2020-01-01").intervals
    assert interval.start == interval.end


def test_zimbra_free_busy_reply_gives_each_busy_period() -> None:
    found = corpus("node-ical/vfreebusy-zimbra.ics", "2014-01-01", "2015-01-01")
    assert len(found.intervals) == 29
    assert {i.status.value for i in found.intervals} == {"busy"}
    assert found.intervals[0].start == dt.datetime(2014, 4, 16, 15, 15, tzinfo=dt.UTC)


def test_rfc_free_busy_examples_with_durations_and_types() -> None:
    found = corpus("allenporter-ical/freebusy.ics", "1997-01-01", "1999-01-01")
    statuses = [(i.start.astimezone(dt.UTC).isoformat(), i.status.value) for i in found.intervals]
    assert ("1997-03-08T16:00:00+00:00", "oof") in statuses  # BUSY-UNAVAILABLE, PT8H30M
    assert ("1998-03-14T23:30:00+00:00", "busy") in statuses
    assert len(statuses) == 4  # the FREE periods give nothing


def test_outlook_holiday_export_marks_all_day_busy() -> None:
    found = corpus("python-recurring-ical-events/Germany.ics", "2000-01-01", "2030-01-01")
    assert len(found.intervals) == 159
    assert all(i.end - i.start >= dt.timedelta(hours=23) for i in found.intervals)


def test_google_public_holidays_are_transparent_and_leave_time_free() -> None:
    found = corpus("allenporter-ical/google_calendar_public_holidays.ics",
                   "2000-01-01", "2030-01-01")
    assert found.intervals == ()


def test_exchange_all_day_series_marked_free_gives_nothing() -> None:
    found = corpus("python-recurring-ical-events/issue_28_rrule_with_UTC_endinginZ.ics",
                   "2000-01-01", "2030-01-01")
    assert found.intervals == ()


def test_range_thisandfuture_from_a_booking_system() -> None:
    found = rows(corpus("python-recurring-ical-events/issue_75_range_parameter.ics",
                        "2024-09-01", "2024-09-20"))
    starts = [dt.datetime.fromisoformat(s).astimezone(dt.UTC).strftime("%d %H:%M")
              for s, *_ in found]
    # before the THISANDFUTURE change at 12:00 UTC, from it on at 09:00, and one override
    assert starts[:7] == ["01 12:00", "03 12:00", "05 12:00", "07 12:00", "09 12:00",
                          "11 12:00", "13 09:00"]
    assert "15 17:00" in starts and starts[-2:] == ["17 09:00", "19 09:00"]


def test_apple_tentative_cancelled_and_confirmed_statuses() -> None:
    found = corpus("node-ical/tentative-apple-calendar.ics", "2022-01-01", "2023-01-01")
    assert [i.status.value for i in found.intervals] == ["tentative", "busy", "busy"]


def test_exchange_broken_quoting_of_tzid_is_repaired() -> None:
    found = corpus("node-ical/ms_timezones.ics", "2020-01-01", "2022-01-01")
    assert not [w for w in found.warnings if "skipped" in w.message]


def test_negative_duration_event_is_skipped_with_a_warning_naming_it() -> None:
    found = corpus("node-ical/bad_custom_ms_tz.ics", "2000-01-01", "2030-01-01")
    assert any(w.uid == "*masked-away2*@google.com" and "negative" in w.message
               for w in found.warnings)
    assert found.intervals


def test_vtimezone_with_two_tzids_is_skipped_but_its_event_kept() -> None:
    found = corpus("node-ical/test_with_multiple_tzids_in_vtimezone.ics",
                   "2000-01-01", "2030-01-01")
    assert len(found.intervals) == 1
    assert any("VTIMEZONE" in w.message for w in found.warnings)


def test_unknown_zone_is_reported_not_silently_floating() -> None:
    found = corpus("node-ical/germany_at_end_of_day_repeating.ics", "2024-01-01", "2025-01-01")
    assert any("Europe/Germany" in w.message for w in found.warnings)


def test_display_name_zone_without_definition_is_found_from_its_cities() -> None:
    found = corpus("node-ical/test_with_tz_list.ics", "2021-01-01", "2025-01-01")
    assert not found.warnings  # "Amsterdam, Belgrade, Berlin, ..." is Europe/Amsterdam
