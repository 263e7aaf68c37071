"""Every request has an id (the caller's when it is well-formed, else a new one), answered
in X-Request-Id and carried by problems; each request is one log line (JSON by default)
with no secret from the path and nothing of the query; the OpenAPI document is built once."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

import api.openapi
from api import create_app
from api.observability import configure_logging, redact_path
from scheduler.cli import main

SECRET = "cs_" + "A1b2C3d4" * 5 + "xyz"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The JSON log lines written while the test runs."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("json", "INFO", stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_well_formed_request_id_is_echoed_and_a_missing_or_odd_one_replaced(client):
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a:42"}
                      ).headers["X-Request-Id"] == "lb-7f3a:42"
    made = [client.get("/healthz", headers=headers).headers["X-Request-Id"]
            for headers in ({}, {}, {"X-Request-Id": "two words"}, {"X-Request-Id": "x" * 200},
                            {"X-Request-Id": "a\u00e5b"})]
    assert all(re.fullmatch(r"[0-9a-f]{32}", found) for found in made)
    assert len(set(made)) == len(made)


def test_a_problem_carries_the_id_of_its_request(client):
    answer = client.get("/api/councils/0123456789ab", headers={"X-Request-Id": "req-123"})
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["request_id"] == "req-123"
    assert answer.headers["X-Request-Id"] == "req-123"


def test_each_request_is_one_json_line_with_its_fields(client, log_lines):
    client.get("/healthz?probe=1", headers={"X-Request-Id": "abc-1"},
               environ_base={"REMOTE_ADDR": "192.0.2.7"})
    (line,) = [entry for entry in lines(log_lines) if entry.get("request_id") == "abc-1"]
    assert line["level"] == "info" and line["logger"] == "council_scheduler.requests"
    assert (line["method"], line["path"], line["status"], line["remote"]) == (
        "GET", "/healthz", 200, "192.0.2.7")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", str(line["time"]))
    assert "probe" not in log_lines.getvalue()  # the query is not logged


def test_no_secret_of_a_path_reaches_the_log(client, log_lines):
    for path in (f"/feeds/{SECRET}.ics?holds=1", f"/my/{SECRET}", f"/my/{SECRET}/rotate",
                 f"/api/my/{SECRET}/meetings/m1", f"/elsewhere/{SECRET}?token={SECRET}"):
        client.get(path)
    written = log_lines.getvalue()
    assert SECRET not in written and SECRET[:12] not in written
    paths = [entry["path"] for entry in lines(log_lines) if "path" in entry]
    assert paths == ["/feeds/[secret].ics", "/my/[secret]", "/my/[secret]/rotate",
                     "/api/my/[secret]/meetings/m1", "/elsewhere/[secret]"]


def test_paths_without_secrets_are_logged_as_they_are():
    assert redact_path("/api/councils/c1/proposals") == "/api/councils/c1/proposals"
    assert redact_path("/feeds/") == "/feeds/"


def test_a_log_line_written_while_answering_carries_the_request_id(app, client, log_lines):
    @app.get("/api/boom")
    def boom() -> str:
        raise RuntimeError("defect")

    answer = client.get("/api/boom", headers={"X-Request-Id": "req-boom"})
    assert answer.status_code == 500 and answer.get_json()["request_id"] == "req-boom"
    (error,) = [entry for entry in lines(log_lines) if entry.get("level") == "error"]
    assert error["request_id"] == "req-boom" and "RuntimeError" in str(error["error"])


def test_the_text_format_and_bad_settings(monkeypatch):
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("text", "warning", stream=stream)
    try:
        logging.getLogger("council_scheduler.test").warning("plain %s", "words")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert stream.getvalue().rstrip().endswith("WARNING council_scheduler.test plain words")
    with pytest.raises(ValueError, match="SCHEDULER_LOG_FORMAT"):
        configure_logging("xml")
    with pytest.raises(ValueError, match="SCHEDULER_LOG_LEVEL"):
        configure_logging("json", "LOUD")
    monkeypatch.setenv("SCHEDULER_LOG_FORMAT", "yaml")
    assert main(["serve", "--port", "1"]) == 2  # refused before anything starts


def test_the_openapi_document_is_built_once_per_app(tmp_path, monkeypatch):
    calls = []
    build = api.openapi.openapi_document
    monkeypatch.setattr(api.openapi, "openapi_document", lambda app: calls.append(app) or build(app))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "TESTING": True})
    client = app.test_client()
    first = client.get("/api/openapi.json")
    second = client.get("/api/openapi.json")
    assert client.get("/api/docs").status_code == 200
    assert len(calls) == 1 and first.data == second.data and first.headers["ETag"]
    unchanged = client.get("/api/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and not unchanged.data
    app.extensions["council_engine"].dispose()
