"""Local search over meetings for problems too large for CP-SAT to improve in time.

A move relocates one meeting to any useful slot between its neighbours (the gap rules
hold by construction; the other rules are checked by ``valid``). Stage 1 (the
worst-off party) descends on a soft minimum, ``sum over parties of exp(-v_p / beta)``,
which, unlike the minimum itself, also rewards lifting the parties just above the worst
one, and kicks the plan out of each local optimum by moving a few consecutive meetings
at random (iterated local search). Stage 2 (the total with the worst-off party held at
a floor) takes the best relocation that keeps every party at the floor.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from .problem import SCALE, Problem

__all__ = ["raise_total", "raise_worst"]

Plan = list[int]
_BETAS = (0.3 * SCALE, 0.15 * SCALE, 0.07 * SCALE)  # soft-minimum temperatures, in turn
_STALE_KICKS = 40  # kicks in a row without a better plan end a temperature
_SHORTLIST = 64  # places per meeting scored exactly, the best by the gradient
_VALID_TRIES = 8  # candidates tried, best first, when other rules may refuse a move
_SLACK = 0  # a local optimum this far below the best (scaled) still moves the search


class _Search:
    """A plan over the useful slots and every party's expected meetings in it."""

    def __init__(self, problem: Problem, useful: npt.NDArray[np.int64], plan: Sequence[int],
                 valid: Callable[[Plan], bool]) -> None:
        self.problem, self.useful, self.valid = problem, useful, valid
        self.values = np.ascontiguousarray(problem.scaled[:, useful].astype(np.int64))
        # slot by party, in floats: a range of slots is one block for the gradient's product
        self.columns = np.ascontiguousarray(self.values.T, dtype=np.float64)
        self.totals = self.values.sum(axis=0)
        self.days = problem.days[useful]
        self.gap = max(1, problem.min_gap_days)
        where = {int(s): i for i, s in enumerate(useful.tolist())}
        self.plan = sorted(where[int(s)] for s in plan)  # positions in ``useful``
        fixed = {problem.index[f] for f in problem.fixed}
        self.fixed = {where[s] for s in fixed if s in where}
        self.sums = self.values[:, self.plan].sum(axis=1)
        # rules the moves do not keep by construction
        self.checks = problem.max_gap_days is not None or bool(problem.periods)

    def slots(self, plan: Sequence[int] | None = None) -> Plan:
        """The plan as problem positions."""
        return sorted(int(self.useful[i]) for i in (self.plan if plan is None else plan))

    def window(self, position: int) -> tuple[int, int]:
        """The range of useful slots meeting ``position`` may move to (gap rules kept)."""
        plan, days = self.plan, self.days
        low = days[plan[position - 1]] + self.gap if position else -math.inf
        high = days[plan[position + 1]] - self.gap if position + 1 < len(plan) else math.inf
        start = 0 if low == -math.inf else int(np.searchsorted(days, low, side="left"))
        stop = len(days) if high == math.inf else int(np.searchsorted(days, high, side="right"))
        return start, max(start, stop)

    def movable(self) -> list[int]:
        """Positions in the plan of meetings that are not fixed."""
        return [i for i, slot in enumerate(self.plan) if slot not in self.fixed]

    def move(self, position: int, slot: int) -> None:
        """Put meeting ``position`` on useful slot ``slot``."""
        old = self.plan[position]
        self.sums = self.sums - self.values[:, old] + self.values[:, slot]
        self.plan[position] = slot  # the window keeps the plan in order of day

    def accepts(self, position: int, slot: int) -> bool:
        """Do the rules that moves do not keep by construction allow this move?"""
        if not self.checks:
            return True
        trial = list(self.plan)
        trial[position] = slot
        return self.valid(self.slots(trial))

    def key(self) -> tuple[int, int]:
        """The worst-off party, then the total (scaled)."""
        return int(self.sums.min()), int(self.sums.sum())


def _soft(sums: npt.NDArray[np.int64], reference: int, beta: float) -> npt.NDArray[np.float64]:
    exponent = np.minimum((reference - sums).astype(np.float32) * np.float32(1 / beta),
                          np.float32(60))
    return np.exp(exponent).sum(axis=0, dtype=np.float64)  # type: ignore[no-any-return]


