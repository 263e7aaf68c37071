"""``scheduler busy``: the contract's JSON, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scheduler.cli import main

from .conftest import FIXTURES
from .local_server import serve


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, object, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else out), err


def test_busy_prints_sorted_intervals_as_json(capsys):
    code, found, _ = run(capsys, "busy", str(FIXTURES / "rrule_exdate_rdate.ics"),
                         "--from", "2027-01-01", "--to", "2027-01-12")
    assert code == 0
    assert found == [{"start": "2027-01-04T13:00:00+01:00", "end": "2027-01-04T15:00:00+01:00",
                      "status": "busy", "uid": "weekly-board"}]


def test_busy_uses_the_zone_for_dates_and_floating_times(capsys):
    code, found, _ = run(capsys, "busy", str(FIXTURES / "floating_and_utc.ics"),
                         "--from", "2027-01-15", "--to", "2027-01-16", "--tz", "Europe/London")
    assert code == 0
    assert found[0]["start"] == "2027-01-15T09:00:00+00:00"


def test_busy_email_turns_declined_invitations_into_free_time(capsys):
    path = str(FIXTURES / "invitations_declined_and_pending.ics")
    _, everyone, _ = run(capsys, "busy", path, "--from", "2027-01-01", "--to", "2027-02-01")
    _, mine, _ = run(capsys, "busy", path, "--from", "2027-01-01", "--to", "2027-02-01",
                     "--email", "member@example.invalid")
    assert len(everyone) == len(mine) + 1


def test_busy_reports_skipped_events_as_warnings_on_stderr(capsys):
    code, found, err = run(capsys, "busy", str(FIXTURES / "broken_event_among_good.ics"),
                           "--from", "2027-01-01", "--to", "2027-02-01")
    assert code == 0 and len(found) == 3
    assert "UID bad-start" in err


@pytest.mark.parametrize(("args", "message"), [
    (["busy", "missing.ics", "--from", "2027-01-01", "--to", "2027-02-01"], "missing.ics: no such file"),
    (["busy", "pyproject.toml", "--from", "2027-01-01", "--to", "2027-02-01"], "line 1: not a calendar"),
    (["busy", "x.ics", "--from", "2027-02-30", "--to", "2027-03-01"], "--from"),
    (["busy", "x.ics", "--from", "2027-02-01", "--to", "2027-01-01"], "--to"),
    (["busy", "x.ics", "--from", "2027-01-01", "--to", "2027-02-01", "--tz", "Mars/Base"], "--tz"),
    (["busy", "x.ics", "--from", "2027-01-01"], "--to"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line_naming_what_is_wrong(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err


def test_a_duration_beyond_the_years_exits_2_naming_the_event(capsys, tmp_path):
    path = tmp_path / "long.ics"
    path.write_text("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:for-ever\r\nDTSTART:20270110T100000Z"
                    "\r\nDURATION:P999999999W\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    code, _, err = run(capsys, "busy", str(path), "--from", "2027-01-01", "--to", "2027-02-01")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert "'for-ever'" in err


def test_a_url_is_fetched_when_its_host_is_allowed(capsys, monkeypatch):
    with serve() as (base, _):
        monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "localhost")
        code, found, _ = run(capsys, "busy", f"{base}/cal.ics", "--from", "2027-01-01",
                             "--to", "2027-02-01")
        assert code == 0 and found[0]["uid"] == "served"
        monkeypatch.delenv("SCHEDULER_FETCH_ALLOW")
        code, _, err = run(capsys, "busy", f"{base}/cal.ics", "--from", "2027-01-01",
                           "--to", "2027-02-01")
        assert code == 1 and "refused" in err and err.count("\n") == 1


def test_the_console_script_and_module_entry_point_agree():
    args = ["busy", str(FIXTURES / "all_day.ics"), "--from", "2027-01-01", "--to", "2027-02-01"]
    module = subprocess.run([sys.executable, "-m", "scheduler", *args], capture_output=True,
                            text=True, check=True)
    assert json.loads(module.stdout)[0]["uid"] == "one-day"


def test_a_url_that_serves_a_web_page_is_not_a_calendar_and_the_error_names_it(capsys, monkeypatch):
    with serve() as (base, _):
        monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "localhost")
        code, _, err = run(capsys, "busy", f"{base}/html", "--from", "2027-01-01", "--to", "2027-02-01")
    assert code == 2
    assert err.startswith(f"error: {base}/html: the address answered with a web page (text/html), "
                          "not a calendar")
