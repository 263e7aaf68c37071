"""The service as a real server (waitress in its own process), its OpenAPI document, and
``scheduler refresh`` against a local calendar server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from api import create_app, openapi_document
from scheduler.cli import main

from .local_server import serve

SCHEDULER = str(Path(sys.executable).with_name("scheduler"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    port = free_port()
    env = {**os.environ, "SCHEDULER_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}",
           "SCHEDULER_CACHE_DIR": "off"}
    process = subprocess.Popen([SCHEDULER, "serve", "--port", str(port), "--demo"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if line.startswith("serving on") or process.poll() is not None:
            break
    tokens = {parts[0]: parts[1] for parts in (line.split() for line in lines)
              if len(parts) == 2 and parts[0] in ("admin", "secretary", "chair")}
    council_id = next(line.split()[2] for line in lines if line.startswith("demo council"))
    yield f"http://127.0.0.1:{port}", tokens, council_id
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


def test_the_real_server_proposes_confirms_and_serves_a_feed(server):
    base, tokens, council_id = server
    secretary = {"Authorization": f"Bearer {tokens['secretary']}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        assert client.get("/api/openapi.json").status_code == 200
        council = client.get(f"/api/councils/{council_id}", headers=secretary).json()
        assert len(council["parties"]) == 13
        options = {"from": "2027-09-01", "to": "2027-12-01", "meetings": 2, "min_gap_days": 28}
        proposal = client.post(f"/api/councils/{council_id}/proposals", json=options,
                               headers=secretary)
        assert proposal.status_code == 201 and proposal.json()["status"] == "optimal"
        confirmed = client.post(f"/api/proposals/{proposal.json()['id']}/confirm",
                                headers=secretary)
        assert confirmed.status_code == 201 and len(confirmed.json()["meetings"]) == 2
        member = council["parties"][0]["members"][0]["id"]
        url = client.get(f"/api/members/{member}/feed", headers=secretary).json()["url"]
        feed = client.get(url)
        assert feed.status_code == 200 and feed.text.count("BEGIN:VEVENT") == 2
        assert client.get(url, headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304
        chair = {"Authorization": f"Bearer {tokens['chair']}"}
        report = client.get(f"/api/councils/{council_id}/reports/conflicts", headers=chair)
        assert report.status_code == 200 and len(report.json()["meetings"]) == 2
        broken = client.post(f"/api/councils/{council_id}/proposals", content=b"{",
                             headers={**secretary, "Content-Type": "application/json"})
        assert broken.status_code == 400
        assert broken.headers["Content-Type"] == "application/problem+json"


def test_the_openapi_document_is_valid_and_covers_the_contract(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    document = openapi_document(app)
    validate(document)
    app.extensions["council_engine"].dispose()
    for path in ("/api/councils", "/api/members/{member_id}/calendar",
                 "/api/councils/{council_id}/proposals", "/api/proposals/{proposal_id}/confirm",
                 "/api/members/{member_id}/feed", "/feeds/{secret}.ics",
                 "/api/councils/{council_id}/reports/conflicts"):
        assert path in document["paths"], path
    assert app.test_client().get("/api/docs").status_code == 200


def test_refresh_fetches_every_calendar_url_and_records_failures(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", url)
    monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "localhost,127.0.0.1")
    app = create_app({"DATABASE_URL": url})
    services = app.extensions["council_services"]
    with serve() as (base, _):
        from scheduler.council_file import council_from_mapping

        council = council_from_mapping({"name": "R", "parties": [{"id": "a", "members": [
            {"name": "A", "role": "representative", "calendar": f"{base}/cal.ics"},
            {"name": "B", "role": "substitute", "calendar": f"{base}/missing.ics"}]}]}, None)
        stored = services.add_council(council)
        assert main(["refresh"]) == 0
    out, err = capsys.readouterr()
    assert "1 calendars refreshed, 1 failed" in out and "HTTP 404" in err
    ok, failed = (m["calendar"] for m in services.council_document(stored["id"], urls=True)[
        "parties"][0]["members"])
    assert ok["busy_intervals"] == 1 and ok["last_error"] is None
    assert failed["fetched_at"] is None and "HTTP 404" in (failed["last_error"] or "")
    app.extensions["council_engine"].dispose()


def test_serving_on_is_printed_only_once_the_port_accepts_connections(tmp_path):
    port = free_port()
    env = {**os.environ, "SCHEDULER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    process = subprocess.Popen([SCHEDULER, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    try:
        line = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not line.startswith("serving on"):
            line = process.stdout.readline()
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass  # no retry: the port is open the moment the line is printed
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
