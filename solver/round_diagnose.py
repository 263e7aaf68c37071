"""Why a round has no plan: the groups whose separation cannot hold with the councils'
own rules, found by CP-SAT's assumptions."""
from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

from .round_context import RoundContext
from .round_model import RoundModel
from .round_problem import RoundSolution

__all__ = ["groups_at_fault", "infeasible", "why_not_together"]


def groups_at_fault(ctx: RoundContext, seconds: float) -> tuple[int, ...] | None:
    """A small set of groups whose separation cannot hold with the councils' own rules,
    by CP-SAT's assumptions (one literal per group), shrunk one group at a time."""
    until = time.perf_counter() + seconds
    model = RoundModel(ctx, range(len(ctx.councils)), diagnose=True)
    names = {literal.index: g for g, literal in model.groups.items()}

    def core(groups: list[int]) -> list[int] | None:
        model.model.clear_assumptions()
        model.model.add_assumptions([model.groups[g] for g in groups])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.2, until - time.perf_counter())
        solver.parameters.num_workers = 1  # assumptions are reported by the single-thread core
        solver.parameters.random_seed = 0
        if solver.solve(model.model) != cp_model.INFEASIBLE:
            return None
        found = solver.sufficient_assumptions_for_infeasibility()
        return sorted(names[i] for i in found if i in names) or groups

    found = core(sorted(model.groups))
    if found is None:
        return None
    for g in list(found):  # leave out each group that the rest cannot do without
        if len(found) == 1 or time.perf_counter() > until:
            break
        smaller = core([h for h in found if h != g])
        if smaller is not None:
            found = smaller
    return tuple(found)


def infeasible(started: float, reason: str, key: str, values: dict[str, Any],
                council: int | None = None, groups: tuple[int, ...] = ()) -> RoundSolution:
    """A round without a plan, with the reason (text, key and values) and what is at fault."""
    return RoundSolution("infeasible", reason=reason, reason_key=key, reason_values=values,
                         council=council, groups_at_fault=groups,
                         solve_seconds=time.perf_counter() - started)


def why_not_together(ctx: RoundContext, started: float, deadline: float) -> RoundSolution:
    """The round without a plan though each council has one: the groups at fault, named,
    or no plan in time when none were found by the deadline."""
    groups = groups_at_fault(ctx, max(0.5, deadline - time.perf_counter()))
    if groups is None:
        return infeasible(started, "no plan was found within the time limit",
                           "no_plan_in_time", {})
    names = ctx.problem.names
    described = ["(" + ", ".join(names[c] for c in sorted(ctx.problem.groups[g])) + ")"
                 for g in groups]
    minutes = round(ctx.problem.between.total_seconds() / 60)
    text = "; ".join(described)
    return infeasible(
        started, f"the councils that share people cannot keep {minutes} minutes between their "
        f"meetings: {text}", "groups_cannot_all_hold",
        {"between_minutes": minutes,
         "groups": [[names[c] for c in sorted(ctx.problem.groups[g])] for g in groups]},
        groups=groups)
