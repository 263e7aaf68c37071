"""Probes for a process manager or load balancer: ``/healthz`` (the process answers) and
``/readyz`` (the database and the queue answer too)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify

from .auth import documented
from .problems import problem_response

__all__ = ["health", "readiness"]

log = logging.getLogger("council_scheduler.health")

health = Blueprint("health", __name__)

_OK = b'{"status":"ok"}'
_PROBE = sa.text("SELECT 1")


@health.get("/healthz")
@documented(public=True, responses={200: "The process runs"})
def healthz() -> Response:
    """Liveness: 200 while the process runs (nothing else is asked)."""
    return Response(_OK, mimetype="application/json")


def readiness(extensions: dict[str, Any]) -> dict[str, str]:
    """What each dependency answers: ``ok``, or why it is down."""
    checks: dict[str, str] = {}
    engine: sa.Engine = extensions["council_engine"]
    try:
        with engine.connect() as connection:
            connection.execute(_PROBE)
        checks["database"] = "ok"
    except Exception as error:  # any failure means: not ready
        log.warning("readiness: the database does not answer: %s", type(error).__name__)
        checks["database"] = f"down ({type(error).__name__})"
    queue = extensions.get("council_queue")
    if queue is not None:
        try:
            queue.ping()
            checks["queue"] = "ok"
        except Exception as error:  # any failure means: not ready
            log.warning("readiness: the queue does not answer: %s", type(error).__name__)
            checks["queue"] = f"down ({type(error).__name__})"
    return checks


@health.get("/readyz")
@documented(public=True, responses={200: "The database and the queue answer",
                                    503: "Something it needs does not answer (named)"})
def readyz() -> Response:
    """Readiness: 200 when the database and the queue answer, else 503 naming what is down."""
    checks = readiness(current_app.extensions)
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        response = problem_response(503, "Service Unavailable",
                                    f"not ready: {', '.join(down)} not answering",
                                    extensions={"checks": checks})
        response.headers["Retry-After"] = "5"
        response.headers["Cache-Control"] = "no-store"
        return response
    response = jsonify({"status": "ready", "checks": checks})
    response.headers["Cache-Control"] = "no-store"
    return response