def _descend(search: _Search, beta: float, deadline: float) -> None:
    """Relocate single meetings while that lowers the soft minimum."""
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        reference = int(search.sums.min())
        current = float(_soft(search.sums, reference, beta))
        for position in search.movable():
            start, stop = search.window(position)
            if stop <= start:
                continue
            base = search.sums - search.values[:, search.plan[position]]
            places = np.arange(start, stop)
            if places.size > _SHORTLIST:  # the soft minimum's gradient picks a shortlist
                weights = np.exp(np.minimum((reference - base) / beta, 60.0))
                linear = search.columns[start:stop] @ weights
                places = start + np.argpartition(-linear, _SHORTLIST - 1)[:_SHORTLIST]
            scores = _soft(base[:, None] + search.values[:, places], reference, beta)
            for candidate in np.argsort(scores, kind="stable")[:_VALID_TRIES].tolist():
                if scores[candidate] >= current * (1 - 1e-12):
                    break
                slot = int(places[candidate])
                if search.accepts(position, slot):
                    search.move(position, slot)
                    current = float(_soft(search.sums, reference, beta))
                    improved = True
                    break


def _kick(search: _Search, rng: np.random.Generator) -> bool:
    """Move one to three consecutive meetings to random places between their neighbours."""
    movable = search.movable()
    if not movable:
        return False
    first = int(rng.integers(len(movable)))
    for position in movable[first: first + int(rng.integers(1, 4))]:
        start, stop = search.window(position)
        if stop > start:
            slot = int(rng.integers(start, stop))
            if search.accepts(position, slot):
                search.move(position, slot)
    return True


def raise_worst(problem: Problem, useful: npt.NDArray[np.int64], start: Sequence[int],
                valid: Callable[[Plan], bool], deadline: float, seed: int = 0,
                patience: int = 2) -> Plan:
    """A plan whose worst-off party (then total) is at least as good as ``start``'s.

    Searches until ``deadline`` or until ``patience`` rounds of the temperatures found
    nothing better. ``start`` must be a valid plan over ``useful``; every plan returned
    is valid.
    """
    search = _Search(problem, useful, start, valid)
    rng = np.random.default_rng(seed)
    best_plan, best_key = list(search.plan), search.key()
    kept, kept_key = best_plan, best_key  # where the next kick starts
    turn, last_better = 0, 0
    while time.perf_counter() < deadline and turn - last_better < patience * len(_BETAS):
        beta, turn, stale = _BETAS[turn % len(_BETAS)], turn + 1, 0
        while stale < _STALE_KICKS and time.perf_counter() < deadline:
            _descend(search, beta, deadline)
            key = search.key()
            if key > best_key:
                best_plan, best_key, stale, last_better = list(search.plan), key, 0, turn
            else:
                stale += 1
            if key >= kept_key or key[0] >= best_key[0] - _SLACK:
                kept, kept_key = list(search.plan), key
            else:  # too far below the best: back to the last plan kept
                search.plan = list(kept)
                search.sums = search.values[:, search.plan].sum(axis=1)
            if not _kick(search, rng):
                return _valid_or(search.slots(best_plan), start, valid)
    return _valid_or(search.slots(best_plan), start, valid)


def _valid_or(found: Plan, start: Sequence[int], valid: Callable[[Plan], bool]) -> Plan:
    return found if valid(found) else sorted(int(s) for s in start)


def raise_total(problem: Problem, useful: npt.NDArray[np.int64], start: Sequence[int],
                floor: int, valid: Callable[[Plan], bool], deadline: float) -> Plan:
    """The best single relocations for the total that keep every party at ``floor``.

    ``start`` must be valid and keep every party at the floor; so does the plan returned.
    """
    search = _Search(problem, useful, start, valid)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for position in search.movable():
            start_, stop = search.window(position)
            if stop <= start_:
                continue
            old = search.plan[position]
            base = search.sums - search.values[:, old]
            lowest = (base[:, None] + search.values[:, start_:stop]).min(axis=0)
            gain = np.where(lowest >= floor, search.totals[start_:stop] - search.totals[old], -1)
            for candidate in np.argsort(-gain, kind="stable")[:_VALID_TRIES].tolist():
                if gain[candidate] <= 0:
                    break
                if search.accepts(position, start_ + candidate):
                    search.move(position, start_ + candidate)
                    improved = True
                    break
    found = search.slots()
    return found if valid(found) else sorted(int(s) for s in start)
