"""Long work over HTTP: a request that starts a job answers 202 with the job at once
(``Prefer: respond-async``) or after waiting up to ``JOB_WAIT_S`` seconds, else as it
always did (201); ``GET /api/jobs/{id}`` shows a job to whoever may see its councils."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from scheduler.errors import NotFound
from scheduler.jobs.records import JobRecord

from .auth import NO_SUCH, allow_every, documented, services
from .problems import Problem, problem_response

__all__ = ["ASYNC_HEADERS", "JOB_PARAMETERS", "Preferences", "answer_job", "idempotency_key",
           "job_location", "jobs", "preferences"]

jobs = Blueprint("jobs", __name__, url_prefix="/api")

_KEY = re.compile(r"[\x21-\x7e]{1,200}")  # visible ASCII, as the draft standard asks
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")  # RFC 9110 token (names are lower-cased)
_SECONDS = re.compile(r"[0-9]{1,9}")  # wait=N: ASCII digits only (not "²" or "٣")
_LOCATION = {"required": True, "schema": {"type": "string"}}
ASYNC_HEADERS: dict[int, dict[str, Any]] = {  # for the OpenAPI document
    202: {"Location": _LOCATION,
          "Preference-Applied": {"required": False, "schema": {"type": "string"}}},
    503: {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0},
                          "description": "seconds to wait before asking again"}}}
JOB_PARAMETERS: list[dict[str, Any]] = [
    {"name": "Prefer", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "respond-async: answer 202 with the job at once (wait=N: wait at most "
                    "N seconds)"},
    {"name": "Idempotency-Key", "in": "header", "required": False,
     "schema": {"type": "string", "pattern": "^[!-~]{1,200}$"},
     "description": "the same key with the same body from the same token gives the same "
                    "job; with another body, 422"}]


def job_location(job_id: str) -> str:
    """Where a job is read."""
    return f"/api/jobs/{job_id}"


def idempotency_key() -> str | None:
    """The request's ``Idempotency-Key`` (None when absent; 400 when it is not a key)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if key.startswith('"') and key.endswith('"') and len(key) > 1:  # a structured string
        key = key[1:-1]
    if not _KEY.fullmatch(key):
        raise Problem(400, "Bad Request", "the key must be 1 to 200 visible ASCII characters",
                      field="Idempotency-Key")
    return key


@dataclass(frozen=True)
class Preferences:
    """What the request's ``Prefer`` header asks of a job's answer: 202 at once
    (``respond-async``), or waiting at most ``wait_s`` seconds (``wait=N``)."""

    respond_async: bool = False
    wait_s: int | None = None


def _split(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def preferences() -> Preferences:
    """The request's ``Prefer`` headers read as RFC 7240 says: comma-separated
    preferences, each a token with an optional value, its parameters (after ``;``) left
    aside; the first of a name counts. A preference not understood, or a value that is
    not what it takes (``wait`` takes ASCII digits), is ignored, never an error."""
    found: dict[str, str] = {}
    for header in request.headers.getlist("Prefer"):
        for item in _split(header, ","):
            name, _, value = _split(item, ";")[0].partition("=")
            name, value = name.strip().lower(), value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if _TOKEN.fullmatch(name):
                found.setdefault(name, value)
    wait = found.get("wait", "")
    return Preferences("respond-async" in found,
                       int(wait) if _SECONDS.fullmatch(wait) else None)


def _accepted(job: JobRecord, applied: bool) -> Response:
    response = jsonify(job.as_json())
    response.status_code = 202
    response.headers["Location"] = job_location(job.id)
    response.headers["Retry-After"] = "1"
    if applied:
        response.headers["Preference-Applied"] = "respond-async"
    return response


def _failed(job: JobRecord) -> Response:
    error = job.error or {}
    params = error.get("invalid-params") or [{}]
    return problem_response(int(error.get("status", 500)), str(error.get("title", "Job failed")),
                            error.get("detail"), params[0].get("name"))


def answer_job(job: JobRecord, done: Callable[[JobRecord], Response],
               preferred: Preferences) -> Response:
    """202 with the job when the client asked not to wait or it does not end within the
    wait; ``done(job)`` when it is done; its problem when it failed. ``preferred`` is read
    (``preferences()``) before the job is asked for, so nothing about it fails after."""
    if preferred.respond_async:
        return _accepted(job, applied=True)
    wait_s = float(current_app.config.get("JOB_WAIT_S", 30.0))
    if preferred.wait_s is not None:
        wait_s = min(wait_s, float(preferred.wait_s))
    if not job.finished:
        job = services().wait(job.id, wait_s)
    if job.state == "done":
        return done(job)
    if job.state == "failed":
        return _failed(job)
    return _accepted(job, applied=False)


@jobs.get("/jobs/<job_id>")
@documented(responses={200: "The job: state, progress, stage, the solver's bound and gap, "
                            "and its result or problem"})
def read_job(job_id: str) -> Response:
    """One job (whoever may see one of its councils; a job of no council, admins only)."""
    token = allow_every(("secretary", "chair"), [])  # a token first, before anything is told
    try:
        job = services().job(job_id)
    except NotFound:
        job = None
    if job is None or not (token.role == "admin" or token.council_id in job.council_ids):
        raise Problem(404, "Not Found", NO_SUCH)
    return jsonify(job.as_json())
