"""Weights over parties that make the max-min problem easy to bound and to solve well.

For weights ``w`` on the simplex, every plan's worst-off party gets at most the
``w``-weighted sum of all parties, and the best plan for that weighted sum (gap rules
alone) is a dynamic programme. The best weights are those of the max-min stage's LP
dual; they are found by column generation: a small master LP over the plans found so far
(GLOP) proposes weights, the programme prices them (a new plan, and an upper bound), and
the weights are smoothed towards the best ones so far (Wentges stabilisation) until the
master and the bound meet. Each plan that obeys every rule is a candidate, and the best
weights give a row that prunes slots no optimal plan can use (see ``reduce.bound_prune``).

The same machinery bounds the second stage (``total_bound``): for multipliers ``m >= 0``
on the parties, every plan that gives each party at least ``floor`` has a total of at
most ``max over plans of (total + m . sums) - floor * sum(m)``.

Why the bounds are proven: each is the value of an exact dynamic programme over every
choice of ``k`` useful slots on days at least the minimum gap apart (the other rules
dropped, which can only raise it; the slots left out are dominated on their day, and an
optimal plan never needs them: ``reduce.useful_slots``), for a weighting that is at least
the objective on every plan that qualifies (weights summing to one: the worst-off party
gets at most their average; multipliers ``m >= 0``: ``m . (sums - floor) >= 0`` on such
plans). It is evaluated in 64-bit floats and rounded down only after a margin far above
their error. The column generation only chooses the weights: any give a valid bound, and
better ones a tighter one: at best the LP bound, which mixes plans, and which the best
single plan may lie well below when there are many parties (see ``many_parties``).
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

__all__ = ["ColumnGeneration", "Relaxation", "best_plan", "relax", "total_bound"]

_SMOOTHING = 0.9  # weight of the best weights so far in the priced weights
_CLOSE = 2e-4  # stop when the master and the bound are this close (relative)
_MARGIN = 1e-9  # relative: floating sums may round a little either way


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
    """min z - floor * sum(m) over multipliers m >= 0 with z >= c_j + m . v_j for every
    plan j (party sums v_j, constant c_j); ``simplex``: sum(m) = 1 (the max-min stage)."""

    def __init__(self, parties: int, simplex: bool, floor: float = 0.0,
                 cap: float = 1.0) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        # each solve adds one row: the dual simplex starts from the last basis
        self.lp.SetSolverSpecificParametersAsString("use_dual_simplex: true")
        infinity = self.lp.infinity()
        self.z = self.lp.NumVar(-infinity, infinity, "z")
        self.w = [self.lp.NumVar(0.0, cap, f"w{p}") for p in range(parties)]
        objective = self.lp.Objective()
        objective.SetCoefficient(self.z, 1.0)
        if simplex:
            total = self.lp.Constraint(1.0, 1.0)
            for var in self.w:
                total.SetCoefficient(var, 1.0)
        else:
            for var in self.w:
                objective.SetCoefficient(var, -floor)
        objective.SetMinimization()

    def add(self, sums: npt.NDArray[np.float64], constant: float = 0.0) -> None:
        """One plan's party sums as a cut."""
        row = self.lp.Constraint(constant, self.lp.infinity())
        row.SetCoefficient(self.z, 1.0)
        for var, value in zip(self.w, sums.tolist(), strict=True):
            if value:
                row.SetCoefficient(var, -value)

    def weights(self) -> tuple[float, npt.NDArray[np.float64]] | None:
        """The master's value and multipliers, or None when GLOP does not solve it."""
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        weights = np.maximum(np.array([var.solution_value() for var in self.w]), 0.0)
        return self.lp.Objective().Value(), weights


