"""Solve a problem in lexicographic stages, each with the earlier optima held.

``fair``: the worst-off party's expected meetings, then the total, then preferences
and earlier dates. ``attendance``: the total, then the same tie-breaks. Each stage is
proven by CP-SAT (or stopped by the time limit), hinted with the plan before it.

The worst-off party is bounded by one row per party, added lazily: the model starts
with the parties that are worst off in the first plan, and any party that a stage's
plan leaves below the bound is added and the stage solved again. A stage ends when its
plan satisfies every party, so its optimum over the subset is the optimum over all.

Problems with many parties and slots (``_LARGE``) are beyond CP-SAT in the time limit
(its presolve alone outlasts it): there the stages are run by local search
(``neighbourhood``) from the relaxation's and the dynamic programme's plans, and the
answer is ``feasible`` with the relaxation's bound, unless the plan meets that bound.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from .alternatives import alternatives
from .feasibility import diagnose, quick_check
from .heuristic import initial_plan, objective_key
from .lagrange import Relaxation, relax
from .many_parties import search_stages
from .model import PlanModel, build_model
from .problem import SCALE, Problem
from .progress import ALTERNATIVES, ProgressCallback, Reporter, as_reporter, final_values, stage_name
from .reduce import bound_prune, useful_slots
from .solution import Solution
from .validate import eligible, violations

__all__ = ["solve"]

_FIRST_ROWS = 24  # parties in the model from the start
_ROWS_PER_ROUND = 16  # parties added when a plan leaves some below the bound
_PRESOLVE_UP_TO = 4000  # slot variables
# fair problems with at least this many parties and (parties x useful slots) go to local
# search: CP-SAT neither proves nor improves them in the time limit
_LARGE_PARTIES, _LARGE_SIZE = 30, 60_000
_FRUITLESS = 6  # local searches in a row (new seeds, from the best plan) that find nothing better
# of the time limit, kept from the optimisation stages for the alternatives and the
# comparison with the attendance optimum (whose quick heuristic alone takes up to a second)
_RESERVE_SHARE, _RESERVE_MAX_S = 0.2, 2.0


class _Infeasible(Exception):
    pass


class _OutOfTime(Exception):
    pass


@dataclasses.dataclass
class _Run:
    """One solve: the model, the plan so far, and how far each stage was proven."""

    problem: Problem
    plan: PlanModel | None  # None: the stages were run by local search
    deadline: float
    chosen: list[int] | None
    worst: cp_model.IntVar | None = None
    rows: set[int] = dataclasses.field(default_factory=set)
    proven: bool = True
    bound: float | None = None
    bound_of: str | None = None
    worst_optimum: int | None = None  # T*, scaled, once the max-min stage is solved
    lower: int | None = None  # the first stage's value must reach this (the start plan's)
    relaxed: Relaxation | None = None
    report: Reporter = dataclasses.field(default_factory=lambda: Reporter(None))

    def add_rows(self, parties: Sequence[int]) -> None:
        """Bound the worst-off variable by these parties' expected meetings."""
        assert self.worst is not None and self.plan is not None
        scaled = self.problem.scaled[:, self.plan.slots]
        for party in parties:
            if party not in self.rows:
                self.rows.add(party)
                self.plan.model.add(self.worst <= cp_model.LinearExpr.weighted_sum(
                    self.plan.x, scaled[party].tolist()))

    def sums(self, chosen: Sequence[int]) -> npt.NDArray[np.int64]:
        """Every party's expected meetings (scaled) in a plan."""
        sums: npt.NDArray[np.int64] = self.problem.scaled[:, list(chosen)].sum(axis=1)
        return sums

    def solve_stage(self, name: str, expression: cp_model.LinearExprT, scale: float,
                    threshold: int | None = None, ceiling: int | None = None) -> int:
        """Maximise ``expression``; return its optimum (or best value when out of time).

        ``threshold``: every party must reach it (added lazily); for the worst-off
        stage itself it is the model's own value, checked after each solve.
        """
        assert self.plan is not None
        model = self.plan.model
        model.maximize(expression)
        self.report.stage(stage_name(self.problem.objective, name))
        while True:
            if self.chosen is not None:
                _hint(self.plan, self.chosen)
            seconds = self.deadline - time.perf_counter()
            if self.worst is not None and len(self.rows) < len(self.problem.parties):
                seconds = max(min(seconds, 1.0), seconds / 3)  # leave time for more rounds
            solver = _solver(self.problem, seconds, len(self.plan.x)) if seconds > 0 else None
            status = solver.solve(model, self.report.attach(solver, scale)) if solver \
                else cp_model.UNKNOWN
            if status == cp_model.INFEASIBLE:
                raise _Infeasible
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                if ceiling is not None:
                    self._stopped(name, ceiling / scale)
                raise _OutOfTime
            assert solver is not None
            if status != cp_model.OPTIMAL:
                self._stopped(name, solver.best_objective_bound / scale)
            chosen = self.plan.chosen(solver)
            value = round(solver.objective_value)
            if self.worst is not None:
                needed = value if name == "worst_party_expected" else threshold
                assert needed is not None
                sums = self.sums(chosen)
                below = np.flatnonzero(sums < needed)
                short = [int(p) for p in below[np.argsort(sums[below])] if int(p) not in self.rows]
                if short:  # a plan that obeys every rule, but not yet every party
                    self.add_rows(short[:_ROWS_PER_ROUND])
                    self._keep_if_better(chosen)
                    continue
            self.chosen = chosen
            return value

    def _keep_if_better(self, chosen: list[int]) -> None:
        key = objective_key(self.problem)
        if self.chosen is None or key(chosen) > key(self.chosen):
            self.chosen = chosen

    def _stopped(self, name: str, bound: float) -> None:
        """Note that a stage was stopped; keep the bound of the first such stage."""
        self.proven = False
        if name != "tie_break" and self.bound_of in (None, name):
            self.bound, self.bound_of = bound, name


