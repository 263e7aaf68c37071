"""API tokens: 256 random bits, shown once, stored only as a SHA-256 hash, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

__all__ = ["ROLES", "Role", "Token", "new_secret", "same_hash", "secret_hash"]

Role = Literal["admin", "secretary", "chair"]
ROLES: tuple[Role, ...] = ("admin", "secretary", "chair")
_PREFIX = "cs_"


def new_secret() -> str:
    """A fresh token: a prefix that names it, then 256 random bits (URL-safe)."""
    return _PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """The hex SHA-256 under which a token is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Compare two hashes in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class Token:
    """A stored token, without its secret."""

    id: str
    role: Role
    council_id: str | None
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        """True until revoked."""
        return self.revoked_at is None
