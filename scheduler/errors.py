"""Errors of the scheduling domain: bad input (exit 2 / HTTP 4xx), named by field."""

from __future__ import annotations

__all__ = ["Busy", "Conflict", "InputError", "KeyReused", "NotFound", "QueueUnavailable"]


class InputError(ValueError):
    """Input that cannot be used: names the file, line or field at fault."""

    def __init__(self, message: str, *, field: str | None = None, source: str | None = None,
                 line: int | None = None, kind: str | None = None,
                 context: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.source = source
        self.line = line
        self.kind = kind  # what went wrong, as a code (pydantic's error types), for wording
        self.context = context or {}  # its values (``{"ge": "1"}``)

    def __str__(self) -> str:
        where = [p for p in (self.source, f"line {self.line}" if self.line else None,
                             self.field) if p]
        return ": ".join([*where, self.message])


class NotFound(LookupError):
    """No such council, party, member, proposal, meeting, link or token."""


class Conflict(ValueError):
    """A request that cannot be done in the resource's present state (HTTP 409)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Busy(RuntimeError):
    """The service is computing as much as it may at once; the caller may try again."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class QueueUnavailable(RuntimeError):
    """The job queue cannot take work now (its server is down); nothing was kept and the
    caller may try again (HTTP 503)."""

    def __init__(self, message: str, *, retry_after: int = 30):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class KeyReused(ValueError):
    """An idempotency key sent again with a different request (HTTP 422)."""

    def __init__(self, message: str, *, field: str | None = "Idempotency-Key"):
        super().__init__(message)
        self.message = message
        self.field = field
