"""The searches and bounds for many parties against brute force on small instances: no
bound below the true optimum, no plan invalid or worse than where it started."""

from __future__ import annotations

import importlib
import itertools
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import eligible, solve, violations
from solver.heuristic import objective_key
from solver.lagrange import best_plan, relax
from solver.neighbourhood import raise_total, raise_worst
from solver.problem import Problem
from solver.reduce import useful_slots

from .solver_helpers import brute_force, floor_of, key, problem, slot, worst_of

solve_module = importlib.import_module("solver.solve")
PROBABILITIES = st.sampled_from([0.0, 0.05, 0.3, 0.475, 0.5, 0.7, 0.95, 0.9975, 1.0])
TOLERANCES = st.sampled_from([0.0, 0.02, 0.1, 0.5])


@st.composite
def many_parties(draw: st.DrawFn) -> Problem:
    """Up to 12 slots on distinct or shared days, 2 to 8 parties, 1 to 4 meetings."""
    n_slots = draw(st.integers(5, 12))
    days = draw(st.lists(st.integers(0, 30), min_size=n_slots, max_size=n_slots))
    hours = draw(st.lists(st.sampled_from([9, 13]), min_size=n_slots, max_size=n_slots))
    slots = list({(d, h): slot(d, h) for d, h in zip(days, hours, strict=True)}.values())
    n_parties = draw(st.integers(2, 8))
    presence = [[draw(PROBABILITIES) for _ in slots] for _ in range(n_parties)]
    rules: dict[str, object] = {"min_gap_days": draw(st.integers(0, 8)), "alternatives": 0,
                                "fairness_tolerance": draw(TOLERANCES)}
    if draw(st.booleans()):
        rules["max_gap_days"] = draw(st.integers(max(1, int(rules["min_gap_days"])), 16))  # type: ignore[call-overload]
    return problem(slots, presence, draw(st.integers(1, min(4, len(slots)))), **rules)


def _valid_plans(case: Problem) -> list[list[int]]:
    allowed = eligible(case)
    return [list(combo) for combo in itertools.combinations(range(len(case.slots)), case.meetings)
            if not violations(case, [case.slots[s].id for s in combo], allowed=allowed)]


def _checker(case: Problem):  # type: ignore[no-untyped-def]
    allowed = eligible(case)
    return lambda plan: not violations(case, [case.slots[s].id for s in plan], allowed=allowed)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 9), st.lists(st.integers(0, 25), min_size=1, max_size=9),
       st.integers(0, 2**32 - 1))
def test_the_dynamic_programme_finds_the_best_plan_under_the_gap_rules(k, gap, days, seed):
    days_array = np.array(sorted(days), dtype=np.int64)
    values = np.random.default_rng(seed).uniform(0, 1, days_array.size)
    useful = np.arange(days_array.size, dtype=np.int64)
    best = -np.inf
    for combo in itertools.combinations(range(days_array.size), k):
        chosen = days_array[list(combo)]
        if k == 1 or np.diff(chosen).min() >= gap:
            best = max(best, float(values[list(combo)].sum()))
    value, plan = best_plan(values, days_array, useful, k, gap)
    if best == -np.inf:
        assert plan == []
        return
    assert value == pytest.approx(best)
    assert len(plan) == k and float(values[plan].sum()) == pytest.approx(best)
    assert k == 1 or np.diff(days_array[plan]).min() >= gap


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many_parties())
def test_the_relaxation_never_bounds_below_the_best_worst_off_party(case):
    plans = _valid_plans(case)
    useful = useful_slots(case, eligible(case))
    relaxed = relax(case, useful, _checker(case), objective_key(case))
    if not plans:
        return
    best = max(worst_of(case, [case.slots[s].id for s in plan]) for plan in plans)
    assert relaxed.upper >= best
    assert all(int(relaxed.row[plan].sum()) >= best for plan in plans
               if worst_of(case, [case.slots[s].id for s in plan]) == best)
    if relaxed.plan is not None:
        assert _checker(case)(relaxed.plan)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many_parties(), st.integers(0, 3))
def test_local_search_keeps_plans_valid_and_never_loses_ground(case, seed):
    plans = _valid_plans(case)
    if not plans:
        return
    useful = useful_slots(case, eligible(case))
    useful_set = set(useful.tolist())
    starts = [p for p in plans if set(p) <= useful_set]
    if not starts:
        return
    start = starts[seed % len(starts)]
    valid = _checker(case)
    score = objective_key(case)
    found = raise_worst(case, useful, start, valid, time.perf_counter() + 0.2, seed=seed)
    assert valid(found) and score(found)[:2] >= score(start)[:2]
    assert score(found)[0] <= floor_of(case) + case.tolerance_scaled  # never above T*
    floor = score(found)[0] - case.tolerance_scaled
    more = raise_total(case, useful, found, floor, valid, time.perf_counter() + 0.2)
    assert valid(more) and score(more)[0] >= floor and score(more)[1] >= score(found)[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many_parties())
def test_the_local_search_path_answers_validly_with_a_bound_above_the_optimum(case):
    best = brute_force(case)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solve_module, "_LARGE_PARTIES", 1)
        patch.setattr(solve_module, "_LARGE_SIZE", 1)
        patch.setattr(solve_module, "_FRUITLESS", 1)
        found = solve(case)
    if best is None:
        assert found.status == "infeasible"
        return
    assert found.status in ("optimal", "feasible")
    assert violations(case, found.chosen) == []
    optimum = floor_of(case) + case.tolerance_scaled  # T*
    assert worst_of(case, found.chosen) <= optimum
    assert found.worst_optimum is not None
    if round(found.worst_optimum * 10_000) == optimum:  # the first stage found T*
        assert key(case, found.chosen) <= best
    # the tolerance is kept: the plan within τ of what the first stage found
    assert worst_of(case, found.chosen) >= round(found.worst_optimum * 10_000) - case.tolerance_scaled
    if found.bound is not None and found.bound_of == "worst_party_expected":
        assert round(found.bound * 10_000) >= optimum
    if found.bound is not None and found.bound_of == "total_expected":  # T* reached: the
        assert round(found.bound * 10_000) >= best[0]  # total's bound holds within T* - τ
    if found.bound_of is None:  # both stages reached their bounds: the total is the best
        assert key(case, found.chosen)[0] == best[0]
    if found.status == "optimal":
        assert key(case, found.chosen) == best
