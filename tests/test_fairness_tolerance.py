"""Fairness with a tolerance (MODEL.md): the worst-off party is held within τ of its best,
and the total decides within that; τ = 0 is the strict order. Hand-derived cases."""

from __future__ import annotations

import json

import pytest

from scheduler.cli import main
from solver import solve

from .conftest import bearer
from .solver_helpers import problem, slot

# slot a: both parties 0.95 (worst 0.95, total 1.90); slot b: 0.94 and 1.00 (worst 0.94, total 1.94)
SLOTS = [slot(0), slot(1)]
PRESENCE = [[0.95, 0.94], [0.95, 1.00]]


@pytest.mark.parametrize(("tolerance", "chosen"), [
    (0.0, "d0h9"), (0.005, "d0h9"), (0.01, "d1h9"), (0.02, "d1h9")])
def test_the_total_decides_within_the_tolerance_and_not_beyond_it(tolerance, chosen):
    found = solve(problem(SLOTS, PRESENCE, 1, fairness_tolerance=tolerance))
    assert [s for s in found.chosen] == [chosen]
    assert found.worst_optimum == pytest.approx(0.95)
    assert found.fairness_tolerance == tolerance


def test_the_default_tolerance_is_two_hundredths_of_a_meeting():
    found = solve(problem(SLOTS, PRESENCE, 1))
    assert found.fairness_tolerance == 0.02 and found.chosen == ("d1h9",)
    assert found.worst_party_expected == pytest.approx(0.94)
    assert found.total_expected == pytest.approx(1.94)


def test_the_attendance_objective_has_no_tolerance():
    found = solve(problem(SLOTS, PRESENCE, 1, objective="attendance", fairness_tolerance=0.0))
    assert found.chosen == ("d1h9",) and found.worst_optimum is None


def test_scheduler_solve_reads_and_reports_the_tolerance(tmp_path, capsys):
    document = {"meetings": 1, "objective": "fair", "fairness_tolerance": 0,
                "slots": [{"id": "a", "start": "2027-01-11T09:00:00+01:00",
                           "end": "2027-01-11T12:00:00+01:00"},
                          {"id": "b", "start": "2027-01-12T09:00:00+01:00",
                           "end": "2027-01-12T12:00:00+01:00"}],
                "parties": [{"id": "p0", "presence": {"a": 0.95, "b": 0.94}},
                            {"id": "p1", "presence": {"a": 0.95, "b": 1.0}}]}
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(document))
    assert main(["solve", str(path)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["chosen"] == ["a"] and answer["fairness_tolerance"] == 0
    assert answer["worst_party_optimum"] == 0.95
    path.write_text(json.dumps({**document, "fairness_tolerance": -0.1}))
    assert main(["solve", str(path)]) == 2
    assert "fairness_tolerance" in capsys.readouterr().err


def test_proposals_report_the_optimum_the_chosen_worst_and_the_tolerance(app, client):
    council = client.post("/api/councils", headers=bearer(app), json={
        "name": "R", "parties": [{"id": "a", "members": [{"name": "A", "role": "representative"}]}]}).json
    secretary = bearer(app, "secretary", council["id"])
    options = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1}
    made = client.post(f"/api/councils/{council['id']}/proposals", headers=secretary,
                       json={**options, "fairness_tolerance": 0.1})
    summary = made.json["summary"]
    assert summary["fairness_tolerance"] == 0.1 and "worst_party_optimum" in summary
    bad = client.post(f"/api/councils/{council['id']}/proposals", headers=secretary,
                      json={**options, "fairness_tolerance": -1})
    assert bad.status_code == 400
    assert bad.json["invalid-params"][0]["name"] == "fairness_tolerance"
