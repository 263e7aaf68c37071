"""A meeting's history: every change to the meeting and to each member's part in it,
kept append-only with who made it (the audit trail a public body needs).

Who made a change (``by``) is one of
- ``token:<id>``: a person acting with an API token or a signed-in session (a secretary);
- ``member:<id>``: the member themselves, through their own link;
- ``system``: what follows from a change by rule, not by anyone's hand. A substitute
  called in or released and a party left uncovered or covered again follow from someone's
  answer, absence or move of the meeting: they are recorded by ``system``, and their
  detail names the change's author under ``after``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from .records import MeetingRecord
from .statements import absence_span

__all__ = ["KINDS", "SYSTEM", "Actor", "absence_detail", "actor_of", "member_actor",
           "token_actor"]

# confirmed, moved (old and new start and end), cancelled; answered (coming or absent);
# absence (declared by the member or given as notice by the secretary, or withdrawn);
# recorded (present or absent, after the meeting); called_in and released (a substitute);
# uncovered and covered_again (a party); mailed (a member was sent mail about it)
KINDS = ("confirmed", "moved", "cancelled", "answered", "absence", "recorded", "called_in",
         "released", "uncovered", "covered_again", "mailed")
SYSTEM = "system"
ActorKind = Literal["token", "member", "system"]
Actor = tuple[ActorKind, str | None]


def token_actor(token_id: str | None) -> str:
    """``by`` for a change made with a token (None: by the service itself)."""
    return SYSTEM if token_id is None else f"token:{token_id}"


def member_actor(member_id: str) -> str:
    """``by`` for a change a member made through their own link."""
    return f"member:{member_id}"


def actor_of(by: str) -> Actor:
    """``by`` read back: (``token``, id), (``member``, id) or (``system``, None)."""
    kind, _, found = by.partition(":")
    if kind == "token" and found:
        return "token", found
    if kind == "member" and found:
        return "member", found
    return "system", None


def absence_detail(spans: Sequence[tuple[dt.date, dt.date]], meeting: MeetingRecord,
                   zone: str) -> dict[str, Any] | None:
    """What a member's absences (local dates, inclusive) say of a meeting: ``{"absent":
    true, "from", "to"}`` over the absences that touch it, or None when none does."""
    touching = [(first, last) for first, last in spans
                if _touches(absence_span(first, last, zone), meeting)]
    if not touching:
        return None
    return {"absent": True, "from": min(a for a, _b in touching).isoformat(),
            "to": max(b for _a, b in touching).isoformat()}


def _touches(span: tuple[dt.datetime, dt.datetime], meeting: MeetingRecord) -> bool:
    return span[0] < meeting.end and span[1] > meeting.start
