"""A round's problem and solution: councils that share people, planned together.

MODEL.md, "Several councils planned together". ``clashes`` checks a round's plans
without a solver.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ProblemError
from .problem import SCALE, Objective, Problem
from .solution import Status

__all__ = ["RoundProblem", "RoundSolution", "check_round", "clashes"]


@dataclass(frozen=True)
class RoundProblem:
    """Councils planned together; ``groups`` are the sets of councils one person sits in.

    No two chosen meetings of different councils of one group may come closer than
    ``between``. ``fairness_tolerance`` is in share units (a share of 1 is every meeting
    of the council); ``hints`` is a plan per council (slot ids), e.g. planned in turn.
    """

    councils: tuple[Problem, ...]
    names: tuple[str, ...]
    groups: tuple[frozenset[int], ...]
    between: dt.timedelta = dt.timedelta(hours=1)
    objective: Objective = "fair"
    fairness_tolerance: float = 0.005
    time_limit_s: float = 30.0
    workers: int = 2
    hints: tuple[tuple[str, ...], ...] | None = None

    def __post_init__(self) -> None:
        check_round(self)

    @property
    def unit(self) -> int:
        """The solver's integers per share: SCALE times the lcm of the meeting counts."""
        return SCALE * math.lcm(*(c.meetings for c in self.councils))


def check_round(problem: RoundProblem) -> None:
    """Raise ProblemError naming the field when the round is malformed."""
    n = len(problem.councils)
    if n == 0:
        raise ProblemError("a round needs at least one council", field="councils")
    if len(problem.names) != n:
        raise ProblemError(f"expected {n} names, one per council", field="names")
    for i, group in enumerate(problem.groups):
        if any(not isinstance(c, int) or not 0 <= c < n for c in group):
            raise ProblemError(f"council indices must lie between 0 and {n - 1}",
                               field=f"groups[{i}]")
        if len(group) < 2:
            raise ProblemError("a group needs at least two councils", field=f"groups[{i}]")
    if not dt.timedelta(0) <= problem.between < dt.timedelta(days=1):
        raise ProblemError("must be at least 0 and less than one day", field="between")
    if problem.objective not in ("fair", "attendance"):
        raise ProblemError("must be 'fair' or 'attendance'", field="objective")
    if not 0 <= problem.fairness_tolerance <= 1:
        raise ProblemError("must lie between 0 and 1 (a share)", field="fairness_tolerance")
    if problem.time_limit_s <= 0:
        raise ProblemError("must be positive", field="time_limit_s")
    if problem.workers < 1:
        raise ProblemError("must be at least 1", field="workers")
    if problem.hints is not None:
        if len(problem.hints) != n:
            raise ProblemError(f"expected {n} plans, one per council", field="hints")
        for c, (hint, council) in enumerate(zip(problem.hints, problem.councils, strict=True)):
            for i, slot_id in enumerate(hint):
                if slot_id not in council.index:
                    raise ProblemError(f"unknown slot {slot_id!r}", field=f"hints[{c}][{i}]")
            if len(set(hint)) != len(hint):
                raise ProblemError("a slot is given twice", field=f"hints[{c}]")


@dataclass(frozen=True)
class RoundSolution:
    """The councils' plans (slot ids in order of start, per council) and their values.

    ``status`` is ``optimal`` when every stage was proven, ``feasible`` when the time
    limit stopped one (``bound`` then says how good the stage ``bound_of`` could still
    be: ``worst_share`` as a share, ``total_expected`` in party-meetings), ``infeasible``
    with a ``reason``: ``council`` names a council that has no plan even alone;
    ``groups_at_fault`` the groups whose separation cannot hold with the councils' rules.
    """

    status: Status
    chosen: tuple[tuple[str, ...], ...] = ()
    worst_share: float = 0.0
    total_expected: float = 0.0
    per_party: tuple[dict[str, float], ...] = ()
    worst_optimum: float | None = None  # fair: T*, the best worst share
    fairness_tolerance: float | None = None
    bound: float | None = None
    bound_of: str | None = None
    solve_seconds: float = 0.0
    reason: str = ""
    reason_key: str | None = None
    reason_values: dict[str, Any] = field(default_factory=dict)
    council: int | None = None
    groups_at_fault: tuple[int, ...] = ()


def clashes(problem: RoundProblem, plans: Sequence[Sequence[str]]
            ) -> list[tuple[int, str, int, str]]:
    """Chosen meetings of different councils of one group that come closer than ``between``:
    (council, slot id, council, slot id), the first council the lower."""
    if len(plans) != len(problem.councils):
        raise ProblemError(f"expected {len(problem.councils)} plans, one per council",
                           field="plans")
    for c, (plan, council) in enumerate(zip(plans, problem.councils, strict=True)):
        for i, slot_id in enumerate(plan):
            if slot_id not in council.index:
                raise ProblemError(f"unknown slot {slot_id!r}", field=f"plans[{c}][{i}]")
    pad = problem.between
    found: set[tuple[int, str, int, str]] = set()
    pairs = {(a, b) for group in problem.groups for a in group for b in group if a < b}
    for a, b in sorted(pairs):
        first, second = problem.councils[a], problem.councils[b]
        for x in plans[a]:
            one = first.slots[first.index[x]]
            for y in plans[b]:
                other = second.slots[second.index[y]]
                if one.start < other.end + pad and other.start < one.end + pad:
                    found.add((a, x, b, y))
    return sorted(found)
