"""Mail not yet delivered, in the database: a message is added in the same transaction as
the change it tells of, so nothing is lost when the mail server is down; senders lease
one message at a time, so two senders never send the same message at once."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..records import MailRecord, OutgoingMail
from .rows import aware, now
from .tables import outbox

__all__ = ["OutboxRepository"]


def _record(row: sa.Row[Any]) -> MailRecord:
    return MailRecord(row.id, aware(row.created_at), row.recipient, row.subject, row.kind,
                      row.message, row.state, row.attempts, aware(row.next_attempt_at),
                      row.last_error, aware(row.sent_at) if row.sent_at else None)


class OutboxRepository:
    """The outbox over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def add(self, mail: OutgoingMail) -> str | None:
        """Put a message in the outbox, due now; None (and nothing added) when its
        dedupe key is already there."""
        if mail.dedupe_key is not None and self.db.scalar(
                sa.select(outbox.c.id).where(outbox.c.dedupe_key == mail.dedupe_key)):
            return None
        mail_id = secrets.token_hex(8)
        moment = now()
        self.db.execute(outbox.insert().values(
            id=mail_id, created_at=moment, recipient=mail.recipient, subject=mail.subject[:1000],
            kind=mail.kind, message=mail.message, dedupe_key=mail.dedupe_key, state="pending",
            attempts=0, next_attempt_at=moment))
        return mail_id

    def claim(self, at: dt.datetime, lease: dt.timedelta) -> MailRecord | None:
        """Lease the message due longest (pending, its next attempt at or before ``at``,
        not leased by another sender) and count the attempt; None when none is due."""
        free = sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < at)
        due = (sa.select(outbox.c.id).where(outbox.c.state == "pending")
               .where(outbox.c.next_attempt_at <= at).where(free)
               .order_by(outbox.c.next_attempt_at, outbox.c.created_at).limit(5))
        for mail_id in self.db.scalars(due).all():
            taken = self.db.execute(
                outbox.update().where(outbox.c.id == mail_id).where(outbox.c.state == "pending")
                .where(free).values(claimed_until=at + lease,
                                    attempts=outbox.c.attempts + 1)).rowcount
            if taken:
                row = self.db.execute(sa.select(outbox).where(outbox.c.id == mail_id)).one()
                return _record(row)
        return None

    def sent(self, mail_id: str, at: dt.datetime) -> None:
        """Mark a message delivered."""
        self.db.execute(outbox.update().where(outbox.c.id == mail_id)
                        .values(state="sent", sent_at=at, claimed_until=None, last_error=None))

    def failed(self, mail_id: str, error: str, retry_at: dt.datetime | None) -> None:
        """Record a failed attempt: try again at ``retry_at``, or give up (None)."""
        values: dict[str, object] = {"last_error": error[:2000], "claimed_until": None}
        if retry_at is None:
            values["state"] = "dead"
        else:
            values["next_attempt_at"] = retry_at
        self.db.execute(outbox.update().where(outbox.c.id == mail_id).values(**values))

    def listing(self, states: Sequence[str] | None = None, limit: int = 200) -> list[MailRecord]:
        """Messages, newest first, optionally only those in the given states."""
        query = sa.select(outbox).order_by(outbox.c.created_at.desc()).limit(limit)
        if states:
            query = query.where(outbox.c.state.in_(states))
        return [_record(row) for row in self.db.execute(query)]

    def counts(self) -> dict[str, int]:
        """How many messages are pending, sent and dead."""
        rows = self.db.execute(sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state))
        found = {"pending": 0, "sent": 0, "dead": 0}
        found.update({state: int(count) for state, count in rows})
        return found
