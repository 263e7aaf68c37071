"""Proposals end to end on small councils whose right answer is known by construction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from pathlib import Path

import icalendar
import pytest

from scheduler import planning
from scheduler.cli import main
from scheduler.council import PlanningRequest
from scheduler.council_file import load_council
from scheduler.errors import InputError
from scheduler.formats import render
from scheduler.planning import TimeLimitError, propose
from scheduler.proposal_request import parse_proposal_request
from scheduler.slots import candidate_slots
from solver import Problem, Solution

from .council_helpers import council, ics

FREE = ics()


def request(start: str, end: str, meetings: int = 1, **options: object) -> PlanningRequest:
    return parse_proposal_request({"from": start, "to": end, "meetings": meetings,
                                   "min_gap_days": 1, **options})


def test_a_substitute_covers_a_busy_representative(tmp_path: Path) -> None:
    busy_monday = ics(("m", "20270111T080000", "20270111T170000"))
    path = council(tmp_path, [
        {"id": "a", "members": [("Rep A", "representative", busy_monday),
                                ("Sub A", "substitute", FREE)]},
        {"id": "b", "members": [("Rep B", "representative", FREE)]}])
    found = propose(load_council(path), request("2027-01-11", "2027-01-12"))
    party = found.meetings[0].parties[0]
    assert party.covered_by == "substitute" and party.why == "representative busy"
    assert [m.status for m in party.members] == ["busy", "free"]
    assert party.presence == pytest.approx(1 - (1 - 0.95 * 0.05) * (1 - 0.95))


def test_a_travel_buffer_moves_the_start(tmp_path: Path) -> None:
    until_ten = ics(("x", "20270111T080000", "20270111T100000"))
    parties: list[dict[str, object]] = [
        {"id": "far", "travel": "60m", "members": [("Rep", "representative", until_ten)]}]
    found = propose(load_council(council(tmp_path, parties)), request("2027-01-11", "2027-01-12"))
    assert found.meetings[0].start.strftime("%H:%M") == "11:00"
    remote = propose(load_council(council(tmp_path, parties)),
                     request("2027-01-11", "2027-01-12", remote=True))
    assert remote.meetings[0].start.strftime("%H:%M") == "10:00"


def test_holidays_eves_and_weekends_are_never_proposed(tmp_path: Path) -> None:
    # 24-28 June 2027: Thursday busy, Midsummer Eve, Midsummer Day, Sunday, Monday busy
    busy = ics(("t", "20270624T080000", "20270624T170000"), ("m", "20270628T080000", "20270628T170000"))
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", busy)]}])
    found = propose(load_council(path), request("2027-06-24", "2027-06-29"))
    # busy on both working days, free on Midsummer Eve and the weekend: still a working day
    assert found.meetings[0].start.date() in (dt.date(2027, 6, 24), dt.date(2027, 6, 28))
    slots = candidate_slots(request("2027-06-24", "2027-06-29", weekdays="mon,tue,wed,thu,fri,sat,sun"),
                            "Europe/Stockholm")
    days = {s.date() for s, _ in slots}
    assert dt.date(2027, 6, 25) not in days and dt.date(2027, 6, 26) not in days
    assert dt.date(2027, 6, 27) in days  # an ordinary Sunday is no holiday


def test_fair_and_attendance_choose_differently(tmp_path: Path) -> None:
    # three parties free on Monday, the fourth away; on Tuesday two are busy (not away)
    tuesday = ics(("t", "20270112T080000", "20270112T170000"))
    monday = ics(("m", "20270111T080000", "20270111T170000", "OOF"))
    path = council(tmp_path, [
        {"id": "a", "members": [("A", "representative", tuesday)]},
        {"id": "b", "members": [("B", "representative", tuesday)]},
        {"id": "c", "members": [("C", "representative", FREE)]},
        {"id": "d", "members": [("D", "representative", monday)]}])
    loaded = load_council(path)
    fair = propose(loaded, request("2027-01-11", "2027-01-13"))
    attendance = propose(loaded, request("2027-01-11", "2027-01-13", objective="attendance"))
    assert fair.meetings[0].start.date() == dt.date(2027, 1, 12)
    assert attendance.meetings[0].start.date() == dt.date(2027, 1, 11)
    assert fair.price_of_fairness == pytest.approx(attendance.total_expected - fair.total_expected)
    assert fair.gainers == ["d"]


def test_a_member_without_calendar_is_unknown(tmp_path: Path) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", None)]}])
    party = propose(load_council(path), request("2027-01-11", "2027-01-12")).meetings[0].parties[0]
    assert party.members[0].status == "unknown"
    assert party.members[0].probability == pytest.approx(0.95 * 0.7)


def test_attendance_history_sets_reliability(tmp_path: Path) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]}])
    history = 'role = "representative"\ninvited = 3\nattended = 1'
    path.write_text(path.read_text().replace('role = "representative"', history))
    found = propose(load_council(path), request("2027-01-11", "2027-01-12"))
    member = found.meetings[0].parties[0].members[0]
    assert member.probability == pytest.approx((19 + 1) / (20 + 3))


def test_the_json_format_follows_the_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]}])
    assert main(["propose", str(path), "--from", "2027-01-11", "--to", "2027-01-20", "--meetings", "2",
                 "--min-gap", "3d", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "optimal" and doc["objective"] == "fair"
    meeting = doc["meetings"][0]
    assert set(meeting) >= {"start", "end", "expected_parties", "quorum_probability", "parties"}
    assert meeting["start"] == "2027-01-11T09:00:00+01:00"
    assert meeting["parties"][0]["members"][0] == {"name": "Rep", "role": "representative",
                                                   "status": "free", "probability": 0.95,
                                                   "basis": "calendar"}
    assert set(doc["summary"]) >= {"total_expected", "worst_party_expected", "per_party"}


def test_csv_ics_and_table_formats(tmp_path: Path) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]}])
    found = propose(load_council(path), request("2027-02-10", "2027-02-11"))
    csv = render(found, "csv").splitlines()
    assert csv[0].startswith("meeting,start,end") and len(csv) == 2
    events = icalendar.Calendar.from_ical(render(found, "ics")).walk("VEVENT")
    assert [str(e["STATUS"]) for e in events] == ["TENTATIVE"]
    assert "ons 10 feb 2027 09:00–12:00" in render(found, "table")


def test_an_impossible_request_is_answered_in_words(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]}])
    assert main(["propose", str(path), "--from", "2027-03-01", "--to", "2027-07-01", "--meetings", "4",
                 "--min-gap", "60d", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "infeasible"
    assert "4 meetings 60 days apart do not fit" in doc["reason"]


@pytest.mark.parametrize(("change", "words"), [
    (('timezone = "Europe/Stockholm"', 'timezone = "Mars/Base"'), "timezone: unknown time zone 'Mars/Base'"),
    (('role = "representative"', 'role = "substitute"'), "parties[0].members: party 'a' needs exactly one"),
    (('id = "a"', 'id = "a b"'), "parties[0].id"),
    (('travel = "0m"', 'travel = "soon"'), "parties[0].travel"),
    (('name = "Testrådet"', 'name = "Testrådet'), "line 1"),
])
def test_council_file_errors_name_file_and_field(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 change: tuple[str, str], words: str) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]}])
    path.write_text(path.read_text().replace(*change, 1))
    assert main(["propose", str(path), "--from", "2027-01-11", "--to", "2027-01-12", "--meetings", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}") and words in err and err.count("\n") == 1


def test_a_missing_calendar_file_and_a_duplicate_party_are_named(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]},
                              {"id": "b", "members": [("Rep", "representative", FREE)]}])
    (tmp_path / "a-0.ics").unlink()
    assert main(["propose", str(path), "--from", "2027-01-11", "--to", "2027-01-12", "--meetings", "1"]) == 2
    assert "calendar file 'a-0.ics' does not exist" in capsys.readouterr().err
    path.write_text(path.read_text().replace('id = "b"', 'id = "a"'))
    (tmp_path / "a-0.ics").write_text(FREE)
    assert main(["propose", str(path), "--from", "2027-01-11", "--to", "2027-01-12", "--meetings", "1"]) == 2
    assert "duplicate party id 'a'" in capsys.readouterr().err


def test_a_broken_calendar_file_is_bad_input_naming_it(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", "<html>")]}])
    assert main(["propose", str(path), "--from", "2027-01-11", "--to", "2027-01-12", "--meetings", "1"]) == 2
    assert "a-0.ics: line 1: not a calendar" in capsys.readouterr().err


def test_the_solver_gets_only_the_time_left_before_the_deadline(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]}])
    limits: list[float] = []
    solve = planning.solve  # type: ignore[attr-defined]

    def timed_solve(problem: Problem) -> Solution:
        limits.append(problem.time_limit_s)
        return solve(problem)

    monkeypatch.setattr(planning, "solve", timed_solve)
    found = propose(load_council(path), request("2027-01-11", "2027-01-20", time_limit_s=60),
                    deadline=time.monotonic() + 2)
    assert found.status == "optimal" and 0 < limits[0] <= 2


def test_without_a_deadline_the_time_limit_covers_the_whole_proposal(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]},
                              {"id": "b", "members": [("Rep", "representative", FREE)]}])

    def slow_loader(source: str) -> bytes:
        time.sleep(0.6)
        return FREE.encode()

    with pytest.raises(TimeLimitError) as caught:
        propose(load_council(path), request("2027-01-11", "2027-01-20", time_limit_s=0.5),
                loader=slow_loader)
    assert caught.value.field == "time_limit_s" and "calendars" in caught.value.message


def test_a_deadline_already_past_is_a_clear_error_naming_the_time_limit(tmp_path: Path) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]}])
    with pytest.raises(TimeLimitError, match="time limit ran out") as caught:
        propose(load_council(path), request("2027-01-11", "2027-01-20"),
                deadline=time.monotonic() - 1)
    assert caught.value.field == "time_limit_s"


def test_propose_refuses_a_request_beyond_the_limits_before_building_slots(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", FREE)]}])
    monkeypatch.setattr(planning, "candidate_slots", None)  # calling it would fail otherwise
    huge = dataclasses.replace(request("2027-01-01", "2027-01-02"), end=dt.date(2127, 1, 1),
                               step=dt.timedelta(minutes=1), earliest=dt.time(0),
                               latest=dt.time(23, 59), weekdays=tuple(range(7)))
    with pytest.raises(InputError, match="at most 1100 days") as caught:
        propose(load_council(path), huge)
    assert caught.value.field == "to"


def test_a_long_request_returns_within_its_time_limit(tmp_path: Path) -> None:
    # a year of 52 meetings for 13 parties: the solver cannot prove this in 3 s
    parties: list[dict[str, object]] = [{"id": f"p{n}", "members": [("Rep", "representative", ics(
        *[(f"{n}-{d}", f"2027{m:02d}{d:02d}T0{8 + n % 2}0000", f"2027{m:02d}{d:02d}T120000")
          for m in range(1, 13) for d in range(1 + n % 5, 28, 5)]))]} for n in range(13)]
    path = council(tmp_path, parties)
    started = time.monotonic()
    found = propose(load_council(path), request("2027-01-01", "2028-01-01", meetings=52,
                                                time_limit_s=3, alternatives=20, step="15m"))
    elapsed = time.monotonic() - started
    assert found.status in ("optimal", "feasible") and len(found.meetings) == 52
    assert elapsed < 3 + 1.5


def test_on_the_command_line_the_time_limit_is_the_solvers_alone(tmp_path: Path, monkeypatch,
                                                                  capsys) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("A", "representative", ics(
        ("x", "20270111T080000", "20270111T170000")))]}])
    slow = planning.load_busy

    def reading_slowly(*args, **kwargs):
        time.sleep(1.2)  # longer than the time limit below
        return slow(*args, **kwargs)

    monkeypatch.setattr(planning, "load_busy", reading_slowly)
    assert main(["propose", str(path), "--from", "2027-01-11", "--to", "2027-01-16",
                 "--meetings", "1", "--min-gap", "1d", "--time-limit", "1"]) == 0
    assert "Förslag" in capsys.readouterr().out
