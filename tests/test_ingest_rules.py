"""One hand-written calendar per ingestion rule; each test named after the rule it pins."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from calendars import BusyStatus

from .conftest import FIXTURES
from .ingest_helpers import by_uid, read, rows


def test_rrule_with_exdate_and_rdate_expands_inside_the_window_only():
    found = read(FIXTURES / "rrule_exdate_rdate.ics", "2027-01-01", "2027-01-19")
    assert [r[0] for r in rows(found)] == [
        "2027-01-04T13:00:00+01:00",  # 11 January is excluded
        "2027-01-13T09:00:00+01:00",  # the extra RDATE, with the series' length
        "2027-01-18T13:00:00+01:00",  # 25 January is outside the window
    ]
    assert rows(found)[1][1] == "2027-01-13T11:00:00+01:00"


def test_only_times_status_uid_and_recurrence_leave_the_ingestion_layer():
    found = read(FIXTURES / "rrule_exdate_rdate.ics")
    text = repr(found)
    for private in ("Secret title", "Secret description", "Secret place"):
        assert private not in text
    assert set(type(found.intervals[0]).__slots__) == {"start", "end", "status", "uid", "recurring"}


def test_recurrence_id_moves_one_occurrence_and_cancelled_one_is_free():
    found = by_uid(read(FIXTURES / "recurrence_id_override_and_cancel.ics"))
    assert [s for s, _, _ in found["series"]] == [
        "2027-01-05T10:00:00+01:00",
        "2027-01-13T14:00:00+01:00",  # moved from the 12th
        "2027-01-26T10:00:00+01:00",  # the 19th is cancelled
    ]


def test_range_thisandfuture_moves_every_later_occurrence():
    found = by_uid(read(FIXTURES / "range_thisandfuture.ics"))
    assert [s for s, _, _ in found["moving"]] == [
        "2027-01-04T09:00:00+01:00",
        "2027-01-11T09:00:00+01:00",
        "2027-01-18T14:00:00+01:00",
        "2027-01-25T14:00:00+01:00",
    ]


def test_outlook_windows_zone_name_is_read_as_central_european_time():
    assert rows(read(FIXTURES / "outlook_windows_zone.ics")) == [
        ("2027-06-15T09:00:00+02:00", "2027-06-15T12:00:00+02:00", "busy", "outlook-1")]


def test_outlook_display_name_zone_uses_the_files_own_definition_with_summer_time():
    found = by_uid(read(FIXTURES / "outlook_display_name_zone.ics"))
    assert found["display-name-zone"][0][0] == "2027-01-15T09:00:00+01:00"
    assert found["display-name-zone-summer"][0][0] == "2027-07-15T09:00:00+02:00"


def test_two_files_defining_one_custom_zone_name_differently_do_not_share_it():
    plus3 = read(FIXTURES / "custom_zone_plus3.ics").intervals[0]
    minus5 = read(FIXTURES / "custom_zone_minus5.ics").intervals[0]
    assert plus3.start.astimezone(ZoneInfo("UTC")).hour == 6
    assert minus5.start.astimezone(ZoneInfo("UTC")).hour == 14


def test_google_x_wr_timezone_gives_floating_times_the_calendars_zone():
    found = by_uid(read(FIXTURES / "google_x_wr_timezone.ics"))
    # 09:00 in New York is 15:00 in Stockholm
    assert found["google-floating"][0][0] == "2027-01-15T15:00:00+01:00"
    assert found["google-utc"][0][0] == "2027-01-16T15:00:00+01:00"


def test_floating_times_are_read_in_the_council_zone_and_utc_converted():
    found = by_uid(read(FIXTURES / "floating_and_utc.ics"))
    assert found["floating"][0][:2] == ("2027-01-15T09:00:00+01:00", "2027-01-15T10:00:00+01:00")
    assert found["utc"][0][:2] == ("2027-01-15T13:00:00+01:00", "2027-01-15T14:00:00+01:00")
    helsinki = by_uid(read(FIXTURES / "floating_and_utc.ics", zone=ZoneInfo("Europe/Helsinki")))
    assert helsinki["floating"][0][0] == "2027-01-15T09:00:00+02:00"


def test_all_day_events_cover_whole_days_in_the_council_zone():
    found = by_uid(read(FIXTURES / "all_day.ics"))
    assert found["one-day"] == [("2027-01-15T00:00:00+01:00", "2027-01-16T00:00:00+01:00", "busy")]
    assert found["three-days"][0][:2] == ("2027-07-20T00:00:00+02:00", "2027-07-23T00:00:00+02:00")
    assert found["no-end-day"][0][:2] == ("2027-02-01T00:00:00+01:00", "2027-02-02T00:00:00+01:00")


def test_dst_change_in_stockholm_keeps_local_wall_time():
    found = by_uid(read(FIXTURES / "dst_stockholm.ics"))
    assert [s for s, _, _ in found["weekly-across-dst"]] == [
        "2027-03-21T10:00:00+01:00", "2027-03-28T10:00:00+02:00"]


def test_time_in_the_spring_gap_takes_the_offset_from_before_the_gap():
    found = by_uid(read(FIXTURES / "dst_stockholm.ics"))
    start, end, _ = found["in-the-gap"][0]
    # 02:30 CET does not exist on 28 March; RFC 5545 reads it with the +01:00 offset
    assert start == "2027-03-28T03:30:00+02:00"
    assert end == "2027-03-28T03:30:00+02:00" or end > start


def test_repeated_autumn_hour_takes_the_first_occurrence():
    found = by_uid(read(FIXTURES / "dst_stockholm.ics"))
    assert found["repeated-hour"][0][0] == "2027-10-31T02:30:00+02:00"


def test_dtend_duration_or_neither():
    found = by_uid(read(FIXTURES / "dtend_duration_neither.ics"))
    assert found["with-dtend"][0][:2] == ("2027-01-15T09:00:00+01:00", "2027-01-15T10:00:00+01:00")
    assert found["with-duration"][0][:2] == ("2027-01-15T13:00:00+01:00", "2027-01-15T14:30:00+01:00")
    assert found["neither-timed"][0][:2] == ("2027-01-15T17:00:00+01:00", "2027-01-15T17:00:00+01:00")
    assert found["neither-date"][0][:2] == ("2027-01-18T00:00:00+01:00", "2027-01-19T00:00:00+01:00")


def test_free_time_gives_no_interval_and_cdo_busystatus_decides_when_present():
    found = {uid: spans[0][2] for uid, spans in by_uid(
        read(FIXTURES / "free_time_and_busy_status.ics")).items()}
    assert found == {
        "cdo-busy-but-transparent": "busy",
        "cdo-tentative": "tentative",
        "cdo-oof": "oof",
        "cdo-working-elsewhere": "tentative",
        "status-tentative": "tentative",
        "plain-busy": "busy",
    }


def test_declined_invitation_is_free_and_unanswered_is_tentative():
    path = FIXTURES / "invitations_declined_and_pending.ics"
    mine = {uid: spans[0][2] for uid, spans in by_uid(read(path, email="member@example.invalid")).items()}
    assert mine == {"needs-action": "tentative", "tentative-answer": "tentative",
                    "accepted": "busy", "declined-by-someone-else": "busy"}
    anyone = by_uid(read(path))
    assert "declined" in anyone  # without the member's address nothing is known to be declined


def test_vfreebusy_periods_with_end_or_duration_and_types():
    assert rows(read(FIXTURES / "vfreebusy_types.ics")) == [
        ("2027-01-11T09:00:00+01:00", "2027-01-11T10:00:00+01:00", "busy", "published-freebusy"),
        ("2027-01-11T13:00:00+01:00", "2027-01-11T15:00:00+01:00", "busy", "published-freebusy"),
        ("2027-01-12T09:00:00+01:00", "2027-01-12T10:00:00+01:00", "tentative", "published-freebusy"),
        ("2027-01-13T01:00:00+01:00", "2027-01-14T01:00:00+01:00", "oof", "published-freebusy"),
    ]


def test_several_vcalendars_in_one_file_are_all_read():
    found = by_uid(read(FIXTURES / "several_vcalendars.ics"))
    assert found["first-calendar"][0][0] == "2027-01-11T10:00:00+01:00"
    assert found["second-calendar"][0][0] == "2027-01-12T09:00:00+01:00"


def test_bom_crlf_and_folded_lines():
    found = rows(read(FIXTURES / "bom_crlf_folded.ics"))
    assert found == [("2027-01-15T09:00:00+01:00", "2027-01-15T10:00:00+01:00", "busy",
                      "folded-uid-that-is-long-enough-to-be-folded-over-two-physical-lines-"
                      "continued@example.invalid")]


def test_windows_1252_file_is_read():
    assert rows(read(FIXTURES / "windows_1252.ics"))[0][3] == "windows-1252@example.invalid"


def test_cr_only_line_endings_are_read():
    assert len(read(FIXTURES / "cr_only_line_endings.ics").intervals) == 1


def test_broken_events_are_skipped_with_uid_and_line_while_the_rest_is_kept():
    found = read(FIXTURES / "broken_event_among_good.ics")
    assert [i.uid for i in found.intervals] == ["good-before", "good-after", "good-last"]
    warned = {(w.uid, w.line) for w in found.warnings}
    assert ("bad-start", 9) in warned
    assert ("unclosed-alarm", 19) in warned


def test_status_strength_orders_oof_over_busy_over_tentative():
    assert BusyStatus.OOF.rank > BusyStatus.BUSY.rank > BusyStatus.TENTATIVE.rank


def test_occurrences_of_a_series_are_marked_recurring_and_one_off_events_are_not():
    import datetime as dt

    from calendars import read_busy

    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
            "BEGIN:VEVENT\r\nUID:series\r\nDTSTART:20270104T080000Z\r\nDTEND:20270104T090000Z\r\n"
            "RRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:series\r\nRECURRENCE-ID:20270111T080000Z\r\n"
            "DTSTART:20270112T080000Z\r\nDTEND:20270112T090000Z\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:dates\r\nDTSTART:20270105T080000Z\r\nDTEND:20270105T090000Z\r\n"
            "RDATE:20270106T080000Z\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:once\r\nDTSTART:20270107T080000Z\r\nDTEND:20270107T090000Z\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    found = read_busy(text.encode(), dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                      dt.datetime(2027, 2, 1, tzinfo=dt.UTC), cache=None).intervals
    assert sorted((i.uid, i.recurring) for i in found) == [
        ("dates", True), ("dates", True), ("once", False),
        ("series", True), ("series", True), ("series", True)]