def _hint(plan: PlanModel, chosen: Sequence[int]) -> None:
    plan.model.clear_hints()  # type: ignore[no-untyped-call]
    picked = set(chosen)
    for var, slot in zip(plan.x, plan.slots.tolist(), strict=True):
        plan.model.add_hint(var, slot in picked)


def _solver(problem: Problem, seconds: float, size: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    if size > _PRESOLVE_UP_TO:  # presolve costs more than it saves on large models
        solver.parameters.cp_model_presolve = False
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = problem.workers
    solver.parameters.random_seed = 0
    return solver


def _values(problem: Problem, chosen: Sequence[int]) -> tuple[float, float, dict[str, float]]:
    per_party = problem.presence[:, list(chosen)].sum(axis=1)
    values = {p: float(v) for p, v in zip(problem.parties, per_party, strict=True)}
    worst = float(per_party.min()) if per_party.size else 0.0
    return worst, float(per_party.sum()), values


def _optimise(run: _Run, lower: int | None, relaxed: Relaxation | None) -> None:
    """Run the stages of the problem's objective on ``run``; update it in place."""
    problem, plan = run.problem, run.plan
    assert plan is not None
    scaled = problem.scaled[:, plan.slots]
    k = problem.meetings
    total = cp_model.LinearExpr.weighted_sum(plan.x, scaled.sum(axis=0).tolist())
    weight = len(problem.slots) * k + 1
    tie_break = cp_model.LinearExpr.weighted_sum(plan.x, [
        problem.slots[s].preference * weight - s for s in plan.slots.tolist()])
    threshold = None
    if problem.objective == "fair" and problem.parties:
        best_alone = int(np.sort(scaled, axis=1)[:, -k:].sum(axis=1).min()) if scaled.size else 0
        if relaxed is not None:
            best_alone = min(best_alone, relaxed.upper)
        tolerance = problem.tolerance_scaled
        run.worst = plan.model.new_int_var(max(0, min(lower or 0, best_alone) - tolerance),
                                           best_alone, "worst party")
        if relaxed is not None:  # all parties at once, weighted: a valid and tight cut
            plan.model.add(run.worst <= cp_model.LinearExpr.weighted_sum(
                plan.x, relaxed.row[plan.slots].tolist()))
        first = run.sums(run.chosen) if run.chosen else scaled.min(axis=1)
        start = [int(p) for p in np.argsort(first, kind="stable")[:_FIRST_ROWS]]
        if relaxed is not None:  # the parties the relaxation found binding
            start += [int(p) for p in np.argsort(-relaxed.weights, kind="stable")[:_FIRST_ROWS]]
        run.add_rows(start)
        run.worst_optimum = run.solve_stage("worst_party_expected", run.worst, SCALE,
                                            ceiling=best_alone)
        threshold = run.worst_optimum - tolerance  # the worst-off party within τ of its best
        plan.model.add(run.worst >= threshold)
    elif lower is not None:
        plan.model.add(total >= lower)
    best_sum = run.solve_stage("total_expected", total, SCALE, threshold)
    plan.model.add(total >= best_sum)
    run.solve_stage("tie_break", tie_break, 1, threshold)


def _gaps_hold(problem: Problem, plan: Sequence[int]) -> bool:
    """The once-a-day and minimum-gap rules alone, on day numbers: a quick necessary
    condition of a valid plan."""
    days = np.sort(problem.days[list(plan)])
    return bool(days.size < 2 or np.diff(days).min() >= max(1, problem.min_gap_days))


def _exact(problem: Problem, useful: npt.NDArray[np.int64], valid: Callable[[list[int]], bool],
           start_plan: list[int] | None, deadline: float) -> _Run:
    """The CP-SAT run: the relaxation's plan and row, slots pruned by the best plan's bound."""
    key = objective_key(problem)
    rows = problem.scaled.sum(axis=0, keepdims=True)
    relaxed = None
    if problem.objective == "fair" and len(problem.parties) > 1:
        relaxed = relax(problem, useful, valid, key)
        candidates = [p for p in (start_plan, relaxed.plan) if p is not None]
        start_plan = max(candidates, key=key) if candidates else None
        rows = np.vstack([problem.scaled, relaxed.row[None, :]])
    elif problem.objective == "fair":
        rows = problem.scaled
    lower = None
    if start_plan is not None:
        lower = key(start_plan)[0] - problem.tolerance_scaled  # a plan within τ must survive
        fixed = {problem.index[f] for f in problem.fixed}
        useful = bound_prune(rows, problem.days, useful, problem.meetings, problem.min_gap_days,
                             lower, fixed)
    return _Run(problem, build_model(problem, useful), deadline, start_plan, lower=lower,
                relaxed=relaxed)


def _search(problem: Problem, useful: npt.NDArray[np.int64], start_plan: list[int],
            valid: Callable[[list[int]], bool], deadline: float,
            report: Reporter | None = None) -> _Run | None:
    """The stages by local search (large fair problems), bounded by column generation
    (``many_parties``).

    None when the relaxation finds no plan under the gap rules (then CP-SAT decides).
    """
    found = search_stages(problem, useful, start_plan, valid, deadline, fruitless=_FRUITLESS,
                          report=report)
    if found is None:
        return None
    run = _Run(problem, None, deadline, found.chosen, worst_optimum=found.worst)
    if found.worst < found.worst_bound:
        run._stopped("worst_party_expected", found.worst_bound / SCALE)
    total = objective_key(problem)(found.chosen)[1]
    if found.total_bound is None or total < found.total_bound:
        run._stopped("total_expected", (found.total_bound if found.total_bound is not None
                                        else total) / SCALE)
    run.proven = False  # the preferences and dates are not searched
    return run


def solve(problem: Problem, progress: ProgressCallback | Reporter | None = None) -> Solution:
    """The best plan for the problem, with how it was proven, or why there is none.

    Every stage keeps to ``problem.time_limit_s``: the optimisation stages stop early
    enough to leave time for the alternatives and the comparison with the attendance
    optimum, and alternatives not found by then are left out. ``progress`` is told of
    each stage, the best value and bound while CP-SAT searches, and the end.
    """
    report = as_reporter(progress, problem.time_limit_s)
    solution = _solve(problem, report)
    bound, best = final_values(solution)
    report.finish(bound=bound, best=best)
    return solution


def _solve(problem: Problem, report: Reporter) -> Solution:
    started = time.perf_counter()
    deadline = started + problem.time_limit_s
    reserve = min(_RESERVE_MAX_S, _RESERVE_SHARE * problem.time_limit_s)
    allowed = eligible(problem)
    failure = quick_check(problem, allowed)
    if failure is not None:
        return Solution("infeasible", reason=failure.reason, rule=failure.rule,
                        reason_key=failure.key, reason_values=failure.values,
                        solve_seconds=time.perf_counter() - started)
    useful = useful_slots(problem, allowed)

    def valid(plan: list[int]) -> bool:
        return _gaps_hold(problem, plan) and not violations(
            problem, [problem.slots[s].id for s in plan], allowed=allowed)

    large = (problem.objective == "fair" and len(problem.parties) >= _LARGE_PARTIES
             and len(problem.parties) * useful.size >= _LARGE_SIZE)
    start_plan = initial_plan(problem, useful, valid, improve=not large)
    run = None
    if large and start_plan is not None:
        report.stage(stage_name(problem.objective, "worst_party_expected"))
        run = _search(problem, useful, start_plan, valid, deadline - reserve, report)
    if run is None:
        run = _exact(problem, useful, valid, start_plan, deadline - reserve)
    run.report = report
    try:
        if run.plan is not None:
            _optimise(run, run.lower, run.relaxed)
    except _Infeasible:
        failure = diagnose(problem, useful, deadline - time.perf_counter())
        return Solution("infeasible", reason=failure.reason, rule=failure.rule,
                        reason_key=failure.key, reason_values=failure.values,
                        solve_seconds=time.perf_counter() - started)
    except _OutOfTime:
        if run.chosen is None:
            return Solution("infeasible", reason="no plan was found within the time limit",
                            rule="time_limit_s", reason_key="no_plan_in_time",
                            solve_seconds=time.perf_counter() - started)
        run.proven = False
    chosen = sorted(run.chosen or [], key=lambda s: problem.slots[s].start)
    worst, total, per_party = _values(problem, chosen)
    comparing = problem.objective == "fair"
    until = deadline - reserve / 2 if comparing else deadline

    def valid_in_time(plan: list[int]) -> bool:  # past the time, no more alternatives
        return time.perf_counter() < until and valid(plan)

    report.stage(ALTERNATIVES)

    solution = Solution(
        "optimal" if run.proven else "feasible",
        tuple(problem.slots[s].id for s in chosen), worst, total, per_party,
        bound=run.bound, bound_of=run.bound_of,
        worst_optimum=(run.worst_optimum / SCALE if run.worst_optimum is not None else None),
        fairness_tolerance=problem.fairness_tolerance if comparing else None,
        alternatives=alternatives(problem, chosen, allowed, valid_in_time, problem.alternatives),
    )
    if comparing:
        other = solve(dataclasses.replace(
            problem, objective="attendance", alternatives=0,
            time_limit_s=max(0.1, deadline - time.perf_counter())))
        solution = dataclasses.replace(solution, attendance_optimum=other)
    return dataclasses.replace(solution, solve_seconds=time.perf_counter() - started)
