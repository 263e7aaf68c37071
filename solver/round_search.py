"""The councils' plans searched together: a plan in which no group is double-booked
(the worst share's probes), and the best such plan by branch and bound (the total)."""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .round_context import OutOfTime, Plan, RoundContext, seconds_left
from .round_picks import Picks

__all__ = ["best_together", "joint_plan"]

_LIST_SHARE = 0.1  # of a probe's time, for listing one council's plans


def _fits(ctx: RoundContext, c: int, plans: list[list[int]], o: int, others: list[list[int]]
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


def joint_plan(ctx: RoundContext, picks: dict[int, Picks], deadline: float, list_up_to: int
               ) -> Plan | None:
    """A plan of every council from ``picks`` in which no group is double-booked, or None
    when there is none (the search is exhaustive); raises OutOfTime past the deadline.

    The councils with few plans (at most ``list_up_to``) are listed whole and searched as a small constraint
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
        until = time.perf_counter() + max(0.05, seconds_left(deadline, _LIST_SHARE))
        try:
            for plan in picks[c].plans(set(), min(until, deadline)):
                plans.append(plan)
                if len(plans) > list_up_to:
                    break
        except OutOfTime:
            if time.perf_counter() > deadline:
                raise
            plans.append([])  # too slow to list: searched last
        if len(plans) > list_up_to or not all(plans):
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
            raise OutOfTime
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


def best_together(ctx: RoundContext, picks: dict[int, Picks], best: Plan, deadline: float,
                  up_to: int) -> Plan:
    """The plan with the best total, then tie-break, among every council's plans in
    ``picks`` in which no group is double-booked; ``best`` when none is better. The
    search is exhaustive (branch and bound: a council's plans best first, each choice
    striking the plans of other councils too close to it, and the best plans left as
    the bound); raises OutOfTime past the deadline or when a council has more than
    ``up_to`` plans.
    """
    listed: dict[int, list[list[int]]] = {}
    for c, pick in picks.items():
        plans = []
        for plan in pick.plans(set(), deadline):
            plans.append(plan)
            if len(plans) > up_to:
                raise OutOfTime
        listed[c] = plans
    ties = {c: [int(ctx.councils[c].tie[p].sum()) for p in plans] for c, plans in listed.items()}
    if any(not t for t in ties.values()):
        return best
    least = {c: min(t) for c, t in ties.items()}
    weight = 1 + sum(max(t) - least[c] for c, t in ties.items())
    if weight * (1 + sum(int(ctx.councils[c].totals.max()) * ctx.councils[c].problem.meetings
                         for c in listed)) >= 1 << 62:
        raise OutOfTime  # the combined key would overflow
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
            raise OutOfTime
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


def _place(ctx: RoundContext, order: Sequence[int], picks: dict[int, Picks],
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
