"""The CP-SAT model of several councils of a round: each council's own rules
(``model.build_model``) and the separation between councils as cliques."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .model import PlanModel, build_model
from .reduce import bound_prune
from .round_context import Plan, RoundContext

__all__ = ["RoundModel", "Stage", "add_separation"]


def add_separation(ctx: RoundContext, model: cp_model.CpModel, plans: dict[int, PlanModel],
                diagnose: bool) -> dict[int, cp_model.IntVar]:
    """Hard: meetings of different councils of one group at least ``between`` apart.

    Per group, every slot is padded at its end by ``between``; two slots come too close
    exactly when their padded intervals overlap, which they do at the later start. So
    the slots whose padded interval holds a start point form a clique: at most one of
    them is chosen. Slots of one council in a clique lie on one day (at most one a day
    holds anyway); a clique that would span days of one council, possible only for
    slots around midnight, is added pair by pair instead. Only the maximal cliques are
    added (a point after which some padded interval ends before the next start).
    With ``diagnose``, each group's constraints hang on a literal, returned by group.
    """
    literals: dict[int, cp_model.IntVar] = {}
    seen: set[frozenset[int]] = set()
    for g, group in enumerate(ctx.problem.groups):
        members = sorted(group & plans.keys())
        if len(members) < 2:
            continue
        literal = model.new_bool_var(f"group {g}") if diagnose else None
        if literal is not None:
            literals[g] = literal
            seen = set()
        items: list[tuple[int, int, int, int, cp_model.IntVar]] = []
        for c in members:
            plan = plans[c]
            council = ctx.councils[c]
            for var, slot, day in zip(plan.x, plan.slots.tolist(), plan.day_of.tolist(),
                                      strict=True):
                items.append((int(council.start[slot]), int(council.padded_end[slot]), c, day,
                              var))
        items.sort(key=lambda item: item[0])
        starts = sorted({item[0] for item in items})
        active: list[tuple[int, int, int, int, cp_model.IntVar]] = []
        position = 0
        for k, point in enumerate(starts):
            active = [item for item in active if item[1] > point]
            while position < len(items) and items[position][0] == point:
                active.append(items[position])
                position += 1
            following = starts[k + 1] if k + 1 < len(starts) else None
            if following is not None and min(item[1] for item in active) > following:
                continue  # the next start's clique holds this one
            _add_clique(model, active, literal, seen)
    return literals


def _add_clique(model: cp_model.CpModel, clique: list[tuple[int, int, int, int, cp_model.IntVar]],
                literal: cp_model.IntVar | None, seen: set[frozenset[int]]) -> None:
    days: dict[int, set[int]] = {}
    for _start, _end, c, day, _var in clique:
        days.setdefault(c, set()).add(day)
    if len(days) < 2:
        return
    key = frozenset(item[4].index for item in clique)
    if key in seen:
        return
    seen.add(key)
    if all(len(d) == 1 for d in days.values()):
        constraints = [model.add(sum(item[4] for item in clique) <= 1)]
    else:
        constraints = [model.add(a[4] + b[4] <= 1) for i, a in enumerate(clique)
                       for b in clique[i + 1:] if a[2] != b[2]]
    if literal is not None:
        for constraint in constraints:
            constraint.only_enforce_if(literal)


@dataclass
class Stage:
    """What one stage gave: a plan (or none), its value, and the proven upper bound."""

    plan: Plan | None
    value: int | None
    bound: int | None
    proven: bool
    infeasible: bool = False


class RoundModel:
    """A CP-SAT model over some councils, with slots of those councils left out.

    ``floor`` (fair): only plans whose every share reaches it are wanted, so slots that
    cannot be in such a plan are left out (``reduce.bound_prune``, per council);
    ``totals``: likewise, each council's total must reach the given value.
    """

    def __init__(self, ctx: RoundContext, members: Sequence[int],
                 forbidden: dict[int, set[int]] | None = None, *, diagnose: bool = False,
                 floor: int | None = None, totals: Sequence[int] | None = None):
        self.ctx = ctx
        self.model = cp_model.CpModel()
        self.plans: dict[int, PlanModel] = {}
        for c in members:
            council = ctx.councils[c]
            problem = council.problem
            slots = council.kept
            if forbidden and forbidden.get(c):
                slots = slots[~np.isin(slots, sorted(forbidden[c]))]
            fixed = {problem.index[f] for f in problem.fixed}
            if floor is not None and council.coef.shape[0]:
                slots = bound_prune(council.coef, problem.days, slots, problem.meetings,
                                    problem.min_gap_days, floor, fixed)
            if totals is not None:
                slots = bound_prune(council.totals[None, :], problem.days, slots,
                                    problem.meetings, problem.min_gap_days, totals[c], fixed)
            self.plans[c] = build_model(problem, slots, model=self.model, prefix=f"c{c} ")
        self.groups = add_separation(ctx, self.model, self.plans, diagnose)
        self.worst: cp_model.IntVar | None = None

    def expression(self, name: str) -> cp_model.LinearExprT:
        """The total or the tie-break over the modelled slots."""
        variables: list[cp_model.IntVar] = []
        coefficients: list[int] = []
        for c, plan in self.plans.items():
            values = self.ctx.councils[c].totals if name == "total" else self.ctx.councils[c].tie
            variables += plan.x
            coefficients += values[plan.slots].tolist()
        return cp_model.LinearExpr.weighted_sum(variables, coefficients)

    def bound_worst(self, lower: int, upper: int) -> cp_model.IntVar:
        """A variable at most every modelled (council, party) share, within the bounds."""
        self.worst = self.model.new_int_var(lower, max(lower, upper), "worst share")
        for c, plan in self.plans.items():
            for row in self.ctx.councils[c].coef[:, plan.slots]:
                self.model.add(self.worst <= cp_model.LinearExpr.weighted_sum(plan.x, row.tolist()))
        return self.worst

    def maximise(self, expression: cp_model.LinearExprT, seconds: float, hint: Plan | None,
                 upper: int | None) -> Stage:
        """Maximise ``expression`` (at most ``upper``) within ``seconds``, hinted."""
        self.model.maximize(expression)
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        if hint is not None:
            for c, plan in self.plans.items():
                picked = set(hint[c])
                for var, slot in zip(plan.x, plan.slots.tolist(), strict=True):
                    self.model.add_hint(var, slot in picked)
        if seconds <= 0:
            return Stage(None, None, upper, False)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = self.ctx.problem.workers
        solver.parameters.random_seed = 0
        solver.parameters.cp_model_presolve = False  # measured: costs more than it saves here
        status = solver.solve(self.model)
        if status == cp_model.INFEASIBLE:
            return Stage(None, None, None, False, infeasible=True)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Stage(None, None, upper, False)
        found: Plan = [[] for _ in self.ctx.councils]
        for c, modelled in self.plans.items():
            found[c] = sorted(modelled.chosen(solver))
        value = round(solver.objective_value)
        bound = math.floor(solver.best_objective_bound + 1e-6)
        if upper is not None:
            bound = min(bound, upper)
        return Stage(found, value, max(bound, value), status == cp_model.OPTIMAL)
