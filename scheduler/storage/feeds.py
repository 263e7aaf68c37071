"""Members' feed tokens and meeting attendance in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from ..tokens import new_secret, same_hash, secret_hash
from .repository import NotFound
from .tables import (
    attendance,
    calendars,
    councils,
    feed_tokens,
    meetings,
    members,
    parties,
    proposals,
)

__all__ = ["FeedStore"]

_STATES = ("absent_notice", "present", "absent")


class FeedStore:
    """Feed tokens (hashed, revocable, rotatable) and attendance over one engine."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def issue(self, member_id: str, *, rotate: bool = False) -> str:
        """A new feed secret for the member; ``rotate`` revokes every earlier one."""
        secret = new_secret()
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as db:
            if db.scalar(sa.select(members.c.id).where(members.c.id == member_id)) is None:
                raise NotFound(f"no member {member_id!r}")
            if rotate:
                db.execute(feed_tokens.update().where(feed_tokens.c.member_id == member_id)
                           .where(feed_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
            db.execute(feed_tokens.insert().values(id=secrets.token_hex(8), member_id=member_id,
                                                   token_hash=secret_hash(secret), created_at=now))
        return secret

    def member_of(self, secret: str) -> str | None:
        """The member whose active feed secret this is, or None."""
        wanted = secret_hash(secret)
        with self.engine.connect() as db:
            row = db.execute(sa.select(feed_tokens).where(feed_tokens.c.token_hash == wanted)).first()
        if row is None or row.revoked_at is not None or not same_hash(row.token_hash, wanted):
            return None
        return str(row.member_id)

    def version(self, member_id: str, holds: bool) -> str:
        """A short fingerprint of everything a member's feed is made from: it changes
        whenever the feed would, so an unchanged feed is answered without building it."""
        with self.engine.connect() as db:
            member = db.execute(sa.select(members).where(members.c.id == member_id)).first()
            if member is None:
                raise NotFound(f"no member {member_id!r}")
            party = db.execute(sa.select(parties).where(parties.c.id == member.party_id)).first()
            assert party is not None
            council = db.execute(sa.select(councils).where(councils.c.id == party.council_id)).one()
            team = sa.select(members.c.id).where(members.c.party_id == member.party_id)
            parts: list[object] = [
                tuple(member), tuple(party), tuple(council),
                db.execute(sa.select(members.c.id, members.c.role, members.c.invited,
                                     members.c.attended).where(members.c.party_id == party.id)
                           .order_by(members.c.id)).all(),
                db.execute(sa.select(calendars.c.member_id, calendars.c.content_hash)
                           .where(calendars.c.member_id.in_(team))
                           .order_by(calendars.c.member_id)).all(),
                db.execute(sa.select(sa.func.count(), sa.func.max(meetings.c.updated_at))
                           .where(meetings.c.council_id == party.council_id)).one(),
                db.execute(sa.select(sa.func.count(), sa.func.max(attendance.c.recorded_at))
                           .where(attendance.c.member_id.in_(team))).one(),
                dt.datetime.now(dt.UTC).date(),  # cancelled meetings age out of the feed
            ]
            if holds:
                parts.append(db.execute(sa.select(proposals.c.id, proposals.c.confirmed_at)
                                        .where(proposals.c.council_id == party.council_id)
                                        .order_by(proposals.c.created_at.desc()).limit(1)).all())
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]

    def record(self, meeting_id: str, member_id: str, state: str) -> None:
        """Record a notice of absence, or presence/absence after the meeting."""
        if state not in _STATES:
            raise ValueError(state)
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as db:
            if db.scalar(sa.select(meetings.c.id).where(meetings.c.id == meeting_id)) is None:
                raise NotFound(f"no meeting {meeting_id!r}")
            updated = db.execute(attendance.update()
                                 .where(attendance.c.meeting_id == meeting_id)
                                 .where(attendance.c.member_id == member_id)
                                 .values(state=state, recorded_at=now)).rowcount
            if not updated:
                db.execute(attendance.insert().values(meeting_id=meeting_id, member_id=member_id,
                                                      state=state, recorded_at=now))

    def history(self, member_ids: list[str]) -> dict[str, tuple[int, int]]:
        """Member id -> (meetings recorded, meetings present) from recorded attendance."""
        if not member_ids:
            return {}
        present = sa.func.sum(sa.case((attendance.c.state == "present", 1), else_=0))
        query = (sa.select(attendance.c.member_id, sa.func.count(), present)
                 .where(attendance.c.member_id.in_(member_ids))
                 .where(attendance.c.state.in_(("present", "absent")))
                 .group_by(attendance.c.member_id))
        with self.engine.connect() as db:
            return {r[0]: (int(r[1]), int(r[2] or 0)) for r in db.execute(query)}

    def states(self, meeting_ids: list[str]) -> dict[tuple[str, str], str]:
        """(meeting id, member id) -> recorded state, for the given meetings."""
        if not meeting_ids:
            return {}
        with self.engine.connect() as db:
            rows = db.execute(sa.select(attendance)
                              .where(attendance.c.meeting_id.in_(meeting_ids))).all()
        return {(r.meeting_id, r.member_id): r.state for r in rows}