class ColumnGeneration:
    """The column generation of one stage, resumable: ``run`` as often as time allows.

    ``floor`` None: the max-min stage (weights on the simplex). Otherwise the total's
    stage over plans that give every party at least ``floor`` (scaled); ``start`` must
    then be such a plan (it keeps the master bounded).
    """

    def __init__(self, problem: Problem, useful: npt.NDArray[np.int64],
                 valid: Callable[[list[int]], bool], key: Callable[[list[int]], tuple[int, ...]],
                 floor: int | None = None, start: list[int] | None = None) -> None:
        self.problem, self.useful, self.valid, self.key = problem, useful, valid, key
        self.floor = floor
        self.values = np.ascontiguousarray(problem.scaled[:, useful], dtype=np.float64)
        self.totals = self.values.sum(axis=0)
        parties = self.values.shape[0]
        self.local = np.arange(useful.size, dtype=np.int64)
        self.days = problem.days[useful]
        self.k, self.gap = problem.meetings, max(1, problem.min_gap_days)
        # multipliers are capped only to keep the master bounded: any give a valid bound
        if floor is None:
            self.master = _Master(parties, simplex=True)
            self.centre = np.full(parties, 1.0 / parties)
        else:
            self.master = _Master(parties, simplex=False, floor=float(floor), cap=float(parties))
            self.centre = np.zeros(parties)
        self.weights = self.centre
        self.upper = math.inf
        self.plan: list[int] | None = None
        self.plans: list[list[int]] = []
        self.seen: set[tuple[int, ...]] = set()
        self.done = False
        where = {int(s): i for i, s in enumerate(useful.tolist())}
        if start is not None and all(s in where for s in start):
            self._add(sorted(where[s] for s in start))

    def _price(self, weights: npt.NDArray[np.float64]) -> tuple[float, list[int]]:
        row = weights @ self.values
        if self.floor is None:
            return best_plan(row, self.days, self.local, self.k, self.gap)
        value, plan = best_plan(row + self.totals, self.days, self.local, self.k, self.gap)
        return value - self.floor * float(weights.sum()), plan

    def _add(self, local_plan: list[int]) -> None:
        if tuple(local_plan) in self.seen:
            return
        self.seen.add(tuple(local_plan))
        plan = [int(self.useful[i]) for i in local_plan]
        self.plans.append(plan)
        if self.valid(plan) and (self.plan is None or self.key(plan) > self.key(self.plan)):
            self.plan = plan
        sums = self.values[:, local_plan].sum(axis=1)
        self.master.add(sums, 0.0 if self.floor is None else float(self.totals[local_plan].sum()))

    def run(self, seconds: float = math.inf, rounds: int = 400) -> None:
        """Price and solve the master for up to ``seconds`` or ``rounds`` more rounds."""
        stop_at = time.perf_counter() + seconds
        for _ in range(rounds):
            if self.done:
                return
            upper, local_plan = self._price(self.weights)
            if not local_plan:
                self.done = True
                return
            if upper < self.upper:
                self.upper, self.centre = upper, self.weights
            self._add(local_plan)
            solved = self.master.weights()
            if solved is None:
                self.done = True
                return
            value, found = solved
            if self.floor is None:
                found = found / found.sum() if found.sum() > 0 else self.centre
            if self.upper - value <= max(1.0, _CLOSE * abs(self.upper)):
                self.done = True
                return
            self.weights = _SMOOTHING * self.centre + (1 - _SMOOTHING) * found
            if time.perf_counter() > stop_at:
                return

    def bound(self) -> int:
        """The proven bound of the best multipliers so far (scaled, rounded down)."""
        if not math.isfinite(self.upper):
            return 0
        return math.floor(self.upper + _MARGIN * abs(self.upper) + 1e-6)

    def result(self) -> Relaxation:
        """The max-min stage's relaxation: the best plan, row, bound and weights so far."""
        scaled = self.problem.scaled.astype(np.float64)
        row = np.ceil(self.centre @ scaled).astype(np.int64)
        return Relaxation(self.plan, row, self.bound(), self.centre, tuple(self.plans))


def relax(problem: Problem, useful: npt.NDArray[np.int64], valid: Callable[[list[int]], bool],
          key: Callable[[list[int]], tuple[int, ...]], rounds: int = 400,
          seconds: float = math.inf) -> Relaxation:
    """Column generation over party weights; the best valid plan and the tightest row.

    Stops when the bound is within ``_CLOSE`` of the master's value (the LP bound is
    reached), after ``rounds`` prices, or after ``seconds``.
    """
    generation = ColumnGeneration(problem, useful, valid, key)
    generation.run(seconds, rounds)
    return generation.result()


def total_bound(problem: Problem, useful: npt.NDArray[np.int64], floor: int,
                start: list[int], seconds: float = math.inf, rounds: int = 400) -> int:
    """A proven upper bound (scaled) on the total of any plan over ``useful`` that gives
    every party at least ``floor``; ``start`` is such a plan.

    Used for the second stage with ``floor`` = the worst-off party's best value found
    minus the tolerance, which is at most T* − τ, so the bound holds for the stage's
    optimum too.
    """
    def key(plan: list[int]) -> tuple[int, ...]:
        return (0,)

    generation = ColumnGeneration(problem, useful, lambda plan: False, key, floor=floor,
                                  start=start)
    generation.run(seconds, rounds)
    return generation.bound()
