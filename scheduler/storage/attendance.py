"""Attendance in the database: notices of absence before a meeting, presence or absence
recorded after it."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from ..errors import NotFound
from .rows import now
from .tables import attendance, meetings

__all__ = ["STATES", "AttendanceRepository"]

STATES = ("absent_notice", "present", "absent")


class AttendanceRepository:
    """Attendance records over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def record(self, meeting_id: str, member_id: str, state: str) -> None:
        """Record a notice of absence, or presence/absence after the meeting."""
        if state not in STATES:
            raise ValueError(state)
        if self.db.scalar(sa.select(meetings.c.id).where(meetings.c.id == meeting_id)) is None:
            raise NotFound(f"no meeting {meeting_id!r}")
        moment = now()
        updated = self.db.execute(attendance.update()
                                  .where(attendance.c.meeting_id == meeting_id)
                                  .where(attendance.c.member_id == member_id)
                                  .values(state=state, recorded_at=moment)).rowcount
        if not updated:
            self.db.execute(attendance.insert().values(meeting_id=meeting_id, member_id=member_id,
                                                       state=state, recorded_at=moment))

    def history(self, member_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """Member id -> (meetings recorded, meetings present) from recorded attendance."""
        if not member_ids:
            return {}
        present = sa.func.sum(sa.case((attendance.c.state == "present", 1), else_=0))
        query = (sa.select(attendance.c.member_id, sa.func.count(), present)
                 .where(attendance.c.member_id.in_(member_ids))
                 .where(attendance.c.state.in_(("present", "absent")))
                 .group_by(attendance.c.member_id))
        return {r[0]: (int(r[1]), int(r[2] or 0)) for r in self.db.execute(query)}

    def states(self, meeting_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """(meeting id, member id) -> recorded state, for the given meetings."""
        if not meeting_ids:
            return {}
        rows = self.db.execute(sa.select(attendance)
                               .where(attendance.c.meeting_id.in_(meeting_ids))).all()
        return {(r.meeting_id, r.member_id): r.state for r in rows}
