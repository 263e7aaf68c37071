"""The optimisation problem on plain numbers: slots, presence per party, rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from .errors import ProblemError

__all__ = ["SCALE", "Objective", "Period", "Problem", "Slot"]

Objective = Literal["fair", "attendance"]
SCALE = 10_000
"""Probabilities are scaled to integers by this factor for the solver (MODEL.md: >= 10^4)."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A candidate meeting time; ``preference`` (higher is better) breaks ties."""

    id: str
    start: dt.datetime
    end: dt.datetime
    preference: int = 0

    @property
    def day(self) -> dt.date:
        """The local date of the start, which the once-a-day and gap rules count in."""
        return self.start.date()


@dataclass(frozen=True, slots=True)
class Period:
    """A date range [start, end) that must hold exactly ``meetings`` meetings."""

    start: dt.date
    end: dt.date
    meetings: int

    def holds(self, day: dt.date) -> bool:
        """True when ``day`` lies in the period."""
        return self.start <= day < self.end

    def describe(self) -> str:
        """The period in words, for messages."""
        last = self.end - dt.timedelta(days=1)
        return f"{describe_date(self.start)} – {describe_date(last)}"


def describe_date(day: dt.date) -> str:
    """A date as a person writes it: ``1 March 2027``."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Problem:
    """Choose ``meetings`` of ``slots`` to maximise parties' expected attendance.

    ``presence[p, s]`` is the probability that party ``p`` is present at slot ``s``.
    Slots are kept in order of start.
    """

    slots: tuple[Slot, ...]
    parties: tuple[str, ...]
    presence: npt.NDArray[np.float64]
    meetings: int
    objective: Objective = "fair"
    min_gap_days: int = 0
    max_gap_days: int | None = None
    periods: tuple[Period, ...] = ()
    fixed: tuple[str, ...] = ()
    min_quorum_probability: float | None = None
    quorum: int | None = None
    time_limit_s: float = 10.0
    alternatives: int = 3
    workers: int = 2
    fairness_tolerance: float = 0.02  # fair: the total is maximised with T >= T* - this

    @property
    def tolerance_scaled(self) -> int:
        """The fairness tolerance in the solver's integers (0 outside ``fair``)."""
        return round(self.fairness_tolerance * SCALE) if self.objective == "fair" else 0

    def __post_init__(self) -> None:
        check_problem(self)

    @cached_property
    def index(self) -> dict[str, int]:
        """Slot id to its position."""
        return {slot.id: i for i, slot in enumerate(self.slots)}

    @cached_property
    def scaled(self) -> npt.NDArray[np.int64]:
        """Presence scaled to integers, as the solver sees it."""
        return np.rint(self.presence * SCALE).astype(np.int64)

    @cached_property
    def days(self) -> npt.NDArray[np.int64]:
        """Each slot's day as a day number (proleptic ordinal)."""
        return np.array([slot.day.toordinal() for slot in self.slots], dtype=np.int64)

    @property
    def quorum_size(self) -> int:
        """Q: the number of parties that makes a quorum (default a majority)."""
        return self.quorum if self.quorum is not None else len(self.parties) // 2 + 1


def check_problem(problem: Problem) -> None:
    """Raise ProblemError naming the field when the problem is malformed."""
    n_parties, n_slots = len(problem.parties), len(problem.slots)
    if problem.presence.shape != (n_parties, n_slots):
        raise ProblemError(f"expected a {n_parties} x {n_slots} matrix", field="presence")
    if n_slots and (np.isnan(problem.presence).any() or problem.presence.min() < 0
                    or problem.presence.max() > 1):
        raise ProblemError("probabilities must lie between 0 and 1", field="parties.presence")
    if problem.meetings < 1:
        raise ProblemError("must be at least 1", field="meetings")
    if problem.objective not in ("fair", "attendance"):
        raise ProblemError("must be 'fair' or 'attendance'", field="objective")
    if problem.min_gap_days < 0:
        raise ProblemError("must not be negative", field="min_gap_days")
    if problem.max_gap_days is not None and problem.max_gap_days < max(1, problem.min_gap_days):
        raise ProblemError("must be at least 1 and at least min_gap_days", field="max_gap_days")
    if problem.time_limit_s <= 0:
        raise ProblemError("must be positive", field="time_limit_s")
    if not 0 <= problem.fairness_tolerance <= problem.meetings:
        raise ProblemError("must lie between 0 and the number of meetings",
                           field="fairness_tolerance")
    if len(set(problem.parties)) != n_parties:
        raise ProblemError("party ids must be unique", field="parties")
    seen: set[str] = set()
    for i, slot in enumerate(problem.slots):
        if slot.id in seen:
            raise ProblemError(f"duplicate slot id {slot.id!r}", field=f"slots[{i}].id")
        seen.add(slot.id)
        if slot.start.tzinfo is None or slot.end.tzinfo is None:
            raise ProblemError("times need a UTC offset", field=f"slots[{i}]")
        if slot.end <= slot.start:
            raise ProblemError("must be after start", field=f"slots[{i}].end")
        if i and slot.start < problem.slots[i - 1].start:
            raise ProblemError("slots must be in order of start", field=f"slots[{i}].start")
    for i, slot_id in enumerate(problem.fixed):
        if slot_id not in seen:
            raise ProblemError(f"unknown slot {slot_id!r}", field=f"fixed[{i}]")
    for i, period in enumerate(problem.periods):
        if period.end <= period.start:
            raise ProblemError("'to' must be after 'from'", field=f"periods[{i}].to")
        if period.meetings < 0:
            raise ProblemError("must not be negative", field=f"periods[{i}].meetings")
    if problem.min_quorum_probability is not None and not 0 <= problem.min_quorum_probability <= 1:
        raise ProblemError("must lie between 0 and 1", field="min_quorum_probability")
    if problem.quorum is not None and not 1 <= problem.quorum <= max(1, n_parties):
        raise ProblemError("must be between 1 and the number of parties", field="quorum")
    if problem.alternatives < 0:
        raise ProblemError("must not be negative", field="alternatives")
