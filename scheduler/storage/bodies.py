"""Bodies' meeting plans in the database: each kept as busy time only, read again for any
window, with the state of its last reading."""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import NotFound
from ..records import PlanState
from .rows import aware, now
from .tables import bodies

__all__ = ["BodyRepository"]


class BodyRepository:
    """Meeting plans of a council's bodies over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def _where(self, council_id: str, body_id: str) -> sa.ColumnElement[bool]:
        return sa.and_(bodies.c.council_id == council_id, bodies.c.key == body_id)

    def save_plan(self, council_id: str, body_id: str, content_hash: str, sanitised: str) -> None:
        """Keep a body's meeting plan (busy time only) as read now."""
        if not self.db.execute(bodies.update().where(self._where(council_id, body_id)).values(
                sanitised=sanitised, content_hash=content_hash, fetched_at=now(),
                last_error=None)).rowcount:
            raise NotFound(f"no body {body_id!r} in council {council_id!r}")

    def record_error(self, council_id: str, body_id: str, error: str) -> None:
        """Note why a body's plan could not be read; what is kept stays."""
        if not self.db.execute(bodies.update().where(self._where(council_id, body_id))
                               .values(last_error=error[:2000])).rowcount:
            raise NotFound(f"no body {body_id!r} in council {council_id!r}")

    def plans(self, council_id: str) -> dict[str, str]:
        """Body id -> its kept meeting plan, for the bodies that have one."""
        rows = self.db.execute(sa.select(bodies.c.key, bodies.c.sanitised)
                               .where(bodies.c.council_id == council_id)
                               .where(bodies.c.sanitised.is_not(None)))
        return {str(r.key): str(r.sanitised) for r in rows}

    def states(self, council_id: str) -> dict[str, PlanState]:
        """Body id -> when its plan was last read, and the last error."""
        rows = self.db.execute(sa.select(bodies).where(bodies.c.council_id == council_id)
                               .order_by(bodies.c.position))
        return {str(r.key): PlanState(r.content_hash is not None,
                                      aware(r.fetched_at) if r.fetched_at else None, r.last_error)
                for r in rows}
