"""Each council of a round on its own: solved alone (its plan and the bounds of its
worst share and total), its best under a floor, and the councils planned in turn."""
from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .heuristic import objective_key
from .lagrange import relax
from .problem import SCALE
from .round_context import PROBE_SHARE, OutOfTime, Plan, RoundContext, RoundCouncil, seconds_left
from .round_model import RoundModel
from .round_picks import Picks
from .solution import Solution
from .solve import solve
from .validate import violations

__all__ = ["Alone", "CouncilBest", "council_alone", "council_best", "fairest", "in_turn",
           "repaired", "solve_alone"]


@dataclass
class Alone:
    """A council solved alone: its plan, and upper bounds of its worst share (round
    units) and of its total (scaled)."""

    solution: Solution
    plan: list[int] | None
    worst_upper: int
    total_upper: int


def _scaled_bound(value: float) -> int:
    return math.floor(value * SCALE + 1e-6)


def _crude_bounds(council: RoundCouncil) -> tuple[int, int]:
    """Each party's k best days alone, and the k best days' totals: the worst share
    (round units) and the total no plan can pass."""
    problem = council.problem
    allowed = np.flatnonzero(council.allowed)
    k = problem.meetings
    if allowed.size == 0:
        return 0, 0
    days, where = np.unique(problem.days[allowed], return_inverse=True)
    rows = np.vstack([council.coef[:, allowed], council.totals[None, allowed]])
    best = np.zeros((rows.shape[0], days.size), dtype=np.int64)
    np.maximum.at(best.T, where, rows.T)
    top = -np.sort(-best, axis=1)[:, :k].sum(axis=1)
    worst = int(top[:-1].min()) if rows.shape[0] > 1 else 0
    return worst, int(top[-1])


def solve_alone(ctx: RoundContext, c: int, forbidden: set[int], seconds: float) -> Solution:
    """Council c by the single-council solver, without the ``forbidden`` slots (τ = 0, so
    a fair plan reaches the council's own best worst-off party)."""
    problem = ctx.councils[c].problem
    if forbidden:
        keep = [i for i in range(len(problem.slots)) if i not in forbidden]
        if not keep or any(problem.index[f] in forbidden for f in problem.fixed):
            return Solution("infeasible", reason="every slot is taken", reason_key="no_slots")
        problem = dataclasses.replace(problem, slots=tuple(problem.slots[i] for i in keep),
                                      presence=problem.presence[:, keep])
    return solve(dataclasses.replace(
        problem, objective=ctx.problem.objective, fairness_tolerance=0.0, alternatives=0,
        time_limit_s=max(0.05, seconds), workers=ctx.problem.workers))


def council_alone(ctx: RoundContext, c: int, seconds: float) -> Alone:
    """Council c alone: its plan, and its bounds from the solver's proofs (or counting)."""
    council = ctx.councils[c]
    problem = council.problem
    solution = solve_alone(ctx, c, set(), seconds)
    worst_upper, total_upper = _crude_bounds(council)
    plan = None
    if solution.status != "infeasible":
        plan = sorted(problem.index[s] for s in solution.chosen)
    per = ctx.unit // SCALE // problem.meetings
    if ctx.fair and len(problem.parties) > 1 and council.allowed.any():  # the Lagrangian bound

        def valid(chosen: list[int]) -> bool:
            return not violations(problem, [problem.slots[s].id for s in chosen],
                                  allowed=council.allowed)

        relaxed = relax(problem, np.flatnonzero(council.allowed), valid, objective_key(problem))
        if relaxed.upper > 0:  # 0 also when the gaps leave no plan at all: no bound then
            worst_upper = min(worst_upper, relaxed.upper * per)
    if ctx.fair and solution.worst_optimum is not None:
        if solution.bound_of == "worst_party_expected" and solution.bound is not None:
            worst_upper = min(worst_upper, _scaled_bound(solution.bound) * per)
        elif solution.bound_of != "worst_party_expected":
            worst_upper = min(worst_upper, round(solution.worst_optimum * SCALE) * per)
    attendance = solution.attendance_optimum if ctx.fair else solution
    if attendance is not None and attendance.status != "infeasible":
        if attendance.bound_of == "total_expected" and attendance.bound is not None:
            total_upper = min(total_upper, _scaled_bound(attendance.bound))
        elif attendance.bound_of is None:
            chosen = [problem.index[s] for s in attendance.chosen]
            total_upper = min(total_upper, int(council.totals[chosen].sum()))
    return Alone(solution, plan, worst_upper, total_upper)


