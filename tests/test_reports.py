"""The chair's report on plain values: expected against recorded attendance over time."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.council import Council, Member, Party
from scheduler.reports import ReportMeeting, conflict_report, report_csv

ZONE = dt.timezone(dt.timedelta(hours=1))
COUNCIL = Council("Rådet", "Europe/Stockholm", (
    Party("a", "A", (Member("Rep A", "representative"), Member("Sub A", "substitute"))),
    Party("b", "B", (Member("Rep B", "representative"),)),
))


def meeting(day: int, present: set[str] | None, state: str = "confirmed") -> ReportMeeting:
    start = dt.datetime(2027, 3, day, 9, tzinfo=ZONE)
    return ReportMeeting(f"m{day}", start, start + dt.timedelta(hours=3), state,
                         present=frozenset(present) if present is not None else None)


def test_expected_against_recorded_attendance_of_past_meetings():
    meetings = [meeting(1, {"a", "b"}), meeting(8, {"b"}), meeting(15, None),
                meeting(22, None, "cancelled"), meeting(29, None, "proposed")]
    busy = {("a", 0): None, ("a", 1): None, ("b", 0): None}
    report = conflict_report(COUNCIL, meetings, busy, dt.datetime(2027, 3, 20, tzinfo=dt.UTC))
    unknown_a = 1 - (1 - 0.95 * 0.7) ** 2
    by_party = {row["party"]: row for row in report["attendance"]}
    assert by_party["a"]["meetings"] == 2 and by_party["a"]["recorded"] == 1
    assert by_party["a"]["expected"] == pytest.approx(2 * unknown_a, abs=1e-4)
    assert by_party["b"]["recorded"] == 2
    assert [m["state"] for m in report["meetings"]] == ["confirmed", "confirmed", "confirmed",
                                                       "proposed"]
    # the 15th is past but unrecorded: it counts in neither expected nor recorded
    assert [m["past"] for m in report["meetings"]] == [True, True, True, False]


def test_a_notice_of_absence_uncovers_a_party_without_a_substitute():
    notice = ReportMeeting("m", dt.datetime(2027, 3, 1, 9, tzinfo=ZONE),
                           dt.datetime(2027, 3, 1, 12, tzinfo=ZONE), "confirmed",
                           notices=frozenset({("b", 0)}))
    busy = {("a", 0): None, ("a", 1): None, ("b", 0): None}
    report = conflict_report(COUNCIL, [notice], busy, dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    party_b = report["meetings"][0]["parties"][1]
    assert party_b["covered_by"] == "uncovered" and party_b["members"][0]["notice_of_absence"]
    assert report_csv(report).count("\n") == 3  # header and one row per party
