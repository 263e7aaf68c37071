"""Why a problem has no plan, in words a secretary understands.

Cheap counting checks come first; what they cannot explain is found by solving the
model with each rule family behind an assumption and asking CP-SAT which families
cannot hold together.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from .model import build_model
from .problem import Period, Problem, describe_date

__all__ = ["Infeasibility", "diagnose", "quick_check"]


@dataclass(frozen=True, slots=True)
class Infeasibility:
    """The rule family at fault, the reason in English words, and the same reason as a
    key with its values (numbers and ISO dates), for saying it in another language."""

    rule: str
    reason: str
    key: str = "unknown"
    values: dict[str, Any] = field(default_factory=dict)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _fits(days: list[int], count: int, gap: int) -> bool:
    """Can ``count`` of these day numbers be chosen at least ``gap`` apart (greedy)."""
    placed, last = 0, None
    for day in days:
        if last is None or day - last >= gap:
            placed, last = placed + 1, day
    return placed >= count


def _span(days: list[int]) -> str:
    first, last = dt.date.fromordinal(days[0]), dt.date.fromordinal(days[-1])
    return f"between {describe_date(first)} and {describe_date(last)}"


def quick_check(problem: Problem, allowed: npt.NDArray[np.bool_]) -> Infeasibility | None:
    """A reason found by counting alone, or None."""
    k, gap = problem.meetings, max(1, problem.min_gap_days)
    if not problem.slots:
        return Infeasibility("slots", "there are no candidate slots at all", "no_slots")
    days = sorted(set(problem.days[allowed].tolist()))
    if not days:
        return Infeasibility("min_quorum_probability",
                             "no slot reaches the minimum quorum probability "
                             f"of {problem.min_quorum_probability:g}", "no_quorum",
                             {"quorum": problem.min_quorum_probability})
    if len(days) < k:
        why = " with enough quorum" if problem.min_quorum_probability is not None else ""
        return Infeasibility("meetings", f"{_plural(k, 'meeting')} are needed but only "
                             f"{_plural(len(days), 'day')} {'has' if len(days) == 1 else 'have'} "
                             f"candidate slots{why}", "too_few_days",
                             {"meetings": k, "days": len(days), "quorum": bool(why)})
    if not _fits(days, k, gap):
        return Infeasibility("min_gap_days", f"{_plural(k, 'meeting')} {gap} days apart do "
                             f"not fit {_span(days)}", "gap_does_not_fit",
                             {"meetings": k, "gap": gap, **_first_last(days)})
    fixed_days = sorted(problem.days[[problem.index[f] for f in problem.fixed]].tolist())
    if len(problem.fixed) > k:
        return Infeasibility("fixed", f"{len(problem.fixed)} meetings are confirmed, more than "
                             f"the {k} to plan", "too_many_fixed",
                             {"fixed": len(problem.fixed), "meetings": k})
    for a, b in itertools.pairwise(fixed_days):
        if b - a < gap:
            return Infeasibility("fixed", f"the confirmed meetings on "
                                 f"{describe_date(dt.date.fromordinal(a))} and "
                                 f"{describe_date(dt.date.fromordinal(b))} are {b - a} days "
                                 f"apart, less than the minimum gap of {gap}", "fixed_too_close",
                                 {"first": _iso(a), "last": _iso(b), "apart": b - a, "gap": gap})
    for i, period in enumerate(problem.periods):
        found = _period_check(problem, period, days, gap)
        if found:
            reason, key, values = found
            return Infeasibility(f"periods[{i}]", reason, key,
                                 {**_period_values(period), **values})
    return None


def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _first_last(days: list[int]) -> dict[str, str]:
    return {"first": _iso(days[0]), "last": _iso(days[-1])}


def _period_values(period: Period) -> dict[str, Any]:
    last = period.end - dt.timedelta(days=1)
    return {"period_first": period.start.isoformat(), "period_last": last.isoformat(),
            "period_meetings": period.meetings}


def _period_check(problem: Problem, period: Period, days: list[int], gap: int
                  ) -> tuple[str, str, dict[str, Any]] | None:
    inside = [d for d in days if period.start.toordinal() <= d < period.end.toordinal()]
    if period.meetings > problem.meetings:
        return (f"the period {period.describe()} asks for {_plural(period.meetings, 'meeting')}, "
                f"more than the {problem.meetings} to plan", "period_too_many",
                {"meetings": problem.meetings})
    if len(inside) < period.meetings:
        return (f"the period {period.describe()} needs {_plural(period.meetings, 'meeting')} "
                f"but has candidate slots on only {_plural(len(inside), 'day')}",
                "period_too_few_days", {"days": len(inside)})
    if not _fits(inside, period.meetings, gap):
        return (f"{_plural(period.meetings, 'meeting')} {gap} days apart do not fit in the "
                f"period {period.describe()}", "period_gap", {"gap": gap})
    return None


def _rule_values(problem: Problem, rule: str) -> dict[str, Any]:
    """A rule family as a key and its values."""
    if rule == "meetings":
        return {"key": "meetings", "meetings": problem.meetings}
    if rule == "one meeting a day":
        return {"key": "one_a_day"}
    if rule == "min_gap_days":
        return {"key": "min_gap", "gap": problem.min_gap_days}
    if rule == "max_gap_days":
        return {"key": "max_gap", "gap": problem.max_gap_days}
    if rule == "fixed":
        return {"key": "fixed"}
    period = problem.periods[int(rule.removeprefix("periods[").rstrip("]"))]
    return {"key": "period", **_period_values(period)}


def _describe_rule(problem: Problem, rule: str) -> str:
    if rule == "meetings":
        return _plural(problem.meetings, "meeting")
    if rule == "one meeting a day":
        return "one meeting a day"
    if rule == "min_gap_days":
        return f"at least {problem.min_gap_days} days between meetings"
    if rule == "max_gap_days":
        return f"at most {problem.max_gap_days} days between meetings"
    if rule == "fixed":
        return "the confirmed meetings"
    index = int(rule.removeprefix("periods[").rstrip("]"))
    period = problem.periods[index]
    return f"{_plural(period.meetings, 'meeting')} in {period.describe()}"


def diagnose(problem: Problem, slots: npt.NDArray[np.int64], time_limit_s: float
             ) -> Infeasibility:
    """The rule families that cannot hold together, found by CP-SAT's assumptions."""
    plan = build_model(problem, slots, diagnose=True)
    plan.model.add_assumptions(list(plan.families.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit_s)
    solver.parameters.num_workers = 1  # assumptions are reported by the single-thread core
    solver.parameters.random_seed = 0
    status = solver.solve(plan.model)
    if status != cp_model.INFEASIBLE:
        return Infeasibility("unknown", "no plan was found within the time limit", "no_plan_in_time")
    names = {lit.index: name for name, lit in plan.families.items()}
    culprits = [names[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in names]
    order = list(plan.families)
    culprits.sort(key=order.index)
    words = [_describe_rule(problem, rule) for rule in culprits] or ["the rules"]
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return Infeasibility(",".join(culprits), f"{text} cannot all hold", "cannot_all_hold",
                         {"rules": [_rule_values(problem, rule) for rule in culprits]})
