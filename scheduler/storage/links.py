"""Members' own links in the database: feed links and personal-page links, kept as the
hash of their secret (and the salt the server derives the secret from), revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from ..errors import NotFound
from ..tokens import same_hash
from .rows import now
from .tables import (
    absences,
    attendance,
    bodies,
    calendars,
    call_ins,
    councils,
    feed_tokens,
    meeting_answers,
    meetings,
    members,
    parties,
    poll_answers,
    proposals,
)

__all__ = ["LinkRepository"]


class LinkRepository:
    """Feed and page links over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def add(self, member_id: str, purpose: str, salt: str, secret_hash: str, *,
            rotate: bool = False) -> None:
        """Keep a new link; ``rotate`` revokes the member's earlier links of this purpose."""
        if self.db.scalar(sa.select(members.c.id).where(members.c.id == member_id)) is None:
            raise NotFound(f"no member {member_id!r}")
        moment = now()
        if rotate:
            self.db.execute(feed_tokens.update().where(feed_tokens.c.member_id == member_id)
                            .where(feed_tokens.c.purpose == purpose)
                            .where(feed_tokens.c.revoked_at.is_(None)).values(revoked_at=moment))
        self.db.execute(feed_tokens.insert().values(
            id=secrets.token_hex(8), member_id=member_id, token_hash=secret_hash, created_at=moment,
            purpose=purpose, salt=salt))

    def current_salt(self, member_id: str, purpose: str) -> str | None:
        """The salt of the member's newest active link of this purpose, if any."""
        return self.db.scalar(
            sa.select(feed_tokens.c.salt).where(feed_tokens.c.member_id == member_id)
            .where(feed_tokens.c.purpose == purpose).where(feed_tokens.c.revoked_at.is_(None))
            .where(feed_tokens.c.salt.is_not(None))
            .order_by(feed_tokens.c.created_at.desc(), feed_tokens.c.id).limit(1))

    def member_of(self, secret_hash: str, purpose: str) -> str | None:
        """The member whose active link of this purpose has this hash, or None."""
        row = self.db.execute(sa.select(feed_tokens)
                              .where(feed_tokens.c.token_hash == secret_hash)).first()
        if (row is None or row.revoked_at is not None or row.purpose != purpose
                or not same_hash(row.token_hash, secret_hash)):
            return None
        return str(row.member_id)

    def feed_version(self, member_id: str, holds: bool) -> str:
        """A short fingerprint of everything a member's feed is made from (languages
        included, in the member's and the council's rows): it changes whenever the feed
        would, so an unchanged feed is answered without building it."""
        member = self.db.execute(sa.select(members).where(members.c.id == member_id)).first()
        if member is None:
            raise NotFound(f"no member {member_id!r}")
        party = self.db.execute(sa.select(parties).where(parties.c.id == member.party_id)).one()
        council = self.db.execute(sa.select(councils).where(councils.c.id == party.council_id)).one()
        team = sa.select(members.c.id).where(members.c.party_id == member.party_id)
        parts: list[object] = [
            tuple(member), tuple(party), tuple(council),
            self.db.execute(sa.select(members.c.id, members.c.role, members.c.invited,
                                      members.c.attended, members.c.horizon, members.c.bodies)
                            .where(members.c.party_id == party.id)
                            .order_by(members.c.id)).all(),
            self.db.execute(sa.select(bodies.c.key, bodies.c.draft, bodies.c.content_hash)
                            .where(bodies.c.council_id == party.council_id)
                            .order_by(bodies.c.key)).all(),
            self.db.execute(sa.select(calendars.c.member_id, calendars.c.content_hash)
                            .where(calendars.c.member_id.in_(team))
                            .order_by(calendars.c.member_id)).all(),
            self.db.execute(sa.select(sa.func.count(), sa.func.max(meetings.c.updated_at))
                            .where(meetings.c.council_id == party.council_id)).one(),
            self.db.execute(sa.select(sa.func.count(), sa.func.max(attendance.c.recorded_at))
                            .where(attendance.c.member_id.in_(team))).one(),
            # what the party's members said, and who was called in
            self.db.execute(sa.select(sa.func.count(), sa.func.max(absences.c.stated_at))
                            .where(absences.c.member_id.in_(team))).one(),
            self.db.execute(sa.select(sa.func.count(), sa.func.max(meeting_answers.c.answered_at))
                            .where(meeting_answers.c.member_id.in_(team))).one(),
            self.db.execute(sa.select(sa.func.count(), sa.func.max(poll_answers.c.answered_at))
                            .where(poll_answers.c.member_id.in_(team))).one(),
            self.db.execute(sa.select(sa.func.count(), sa.func.max(call_ins.c.changed_at))
                            .where(call_ins.c.member_id.in_(team))).one(),
            dt.datetime.now(dt.UTC).date(),  # cancelled meetings age out of the feed
        ]
        if holds:
            parts.append(self.db.execute(sa.select(proposals.c.id, proposals.c.confirmed_at)
                                         .where(proposals.c.council_id == party.council_id)
                                         .order_by(proposals.c.created_at.desc()).limit(1)).all())
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
