"""/healthz answers while the process runs; /readyz answers 200 only while the database
and the queue answer, else a 503 problem that names what is down; both are in the
OpenAPI document and need no token."""

from __future__ import annotations

import socket

import sqlalchemy as sa

from scheduler.storage.database import make_engine


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again once the block ends


class DeadQueue:
    """A queue whose server does not answer."""

    def ping(self) -> None:
        raise ConnectionError("redis://127.0.0.1:1 refused the connection")


class LiveQueue:
    def __init__(self) -> None:
        self.pinged = 0

    def ping(self) -> None:
        self.pinged += 1


def test_healthz_answers_a_tiny_200_without_a_token(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}
    assert len(answer.data) < 64 and answer.headers["X-Request-Id"]


def test_readyz_answers_200_when_the_database_and_the_queue_answer(app, client):
    queue = LiveQueue()
    app.extensions["council_queue"] = queue
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}
    assert queue.pinged == 1 and answer.headers["Cache-Control"] == "no-store"


def test_readyz_is_a_503_problem_naming_the_database_when_it_does_not_answer(app, client):
    app.extensions.pop("council_queue", None)
    kept = app.extensions["council_engine"]
    dead = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/nowhere")
    app.extensions["council_engine"] = dead
    try:
        answer = client.get("/readyz", headers={"X-Request-Id": "probe-1"})
    finally:
        app.extensions["council_engine"] = kept
        dead.dispose()
    assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["status"] == 503 and "database" in problem["detail"]
    assert problem["checks"]["database"].startswith("down") and problem["request_id"] == "probe-1"
    assert answer.headers["Retry-After"]
    assert client.get("/readyz").status_code == 200  # the database answers again
    assert client.get("/healthz").status_code == 200  # the process ran all along


def test_readyz_is_a_503_problem_naming_the_queue_when_it_does_not_answer(app, client):
    app.extensions["council_queue"] = DeadQueue()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert "queue" in problem["detail"] and "database" not in problem["detail"]
    assert problem["checks"] == {"database": "ok", "queue": "down (ConnectionError)"}
    assert "6379" not in answer.text and "refused" not in answer.text  # nothing of the server's


def test_readyz_checks_the_apps_own_engine(app, client):
    engine: sa.Engine = app.extensions["council_engine"]
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    app.extensions.pop("council_queue", None)
    assert client.get("/readyz").status_code == 200
    assert any(statement.strip().upper() == "SELECT 1" for statement in seen)


def test_both_probes_are_documented_as_public(client):
    document = client.get("/api/openapi.json").get_json()
    healthz, readyz = document["paths"]["/healthz"]["get"], document["paths"]["/readyz"]["get"]
    assert healthz["security"] == [] and readyz["security"] == []
    assert "200" in healthz["responses"]
    assert set(readyz["responses"]) >= {"200", "503"}
    assert "application/problem+json" in readyz["responses"]["503"]["content"]


def test_a_wrong_method_on_a_probe_is_a_problem_with_allow(client):
    answer = client.post("/healthz")
    assert answer.status_code == 405 and answer.mimetype == "application/problem+json"
    assert "GET" in answer.headers["Allow"]


def test_a_dependency_that_hangs_is_down_within_the_time_limit(app, client, monkeypatch):
    import threading
    import time

    import api.health

    released = threading.Event()

    class HangingQueue:
        def ping(self) -> None:
            released.wait(10)

    monkeypatch.setattr(api.health, "CHECK_TIMEOUT_S", 0.3)
    app.extensions["council_queue"] = HangingQueue()
    started = time.monotonic()
    answer = client.get("/readyz")
    released.set()
    assert time.monotonic() - started < 5
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["queue"] == "down (no answer within 0.3 s)"
    assert client.get("/healthz").status_code == 200
