"""Long work over HTTP: a request that starts a job answers 202 with the job at once
(``Prefer: respond-async``) or after waiting up to ``JOB_WAIT_S`` seconds, else as it
always did (201); ``GET /api/jobs/{id}`` shows a job to whoever may see its councils."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from scheduler.errors import NotFound
from scheduler.jobs.records import JobRecord

from .auth import allow_every, documented, services
from .problems import Problem, problem_response

__all__ = ["ASYNC_HEADERS", "JOB_PARAMETERS", "answer_job", "idempotency_key", "job_location", "jobs"]

jobs = Blueprint("jobs", __name__, url_prefix="/api")

_KEY = re.compile(r"[\x21-\x7e]{1,200}")  # visible ASCII, as the draft standard asks
_LOCATION = {"required": True, "schema": {"type": "string"}}
ASYNC_HEADERS: dict[int, dict[str, Any]] = {  # for the OpenAPI document
    202: {"Location": _LOCATION,
          "Preference-Applied": {"required": False, "schema": {"type": "string"}}},
    503: {"Retry-After": _LOCATION}}
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


def _preferences() -> dict[str, str]:
    found: dict[str, str] = {}
    for header in request.headers.getlist("Prefer"):
        for item in header.split(","):
            name, _, value = item.strip().partition("=")
            if name:
                found.setdefault(name.strip().lower(), value.strip().strip('"'))
    return found


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


def answer_job(job: JobRecord, done: Callable[[JobRecord], Response]) -> Response:
    """202 with the job when the client asked not to wait or it does not end within the
    wait; ``done(job)`` when it is done; its problem when it failed."""
    preferences = _preferences()
    if "respond-async" in preferences:
        return _accepted(job, applied=True)
    wait_s = float(current_app.config.get("JOB_WAIT_S", 30.0))
    asked = preferences.get("wait", "")
    if asked.isdigit():
        wait_s = min(wait_s, float(asked))
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
        raise Problem(404, "Not Found", "no such resource for this token")
    return jsonify(job.as_json())
