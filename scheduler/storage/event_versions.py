"""What each member was last shown of each meeting (their state in it) and the SEQUENCE
it was shown with, in the database. Changes are compare-and-set: two readers that work
out the same change at once store it once, and one that worked from what was stored
before another's change stores nothing and works it out again.

Beside it, the state last mailed to the member (``told_state``; a first showing counts as
told: the mail of a confirmation tells it) and since when what is shown differs from it
(``untold_since``, kept by every change), so that mail tells each change once it has
settled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..member_states import ShownVersion
from ..records import UntoldState
from .rows import now
from .tables import member_event_versions as versions

__all__ = ["EventVersionRepository"]

Key = tuple[str, str]  # (meeting id, member id)


class EventVersionRepository:
    """Members' shown versions of meetings over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def shown(self, keys: Sequence[Key]) -> dict[Key, ShownVersion]:
        """What was last shown for each (meeting id, member id) that has been shown."""
        if not keys:
            return {}
        members = sorted({member for _meeting, member in keys})
        meetings = sorted({meeting for meeting, _member in keys})
        wanted = set(keys)
        rows = self.db.execute(sa.select(versions).where(versions.c.member_id.in_(members))
                               .where(versions.c.meeting_id.in_(meetings)))
        return {(r.meeting_id, r.member_id): ShownVersion(r.state, int(r.floor), int(r.sequence))
                for r in rows if (r.meeting_id, r.member_id) in wanted}

    def record(self, key: Key, before: ShownVersion | None, after: ShownVersion, *,
               at: dt.datetime | None = None) -> bool:
        """Store ``after`` for ``key`` if what is stored is still ``before`` (None: nothing);
        False when another transaction stored something else first. ``at``: when it
        changed (default now; a sweep gives the moment it began reading). A first showing
        counts as told; a later one is untold from the first change that makes it differ
        from what was told, until it is told or comes back to it."""
        meeting_id, member_id = key
        moment = now() if at is None else at.astimezone(dt.UTC)
        if before is None:
            values = {"meeting_id": meeting_id, "member_id": member_id, "state": after.state,
                      "floor": after.floor, "sequence": after.sequence, "changed_at": moment,
                      "told_state": after.state, "told_sequence": after.sequence}
            dialect = self.db.dialect.name
            if dialect in ("postgresql", "sqlite"):  # a row back: it was inserted
                insert = (postgresql.insert(versions) if dialect == "postgresql"
                          else sqlite.insert(versions))
                return self.db.execute(insert.values(**values).on_conflict_do_nothing()
                                       .returning(versions.c.sequence)).first() is not None
            with self.db.begin_nested() as savepoint:
                try:
                    done = self.db.execute(versions.insert().values(**values))
                except sa.exc.IntegrityError:
                    savepoint.rollback()
                    return False
            return bool(done.rowcount)
        done = self.db.execute(
            versions.update()
            .where(versions.c.meeting_id == meeting_id).where(versions.c.member_id == member_id)
            .where(versions.c.state == before.state).where(versions.c.floor == before.floor)
            .where(versions.c.sequence == before.sequence)
            .values(state=after.state, floor=after.floor, sequence=after.sequence,
                    changed_at=moment, untold_since=sa.case(
                        (versions.c.told_state == after.state, sa.null()),
                        else_=sa.func.coalesce(versions.c.untold_since, moment))))
        return bool(done.rowcount)

    def untold(self, quiet_since: dt.datetime, held_since: dt.datetime,
               limit: int = 200) -> list[UntoldState]:
        """The members whose state as shown differs from the one last mailed to them and
        has not changed since ``quiet_since``, or first differed at ``held_since`` or
        before; the longest waiting first."""
        quiet, held = quiet_since.astimezone(dt.UTC), held_since.astimezone(dt.UTC)
        rows = self.db.execute(
            sa.select(versions).where(versions.c.untold_since.is_not(None))
            .where((versions.c.changed_at <= quiet) | (versions.c.untold_since <= held))
            .order_by(versions.c.untold_since).limit(limit))
        return [_untold(r) for r in rows]

    def untold_of(self, keys: Sequence[Key]) -> dict[Key, UntoldState]:
        """Of these (meeting id, member id), those whose state as shown differs from the
        one last mailed to them, however recent the change."""
        if not keys:
            return {}
        wanted = set(keys)
        rows = self.db.execute(
            sa.select(versions).where(versions.c.untold_since.is_not(None))
            .where(versions.c.member_id.in_(sorted({member for _m, member in keys})))
            .where(versions.c.meeting_id.in_(sorted({meeting for meeting, _m in keys}))))
        return {(r.meeting_id, r.member_id): _untold(r) for r in rows
                if (r.meeting_id, r.member_id) in wanted}

    def mark_told(self, key: Key, state: str, sequence: int, *,
                  was: tuple[str, int] | None = None) -> bool:
        """Note that the member was mailed ``state`` at ``sequence``, while that is what
        is shown (and, with ``was``, while what was last told is still ``was``: state and
        SEQUENCE); False, and nothing noted, otherwise."""
        meeting_id, member_id = key
        query = (versions.update().where(versions.c.meeting_id == meeting_id)
                 .where(versions.c.member_id == member_id).where(versions.c.state == state)
                 .where(versions.c.sequence == sequence))
        if was is not None:
            query = (query.where(versions.c.told_state == was[0])
                     .where(versions.c.told_sequence == was[1]))
        done = self.db.execute(query.values(told_state=state, told_sequence=sequence,
                                            untold_since=sa.null()))
        return bool(done.rowcount)


def _untold(row: sa.Row[Any]) -> UntoldState:
    return UntoldState(row.meeting_id, row.member_id, row.state, int(row.sequence),
                       row.told_state, int(row.told_sequence))
