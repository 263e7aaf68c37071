"""Weights over parties that make the max-min problem easy to bound and to solve well.

For weights ``w`` on the simplex, every plan's worst-off party gets at most the
``w``-weighted sum of all parties, and the best plan for that weighted sum (gap rules
alone) is a dynamic programme. The best weights are those of the max-min stage's LP
dual; they are found by column generation: a small master LP over the plans found so far
(GLOP) proposes weights, the programme prices them (a new plan, and an upper bound), and
the weights are smoothed towards the best ones so far (Wentges stabilisation) until the
master and the bound meet. Each plan that obeys every rule is a candidate, and the best
weights give a row that prunes slots no optimal plan can use (see ``reduce.bound_prune``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp

from .problem import Problem

__all__ = ["Relaxation", "best_plan", "relax"]

_SMOOTHING = 0.9  # weight of the best weights so far in the priced weights
_CLOSE = 2e-4  # stop when the master and the bound are this close (relative)


@dataclass(frozen=True)
class Relaxation:
    """The best plan found, the weighted row of the best bound, and that bound."""

    plan: list[int] | None
    row: npt.NDArray[np.int64]  # ceil of the weighted presence per slot (scaled)
    upper: int  # no plan's worst-off party (scaled) exceeds this
    weights: npt.NDArray[np.float64]  # the party weights of that row
    plans: tuple[list[int], ...] = ()  # every plan the programme found, in order


def best_plan(values: npt.NDArray[np.float64], days: npt.NDArray[np.int64],
              useful: npt.NDArray[np.int64], k: int, gap: int) -> tuple[float, list[int]]:
    """The k useful slots, on days ``gap`` apart, with the largest sum of ``values``.

    Returns minus infinity and no plan when no k days are far enough apart.
    """
    if useful.size == 0:
        return -math.inf, []
    slot_days = days[useful]
    unique_days, starts = np.unique(slot_days, return_index=True)
    useful_values = values[useful]
    day_value = np.maximum.reduceat(useful_values, starts)
    # the first slot of each day that reaches the day's best value
    hits = np.flatnonzero(useful_values == np.repeat(day_value, np.diff(np.append(
        starts, len(useful)))))
    best = useful[hits[np.searchsorted(hits, starts)]]
    n = len(unique_days)
    before = np.searchsorted(unique_days, unique_days - gap, side="right")  # days <= d - gap
    layers = [np.zeros(n + 1)]  # layers[j][i]: best j picks among the first i days
    for _ in range(k):
        take = layers[-1][before] + day_value
        new = np.empty(n + 1)
        new[0] = -math.inf
        new[1:] = np.maximum.accumulate(take)
        layers.append(new)
    value = float(layers[k][n])
    if not math.isfinite(value):
        return -math.inf, []
    plan: list[int] = []
    i = n
    for j in range(k, 0, -1):
        take = layers[j - 1][before[:i]] + day_value[:i]
        day = int(np.argmax(take))
        plan.append(int(best[day]))
        i = int(before[day])
    return value, sorted(plan)


class _Master:
    """min z over weights w on the simplex with z >= w . v for every plan's party sums v."""

    def __init__(self, parties: int) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        # each solve adds one row: the dual simplex starts from the last basis
        self.lp.SetSolverSpecificParametersAsString("use_dual_simplex: true")
        infinity = self.lp.infinity()
        self.z = self.lp.NumVar(-infinity, infinity, "z")
        self.w = [self.lp.NumVar(0.0, 1.0, f"w{p}") for p in range(parties)]
        simplex = self.lp.Constraint(1.0, 1.0)
        for var in self.w:
            simplex.SetCoefficient(var, 1.0)
        self.lp.Minimize(self.z)

    def add(self, sums: npt.NDArray[np.float64]) -> None:
        """One plan's party sums as a cut."""
        row = self.lp.Constraint(0.0, self.lp.infinity())
        row.SetCoefficient(self.z, 1.0)
        for var, value in zip(self.w, sums.tolist(), strict=True):
            if value:
                row.SetCoefficient(var, -value)

    def weights(self) -> tuple[float, npt.NDArray[np.float64]] | None:
        """The master's value and weights, or None when GLOP does not solve it."""
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        weights = np.maximum(np.array([var.solution_value() for var in self.w]), 0.0)
        if weights.sum() <= 0:
            return None
        return float(self.z.solution_value()), weights / weights.sum()


def relax(problem: Problem, useful: npt.NDArray[np.int64], valid: Callable[[list[int]], bool],
          key: Callable[[list[int]], tuple[int, ...]], rounds: int = 400,
          seconds: float = math.inf) -> Relaxation:
    """Column generation over party weights; the best valid plan and the tightest row.

    Stops when the bound is within ``_CLOSE`` of the master's value (the LP bound is
    reached), after ``rounds`` prices, or after ``seconds``.
    """
    stop_at = time.perf_counter() + seconds
    scaled = problem.scaled.astype(np.float64)
    parties = scaled.shape[0]
    k, gap = problem.meetings, max(1, problem.min_gap_days)
    master = _Master(parties)
    centre = np.full(parties, 1.0 / parties)  # the weights of the best bound so far
    weights = centre
    best_plan_: list[int] | None = None
    best_upper = math.inf
    best_row = np.ceil(centre @ scaled).astype(np.int64)
    plans: list[list[int]] = []
    seen: set[tuple[int, ...]] = set()
    for _ in range(rounds):
        row = weights @ scaled
        upper, plan = best_plan(row, problem.days, useful, k, gap)
        if not plan:
            break
        if upper < best_upper:
            best_upper, best_row, centre = upper, np.ceil(row).astype(np.int64), weights
        if tuple(plan) not in seen:
            seen.add(tuple(plan))
            plans.append(plan)
            if valid(plan) and (best_plan_ is None or key(plan) > key(best_plan_)):
                best_plan_ = plan
            master.add(scaled[:, plan].sum(axis=1))
        solved = master.weights()
        if solved is None or time.perf_counter() > stop_at:
            break
        value, found = solved
        if best_upper - value <= max(1.0, _CLOSE * abs(best_upper)):
            break
        weights = _SMOOTHING * centre + (1 - _SMOOTHING) * found
    # floating sums may round down a little: keep the bound on the safe side
    upper = math.floor(best_upper * (1 + 1e-9) + 1e-6) if math.isfinite(best_upper) else 0
    return Relaxation(best_plan_, best_row, upper, centre, tuple(plans))
