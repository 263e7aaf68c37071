"""``scheduler round``: the joint plan as a Swedish table or the contract's JSON; bad input
exits 2 with one line naming the round's council and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.cli import main

from .test_round_request import ROUND, _files, _write


def test_round_prints_the_joint_plan_and_the_comparison(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, _files(), ROUND.replace("meetings = 5", "meetings = 4"))
    assert main(["round", str(path), "--format", "json", "--time-limit", "20"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["status"] in ("optimal", "feasible")
    assert [c["id"] for c in document["councils"]] == ["kultur", "folkhalsa"]
    assert {"joint", "alone", "in_turn"} <= set(document)
    assert document["joint"]["person_clashes"] == 0
    assert document["shared_people"][0]["name"] == "Irja G"
    assert main(["round", str(path), "--time-limit", "20"]) == 0
    table = capsys.readouterr().out
    assert "Gemensam plan" in table and "var för sig" in table and "i tur och ordning" in table


@pytest.mark.parametrize(("change", "named"), [
    (("meetings = 4", "meetings = -1"), "councils[0].meetings"),
    (('between = "90m"', 'between = "5d"'), "between"),
])
def test_bad_rounds_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        change: tuple[str, str], named: str) -> None:
    path = _write(tmp_path, _files(), ROUND.replace(*change))
    assert main(["round", str(path)]) == 2
    error = capsys.readouterr().err.strip()
    assert named in error and "\n" not in error
    assert main(["round", str(path), "--time-limit", "0"]) == 2
