"""Members' own links in the database: feed links and personal-page links, kept as the
hash of their secret (and the salt the server derives the secret from), revocable."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from ..errors import NotFound
from ..tokens import same_hash
from .feed_state import feed_state
from .rows import now
from .tables import feed_changes, feed_tokens, members

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

    def changes_stamp(self) -> int | None:
        """How many committed transactions wrote something a feed may show, so far
        (``storage.changes``): it moves with every such write, in any process."""
        found = self.db.scalar(sa.select(feed_changes.c.stamp).where(feed_changes.c.id == 1))
        return None if found is None else int(found)

    def feed_state(self, secret_hash: str, holds: bool) -> tuple[str, str] | None:
        """The member behind an active feed link with this hash and their feed's version
        (a short fingerprint of everything the feed is made from, languages included: it
        changes whenever the feed would), in one query; None for an unknown or revoked link."""
        return feed_state(self.db, secret_hash, holds)
