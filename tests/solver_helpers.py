"""Small problems for the solver tests, and a brute force that knows nothing of CP-SAT."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

import numpy as np

from solver import Problem, Slot, eligible, violations

ZONE = dt.timezone(dt.timedelta(hours=1))
DAY0 = dt.date(2027, 1, 4)


def slot(day: int, hour: int = 9, name: str | None = None, preference: int = 0) -> Slot:
    """A three-hour slot ``day`` days after 4 January 2027."""
    start = dt.datetime.combine(DAY0 + dt.timedelta(days=day), dt.time(hour), tzinfo=ZONE)
    return Slot(name or f"d{day}h{hour}", start, start + dt.timedelta(hours=3), preference)


def problem(slots: Sequence[Slot], presence: Sequence[Sequence[float]], meetings: int,
            **rules: object) -> Problem:
    """A problem with parties p0, p1, ... over the given slots (in order of start)."""
    order = sorted(range(len(slots)), key=lambda i: slots[i].start)
    matrix = np.array(presence, dtype=float)[:, order] if len(presence) else np.zeros((0, 0))
    parties = tuple(f"p{i}" for i in range(len(presence)))
    rules.setdefault("time_limit_s", 20.0)
    return Problem(tuple(slots[i] for i in order), parties, matrix, meetings, **rules)  # type: ignore[arg-type]


def worst_of(problem: Problem, chosen: Sequence[str]) -> int:
    """The worst-off party's expected meetings in a plan, in the solver's integers."""
    per_party = problem.scaled[:, [problem.index[c] for c in chosen]].sum(axis=1)
    return int(per_party.min()) if per_party.size else 0


def key(problem: Problem, chosen: Sequence[str]) -> tuple[int, ...]:
    """What a plan is ranked by once the worst-off party is held (MODEL.md, fairness with a
    tolerance): the total, then preferred slots, then earlier ones, in the solver's integers."""
    positions = [problem.index[c] for c in chosen]
    total = int(problem.scaled[:, positions].sum())
    return (total, sum(problem.slots[p].preference for p in positions), -sum(positions))


def brute_force(problem: Problem) -> tuple[int, ...] | None:
    """The best objective over every valid plan, or None when there is no valid plan:
    in ``fair`` mode, the best ``key`` among the plans whose worst-off party is within the
    tolerance of the best any plan gives it (T* − τ)."""
    allowed = eligible(problem)
    ids = [s.id for s in problem.slots]
    valid = [combo for combo in itertools.combinations(ids, problem.meetings)
             if not violations(problem, combo, allowed=allowed)]
    if not valid:
        return None
    if problem.objective == "fair":
        floor = max(worst_of(problem, combo) for combo in valid) - problem.tolerance_scaled
        valid = [combo for combo in valid if worst_of(problem, combo) >= floor]
    return max(key(problem, combo) for combo in valid)


def floor_of(problem: Problem) -> int:
    """T* − τ: what the worst-off party must reach (fair mode), by brute force."""
    allowed = eligible(problem)
    ids = [s.id for s in problem.slots]
    return max(worst_of(problem, combo) for combo in itertools.combinations(ids, problem.meetings)
               if not violations(problem, combo, allowed=allowed)) - problem.tolerance_scaled
