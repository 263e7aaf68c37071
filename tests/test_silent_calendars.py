"""A calendar that stops speaking is said to stop: the proposal warns that the time after
its last entry reads as free, and a calendar that goes on (a weekly rule) is not warned of."""

from __future__ import annotations

from pathlib import Path

from scheduler.council_file import load_council
from scheduler.planning import propose
from scheduler.proposal_request import parse_proposal_request

from .council_helpers import council, ics

WEEKLY = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:w\r\n"
          "DTSTART;TZID=Europe/Stockholm:20270104T080000\r\n"
          "DTEND;TZID=Europe/Stockholm:20270104T090000\r\n"
          "RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_calendar_whose_last_entry_is_in_march_is_warned_of_and_a_weekly_one_is_not(
        tmp_path: Path) -> None:
    path = council(tmp_path, [
        {"id": "a", "members": [("Anna Ek", "representative",
                                 ics(("m", "20270301T090000", "20270301T100000")))]},
        {"id": "b", "members": [("Bo Berg", "representative", WEEKLY)]},
    ])
    request = parse_proposal_request({"from": "2027-01-01", "to": "2028-01-01", "meetings": 2,
                                      "min_gap_days": 60})
    warnings = propose(load_council(path), request).warnings
    assert any(w.startswith("Anna Ek (a): the calendar shows nothing after 2027-03-01") for w in warnings)
    assert not any(w.startswith("Bo Berg") for w in warnings)
