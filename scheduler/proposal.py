"""A proposal that explains itself: per meeting and party, who can come and why not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MeetingView", "MemberView", "PartyView", "Proposal", "coverage"]

_COVERED = 0.5  # a member this likely to come covers the party
_WHY = {"free": "free but unreliable", "tentative": "tentative", "busy": "busy",
        "oof": "out of office", "unknown": "has no calendar"}


@dataclass(frozen=True)
class MemberView:
    """One member at one meeting."""

    name: str
    role: str
    status: str
    probability: float


@dataclass(frozen=True)
class PartyView:
    """One party at one meeting: presence, members, and who covers it."""

    party: str
    name: str
    presence: float
    members: tuple[MemberView, ...]
    covered_by: str  # "representative" | "substitute" | "uncovered"
    why: str | None = None


@dataclass(frozen=True)
class AlternativeView:
    """Another time for one meeting, the others held."""

    start: dt.datetime
    end: dt.datetime
    worst_change: float
    total_change: float


@dataclass(frozen=True)
class MeetingView:
    """A proposed meeting with its expected attendance and its parties."""

    start: dt.datetime
    end: dt.datetime
    expected_parties: float
    quorum_probability: float
    parties: tuple[PartyView, ...]
    alternatives: tuple[AlternativeView, ...] = ()


@dataclass(frozen=True)
class Proposal:
    """The answer to a planning request."""

    council: str
    status: str
    objective: str
    meetings: tuple[MeetingView, ...] = ()
    total_expected: float = 0.0
    worst_party_expected: float = 0.0
    per_party: dict[str, float] = field(default_factory=dict)
    attendance_total: float | None = None
    attendance_worst: float | None = None
    attendance_per_party: dict[str, float] = field(default_factory=dict)
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    solve_seconds: float = 0.0
    slots_considered: int = 0
    days: dict[str, float] = field(default_factory=dict)  # best expected parties per day

    @property
    def price_of_fairness(self) -> float | None:
        """Total expected attendance given up for the worst-off party (fair mode)."""
        if self.attendance_total is None:
            return None
        return max(0.0, self.attendance_total - self.total_expected)

    @property
    def gainers(self) -> list[str]:
        """Parties that expect more meetings under ``fair`` than under ``attendance``."""
        return sorted(p for p, v in self.per_party.items()
                      if v > self.attendance_per_party.get(p, v) + 1e-9)

    def as_json(self) -> dict[str, Any]:
        """The ``propose --format json`` document of the contract (and more)."""
        doc: dict[str, Any] = {"status": self.status, "objective": self.objective,
                               "council": self.council}
        if self.reason:
            doc["reason"] = self.reason
        doc["meetings"] = [{
            "start": m.start.isoformat(), "end": m.end.isoformat(),
            "expected_parties": round(m.expected_parties, 4),
            "quorum_probability": round(m.quorum_probability, 4),
            "parties": [{
                "party": p.party, "name": p.name, "presence": round(p.presence, 4),
                "covered_by": p.covered_by,
                **({"why": p.why} if p.why else {}),
                "members": [{"name": x.name, "role": x.role, "status": x.status,
                             "probability": round(x.probability, 4)} for x in p.members],
            } for p in m.parties],
            "alternatives": [{"start": a.start.isoformat(), "end": a.end.isoformat(),
                              "worst_change": round(a.worst_change, 4),
                              "total_change": round(a.total_change, 4)}
                             for a in m.alternatives],
        } for m in self.meetings]
        doc["summary"] = {
            "total_expected": round(self.total_expected, 4),
            "worst_party_expected": round(self.worst_party_expected, 4),
            "per_party": {p: round(v, 4) for p, v in self.per_party.items()},
            "slots_considered": self.slots_considered,
            "days": {day: round(value, 3) for day, value in self.days.items()},
            "solve_seconds": round(self.solve_seconds, 3),
        }
        if self.price_of_fairness is not None:
            doc["summary"]["price_of_fairness"] = {
                "attendance_total_expected": round(self.attendance_total or 0.0, 4),
                "attendance_worst_party_expected": round(self.attendance_worst or 0.0, 4),
                "total_given_up": round(self.price_of_fairness, 4),
                "gainers": self.gainers,
            }
        if self.warnings:
            doc["warnings"] = list(self.warnings)
        return doc


def coverage(members: tuple[MemberView, ...]) -> tuple[str, str | None]:
    """Who covers the party at a meeting, and why the others cannot."""
    representative = next(m for m in members if m.role == "representative")
    substitutes = [m for m in members if m.role == "substitute"]
    if representative.probability >= _COVERED:
        return "representative", None
    rep_why = f"representative {_WHY[representative.status]}"
    covering = [m for m in substitutes if m.probability >= _COVERED]
    if covering:
        return "substitute", rep_why
    if not substitutes:
        return "uncovered", f"{rep_why}, no substitute"
    others = ", ".join(f"substitute {_WHY[m.status]}" for m in substitutes)
    return "uncovered", f"{rep_why}, {others}"
