"""A proposal that explains itself: per meeting and party, who can come and why not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .horizon import Habit
from .wording import reason_text

__all__ = ["AlternativeView", "CalendarView", "Coverage", "MeetingView", "MemberView", "PartyView",
           "Proposal", "Reason", "coverage", "explain"]

_COVERED = 0.5  # a member this likely to come covers the party


@dataclass(frozen=True)
class MemberView:
    """One member at one meeting; ``notice`` when they gave notice of absence.

    ``calendar_ends`` is the last day (local) the member's calendar speaks of, None without
    a calendar or for one that speaks of every day; ``habit`` is the chance of coming that
    the member's habits give at the meeting before their reliability (``basis`` pattern),
    None when habits were not used."""

    name: str
    role: str
    status: str
    probability: float
    notice: bool = False
    basis: str = "calendar"  # calendar | pattern | statement | none (what the status came from)
    calendar_ends: dt.date | None = None
    habit: float | None = None

    @property
    def covers(self) -> bool:
        """Likely enough to come to cover the party."""
        return self.probability >= _COVERED

    @property
    def reason(self) -> str:
        """The reason code for which this member may not come: ``notice``, ``unreliable``
        (free), ``tentative``, ``busy``, ``oof``, ``calendar_ends`` (unknown beyond the end
        of their calendar) or ``unknown`` (no calendar at all)."""
        if self.notice:
            return "notice"
        if self.status == "free":
            return "unreliable"
        if self.status == "unknown" and self.calendar_ends is not None \
                and self.basis in ("pattern", "none"):
            return "calendar_ends"
        return self.status

    @property
    def habits(self) -> str:
        """What the habits say at the meeting: ``busy`` or ``free`` (the chance they give
        against 0.5), or ``too_little_history`` when none were learned."""
        if self.basis != "pattern" or self.habit is None:
            return "too_little_history"
        return "free" if self.habit >= _COVERED else "busy"


@dataclass(frozen=True)
class Reason:
    """One member who cannot cover the party, and why; ``no_substitute`` has no member.

    A ``calendar_ends`` reason carries the calendar's last day, what the habits say
    (``busy``, ``free``, ``too_little_history``) and the member's probability of coming."""

    role: str
    name: str | None
    reason: str
    calendar_ends: dt.date | None = None
    habits: str | None = None
    probability: float | None = None

    @classmethod
    def of(cls, member: MemberView) -> Reason:
        """Why ``member`` cannot cover their party."""
        code = member.reason
        if code != "calendar_ends":
            return cls(member.role, member.name, code)
        return cls(member.role, member.name, code, member.calendar_ends, member.habits,
                   member.probability)

    def words(self) -> str:
        """The reason in English words: ``representative busy``, ``no substitute``,
        ``representative: calendar ends 26 Feb 2027; habits suggest busy (9% likely to
        come)``."""
        return reason_text(self.as_json(), "en", named=False)

    def as_json(self) -> dict[str, Any]:
        """``{"role", "name", "reason"}``; for ``calendar_ends`` also the ISO date, the
        habits and the probability."""
        found: dict[str, Any] = {"role": self.role, "name": self.name, "reason": self.reason}
        if self.reason == "calendar_ends" and self.calendar_ends is not None:
            found.update(calendar_ends=self.calendar_ends.isoformat(), habits=self.habits,
                         probability=None if self.probability is None
                         else round(self.probability, 4))
        return found


@dataclass(frozen=True)
class Coverage:
    """Who covers a party at a meeting, and the members who cannot, in order."""

    covered_by: str  # "representative" | "substitute" | "uncovered"
    reasons: tuple[Reason, ...]

    @property
    def why(self) -> str | None:
        """The reasons in English words, or None when the representative covers."""
        return ", ".join(r.words() for r in self.reasons) or None


def _change(value: float) -> float:
    """A change rounded for JSON; one too small for four decimals kept as it is, so that
    it is never 0 or ``-0.0`` unless it is exactly 0."""
    rounded = round(value, 4)
    return value if value and not rounded else rounded + 0.0


def explain(members: tuple[MemberView, ...]) -> Coverage:
    """Who covers the party: the representative when likely to come, else a substitute
    likely to come; the reasons name the representative when not covering and, when no one
    covers, every substitute too (or that there is none)."""
    representative = next(m for m in members if m.role == "representative")
    substitutes = [m for m in members if m.role == "substitute"]
    if representative.covers:
        return Coverage("representative", ())
    reasons = [Reason.of(representative)]
    if any(m.covers for m in substitutes):
        return Coverage("substitute", tuple(reasons))
    reasons += [Reason.of(m) for m in substitutes] or [
        Reason("substitute", None, "no_substitute")]
    return Coverage("uncovered", tuple(reasons))


def coverage(members: tuple[MemberView, ...]) -> tuple[str, str | None]:
    """Who covers the party at a meeting, and why the others cannot (English words)."""
    found = explain(members)
    return found.covered_by, found.why


