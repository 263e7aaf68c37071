"""Probes for a process manager or load balancer: ``/healthz`` (the process answers) and
``/readyz`` (the database and the queue answer too)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
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
CHECK_TIMEOUT_S = 3.0  # a dependency that has not answered by then is down


@health.get("/healthz")
@documented(public=True, responses={200: "The process runs"})
def healthz() -> Response:
    """Liveness: 200 while the process runs (nothing else is asked)."""
    return Response(_OK, mimetype="application/json")


def _database(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.execute(_PROBE)


class _Checks:
    """Asks each dependency in a daemon thread of its own, so that one that hangs (a
    network that drops packets) answers a probe as down within ``CHECK_TIMEOUT_S``,
    holds no request thread, and never keeps the process from ending; at most a few such
    threads wait at once."""

    def __init__(self, at_once: int = 4):
        self.at_once = at_once
        self._slots = threading.BoundedSemaphore(at_once)
        self._pid = os.getpid()

    def ask(self, check: Callable[[], object]) -> str:
        """``ok``, or why the dependency is down."""
        if self._pid != os.getpid():  # after a fork: the parent's threads are not here
            self._slots, self._pid = threading.BoundedSemaphore(self.at_once), os.getpid()
        slots = self._slots
        if not slots.acquire(blocking=False):
            return "down (earlier checks still wait for an answer)"
        outcome: list[str] = []
        done = threading.Event()

        def run() -> None:
            try:
                check()
                outcome.append("ok")
            except Exception as error:  # any failure means: not ready
                outcome.append(f"down ({type(error).__name__})")
            finally:
                slots.release()
                done.set()

        threading.Thread(target=run, name="readiness", daemon=True).start()
        if not done.wait(CHECK_TIMEOUT_S):
            return f"down (no answer within {CHECK_TIMEOUT_S:g} s)"
        return outcome[0]


_CHECKS = _Checks()


def readiness(extensions: dict[str, Any]) -> dict[str, str]:
    """What each dependency answers: ``ok``, or why it is down."""
    engine: sa.Engine = extensions["council_engine"]
    checks = {"database": _CHECKS.ask(lambda: _database(engine))}
    queue = extensions.get("council_queue")
    if queue is not None:
        checks["queue"] = _CHECKS.ask(queue.ping)
    for name, state in checks.items():
        if state != "ok":
            log.warning("readiness: the %s does not answer: %s", name, state)
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
