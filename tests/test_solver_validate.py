"""The plan validator, which the other tests trust: it must catch every broken rule."""

from __future__ import annotations

import datetime as dt

from solver import Period, violations

from .solver_helpers import DAY0, problem, slot

SLOTS = [slot(0, 9), slot(0, 13), slot(3), slot(10), slot(30)]
CASE = problem(SLOTS, [[0.9] * 5], 2, min_gap_days=5, max_gap_days=20,
               periods=(Period(DAY0, DAY0 + dt.timedelta(days=7), 1),), fixed=("d0h9",))


def test_a_valid_plan_has_no_violations():
    assert violations(CASE, ["d0h9", "d10h9"]) == []


def test_each_broken_rule_is_named():
    assert any("meetings instead of 2" in v for v in violations(CASE, ["d0h9"]))
    assert any("two meetings on one day" in v for v in violations(CASE, ["d0h9", "d0h13"]))
    assert any("under 5" in v for v in violations(CASE, ["d0h9", "d3h9"]))
    assert any("over 20" in v for v in violations(CASE, ["d0h9", "d30h9"]))
    assert any("period 0 holds 0" in v for v in violations(CASE, ["d10h9", "d30h9"]))
    assert any("fixed meetings left out" in v for v in violations(CASE, ["d3h9", "d10h9"]))
    assert violations(CASE, ["zz", "d0h9"]) == ["unknown slots ['zz']"]


def test_slots_under_the_quorum_probability_are_flagged():
    case = problem([slot(0), slot(5)], [[0.9, 0.1], [0.9, 0.1]], 1, min_quorum_probability=0.5)
    assert violations(case, ["d0h9"]) == []
    assert "minimum quorum" in violations(case, ["d5h9"])[0]
