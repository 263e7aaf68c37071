"""Slots left out of a round before it is searched: per-day dominance that respects the
separation between councils."""
from __future__ import annotations

import numpy as np

from .round_context import RoundContext

__all__ = ["reduce_round"]


def reduce_round(ctx: RoundContext) -> None:
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
