"""The worst-off party's exact optimum on instances small enough to enumerate.

A reference for the solver's benchmark: with many parties and few meetings it shows how
far the solver's proven bound (the LP bound of ``solver.lagrange``) lies above the true
optimum, and how far the solver's plan lies below it.

Every plan of ``k`` slots on days at least the minimum gap apart is considered, in order
of days, by depth-first search: a partial plan is dropped when some party cannot reach
more than the best value known even if it got its own best remaining meetings
(``reduce._best_picks``); the last two meetings are enumerated together, for the weakest
parties first, keeping only the pairs that beat the best value. Only the gap rules are
supported (no maximum gap, periods, fixed meetings or quorum threshold).

``fewest_rows_bound`` is the other reference: the exact optimum over only the parties a
plan leaves worst off, which no plan for all the parties can exceed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from solver import SCALE, Problem, eligible
from solver.model import build_model
from solver.reduce import _best_picks, useful_slots

_CHUNK = 8  # parties filtered at a time over the last two meetings


def exact_worst_off(problem: Problem, lower: int = -1) -> int:
    """The best worst-off party's expected meetings (scaled) over every valid plan, or
    ``lower`` when no plan exceeds it (a plan's value known beforehand speeds it up)."""
    if problem.max_gap_days is not None or problem.periods or problem.fixed \
            or problem.min_quorum_probability is not None:
        raise ValueError("only the gap rules are enumerated")
    useful = useful_slots(problem, eligible(problem))  # exact: dominated slots never needed
    values = problem.scaled[:, useful].astype(np.int32)
    days = problem.days[useful]
    gap = max(1, problem.min_gap_days)
    k = problem.meetings
    unique_days, day_index = np.unique(days, return_inverse=True)
    per_day = np.full((values.shape[0], unique_days.size), np.iinfo(np.int64).min // 4,
                      dtype=np.int64)
    np.maximum.at(per_day.T, day_index, values.T)
    _, suffix = _best_picks(per_day, unique_days, k, gap)  # suffix[j][:, i]: j picks, days i..
    search = _Search(values, days, unique_days, suffix, gap, lower)
    search.extend(np.zeros(values.shape[0], dtype=np.int64), -(10**9), k)
    return search.best


class _Search:
    def __init__(self, values: npt.NDArray[np.int32], days: npt.NDArray[np.int64],
                 unique_days: npt.NDArray[np.int64], suffix: list[npt.NDArray[np.int64]],
                 gap: int, lower: int) -> None:
        self.values, self.days, self.unique_days = values, days, unique_days
        self.suffix, self.gap, self.best = suffix, gap, lower
        self.weak = np.argsort(values.mean(axis=1), kind="stable")

    def extend(self, sums: npt.NDArray[np.int64], last_day: int, left: int) -> None:
        """Every completion of a partial plan (party ``sums``) with ``left`` meetings."""
        candidates = np.flatnonzero(self.days >= last_day + self.gap)
        if candidates.size == 0:
            return
        if left == 1:
            self.best = max(self.best, int((sums[:, None] + self.values[:, candidates])
                                           .min(axis=0).max()))
            return
        if left == 2:
            self._pairs(sums, candidates)
            return
        following = np.searchsorted(self.unique_days, self.days[candidates] + self.gap)
        rest = self.suffix[left - 1]
        bound = (sums[:, None] + self.values[:, candidates] + rest[:, following]).min(axis=0)
        for position in np.flatnonzero(bound > self.best).tolist():
            if bound[position] > self.best:  # the best may have risen meanwhile
                slot = int(candidates[position])
                self.extend(sums + self.values[:, slot], int(self.days[slot]), left - 1)

    def _pairs(self, sums: npt.NDArray[np.int64], firsts: npt.NDArray[np.int64]) -> None:
        seconds = np.flatnonzero(self.days >= self.days[firsts[0]] + self.gap)
        if seconds.size == 0:
            return
        alive = (self.days[seconds][None, :] - self.days[firsts][:, None]) >= self.gap
        for start in range(0, self.weak.size, _CHUNK):
            rows = self.weak[start:start + _CHUNK]
            reach = (sums[rows][:, None, None] + self.values[rows][:, firsts][:, :, None]
                     + self.values[rows][:, seconds][:, None, :]).min(axis=0)
            alive &= reach > self.best
            if not alive.any():
                return
        first, second = np.nonzero(alive)
        reach_all = (sums[:, None] + self.values[:, firsts[first]]
                     + self.values[:, seconds[second]]).min(axis=0)
        self.best = max(self.best, int(reach_all.max()))


def fewest_rows_bound(problem: Problem, plan: Sequence[int], parties: int,
                      seconds: float) -> tuple[float, bool]:
    """The best worst-off value over only the ``parties`` that ``plan`` leaves worst off
    (CP-SAT over the slots no other slot of its day beats for them), and whether it is
    proven; with fewer parties no plan does worse, so it bounds the whole problem."""
    sums = problem.scaled[:, list(plan)].sum(axis=1)
    rows = [int(p) for p in np.argsort(sums, kind="stable")[:parties]]
    fewer = dataclasses.replace(problem, presence=problem.presence[rows],
                                parties=tuple(problem.parties[p] for p in rows))
    useful = useful_slots(fewer, eligible(fewer))
    made = build_model(fewer, useful)
    worst = made.model.new_int_var(0, problem.meetings * SCALE, "worst")
    for row in fewer.scaled[:, useful]:
        made.model.add(worst <= cp_model.LinearExpr.weighted_sum(made.x, row.tolist()))
    made.model.maximize(worst)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = problem.workers
    status = solver.solve(made.model)
    return solver.best_objective_bound / SCALE, status == cp_model.OPTIMAL
