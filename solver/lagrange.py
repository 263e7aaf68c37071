"""Weights over parties that make the max-min problem easy to bound and to solve well.

For weights ``w`` on the simplex, every plan's worst-off party gets at most the
``w``-weighted sum of all parties, and the best plan for that weighted sum (gap rules
alone) is a dynamic programme. Mirror descent on ``w`` shifts weight to the parties the
current plan serves worst: each step yields a candidate plan (a lower bound when it
obeys every rule) and an upper bound (the programme's value), and the best weights
give a row that prunes slots no optimal plan can use (see ``reduce.bound_prune``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .problem import SCALE, Problem

__all__ = ["Relaxation", "relax"]

_STEP = 2.0  # mirror-descent step per expected meeting of difference


@dataclass(frozen=True)
class Relaxation:
    """The best plan found, the weighted row of the best bound, and that bound."""

    plan: list[int] | None
    row: npt.NDArray[np.int64]  # ceil of the weighted presence per slot (scaled)
    upper: int
    weights: npt.NDArray[np.float64]  # the party weights of that row


def _best_plan(values: npt.NDArray[np.float64], days: npt.NDArray[np.int64],
               useful: npt.NDArray[np.int64], k: int, gap: int) -> tuple[float, list[int]]:
    """The k useful slots, on days ``gap`` apart, with the largest sum of ``values``."""
    slot_days = days[useful]
    unique_days, starts = np.unique(slot_days, return_index=True)
    stops = np.append(starts[1:], len(useful))
    best = np.array([useful[a + int(np.argmax(values[useful[a:b]]))]
                     for a, b in zip(starts, stops, strict=True)])
    value = values[best]
    n = len(unique_days)
    previous = np.searchsorted(unique_days, unique_days - gap, side="right") - 1
    score = np.zeros(n + 1)  # j = 0: nothing chosen
    layers = []
    for _ in range(k):
        new = np.full(n + 1, -np.inf)
        took = np.zeros(n, dtype=bool)
        for i in range(n):
            take = score[previous[i] + 1] + value[i]
            if take > new[i]:
                new[i + 1], took[i] = take, True
            else:
                new[i + 1] = new[i]
        layers.append(took)
        score = new
    if not np.isfinite(score[n]):
        return -math.inf, []
    plan: list[int] = []
    i = n - 1
    for took in reversed(layers):
        while i >= 0 and not took[i]:
            i -= 1
        plan.append(int(best[i]))
        i = previous[i]
    return float(score[n]), sorted(plan)


def relax(problem: Problem, useful: npt.NDArray[np.int64], valid: Callable[[list[int]], bool],
          key: Callable[[list[int]], tuple[int, ...]], rounds: int = 60) -> Relaxation:
    """Mirror descent over party weights; the best valid plan and the tightest row."""
    scaled = problem.scaled.astype(np.float64)
    parties = scaled.shape[0]
    k, gap = problem.meetings, max(1, problem.min_gap_days)
    weights = np.full(parties, 1.0 / parties)
    best_plan: list[int] | None = None
    best_upper = math.inf
    best_row = np.ceil(weights @ scaled).astype(np.int64)
    best_weights = weights
    log_weights = np.zeros(parties)
    for round_ in range(rounds):
        row = weights @ scaled
        upper, plan = _best_plan(row, problem.days, useful, k, gap)
        if not plan:
            break
        if upper < best_upper:
            best_upper, best_row, best_weights = upper, np.ceil(row).astype(np.int64), weights
        if valid(plan) and (best_plan is None or key(plan) > key(best_plan)):
            best_plan = plan
        sums = scaled[:, plan].sum(axis=1) / SCALE  # expected meetings per party
        log_weights -= _STEP * (sums - sums.mean()) / math.sqrt(round_ + 1)
        log_weights -= log_weights.max()
        weights = np.exp(log_weights)
        weights /= weights.sum()
    upper = math.ceil(best_upper) if math.isfinite(best_upper) else 0
    return Relaxation(best_plan, best_row, upper, best_weights)
