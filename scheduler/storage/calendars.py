"""Members' calendars in the database: busy intervals over a window, the state of the last
reading, and the calendar reduced to busy time so that any later window can be read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from calendars import BusyInterval, BusyStatus

from ..errors import NotFound
from ..records import CalendarState
from .rows import aware, now
from .tables import busy_intervals, calendars, members

__all__ = ["CalendarRepository"]


class CalendarRepository:
    """Busy intervals and calendar states over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def save(self, member_id: str, content_hash: str, window: tuple[dt.datetime, dt.datetime],
             intervals: Sequence[BusyInterval], sanitised: str | None) -> None:
        """Replace a member's busy intervals and the busy-time calendar they came from."""
        self._require_member(member_id)
        self.db.execute(busy_intervals.delete().where(busy_intervals.c.member_id == member_id))
        if intervals:
            self.db.execute(busy_intervals.insert(), [
                {"member_id": member_id, "starts_at": i.start.astimezone(dt.UTC),
                 "ends_at": i.end.astimezone(dt.UTC), "status": i.status.value, "uid": i.uid,
                 "recurring": i.recurring}
                for i in intervals])
        self._upsert(member_id, {"content_hash": content_hash, "window_start": window[0],
                                 "window_end": window[1], "fetched_at": now(), "last_error": None,
                                 "sanitised": sanitised})

    def record_error(self, member_id: str, error: str) -> None:
        """Note why a calendar could not be read; what is already stored stays."""
        self._require_member(member_id)
        self._upsert(member_id, {"last_error": error[:2000]})

    def forget(self, member_id: str) -> None:
        """Remove everything stored of a member's calendar."""
        self._require_member(member_id)
        self.db.execute(busy_intervals.delete().where(busy_intervals.c.member_id == member_id))
        self.db.execute(calendars.delete().where(calendars.c.member_id == member_id))

    def busy(self, member_id: str, start: dt.datetime, end: dt.datetime) -> list[BusyInterval]:
        """A member's stored intervals that meet [start, end), by start."""
        query = (sa.select(busy_intervals).where(busy_intervals.c.member_id == member_id)
                 .where(busy_intervals.c.starts_at < end.astimezone(dt.UTC))
                 .where(busy_intervals.c.ends_at >= start.astimezone(dt.UTC))
                 .order_by(busy_intervals.c.starts_at, busy_intervals.c.id))
        return [BusyInterval(aware(r.starts_at), aware(r.ends_at), BusyStatus(r.status), r.uid,
                             bool(r.recurring)) for r in self.db.execute(query)]

    def sanitised(self, member_id: str) -> str | None:
        """The member's calendar reduced to busy time, when it is kept."""
        return self.db.scalar(sa.select(calendars.c.sanitised)
                              .where(calendars.c.member_id == member_id))

    def state(self, member_id: str) -> CalendarState:
        """What is known of a member's calendar."""
        return self.states([member_id])[member_id]

    def states(self, member_ids: Sequence[str]) -> dict[str, CalendarState]:
        """What is known of each member's calendar, in two queries."""
        if not member_ids:
            return {}
        known = set(self.db.scalars(sa.select(members.c.id).where(members.c.id.in_(member_ids))))
        missing = [m for m in member_ids if m not in known]
        if missing:
            raise NotFound(f"no member {missing[0]!r}")
        rows = {r.member_id: r for r in self.db.execute(
            sa.select(calendars.c.member_id, calendars.c.content_hash, calendars.c.fetched_at,
                      calendars.c.last_error, calendars.c.window_start, calendars.c.window_end,
                      calendars.c.sanitised.is_not(None).label("rereadable"))
            .where(calendars.c.member_id.in_(member_ids)))}
        counts: dict[str, int] = {str(r[0]): int(r[1]) for r in self.db.execute(
            sa.select(busy_intervals.c.member_id, sa.func.count())
            .where(busy_intervals.c.member_id.in_(member_ids))
            .group_by(busy_intervals.c.member_id))}
        found: dict[str, CalendarState] = {}
        for member_id in member_ids:
            row = rows.get(member_id)
            if row is None:
                found[member_id] = CalendarState(member_id, None, None, None, 0)
                continue
            window = ((aware(row.window_start), aware(row.window_end))
                      if row.window_start and row.window_end else None)
            found[member_id] = CalendarState(
                member_id, row.content_hash, aware(row.fetched_at) if row.fetched_at else None,
                row.last_error, int(counts.get(member_id, 0)), window, bool(row.rereadable))
        return found

    def _require_member(self, member_id: str) -> None:
        if self.db.scalar(sa.select(members.c.id).where(members.c.id == member_id)) is None:
            raise NotFound(f"no member {member_id!r}")

    def _upsert(self, member_id: str, values: dict[str, object]) -> None:
        updated = self.db.execute(calendars.update().where(calendars.c.member_id == member_id)
                                  .values(**values)).rowcount
        if not updated:
            self.db.execute(calendars.insert().values(member_id=member_id, **values))
