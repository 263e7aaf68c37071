"""Ids in URLs: one of a form the service never issues (``/api/jobs/%00``) is a 404 on
every route, before any query or token check, answered as an id that names nothing the
token may see."""

from __future__ import annotations

from typing import Any

from flask import Flask

from scheduler.ids import is_url_id

from .auth import NO_SUCH
from .problems import Problem

__all__ = ["check_url_ids"]


def check_url_ids(app: Flask) -> None:
    """Answer 404 for a request whose URL names an id of a form never issued."""
    @app.url_value_preprocessor
    def well_formed(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        for name, value in (values or {}).items():
            if isinstance(value, str) and not is_url_id(name, value):
                raise Problem(404, "Not Found", NO_SUCH)
