"""What the optimisation answers: the plan, its values, and how it was proven."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Alternative", "Solution", "Status"]

Status = Literal["optimal", "feasible", "infeasible"]


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another slot for one meeting, the others held, and what it would change."""

    slot: str
    worst_party_expected: float
    total_expected: float
    worst_change: float
    total_change: float

    def as_json(self) -> dict[str, Any]:
        """The alternative as JSON."""
        return {"slot": self.slot, "worst_party_expected": round(self.worst_party_expected, 4),
                "total_expected": round(self.total_expected, 4),
                "worst_change": round(self.worst_change, 4),
                "total_change": round(self.total_change, 4)}


@dataclass(frozen=True)
class Solution:
    """A plan (slot ids in order of start) with its expected attendance.

    ``status`` is ``optimal`` when every objective stage was proven, ``feasible`` when
    the time limit stopped a stage (``bound`` then says how good the stage named in
    ``bound_of`` could still be), ``infeasible`` with a ``reason`` in words.
    """

    status: Status
    chosen: tuple[str, ...] = ()
    worst_party_expected: float = 0.0
    total_expected: float = 0.0
    per_party: dict[str, float] = field(default_factory=dict)
    solve_seconds: float = 0.0
    reason: str | None = None
    rule: str | None = None
    reason_key: str | None = None  # the reason as a key and values, for other languages
    reason_values: dict[str, Any] = field(default_factory=dict)
    worst_optimum: float | None = None  # fair: T*, the best the worst-off party could have
    fairness_tolerance: float | None = None  # fair: τ, how far below T* the plan may go
    bound: float | None = None
    bound_of: str | None = None
    attendance_optimum: Solution | None = None
    alternatives: dict[str, tuple[Alternative, ...]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The ``scheduler solve`` output document."""
        doc: dict[str, Any] = {"status": self.status, "chosen": list(self.chosen)}
        if self.status == "infeasible":
            doc["reason"] = self.reason
            if self.rule:
                doc["rule"] = self.rule
            doc["solve_seconds"] = round(self.solve_seconds, 3)
            return doc
        doc.update({
            "worst_party_expected": round(self.worst_party_expected, 4),
            "total_expected": round(self.total_expected, 4),
            "solve_seconds": round(self.solve_seconds, 3),
            "per_party": {p: round(v, 4) for p, v in self.per_party.items()},
        })
        if self.worst_optimum is not None:
            doc["worst_party_optimum"] = round(self.worst_optimum, 4)
            doc["fairness_tolerance"] = self.fairness_tolerance
        if self.bound is not None:
            doc["bound"] = {"of": self.bound_of, "value": round(self.bound, 4)}
        if self.attendance_optimum is not None:
            other = self.attendance_optimum
            doc["attendance_optimum"] = {
                "status": other.status, "chosen": list(other.chosen),
                "worst_party_expected": round(other.worst_party_expected, 4),
                "total_expected": round(other.total_expected, 4),
                "per_party": {p: round(v, 4) for p, v in other.per_party.items()},
                "price_of_fairness": round(other.total_expected - self.total_expected, 4),
                "gainers": sorted(p for p, v in self.per_party.items()
                                  if v > other.per_party.get(p, 0.0) + 1e-9),
            }
        if self.alternatives:
            doc["alternatives"] = {slot: [a.as_json() for a in alts]
                                   for slot, alts in self.alternatives.items()}
        return doc
