"""A job's error as a problem (RFC 9457), the same one the HTTP API answers for the same
error when it is raised in a request."""

from __future__ import annotations

from typing import Any

from ..errors import Busy, Conflict, InputError, KeyReused, NotFound

__all__ = ["problem", "problem_of"]


def problem(status: int, title: str, detail: str | None = None,
            field: str | None = None) -> dict[str, Any]:
    """A problem document: type, title, status, and the detail and field when given."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if field:
        body["invalid-params"] = [{"name": field, "reason": detail or title}]
    return body


def problem_of(error: BaseException) -> dict[str, Any]:
    """The problem an error of the domain stands for; any other error is a defect (500)."""
    if isinstance(error, InputError):
        return problem(400, "Bad Request", error.message, error.field)
    if isinstance(error, NotFound):
        return problem(404, "Not Found", error.args[0] if error.args else None)
    if isinstance(error, Conflict):
        return problem(409, "Conflict", error.message, error.field)
    if isinstance(error, KeyReused):
        return problem(422, "Unprocessable Content", error.message, error.field)
    if isinstance(error, Busy):
        return problem(429, "Too Many Requests", error.message)
    return problem(500, "Internal Server Error", "an unexpected error; it has been logged")
