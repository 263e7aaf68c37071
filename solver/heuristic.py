"""A good plan found fast, to hint the solver and bound its first stage.

Over the reduced slots: a dynamic programme picks the k days with the best total
(the attendance objective with the gap rules alone), then a local search swaps single
meetings while that improves the plan in the problem's own objective order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from .problem import Problem

__all__ = ["best_total", "initial_plan", "objective_key"]

Plan = list[int]


def objective_key(problem: Problem) -> Callable[[Plan], tuple[int, ...]]:
    """The lexicographic objective of a plan in scaled integers (higher is better)."""
    scaled = problem.scaled
    totals = scaled.sum(axis=0)
    preference = np.array([s.preference for s in problem.slots], dtype=np.int64)

    def key(plan: Plan) -> tuple[int, ...]:
        per_party = scaled[:, plan].sum(axis=1)
        worst = int(per_party.min()) if per_party.size else 0
        total = int(totals[plan].sum())
        tail = (int(preference[plan].sum()), -sum(plan))
        return (worst, total, *tail) if problem.objective == "fair" else (total, *tail)

    return key


def _best_total_by_dp(problem: Problem, useful: npt.NDArray[np.int64]) -> Plan | None:
    """k slots on distinct days at least min_gap apart with the largest total."""
    k, gap = problem.meetings, max(1, problem.min_gap_days)
    totals = problem.scaled.sum(axis=0)
    days = problem.days[useful]
    unique_days, first = np.unique(days, return_index=True)
    best_slot: list[int] = []
    for start, stop in zip(first, [*first[1:], len(useful)], strict=True):
        chunk = useful[start:stop]
        best_slot.append(int(chunk[np.argmax(totals[chunk])]))
    value = np.array([totals[s] for s in best_slot], dtype=np.int64)
    n = len(unique_days)
    if n < k:
        return None
    # previous[i]: the last day index j < i with day[j] <= day[i] - gap, or -1
    previous = np.searchsorted(unique_days, unique_days - gap, side="right") - 1
    neg = np.iinfo(np.int64).min // 4
    score = np.full((k + 1, n), neg, dtype=np.int64)  # best with j meetings, last on day <= i
    take = np.zeros((k + 1, n), dtype=bool)
    score[0, :] = 0
    for j in range(1, k + 1):
        for i in range(n):
            skip = score[j, i - 1] if i else neg
            before = score[j - 1, previous[i]] if previous[i] >= 0 else (0 if j == 1 else neg)
            with_i = before + value[i] if before > neg else neg
            if with_i > skip:
                score[j, i], take[j, i] = with_i, True
            else:
                score[j, i] = skip
    if score[k, n - 1] <= neg:
        return None
    plan: Plan = []
    j, i = k, n - 1
    while j > 0 and i >= 0:
        if take[j, i]:
            plan.append(best_slot[i])
            i, j = previous[i], j - 1
        else:
            i -= 1
    return sorted(plan)


def _improve(problem: Problem, plan: Plan, useful: npt.NDArray[np.int64],
             valid: Callable[[Plan], bool], rounds: int = 50) -> Plan:
    """Swap one meeting at a time for the best valid replacement while it helps."""
    key = objective_key(problem)
    scaled = problem.scaled[:, useful]
    totals = scaled.sum(axis=0)
    best = key(plan)
    for _ in range(rounds):
        improved = False
        for position in range(len(plan)):
            rest = plan[:position] + plan[position + 1 :]
            base = problem.scaled[:, rest].sum(axis=1)
            worst = (base[:, None] + scaled).min(axis=0)
            total = totals + int(problem.scaled[:, rest].sum())
            order = np.lexsort((total, worst))[::-1] if problem.objective == "fair" \
                else np.argsort(total, kind="stable")[::-1]
            for candidate in useful[order].tolist():
                trial = sorted([*rest, candidate])
                score = key(trial)
                if score <= best:
                    break
                if candidate not in rest and valid(trial):
                    plan, best, improved = trial, score, True
                    break
        if not improved:
            break
    return plan


def initial_plan(problem: Problem, useful: npt.NDArray[np.int64],
                 valid: Callable[[Plan], bool], improve: bool = True) -> Plan | None:
    """A valid plan to start from, or None when the quick methods find none.

    ``improve``: polish it by single swaps (left to ``neighbourhood`` on large problems).
    """
    plan = _best_total_by_dp(problem, useful)
    if plan is None or not valid(plan):
        return None
    return _improve(problem, plan, useful, valid) if improve else plan


def best_total(problem: Problem, useful: npt.NDArray[np.int64]) -> int | None:
    """An upper bound on any plan's total (scaled): the best total under the gap rules alone."""
    plan = _best_total_by_dp(problem, useful)
    return None if plan is None else int(problem.scaled[:, plan].sum())
