"""API tokens and signed-in sessions in the database: only hashes of their secrets."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..errors import InputError, NotFound
from ..records import SessionRecord
from ..tokens import ROLES, Token, new_secret, same_hash, secret_hash
from .rows import aware, now
from .tables import api_tokens, councils, sessions

__all__ = ["TokenRepository"]


def _token(row: sa.Row[Any]) -> Token:
    revoked = aware(row.revoked_at) if row.revoked_at else None
    return Token(row.id, row.role, row.council_id, row.label, aware(row.created_at), revoked)


class TokenRepository:
    """API tokens and browser sessions over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def create(self, role: str, council_id: str | None = None,
               label: str | None = None) -> tuple[Token, str]:
        """A new token and its secret (shown once; only its hash is stored)."""
        if role not in ROLES:
            raise InputError(f"must be one of {', '.join(ROLES)}", field="role")
        if role == "admin" and council_id is not None:
            raise InputError("an admin token is not scoped to a council", field="council")
        if role != "admin" and council_id is None:
            raise InputError(f"a {role} token needs a council", field="council")
        if council_id is not None and self.db.scalar(
                sa.select(councils.c.id).where(councils.c.id == council_id)) is None:
            raise InputError(f"no council {council_id!r}", field="council")
        secret = new_secret()
        token = Token(secrets.token_hex(8), role, council_id, label, now())
        self.db.execute(api_tokens.insert().values(
            id=token.id, token_hash=secret_hash(secret), role=role, council_id=council_id,
            label=label, created_at=token.created_at))
        return token, secret

    def authenticate(self, secret: str) -> Token | None:
        """The active token with this secret, or None."""
        wanted = secret_hash(secret)
        row = self.db.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == wanted)).first()
        if row is None or not same_hash(row.token_hash, wanted) or row.revoked_at is not None:
            return None
        return _token(row)

    def get(self, token_id: str) -> Token | None:
        """The active token with this id, or None."""
        row = self.db.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return None if row is None or row.revoked_at is not None else _token(row)

    def by_ids(self, token_ids: Sequence[str]) -> dict[str, Token]:
        """The tokens with these ids, revoked ones too (who made a change stays known)."""
        if not token_ids:
            return {}
        rows = self.db.execute(sa.select(api_tokens).where(api_tokens.c.id.in_(token_ids)))
        return {r.id: _token(r) for r in rows}

    def all(self) -> list[Token]:
        """Every token, newest first (never their secrets)."""
        rows = self.db.execute(sa.select(api_tokens).order_by(api_tokens.c.created_at.desc())).all()
        return [_token(r) for r in rows]

    def revoke(self, token_id: str) -> None:
        """Revoke a token and end its sessions; it authenticates no more."""
        done = self.db.execute(api_tokens.update().where(api_tokens.c.id == token_id)
                               .where(api_tokens.c.revoked_at.is_(None))
                               .values(revoked_at=now())).rowcount
        if not done:
            raise NotFound(f"no active token {token_id!r}")
        self.db.execute(sessions.update().where(sessions.c.token_id == token_id)
                        .where(sessions.c.ended_at.is_(None)).values(ended_at=now()))

    # sessions -------------------------------------------------------------------------
    def start_session(self, token_id: str) -> str:
        """A new session for a token; returns its secret (only the hash is kept)."""
        secret = new_secret()
        self.db.execute(sessions.insert().values(
            id=secrets.token_hex(8), secret_hash=secret_hash(secret), token_id=token_id,
            created_at=now()))
        return secret

    def session(self, secret: str, max_age: dt.timedelta) -> SessionRecord | None:
        """The live session with this secret (not ended, not older than ``max_age``)."""
        wanted = secret_hash(secret)
        row = self.db.execute(sa.select(sessions).where(sessions.c.secret_hash == wanted)).first()
        if row is None or row.ended_at is not None or not same_hash(row.secret_hash, wanted):
            return None
        if aware(row.created_at) < now() - max_age:
            return None
        return SessionRecord(row.id, row.token_id, aware(row.created_at))

    def end_session(self, secret: str) -> None:
        """End a session: its cookie signs in no more, wherever it was copied."""
        self.db.execute(sessions.update().where(sessions.c.secret_hash == secret_hash(secret))
                        .where(sessions.c.ended_at.is_(None)).values(ended_at=now()))
