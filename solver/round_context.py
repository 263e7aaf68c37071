"""The round as the solver sees it: each council's integer coefficients, the partners
(councils sharing a group) and the checks of a plan.

Shares are compared exactly in integers: council c's scaled presence times L / k_c, L
the least common multiple of the councils' meeting counts, so a share of 1 is
``SCALE * L`` units.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .problem import SCALE, Problem
from .round_problem import RoundProblem
from .validate import eligible, violations

__all__ = ["PROBE_SHARE", "OutOfTime", "Plan", "RoundContext", "RoundCouncil", "seconds_left",
           "too_close"]

Plan = list[list[int]]  # per council, the chosen problem positions in order
PROBE_SHARE = 0.4  # of the time left for a worst share, for one probe


def too_close(start: npt.NDArray[np.int64], padded_end: npt.NDArray[np.int64], s: int, e: int
               ) -> npt.NDArray[np.bool_]:
    """Which of these slots come closer than ``between`` to the one at [s, e) (padded)."""
    result: npt.NDArray[np.bool_] = (start < e) & (s < padded_end)
    return result


@dataclass
class RoundCouncil:
    """One council as the round sees it: its problem and integer coefficients."""

    problem: Problem
    allowed: npt.NDArray[np.bool_]
    coef: npt.NDArray[np.int64]  # parties x slots: presence in round units (shares)
    totals: npt.NDArray[np.int64]  # per slot: scaled expected parties present
    tie: npt.NDArray[np.int64]  # per slot: preference first, then earlier
    start: npt.NDArray[np.int64]  # seconds
    padded_end: npt.NDArray[np.int64]  # seconds, end + between
    kept: npt.NDArray[np.int64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=np.int64))
    lift: dict[int, int] = dataclasses.field(default_factory=dict)  # dropped -> kept, as good


class RoundContext:
    """The round's councils, coefficients and partners (councils sharing a group)."""

    def __init__(self, problem: RoundProblem):
        self.problem = problem
        self.unit = problem.unit
        self.fair = problem.objective == "fair"
        self.tolerance = round(problem.fairness_tolerance * self.unit) if self.fair else 0
        lcm = self.unit // SCALE
        between = int(problem.between.total_seconds())
        weight = sum(len(c.slots) * c.meetings for c in problem.councils) + 1
        self.councils: list[RoundCouncil] = []
        for council in problem.councils:
            start = np.array([round(s.start.timestamp()) for s in council.slots], dtype=np.int64)
            end = np.array([round(s.end.timestamp()) for s in council.slots], dtype=np.int64)
            preference = np.array([s.preference for s in council.slots], dtype=np.int64)
            self.councils.append(RoundCouncil(
                council, eligible(council), council.scaled * (lcm // council.meetings),
                council.scaled.sum(axis=0), preference * weight - np.arange(len(council.slots)),
                start, end + between))
        self.partners: list[set[int]] = [set() for _ in problem.councils]
        for group in problem.groups:
            for c in group:
                self.partners[c] |= group - {c}

    def key(self, plan: Plan) -> tuple[int, ...]:
        """The round's lexicographic objective of a plan (higher is better)."""
        worst = min((int(c.coef[:, p].sum(axis=1).min()) for c, p in zip(self.councils, plan,
                                                                          strict=True)
                     if c.coef.shape[0]), default=0)
        total = sum(int(c.totals[p].sum()) for c, p in zip(self.councils, plan, strict=True))
        tie = sum(int(c.tie[p].sum()) for c, p in zip(self.councils, plan, strict=True))
        return (worst, total, tie) if self.fair else (total, tie)

    def worst(self, plan: Plan) -> int:
        """The worst (council, party) share of a plan, in round units."""
        return self.key(plan)[0] if self.fair else 0

    def valid(self, plan: Plan) -> bool:
        """Every council's rules hold and no group is double-booked."""
        for council, chosen in zip(self.councils, plan, strict=True):
            ids = [council.problem.slots[s].id for s in chosen]
            if violations(council.problem, ids, allowed=council.allowed):
                return False
        return not any(self.clashing(c, dict(enumerate(plan[:c]))) & set(plan[c])
                       for c in range(len(plan)))

    def clashing(self, c: int, planned: dict[int, list[int]]) -> set[int]:
        """Slots of council c that come too close to the chosen slots of the planned
        councils that share a group with it."""
        council = self.councils[c]
        found: set[int] = set()
        for o in self.partners[c] & planned.keys():
            other = self.councils[o]
            for s in planned[o]:
                hit = too_close(council.start, council.padded_end, int(other.start[s]),
                                 int(other.padded_end[s]))
                found.update(np.flatnonzero(hit).tolist())
        return found

    def lift(self, plan: Plan) -> Plan:
        """A valid plan as a plan at least as good over the kept slots (see ``reduce_round``)."""
        return [self.lift_one(c, chosen) for c, chosen in enumerate(plan)]

    def lift_one(self, c: int, chosen: list[int]) -> list[int]:
        """One council's plan over its kept slots, each slot replaced by one dominating it."""
        return sorted(self.councils[c].lift.get(s, s) for s in chosen)

    def positions(self, plans: Sequence[Sequence[str]]) -> Plan:
        """Slot ids per council as positions, in order."""
        return [sorted(c.problem.index[s] for s in p)
                for c, p in zip(self.councils, plans, strict=True)]


class OutOfTime(Exception):
    """A search ran out of its time."""


def seconds_left(deadline: float, share: float) -> float:
    """This share of the seconds left until the deadline (none when it is past)."""
    return max(0.0, (deadline - time.perf_counter()) * share)
