"""``scheduler serve --processes 2``: gunicorn with two worker processes forked from one
loaded app (the demo loaded once, before the fork); both answer probes and feeds, a link
rotated through one is refused by every process at once, logs are JSON lines, and
SIGTERM ends it cleanly."""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scheduler.cli import main

from .databases import postgres_database_url

pytestmark = [pytest.mark.network,
              pytest.mark.skipif(os.name != "posix", reason="gunicorn needs a POSIX system")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A ``scheduler serve`` process and what it printed before serving."""

    def __init__(self, process: subprocess.Popen[str], port: int, printed: list[str], log: Path):
        self.process, self.port, self.printed, self.log = process, port, printed, log
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """One request on a kept-alive connection."""
        self.connection.request(method, path, headers=headers or {})
        answer = self.connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()

    def fresh(self, path: str) -> int:
        """One request on a new connection (which may reach the other process)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            return answer.status
        finally:
            connection.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    with ExitStack() as stack:
        url = f"sqlite:///{folder / 'db.sqlite'}" if request.param == "sqlite" \
            else stack.enter_context(postgres_database_url())
        yield from _serve(folder, url)


def _serve(folder: Path, url: str) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "SCHEDULER_DATABASE_URL": url,
           "SCHEDULER_CACHE_DIR": "off", "XDG_DATA_HOME": str(folder), "SCHEDULER_LOG_FORMAT": "json",
           "SCHEDULER_LOG_LEVEL": "INFO"}
    env.pop("SCHEDULER_QUEUE_URL", None)
    log = folder / "server.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("scheduler")), "serve", "--port", str(port),
             "--demo", "--processes", "2", "--threads", "4"],
            env=env, text=True, stdout=subprocess.PIPE, stderr=errors)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in process.stdout or ():
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    printed: list[str] = []
    try:
        while not printed or not printed[-1].startswith("serving on"):
            try:
                printed.append(lines.get(timeout=120))
            except queue.Empty:
                pytest.fail("the server did not start: " + log.read_text()[-3000:])
        yield Server(process, port, printed, log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def workers_of(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid`` (from /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines()
                          if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def test_the_server_runs_two_worker_processes_and_answers_probes(server: Server) -> None:
    assert "gunicorn, 2 processes" in server.printed[-1]
    if Path("/proc").is_dir():  # "serving on" comes once the port is bound; the workers follow
        deadline = time.monotonic() + 30
        while len(workers_of(server.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers_of(server.process.pid)) == 2
    status, headers, body = server.get("/healthz", {"X-Request-Id": "serve-test-1"})
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["X-Request-Id"] == "serve-test-1"
    status, _, body = server.get("/readyz")
    assert status == 200 and json.loads(body)["checks"]["database"] == "ok"
    assert all(server.fresh("/healthz") == 200 for _ in range(8))


def test_the_demo_is_served_by_every_process_and_a_rotated_link_is_refused_by_all(
        server: Server) -> None:
    tokens = dict(line.split() for line in server.printed if line.startswith("  "))
    council = next(line.split()[2] for line in server.printed if line.startswith("demo council"))
    secretary = {"Authorization": f"Bearer {tokens['secretary']}"}
    status, _, body = server.get(f"/api/councils/{council}", secretary)
    assert status == 200
    member = json.loads(body)["parties"][0]["members"][1]["id"]
    status, _, body = server.get(f"/api/members/{member}/feed", secretary)
    feed = urlsplit(json.loads(body)["url"]).path
    status, headers, body = server.get(feed)
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert server.get(feed, {"If-None-Match": headers["ETag"]})[0] == 304
    assert all(server.fresh(feed) == 200 for _ in range(8))  # both processes know the link
    status, _, _ = server.get(f"/api/members/{member}/feed/rotate", secretary, method="POST")
    assert status == 200
    # on PostgreSQL the other process hears of it as the database passes the notice on
    until = time.monotonic() + 5
    while server.fresh(feed) != 404 and time.monotonic() < until:
        time.sleep(0.01)
    assert [server.fresh(feed) for _ in range(8)] == [404] * 8


def test_a_proposal_job_submitted_to_a_worker_process_is_run_by_the_queue(server: Server) -> None:
    tokens = dict(line.split() for line in server.printed if line.startswith("  "))
    council = next(line.split()[2] for line in server.printed if line.startswith("demo council"))
    secretary = {"Authorization": f"Bearer {tokens['secretary']}", "Content-Type": "application/json"}
    options = json.dumps({"from": "2027-03-01", "to": "2027-06-01", "meetings": 2,
                          "min_gap_days": 21})
    server.connection.request("POST", f"/api/councils/{council}/proposals", body=options,
                              headers={**secretary, "Prefer": "respond-async"})
    answer = server.connection.getresponse()
    answer.read()
    assert answer.status == 202
    location = urlsplit(answer.getheader("Location") or "").path
    deadline = time.monotonic() + 90
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = json.loads(server.get(location, secretary)[2])
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert job["state"] == "done", job
    status, _, _ = server.get(f"/api/proposals/{job['result']['proposal']}", secretary)
    assert status == 200


def test_sigterm_ends_the_server_cleanly_with_json_logs(server: Server) -> None:
    server.get("/healthz", {"X-Request-Id": "serve-test-last"})
    server.connection.close()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    entries: list[dict[str, Any]] = [json.loads(line) for line in server.log.read_text().splitlines()]
    request = [e for e in entries if e.get("request_id") == "serve-test-last"]
    assert request and request[0]["path"] == "/healthz" and request[0]["status"] == 200
    assert any("Shutting down" in e["message"] for e in entries)
    time.sleep(0.2)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


def test_a_process_count_below_one_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--processes", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --processes and --threads must be at least 1"
