"""What the service keeps and hands out: councils with their ids, calendar states,
proposals, meetings and member links. Plain values, known to every layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .council import Council

__all__ = ["CalendarState", "CouncilRecord", "HistoryRecord", "MailRecord", "MeetingRecord",
           "OutgoingMail", "PlanState", "PollRecord", "ProposalRecord", "RoundRecord",
           "SessionRecord", "UntoldState"]


@dataclass(frozen=True)
class CouncilRecord:
    """A council as kept, with the ids given to it and its members."""

    id: str
    council: Council
    member_ids: dict[tuple[str, int], str]  # (party id, member position) -> member id

    def member_key(self, member_id: str) -> tuple[str, int]:
        """The (party id, position) of a member of this council."""
        for key, found in self.member_ids.items():
            if found == member_id:
                return key
        raise KeyError(member_id)


@dataclass(frozen=True)
class CalendarState:
    """What is known of a member's calendar: where it came from, when it was read, how
    far its stored intervals reach, and whether it can be read again for another window."""

    member_id: str
    content_hash: str | None
    fetched_at: dt.datetime | None
    last_error: str | None
    intervals: int
    window: tuple[dt.datetime, dt.datetime] | None = None
    rereadable: bool = False
    checked_at: dt.datetime | None = None  # last asked for, whether it answered or not
    failures: int = 0  # fetches in a row that failed
    failing_since: dt.datetime | None = None

    @property
    def known(self) -> bool:
        """True once a calendar has been read for this member."""
        return self.content_hash is not None


@dataclass(frozen=True)
class ProposalRecord:
    """A proposal as asked and answered."""

    id: str
    council_id: str
    request: dict[str, Any]
    document: dict[str, Any]
    status: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None


@dataclass(frozen=True)
class MeetingRecord:
    """A confirmed (or cancelled) meeting."""

    id: str
    council_id: str
    proposal_id: str | None
    start: dt.datetime
    end: dt.datetime
    status: str
    sequence: int
    updated_at: dt.datetime


@dataclass(frozen=True)
class HistoryRecord:
    """One change in a meeting's history (``scheduler.history``): when, what kind, the
    member whose part it changed (None: the meeting itself, or a party), who made it
    (``by``) and what changed (``detail``)."""

    id: int
    meeting_id: str
    at: dt.datetime
    kind: str
    member_id: str | None
    by: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class SessionRecord:
    """A signed-in browser session: the token it acts with, until it ends."""

    id: str
    token_id: str
    created_at: dt.datetime


@dataclass(frozen=True)
class PlanState:
    """What is known of a body's meeting plan."""

    kept: bool
    fetched_at: dt.datetime | None
    last_error: str | None


@dataclass(frozen=True)
class UntoldState:
    """A member whose state in a meeting, as shown now (``state``, ``sequence``), is not
    the one last mailed to them (``told_state``, ``told_sequence``)."""

    meeting_id: str
    member_id: str
    state: str
    sequence: int
    told_state: str
    told_sequence: int


@dataclass(frozen=True)
class CoverNews:
    """A change of the cover at a meeting whose quiet period is over: ``about`` is
    ``party:<key>`` (the secretary's view of a party) or ``representative:<key>`` (the
    party's representative's; a substitute's own call-in or release is a change of their
    state, ``UntoldState``);
    ``told`` what they were last told (None: nothing yet); ``held`` how many changes were
    waited for (a sender takes the news only as it read it)."""

    meeting_id: str
    about: str
    told: str | None
    held: int


@dataclass(frozen=True)
class OutgoingMail:
    """A message to put in the outbox: the whole RFC 5322 text and what it is about.
    ``dedupe_key``: a message with a key already in the outbox is not added again;
    ``undeliverable``: why it cannot be sent (its recipient is no address), so that it is
    kept as given up rather than sent."""

    recipient: str
    subject: str
    kind: str
    message: str
    dedupe_key: str | None = None
    undeliverable: str | None = None


@dataclass(frozen=True)
class MailRecord:
    """A message in the outbox and how its delivery went."""

    id: str
    created_at: dt.datetime
    recipient: str
    subject: str
    kind: str
    message: str
    state: str  # pending | sent | dead
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class PollRecord:
    """A poll of a council's members over candidate slots, open through its deadline day."""

    id: str
    council_id: str
    proposal_id: str | None
    deadline: dt.date
    slots: tuple[tuple[dt.datetime, dt.datetime], ...]
    created_at: dt.datetime


@dataclass(frozen=True)
class RoundRecord:
    """A planning round as asked and answered, with the councils in it (in order)."""

    id: str
    name: str
    council_ids: tuple[str, ...]
    request: dict[str, Any]
    document: dict[str, Any]
    status: str
    created_at: dt.datetime
