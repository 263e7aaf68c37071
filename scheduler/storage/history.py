"""A meeting's history in the database: rows are added, never changed or removed (they go
only with their meeting, when its council is deleted)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ..history import KINDS
from ..records import HistoryRecord
from .rows import aware, now
from .tables import meeting_history

__all__ = ["HistoryRepository"]


def _record(row: sa.Row[Any]) -> HistoryRecord:
    return HistoryRecord(int(row.id), row.meeting_id, aware(row.at), row.kind, row.member_id,
                         row.by, dict(row.detail or {}))


class HistoryRepository:
    """Meetings' histories over one connection: ``add`` and read, nothing else."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def add(self, meeting_id: str, kind: str, *, by: str, member_id: str | None = None,
            detail: Mapping[str, Any] | None = None) -> HistoryRecord:
        """Append a change to a meeting's history, now (``kind`` one of
        ``scheduler.history.KINDS``; ValueError otherwise)."""
        if kind not in KINDS:
            raise ValueError(f"no history kind {kind!r}")
        moment = now()
        values = {"meeting_id": meeting_id, "at": moment, "kind": kind, "member_id": member_id,
                  "by": by, "detail": dict(detail or {})}
        inserted = self.db.execute(meeting_history.insert().values(**values)).inserted_primary_key
        assert inserted is not None
        return HistoryRecord(int(inserted[0]), meeting_id, moment, kind, member_id, by,
                             dict(detail or {}))

    def of_meetings(self, meeting_ids: Sequence[str]) -> list[HistoryRecord]:
        """The histories of these meetings, oldest first (in the order they were added)."""
        if not meeting_ids:
            return []
        rows = self.db.execute(sa.select(meeting_history)
                               .where(meeting_history.c.meeting_id.in_(meeting_ids))
                               .order_by(meeting_history.c.id)).all()
        return [_record(r) for r in rows]
