"""The stages of a fair problem with many parties: local search bounded by column generation.

CP-SAT neither proves nor improves such problems in the time limit (its presolve alone
outlasts it). Here the first stage (the worst-off party) is bounded by column generation
(``lagrange.ColumnGeneration``) for a share of the time, which also gives a start plan;
then it is searched by iterated local search (``neighbourhood.raise_worst``), restarted
from the best plan with a new seed until ``fruitless`` searches in a row find nothing
better; the time the search leaves goes back to the column generation, which resumes where
it stopped. The second stage (the total, with the worst-off party held within τ of the
first stage's value) takes the best single relocations (``neighbourhood.raise_total``)
and is bounded by the same column generation with multipliers on the parties
(``lagrange.total_bound``).

Both bounds are proven (see ``lagrange``). The first stage's bound is the LP bound at
best: it lets plans be mixed, and with many parties the best single plan may lie far
below it (on instances small enough to enumerate, 20 to 50 % below with 100 to 300
parties and 2 to 4 meetings, while the local search found the optimum), so a gap between
the plan and the bound is not by itself a sign that a better plan exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .heuristic import objective_key
from .lagrange import ColumnGeneration, total_bound
from .neighbourhood import raise_total, raise_worst
from .problem import SCALE, Problem
from .progress import Reporter

__all__ = ["Searched", "search_stages"]

_RELAX_SHARE = 0.3  # of the time, for the bound before the local search starts
_TOTAL_SHARE = 0.1  # of the time left, for the second stage
_ROUNDS = 2000  # prices of the bound's column generation, at most, each time it runs
_BOUND_SHARE = 0.3  # of the second stage's time, at most, for its bound


@dataclass(frozen=True)
class Searched:
    """The plan found, the first stage's value and bound, the total's bound (all scaled)."""

    chosen: list[int]
    worst: int  # the worst-off party's best value found by the first stage
    worst_bound: int  # no plan's worst-off party exceeds this
    total_bound: int | None  # no plan within τ of T* has a larger total (None: not bounded)


def search_stages(problem: Problem, useful: npt.NDArray[np.int64], start_plan: list[int],
                  valid: Callable[[list[int]], bool], deadline: float, *,
                  fruitless: int = 6, report: Reporter | None = None) -> Searched | None:
    """Both stages of a fair problem over ``useful`` from the valid ``start_plan``.

    ``fruitless``: local searches in a row that find nothing better, after which the
    search stops. None when the gap rules alone leave no plan (then CP-SAT decides).
    """
    key = objective_key(problem)
    generation = ColumnGeneration(problem, useful, valid, key)
    generation.run(_RELAX_SHARE * (deadline - time.perf_counter()), rounds=_ROUNDS)
    if not generation.plans:
        return None
    chosen = start_plan
    if generation.plan is not None and key(generation.plan) > key(chosen):
        chosen = generation.plan
    share = (1 - _TOTAL_SHARE) * (deadline - time.perf_counter())
    until, seed, missed = time.perf_counter() + share, 0, 0
    while time.perf_counter() < until and key(chosen)[0] < generation.bound() \
            and missed < fruitless:
        found = raise_worst(problem, useful, chosen, valid, until, seed=seed)
        missed = 0 if key(found) > key(chosen) else missed + 1
        chosen, seed = max(chosen, found, key=key), seed + 1
        if report is not None:
            report.update(bound=generation.bound() / SCALE, best=key(chosen)[0] / SCALE)
    if key(chosen)[0] < generation.bound():  # the search has stopped: the rest for the bound
        generation.run(until - time.perf_counter(), rounds=_ROUNDS)
    worst = key(chosen)[0]
    floor = worst - problem.tolerance_scaled
    left = deadline - time.perf_counter()
    upper = total_bound(problem, useful, floor, chosen, seconds=_BOUND_SHARE * left)
    chosen = raise_total(problem, useful, chosen, floor, valid, deadline)
    return Searched(chosen, worst, generation.bound(), upper)
