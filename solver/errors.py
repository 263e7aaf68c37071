"""Errors of the plan optimisation.

    ProblemError (ValueError)   a problem that is malformed: names the field at fault
"""

from __future__ import annotations

__all__ = ["ProblemError"]


class ProblemError(ValueError):
    """A malformed problem; ``field`` names where (``slots[2].start``, ``meetings``)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message
