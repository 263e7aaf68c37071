"""The solver on thirteen parties (realistic and noise), at scale, growth, and against greedy.

``--quick``: without the many-party rows; ``--scale``: those rows alone (solver_scale.json).
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
from typing import Any

import numpy as np

from solver import SCALE, Problem, Solution, eligible, solve
from solver.lagrange import total_bound
from solver.neighbourhood import raise_worst
from solver.reduce import useful_slots

from .common import median_seconds, report
from .solver_exact import exact_worst_off, fewest_rows_bound
from .solver_instances import instance


def greedy(problem: Problem) -> list[int]:
    """What a person would pick: the best-attended slot in each of k equal periods,
    at least the minimum gap after the previous pick."""
    totals = problem.presence.sum(axis=0)
    days = problem.days
    first, last = int(days.min()), int(days.max()) + 1
    edges = np.linspace(first, last, problem.meetings + 1)
    chosen: list[int] = []
    for lo, hi in itertools.pairwise(edges):
        ok = (days >= lo) & (days < hi)
        if chosen:
            ok &= days >= days[chosen[-1]] + max(1, problem.min_gap_days)
        if ok.any():
            candidates = np.flatnonzero(ok)
            chosen.append(int(candidates[np.argmax(totals[candidates])]))
    return chosen


def _versus_greedy(problem: Problem) -> dict[str, Any]:
    picked = greedy(problem)
    per_party = problem.presence[:, picked].sum(axis=1)
    found = solve(problem)
    return {
        "greedy_total": round(float(per_party.sum()), 3),
        "greedy_worst": round(float(per_party.min()), 3),
        "greedy_meetings": len(picked),
        "optimiser_total": round(found.total_expected, 3),
        "optimiser_worst": round(found.worst_party_expected, 3),
        "optimiser_status": found.status,
        "gain_total": round(found.total_expected - float(per_party.sum()), 3),
        "gain_worst": round(found.worst_party_expected - float(per_party.min()), 3),
    }


def _percent(bound: float, value: float) -> float:
    return round((bound - value) / bound * 100, 3)


def _second_stage(problem: Problem, found: Solution) -> dict[str, Any]:
    """The total against a proven bound on the second stage's optimum, where the first
    stage was not proven: ``lagrange.total_bound`` over plans that keep every party at the
    first stage's value minus τ (at most T* − τ), computed after the solve."""
    if found.worst_optimum is None or found.status == "optimal" or not found.chosen:
        return {}
    useful = useful_slots(problem, eligible(problem))
    chosen = [problem.index[c] for c in found.chosen]
    if not set(chosen) <= set(useful.tolist()):
        return {}
    floor = round(found.worst_optimum * SCALE) - problem.tolerance_scaled
    started = time.perf_counter()
    upper = total_bound(problem, useful, floor, chosen, seconds=10) / SCALE
    return {"total_bound": round(upper, 4),
            "gap_percent_stage_2": _percent(upper, found.total_expected),
            "total_bound_seconds_after_the_solve": round(time.perf_counter() - started, 3)}


def _one(problem: Problem) -> dict[str, Any]:
    started = time.perf_counter()
    found = solve(problem)
    seconds = time.perf_counter() - started
    gap = stage_gap = None
    if found.bound is not None and found.bound_of == "worst_party_expected" and found.bound > 0:
        gap = _percent(found.bound, found.worst_party_expected)
        if found.worst_optimum is not None:  # what stage 1 reached, before τ is given up
            stage_gap = _percent(found.bound, found.worst_optimum)
    return {"slots": len(problem.slots), "parties": len(problem.parties),
            "meetings": problem.meetings, "status": found.status, "seconds": round(seconds, 3),
            "worst_party_expected": round(found.worst_party_expected, 4),
            "worst_party_stage_1": (round(found.worst_optimum, 4)
                                    if found.worst_optimum is not None else None),
            "bound": round(found.bound, 4) if found.bound is not None else None,
            "total_expected": round(found.total_expected, 4), "gap_percent": gap,
            "gap_percent_stage_1": stage_gap, **_second_stage(problem, found)}


def _against_exact(parties: int, days: int, step: int, meetings: int) -> dict[str, Any]:
    """The solver's stage-1 bound and plan against the exact optimum, by enumeration, on
    an instance small enough to enumerate: how much of the gap is the bound's."""
    problem = instance("realistic", parties=parties, days=days, step=step, meetings=meetings,
                       time_limit=30)
    found = solve(problem)
    reached = round(found.worst_optimum * SCALE) if found.worst_optimum is not None else -1
    started = time.perf_counter()
    optimum = exact_worst_off(problem, lower=reached - 1) / SCALE
    figures: dict[str, Any] = {
        "parties": parties, "days": days, "step_minutes": step, "meetings": meetings,
        "slots": len(problem.slots), "status": found.status,
        "bound": round(found.bound, 4) if found.bound is not None else None,
        "optimum_by_enumeration": round(optimum, 4),
        "enumeration_seconds": round(time.perf_counter() - started, 1),
        "worst_party_stage_1": round(reached / SCALE, 4),
    }
    if found.bound is not None and found.bound_of == "worst_party_expected":
        figures["bound_above_optimum_percent"] = _percent(found.bound, optimum)
    figures["plan_below_optimum_percent"] = _percent(optimum, reached / SCALE)
    return figures


