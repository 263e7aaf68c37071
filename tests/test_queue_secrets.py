"""Where the queue and the database are stays out of answers and out of logs' secrets: a
queue that is down is a 503 problem in general words (no host, port, file, user or
password), and the log says where, without the user, password or query."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from api import create_app
from scheduler.errors import QueueUnavailable
from scheduler.jobs import worker
from scheduler.jobs.queue import JobQueue
from scheduler.jobs.queue_url import QueueTarget, queue_target, redacted_url

from .conftest import bearer
from .databases import database
from .test_api import COUNCIL, OPTIONS

SECRET = "s3kr1t"
DOWN_QUEUE = f"redis://admin:{SECRET}@127.0.0.1:1/0?password={SECRET}&db=0"


@pytest.mark.parametrize(("url", "shown"), [
    (DOWN_QUEUE, "redis://127.0.0.1:1/0"),
    (f"postgresql+psycopg://u:{SECRET}@db.internal:5432/app?password={SECRET}#x",
     "postgresql+psycopg://db.internal:5432/app"),
    (f"rediss://:{SECRET}@[::1]:6380/2", "rediss://[::1]:6380/2"),
    (f"unix://:{SECRET}@/run/redis.sock?db=1&password={SECRET}", "unix:///run/redis.sock"),
    ("sqlite:////var/lib/app/data.sqlite?mode=rw", "sqlite:////var/lib/app/data.sqlite"),
    ("/var/lib/app/queue.sqlite", "/var/lib/app/queue.sqlite"),
])
def test_a_location_in_a_log_has_no_user_password_or_query(url, shown):
    assert redacted_url(url) == shown
    assert SECRET not in QueueTarget("redis", url).redacted()


def test_a_queue_that_is_down_answers_in_general_words_and_logs_where(tmp_path, caplog):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}", "TESTING": True,
                      "QUEUE_URL": DOWN_QUEUE})
    try:
        client = app.test_client()
        council_id = client.post("/api/councils", json=COUNCIL, headers=bearer(app)).json["id"]
        caplog.set_level(logging.WARNING)
        answer = client.post(f"/api/councils/{council_id}/proposals", json=OPTIONS,
                             headers={**bearer(app), "Prefer": "respond-async"})
        assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
        assert answer.json["detail"] == ("the job queue does not take work now; "
                                         "try again shortly")
        for secret in (SECRET, "admin", "127.0.0.1", ":1", "redis", str(tmp_path)):
            assert secret not in answer.text
        assert "redis://127.0.0.1:1/0" in caplog.text and SECRET not in caplog.text
        with pytest.raises(QueueUnavailable) as raised:
            app.extensions["council_queue"].ping()
        assert "127.0.0.1" not in raised.value.message and SECRET not in raised.value.message
    finally:
        app.extensions["council_engine"].dispose()


def test_an_embedded_queue_that_fails_does_not_tell_its_file(tmp_path):
    queue = JobQueue(queue_target("", f"sqlite:///{tmp_path / 'a.sqlite'}"), lambda: None)  # type: ignore[arg-type,return-value]
    def full(_job_id: str) -> None:
        raise OSError(f"disk full at {tmp_path}")

    queue.tasks = dataclasses.replace(queue.tasks, run_job=full)
    with pytest.raises(QueueUnavailable) as raised:
        queue.enqueue_job("0123456789abcdef")
    assert str(tmp_path) not in raised.value.message and "disk" not in raised.value.message


def test_the_worker_logs_its_database_without_a_password_in_the_query(tmp_path, monkeypatch,
                                                                      caplog):
    class Consumer:
        shutdown_timeout = 0.0

        def run(self) -> None:
            return None

    with database("postgresql", tmp_path) as engine:
        url = engine.url.render_as_string(hide_password=False) + f"?password={SECRET}"
        monkeypatch.setenv("SCHEDULER_DATABASE_URL", url)
        monkeypatch.setenv("SCHEDULER_QUEUE_URL", DOWN_QUEUE)
        monkeypatch.setattr(JobQueue, "consumer", lambda *args, **kwargs: Consumer())
        monkeypatch.setattr(worker, "_log_to_stderr", lambda: None)
        caplog.set_level(logging.INFO)
        assert worker.run_worker(1) == 0
    started = next(r.getMessage() for r in caplog.records if "database" in r.getMessage())
    assert "127.0.0.1:5432/cs_test_" in started
    assert SECRET not in caplog.text and "password" not in caplog.text
