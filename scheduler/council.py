"""The scheduling domain: councils, parties, members, planning requests, proposals.

Plain values only: nothing here knows of files, HTTP, databases or the solver.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Body", "Council", "Member", "Party", "PastMeeting", "PlanningRequest", "Role", "Weights"]

Role = Literal["representative", "substitute"]


@dataclass(frozen=True)
class Weights:
    """q[status] and the default reliability of MODEL.md, configurable per council."""

    free: float = 1.0
    tentative: float = 0.5
    busy: float = 0.05
    oof: float = 0.0
    unknown: float = 0.7
    reliability: float = 0.95

    def q(self, status: str) -> float:
        """The attendance weight of a status."""
        return float(getattr(self, status))


@dataclass(frozen=True)
class Member:
    """A representative (ledamot) or substitute (ersättare) of a party."""

    name: str
    role: Role
    calendar: str | None = None  # a file path (absolute) or URL
    email: str | None = None
    invited: int = 0
    attended: int = 0
    language: str | None = None  # "sv" or "en"; None: the council's
    horizon: dt.date | None = None  # declared: the calendar says nothing after this date
    bodies: tuple[str, ...] = ()  # ids of the council's bodies the member sits in
    person: str | None = None  # the same person in another council of a round

    def reliability(self, weights: Weights) -> float:
        """r: the default, or the Beta(19, 1) posterior mean given attendance history."""
        if self.invited <= 0:
            return weights.reliability
        return (19 + self.attended) / (20 + self.invited)


@dataclass(frozen=True)
class Body:
    """A body whose meeting plan counts for its members: a municipal council, a board,
    another cooperation council. A draft plan counts as tentative."""

    id: str
    name: str
    calendar: str | None = None  # a file path (absolute) or URL of its meeting plan
    draft: bool = False


@dataclass(frozen=True)
class Party:
    """A party of the council (the region, a municipality) and its members."""

    id: str
    name: str
    members: tuple[Member, ...]
    travel: dt.timedelta = dt.timedelta()

    @property
    def representative(self) -> Member:
        """The party's representative."""
        return next(m for m in self.members if m.role == "representative")


@dataclass(frozen=True)
class PastMeeting:
    """A meeting held, and which parties were present."""

    date: dt.date
    present: tuple[str, ...]


@dataclass(frozen=True)
class Council:
    """A council: its parties, its time zone, its weights and its meeting history."""

    name: str
    timezone: str
    parties: tuple[Party, ...]
    weights: Weights = field(default_factory=Weights)
    venue: str | None = None
    blackouts: tuple[tuple[dt.date, dt.date], ...] = ()
    history: tuple[PastMeeting, ...] = ()
    language: str = "sv"  # what pages, feeds and mail speak unless a member prefers another
    bodies: tuple[Body, ...] = ()
    secretary_email: str | None = None  # told of call-ins and of parties left uncovered
    answer_days: int | None = None  # members answer up to this many working days before

    def party(self, party_id: str) -> Party:
        """The party with this id."""
        return next(p for p in self.parties if p.id == party_id)


@dataclass(frozen=True)
class PlanningRequest:
    """What a secretary asks for: k meetings in [start, end) under these rules."""

    start: dt.date
    end: dt.date
    meetings: int
    duration: dt.timedelta = dt.timedelta(hours=3)
    step: dt.timedelta = dt.timedelta(minutes=30)
    earliest: dt.time = dt.time(9)
    latest: dt.time = dt.time(16)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    blackouts: tuple[tuple[dt.date, dt.date], ...] = ()  # inclusive ranges
    objective: Literal["fair", "attendance"] = "fair"
    min_gap_days: int = 28
    max_gap_days: int | None = None
    alternatives: int = 3
    remote: bool = False
    time_limit_s: float = 10.0
    min_quorum_probability: float | None = None
    fairness_tolerance: float = 0.02  # fair: expected meetings the worst-off may give up
