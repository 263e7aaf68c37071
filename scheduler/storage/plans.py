"""Proposals and meetings in the database (inside a unit of work)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..errors import NotFound
from ..records import MeetingRecord, ProposalRecord
from .rows import aware, now
from .tables import councils, meetings, proposals

__all__ = ["PlanRepository"]


def _proposal(row: sa.Row[Any]) -> ProposalRecord:
    return ProposalRecord(row.id, row.council_id, row.request, row.document, row.status,
                          aware(row.created_at),
                          aware(row.confirmed_at) if row.confirmed_at else None)


def _meeting(row: sa.Row[Any]) -> MeetingRecord:
    return MeetingRecord(row.id, row.council_id, row.proposal_id, aware(row.starts_at),
                         aware(row.ends_at), row.status, row.sequence, aware(row.updated_at))


class PlanRepository:
    """Proposals and meetings over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def add_proposal(self, council_id: str, request: dict[str, Any],
                     document: dict[str, Any]) -> ProposalRecord:
        """Store a proposal's request and answer."""
        record = ProposalRecord(secrets.token_hex(8), council_id, request, document,
                                str(document.get("status", "")), now(), None)
        if self.db.scalar(sa.select(councils.c.id).where(councils.c.id == council_id)) is None:
            raise NotFound(f"no council {council_id!r}")
        self.db.execute(proposals.insert().values(
            id=record.id, council_id=council_id, request=request, document=document,
            status=record.status, created_at=record.created_at, confirmed_at=None))
        return record

    def proposal(self, proposal_id: str) -> ProposalRecord:
        """A stored proposal, or NotFound."""
        row = self.db.execute(sa.select(proposals).where(proposals.c.id == proposal_id)).first()
        if row is None:
            raise NotFound(f"no proposal {proposal_id!r}")
        return _proposal(row)

    def proposals(self, council_id: str) -> list[ProposalRecord]:
        """A council's proposals, newest first."""
        rows = self.db.execute(sa.select(proposals).where(proposals.c.council_id == council_id)
                               .order_by(proposals.c.created_at.desc())).all()
        return [_proposal(r) for r in rows]

    def confirm(self, proposal_id: str, slots: Sequence[tuple[dt.datetime, dt.datetime]]
                ) -> tuple[bool, list[MeetingRecord]]:
        """Create the meetings of a proposal, once: (True, meetings) for the caller that
        confirmed it, (False, the meetings made earlier) for any later caller."""
        moment = now()
        won = self.db.execute(proposals.update().where(proposals.c.id == proposal_id)
                              .where(proposals.c.confirmed_at.is_(None))
                              .values(confirmed_at=moment)).rowcount
        if not won:
            if self.db.scalar(sa.select(proposals.c.id).where(proposals.c.id == proposal_id)) is None:
                raise NotFound(f"no proposal {proposal_id!r}")
        else:
            council_id = self.db.scalar(sa.select(proposals.c.council_id)
                                        .where(proposals.c.id == proposal_id))
            self.db.execute(meetings.insert(), [
                {"id": secrets.token_hex(8), "council_id": council_id, "proposal_id": proposal_id,
                 "starts_at": start.astimezone(dt.UTC), "ends_at": end.astimezone(dt.UTC),
                 "status": "confirmed", "sequence": 0, "updated_at": moment}
                for start, end in slots])
        rows = self.db.execute(sa.select(meetings).where(meetings.c.proposal_id == proposal_id)
                               .order_by(meetings.c.starts_at)).all()
        return bool(won), [_meeting(r) for r in rows]

    def meetings(self, council_id: str) -> list[MeetingRecord]:
        """A council's meetings by start, cancelled ones included."""
        rows = self.db.execute(sa.select(meetings).where(meetings.c.council_id == council_id)
                               .order_by(meetings.c.starts_at)).all()
        return [_meeting(r) for r in rows]

    def councils_meeting_after(self, at: dt.datetime) -> list[str]:
        """The councils with a confirmed meeting that ends after ``at``."""
        rows = self.db.execute(sa.select(meetings.c.council_id).distinct()
                               .where(meetings.c.status == "confirmed")
                               .where(meetings.c.ends_at > at.astimezone(dt.UTC))
                               .order_by(meetings.c.council_id))
        return [r.council_id for r in rows]

    def meeting(self, meeting_id: str) -> MeetingRecord:
        """One meeting, or NotFound."""
        row = self.db.execute(sa.select(meetings).where(meetings.c.id == meeting_id)).first()
        if row is None:
            raise NotFound(f"no meeting {meeting_id!r}")
        return _meeting(row)

    def change_meeting(self, meeting_id: str, *, start: dt.datetime | None = None,
                       end: dt.datetime | None = None, cancel: bool = False) -> MeetingRecord:
        """Move or cancel a meeting; its sequence goes up by one each time."""
        values: dict[str, object] = {"sequence": meetings.c.sequence + 1, "updated_at": now()}
        if start is not None and end is not None:
            values.update(starts_at=start.astimezone(dt.UTC), ends_at=end.astimezone(dt.UTC))
        if cancel:
            values["status"] = "cancelled"
        if not self.db.execute(meetings.update().where(meetings.c.id == meeting_id)
                               .values(**values)).rowcount:
            raise NotFound(f"no meeting {meeting_id!r}")
        return self.meeting(meeting_id)