def _median_of(problem: Problem, runs: int) -> dict[str, Any]:
    """``_one`` run ``runs`` times: the run with the median gap, and every run's gaps."""
    results = [_one(problem) for _ in range(runs)]
    ranked = sorted(results, key=lambda r: (r["gap_percent"] is None, r["gap_percent"] or 0.0))
    middle = dict(ranked[(runs - 1) // 2])
    if runs > 1:
        middle["runs"] = runs
        for name in ("gap_percent", "gap_percent_stage_2", "seconds"):
            middle[f"{name}_of_each_run"] = [r.get(name) for r in results]
    return middle


def _fewest_rows(problem: Problem) -> dict[str, Any]:
    """The other kind of bound: the exact optimum over the few parties the plan leaves
    worst off (rows added as a plan leaves more behind, as in row generation), against
    the solver's LP bound. It starts above the LP bound and stays there while CP-SAT can
    still prove it, so it cannot tighten the gap here."""
    found = solve(problem)
    plan = [problem.index[c] for c in found.chosen]
    figures: dict[str, Any] = {"parties": len(problem.parties), "meetings": problem.meetings,
                               "bound": found.bound, "worst_party_stage_1": found.worst_optimum}
    for parties in (8, 12):
        started = time.perf_counter()
        value, proven = fewest_rows_bound(problem, plan, parties, seconds=60)
        figures[f"{parties}_worst_off_parties"] = {
            "bound": round(value, 4), "proven": proven,
            "seconds": round(time.perf_counter() - started, 1)}
    return figures


def _random_plan(problem: Problem, useful: np.ndarray, rng: np.random.Generator) -> list[int]:
    """A plan of useful slots at random, days at least the minimum gap apart."""
    days = problem.days[useful]
    while True:
        chosen: list[int] = []
        for i in np.sort(rng.choice(useful.size, size=min(useful.size, 20 * problem.meetings),
                                    replace=False)).tolist():
            if len(chosen) < problem.meetings and (
                    not chosen or days[i] >= problem.days[chosen[-1]] + problem.min_gap_days):
                chosen.append(int(useful[i]))
        if len(chosen) == problem.meetings:
            return chosen


def _from_random_starts(problem: Problem, starts: int) -> dict[str, Any]:
    """The first stage's local search from ``starts`` random plans, each to its end: how
    far apart the local optima lie, and the best of them against the solver's plan."""
    useful = useful_slots(problem, eligible(problem))
    rng = np.random.default_rng(7)
    values = []
    for seed in range(starts):
        found = raise_worst(problem, useful, _random_plan(problem, useful, rng), lambda _: True,
                            time.perf_counter() + 60, seed=seed)
        values.append(int(problem.scaled[:, found].sum(axis=1).min()) / SCALE)
    return {"parties": len(problem.parties), "starts": starts, "best": max(values),
            "median": float(np.median(values)), "worst": min(values)}


def _many_parties(figures: dict[str, Any]) -> None:
    """The scale rows (goals: within 1 % of the bound at 300 parties, 0.5 % at 100), the
    median of three runs each, and where their gap lies."""
    for parties in (300, 100):
        figures[f"scale_{parties}_parties_two_years_15_min"] = _median_of(instance(
            "realistic", parties=parties, days=730, step=15, meetings=12, time_limit=30), 3)
    hundred = instance("realistic", parties=100, days=730, step=15, meetings=12, time_limit=30)
    figures["bound_from_the_worst_off_parties_alone"] = _fewest_rows(hundred)
    figures["local_optima_from_random_starts"] = _from_random_starts(hundred, 50)
    # the same kind of instance with few enough meetings to enumerate every plan: the
    # bound (the LP bound at best) against the optimum, and the plan against it
    figures["many_parties_against_the_exact_optimum"] = [
        _against_exact(300, 122, 15, 2), _against_exact(300, 183, 60, 3),
        _against_exact(100, 244, 60, 4)]


def run(quick: bool = False, scale: bool = False) -> dict[str, Any]:
    """Measure and return the figures; ``scale``: the many-party rows alone."""
    figures: dict[str, Any] = {}
    if scale:
        _many_parties(figures)
        return figures
    headline = instance("realistic", time_limit=30)
    found = solve(headline)
    figures["thirteen_parties_realistic"] = {
        "slots": len(headline.slots), "status": found.status,
        "median_seconds_of_5": round(median_seconds(lambda: solve(headline), repeat=5), 3),
        "median_seconds_without_attendance_comparison": round(median_seconds(
            lambda: solve(dataclasses.replace(headline, objective="attendance")), repeat=5), 3),
        "worst_party_expected": round(found.worst_party_expected, 4),
        "total_expected": round(found.total_expected, 4),
        "goal": "proven optimal in under 1 s",
    }
    figures["thirteen_parties_noise"] = _one(instance("noise", time_limit=60))
    if not quick:
        _many_parties(figures)
    growth = []
    for days, step, parties, meetings in [(91, 30, 13, 2), (182, 30, 13, 3), (365, 30, 13, 4),
                                          (365, 15, 13, 4), (365, 30, 50, 4), (365, 30, 100, 4),
                                          (365, 30, 13, 6), (730, 30, 13, 8)]:
        if quick and parties > 13:
            continue
        growth.append(_one(instance("realistic", days=days, step=step, parties=parties,
                                    meetings=meetings, min_gap=min(42, days // meetings),
                                    time_limit=30)))
    figures["growth"] = growth
    figures["versus_greedy"] = {
        "thirteen_parties_realistic": _versus_greedy(headline),
        "thirteen_parties_realistic_seed_2": _versus_greedy(instance("realistic", seed=2)),
        "thirteen_parties_noise": _versus_greedy(instance("noise", time_limit=60)),
    }
    return figures


def main() -> None:
    """Run, print and write the figures."""
    scale = "--scale" in sys.argv  # the many-party rows alone, in their own file
    report("solver_scale" if scale else "solver",
           run(quick="--quick" in sys.argv, scale=scale))

if __name__ == "__main__":
    main()
