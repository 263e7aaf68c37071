"""The proven bounds for many parties against brute force: never below an optimum that
enumeration finds, equal to it where they must be, and the exact enumeration of the
benchmark equal to brute force."""

from __future__ import annotations

import itertools
import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.solver_exact import exact_worst_off, fewest_rows_bound
from solver import eligible, violations
from solver.heuristic import initial_plan, objective_key
from solver.lagrange import ColumnGeneration, relax, total_bound
from solver.many_parties import search_stages
from solver.problem import Problem
from solver.reduce import useful_slots

from .solver_helpers import problem, slot

PROBABILITIES = st.sampled_from([0.0, 0.05, 0.3, 0.475, 0.5, 0.7, 0.95, 0.9975, 1.0])


@st.composite
def gap_rules_only(draw: st.DrawFn, parties: tuple[int, int] = (1, 7)) -> Problem:
    """Up to 11 slots on distinct or shared days, a minimum gap and no other rule."""
    n_slots = draw(st.integers(3, 11))
    days = draw(st.lists(st.integers(0, 30), min_size=n_slots, max_size=n_slots))
    hours = draw(st.lists(st.sampled_from([9, 13]), min_size=n_slots, max_size=n_slots))
    slots = list({(d, h): slot(d, h) for d, h in zip(days, hours, strict=True)}.values())
    n_parties = draw(st.integers(*parties))
    presence = [[draw(PROBABILITIES) for _ in slots] for _ in range(n_parties)]
    return problem(slots, presence, draw(st.integers(1, min(4, len(slots)))),
                   min_gap_days=draw(st.integers(0, 8)), alternatives=0,
                   fairness_tolerance=draw(st.sampled_from([0.0, 0.02, 0.1, 0.5])))


def _plans(case: Problem, within: set[int] | None = None) -> list[list[int]]:
    """Every valid plan (positions), over the slots ``within`` when given."""
    allowed = eligible(case)
    positions = sorted(within) if within is not None else range(len(case.slots))
    return [list(combo) for combo in itertools.combinations(positions, case.meetings)
            if not violations(case, [case.slots[s].id for s in combo], allowed=allowed)]


def _sums(case: Problem, plan: list[int]) -> np.ndarray:
    return case.scaled[:, plan].sum(axis=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gap_rules_only(), st.integers(0, 3))
def test_the_total_bound_is_never_below_the_best_total_that_keeps_the_floor(case, lower):
    useful = useful_slots(case, eligible(case))
    plans = _plans(case)
    if not plans:
        return
    best_worst = max(int(_sums(case, p).min()) for p in plans)
    # the first stage's value found may lie below T*: any floor up to T* - τ must hold
    floor = best_worst - case.tolerance_scaled - lower * 1000
    start = max(_plans(case, set(useful.tolist())), key=lambda p: int(_sums(case, p).min()))
    assert int(_sums(case, start).min()) == best_worst  # dominance kept an optimal plan
    best_total = max(int(_sums(case, p).sum()) for p in plans if _sums(case, p).min() >= floor)
    bound = total_bound(case, useful, floor, start)
    assert bound >= best_total
    if floor <= 0:  # nothing to keep: the bound is the best total under the gap rules
        assert bound == max(int(_sums(case, p).sum()) for p in plans)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gap_rules_only())
def test_the_first_stage_bound_holds_and_is_exact_for_one_party(case):
    plans = _plans(case)
    useful = useful_slots(case, eligible(case))
    generation = ColumnGeneration(case, useful, lambda plan: True, objective_key(case))
    bounds = []
    for _ in range(4):  # resumed a few rounds at a time, the bound only tightens
        generation.run(rounds=2)
        bounds.append(generation.bound())
    assert bounds == sorted(bounds, reverse=True)
    if not plans:
        return
    best = max(int(_sums(case, p).min()) for p in plans)
    assert bounds[-1] >= best
    if len(case.parties) == 1:  # one party: the weighted sum is the party, the DP exact
        assert relax(case, useful, lambda plan: True, objective_key(case)).upper == best


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gap_rules_only(parties=(1, 8)))
def test_the_benchmark_enumeration_finds_the_brute_force_optimum(case):
    plans = _plans(case)
    found = exact_worst_off(case)
    if not plans:
        assert found == -1
        return
    best = max(int(_sums(case, p).min()) for p in plans)
    assert found == best
    assert exact_worst_off(case, lower=best - 1) == best
    assert exact_worst_off(case, lower=best) == best  # nothing beats it: the lower stays


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gap_rules_only(parties=(2, 7)), st.integers(1, 3))
def test_the_benchmark_bound_from_the_worst_off_parties_alone_holds(case, rows):
    plans = _plans(case)
    if not plans:
        return
    first = plans[0]
    value, proven = fewest_rows_bound(case, first, rows, seconds=10)
    assert proven
    best = max(int(_sums(case, p).min()) for p in plans)
    assert round(value * 10_000) >= best
    weakest = np.argsort(_sums(case, first), kind="stable")[:rows]
    assert round(value * 10_000) == max(int(_sums(case, p)[weakest].min()) for p in plans)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gap_rules_only(parties=(2, 7)))
def test_the_many_party_search_reports_bounds_that_hold(case):
    plans = _plans(case)
    useful = useful_slots(case, eligible(case))

    def valid(plan: list[int]) -> bool:
        return not violations(case, [case.slots[s].id for s in plan])

    start = initial_plan(case, useful, valid, improve=False)
    if start is None:
        return
    found = search_stages(case, useful, start, valid, time.perf_counter() + 1.0, fruitless=1)
    assert found is not None and valid(found.chosen)
    best = max(int(_sums(case, p).min()) for p in plans)
    assert found.worst <= best <= found.worst_bound
    floor = found.worst - case.tolerance_scaled  # what the second stage kept
    assert _sums(case, found.chosen).min() >= floor
    best_total = max(int(_sums(case, p).sum()) for p in plans if _sums(case, p).min() >= floor)
    assert found.total_bound is not None and found.total_bound >= best_total
