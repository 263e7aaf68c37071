"""The embedded default (no SCHEDULER_QUEUE_URL): an SQLite queue file beside the
database, worker threads inside ``scheduler serve``, jobs done end to end over HTTP; and
the queue URLs that are understood or refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from scheduler.errors import InputError
from scheduler.jobs.queue_url import queue_target

from .conformance_server import running_server
from .test_queue_faults import COUNCIL, OPTIONS
from .test_queue_servers import wait_for


def test_scheduler_serve_runs_jobs_on_the_embedded_queue_end_to_end(tmp_path, monkeypatch):
    monkeypatch.delenv("SCHEDULER_QUEUE_URL")
    with running_server(tmp_path) as (base, token):
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            council = client.post("/api/councils", json=COUNCIL).raise_for_status().json()
            proposals = f"/api/councils/{council['id']}/proposals"
            made = client.post(proposals, json=OPTIONS)
            assert made.status_code == 201 and made.json()["meetings"]
            later = client.post(proposals, json=OPTIONS, headers={"Prefer": "respond-async"})
            assert later.status_code == 202
            location = later.headers["Location"]
            job = wait_for(lambda: (found := client.get(location).json())["state"] in
                           ("done", "failed") and found, 60, "the job to end")
            assert job["state"] == "done" and job["progress"] == 1.0
            assert client.get(f"/api/proposals/{job['result']['proposal']}").status_code == 200
            listed = client.get(proposals).json()["proposals"]
            assert len(listed) == 2
    assert (tmp_path / "db-queue.sqlite").exists()  # the queue's file, beside the database


@pytest.mark.parametrize(("url", "database", "kind", "where"), [
    ("", "sqlite:////srv/app/db.sqlite", "embedded", "/srv/app/db-queue.sqlite"),
    ("redis://127.0.0.1:6379/2", None, "redis", "redis://127.0.0.1:6379/2"),
    (" immediate: ", None, "immediate", ""),
])
def test_queue_urls_name_their_queue(url, database, kind, where):
    target = queue_target(url, database)
    assert (target.kind, target.location) == (kind, where)


def test_the_embedded_queue_of_another_database_lives_in_the_user_data_folder(monkeypatch,
                                                                              tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    target = queue_target("", "postgresql+psycopg://db/app")
    location = Path(target.location)
    assert location.parent == tmp_path / "council-scheduler"
    assert location.name.startswith("queue-") and location.suffix == ".sqlite"


@pytest.mark.parametrize("url", ["amqp://broker", "sqlite:///x", "immediate"])
def test_a_queue_url_that_is_not_understood_names_the_variable(url):
    with pytest.raises(InputError) as raised:
        queue_target(url)
    assert raised.value.field == "SCHEDULER_QUEUE_URL"


def test_a_redis_password_is_not_shown():
    target = queue_target("redis://:s3cret@cache.example:6380/1")
    assert "s3cret" not in target.redacted() and "cache.example:6380/1" in target.redacted()
