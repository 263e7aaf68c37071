"""Who can come when: member status per slot, probabilities and party presence (MODEL.md).

Busy intervals are checked against every slot at once: per status, intervals sorted by
start with a running maximum of their ends tell, by one binary search per slot window,
whether any interval overlaps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from calendars import BusyInterval, BusyStatus

from .council import Council, Member, Weights

__all__ = ["STATUSES", "Availability", "member_status", "presence"]

STATUSES = ("free", "tentative", "busy", "oof", "unknown")
_LEVELS = (BusyStatus.TENTATIVE, BusyStatus.BUSY, BusyStatus.OOF)


def _epoch(moments: Sequence[dt.datetime]) -> npt.NDArray[np.float64]:
    return np.array([m.timestamp() for m in moments], dtype=np.float64)


def member_status(intervals: Sequence[BusyInterval], starts: npt.NDArray[np.float64],
                  ends: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Per window [start, end): 0 free, 1 tentative, 2 busy, 3 oof (the strongest overlap).

    Overlap needs a positive-length intersection; zero-length events never count.
    """
    status = np.zeros(starts.size, dtype=np.int8)
    for level, name in enumerate(_LEVELS, 1):
        chosen = [(i.start.timestamp(), i.end.timestamp()) for i in intervals
                  if i.status == name and i.end > i.start]
        if not chosen:
            continue
        pairs = np.array(sorted(chosen))
        reach = np.maximum.accumulate(pairs[:, 1])
        before = np.searchsorted(pairs[:, 0], ends, side="left")  # intervals starting before end
        hit = (before > 0) & (reach[np.maximum(before - 1, 0)] > starts)
        status[hit] = level
    return status


@dataclass(frozen=True)
class Availability:
    """Status and probability per member and slot, and presence per party and slot."""

    status: dict[tuple[str, int], npt.NDArray[np.int8]]  # (party id, member index) -> codes
    probability: dict[tuple[str, int], npt.NDArray[np.float64]]
    presence: npt.NDArray[np.float64]  # parties x slots


def presence(council: Council, slots: Sequence[tuple[dt.datetime, dt.datetime]],
             busy: dict[tuple[str, int], Sequence[BusyInterval] | None], *,
             remote: bool = False) -> Availability:
    """MODEL.md: p = r * q[status] over the travel-widened window; P = 1 - prod(1 - p).

    ``busy[(party, i)]`` is None for a member without a calendar (status unknown).
    """
    weights: Weights = council.weights
    q = np.array([weights.free, weights.tentative, weights.busy, weights.oof, weights.unknown])
    starts = _epoch([s for s, _ in slots])
    ends = _epoch([e for _, e in slots])
    statuses: dict[tuple[str, int], npt.NDArray[np.int8]] = {}
    probabilities: dict[tuple[str, int], npt.NDArray[np.float64]] = {}
    matrix = np.empty((len(council.parties), len(slots)))
    for p, party in enumerate(council.parties):
        travel = 0.0 if remote else party.travel.total_seconds()
        absent = np.ones(len(slots))
        for i, member in enumerate(party.members):
            intervals = busy.get((party.id, i))
            if intervals is None:
                codes = np.full(len(slots), 4, dtype=np.int8)
            else:
                codes = member_status(intervals, starts - travel, ends + travel)
            probability = _reliability(member, weights) * q[codes]
            statuses[(party.id, i)] = codes
            probabilities[(party.id, i)] = probability
            absent *= 1 - probability
        matrix[p] = 1 - absent
    return Availability(statuses, probabilities, matrix)


def _reliability(member: Member, weights: Weights) -> float:
    return member.reliability(weights)
