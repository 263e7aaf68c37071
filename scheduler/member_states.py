"""Each member's part in a confirmed (or cancelled) meeting, and the SEQUENCE of the
event that shows it (MODEL.md, *Each member's part in a confirmed meeting*).

``member_state`` is the one rule: the feed, the mail, the member's page, ``GET
/api/my/<token>`` and the chair's report show what it gives, from the same inputs.
``next_version`` is the one rule for the SEQUENCE a member sees: it never falls, is
never below the meeting's own (moves and cancellations raise that), and rises whenever
what the member is shown changes, so that a calendar client takes every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .council import Role

__all__ = ["BUSY_STATES", "COVERS_AT", "MEMBER_STATES", "MemberState", "ShownVersion",
           "StateNews", "member_state", "next_version", "state_news"]

MemberState = Literal["expected", "absent", "called_in", "standby", "informed", "cancelled"]
StateNews = Literal["called_in", "released", "standby", "informed", "absent", "expected"]
MEMBER_STATES: tuple[MemberState, ...] = ("expected", "absent", "called_in", "standby",
                                          "informed", "cancelled")
BUSY_STATES: frozenset[MemberState] = frozenset({"expected", "called_in", "standby"})
"""The states a member's calendar shows as busy time."""
COVERS_AT = 0.5
"""A member at least this likely to come covers their party (MODEL.md, *Coverage*)."""


def member_state(role: Role, *, cancelled: bool, absent: bool, called_in: bool | None,
                 representative_absent: bool, representative_probability: float) -> MemberState:
    """A member's state in a confirmed or cancelled meeting.

    ``absent``: the member said they cannot come (an answer, an absence, or a notice of
    absence recorded for them); ``called_in``: None when no substitute of the party is
    called in, else whether this member is; ``representative_absent`` and
    ``representative_probability``: whether the party's representative said they cannot
    come, and how likely they are to come (MODEL.md's p, statements included).

    Everyone's state in a cancelled meeting is ``cancelled``; anyone who said they cannot
    come is ``absent`` (a substitute too, called in or not); a representative otherwise is
    ``expected``; a substitute called in is ``called_in``; when another substitute is
    called in, the rest are ``informed``; otherwise a substitute is on ``standby`` when
    the representative does not cover (said absent, or p < 0.5), else ``informed``.
    """
    if cancelled:
        return "cancelled"
    if absent:
        return "absent"
    if role == "representative":
        return "expected"
    if called_in is not None:  # someone is called in: they are needed, no one else
        return "called_in" if called_in else "informed"
    if representative_absent or representative_probability < COVERS_AT:
        return "standby"
    return "informed"


@dataclass(frozen=True)
class ShownVersion:
    """What a member was last shown of a meeting: the state, the least SEQUENCE it had to
    have then (``floor``: the meeting's own SEQUENCE and the member's call-in changes),
    and the SEQUENCE it was shown with."""

    state: str
    floor: int
    sequence: int


def next_version(stored: ShownVersion | None, state: str, floor: int) -> ShownVersion:
    """What to show now, given what was last shown (``stored``; None: nothing yet), the
    state now and the least SEQUENCE now: the same when nothing changed; otherwise a
    SEQUENCE above the last one and at least ``floor``. The first showing is at ``floor``."""
    if stored is None:
        return ShownVersion(state, floor, floor)
    if stored.state == state and stored.floor == floor:
        return stored
    return ShownVersion(state, floor, max(stored.sequence + 1, floor))


def state_news(told: str, now: str) -> StateNews | None:
    """What to tell a member whose state in a meeting was last mailed to them as ``told``
    and is ``now``: nothing when it is the same; that they said they cannot come
    (``absent``, whatever they were before); called in; released (no longer called in,
    whatever they are now); on standby; not needed (``informed``, from standby or from
    their own absence); or expected again (a representative back from an absence).
    Cancelled meetings have their own mail: no news here."""
    if now in (told, "cancelled"):
        return None
    if now == "absent":
        return "absent"
    if now == "called_in":
        return "called_in"
    if told == "called_in":
        return "released"
    if now == "standby":
        return "standby"
    if now == "informed":
        return "informed"
    if now == "expected":
        return "expected"
    raise ValueError(f"unknown state {now!r}")
