"""Use cases of access: API tokens, signed-in sessions, and which council a resource is of."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ..errors import NotFound
from ..tokens import Token
from .base import ServiceBase

__all__ = ["AccessServices", "ResourceKind"]

ResourceKind = Literal["council", "member", "proposal", "meeting", "poll"]
SESSION_MAX_AGE = dt.timedelta(hours=12)


class AccessServices(ServiceBase):
    """Tokens, sessions and council scopes."""

    def authenticate(self, secret: str) -> Token | None:
        """The active token with this secret, or None."""
        with self.reader() as uow:
            return uow.tokens.authenticate(secret)

    def create_token(self, role: str, council_id: str | None = None,
                     label: str | None = None) -> tuple[Token, str]:
        """A new token and its secret (shown once)."""
        with self.uow() as uow:
            made = uow.tokens.create(role, council_id, label)
            uow.commit()
            return made

    def tokens(self) -> list[Token]:
        """Every token, newest first (never their secrets)."""
        with self.reader() as uow:
            return uow.tokens.all()

    def revoke_token(self, token_id: str) -> None:
        """Revoke a token and end its sessions."""
        with self.uow() as uow:
            uow.tokens.revoke(token_id)
            uow.commit()

    def sign_in(self, secret: str) -> tuple[Token, str] | None:
        """Start a page session for the token with this secret: (token, session secret),
        or None when the token is unknown or revoked."""
        with self.uow() as uow:
            token = uow.tokens.authenticate(secret)
            if token is None:
                return None
            session = uow.tokens.start_session(token.id)
            uow.commit()
            return token, session

    def session_token(self, session: str) -> Token | None:
        """The active token of a live session, or None (ended, expired or revoked)."""
        with self.reader() as uow:
            found = uow.tokens.session(session, SESSION_MAX_AGE)
            return None if found is None else uow.tokens.get(found.token_id)

    def sign_out(self, session: str) -> None:
        """End a session, wherever its cookie was copied."""
        with self.uow() as uow:
            uow.tokens.end_session(session)
            uow.commit()

    def council_of(self, kind: ResourceKind, resource_id: str) -> str | None:
        """The council a resource belongs to, or None when there is no such resource."""
        with self.reader() as uow:
            try:
                if kind == "council":
                    return uow.councils.get(resource_id).id
                if kind == "member":
                    return uow.councils.council_of_member(resource_id)
                if kind == "proposal":
                    return uow.plans.proposal(resource_id).council_id
                if kind == "poll":
                    return uow.polls.get(resource_id).council_id
                return uow.plans.meeting(resource_id).council_id
            except NotFound:
                return None
