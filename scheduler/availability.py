"""Who can come when: member status per slot, probabilities and party presence (MODEL.md).

Busy intervals are checked against every slot at once: per status, intervals sorted by
start with a running maximum of their ends tell, by one binary search per slot window,
whether any interval overlaps it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from calendars import BusyInterval, BusyStatus

from .council import Council, Member, Weights
from .horizon import Horizon, calendar_horizon, pattern_q, recurring_only
from .statements import Statement, apply_statements

__all__ = ["BASES", "STATUSES", "Availability", "Overlaps", "PlanMap", "StatementMap", "member_status",
           "presence"]

STATUSES = ("free", "tentative", "busy", "oof", "unknown")
BASES = ("calendar", "pattern", "none", "statement")  # what a status came from
PlanMap = Mapping[tuple[str, int], Sequence[BusyInterval]]
StatementMap = Mapping[tuple[str, int], Sequence[Statement]]
_LEVELS = (BusyStatus.TENTATIVE, BusyStatus.BUSY, BusyStatus.OOF)


def _epoch(moments: Sequence[dt.datetime]) -> npt.NDArray[np.float64]:
    return np.array([m.timestamp() for m in moments], dtype=np.float64)


class Overlaps:
    """Intervals prepared for overlap queries: per status, starts sorted with a running
    maximum of ends, so each query window costs one binary search."""

    def __init__(self, intervals: Sequence[BusyInterval]):
        buckets: dict[BusyStatus, list[tuple[float, float]]] = {name: [] for name in _LEVELS}
        for interval in intervals:
            if interval.end > interval.start:  # zero-length events never count
                buckets[interval.status].append((interval.start.timestamp(),
                                                 interval.end.timestamp()))
        self.levels: list[tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64]]] = []
        for level, name in enumerate(_LEVELS, 1):
            if buckets[name]:
                pairs = np.array(sorted(buckets[name]))
                self.levels.append((level, pairs[:, 0], np.maximum.accumulate(pairs[:, 1])))

    def status(self, starts: npt.NDArray[np.float64],
               ends: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
        """Per window [start, end): 0 free, 1 tentative, 2 busy, 3 oof (the strongest
        overlap; overlap needs a positive-length intersection)."""
        status = np.zeros(starts.size, dtype=np.int8)
        for level, begins, reach in self.levels:
            before = np.searchsorted(begins, ends, side="left")  # intervals starting before end
            hit = (before > 0) & (reach[np.maximum(before - 1, 0)] > starts)
            status[hit] = level
        return status


def member_status(intervals: Sequence[BusyInterval], starts: npt.NDArray[np.float64],
                  ends: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Per window [start, end): 0 free, 1 tentative, 2 busy, 3 oof (the strongest overlap).

    Overlap needs a positive-length intersection; zero-length events never count.
    """
    return Overlaps(intervals).status(starts, ends)


@dataclass(frozen=True)
class Availability:
    """Status, probability and basis per member and slot, presence per party and slot,
    each member's horizon (None for a member without a calendar) and reliability, and the
    zone (the council's) in which days are told."""

    status: dict[tuple[str, int], npt.NDArray[np.int8]]  # (party id, member index) -> codes
    probability: dict[tuple[str, int], npt.NDArray[np.float64]]
    presence: npt.NDArray[np.float64]  # parties x slots
    basis: dict[tuple[str, int], npt.NDArray[np.int8]] = field(default_factory=dict)
    horizons: dict[tuple[str, int], Horizon | None] = field(default_factory=dict)
    reliability: dict[tuple[str, int], float] = field(default_factory=dict)
    zone: str = "UTC"


