"""For each chosen meeting, the best other slots with the rest of the plan held."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from .problem import Problem
from .solution import Alternative

__all__ = ["alternatives"]


def alternatives(problem: Problem, chosen: list[int], allowed: npt.NDArray[np.bool_],
                 valid: Callable[[list[int]], bool], count: int) -> dict[str, tuple[Alternative, ...]]:
    """Up to ``count`` valid replacements per chosen slot on other days, best first, costed.

    Best means the problem's own objective order (worst-off party then total for
    ``fair``; total for ``attendance``); confirmed (fixed) meetings get none.
    """
    presence = problem.presence
    totals = presence.sum(axis=0)
    per_party = presence[:, chosen].sum(axis=1)
    worst, total = float(per_party.min()), float(per_party.sum())
    fixed = {problem.index[f] for f in problem.fixed}
    candidates = np.flatnonzero(allowed)
    found: dict[str, tuple[Alternative, ...]] = {}
    for slot in chosen:
        if slot in fixed or count == 0:
            continue
        rest = [s for s in chosen if s != slot]
        base = presence[:, rest].sum(axis=1)
        new_worst = (base[:, None] + presence[:, candidates]).min(axis=0)
        new_total = base.sum() + totals[candidates]
        primary, secondary = (new_worst, new_total) if problem.objective == "fair" \
            else (new_total, new_worst)
        order = np.lexsort((candidates, -secondary, -primary))
        picked: list[Alternative] = []
        days_seen = {int(problem.days[slot])}
        for position in order.tolist():
            candidate = int(candidates[position])
            day = int(problem.days[candidate])
            if day in days_seen or not valid(sorted([*rest, candidate])):
                continue  # one alternative per day: the best time of that day
            days_seen.add(day)
            picked.append(Alternative(
                problem.slots[candidate].id, float(new_worst[position]),
                float(new_total[position]), float(new_worst[position]) - worst,
                float(new_total[position]) - total))
            if len(picked) == count:
                break
        found[problem.slots[slot].id] = tuple(picked)
    return found
