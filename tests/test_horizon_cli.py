"""The command line reads a calendar's horizon and habits from the whole calendar file, as
the service does from the whole stored calendar: a calendar that ended long before the
period is read from its owner's habits, one that goes on past the period speaks for every
day of it, and both give the numbers the service gives for the same calendar and period."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path

import pytest

from calendars import read_busy
from scheduler.cli import main
from scheduler.services.base import ServiceBase

from .council_helpers import council, ics
from .fakes import fake_services
from .test_round_request import _write

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
TODAY = dt.datetime(2026, 12, 7, tzinfo=ZONE)  # the service's calendars are uploaded on this day


def weekdays(first: dt.date, last: dt.date, skip: tuple[dt.date, ...] = ()) -> str:
    """A calendar busy 08-17 every weekday from ``first`` to ``last`` (one-off events)."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return ics(*[(f"d{day:%Y%m%d}", f"{day:%Y%m%d}T080000", f"{day:%Y%m%d}T170000")
                 for day in days if day.weekday() < 5 and day not in skip])


# busy every weekday 08-17 for 38 weeks, Monday 8 June 2026 to Friday 26 February 2027
ENDED = weekdays(dt.date(2026, 6, 8), dt.date(2027, 2, 26))
SEPTEMBER = ["--from", "2027-09-06", "--to", "2027-09-10", "--meetings", "1", "--min-gap", "1d"]


