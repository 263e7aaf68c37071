"""Horizons in proposals: a calendar that stops speaking is planned from its owner's
habits, says so per member (`basis`) and in what the calendars show."""

from __future__ import annotations

import json
from pathlib import Path

from scheduler.cli import main

from .council_helpers import council, ics

# board meetings every Tuesday afternoon, published only up to 30 March 2027
BOARD = ics(*[(f"b{w}", f"2027{m:02d}{d:02d}T130000", f"2027{m:02d}{d:02d}T160000")
              for w, (m, d) in enumerate([(1, 5), (1, 12), (1, 19), (1, 26), (2, 2), (2, 9),
                                          (2, 16), (2, 23), (3, 2), (3, 9), (3, 16), (3, 23),
                                          (3, 30)])])


def test_a_calendar_that_stops_speaking_is_planned_from_its_habits_and_says_so(
        tmp_path: Path, capsys) -> None:
    path = council(tmp_path, [
        {"id": "nora", "members": [("Anna Ek", "representative", BOARD)]},
        {"id": "kumla", "members": [("Karin Berg", "representative", None)]},
    ])
    args = [str(path), "--from", "2027-05-03", "--to", "2027-05-08", "--meetings", "1",
            "--min-gap", "1d", "--earliest", "13:00", "--latest", "16:00"]
    assert main(["propose", *args, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    chosen = doc["meetings"][0]
    anna = chosen["parties"][0]["members"][0]
    assert anna["basis"] == "pattern" and anna["status"] == "unknown"
    assert not chosen["start"].startswith("2027-05-04")  # not the habitual Tuesday
    assert chosen["parties"][1]["members"][0]["basis"] == "none"
    shown = {c["member"]: c for c in doc["calendars"]}
    assert shown["Anna Ek"]["horizon"] == "2027-03-30"
    assert shown["Anna Ek"]["habits"][0] == {"weekday": 1, "part": "afternoon",
                                             "busy_weeks": 12.0, "weeks": 12}
    assert shown["Karin Berg"]["has_calendar"] is False
    assert main(["propose", *args]) == 0
    table = capsys.readouterr().out
    assert "Vad kalendrarna visar:" in table
    assert ("Anna Ek (ledamot, nora): kalendern visar till 30 mars 2027; därefter: "
            "tisdagseftermiddagar upptagen 12 av 12 veckor") in table
    assert "Karin Berg (ledamot, kumla): ingen kalender; räknas som okänd" in table


def test_a_declared_horizon_in_the_council_file_is_used(tmp_path: Path, capsys) -> None:
    path = council(tmp_path, [
        {"id": "nora", "members": [("Anna Ek", "representative", BOARD)]},
    ])
    text = path.read_text().replace('role = "representative"',
                                    'role = "representative"\nhorizon = 2027-02-14')
    path.write_text(text)
    assert main(["propose", str(path), "--from", "2027-03-01", "--to", "2027-03-06",
                 "--meetings", "1", "--min-gap", "1d", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["calendars"][0]["horizon"] == "2027-02-14"
    assert doc["calendars"][0]["horizon_declared"] is True
    assert doc["meetings"][0]["parties"][0]["members"][0]["basis"] == "pattern"


def test_a_bodys_meeting_plan_counts_for_its_members_beyond_their_horizon(tmp_path: Path,
                                                                          capsys) -> None:
    path = council(tmp_path, [
        {"id": "nora", "members": [("Anna Ek", "representative", BOARD)]},
    ])
    (tmp_path / "kf.ics").write_text(ics(("kf", "20270503T130000", "20270503T170000")))
    text = path.read_text().replace('role = "representative"',
                                    'role = "representative"\nbodies = ["kf"]')
    path.write_text(text + '\n[[bodies]]\nid = "kf"\nname = "Nora kommunfullmäktige"\n'
                           'calendar = "kf.ics"\n')
    assert main(["propose", str(path), "--from", "2027-05-03", "--to", "2027-05-08",
                 "--meetings", "1", "--min-gap", "1d", "--earliest", "13:00", "--latest", "16:00",
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    chosen = doc["meetings"][0]["start"]
    assert not chosen.startswith(("2027-05-03", "2027-05-04"))  # the plan's Monday, the habit's Tuesday
    assert doc["calendars"][0]["bodies"] == ["Nora kommunfullmäktige"]


def test_a_declared_horizon_before_the_planning_period_is_warned_of(tmp_path: Path,
                                                                    capsys) -> None:
    path = council(tmp_path, [
        {"id": "nora", "members": [("Anna Ek", "representative", BOARD)]},
    ])
    path.write_text(path.read_text().replace('role = "representative"',
                                             'role = "representative"\nhorizon = 2027-02-14'))
    assert main(["propose", str(path), "--from", "2027-05-03", "--to", "2027-05-08",
                 "--meetings", "1", "--min-gap", "1d", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["warnings"] == ["Anna Ek (nora): the declared horizon 2027-02-14 is before the "
                               "planning period; every date is read from the member's habits"]
