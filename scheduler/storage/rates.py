"""Rates in the database: each key's state is one row, read and written under the row's
lock, so processes and machines sharing the database share every key's allowance."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..rates import Rate, admit
from .tables import rate_limits

__all__ = ["SqlRates"]


class SqlRates:
    """A RateStore over an engine; each take is a short transaction of its own, kept
    whatever becomes of the use case that asked."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def take(self, key: str, rate: Rate, now: float) -> int:
        """Take one action for ``key``: 0 when allowed, else the seconds to wait."""
        with self.engine.connect() as db, db.begin():  # SQLite: BEGIN IMMEDIATE, one writer
            insert = (postgresql.insert if db.dialect.name == "postgresql" else sqlite.insert)
            db.execute(insert(rate_limits).values(key=key, full_at=None)
                       .on_conflict_do_nothing(index_elements=["key"]))
            query = sa.select(rate_limits.c.full_at).where(rate_limits.c.key == key)
            if db.dialect.name == "postgresql":
                query = query.with_for_update()
            after, wait = admit(db.scalar(query), now, rate)
            if after is not None:
                db.execute(rate_limits.update().where(rate_limits.c.key == key)
                           .values(full_at=after))
            return wait
