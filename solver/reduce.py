"""Exact reductions: slots that no optimal plan can need are left out of the model.

On one day, a slot is never needed when another eligible slot of that day is at least
as good for every party and at least as preferred, and strictly better in one of
these or equal in all and earlier: swapping it in keeps every rule (they count days)
and never lowers any objective stage.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .problem import Problem

__all__ = ["bound_prune", "useful_slots"]


def useful_slots(problem: Problem, allowed: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Positions of the eligible slots that survive per-day dominance, in order."""
    scaled = problem.scaled
    preference = np.array([s.preference for s in problem.slots], dtype=np.int64)
    fixed = {problem.index[f] for f in problem.fixed}
    keep: list[int] = []
    days = problem.days
    order = np.flatnonzero(allowed)
    if order.size == 0:
        return order
    boundaries = np.flatnonzero(np.diff(days[order])) + 1
    for group in np.split(order, boundaries):
        if group.size == 1:
            keep.extend(group.tolist())
            continue
        values = np.vstack([scaled[:, group], preference[group][None, :]])  # (p+1) x m
        at_least = (values[:, :, None] >= values[:, None, :]).all(axis=0)  # [t, s]: t >= s
        strictly = (values[:, :, None] > values[:, None, :]).any(axis=0)
        earlier = np.arange(group.size)[:, None] < np.arange(group.size)[None, :]
        dominates = at_least & (strictly | earlier)
        np.fill_diagonal(dominates, False)
        dominated = np.asarray(dominates.any(axis=0), dtype=bool)
        for position, slot in enumerate(group.tolist()):
            if not dominated[position] or slot in fixed:
                keep.append(slot)
    return np.array(sorted(keep), dtype=np.int64)


def _best_picks(per_day: npt.NDArray[np.int64], days: npt.NDArray[np.int64], picks: int,
                gap: int) -> tuple[list[npt.NDArray[np.int64]], list[npt.NDArray[np.int64]]]:
    """Prefix and suffix tables of the best sum of j picks (days ``gap`` apart), per row.

    ``prefix[j][:, i]`` covers days[0..i], ``suffix[j][:, i]`` days[i..]; index -1 and
    len(days) stand for the empty range (0 for j = 0, minus infinity otherwise).
    """
    rows, n = per_day.shape
    low = np.iinfo(np.int64).min // 8
    previous = np.searchsorted(days, days - gap, side="right") - 1
    following = np.searchsorted(days, days + gap, side="left")
    prefix = [np.zeros((rows, n + 1), dtype=np.int64)]  # column 0 = the empty range
    suffix = [np.zeros((rows, n + 1), dtype=np.int64)]  # column n = the empty range
    for _ in range(picks):
        before, after = prefix[-1], suffix[-1]
        new_prefix = np.full((rows, n + 1), low, dtype=np.int64)
        new_suffix = np.full((rows, n + 1), low, dtype=np.int64)
        for i in range(n):
            take = before[:, previous[i] + 1] + per_day[:, i]
            new_prefix[:, i + 1] = np.maximum(new_prefix[:, i], take)
        for i in range(n - 1, -1, -1):
            take = after[:, following[i]] + per_day[:, i]
            new_suffix[:, i] = np.maximum(new_suffix[:, i + 1], take)
        prefix.append(np.maximum(new_prefix, low))
        suffix.append(np.maximum(new_suffix, low))
    return prefix, suffix


def bound_prune(values: npt.NDArray[np.int64], days_of: npt.NDArray[np.int64],
                keep: npt.NDArray[np.int64], meetings: int, gap: int, lower: int,
                protected: set[int]) -> npt.NDArray[np.int64]:
    """Leave out slots that cannot be in any plan whose objective reaches ``lower``.

    ``values`` is rows x slots; a plan's objective is the smallest row sum over its
    slots (one row: the total). For a slot s, each row alone may take its best
    ``meetings - 1`` other days compatible with s (a relaxation of the plan), so
    ``min over rows of (value at s + that best)`` bounds every plan holding s; a slot
    whose bound is under ``lower`` is never needed. Repeated until nothing changes.
    """
    gap = max(1, gap)
    while keep.size:
        slot_days = days_of[keep]
        days, day_index = np.unique(slot_days, return_inverse=True)
        per_day = np.full((values.shape[0], days.size), np.iinfo(np.int64).min // 4, dtype=np.int64)
        np.maximum.at(per_day.T, day_index, values[:, keep].T)
        prefix, suffix = _best_picks(per_day, days, meetings - 1, gap)
        left = np.searchsorted(days, days - gap, side="right")  # prefix column for days <= d - gap
        right = np.searchsorted(days, days + gap, side="left")  # suffix column for days >= d + gap
        best_other = np.full((values.shape[0], days.size), np.iinfo(np.int64).min // 4,
                             dtype=np.int64)
        for j in range(meetings):
            combined = prefix[j][:, left] + suffix[meetings - 1 - j][:, right]
            best_other = np.maximum(best_other, combined)
        bound = (values[:, keep] + best_other[:, day_index]).min(axis=0)
        survive = (bound >= lower) | np.isin(keep, list(protected))
        if survive.all():
            return keep
        keep = keep[survive]
    return keep
