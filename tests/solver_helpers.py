"""Small problems for the solver tests, and a brute force that knows nothing of CP-SAT."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence

import numpy as np

from solver import SCALE, Problem, RoundProblem, Slot, eligible, violations

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


# Rounds: several councils planned together (MODEL.md, "Several councils planned together")


def round_problem(councils: Sequence[Problem], groups: Sequence[Sequence[int]],
                  **options: object) -> RoundProblem:
    """A round of the given councils (named c0, c1, ... unless ``names`` says otherwise);
    each group a set of councils."""
    options.setdefault("time_limit_s", 20.0)
    options.setdefault("names", tuple(f"c{i}" for i in range(len(councils))))
    return RoundProblem(councils=tuple(councils), groups=tuple(frozenset(g) for g in groups),
                        **options)  # type: ignore[arg-type]


def too_close(a: Slot, b: Slot, between: dt.timedelta) -> bool:
    """Do two meetings leave less than ``between`` from the end of one to the start of the other?"""
    return b.start - a.end < between and a.start - b.end < between


def round_plans(round_: RoundProblem) -> list[tuple[tuple[str, ...], ...]]:
    """Every plan of the round: each council's valid plans, combined, that double-book no group
    (checked pair by pair of meetings, knowing nothing of the solver's cliques)."""
    per_council = []
    for council in round_.councils:
        allowed = eligible(council)
        per_council.append([combo for combo in itertools.combinations(
            [s.id for s in council.slots], council.meetings)
            if not violations(council, combo, allowed=allowed)])
    pairs = {(a, b) for group in round_.groups for a in group for b in group if a < b}
    found = []
    for plans in itertools.product(*per_council):
        if not any(too_close(round_.councils[a].slots[round_.councils[a].index[x]],
                             round_.councils[b].slots[round_.councils[b].index[y]], round_.between)
                   for a, b in pairs for x in plans[a] for y in plans[b]):
            found.append(plans)
    return found


def round_worst(round_: RoundProblem, plans: Sequence[Sequence[str]]) -> int:
    """The worst (council, party) share of a plan, in units of 1 / (SCALE * lcm of the k_c)."""
    lcm = math.lcm(*(c.meetings for c in round_.councils))
    shares = [int(v) * (lcm // council.meetings)
              for council, chosen in zip(round_.councils, plans, strict=True)
              for v in council.scaled[:, [council.index[c] for c in chosen]].sum(axis=1)]
    return min(shares, default=0)


def round_key(round_: RoundProblem, plans: Sequence[Sequence[str]]) -> tuple[int, ...]:
    """What a round's plan is ranked by once the worst share is held: the total over
    councils, then preferred slots, then earlier ones (positions within each council)."""
    total = preference = position = 0
    for council, chosen in zip(round_.councils, plans, strict=True):
        positions = [council.index[c] for c in chosen]
        total += int(council.scaled[:, positions].sum())
        preference += sum(council.slots[p].preference for p in positions)
        position += sum(positions)
    return (total, preference, -position)


def round_floor(round_: RoundProblem, plans: Sequence[Sequence[Sequence[str]]]) -> int:
    """T* − τ over the given plans, in the units of ``round_worst``."""
    lcm = math.lcm(*(c.meetings for c in round_.councils))
    tolerance = round(round_.fairness_tolerance * SCALE * lcm)
    return max(round_worst(round_, p) for p in plans) - tolerance


def round_brute_force(round_: RoundProblem) -> tuple[int, ...] | None:
    """The best ``round_key`` over every plan of the round (``fair``: among those whose worst
    share is within the tolerance of the best), or None when there is no plan."""
    plans = round_plans(round_)
    if not plans:
        return None
    if round_.objective == "fair":
        floor = round_floor(round_, plans)
        plans = [p for p in plans if round_worst(round_, p) >= floor]
    return max(round_key(round_, p) for p in plans)
