"""The CP-SAT model: one boolean per useful slot, one builder per rule family.

Each builder takes an optional enforcement literal, so the same model serves both the
optimisation and the search for the rules that cannot hold together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from .problem import Problem

__all__ = ["PlanModel", "build_model"]

Literal = cp_model.IntVar


@dataclass
class PlanModel:
    """The decision variables and the model that holds them."""

    model: cp_model.CpModel
    slots: npt.NDArray[np.int64]  # problem positions of the modelled slots
    x: list[cp_model.IntVar]  # x[i] = 1 when slots[i] is chosen
    day_of: npt.NDArray[np.int64]  # day ordinal per modelled slot
    day_sum: dict[int, cp_model.IntVar] = field(default_factory=dict)
    families: dict[str, Literal] = field(default_factory=dict)
    prefix: str = ""  # before every variable's name: tells councils of one model apart

    def chosen(self, solver: cp_model.CpSolver) -> list[int]:
        """Problem positions of the chosen slots in a solution."""
        return [int(self.slots[i]) for i, var in enumerate(self.x) if solver.boolean_value(var)]

    def enforce(self, name: str, diagnose: bool) -> Literal | None:
        """An assumption literal for a rule family when diagnosing; None otherwise."""
        if not diagnose:
            return None
        literal = self.model.new_bool_var(f"{self.prefix}rule: {name}")
        self.families[name] = literal
        return literal


def _add(model: cp_model.CpModel, constraint: cp_model.BoundedLinearExpression | bool,
         literal: Literal | None) -> None:
    added = model.add(constraint)
    if literal is not None:
        added.only_enforce_if(literal)


def add_meeting_count(plan: PlanModel, k: int, literal: Literal | None) -> None:
    """Hard: exactly k meetings."""
    _add(plan.model, sum(plan.x) == k, literal)


def add_one_per_day(plan: PlanModel, literal: Literal | None) -> None:
    """Hard: at most one meeting on any calendar day."""
    for total in plan.day_sum.values():
        _add(plan.model, total <= 1, literal)


def add_min_gap(plan: PlanModel, gap: int, literal: Literal | None) -> None:
    """Hard: meeting dates at least ``gap`` days apart, as sliding windows of days.

    Two dates less than ``gap`` apart share the window of ``gap`` days starting at the
    first, so one window per day that has slots covers every pair.
    """
    days = sorted(plan.day_sum)
    hi = 0
    last_end = -1
    for lo, first in enumerate(days):
        hi = max(hi, lo)
        while hi + 1 < len(days) and days[hi + 1] < first + gap:
            hi += 1
        if hi in (lo, last_end):
            continue  # a single day, or a window inside the previous one
        last_end = hi
        _add(plan.model, sum(plan.day_sum[d] for d in days[lo : hi + 1]) <= 1, literal)


def add_max_gap(plan: PlanModel, gap: int, literal: Literal | None) -> None:
    """Hard: consecutive meetings at most ``gap`` days apart.

    ``before[d]``: a meeting on or before day d; ``after[d]``: one on or after it. A
    meeting on or before d and one after d + gap need one in (d, d + gap].
    """
    model = plan.model
    days = sorted(plan.day_sum)
    before = [model.new_bool_var(f"{plan.prefix}before {d}") for d in days]
    after = [model.new_bool_var(f"{plan.prefix}after {d}") for d in days]
    for i, d in enumerate(days):
        model.add(before[i] >= plan.day_sum[d])
        model.add(after[i] >= plan.day_sum[d])
        if i:
            model.add(before[i] >= before[i - 1])
            model.add(before[i] <= before[i - 1] + plan.day_sum[d])
        else:
            model.add(before[i] <= plan.day_sum[d])
        if i + 1 < len(days):
            model.add(after[i] >= after[i + 1])
            model.add(after[i] <= after[i + 1] + plan.day_sum[d])
        else:
            model.add(after[i] <= plan.day_sum[d])
    positions = {d: i for i, d in enumerate(days)}
    for i, d in enumerate(days):
        window = [x for x in days[i + 1 :] if x <= d + gap]
        later = next((x for x in days[i + 1 :] if x > d + gap), None)
        if later is None:
            continue
        inside = sum(plan.day_sum[x] for x in window) if window else 0
        _add(model, before[i] + after[positions[later]] <= 1 + inside, literal)


def add_period(plan: PlanModel, start: int, end: int, meetings: int,
               literal: Literal | None) -> None:
    """Hard: exactly ``meetings`` meetings on days in [start, end)."""
    inside = [plan.day_sum[d] for d in plan.day_sum if start <= d < end]
    _add(plan.model, sum(inside) == meetings, literal)


def add_fixed(plan: PlanModel, positions: Sequence[int], literal: Literal | None) -> None:
    """Hard: confirmed meetings stay."""
    where = {int(s): i for i, s in enumerate(plan.slots)}
    for position in positions:
        _add(plan.model, plan.x[where[position]] == 1, literal)


def build_model(problem: Problem, slots: npt.NDArray[np.int64], *, diagnose: bool = False,
                model: cp_model.CpModel | None = None, prefix: str = "") -> PlanModel:
    """The model of every rule over the given slots (problem positions).

    ``model``: add the variables and rules to this model (several councils planned
    together) instead of a new one; ``prefix`` then tells their variables apart.
    """
    model = cp_model.CpModel() if model is None else model
    x = [model.new_bool_var(f"{prefix}x {problem.slots[s].id}") for s in slots]
    day_of = problem.days[slots]
    plan = PlanModel(model, slots, x, day_of, prefix=prefix)
    by_day: dict[int, list[cp_model.IntVar]] = {}
    for var, day in zip(x, day_of.tolist(), strict=True):
        by_day.setdefault(day, []).append(var)
    for day, day_vars in by_day.items():
        if len(day_vars) == 1:
            plan.day_sum[day] = day_vars[0]
        else:  # one boolean per day keeps the window rules short
            meets = model.new_bool_var(f"{prefix}day {day}")
            model.add(sum(day_vars) == meets)
            plan.day_sum[day] = meets
    add_meeting_count(plan, problem.meetings, plan.enforce("meetings", diagnose))
    add_one_per_day(plan, plan.enforce("one meeting a day", diagnose))
    if problem.min_gap_days > 1:
        add_min_gap(plan, problem.min_gap_days, plan.enforce("min_gap_days", diagnose))
    if problem.max_gap_days is not None:
        add_max_gap(plan, problem.max_gap_days, plan.enforce("max_gap_days", diagnose))
    for i, period in enumerate(problem.periods):
        add_period(plan, period.start.toordinal(), period.end.toordinal(), period.meetings,
                   plan.enforce(f"periods[{i}]", diagnose))
    if problem.fixed:
        add_fixed(plan, [problem.index[f] for f in problem.fixed], plan.enforce("fixed", diagnose))
    return plan
