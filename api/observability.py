"""What the service tells its operators: a request id on every request (echoed in
``X-Request-Id`` and carried by problems), one log line per request, and the logging
set-up (``SCHEDULER_LOG_FORMAT=json|text``, ``SCHEDULER_LOG_LEVEL``)."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

from flask import Flask

from .health import health

__all__ = ["configure_logging", "current_request_id", "init_observability", "redact_path"]

log = logging.getLogger("council_scheduler.requests")

_HEADER = "X-Request-Id"
_ENVIRON_KEY = "council.request_id"
_VALID_ID = re.compile(r"[A-Za-z0-9._:@+/=-]{1,128}")  # a caller's id, taken as it is
_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# paths whose segment after the prefix is a member's secret (feed link, own page, own API)
_SECRET_PATH = re.compile(r"^(/feeds/|/my/|/api/my/)[^/]+?(\.ics)?(?=/|$)")
_SECRET_WORD = re.compile(r"cs_[A-Za-z0-9_-]{8,}")  # any other secret that strays into a path
REDACTED = "[secret]"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def current_request_id() -> str | None:
    """The id of the request being answered in this thread, if any."""
    return _REQUEST_ID.get()


def redact_path(path: str) -> str:
    """The path with every secret in it replaced, fit for a log."""
    path = _SECRET_PATH.sub(lambda m: m.group(1) + REDACTED + (m.group(2) or ""), path, count=1)
    return _SECRET_WORD.sub(REDACTED, path)


class RequestLog:
    """WSGI middleware: gives each request an id, answers it in ``X-Request-Id`` and logs
    one line when the answer starts (method, path without secrets or query, status,
    duration, remote address)."""

    def __init__(self, app: WsgiApp):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if offered and _VALID_ID.fullmatch(offered) else secrets.token_hex(16)
        environ[_ENVIRON_KEY] = request_id
        token = _REQUEST_ID.set(request_id)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append((_HEADER, request_id))
            if exc_info is None and log.isEnabledFor(logging.INFO):  # once, not again for an error
                method, path = environ.get("REQUEST_METHOD", ""), redact_path(environ.get("PATH_INFO", ""))
                log.info("%s %s %s", method, path, status[:3], extra={
                    "request_id": request_id, "method": method, "path": path,
                    "status": int(status[:3]),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "remote": environ.get("REMOTE_ADDR", "")})
            return start_response(status, headers, exc_info) if exc_info else start_response(
                status, headers)

        try:
            return self.app(environ, start)
        finally:
            _REQUEST_ID.reset(token)


def init_observability(app: Flask) -> None:
    """Install the health routes and the request id and log middleware on ``app``."""
    app.register_blueprint(health)
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]


# logging -----------------------------------------------------------------------------------
_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "remote")


class _WithRequestId(logging.Filter):
    """Adds the current request's id to records logged while answering it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage()}
        for field in _FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A line for people: time, level, request id, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = f" [{request_id}]" if request_id else ""
        extra = f" {record.duration_ms} ms" if hasattr(record, "duration_ms") else ""
        return super().format(record) + extra


def configure_logging(fmt: str | None = None, level: str | None = None,
                      stream: IO[str] | None = None) -> logging.Handler:
    """Send the service's logs (gunicorn's too) to ``stream`` (stderr) as JSON lines or
    text (``fmt``, default ``SCHEDULER_LOG_FORMAT`` or json) at ``level`` (default
    ``SCHEDULER_LOG_LEVEL`` or INFO); return the handler. Bad values: ValueError."""
    fmt = (fmt or os.environ.get("SCHEDULER_LOG_FORMAT") or "json").strip().lower()
    level = (level or os.environ.get("SCHEDULER_LOG_LEVEL") or "INFO").strip().upper()
    if fmt not in ("json", "text"):
        raise ValueError(f"SCHEDULER_LOG_FORMAT must be json or text, not {fmt!r}")
    if not isinstance(logging.getLevelName(level), int):
        raise ValueError(f"SCHEDULER_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_WithRequestId())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "council_scheduler", False)]:
        root.removeHandler(old)
    handler.council_scheduler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("gunicorn.error", "waitress"):  # the servers' own lines, the same way
        server_log = logging.getLogger(name)
        server_log.handlers.clear()
        server_log.propagate = True
    return handler
