"""One council's plans that reach floors on its shares (and total), depth first, each
branch bounded by every party's best completion."""
from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from .reduce import bound_prune
from .round_context import OutOfTime, RoundContext
from .validate import violations

__all__ = ["Picks"]

_LOW = -(1 << 50)  # an impossible sum


class Picks:
    """One council's plans whose every share reaches ``floor`` (and whose total reaches
    ``total``), depth first.

    Meetings are picked in order of day. A slot is tried only when every party (and the
    total) could still reach its floor with it and the best remaining picks (each row
    alone, on the days the gap leaves), so a search that ends without a plan proves
    there is none. The slots with the best such bound are tried first. Confirmed
    meetings are never skipped; the maximum gap, periods and the rest are checked on
    each plan.
    """

    def __init__(self, ctx: RoundContext, c: int, floor: int | None, total: int | None = None):
        council = ctx.councils[c]
        problem = council.problem
        self.problem, self.allowed = problem, council.allowed
        fixed = {problem.index[f] for f in problem.fixed}
        slots = council.kept
        parts: list[npt.NDArray[np.int64]] = []
        floors: list[int] = []
        if floor is not None and council.coef.shape[0]:
            slots = bound_prune(council.coef, problem.days, slots, problem.meetings,
                                problem.min_gap_days, floor, fixed)
            parts.append(council.coef)
            floors += [floor] * council.coef.shape[0]
        if total is not None:
            slots = bound_prune(council.totals[None, :], problem.days, slots, problem.meetings,
                                problem.min_gap_days, total, fixed)
            parts.append(council.totals[None, :])
            floors.append(total)
        if not parts:
            parts.append(np.zeros((1, len(problem.slots)), dtype=np.int64))
            floors.append(0)
        rows = np.vstack(parts)
        self.floors = np.array(floors, dtype=np.int64)[:, None]
        self.slots, self.k = slots, problem.meetings
        self.values = rows[:, slots]
        self.days = problem.days[slots]
        unique, self.day_index = np.unique(self.days, return_inverse=True)
        per_day = np.full((rows.shape[0], unique.size), _LOW, dtype=np.int64)
        np.maximum.at(per_day.T, self.day_index, self.values.T)
        following = np.searchsorted(unique, unique + max(1, problem.min_gap_days), side="left")
        self.first_of_day = np.searchsorted(self.day_index, np.arange(unique.size + 1))
        self.after = following[self.day_index]  # per slot: the first day a next meeting may take
        # suffix[j][:, d]: each row's best sum of j meetings on days d, d + 1, ... (gaps kept)
        self.suffix = [np.zeros((rows.shape[0], unique.size + 1), dtype=np.int64)]
        for _ in range(1, self.k):
            previous = self.suffix[-1]
            best = np.full_like(previous, _LOW)
            for d in range(unique.size - 1, -1, -1):
                best[:, d] = np.maximum(best[:, d + 1], per_day[:, d] + previous[:, following[d]])
            self.suffix.append(np.maximum(best, _LOW))
        self.fixed = np.flatnonzero(np.isin(slots, sorted(fixed)))
        self.checked = bool(problem.periods) or problem.max_gap_days is not None

    def best_total(self, hint: list[int] | None, forbidden: set[int], deadline: float
                   ) -> tuple[list[int] | None, bool]:
        """The plan with the best total (the last row) without the ``forbidden`` slots,
        by raising the total's floor past each plan found (``hint``, a valid plan, first);
        and whether the search ended, so that the plan is proven best (or that there is
        none)."""
        best = None
        where = {int(s): i for i, s in enumerate(self.slots)}
        if hint is not None and all(s in where and s not in forbidden for s in hint):
            sums = self.values[:, [where[s] for s in hint]].sum(axis=1)
            if (sums[:, None] >= self.floors).all():
                best, self.floors[-1, 0] = hint, int(sums[-1]) + 1
        try:
            for plan in self.plans(forbidden, deadline):
                best = plan
                self.floors[-1, 0] = int(self.values[-1, [where[s] for s in plan]].sum()) + 1
        except OutOfTime:
            return best, False
        return best, True

    @property
    def short(self) -> bool:
        """Fewer slots left than meetings: no plan at all."""
        return len(self.slots) < self.k

    def plans(self, forbidden: set[int], deadline: float) -> Iterator[list[int]]:
        """Every plan without the ``forbidden`` slots, best bound first; raises
        OutOfTime past the deadline."""
        blocked = np.isin(self.slots, sorted(forbidden)) if forbidden else \
            np.zeros(len(self.slots), dtype=bool)
        if self.short or blocked[self.fixed].any():
            return
        sums = np.zeros(self.values.shape[0], dtype=np.int64)
        yield from self._pick(0, sums, [], blocked, deadline)

    def _pick(self, start_day: int, sums: npt.NDArray[np.int64], chosen: list[int],
              blocked: npt.NDArray[np.bool_], deadline: float) -> Iterator[list[int]]:
        if time.perf_counter() > deadline:
            raise OutOfTime
        lo = int(self.first_of_day[min(start_day, len(self.first_of_day) - 1)])
        hi = len(self.slots)
        if any(f not in chosen for f in self.fixed[self.fixed < lo].tolist()):
            return  # a confirmed meeting was passed over
        pending = self.fixed[self.fixed >= lo]
        if pending.size:  # up to the next confirmed meeting's day, and on it only that one
            hi = int(self.first_of_day[self.day_index[pending[0]] + 1])
        if chosen and self.problem.max_gap_days is not None:
            hi = min(hi, int(np.searchsorted(
                self.days, self.days[chosen[-1]] + self.problem.max_gap_days, side="right")))
        if lo >= hi:
            return
        remaining = self.k - len(chosen) - 1
        score = (sums[:, None] + self.values[:, lo:hi]
                 + self.suffix[remaining][:, self.after[lo:hi]] - self.floors).min(axis=0)
        ok = (score >= 0) & ~blocked[lo:hi]
        if pending.size:
            same_day = self.day_index[lo:hi] == self.day_index[pending[0]]
            ok &= ~same_day | (np.arange(lo, hi) == pending[0])
        candidates = np.flatnonzero(ok)
        for s in (candidates[np.argsort(-score[candidates], kind="stable")] + lo).tolist():
            picked = [*chosen, s]
            if remaining:
                yield from self._pick(int(self.after[s]), sums + self.values[:, s], picked,
                                      blocked, deadline)
                continue
            plan = self.slots[picked].tolist()
            if self.fixed[self.fixed > s].size:
                continue  # a confirmed meeting after the last one
            if ((sums + self.values[:, s])[:, None] < self.floors).any():
                continue  # a floor raised since the candidates were chosen
            if self.checked and violations(self.problem, [self.problem.slots[p].id for p in plan],
                                           allowed=self.allowed):
                continue
            yield plan