def propose_json(path: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["propose", str(path), *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def service_proposal(monkeypatch: pytest.MonkeyPatch, parties: list[dict[str, object]],
                     calendars: dict[str, str], period: dict[str, object]) -> dict:
    """The service's proposal for the same council, its calendars uploaded on 7 December
    2026."""
    monkeypatch.setattr(ServiceBase, "today_start", staticmethod(lambda zone: TODAY))
    services = fake_services()
    made = services.create_council({"name": "Testrådet", "timezone": "Europe/Stockholm",
                                    "parties": parties})
    ids = {m["name"]: m["id"] for p in made["parties"] for m in p["members"]}
    for name, text in calendars.items():
        services.upload_calendar(ids[name], text.encode())
    return services.create_proposal(made["id"], period).document


def members(document: dict) -> list[tuple[str, str, str, float]]:
    return [(m["name"], m["status"], m["basis"], m["probability"])
            for meeting in document["meetings"] for p in meeting["parties"] for m in p["members"]]


def test_a_calendar_that_ended_half_a_year_before_the_period_is_read_from_its_habits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = council(tmp_path, [{"id": "region", "members": [
        ("Anna Bergqvist", "representative", ENDED)]}])
    doc = propose_json(path, SEPTEMBER, capsys)
    [(_name, status, basis, probability)] = members(doc)
    # MODEL.md by hand: the horizon is Friday 26 February 2027 17:00; its week is cut, so
    # the whole weeks before it are the 37 from 8 June 2026, at most the latest 26: |W| = 26;
    # every weekday slot (all within 08-17) met a busy one-off in each of them: c = 26;
    # b = (26 + 2 * 0.3) / (26 + 2) = 0.95; q = 0.05 * 1.0 + 0.95 * 0.05 = 0.0975;
    # p = r * q = 0.95 * 0.0975 = 0.092625 (read as the window's: "none", 0.95 * 0.7 = 0.665).
    # The JSON rounds probabilities to four decimals: 1e-4 holds that, and nothing else.
    assert (status, basis) == ("unknown", "pattern")
    assert probability == pytest.approx(0.092625, abs=1e-4)
    [shown] = doc["calendars"]
    assert (shown["has_calendar"], shown["horizon"], shown["horizon_declared"]) == \
        (True, "2027-02-26", False)
    assert shown["weeks_learned_from"] == 26
    assert {(h["weekday"], h["part"], h["busy_weeks"]) for h in shown["habits"]} == \
        {(d, part, 26.0) for d in range(5) for part in ("morning", "afternoon")}
    # the service, for the same calendar and period, gives the same numbers
    served = service_proposal(
        monkeypatch, [{"id": "region", "members": [{"name": "Anna Bergqvist",
                                                    "role": "representative"}]}],
        {"Anna Bergqvist": ENDED},
        {"from": "2027-09-06", "to": "2027-09-10", "meetings": 1, "min_gap_days": 1})
    assert members(served) == members(doc)
    assert served["summary"]["days"] == doc["summary"]["days"]  # every day of the period
    assert served["calendars"] == doc["calendars"]


def test_the_table_names_where_the_calendar_ends_and_its_habits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = council(tmp_path, [{"id": "region", "members": [
        ("Anna Bergqvist", "representative", ENDED)]}])
    assert main(["propose", str(path), *SEPTEMBER]) == 0
    table = capsys.readouterr().out
    assert ("Anna Bergqvist (ledamot, region): kalendern visar till 26 februari 2027; "
            "därefter: ") in table
    assert "ingen kalender; räknas som okänd" not in table


def test_a_calendar_that_goes_on_past_the_period_speaks_for_every_day_of_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    meeting_day = dt.date(2027, 12, 10)  # a Friday a year ahead
    # busy every weekday until March 2028 except the meeting day: free that day by the
    # calendar, not beyond its horizon (read over the period only, it ended the day before)
    free_that_day = weekdays(dt.date(2027, 6, 1), dt.date(2028, 3, 31), skip=(meeting_day,))
    path = council(tmp_path, [{"id": "lekeberg", "members": [
        ("Nils Vikström", "representative", free_that_day)]}])
    period = ["--from", f"{meeting_day}", "--to", f"{meeting_day + dt.timedelta(days=1)}",
              "--meetings", "1", "--min-gap", "1d"]
    doc = propose_json(path, period, capsys)
    [(_name, status, basis, probability)] = members(doc)
    assert (status, basis) == ("free", "calendar")
    assert probability == pytest.approx(0.95, abs=1e-4)  # r * q[free] = 0.95 * 1.0
    assert doc.get("calendars", []) == []  # it speaks past the period: nothing to tell
    served = service_proposal(
        monkeypatch, [{"id": "lekeberg", "members": [{"name": "Nils Vikström",
                                                      "role": "representative"}]}],
        {"Nils Vikström": free_that_day},
        {"from": f"{meeting_day}", "to": f"{meeting_day + dt.timedelta(days=1)}",
         "meetings": 1, "min_gap_days": 1})
    assert members(served) == members(doc)


def test_a_declared_horizon_still_overrides_where_the_file_ends(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = council(tmp_path, [{"id": "region", "members": [
        ("Anna Bergqvist", "representative", ENDED)]}])
    path.write_text(path.read_text().replace('role = "representative"',
                                             'role = "representative"\nhorizon = 2027-01-29'))
    doc = propose_json(path, SEPTEMBER, capsys)
    [(_name, status, basis, probability)] = members(doc)
    assert (status, basis) == ("unknown", "pattern")
    assert probability == pytest.approx(0.092625, abs=1e-4)  # busy every covered week too
    [shown] = doc["calendars"]
    assert (shown["horizon"], shown["horizon_declared"]) == ("2027-01-29", True)


def test_a_round_reads_the_whole_calendar_files_of_its_councils(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "anna.ics").write_text(ENDED)
    council_text = '''name = "{name}"
timezone = "Europe/Stockholm"
[[parties]]
id = "region"
[[parties.members]]
name = "{rep}"
role = "representative"
{calendar}
'''
    files = {"kultur.toml": council_text.format(name="Kultur", rep="Anna Bergqvist",
                                                 calendar='calendar = "anna.ics"'),
             "folkhalsa.toml": council_text.format(name="Folkhälsa", rep="Per Holm",
                                                    calendar="")}
    path = _write(tmp_path, files, '''name = "Omgång"
from = 2027-09-06
to = 2027-09-10
[[councils]]
id = "kultur"
file = "kultur.toml"
meetings = 1
min_gap = "1d"
[[councils]]
id = "folkhalsa"
file = "folkhalsa.toml"
meetings = 1
min_gap = "1d"
''')
    assert main(["round", str(path), "--format", "json", "--time-limit", "20"]) == 0
    document = json.loads(capsys.readouterr().out)
    kultur = {c["id"]: c for c in document["councils"]}["kultur"]
    [anna] = [m for meeting in kultur["meetings"] for p in meeting["parties"]
              for m in p["members"]]
    assert (anna["status"], anna["basis"]) == ("unknown", "pattern")
    assert anna["probability"] == pytest.approx(0.092625, abs=1e-4)


def test_reading_a_calendar_over_any_window_tells_its_last_one_off_wherever_it_lies() -> None:
    recurring = ("BEGIN:VEVENT\r\nUID:weekly\r\nDTSTART;TZID=Europe/Stockholm:20260105T090000\r\n"
                 "DTEND;TZID=Europe/Stockholm:20260105T100000\r\nRRULE:FREQ=WEEKLY\r\n"
                 "END:VEVENT\r\n")
    free = ("BEGIN:VEVENT\r\nUID:later-but-free\r\nDTSTART;VALUE=DATE:20270601\r\n"
            "DTEND;VALUE=DATE:20270602\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n")
    text = ENDED.replace("END:VCALENDAR", recurring + free + "END:VCALENDAR")
    window = (dt.datetime(2027, 9, 1, tzinfo=ZONE), dt.datetime(2027, 10, 1, tzinfo=ZONE))
    read = read_busy(text.encode(), *window, zone=ZONE, cache=None)
    assert read.intervals and all(i.recurring for i in read.intervals)  # only the series
    last = read.last_one_off
    assert last is not None and not last.recurring
    assert (last.uid, last.start, last.end) == ("d20270226",
                                                dt.datetime(2027, 2, 26, 8, tzinfo=ZONE),
                                                dt.datetime(2027, 2, 26, 17, tzinfo=ZONE))
    only_series = ics().replace("END:VCALENDAR", recurring + "END:VCALENDAR")
    assert read_busy(only_series.encode(), *window, zone=ZONE, cache=None).last_one_off is None
