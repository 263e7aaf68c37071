"""Proposals and meetings in the database; confirming a proposal creates its meetings once."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .repository import NotFound
from .tables import councils, meetings, proposals

__all__ = ["PlanStore", "StoredMeeting", "StoredProposal"]


@dataclass(frozen=True)
class StoredProposal:
    """A proposal as asked and answered."""

    id: str
    council_id: str
    request: dict[str, Any]
    document: dict[str, Any]
    status: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None


@dataclass(frozen=True)
class StoredMeeting:
    """A confirmed (or cancelled) meeting."""

    id: str
    council_id: str
    proposal_id: str | None
    start: dt.datetime
    end: dt.datetime
    status: str
    sequence: int
    updated_at: dt.datetime


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _proposal(row: sa.Row[Any]) -> StoredProposal:
    return StoredProposal(row.id, row.council_id, row.request, row.document, row.status,
                          _aware(row.created_at),
                          _aware(row.confirmed_at) if row.confirmed_at else None)


def _meeting(row: sa.Row[Any]) -> StoredMeeting:
    return StoredMeeting(row.id, row.council_id, row.proposal_id, _aware(row.starts_at),
                         _aware(row.ends_at), row.status, row.sequence, _aware(row.updated_at))


class PlanStore:
    """Proposals and meetings over one engine."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def add_proposal(self, council_id: str, request: dict[str, Any],
                     document: dict[str, Any]) -> StoredProposal:
        """Store a proposal's request and answer."""
        row = {"id": secrets.token_hex(8), "council_id": council_id, "request": request,
               "document": document, "status": str(document.get("status", "")),
               "created_at": dt.datetime.now(dt.UTC), "confirmed_at": None}
        with self.engine.begin() as db:
            if db.scalar(sa.select(councils.c.id).where(councils.c.id == council_id)) is None:
                raise NotFound(f"no council {council_id!r}")
            db.execute(proposals.insert().values(**row))
        return StoredProposal(**row)

    def proposal(self, proposal_id: str) -> StoredProposal:
        """A stored proposal, or NotFound."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(proposals).where(proposals.c.id == proposal_id)).first()
        if row is None:
            raise NotFound(f"no proposal {proposal_id!r}")
        return _proposal(row)

    def proposals(self, council_id: str) -> list[StoredProposal]:
        """A council's proposals, newest first."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(proposals).where(proposals.c.council_id == council_id)
                              .order_by(proposals.c.created_at.desc())).all()
        return [_proposal(r) for r in rows]

    def confirm(self, proposal_id: str, slots: Sequence[tuple[dt.datetime, dt.datetime]]
                ) -> tuple[bool, list[StoredMeeting]]:
        """Create the meetings of a proposal, once: (True, meetings) for the caller that
        confirmed it, (False, the meetings made earlier) for any later caller."""
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as db:
            won = db.execute(proposals.update().where(proposals.c.id == proposal_id)
                             .where(proposals.c.confirmed_at.is_(None))
                             .values(confirmed_at=now)).rowcount
            if not won:
                if db.scalar(sa.select(proposals.c.id).where(proposals.c.id == proposal_id)) is None:
                    raise NotFound(f"no proposal {proposal_id!r}")
            else:
                council_id = db.scalar(sa.select(proposals.c.council_id)
                                       .where(proposals.c.id == proposal_id))
                db.execute(meetings.insert(), [
                    {"id": secrets.token_hex(8), "council_id": council_id, "proposal_id": proposal_id,
                     "starts_at": start.astimezone(dt.UTC), "ends_at": end.astimezone(dt.UTC),
                     "status": "confirmed", "sequence": 0, "updated_at": now}
                    for start, end in slots])
            rows = db.execute(sa.select(meetings).where(meetings.c.proposal_id == proposal_id)
                              .order_by(meetings.c.starts_at)).all()
        return bool(won), [_meeting(r) for r in rows]

    def meetings(self, council_id: str) -> list[StoredMeeting]:
        """A council's meetings by start, cancelled ones included."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(meetings).where(meetings.c.council_id == council_id)
                              .order_by(meetings.c.starts_at)).all()
        return [_meeting(r) for r in rows]

    def meeting(self, meeting_id: str) -> StoredMeeting:
        """One meeting, or NotFound."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(meetings).where(meetings.c.id == meeting_id)).first()
        if row is None:
            raise NotFound(f"no meeting {meeting_id!r}")
        return _meeting(row)

    def change_meeting(self, meeting_id: str, *, start: dt.datetime | None = None,
                       end: dt.datetime | None = None, cancel: bool = False) -> StoredMeeting:
        """Move or cancel a meeting; its sequence goes up by one each time."""
        values: dict[str, object] = {"sequence": meetings.c.sequence + 1,
                                     "updated_at": dt.datetime.now(dt.UTC)}
        if start is not None and end is not None:
            values.update(starts_at=start.astimezone(dt.UTC), ends_at=end.astimezone(dt.UTC))
        if cancel:
            values["status"] = "cancelled"
        with self.engine.begin() as db:
            if not db.execute(meetings.update().where(meetings.c.id == meeting_id)
                              .values(**values)).rowcount:
                raise NotFound(f"no meeting {meeting_id!r}")
        return self.meeting(meeting_id)
