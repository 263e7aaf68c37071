"""Each rule family alone on a tiny instance: a feasible and an infeasible case each."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from solver import Period, ProblemError, quorum_probability, solve, violations

from .solver_helpers import DAY0, problem, slot

FREE = 0.95


def days(*numbers: int):
    return [slot(d) for d in numbers]


def test_exactly_k_meetings_are_chosen():
    case = problem(days(0, 1, 2, 3), [[FREE] * 4], 3)
    assert len(solve(case).chosen) == 3


def test_more_meetings_than_days_is_infeasible_and_says_so():
    found = solve(problem([slot(0, 9), slot(0, 13)], [[FREE, FREE]], 2))
    assert found.status == "infeasible"
    assert found.rule == "meetings"
    assert "2 meetings are needed but only 1 day has candidate slots" in found.reason


def test_at_most_one_meeting_a_day():
    found = solve(problem([slot(0, 9), slot(0, 13), slot(1, 9)], [[1.0, 1.0, 0.1]], 2))
    assert found.chosen == ("d0h9", "d1h9")


def test_min_gap_in_days_is_kept():
    case = problem(days(0, 5, 10, 14), [[1.0, 1.0, 0.2, 1.0]], 2, min_gap_days=10)
    found = solve(case)
    assert found.chosen in {("d0h9", "d10h9"), ("d0h9", "d14h9")}
    assert found.chosen == ("d0h9", "d14h9")


def test_min_gap_that_cannot_fit_is_explained_with_dates():
    found = solve(problem(days(56, 80, 100, 115), [[FREE] * 4], 3, min_gap_days=60))
    assert found.status == "infeasible" and found.rule == "min_gap_days"
    assert found.reason == "3 meetings 60 days apart do not fit between 1 March 2027 and 29 April 2027"


def test_max_gap_keeps_consecutive_meetings_close():
    case = problem(days(0, 10, 20), [[1.0, 0.1, 1.0]], 3, max_gap_days=10)
    assert solve(case).chosen == ("d0h9", "d10h9", "d20h9")
    two = problem(days(0, 10, 20), [[1.0, 0.1, 1.0]], 2, max_gap_days=10)
    assert solve(two).chosen in {("d0h9", "d10h9"), ("d10h9", "d20h9")}


def test_max_gap_that_cannot_hold_is_infeasible_naming_it():
    found = solve(problem(days(0, 30), [[FREE, FREE]], 2, max_gap_days=10))
    assert found.status == "infeasible"
    assert "at most 10 days between meetings" in found.reason
    assert "max_gap_days" in (found.rule or "")


def test_a_period_must_hold_its_meetings():
    period = Period(DAY0 + dt.timedelta(days=10), DAY0 + dt.timedelta(days=20), 1)
    case = problem(days(0, 5, 12), [[1.0, 1.0, 0.3]], 2, periods=(period,))
    assert "d12h9" in solve(case).chosen


def test_a_period_without_room_is_infeasible_naming_the_period():
    period = Period(DAY0 + dt.timedelta(days=10), DAY0 + dt.timedelta(days=20), 2)
    found = solve(problem(days(0, 5, 12), [[FREE] * 3], 2, periods=(period,)))
    assert found.status == "infeasible" and found.rule == "periods[0]"
    assert "14 January 2027 – 23 January 2027 needs 2 meetings" in found.reason


def test_periods_that_conflict_with_the_gap_are_found_by_the_solver():
    first = Period(DAY0, DAY0 + dt.timedelta(days=10), 1)
    second = Period(DAY0 + dt.timedelta(days=10), DAY0 + dt.timedelta(days=20), 1)
    found = solve(problem(days(0, 8, 12, 30), [[FREE] * 4], 2, min_gap_days=20,
                          periods=(first, second)))
    assert found.status == "infeasible"
    assert "at least 20 days between meetings" in found.reason


def test_fixed_meetings_stay():
    case = problem(days(0, 5, 10), [[1.0, 1.0, 0.1]], 2, fixed=("d10h9",))
    assert "d10h9" in solve(case).chosen


def test_fixed_meetings_too_close_are_infeasible_naming_them():
    found = solve(problem(days(0, 3, 10), [[FREE] * 3], 2, min_gap_days=7,
                          fixed=("d0h9", "d3h9")))
    assert found.status == "infeasible" and found.rule == "fixed"
    assert "4 January 2027 and 7 January 2027 are 3 days apart" in found.reason


def test_slots_under_the_minimum_quorum_probability_are_not_chosen():
    presence = [[1.0, 0.4, 1.0], [1.0, 0.4, 0.1], [1.0, 1.0, 0.1]]
    case = problem(days(0, 1, 2), presence, 1, min_quorum_probability=0.9, objective="attendance")
    assert solve(case).chosen == ("d0h9",)
    none = problem(days(0, 1, 2), [[0.1] * 3] * 3, 1, min_quorum_probability=0.9)
    found = solve(none)
    assert found.status == "infeasible" and found.rule == "min_quorum_probability"


def test_fair_and_attendance_choose_differently_when_fairness_costs():
    # party p1 can only come on day 2; the attendance optimum leaves it out
    presence = [[1.0, 1.0, 0.2], [0.0, 0.0, 1.0], [1.0, 1.0, 0.3]]
    fair = solve(problem(days(0, 1, 2), presence, 1, objective="fair"))
    attendance = solve(problem(days(0, 1, 2), presence, 1, objective="attendance"))
    assert fair.chosen == ("d2h9",) and attendance.chosen == ("d0h9",)
    assert fair.attendance_optimum is not None
    assert fair.as_json()["attendance_optimum"]["gainers"] == ["p1"]
    assert fair.as_json()["attendance_optimum"]["price_of_fairness"] == pytest.approx(0.5)


def test_preferences_then_earlier_dates_break_ties():
    tied = [slot(0), slot(1, preference=1), slot(2, preference=1)]
    assert solve(problem(tied, [[1.0] * 3], 1)).chosen == ("d1h9",)


def test_the_same_input_gives_the_same_plan():
    rng = np.random.default_rng(3)
    presence = rng.choice([0.3, 0.5, 0.95], size=(6, 40)).tolist()
    case = problem([slot(d, h) for d in range(20) for h in (9, 13)], presence, 3, min_gap_days=4)
    assert solve(case).chosen == solve(case).chosen


def test_alternatives_are_valid_best_first_and_costed():
    rng = np.random.default_rng(5)
    presence = rng.choice([0.05, 0.5, 0.95], size=(4, 30)).tolist()
    case = problem([slot(d) for d in range(30)], presence, 3, min_gap_days=5, alternatives=4)
    found = solve(case)
    for meeting, options in found.alternatives.items():
        assert 0 < len(options) <= 4
        keys = [(a.worst_party_expected, a.total_expected) for a in options]
        assert keys == sorted(keys, reverse=True)
        for option in options:
            plan = [option.slot if c == meeting else c for c in found.chosen]
            assert violations(case, plan) == []
            assert option.worst_party_expected <= found.worst_party_expected + 1e-9
            assert option.total_change == pytest.approx(
                option.total_expected - found.total_expected)


def test_quorum_probability_is_exact():
    presence = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 1.0]])
    expected = []
    for s in range(2):
        total = 0.0
        for outcome in itertools.product([0, 1], repeat=3):
            if sum(outcome) >= 2:
                total += np.prod([presence[p, s] if o else 1 - presence[p, s]
                                  for p, o in enumerate(outcome)])
        expected.append(total)
    assert quorum_probability(presence, 2) == pytest.approx(expected)


@pytest.mark.parametrize(("rules", "field"), [
    ({"min_gap_days": -1}, "min_gap_days"),
    ({"max_gap_days": 2, "min_gap_days": 5}, "max_gap_days"),
    ({"fixed": ("nope",)}, "fixed[0]"),
    ({"objective": "speed"}, "objective"),
    ({"time_limit_s": 0}, "time_limit_s"),
])
def test_malformed_problems_name_the_field(rules, field):
    with pytest.raises(ProblemError) as err:
        problem(days(0, 1), [[FREE, FREE]], 1, **rules)
    assert err.value.field == field
