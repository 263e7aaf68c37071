"""Substitutes called in for absent representatives, and parties left uncovered, in the
database: the service compares what should be with what was told, and tells the change
once it has settled (what was told, and when the next news may be told, per key)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from ..cover import news_due
from ..records import CoverNews
from .rows import aware, now
from .tables import call_ins, cover_told, meetings, uncovered

__all__ = ["CallInRepository"]


class CallInRepository:
    """Call-ins and uncovered parties over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def lock_cover(self, meeting_ids: Sequence[str]) -> None:
        """Change the cover at these meetings in this transaction alone, until it ends:
        their rows are locked in one order (PostgreSQL; SQLite's writers take turns), so
        two members answering at once neither insert one row twice nor settle on a stale
        view of each other. The lock is FOR NO KEY UPDATE: it waits for another change of
        the cover, not for rows that merely refer to the meetings (a history entry written
        earlier in either transaction), so those cannot deadlock with it."""
        if meeting_ids and self.db.dialect.name == "postgresql":
            self.db.execute(sa.select(meetings.c.id).where(meetings.c.id.in_(meeting_ids))
                            .order_by(meetings.c.id).with_for_update(key_share=True))

    def call_ins(self, meeting_ids: Sequence[str]) -> dict[tuple[str, str], tuple[bool, int]]:
        """(meeting id, substitute's member id) -> (called in now, times changed)."""
        if not meeting_ids:
            return {}
        rows = self.db.execute(sa.select(call_ins).where(call_ins.c.meeting_id.in_(meeting_ids)))
        return {(r.meeting_id, r.member_id): (bool(r.active), int(r.changes)) for r in rows}

    def set_call_in(self, meeting_id: str, member_id: str, active: bool) -> bool:
        """Call a substitute in (or release them); True when that is a change."""
        key = (call_ins.c.meeting_id == meeting_id) & (call_ins.c.member_id == member_id)
        row = self.db.execute(sa.select(call_ins).where(key)).first()
        if row is None:
            if not active:
                return False
            self.db.execute(call_ins.insert().values(meeting_id=meeting_id, member_id=member_id,
                                                     active=True, changes=1, changed_at=now()))
            return True
        if bool(row.active) == active:
            return False
        self.db.execute(call_ins.update().where(key).values(
            active=active, changes=row.changes + 1, changed_at=now()))
        return True

    def uncovered(self, meeting_ids: Sequence[str]) -> set[tuple[str, str]]:
        """(meeting id, party id) of the parties without anyone at those meetings."""
        if not meeting_ids:
            return set()
        rows = self.db.execute(sa.select(uncovered.c.meeting_id, uncovered.c.party_key)
                               .where(uncovered.c.meeting_id.in_(meeting_ids))
                               .where(uncovered.c.active))
        return {(r.meeting_id, r.party_key) for r in rows}

    def set_uncovered(self, meeting_id: str, party_key: str, active: bool) -> bool:
        """Mark a party uncovered at a meeting (or covered again); True when a change."""
        key = (uncovered.c.meeting_id == meeting_id) & (uncovered.c.party_key == party_key)
        row = self.db.execute(sa.select(uncovered).where(key)).first()
        if row is None:
            if not active:
                return False
            self.db.execute(uncovered.insert().values(meeting_id=meeting_id, party_key=party_key,
                                                      active=True, changed_at=now()))
            return True
        if bool(row.active) == active:
            return False
        self.db.execute(uncovered.update().where(key).values(active=active, changed_at=now()))
        return True

    def hold(self, meeting_id: str, about: str, at: dt.datetime, quiet: dt.timedelta,
             longest: dt.timedelta) -> None:
        """A change for ``about`` at a meeting at ``at``: tell it once ``quiet`` has passed
        without another change, but no later than ``longest`` after the first change that
        has not been told yet (call under ``lock_cover``)."""
        key = (cover_told.c.meeting_id == meeting_id) & (cover_told.c.about == about)
        row = self.db.execute(sa.select(cover_told.c.due_at, cover_told.c.first_held_at)
                              .where(key)).first()
        waiting = (aware(row.first_held_at) if row is not None and row.due_at is not None
                   and row.first_held_at is not None else None)
        due, first = news_due(at, waiting, quiet, longest)
        if row is None:
            self.db.execute(cover_told.insert().values(
                meeting_id=meeting_id, about=about, told=None, due_at=due, first_held_at=first,
                held=1))
            return
        self.db.execute(cover_told.update().where(key).values(
            due_at=due, first_held_at=first, held=cover_told.c.held + 1))

    def due(self, at: dt.datetime, meeting_ids: Sequence[str] | None = None,
            limit: int = 200) -> list[CoverNews]:
        """The news whose quiet period is over at ``at`` (of the given meetings only),
        the longest waiting first."""
        query = (sa.select(cover_told).where(cover_told.c.due_at <= at)
                 .order_by(cover_told.c.due_at).limit(limit))
        if meeting_ids is not None:
            query = query.where(cover_told.c.meeting_id.in_(meeting_ids))
        return [CoverNews(r.meeting_id, r.about, r.told, int(r.held))
                for r in self.db.execute(query)]

    def take(self, news: CoverNews, told: str | None) -> bool:
        """Take a news to tell it (``told``: what is told now; None: nothing, keep what was
        told before); False when another sender took it or a change came since."""
        key = ((cover_told.c.meeting_id == news.meeting_id) & (cover_told.c.about == news.about)
               & (cover_told.c.held == news.held) & cover_told.c.due_at.is_not(None))
        values: dict[str, object] = {"due_at": None}
        if told is not None:
            values["told"] = told
        return bool(self.db.execute(cover_told.update().where(key).values(**values)).rowcount)

    def told_now(self, meeting_id: str, about: str, told: str) -> None:
        """Note that ``about`` was told ``told`` at a meeting just now, in other mail (a
        representative's own mail about their absence names who covers for them): the
        news waiting for it, if any, is told with it (call under ``lock_cover``)."""
        key = (cover_told.c.meeting_id == meeting_id) & (cover_told.c.about == about)
        if self.db.execute(cover_told.update().where(key).values(told=told, due_at=None)
                           ).rowcount:
            return
        self.db.execute(cover_told.insert().values(meeting_id=meeting_id, about=about, told=told,
                                                   due_at=None, first_held_at=None, held=0))
