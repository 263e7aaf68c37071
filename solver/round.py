"""Several councils that share people, planned together (a round).

MODEL.md, "Several councils planned together": each council keeps its own slots,
meetings and rules; two chosen meetings of different councils that share a person
leave at least ``between`` from the end of one to the start of the other. ``fair``
maximises the worst (council, party) share of its council's meetings, then the total
over councils (expected party-meetings), then preferred and earlier slots;
``attendance`` the total, then the same tie-breaks.

Shares are compared exactly in integers: council c's scaled presence times L / k_c, L
the least common multiple of the councils' meeting counts, so a share of 1 is
``SCALE * L`` units.

How a round is solved (measured on the region's round, benchmarks/round_solver.py):

1. each council alone by ``solve``: its reason when it has no plan, its plan, and
   bounds of its worst share and total (the round can do no better);
2. a first plan: the caller's hints when valid, the councils' own plans when they do
   not clash, otherwise the councils planned in turn;
3. the worst share by probes on a floor t: is there a plan whose every share reaches
   t? Only slots that can be in such a plan are kept (``reduce.bound_prune``), and
   each council's plans are searched depth first with each party's best completion as
   the bound (``_Picks``), then together (``_joint_plan``). Found, the floor rises;
   proven empty, the bound falls. On realistic presence a probe takes milliseconds
   where CP-SAT took seconds to find the same plan, and its linear bound (shared by
   all plans near the optimum) proved nothing within 30 s;
4. the total, then the tie-break: each council's best total under the floor bounds
   the round's; every council's plans near that bound are listed and searched
   together by branch and bound (``_best_together``); CP-SAT over one model of all
   councils (``_Model``, separation as cliques) when the plans are too many;
5. why there is no plan: a council alone (``solve``'s reason), or the groups whose
   separation cannot hold, by CP-SAT's assumptions (``_groups_at_fault``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from .errors import ProblemError
from .heuristic import objective_key
from .lagrange import relax
from .model import PlanModel, build_model
from .problem import SCALE, Objective, Problem
from .reduce import bound_prune
from .solution import Solution, Status
from .solve import solve
from .validate import eligible, violations

__all__ = ["RoundProblem", "RoundSolution", "clashes", "solve_round"]

Plan = list[list[int]]  # per council, the chosen problem positions in order
_ALONE_SHARE = 0.3  # of the time limit, for the councils solved alone
_ALONE_MAX_SHARE = 0.02  # of the time limit (at least half a second), for one council alone
_TURN_SHARE = 0.1  # of the time limit, for the councils planned in turn
_STEP_SHARE = 0.1  # of the time left, for one council planned while others are held
_WORST_SHARE = 0.7  # of the time left, for the worst share (the later stages are quick)
_PROBE_SHARE = 0.4  # of the time left for the worst share, for one probe
_LOW = -(1 << 50)  # an impossible sum
_LIST_UP_TO = 300  # plans listed per council in a probe; more: the council is searched last
_LIST_SHARE = 0.1  # of a probe's time, for listing one council's plans
_BEST_UP_TO = 2000  # plans listed per council for the total; more: CP-SAT decides instead


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


def _conflicts(start: npt.NDArray[np.int64], padded_end: npt.NDArray[np.int64], s: int, e: int
               ) -> npt.NDArray[np.bool_]:
    """Which of these slots come closer than ``between`` to the one at [s, e) (padded)."""
    result: npt.NDArray[np.bool_] = (start < e) & (s < padded_end)
    return result


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


@dataclass
class _Council:
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


class _Round:
    """The round's councils, coefficients and partners (councils sharing a group)."""

    def __init__(self, problem: RoundProblem):
        self.problem = problem
        self.unit = problem.unit
        self.fair = problem.objective == "fair"
        self.tolerance = round(problem.fairness_tolerance * self.unit) if self.fair else 0
        lcm = self.unit // SCALE
        between = int(problem.between.total_seconds())
        weight = sum(len(c.slots) * c.meetings for c in problem.councils) + 1
        self.councils: list[_Council] = []
        for council in problem.councils:
            start = np.array([round(s.start.timestamp()) for s in council.slots], dtype=np.int64)
            end = np.array([round(s.end.timestamp()) for s in council.slots], dtype=np.int64)
            preference = np.array([s.preference for s in council.slots], dtype=np.int64)
            self.councils.append(_Council(
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
                hit = _conflicts(council.start, council.padded_end, int(other.start[s]),
                                 int(other.padded_end[s]))
                found.update(np.flatnonzero(hit).tolist())
        return found

    def lift(self, plan: Plan) -> Plan:
        """A valid plan as a plan at least as good over the kept slots (see ``_reduce``)."""
        return [self.lift_one(c, chosen) for c, chosen in enumerate(plan)]

    def lift_one(self, c: int, chosen: list[int]) -> list[int]:
        """One council's plan over its kept slots, each slot replaced by one dominating it."""
        return sorted(self.councils[c].lift.get(s, s) for s in chosen)

    def positions(self, plans: Sequence[Sequence[str]]) -> Plan:
        """Slot ids per council as positions, in order."""
        return [sorted(c.problem.index[s] for s in p)
                for c, p in zip(self.councils, plans, strict=True)]


def _reduce(ctx: _Round) -> None:
    """Per-day dominance that respects the separation between councils.

    A slot s of council c is left out when another slot t of c on the same day is at
    least as good for every party and as preferred (and strictly better in one, or equal
    and earlier) and comes too close to no slot of a partner council that s does not
    also come too close to. Councils are reduced in order, each against the kept slots
    of the councils before it and the eligible slots of those after it. Exactness: take
    an optimal plan and, council by council in the same order, swap each left-out slot
    for a kept slot that dominates it (one exists: dominance is transitive and acyclic).
    The swap keeps every rule of the council (the day is the same), meets no meeting of
    an earlier council (those are kept slots, met by t only if met by s) nor of a later
    one (eligible slots, likewise), and lowers no stage of the objective.
    """
    for c, council in enumerate(ctx.councils):
        problem = council.problem
        others = [(ctx.councils[o], ctx.councils[o].kept if o < c
                   else np.flatnonzero(ctx.councils[o].allowed)) for o in sorted(ctx.partners[c])]
        other_start = np.concatenate([o.start[p] for o, p in others] or [np.zeros(0, np.int64)])
        other_end = np.concatenate([o.padded_end[p] for o, p in others]
                                   or [np.zeros(0, np.int64)])
        order = np.argsort(other_start, kind="stable")
        other_start, other_end = other_start[order], other_end[order]
        longest = int((other_end - other_start).max()) if other_start.size else 0
        preference = np.array([s.preference for s in problem.slots], dtype=np.int64)
        values = np.vstack([problem.scaled, preference[None, :]])
        fixed = {problem.index[f] for f in problem.fixed}
        allowed = np.flatnonzero(council.allowed)
        keep: list[int] = []
        if allowed.size == 0:
            council.kept = allowed
            continue
        boundaries = np.flatnonzero(np.diff(problem.days[allowed])) + 1
        for day in np.split(allowed, boundaries):
            if day.size == 1:
                keep.extend(day.tolist())
                continue
            here = values[:, day]
            at_least = (here[:, :, None] >= here[:, None, :]).all(axis=0)  # [t, s]: t >= s
            strictly = (here[:, :, None] > here[:, None, :]).any(axis=0)
            earlier = np.arange(day.size)[:, None] < np.arange(day.size)[None, :]
            dominates = at_least & (strictly | earlier)
            lo = int(np.searchsorted(other_start, int(council.start[day].min()) - longest))
            hi = int(np.searchsorted(other_start, int(council.padded_end[day].max())))
            if hi > lo:
                near = (council.start[day][:, None] < other_end[None, lo:hi]) & (
                    other_start[None, lo:hi] < council.padded_end[day][:, None])
                meets = near.astype(np.int64)
                dominates &= (meets @ (1 - meets).T) == 0  # t meets nothing that s does not
            np.fill_diagonal(dominates, False)
            dominated = np.asarray(dominates.any(axis=0), dtype=bool)
            for i, slot in enumerate(day.tolist()):
                if not dominated[i] or slot in fixed:
                    keep.append(slot)
                    continue
                by = np.flatnonzero(dominates[:, i] & ~dominated)
                council.lift[slot] = int(day[by[0]])
        council.kept = np.array(sorted(keep), dtype=np.int64)


def _separation(ctx: _Round, model: cp_model.CpModel, plans: dict[int, PlanModel],
                diagnose: bool) -> dict[int, cp_model.IntVar]:
    """Hard: meetings of different councils of one group at least ``between`` apart.

    Per group, every slot is padded at its end by ``between``; two slots come too close
    exactly when their padded intervals overlap, which they do at the later start. So
    the slots whose padded interval holds a start point form a clique: at most one of
    them is chosen. Slots of one council in a clique lie on one day (at most one a day
    holds anyway); a clique that would span days of one council, possible only for
    slots around midnight, is added pair by pair instead. Only the maximal cliques are
    added (a point after which some padded interval ends before the next start).
    With ``diagnose``, each group's constraints hang on a literal, returned by group.
    """
    literals: dict[int, cp_model.IntVar] = {}
    seen: set[frozenset[int]] = set()
    for g, group in enumerate(ctx.problem.groups):
        members = sorted(group & plans.keys())
        if len(members) < 2:
            continue
        literal = model.new_bool_var(f"group {g}") if diagnose else None
        if literal is not None:
            literals[g] = literal
            seen = set()
        items: list[tuple[int, int, int, int, cp_model.IntVar]] = []
        for c in members:
            plan = plans[c]
            council = ctx.councils[c]
            for var, slot, day in zip(plan.x, plan.slots.tolist(), plan.day_of.tolist(),
                                      strict=True):
                items.append((int(council.start[slot]), int(council.padded_end[slot]), c, day,
                              var))
        items.sort(key=lambda item: item[0])
        starts = sorted({item[0] for item in items})
        active: list[tuple[int, int, int, int, cp_model.IntVar]] = []
        position = 0
        for k, point in enumerate(starts):
            active = [item for item in active if item[1] > point]
            while position < len(items) and items[position][0] == point:
                active.append(items[position])
                position += 1
            following = starts[k + 1] if k + 1 < len(starts) else None
            if following is not None and min(item[1] for item in active) > following:
                continue  # the next start's clique holds this one
            _add_clique(model, active, literal, seen)
    return literals


def _add_clique(model: cp_model.CpModel, clique: list[tuple[int, int, int, int, cp_model.IntVar]],
                literal: cp_model.IntVar | None, seen: set[frozenset[int]]) -> None:
    days: dict[int, set[int]] = {}
    for _start, _end, c, day, _var in clique:
        days.setdefault(c, set()).add(day)
    if len(days) < 2:
        return
    key = frozenset(item[4].index for item in clique)
    if key in seen:
        return
    seen.add(key)
    if all(len(d) == 1 for d in days.values()):
        constraints = [model.add(sum(item[4] for item in clique) <= 1)]
    else:
        constraints = [model.add(a[4] + b[4] <= 1) for i, a in enumerate(clique)
                       for b in clique[i + 1:] if a[2] != b[2]]
    if literal is not None:
        for constraint in constraints:
            constraint.only_enforce_if(literal)


class _OutOfTime(Exception):
    """A search ran out of its time."""


class _Picks:
    """One council's plans whose every share reaches ``floor`` (and whose total reaches
    ``total``), depth first.

    Meetings are picked in order of day. A slot is tried only when every party (and the
    total) could still reach its floor with it and the best remaining picks (each row
    alone, on the days the gap leaves), so a search that ends without a plan proves
    there is none. The slots with the best such bound are tried first. Confirmed
    meetings are never skipped; the maximum gap, periods and the rest are checked on
    each plan.
    """

    def __init__(self, ctx: _Round, c: int, floor: int | None, total: int | None = None):
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
        except _OutOfTime:
            return best, False
        return best, True

    @property
    def short(self) -> bool:
        """Fewer slots left than meetings: no plan at all."""
        return len(self.slots) < self.k

    def plans(self, forbidden: set[int], deadline: float) -> Iterator[list[int]]:
        """Every plan without the ``forbidden`` slots, best bound first; raises
        _OutOfTime past the deadline."""
        blocked = np.isin(self.slots, sorted(forbidden)) if forbidden else \
            np.zeros(len(self.slots), dtype=bool)
        if self.short or blocked[self.fixed].any():
            return
        sums = np.zeros(self.values.shape[0], dtype=np.int64)
        yield from self._pick(0, sums, [], blocked, deadline)

    def _pick(self, start_day: int, sums: npt.NDArray[np.int64], chosen: list[int],
              blocked: npt.NDArray[np.bool_], deadline: float) -> Iterator[list[int]]:
        if time.perf_counter() > deadline:
            raise _OutOfTime
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


def _fits(ctx: _Round, c: int, plans: list[list[int]], o: int, others: list[list[int]]
          ) -> npt.NDArray[np.bool_]:
    """[a, b]: plan a of council c and plan b of council o keep apart."""
    mine, theirs = ctx.councils[c], ctx.councils[o]
    slots = np.unique(np.concatenate([np.array(p, dtype=np.int64) for p in plans]))
    other_slots = np.unique(np.concatenate([np.array(p, dtype=np.int64) for p in others]))
    near = ((mine.start[slots][:, None] < theirs.padded_end[other_slots][None, :])
            & (theirs.start[other_slots][None, :] < mine.padded_end[slots][:, None]))
    uses = np.zeros((len(plans), slots.size), dtype=np.float32)
    for a, plan in enumerate(plans):
        uses[a, np.searchsorted(slots, plan)] = 1
    other_uses = np.zeros((len(others), other_slots.size), dtype=np.float32)
    for b, plan in enumerate(others):
        other_uses[b, np.searchsorted(other_slots, plan)] = 1
    result: npt.NDArray[np.bool_] = (uses @ near.astype(np.float32) @ other_uses.T) == 0
    return result


def _joint_plan(ctx: _Round, picks: dict[int, _Picks], deadline: float) -> Plan | None:
    """A plan of every council from ``picks`` in which no group is double-booked, or None
    when there is none (the search is exhaustive); raises _OutOfTime past the deadline.

    The councils with few plans are listed whole and searched as a small constraint
    problem (the council with the fewest plans left first; each choice strikes the
    plans of other councils that it comes too close to). The councils with many plans
    come last, each picking depth first around the meetings already chosen.
    """
    if any(pick.short for pick in picks.values()):
        return None
    order = sorted(picks, key=lambda c: (len(picks[c].slots), c))
    first = {c: next(picks[c].plans(set(), deadline), None) for c in order}
    if any(plan is None for plan in first.values()):
        return None  # a council has no plan at all
    plan_of = [first[c] or [] for c in range(len(ctx.councils))]
    if ctx.valid(plan_of):
        return plan_of
    listed: dict[int, list[list[int]]] = {}
    slack: list[int] = []
    for c in order:  # a council is listed when its plans are few and quickly found
        plans: list[list[int]] = []
        until = time.perf_counter() + max(0.05, _seconds(deadline, _LIST_SHARE))
        try:
            for plan in picks[c].plans(set(), min(until, deadline)):
                plans.append(plan)
                if len(plans) > _LIST_UP_TO:
                    break
        except _OutOfTime:
            if time.perf_counter() > deadline:
                raise
            plans.append([])  # too slow to list: searched last
        if len(plans) > _LIST_UP_TO or not all(plans):
            slack.append(c)
        else:
            listed[c] = plans
    fits: dict[tuple[int, int], npt.NDArray[np.bool_]] = {}
    for c, mine in listed.items():
        for o, theirs in listed.items():
            if c < o and o in ctx.partners[c]:
                fits[c, o] = _fits(ctx, c, mine, o, theirs)
                fits[o, c] = fits[c, o].T
    planned: dict[int, list[int]] = {}

    def assign(domains: dict[int, npt.NDArray[np.bool_]]) -> bool:
        if time.perf_counter() > deadline:
            raise _OutOfTime
        waiting = [c for c in domains if c not in planned]
        if not waiting:
            return _place(ctx, slack, picks, planned, deadline)
        c = min(waiting, key=lambda w: (int(domains[w].sum()), w))
        for a in np.flatnonzero(domains[c]).tolist():
            narrowed = dict(domains)
            for o in waiting:
                if (c, o) in fits:
                    narrowed[o] = domains[o] & fits[c, o][a]
            if all(narrowed[o].any() for o in waiting if o != c):
                planned[c] = listed[c][a]
                if assign(narrowed):
                    return True
                del planned[c]
        return False

    if not assign({c: np.ones(len(plans), dtype=bool) for c, plans in listed.items()}):
        return None
    return [planned[c] for c in range(len(ctx.councils))]


def _best_together(ctx: _Round, picks: dict[int, _Picks], best: Plan, deadline: float
                   ) -> Plan:
    """The plan with the best total, then tie-break, among every council's plans in
    ``picks`` in which no group is double-booked; ``best`` when none is better. The
    search is exhaustive (branch and bound: a council's plans best first, each choice
    striking the plans of other councils too close to it, and the best plans left as
    the bound); raises _OutOfTime past the deadline or when a council has too many plans.
    """
    listed: dict[int, list[list[int]]] = {}
    for c, pick in picks.items():
        plans = []
        for plan in pick.plans(set(), deadline):
            plans.append(plan)
            if len(plans) > _BEST_UP_TO:
                raise _OutOfTime
        listed[c] = plans
    ties = {c: [int(ctx.councils[c].tie[p].sum()) for p in plans] for c, plans in listed.items()}
    if any(not t for t in ties.values()):
        return best
    least = {c: min(t) for c, t in ties.items()}
    weight = 1 + sum(max(t) - least[c] for c, t in ties.items())
    if weight * (1 + sum(int(ctx.councils[c].totals.max()) * ctx.councils[c].problem.meetings
                         for c in listed)) >= 1 << 62:
        raise _OutOfTime  # the combined key would overflow
    keys: dict[int, npt.NDArray[np.int64]] = {}
    for c, plans in listed.items():
        values = np.array([int(ctx.councils[c].totals[p].sum()) * weight + t - least[c]
                           for p, t in zip(plans, ties[c], strict=True)], dtype=np.int64)
        order = np.argsort(-values, kind="stable")
        listed[c] = [plans[i] for i in order]
        keys[c] = values[order]
    fits: dict[tuple[int, int], npt.NDArray[np.bool_]] = {}
    for c, mine in listed.items():
        for o, theirs in listed.items():
            if c < o and o in ctx.partners[c]:
                fits[c, o] = _fits(ctx, c, mine, o, theirs)
                fits[o, c] = fits[c, o].T
    record = [sum(int(ctx.councils[c].totals[p].sum()) * weight
                  + int(ctx.councils[c].tie[p].sum()) - least[c] for c, p in enumerate(best))]
    found: list[Plan] = []
    planned: dict[int, int] = {}

    def search(domains: dict[int, npt.NDArray[np.bool_]], value: int) -> None:
        if time.perf_counter() > deadline:
            raise _OutOfTime
        waiting = [c for c in domains if c not in planned]
        if not waiting:
            if value > record[0]:
                record[0] = value
                found.append([listed[c][planned[c]] for c in range(len(ctx.councils))])
            return
        tops = {c: int(keys[c][np.argmax(domains[c])]) for c in waiting}
        if value + sum(tops.values()) <= record[0]:
            return
        c = min(waiting, key=lambda w: (int(domains[w].sum()), w))
        rest = sum(tops.values()) - tops[c]
        for a in np.flatnonzero(domains[c]).tolist():
            if value + int(keys[c][a]) + rest <= record[0]:
                break  # the plans are in order of key: none after this one helps
            narrowed = dict(domains)
            for o in waiting:
                if (c, o) in fits:
                    narrowed[o] = domains[o] & fits[c, o][a]
            if all(narrowed[o].any() for o in waiting if o != c):
                planned[c] = a
                search(narrowed, value + int(keys[c][a]))
                del planned[c]

    search({c: np.ones(len(plans), dtype=bool) for c, plans in listed.items()}, 0)
    return found[-1] if found else best


def _place(ctx: _Round, order: Sequence[int], picks: dict[int, _Picks],
           planned: dict[int, list[int]], deadline: float) -> bool:
    """Plan the councils in ``order`` around the ``planned`` ones, depth first; when a
    council cannot be planned the one before tries its next plan, skipping those that
    leave the later councils the same slots as one that already failed."""

    def extend(i: int) -> bool:
        if i == len(order):
            return True
        c = order[i]
        later = [o for o in order[i + 1:] if o in ctx.partners[c]]
        failed: set[tuple[frozenset[int], ...]] = set()
        for plan in picks[c].plans(ctx.clashing(c, planned), deadline):
            footprint = tuple(frozenset(ctx.clashing(o, {c: plan})) for o in later)
            if footprint in failed:
                continue
            planned[c] = plan
            if extend(i + 1):
                return True
            failed.add(footprint)
        planned.pop(c, None)
        return False

    return extend(0)


@dataclass
class _Stage:
    """What one stage gave: a plan (or none), its value, and the proven upper bound."""

    plan: Plan | None
    value: int | None
    bound: int | None
    proven: bool
    infeasible: bool = False


class _Model:
    """A CP-SAT model over some councils, with slots of those councils left out.

    ``floor`` (fair): only plans whose every share reaches it are wanted, so slots that
    cannot be in such a plan are left out (``reduce.bound_prune``, per council);
    ``totals``: likewise, each council's total must reach the given value.
    """

    def __init__(self, ctx: _Round, members: Sequence[int],
                 forbidden: dict[int, set[int]] | None = None, *, diagnose: bool = False,
                 floor: int | None = None, totals: Sequence[int] | None = None):
        self.ctx = ctx
        self.model = cp_model.CpModel()
        self.plans: dict[int, PlanModel] = {}
        for c in members:
            council = ctx.councils[c]
            problem = council.problem
            slots = council.kept
            if forbidden and forbidden.get(c):
                slots = slots[~np.isin(slots, sorted(forbidden[c]))]
            fixed = {problem.index[f] for f in problem.fixed}
            if floor is not None and council.coef.shape[0]:
                slots = bound_prune(council.coef, problem.days, slots, problem.meetings,
                                    problem.min_gap_days, floor, fixed)
            if totals is not None:
                slots = bound_prune(council.totals[None, :], problem.days, slots,
                                    problem.meetings, problem.min_gap_days, totals[c], fixed)
            self.plans[c] = build_model(problem, slots, model=self.model, prefix=f"c{c} ")
        self.groups = _separation(ctx, self.model, self.plans, diagnose)
        self.worst: cp_model.IntVar | None = None

    def expression(self, name: str) -> cp_model.LinearExprT:
        """The total or the tie-break over the modelled slots."""
        variables: list[cp_model.IntVar] = []
        coefficients: list[int] = []
        for c, plan in self.plans.items():
            values = self.ctx.councils[c].totals if name == "total" else self.ctx.councils[c].tie
            variables += plan.x
            coefficients += values[plan.slots].tolist()
        return cp_model.LinearExpr.weighted_sum(variables, coefficients)

    def bound_worst(self, lower: int, upper: int) -> cp_model.IntVar:
        """A variable at most every modelled (council, party) share, within the bounds."""
        self.worst = self.model.new_int_var(lower, max(lower, upper), "worst share")
        for c, plan in self.plans.items():
            for row in self.ctx.councils[c].coef[:, plan.slots]:
                self.model.add(self.worst <= cp_model.LinearExpr.weighted_sum(plan.x, row.tolist()))
        return self.worst

    def maximise(self, expression: cp_model.LinearExprT, seconds: float, hint: Plan | None,
                 upper: int | None) -> _Stage:
        """Maximise ``expression`` (at most ``upper``) within ``seconds``, hinted."""
        self.model.maximize(expression)
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        if hint is not None:
            for c, plan in self.plans.items():
                picked = set(hint[c])
                for var, slot in zip(plan.x, plan.slots.tolist(), strict=True):
                    self.model.add_hint(var, slot in picked)
        if seconds <= 0:
            return _Stage(None, None, upper, False)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = self.ctx.problem.workers
        solver.parameters.random_seed = 0
        solver.parameters.cp_model_presolve = False  # measured: costs more than it saves here
        status = solver.solve(self.model)
        if status == cp_model.INFEASIBLE:
            return _Stage(None, None, None, False, infeasible=True)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _Stage(None, None, upper, False)
        found: Plan = [[] for _ in self.ctx.councils]
        for c, modelled in self.plans.items():
            found[c] = sorted(modelled.chosen(solver))
        value = round(solver.objective_value)
        bound = math.floor(solver.best_objective_bound + 1e-6)
        if upper is not None:
            bound = min(bound, upper)
        return _Stage(found, value, max(bound, value), status == cp_model.OPTIMAL)


def _seconds(deadline: float, share: float) -> float:
    return max(0.0, (deadline - time.perf_counter()) * share)


@dataclass
class _Alone:
    """A council solved alone: its plan, and upper bounds of its worst share (round
    units) and of its total (scaled)."""

    solution: Solution
    plan: list[int] | None
    worst_upper: int
    total_upper: int


def _scaled_bound(value: float) -> int:
    return math.floor(value * SCALE + 1e-6)


def _crude_bounds(council: _Council) -> tuple[int, int]:
    """Each party's k best days alone, and the k best days' totals: the worst share
    (round units) and the total no plan can pass."""
    problem = council.problem
    allowed = np.flatnonzero(council.allowed)
    k = problem.meetings
    if allowed.size == 0:
        return 0, 0
    days, where = np.unique(problem.days[allowed], return_inverse=True)
    rows = np.vstack([council.coef[:, allowed], council.totals[None, allowed]])
    best = np.zeros((rows.shape[0], days.size), dtype=np.int64)
    np.maximum.at(best.T, where, rows.T)
    top = -np.sort(-best, axis=1)[:, :k].sum(axis=1)
    worst = int(top[:-1].min()) if rows.shape[0] > 1 else 0
    return worst, int(top[-1])


def _solve_alone(ctx: _Round, c: int, forbidden: set[int], seconds: float) -> Solution:
    """Council c by the single-council solver, without the ``forbidden`` slots (τ = 0, so
    a fair plan reaches the council's own best worst-off party)."""
    problem = ctx.councils[c].problem
    if forbidden:
        keep = [i for i in range(len(problem.slots)) if i not in forbidden]
        if not keep or any(problem.index[f] in forbidden for f in problem.fixed):
            return Solution("infeasible", reason="every slot is taken", reason_key="no_slots")
        problem = dataclasses.replace(problem, slots=tuple(problem.slots[i] for i in keep),
                                      presence=problem.presence[:, keep])
    return solve(dataclasses.replace(
        problem, objective=ctx.problem.objective, fairness_tolerance=0.0, alternatives=0,
        time_limit_s=max(0.05, seconds), workers=ctx.problem.workers))


def _alone(ctx: _Round, c: int, seconds: float) -> _Alone:
    """Council c alone: its plan, and its bounds from the solver's proofs (or counting)."""
    council = ctx.councils[c]
    problem = council.problem
    solution = _solve_alone(ctx, c, set(), seconds)
    worst_upper, total_upper = _crude_bounds(council)
    plan = None
    if solution.status != "infeasible":
        plan = sorted(problem.index[s] for s in solution.chosen)
    per = ctx.unit // SCALE // problem.meetings
    if ctx.fair and len(problem.parties) > 1 and council.allowed.any():  # the Lagrangian bound

        def valid(chosen: list[int]) -> bool:
            return not violations(problem, [problem.slots[s].id for s in chosen],
                                  allowed=council.allowed)

        relaxed = relax(problem, np.flatnonzero(council.allowed), valid, objective_key(problem))
        if relaxed.upper > 0:  # 0 also when the gaps leave no plan at all: no bound then
            worst_upper = min(worst_upper, relaxed.upper * per)
    if ctx.fair and solution.worst_optimum is not None:
        if solution.bound_of == "worst_party_expected" and solution.bound is not None:
            worst_upper = min(worst_upper, _scaled_bound(solution.bound) * per)
        elif solution.bound_of != "worst_party_expected":
            worst_upper = min(worst_upper, round(solution.worst_optimum * SCALE) * per)
    attendance = solution.attendance_optimum if ctx.fair else solution
    if attendance is not None and attendance.status != "infeasible":
        if attendance.bound_of == "total_expected" and attendance.bound is not None:
            total_upper = min(total_upper, _scaled_bound(attendance.bound))
        elif attendance.bound_of is None:
            chosen = [problem.index[s] for s in attendance.chosen]
            total_upper = min(total_upper, int(council.totals[chosen].sum()))
    return _Alone(solution, plan, worst_upper, total_upper)


@dataclass
class _CouncilBest:
    """One council's best plan under a floor on its shares (some slots left out), with
    the proven bounds of its total and its tie-break (None when not proven)."""

    plan: list[int] | None
    total_upper: int | None
    tie_upper: int | None


def _council_best(ctx: _Round, c: int, forbidden: set[int], floor: int | None,
                  hint: list[int] | None, seconds: float, *, held: int | None = None
                  ) -> _CouncilBest:
    """Council c alone with every share at least ``floor`` (fair): the best total (or,
    given the total it must hold, ``held``, the best tie-break with it)."""
    until = time.perf_counter() + seconds
    if held is None:  # depth first, the total's floor raised past each plan found
        plan, ended = _Picks(ctx, c, floor, 0).best_total(hint, forbidden, until)
        if plan is None:
            return _CouncilBest(None, None, None)
        return _CouncilBest(plan, int(ctx.councils[c].totals[plan].sum()) if ended else None,
                            None)
    problem = ctx.councils[c].problem
    if any(problem.index[f] in forbidden for f in problem.fixed):
        return _CouncilBest(None, None, None)  # a confirmed meeting too close
    model = _Model(ctx, [c], {c: forbidden}, floor=floor, totals=[held] * len(ctx.councils))
    full_hint: Plan | None = None
    if hint is not None:
        full_hint = [[] for _ in ctx.councils]
        full_hint[c] = hint
    if floor is not None and ctx.councils[c].coef.shape[0]:
        model.bound_worst(floor, max(floor, int(ctx.councils[c].coef.sum(axis=1).max())))
    model.model.add(model.expression("total") >= held)
    tie = model.maximise(model.expression("tie"), until - time.perf_counter(), full_hint, None)
    return _CouncilBest(tie.plan[c] if tie.plan is not None else hint, held,
                        tie.bound if tie.proven else None)


def _fairest(ctx: _Round, c: int, forbidden: set[int], upper: int, deadline: float
             ) -> list[int] | None:
    """Council c's plan with the best worst share without the ``forbidden`` slots, by
    probes on the floor as in ``_Search.worst_stage`` (the best found by the deadline)."""
    best: list[int] | None = None
    low, ceiling = -1, upper
    while low < ceiling and time.perf_counter() < deadline:
        floor = (low + 1 + ceiling) // 2
        try:  # a probe may take a share of the time left; undecided, a lower floor is tried
            until = time.perf_counter() + max(0.1, _seconds(deadline, _PROBE_SHARE))
            found = next(_Picks(ctx, c, floor).plans(forbidden, min(until, deadline)), None)
        except _OutOfTime:
            found = None
        if found is None:
            ceiling = floor - 1
        else:
            best = found
            low = int(ctx.councils[c].coef[:, found].sum(axis=1).min(initial=floor))
    return best


def _in_turn(ctx: _Round, order: Sequence[int], start: list[list[int] | None],
             uppers: list[int], deadline: float) -> Plan | None:
    """The councils in ``order``, each keeping its plan in ``start`` when that meets no
    earlier council's meetings, otherwise planned alone without the clashing slots
    (fair: the best worst share by probes; attendance: the single-council solver)."""
    planned: dict[int, list[int]] = {}
    for i, c in enumerate(order):
        forbidden = ctx.clashing(c, planned)
        plan = start[c]
        if plan is None or forbidden & set(plan):
            until = time.perf_counter() + _seconds(deadline, 1 / (len(order) - i))
            if ctx.fair:
                plan = _fairest(ctx, c, forbidden, uppers[c], until)
            else:
                found = _solve_alone(ctx, c, forbidden, until - time.perf_counter())
                plan = None if found.status == "infeasible" else ctx.lift_one(
                    c, [ctx.councils[c].problem.index[s] for s in found.chosen])
        if plan is None:
            return None
        planned[c] = plan
    return [planned[c] for c in range(len(ctx.councils))]


def _repaired(ctx: _Round, start: list[list[int]], floor: int | None, deadline: float
              ) -> Plan | None:
    """The councils in order, each keeping its plan in ``start`` when that meets no
    earlier council's meetings, otherwise its best under ``floor`` without the clashing
    slots."""
    planned: dict[int, list[int]] = {}
    for c, own in enumerate(start):
        forbidden = ctx.clashing(c, planned)
        plan: list[int] | None = own
        if forbidden & set(own):
            seconds = _seconds(deadline, 1 / (len(start) - c))
            plan = _council_best(ctx, c, forbidden, floor, None, seconds).plan
        if plan is None:
            return None
        planned[c] = plan
    return [planned[c] for c in range(len(start))]


def _values(ctx: _Round, plan: Plan) -> tuple[float, float, tuple[dict[str, float], ...]]:
    worst, total = math.inf, 0.0
    per_party = []
    for council, chosen in zip(ctx.councils, plan, strict=True):
        problem = council.problem
        sums = problem.presence[:, chosen].sum(axis=1)
        per_party.append({p: float(v) for p, v in zip(problem.parties, sums, strict=True)})
        if sums.size:
            worst = min(worst, float(sums.min()) / problem.meetings)
        total += float(sums.sum())
    return (0.0 if math.isinf(worst) else worst), total, tuple(per_party)


def _groups_at_fault(ctx: _Round, seconds: float) -> tuple[int, ...] | None:
    """A small set of groups whose separation cannot hold with the councils' own rules,
    by CP-SAT's assumptions (one literal per group), shrunk one group at a time."""
    until = time.perf_counter() + seconds
    model = _Model(ctx, range(len(ctx.councils)), diagnose=True)
    names = {literal.index: g for g, literal in model.groups.items()}

    def core(groups: list[int]) -> list[int] | None:
        model.model.clear_assumptions()
        model.model.add_assumptions([model.groups[g] for g in groups])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.2, until - time.perf_counter())
        solver.parameters.num_workers = 1  # assumptions are reported by the single-thread core
        solver.parameters.random_seed = 0
        if solver.solve(model.model) != cp_model.INFEASIBLE:
            return None
        found = solver.sufficient_assumptions_for_infeasibility()
        return sorted(names[i] for i in found if i in names) or groups

    found = core(sorted(model.groups))
    if found is None:
        return None
    for g in list(found):  # leave out each group that the rest cannot do without
        if len(found) == 1 or time.perf_counter() > until:
            break
        smaller = core([h for h in found if h != g])
        if smaller is not None:
            found = smaller
    return tuple(found)


def _infeasible(started: float, reason: str, key: str, values: dict[str, Any],
                council: int | None = None, groups: tuple[int, ...] = ()) -> RoundSolution:
    return RoundSolution("infeasible", reason=reason, reason_key=key, reason_values=values,
                         council=council, groups_at_fault=groups,
                         solve_seconds=time.perf_counter() - started)


def _why_not_together(ctx: _Round, started: float, deadline: float) -> RoundSolution:
    groups = _groups_at_fault(ctx, max(0.5, deadline - time.perf_counter()))
    if groups is None:
        return _infeasible(started, "no plan was found within the time limit",
                           "no_plan_in_time", {})
    names = ctx.problem.names
    described = ["(" + ", ".join(names[c] for c in sorted(ctx.problem.groups[g])) + ")"
                 for g in groups]
    minutes = round(ctx.problem.between.total_seconds() / 60)
    text = "; ".join(described)
    return _infeasible(
        started, f"the councils that share people cannot keep {minutes} minutes between their "
        f"meetings: {text}", "groups_cannot_all_hold",
        {"between_minutes": minutes,
         "groups": [[names[c] for c in sorted(ctx.problem.groups[g])] for g in groups]},
        groups=groups)


def solve_round(problem: RoundProblem) -> RoundSolution:
    """The best plans for all councils of the round together, with how they were proven,
    or why there are none (a council alone, or the groups whose separation cannot hold).

    Keeps to ``problem.time_limit_s``; a stage stopped by it keeps the best plan found,
    with the stage's bound.
    """
    started = time.perf_counter()
    ctx = _Round(problem)
    n = len(problem.councils)
    alone: list[_Alone] = []
    until = started + _ALONE_SHARE * problem.time_limit_s
    most = max(0.5, _ALONE_MAX_SHARE * problem.time_limit_s)
    for c in range(n):
        found = _alone(ctx, c, min(most, max(0.0, until - time.perf_counter()) / (n - c)))
        solution = found.solution
        if solution.status == "infeasible" and solution.reason_key != "no_plan_in_time":
            return _infeasible(started, f"{problem.names[c]}: {solution.reason}",
                               solution.reason_key or "unknown",
                               {**solution.reason_values, "council": problem.names[c]}, council=c)
        alone.append(found)
    _reduce(ctx)
    return _Search(ctx, alone, started).run()


class _Search:
    """The round's stages over all councils, after each council was solved alone."""

    def __init__(self, ctx: _Round, alone: list[_Alone], started: float):
        self.ctx = ctx
        self.alone = alone
        self.started = started
        self.deadline = started + ctx.problem.time_limit_s
        self.totals = [a.total_upper for a in alone]
        self.candidates: list[Plan] = []
        self.hint: Plan | None = None
        self.proven = True
        self.bound: float | None = None
        self.bound_of: str | None = None
        self.worst_upper = 0  # fair: the proven bound of the worst share, once stage 1 ran

    def first_plans(self) -> None:
        """The caller's hints when valid; the councils' own plans when they do not clash,
        otherwise the councils planned in turn (the most constrained first)."""
        ctx, problem = self.ctx, self.ctx.problem
        if problem.hints is not None:
            self.hint = ctx.positions(problem.hints)
            if ctx.valid(self.hint):
                self.candidates.append(ctx.lift(self.hint))
        own = [ctx.lift_one(c, a.plan) if a.plan is not None else None
               for c, a in enumerate(self.alone)]
        union = [p for p in own if p is not None]
        if len(union) == len(own) and ctx.valid(union):
            self.candidates.append(union)
            return
        order = sorted(range(len(own)), key=lambda c: self.alone[c].worst_upper) \
            if ctx.fair else list(range(len(own)))
        until = time.perf_counter() + _TURN_SHARE * problem.time_limit_s
        turn = _in_turn(ctx, order, own, [a.worst_upper for a in self.alone], until)
        if turn is not None and ctx.valid(turn):
            self.candidates.append(turn)

    def stopped(self, name: str, bound: float) -> None:
        """A stage was stopped by the time limit; keep the bound of the first such stage."""
        if self.proven:
            self.bound, self.bound_of = bound, name
        self.proven = False

    def run(self) -> RoundSolution:
        """Every stage, each proven at once when a plan reaches its bound."""
        ctx, started, deadline = self.ctx, self.started, self.deadline
        n = len(ctx.councils)
        self.first_plans()
        best = max(self.candidates, key=ctx.key) if self.candidates else None
        worst_optimum: int | None = None
        floor: int | None = None
        if ctx.fair:  # stage 1: the worst (council, party) share
            outcome = self.worst_stage(best)
            if isinstance(outcome, RoundSolution):
                return outcome
            best = outcome
            worst_optimum = ctx.worst(best)
            floor = worst_optimum - ctx.tolerance
        # stage 2: the total; each council's best under the floor bounds it and may witness it
        per_council = [self.council_best(c, floor, best) for c in range(n)]
        witness: Plan | None = None
        if all(b.plan is not None for b in per_council):
            witness = [b.plan for b in per_council if b.plan is not None]
            if not ctx.valid(witness):
                until = time.perf_counter() + _seconds(deadline, 0.2)
                witness = _repaired(ctx, witness, floor, until)
        if witness is not None and ctx.valid(witness) and (floor is None
                                                           or ctx.worst(witness) >= floor):
            self.candidates.append(witness)
        held = [p for p in [*self.candidates, *([best] if best else [])]
                if floor is None or ctx.worst(p) >= floor]
        best = max(held, key=lambda p: ctx.key(p)[-2:]) if held else best
        uppers = [b.total_upper if b.total_upper is not None else t
                  for b, t in zip(per_council, self.totals, strict=True)]
        total_upper = sum(uppers)
        if best is not None:  # every council's plans near its best total, searched together
            gap = total_upper - ctx.key(best)[-2]
            try:
                picks = {c: _Picks(ctx, c, floor, u - gap) for c, u in enumerate(uppers)}
                until = time.perf_counter() + _seconds(deadline, 0.5)
                return self.answer(_best_together(ctx, picks, best, until), worst_optimum)
            except _OutOfTime:
                pass  # too many plans, or too slow: CP-SAT over all councils
        needed = None  # each council's least total in a plan that reaches the best total
        if best is not None:
            needed = [ctx.key(best)[-2] - total_upper + u for u in uppers]
        joint = _Model(ctx, range(n), floor=floor, totals=needed)
        if floor is not None:
            joint.bound_worst(floor, self.worst_upper)
        total = joint.expression("total")
        joint.model.add(total <= total_upper)
        if best is None or ctx.key(best)[-2] < total_upper:
            stage = joint.maximise(total, _seconds(deadline, 0.7), best or self.hint, total_upper)
            if stage.infeasible:
                return _why_not_together(ctx, started, deadline)
            if stage.plan is not None and (best is None or ctx.key(stage.plan)[-2:]
                                           > ctx.key(best)[-2:]):
                best = stage.plan
            if best is None:
                return _infeasible(started, "no plan was found within the time limit",
                                   "no_plan_in_time", {})
            if not stage.proven:
                self.stopped("total_expected", (stage.bound or total_upper) / SCALE)
        # stage 3: preferred, then earlier slots, with the total held
        best_total = ctx.key(best)[-2]
        joint.model.add(total >= best_total)
        tie_upper = None
        if best_total == total_upper and all(b.total_upper is not None for b in per_council):
            ties = [self.council_tie(c, floor, b, best) for c, b in enumerate(per_council)]
            if all(t is not None for t in ties):
                tie_upper = sum(t for t in ties if t is not None)
        if tie_upper is None or ctx.key(best)[-1] < tie_upper:
            stage = joint.maximise(joint.expression("tie"), _seconds(deadline, 1.0), best,
                                   tie_upper)
            if stage.plan is not None and ctx.key(stage.plan)[-2:] > ctx.key(best)[-2:]:
                best = stage.plan
            self.proven &= stage.proven
        return self.answer(best, worst_optimum)

    def worst_stage(self, best: Plan | None) -> Plan | RoundSolution:
        """The best worst share, by probes: is there a plan whose every share reaches t?

        Each probe searches the councils' plans exhaustively (``_joint_plan``); a plan
        found raises the floor, a search that ends without one lowers the bound. The
        first probe is just above the plan in hand (a proof at once when it is best),
        then the probes halve the range until they meet, or until the stage's time is
        out (the bound then stays with the plan).
        """
        ctx = self.ctx
        until = time.perf_counter() + _seconds(self.deadline, _WORST_SHARE)
        upper = min(a.worst_upper for a in self.alone)
        low = ctx.worst(best) if best is not None else -1
        ceiling = upper  # the highest floor worth a probe
        first = best is not None  # first just above the plan in hand: often a proof at once
        while low < ceiling and time.perf_counter() < until:
            floor = low + 1 if first else (low + 1 + ceiling) // 2
            picks = {c: _Picks(ctx, c, floor) for c in range(len(ctx.councils))}
            seconds = max(min(1.0, until - time.perf_counter()), _seconds(until, _PROBE_SHARE))
            try:
                found = _joint_plan(ctx, picks, time.perf_counter() + seconds)
            except _OutOfTime:  # undecided: a lower floor may still be found
                if not first:
                    ceiling = floor - 1
                first = False
                continue
            first = False
            if found is None:
                upper = ceiling = floor - 1
            else:
                if best is None or ctx.key(found) > ctx.key(best):
                    best = found
                low = ctx.worst(best)
        if best is None:
            if upper < 0:
                return _why_not_together(ctx, self.started, self.deadline)
            return _infeasible(self.started, "no plan was found within the time limit",
                               "no_plan_in_time", {})
        if low < upper:
            self.stopped("worst_share", upper / ctx.unit)
        self.worst_upper = upper
        return best

    def council_tie(self, c: int, floor: int | None, found: _CouncilBest, best: Plan
                    ) -> int | None:
        """Council c's best tie-break alone, holding its best total under the floor."""
        if found.tie_upper is not None or found.total_upper is None:
            return found.tie_upper
        seconds = _seconds(self.deadline, _STEP_SHARE)
        return _council_best(self.ctx, c, set(), floor, best[c], seconds,
                             held=found.total_upper).tie_upper

    def council_best(self, c: int, floor: int | None, best: Plan | None) -> _CouncilBest:
        """Council c's best under the floor: from its own solve when that was already
        the answer (attendance, proven), otherwise from a model of the council alone."""
        ctx, alone = self.ctx, self.alone[c]
        if not ctx.fair and alone.solution.status == "optimal" and alone.plan is not None:
            plan = ctx.lift_one(c, alone.plan)
            council = ctx.councils[c]
            return _CouncilBest(plan, int(council.totals[plan].sum()), int(council.tie[plan].sum()))
        return _council_best(ctx, c, set(), floor, best[c] if best else None,
                             _seconds(self.deadline, _STEP_SHARE))

    def answer(self, best: Plan, worst_optimum: int | None) -> RoundSolution:
        """The solution of the best plan."""
        ctx = self.ctx
        worst_share, total_expected, per_party = _values(ctx, best)
        return RoundSolution(
            "optimal" if self.proven else "feasible",
            tuple(tuple(ctx.councils[c].problem.slots[s].id for s in chosen)
                  for c, chosen in enumerate(best)),
            worst_share, total_expected, per_party,
            worst_optimum=worst_optimum / ctx.unit if worst_optimum is not None else None,
            fairness_tolerance=ctx.problem.fairness_tolerance if ctx.fair else None,
            bound=self.bound, bound_of=self.bound_of,
            solve_seconds=time.perf_counter() - self.started)