@dataclass(frozen=True)
class PartyView:
    """One party at one meeting: presence, members, and who covers it."""

    party: str
    name: str
    presence: float
    members: tuple[MemberView, ...]
    covered_by: str  # "representative" | "substitute" | "uncovered"
    why: str | None = None

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The members who cannot cover the party, and why."""
        return explain(self.members).reasons


_NOISE = 1e-9  # sums of probabilities that differ by less differ only in adding order


@dataclass(frozen=True)
class AlternativeView:
    """Another time for one meeting, the others held; a change smaller than the rounding
    noise of adding probabilities is no change (exactly 0)."""

    start: dt.datetime
    end: dt.datetime
    worst_change: float
    total_change: float

    def __post_init__(self) -> None:
        for name in ("worst_change", "total_change"):
            if abs(getattr(self, name)) < _NOISE:
                object.__setattr__(self, name, 0.0)


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
class CalendarView:
    """What one member's calendar could and could not say over the planning period."""

    party: str
    party_name: str
    member: str
    role: str
    has_calendar: bool
    horizon: dt.date | None = None  # the last day the calendar speaks of
    declared: bool = False
    weeks: int = 0  # covered weeks the habits were learned from
    habits: tuple[Habit, ...] = ()
    bodies: tuple[str, ...] = ()  # names of the bodies whose plans count for the member

    def as_json(self) -> dict[str, Any]:
        """The member's calendar as the proposal document gives it."""
        return {"party": self.party, "member": self.member, "role": self.role,
                "has_calendar": self.has_calendar,
                "horizon": self.horizon.isoformat() if self.horizon else None,
                "horizon_declared": self.declared, "weeks_learned_from": self.weeks,
                "habits": [{"weekday": h.weekday, "part": h.part, "busy_weeks": h.busy_weeks,
                            "weeks": h.weeks} for h in self.habits],
                "bodies": list(self.bodies)}

    @classmethod
    def from_json(cls, document: dict[str, Any], party_name: str = "") -> CalendarView:
        """A view from its JSON (as kept in a proposal or a report)."""
        horizon = document.get("horizon")
        return cls(document["party"], party_name or document["party"], document["member"],
                   document["role"], bool(document["has_calendar"]),
                   dt.date.fromisoformat(horizon) if horizon else None,
                   bool(document.get("horizon_declared")), int(document.get("weeks_learned_from", 0)),
                   tuple(Habit(h["weekday"], h["part"], float(h["busy_weeks"]), int(h["weeks"]))
                         for h in document.get("habits", [])),
                   tuple(document.get("bodies", [])))


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
    reason_key: str | None = None  # the reason as a key and values (scheduler.wording)
    reason_values: dict[str, Any] = field(default_factory=dict)
    calendars: tuple[CalendarView, ...] = ()  # calendars that stop speaking, or are missing
    worst_optimum: float | None = None  # fair: T*, the best the worst-off party could have
    fairness_tolerance: float | None = None  # fair: τ
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

    @property
    def party_names(self) -> dict[str, str]:
        """Each party's name by id, as the meetings give them."""
        return {p.party: p.name for m in self.meetings for p in m.parties}

    @property
    def gainer_names(self) -> list[str]:
        """The names of the ``gainers``, in the same order."""
        names = self.party_names
        return [names.get(p, p) for p in self.gainers]

    def as_json(self) -> dict[str, Any]:
        """The ``propose --format json`` document of the contract (and more)."""
        doc: dict[str, Any] = {"status": self.status, "objective": self.objective,
                               "council": self.council}
        if self.reason:
            doc["reason"] = self.reason
            if self.reason_key:
                doc["explanation"] = {"key": self.reason_key, "values": self.reason_values}
        doc["meetings"] = [{
            "start": m.start.isoformat(), "end": m.end.isoformat(),
            "expected_parties": round(m.expected_parties, 4),
            "quorum_probability": round(m.quorum_probability, 4),
            "parties": [{
                "party": p.party, "name": p.name, "presence": round(p.presence, 4),
                "covered_by": p.covered_by,
                **({"why": p.why} if p.why else {}),
                "reasons": [r.as_json() for r in p.reasons],
                "members": [{"name": x.name, "role": x.role, "status": x.status,
                             "probability": round(x.probability, 4), "basis": x.basis}
                            for x in p.members],
            } for p in m.parties],
            "alternatives": [{"start": a.start.isoformat(), "end": a.end.isoformat(),
                              "worst_change": _change(a.worst_change),
                              "total_change": _change(a.total_change)}
                             for a in m.alternatives],
        } for m in self.meetings]
        doc["summary"] = {
            "total_expected": round(self.total_expected, 4),
            "worst_party_expected": round(self.worst_party_expected, 4),
            **({"worst_party_optimum": round(self.worst_optimum, 4),
                "fairness_tolerance": self.fairness_tolerance}
               if self.worst_optimum is not None else {}),
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
                "gainer_names": self.gainer_names,
            }
        if self.calendars:
            doc["calendars"] = [c.as_json() for c in self.calendars]
        if self.warnings:
            doc["warnings"] = list(self.warnings)
        return doc

