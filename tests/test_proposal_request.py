"""One proposal request for the command line, the JSON API and the web form: the same
fields, defaults and limits, with errors naming the field as each caller knows it."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from scheduler import planning
from scheduler.cli import main
from scheduler.council import PlanningRequest
from scheduler.errors import InputError
from scheduler.proposal_request import (
    MAX_CANDIDATE_SLOTS,
    MAX_HORIZON_DAYS,
    ProposalOptions,
    candidate_slot_count,
    gap_days,
    parse_proposal_request,
)
from scheduler.slots import candidate_slots

from .council_helpers import council, ics

BASE = {"from": "2027-01-11", "to": "2027-02-11", "meetings": 2}
CLI_BASE = ["--from", "2027-01-11", "--to", "2027-02-11", "--meetings", "2"]


def refused(raw: dict[str, object], names: dict[str, str] | None = None) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_proposal_request(raw, names=names)
    return caught.value


def test_the_defaults_are_those_of_the_contract() -> None:
    request = parse_proposal_request(BASE)
    assert (request.start, request.end, request.meetings) == (dt.date(2027, 1, 11),
                                                              dt.date(2027, 2, 11), 2)
    assert request.duration == dt.timedelta(hours=3) and request.step == dt.timedelta(minutes=30)
    assert (request.earliest, request.latest) == (dt.time(9), dt.time(16))
    assert request.weekdays == (0, 1, 2, 3, 4) and request.blackouts == ()
    assert request.objective == "fair" and request.min_gap_days == 28
    assert request.max_gap_days is None and request.alternatives == 3
    assert request.remote is False and request.time_limit_s == 10.0


def test_every_option_is_read_from_the_api_names() -> None:
    request = parse_proposal_request({
        **BASE, "duration": "90m", "step": "15m", "earliest": "08:30", "latest": "17:00",
        "weekdays": ["mån", "wed"], "blackouts": ["2027-01-20:2027-01-22"],
        "objective": "attendance", "min_gap_days": 7, "max_gap_days": 21, "alternatives": 0,
        "remote": True, "time_limit_s": 30})
    assert request.duration == dt.timedelta(minutes=90) and request.step == dt.timedelta(minutes=15)
    assert (request.earliest, request.latest) == (dt.time(8, 30), dt.time(17))
    assert request.weekdays == (0, 2)
    assert request.blackouts == ((dt.date(2027, 1, 20), dt.date(2027, 1, 22)),)
    assert (request.objective, request.min_gap_days, request.max_gap_days) == ("attendance", 7, 21)
    assert (request.alternatives, request.remote, request.time_limit_s) == (0, True, 30.0)


def capture_cli_request(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                        options: list[str]) -> PlanningRequest | None:
    seen: list[PlanningRequest] = []

    def fake_propose(council: object, request: PlanningRequest, *args: object,
                     **kwargs: object) -> None:
        seen.append(request)
        raise InputError("stop here")

    monkeypatch.setattr(planning, "propose", fake_propose)
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", ics())]}])
    main(["propose", str(path), *options])
    return seen[0] if seen else None


def test_the_command_line_has_the_same_defaults_as_the_api(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    assert capture_cli_request(monkeypatch, tmp_path, CLI_BASE) == parse_proposal_request(BASE)


def test_the_command_line_reads_gaps_as_durations_in_whole_days(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    request = capture_cli_request(monkeypatch, tmp_path,
                                  [*CLI_BASE, "--min-gap", "48h", "--max-gap", "2w"])
    assert request is not None and (request.min_gap_days, request.max_gap_days) == (2, 14)
    assert gap_days("28d", "--min-gap") == 28 and gap_days(None, "--max-gap") is None
    with pytest.raises(InputError, match="whole days") as caught:
        gap_days("36h", "--min-gap")
    assert caught.value.field == "--min-gap"


@pytest.mark.parametrize(("option", "value", "field"), [
    ("alternatives", 21, "alternatives"),
    ("time_limit_s", 121, "time_limit_s"),
    ("time_limit_s", 0, "time_limit_s"),
    ("meetings", 53, "meetings"),
    ("meetings", 0, "meetings"),
    ("min_gap_days", 367, "min_gap_days"),
    ("max_gap_days", 733, "max_gap_days"),
    ("max_gap_days", 0, "max_gap_days"),
    ("min_gap_days", "28d", "min_gap_days"),
    ("objective", "speed", "objective"),
    ("weekdays", "funday", "weekdays"),
    ("earliest", "9", "earliest"),
    ("blackouts", ["2027-01-20"], "blackouts"),
    ("surprise", 1, "surprise"),
])
def test_the_api_limits_name_the_field(option: str, value: object, field: str) -> None:
    assert refused({**BASE, option: value}).field == field


@pytest.mark.parametrize(("options", "field"), [
    (["--alternatives", "21"], "--alternatives"),
    (["--time-limit", "121"], "--time-limit"),
    (["--meetings", "53"], "--meetings"),
    (["--min-gap", "400d"], "--min-gap"),
    (["--max-gap", "1000d"], "--max-gap"),
    (["--step", "1m"], "--step"),
    (["--duration", "99999999999w"], "--duration"),
    (["--to", "2031-01-01"], "--to"),
    (["--blackout", "2027-01-20"], "--blackout"),
])
def test_the_command_line_has_the_same_limits_and_names_its_options(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    options: list[str],
                                                                    field: str) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", ics())]}])
    assert main(["propose", str(path), *CLI_BASE, *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {field}: ") and err.count("\n") == 1


def test_a_missing_option_is_named() -> None:
    error = refused({"from": "2027-01-11", "meetings": 2})
    assert error.field == "to" and "required" in error.message


def test_the_horizon_may_be_at_most_about_three_years() -> None:
    assert MAX_HORIZON_DAYS == 1100
    error = refused({**BASE, "to": "2030-01-31"})
    assert error.field == "to" and "at most 1100 days" in error.message
    assert parse_proposal_request({**BASE, "to": "2030-01-15", "step": "3h"}).end == \
        dt.date(2030, 1, 15)


def test_the_horizon_ends_after_it_starts() -> None:
    error = refused({**BASE, "to": "2027-01-11"})
    assert error.field == "to"


def test_the_step_is_at_least_five_minutes_and_the_duration_at_most_a_day() -> None:
    assert refused({**BASE, "step": "4m"}).field == "step"
    assert "at least 5 minutes" in refused({**BASE, "step": "4m"}).message
    assert refused({**BASE, "duration": "25h", "latest": "23:59"}).field == "duration"
    assert refused({**BASE, "duration": "0m"}).field == "duration"


def test_the_day_ends_after_it_starts() -> None:
    assert refused({**BASE, "earliest": "16:00", "latest": "09:00"}).field == "latest"


def test_the_maximum_gap_is_at_least_the_minimum() -> None:
    assert refused({**BASE, "min_gap_days": 30, "max_gap_days": 20}).field == "max_gap_days"


@pytest.mark.parametrize("day", ["1999-12-31", "2201-01-01", "9999-12-31"])
def test_dates_outside_the_years_2000_to_2200_are_refused(day: str) -> None:
    error = refused({**BASE, "from": day})
    assert error.field == "from" and "2000" in error.message
    assert refused({**BASE, "blackouts": [f"{day}:2027-01-12"]}).field == "blackouts"


@pytest.mark.parametrize("duration", ["99999999999w", "1" * 400 + "d", "1e9h"])
def test_huge_durations_are_bad_input_not_an_overflow(duration: str) -> None:
    assert refused({**BASE, "duration": duration}).field == "duration"
    assert refused({**BASE, "step": duration}).field == "step"


def test_the_candidate_slots_are_counted_without_building_them() -> None:
    request = parse_proposal_request({**BASE, "to": "2027-03-11", "step": "15m",
                                      "weekdays": "mon,tue,wed,thu,fri,sat,sun"})
    # no holidays or blackouts in these eight weeks: the count is exact
    assert candidate_slot_count(request) == len(candidate_slots(request, "Europe/Stockholm"))
    narrow = parse_proposal_request({**BASE, "duration": "8h", "earliest": "08:00",
                                     "latest": "16:00"})
    assert candidate_slot_count(narrow) == len(candidate_slots(narrow, "Europe/Stockholm")) == 23


def test_too_many_candidate_slots_are_refused_before_any_is_built() -> None:
    wide = {**BASE, "to": "2028-01-11", "step": "5m", "earliest": "00:00", "latest": "23:59",
            "duration": "1h", "weekdays": "mon,tue,wed,thu,fri,sat,sun"}
    started = time.perf_counter()
    error = refused(wide)
    assert time.perf_counter() - started < 1
    assert error.field == "step" and f"{MAX_CANDIDATE_SLOTS:,}".replace(",", " ") in error.message


def test_the_security_finding_request_is_refused_at_once() -> None:
    error = refused({"from": "2027-01-01", "to": "2127-01-01", "meetings": 4, "step": "1m",
                     "earliest": "00:00", "latest": "23:59",
                     "weekdays": "mon,tue,wed,thu,fri,sat,sun"})
    assert error.field in ("to", "step")


def test_the_schema_states_the_same_limits_as_the_validation() -> None:
    schema = ProposalOptions.model_json_schema()
    properties = schema["properties"]
    assert set(schema["required"]) == {"from", "to", "meetings"}
    assert schema["additionalProperties"] is False
    assert (properties["meetings"]["minimum"], properties["meetings"]["maximum"]) == (1, 52)
    assert (properties["alternatives"]["minimum"], properties["alternatives"]["maximum"]) == (0, 20)
    assert properties["time_limit_s"]["exclusiveMinimum"] == 0
    assert properties["time_limit_s"]["maximum"] == 120
    assert properties["min_gap_days"]["maximum"] == 366
    assert (properties["from"]["type"], properties["from"]["format"]) == ("string", "date")
    assert properties["duration"]["type"] == "string" and "pattern" in properties["duration"]
    assert properties["duration"]["default"] == "3h"


@pytest.mark.parametrize(("option", "value"), [
    ("meetings", "2"), ("meetings", True), ("min_gap_days", "7"), ("alternatives", 2.5),
    ("remote", "yes"), ("time_limit_s", "10"), ("from", 20270111),
])
def test_numbers_and_dates_must_be_of_the_type_the_schema_says(option: str, value: object) -> None:
    assert refused({**BASE, option: value}).field == option
