"""Check a chosen plan against every rule, without any solver: used by tests and alternatives."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .probability import quorum_probability
from .problem import Problem

__all__ = ["eligible", "violations"]


def eligible(problem: Problem) -> np.ndarray:
    """Per slot: may it be chosen (quorum probability high enough, or fixed)?"""
    allowed = np.ones(len(problem.slots), dtype=bool)
    if problem.min_quorum_probability is not None and len(problem.parties):
        quorum = quorum_probability(problem.presence, problem.quorum_size)
        allowed = quorum + 1e-12 >= problem.min_quorum_probability
    for slot_id in problem.fixed:
        allowed[problem.index[slot_id]] = True
    return allowed


def violations(problem: Problem, chosen: Sequence[str], *, allowed: np.ndarray | None = None
               ) -> list[str]:
    """Every rule the chosen slot ids break, in words; empty when the plan is valid."""
    found: list[str] = []
    unknown = [c for c in chosen if c not in problem.index]
    if unknown:
        return [f"unknown slots {unknown}"]
    slots = sorted((problem.slots[problem.index[c]] for c in chosen), key=lambda s: s.start)
    if len(slots) != problem.meetings:
        found.append(f"{len(slots)} meetings instead of {problem.meetings}")
    if len(set(chosen)) != len(chosen):
        found.append("a slot is chosen twice")
    days = [s.day for s in slots]
    if len(set(days)) != len(days):
        found.append("two meetings on one day")
    for a, b in itertools.pairwise(days):
        gap = (b - a).days
        if gap < problem.min_gap_days:
            found.append(f"{a} and {b} are {gap} days apart, under {problem.min_gap_days}")
        if problem.max_gap_days is not None and gap > problem.max_gap_days:
            found.append(f"{a} and {b} are {gap} days apart, over {problem.max_gap_days}")
    counts = Counter(i for d in days for i, p in enumerate(problem.periods) if p.holds(d))
    for i, period in enumerate(problem.periods):
        if counts[i] != period.meetings:
            found.append(f"period {i} holds {counts[i]} meetings instead of {period.meetings}")
    missing = set(problem.fixed) - set(chosen)
    if missing:
        found.append(f"fixed meetings left out: {sorted(missing)}")
    allowed = eligible(problem) if allowed is None else allowed
    below = [c for c in chosen if not allowed[problem.index[c]]]
    if below:
        found.append(f"under the minimum quorum probability: {below}")
    return found