def presence(council: Council, slots: Sequence[tuple[dt.datetime, dt.datetime]],
             busy: Mapping[tuple[str, int], Sequence[BusyInterval] | None], *,
             remote: bool = False, plans: PlanMap | None = None,
             statements: StatementMap | None = None) -> Availability:
    """MODEL.md: p = r * q[status] over the travel-widened window; P = 1 - prod(1 - p).

    ``busy[(party, i)]`` is None for a member without a calendar (status unknown).
    ``plans`` adds the meeting plans of the bodies a member sits in, read as they are.
    After a calendar's horizon a slot that meets no recurring interval (or plan) is
    unknown, with q learned from the member's habits (``scheduler.horizon``).
    ``statements`` are what members said themselves: the newest one overlapping a slot
    decides its status (``scheduler.statements``).
    """
    weights: Weights = council.weights
    q = np.array([weights.free, weights.tentative, weights.busy, weights.oof, weights.unknown])
    starts = _epoch([s for s, _ in slots])
    ends = _epoch([e for _, e in slots])
    statuses: dict[tuple[str, int], npt.NDArray[np.int8]] = {}
    probabilities: dict[tuple[str, int], npt.NDArray[np.float64]] = {}
    bases: dict[tuple[str, int], npt.NDArray[np.int8]] = {}
    horizons: dict[tuple[str, int], Horizon | None] = {}
    reliabilities: dict[tuple[str, int], float] = {}
    matrix = np.empty((len(council.parties), len(slots)))
    for p, party in enumerate(council.parties):
        travel = 0.0 if remote else party.travel.total_seconds()
        window_starts, window_ends = starts - travel, ends + travel
        absent = np.ones(len(slots))
        for i, member in enumerate(party.members):
            key = (party.id, i)
            plan = [dataclasses.replace(x, recurring=True) for x in (plans or {}).get(key, ())]
            own = busy.get(key)
            codes, basis, weight, horizon = _member(
                member, own, plan, window_starts, window_ends, q, weights, council.timezone)
            said = (statements or {}).get(key)
            if said:
                stated, hit = apply_statements(said, starts, ends)
                codes[hit], basis[hit], weight[hit] = stated[hit], _STATEMENT, q[stated[hit]]
            reliabilities[key] = _reliability(member, weights)
            probability = reliabilities[key] * weight
            statuses[key], probabilities[key], bases[key], horizons[key] = \
                codes, probability, basis, horizon
            absent *= 1 - probability
        matrix[p] = 1 - absent
    return Availability(statuses, probabilities, matrix, bases, horizons, reliabilities,
                        council.timezone)


_CALENDAR, _PATTERN, _NONE, _STATEMENT = 0, 1, 2, 3
_UNKNOWN = 4


def _member(member: Member, own: Sequence[BusyInterval] | None, plan: list[BusyInterval],
            starts: npt.NDArray[np.float64], ends: npt.NDArray[np.float64],
            q: npt.NDArray[np.float64], weights: Weights, zone: str,
            ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8], npt.NDArray[np.float64],
                       Horizon | None]:
    """One member's status codes, bases and q per window, and their horizon."""
    if own is None:
        codes = Overlaps(plan).status(starts, ends) if plan else np.zeros(starts.size, np.int8)
        known = codes > 0
        codes[~known] = _UNKNOWN
        basis = np.where(known, _CALENDAR, _NONE).astype(np.int8)
        return codes, basis, q[codes], None
    horizon = calendar_horizon(own, member.horizon, zone)
    everything = [*own, *plan]
    codes = Overlaps(everything).status(starts, ends)
    basis = np.full(starts.size, _CALENDAR, dtype=np.int8)
    weight = q[codes]
    if horizon.until is None:
        return codes, basis, weight, horizon
    after = np.flatnonzero(starts >= horizon.until.timestamp())
    if after.size:
        lasting = Overlaps(recurring_only(everything)).status(starts[after], ends[after])
        guessed = after[lasting == 0]
        codes[after] = lasting
        codes[guessed] = _UNKNOWN
        basis[guessed] = _PATTERN if horizon.learns else _NONE
        weight = q[codes]
        weight[guessed] = pattern_q(own, horizon, starts[guessed], ends[guessed], weights, zone)
    return codes, basis, weight, horizon


def _reliability(member: Member, weights: Weights) -> float:
    return member.reliability(weights)
