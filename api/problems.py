"""HTTP problems (RFC 9457): one exception type, and the handlers that turn every error
into ``application/problem+json``."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from flask import Flask, Response, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

from calendars import CalendarError, CalendarFetchError
from scheduler.errors import Busy, Conflict, InputError, KeyReused, NotFound, QueueUnavailable

__all__ = ["Problem", "problem_response", "register_errors"]

log = logging.getLogger("council_scheduler.api")
_AS_PROBLEMS = ("/api/", "/feeds/", "/healthz", "/readyz")  # the rest are pages: HTML
QUEUE_DOWN = "the job queue does not take work now; try again shortly"


class Problem(Exception):
    """An HTTP problem: status, title, and the field at fault when there is one."""

    def __init__(self, status: int, title: str, detail: str | None = None,
                 field: str | None = None):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.field = status, title, detail, field


def problem_response(status: int, title: str, detail: str | None = None,
             field: str | None = None, extensions: dict[str, Any] | None = None) -> Response:
    """An ``application/problem+json`` answer (RFC 9457), with the request's id and any
    other extension members."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if field:
        body["invalid-params"] = [{"name": field, "reason": detail or title}]
    body.update(extensions or {})
    if has_request_context() and request.environ.get("council.request_id"):
        body["request_id"] = request.environ["council.request_id"]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="council-scheduler"'
    return response


def register_errors(app: Flask) -> None:
    """Answer every error of ``app`` as a problem (pages that fail answer in HTML)."""
    @app.errorhandler(Problem)
    def problem(exc: Problem) -> Response:
        if not request.path.startswith(_AS_PROBLEMS):  # a page: answer in HTML
            return _page_error(exc.status, exc.title, exc.detail)
        return problem_response(exc.status, exc.title, exc.detail, exc.field)

    @app.errorhandler(Conflict)
    def conflict(exc: Conflict) -> Response:
        return problem_response(409, "Conflict", exc.message, exc.field)

    @app.errorhandler(Busy)
    def busy(exc: Busy) -> Response:
        response = problem_response(429, "Too Many Requests", exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(QueueUnavailable)
    def queue_down(exc: QueueUnavailable) -> Response:
        # the same words whatever the cause: where the queue is stays in the log
        response = problem_response(503, "Service Unavailable", QUEUE_DOWN)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(KeyReused)
    def key_reused(exc: KeyReused) -> Response:
        return problem_response(422, "Unprocessable Content", exc.message, exc.field)

    @app.errorhandler(InputError)
    def bad_input(exc: InputError) -> Response:
        return problem_response(400, "Bad Request", exc.message, exc.field)

    @app.errorhandler(CalendarFetchError)
    def fetch_failed(exc: CalendarFetchError) -> Response:
        return problem_response(422, "Calendar not fetched", str(exc), "calendar")

    @app.errorhandler(CalendarError)
    def bad_calendar(exc: CalendarError) -> Response:
        return problem_response(400, "Not a usable calendar", str(exc), "body")

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Response:
        return problem_response(404, "Not Found", exc.args[0] if exc.args else None)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if not request.path.startswith(_AS_PROBLEMS):  # a page: answer in HTML
            return _page_error(exc.code or 500, exc.name, exc.description)
        response = problem_response(exc.code or 500, exc.name, exc.description)
        for name, value in exc.get_headers():  # e.g. Allow on 405, Retry-After on 503
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def defect(exc: Exception) -> Response:
        log.exception("unexpected error")  # a 5xx is a defect: logged in full
        return problem_response(500, "Internal Server Error", "an unexpected error; it has been logged")




def _page_error(status: int, title: str, detail: str | None) -> Response:
    """An error answered to a page: plain HTML with a way back."""
    return Response(f"<!doctype html><html lang='sv'><title>{status}</title><main><h1>{status} "
                    f"{escape(title)}</h1><p>{escape(detail or '')}</p>"
                    "<p><a href='/'>Start</a></p></main></html>", status=status,
                    mimetype="text/html")
