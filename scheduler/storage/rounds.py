"""Planning rounds in the database: as asked and answered, with their councils."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..errors import NotFound
from ..records import RoundRecord
from .rows import aware, now
from .tables import round_councils, rounds

__all__ = ["RoundRepository"]


class RoundRepository:
    """Rounds over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def add(self, name: str, council_ids: Sequence[str], request: dict[str, Any],
            document: dict[str, Any], status: str) -> RoundRecord:
        """Store a round's request and answer."""
        record = RoundRecord(secrets.token_hex(8), name, tuple(council_ids), request, document,
                             status, now())
        self.db.execute(rounds.insert().values(id=record.id, name=name, request=request,
                                               document=document, status=status,
                                               created_at=record.created_at))
        for position, council_id in enumerate(council_ids):
            self.db.execute(round_councils.insert().values(round_id=record.id,
                                                           council_id=council_id,
                                                           position=position))
        return record

    def get(self, round_id: str) -> RoundRecord:
        """One round; NotFound if there is none."""
        row = self.db.execute(sa.select(rounds).where(rounds.c.id == round_id)).first()
        if row is None:
            raise NotFound(f"no round {round_id!r}")
        ids = self.db.scalars(sa.select(round_councils.c.council_id)
                              .where(round_councils.c.round_id == round_id)
                              .order_by(round_councils.c.position)).all()
        return RoundRecord(row.id, row.name, tuple(ids), row.request, row.document, row.status,
                           aware(row.created_at))

    def of_council(self, council_id: str) -> list[RoundRecord]:
        """The rounds a council was planned in, newest first."""
        found = self.db.scalars(sa.select(rounds.c.id).join(round_councils)
                                .where(round_councils.c.council_id == council_id)
                                .order_by(rounds.c.created_at.desc())).all()
        return [self.get(round_id) for round_id in found]
