"""What each member was last shown of each meeting (their state in it) and the SEQUENCE
it was shown with, in the database. Changes are compare-and-set: two readers that work
out the same change at once store it once, and one that worked from what was stored
before another's change stores nothing and works it out again."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..member_states import ShownVersion
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

    def record(self, key: Key, before: ShownVersion | None, after: ShownVersion) -> bool:
        """Store ``after`` for ``key`` if what is stored is still ``before`` (None: nothing);
        False when another transaction stored something else first."""
        meeting_id, member_id = key
        if before is None:
            values = {"meeting_id": meeting_id, "member_id": member_id, "state": after.state,
                      "floor": after.floor, "sequence": after.sequence, "changed_at": now()}
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
                    changed_at=now()))
        return bool(done.rowcount)