@dataclass
class CouncilBest:
    """One council's best plan under a floor on its shares (some slots left out), with
    the proven bounds of its total and its tie-break (None when not proven)."""

    plan: list[int] | None
    total_upper: int | None
    tie_upper: int | None


def council_best(ctx: RoundContext, c: int, forbidden: set[int], floor: int | None,
                  hint: list[int] | None, seconds: float, *, held: int | None = None
                  ) -> CouncilBest:
    """Council c alone with every share at least ``floor`` (fair): the best total (or,
    given the total it must hold, ``held``, the best tie-break with it)."""
    until = time.perf_counter() + seconds
    if held is None:  # depth first, the total's floor raised past each plan found
        plan, ended = Picks(ctx, c, floor, 0).best_total(hint, forbidden, until)
        if plan is None:
            return CouncilBest(None, None, None)
        return CouncilBest(plan, int(ctx.councils[c].totals[plan].sum()) if ended else None,
                            None)
    problem = ctx.councils[c].problem
    if any(problem.index[f] in forbidden for f in problem.fixed):
        return CouncilBest(None, None, None)  # a confirmed meeting too close
    model = RoundModel(ctx, [c], {c: forbidden}, floor=floor, totals=[held] * len(ctx.councils))
    full_hint: Plan | None = None
    if hint is not None:
        full_hint = [[] for _ in ctx.councils]
        full_hint[c] = hint
    if floor is not None and ctx.councils[c].coef.shape[0]:
        model.bound_worst(floor, max(floor, int(ctx.councils[c].coef.sum(axis=1).max())))
    model.model.add(model.expression("total") >= held)
    tie = model.maximise(model.expression("tie"), until - time.perf_counter(), full_hint, None)
    return CouncilBest(tie.plan[c] if tie.plan is not None else hint, held,
                        tie.bound if tie.proven else None)


def fairest(ctx: RoundContext, c: int, forbidden: set[int], upper: int, deadline: float
             ) -> list[int] | None:
    """Council c's plan with the best worst share without the ``forbidden`` slots, by
    probes on the floor as in the round's worst-share stage (the best found by the
    deadline)."""
    best: list[int] | None = None
    low, ceiling = -1, upper
    while low < ceiling and time.perf_counter() < deadline:
        floor = (low + 1 + ceiling) // 2
        try:  # a probe may take a share of the time left; undecided, a lower floor is tried
            until = time.perf_counter() + max(0.1, seconds_left(deadline, PROBE_SHARE))
            found = next(Picks(ctx, c, floor).plans(forbidden, min(until, deadline)), None)
        except OutOfTime:
            found = None
        if found is None:
            ceiling = floor - 1
        else:
            best = found
            low = int(ctx.councils[c].coef[:, found].sum(axis=1).min(initial=floor))
    return best


def in_turn(ctx: RoundContext, order: Sequence[int], start: list[list[int] | None],
             uppers: list[int], deadline: float) -> Plan | None:
    """The councils in ``order``, each keeping its plan in ``start`` when that meets no
    earlier council's meetings, otherwise planned alone without the clashing slots
    (fair: the best worst share by probes; attendance: the single-council solver)."""
    planned: dict[int, list[int]] = {}
    for i, c in enumerate(order):
        forbidden = ctx.clashing(c, planned)
        plan = start[c]
        if plan is None or forbidden & set(plan):
            until = time.perf_counter() + seconds_left(deadline, 1 / (len(order) - i))
            if ctx.fair:
                plan = fairest(ctx, c, forbidden, uppers[c], until)
            else:
                found = solve_alone(ctx, c, forbidden, until - time.perf_counter())
                plan = None if found.status == "infeasible" else ctx.lift_one(
                    c, [ctx.councils[c].problem.index[s] for s in found.chosen])
        if plan is None:
            return None
        planned[c] = plan
    return [planned[c] for c in range(len(ctx.councils))]


def repaired(ctx: RoundContext, start: list[list[int]], floor: int | None, deadline: float
              ) -> Plan | None:
    """The councils in order, each keeping its plan in ``start`` when that meets no
    earlier council's meetings, otherwise its best under ``floor`` without the clashing
    slots."""
    planned: dict[int, list[int]] = {}
    for c, own in enumerate(start):
        forbidden = ctx.clashing(c, planned)
        plan: list[int] | None = own
        if forbidden & set(own):
            seconds = seconds_left(deadline, 1 / (len(start) - c))
            plan = council_best(ctx, c, forbidden, floor, None, seconds).plan
        if plan is None:
            return None
        planned[c] = plan
    return [planned[c] for c in range(len(start))]
