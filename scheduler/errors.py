"""Errors of the scheduling domain: bad input (exit 2 / HTTP 4xx), named by field."""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Input that cannot be used: names the file, line or field at fault."""

    def __init__(self, message: str, *, field: str | None = None, source: str | None = None,
                 line: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.source = source
        self.line = line

    def __str__(self) -> str:
        where = [p for p in (self.source, f"line {self.line}" if self.line else None,
                             self.field) if p]
        return ": ".join([*where, self.message])
