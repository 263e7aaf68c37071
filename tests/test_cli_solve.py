"""``scheduler solve``: the contract's output, infeasible answers and bad files."""

from __future__ import annotations

import json
from pathlib import Path

from scheduler.cli import main

from .test_solver_problem_file import BASE


def write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return str(path)


def test_solve_prints_the_contract_fields(tmp_path, capsys):
    assert main(["solve", write(tmp_path, BASE)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "optimal" and out["chosen"] == ["a"]
    assert out["worst_party_expected"] == 0.95 and out["total_expected"] == 0.95
    assert out["solve_seconds"] >= 0


def test_an_infeasible_problem_exits_0_with_a_reason(tmp_path, capsys):
    assert main(["solve", write(tmp_path, {**BASE, "meetings": 2})]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "infeasible"
    assert out["reason"] == "2 meetings 28 days apart do not fit between 1 February 2027 and 10 February 2027"


def test_a_bad_file_exits_2_with_one_line_naming_file_and_field(tmp_path, capsys):
    path = write(tmp_path, {**BASE, "min_gap_days": "often"})
    assert main(["solve", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: min_gap_days: ") and err.count("\n") == 1


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "none.json")]) == 2
    assert "none.json" in capsys.readouterr().err
