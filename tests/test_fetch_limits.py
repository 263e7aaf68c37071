"""Fetching calendar URLs cannot stall the service or speak for the network behind it: one
wall-clock deadline for a whole fetch, however slowly a server trickles its headers; a
bounded number of fetches asked for by requests at once; fetches per member limited; a
refused address never named; and the chair sees that a calendar fails, never its URL."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from api import create_app
from calendars.fetch import FetchPolicy, HostUnavailable, fetch_calendar
from scheduler.errors import Busy

from .conftest import bearer
from .local_server import serve
from .trickle_server import trickle

LOOPBACK = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=1.0)
MARGIN_S = 1.0  # what a fetch may take beyond its deadline, at most


def make_app(tmp_path: Any, **config: Any) -> Any:
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "tests", **config})


COUNCIL = {"name": "Kulturrådet", "timezone": "Europe/Stockholm",
           "bodies": [{"id": "ks", "name": "Kommunstyrelsen",
                       "calendar": "https://plans.example.org/hemlig-plan/ks.ics"}],
           "parties": [{"id": "s", "name": "Nora", "members": [
               {"name": "Anna Ek", "role": "representative", "email": "anna@nora.example",
                "calendar": "https://kalle:pw@calendar.example.org/private/abc123.ics"},
               {"name": "Erik Ek", "role": "substitute"}]}]}


def _member(council: dict[str, Any]) -> str:
    return str(council["parties"][0]["members"][0]["id"])


# one deadline for the whole exchange ------------------------------------------------------
def test_a_server_trickling_its_headers_is_given_up_at_the_deadline() -> None:
    with trickle(every=0.25, for_s=8.0) as (base, seen):
        started = time.monotonic()
        with pytest.raises(HostUnavailable, match="timed out after 1 s") as err:
            fetch_calendar(f"{base}/cal.ics", policy=LOOPBACK)
        took = time.monotonic() - started
    assert took < LOOPBACK.timeout + MARGIN_S, took
    assert seen.started == 1 and seen.finished == 0
    assert err.value.source == f"{base}/cal.ics"


def test_the_deadline_is_read_from_the_environment_and_refused_out_of_range() -> None:
    from scheduler.fetching import FetchSettings

    settings = FetchSettings.from_env({"SCHEDULER_FETCH_DEADLINE_S": "2.5",
                                       "SCHEDULER_FETCHES_AT_ONCE": "3",
                                       "SCHEDULER_FETCH_RATE": "2/30",
                                       "SCHEDULER_FETCH_ALLOW": "127.0.0.1"})
    assert settings.policy.timeout == 2.5 and settings.at_once == 3
    assert (settings.rate.count, settings.rate.per_s) == (2, 30)
    assert settings.policy.allow == frozenset({"127.0.0.1"})
    for name, value in (("SCHEDULER_FETCH_DEADLINE_S", "0"), ("SCHEDULER_FETCH_DEADLINE_S", "1e9"),
                        ("SCHEDULER_FETCHES_AT_ONCE", "0"), ("SCHEDULER_FETCH_RATE", "many")):
        with pytest.raises(ValueError, match=name):
            FetchSettings.from_env({name: value})


# fetches asked for by requests: bounded, and never waited for beyond the deadline ---------
def test_a_fetch_beyond_the_slots_is_busy_and_a_slow_one_is_answered_as_still_running() -> None:
    from scheduler.fetching import FetchSlots

    slots = FetchSlots(1)
    release = threading.Event()
    started = time.monotonic()
    assert slots.run(lambda: release.wait(30), 0.2) is None  # still running: not waited for
    assert time.monotonic() - started < 0.2 + MARGIN_S + 0.5
    with pytest.raises(Busy) as busy:
        slots.run(lambda: True, 0.2)
    assert busy.value.retry_after >= 1
    release.set()
    deadline = time.monotonic() + 10
    while True:  # the slot comes free once the slow fetch ends
        try:
            assert slots.run(lambda: "done", 0.2) == "done"
            break
        except Busy:
            assert time.monotonic() < deadline, "the slot never came free"
            release.wait(0.01)


def test_a_members_fetch_of_a_trickling_server_answers_within_the_deadline(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("SCHEDULER_FETCH_DEADLINE_S", "1")
    app = make_app(tmp_path)
    try:
        services = app.extensions["council_services"]
        council = services.create_council(COUNCIL)
        secret = services.page_secret(_member(council))
        client = app.test_client()
        with trickle(every=0.25, for_s=8.0) as (base, _seen):
            started = time.monotonic()
            answer = client.put(f"/api/my/{secret}/calendar", json={"url": f"{base}/x.ics"})
            took = time.monotonic() - started
        assert took < 1 + MARGIN_S + 1.0, took
        assert answer.status_code in (202, 422, 400), answer.get_json()
    finally:
        app.extensions["council_engine"].dispose()


def test_a_fetch_still_under_way_after_the_deadline_is_answered_202_and_kept_later(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("SCHEDULER_FETCH_DEADLINE_S", "1")
    app = make_app(tmp_path)
    try:
        services = app.extensions["council_services"]
        council = services.create_council(COUNCIL)
        member = _member(council)
        secret = services.page_secret(member)
        release = threading.Event()
        reading = services.upload_calendar

        def slow_reading(member_id: str, data: bytes) -> Any:  # reading takes its time
            release.wait(10)
            return reading(member_id, data)

        monkeypatch.setattr(services, "upload_calendar", slow_reading)
        client = app.test_client()
        with serve() as (base, _seen):
            url = base.replace("localhost", "127.0.0.1") + "/cal.ics"
            started = time.monotonic()
            answer = client.put(f"/api/my/{secret}/calendar", json={"url": url})
            assert answer.status_code == 202 and answer.get_json()["state"] == "fetching"
            assert time.monotonic() - started < 1 + MARGIN_S + 1.0
            release.set()
            deadline = time.monotonic() + 20
            while not services.my_overview(secret)["calendar"]["linked"]:  # kept once read
                assert time.monotonic() < deadline, "the address was never kept"
                release.wait(0.02)
            while services.fetch_slots.running:  # and its slot given back
                assert time.monotonic() < deadline, "the slot was never given back"
                release.wait(0.02)
            release.clear()
            page = client.post(f"/my/{secret}/calendar", data={"url": url})
            assert page.status_code == 303
            shown = client.get(page.headers["Location"]).get_data(as_text=True)
            assert "hämtas fortfarande" in shown
            release.set()
    finally:
        app.extensions["council_engine"].dispose()


# finding 10: refusals never say how a name resolves; fetches per member are limited -------
def test_a_refused_address_is_not_named_to_the_link_holder(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    try:
        services = app.extensions["council_services"]
        secret = services.page_secret(_member(services.create_council(COUNCIL)))
        answer = app.test_client().put(f"/api/my/{secret}/calendar",
                                       json={"url": "https://localhost:9/cal.ics"})
        assert answer.status_code == 400
        detail = answer.get_json()["detail"]
        assert "not allowed" in detail
        for leak in ("127.0.0.1", "::1", "loopback", "resolves"):
            assert leak not in detail, detail
    finally:
        app.extensions["council_engine"].dispose()


def test_fetches_per_member_are_limited_with_429_and_retry_after(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_FETCH_RATE", "3/60")
    app = make_app(tmp_path)
    try:
        services = app.extensions["council_services"]
        council = services.create_council(COUNCIL)
        member = _member(council)
        secret = services.page_secret(member)
        client = app.test_client()
        refused = {"url": "https://localhost:9/cal.ics"}  # refused at once, but asked for
        codes = [client.put(f"/api/my/{secret}/calendar", json=refused).status_code
                 for _ in range(3)]
        assert codes == [400, 400, 400]
        limited = client.put(f"/api/my/{secret}/calendar", json=refused)
        assert limited.status_code == 429
        assert limited.mimetype == "application/problem+json"
        assert int(limited.headers["Retry-After"]) >= 1
        # the secretary's "fetch now" of the same member's URL counts against the same key
        secretary = bearer(app, "secretary", council["id"])
        again = client.post(f"/api/members/{member}/calendar/refresh", headers=secretary)
        assert again.status_code == 429 and "Retry-After" in again.headers
        # the member's page says it in words, in Swedish
        page = client.post(f"/my/{secret}/calendar", data={"url": refused["url"]})
        assert page.status_code == 429 and "Retry-After" in page.headers
        assert "försök igen om" in page.get_data(as_text=True)
    finally:
        app.extensions["council_engine"].dispose()


# finding 11: the chair sees that a calendar fails and when, never any part of its URL -----
def _failed(services: Any, council: dict[str, Any]) -> None:
    at = dt.datetime.now(dt.UTC)
    with services.uow() as uow:
        uow.calendars.fetch_failed(_member(council), "https://calendar.example.org/[…]"
                                   "/abc123.ics: cannot resolve calendar.example.org", at)
        uow.calendars.plan_fetch_failed(council["id"], "ks", "https://plans.example.org/"
                                        "hemlig-plan/ks.ics: HTTP 404 Not Found", at)
        uow.commit()


URL_PARTS = ("example.org", "abc123", "hemlig-plan", "https", "kalle")


def test_the_chair_sees_the_state_and_time_of_a_fetch_error_but_no_url(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    try:
        services = app.extensions["council_services"]
        council = services.create_council(COUNCIL)
        _failed(services, council)
        client = app.test_client()
        chair = client.get(f"/api/councils/{council['id']}",
                           headers=bearer(app, "chair", council["id"])).get_json()
        text = json.dumps(chair)
        for part in URL_PARTS:
            assert part not in text, part
        calendar = chair["parties"][0]["members"][0]["calendar"]
        assert calendar["last_error"] and calendar["failures"] == 1
        assert calendar["checked_at"] and calendar["failing_since"]
        assert chair["bodies"][0]["plan"]["last_error"]
        secretary = client.get(f"/api/councils/{council['id']}",
                               headers=bearer(app, "secretary", council["id"])).get_json()
        assert "calendar.example.org" in secretary["parties"][0]["members"][0]["calendar"][
            "last_error"]  # the secretary still sees the redacted URL
        # and on the council's page
        chair_token = services.create_token("chair", council["id"])[1]
        client.post("/sign-in", data={"token": chair_token})
        page = client.get(f"/councils/{council['id']}").get_data(as_text=True)
        assert "Anna Ek" in page and "Kalendern kunde inte hämtas eller läsas" in page
        for part in ("example.org", "abc123", "hemlig-plan"):
            assert part not in page, part
    finally:
        app.extensions["council_engine"].dispose()


# a real server: /healthz answers while eight members' trickling URLs are being fetched ----
SCHEDULER = str(Path(sys.executable).with_name("scheduler"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def real_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], str]]:
    """``scheduler serve --demo`` (waitress, 8 threads) that may fetch from loopback, with a
    fetch deadline of 2 s."""
    port = _free_port()
    env = {**os.environ, "SCHEDULER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "SCHEDULER_CACHE_DIR": "off", "SCHEDULER_FETCH_ALLOW": "127.0.0.1",
           "SCHEDULER_FETCH_DEADLINE_S": "2", "SCHEDULER_FETCH_RATE": "100/60",
           "SCHEDULER_FETCHES_AT_ONCE": "4"}  # one council: half of them, 2
    env.pop("SCHEDULER_QUEUE_URL", None)
    process = subprocess.Popen([SCHEDULER, "serve", "--port", str(port), "--demo"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("serving on"):
            break
    else:
        pytest.fail("the server did not start: " + "".join(lines)[-3000:])
    tokens = {parts[0]: parts[1] for parts in (line.split() for line in lines)
              if len(parts) == 2 and parts[0] in ("admin", "secretary", "chair")}
    council_id = next(line.split()[2] for line in lines if line.startswith("demo council"))
    drain = threading.Thread(target=process.stdout.read, daemon=True)  # keep the pipe drained
    drain.start()
    try:
        yield f"http://127.0.0.1:{port}", tokens, council_id
    finally:
        process.terminate()
        process.wait(timeout=30)
        drain.join(timeout=30)
        process.stdout.close()


def test_healthz_answers_while_eight_trickling_calendar_urls_are_fetched(
        real_server: tuple[str, dict[str, str], str]) -> None:
    base, tokens, council_id = real_server
    secretary = {"Authorization": f"Bearer {tokens['secretary']}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        council = client.get(f"/api/councils/{council_id}", headers=secretary).json()
        members = [m["id"] for party in council["parties"] for m in party["members"]][:8]
        links = [urlsplit(client.get(f"/api/members/{m}/link", headers=secretary).json()["url"])
                 .path.rsplit("/", 1)[1] for m in members]
    answers: dict[int, tuple[int, float]] = {}
    with trickle(every=0.25, for_s=15.0) as (slow, seen):
        def connect(i: int) -> None:
            started = time.monotonic()
            with httpx.Client(base_url=base, timeout=60) as client:
                answer = client.put(f"/api/my/{links[i]}/calendar",
                                    json={"url": f"{slow}/member-{i}.ics"})
            answers[i] = (answer.status_code, time.monotonic() - started)

        threads = [threading.Thread(target=connect, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while seen.started < 2:  # the fetches are under way
            assert time.monotonic() < deadline, "no fetch reached the slow server"
            seen.stop.wait(0.02)
        health_started = time.monotonic()
        with httpx.Client(base_url=base, timeout=3) as client:
            health = client.get("/healthz")
        assert health.status_code == 200
        assert time.monotonic() - health_started < 3
        for thread in threads:
            thread.join(timeout=30)
    assert len(answers) == 8
    for status, took in answers.values():
        assert status in (202, 400, 429), answers  # 400: timed out, said to the member
        assert took < 2 + MARGIN_S + 2.0, answers  # the deadline, the margin, slack for CI
    assert sum(status == 429 for status, _took in answers.values()) >= 8 - 2  # 2 slots the council may hold


def test_the_openapi_document_names_the_busy_and_still_fetching_answers(tmp_path: Any) -> None:
    from api import openapi_document

    app = make_app(tmp_path)
    try:
        paths = openapi_document(app)["paths"]
    finally:
        app.extensions["council_engine"].dispose()
    for path, method in (("/api/my/{token}/calendar", "put"),
                         ("/api/members/{member_id}/calendar/refresh", "post"),
                         ("/api/councils/{council_id}/bodies/{body_id}/calendar/refresh", "post")):
        responses = paths[path][method]["responses"]
        assert "202" in responses and "429" in responses, path
        assert "Retry-After" in responses["429"]["headers"]


def test_one_key_holds_one_slot_and_one_council_never_all_of_them() -> None:
    from scheduler.fetching import FetchSlots

    slots = FetchSlots(4)
    release = threading.Event()
    counted: list[str] = []
    try:
        assert slots.run(lambda: release.wait(30), 0.05, ("m1", "council:a")) is None
        with pytest.raises(Busy):  # the same address again while it is being fetched
            slots.run(lambda: True, 0.05, ("m1", "council:b"), lambda: counted.append("m1"))
        assert slots.run(lambda: release.wait(30), 0.05, ("m2", "council:a")) is None
        with pytest.raises(Busy, match="this council's"):  # council a holds half the slots
            slots.run(lambda: True, 0.05, ("m3", "council:a"), lambda: counted.append("m3"))
        assert counted == []  # a fetch refused a slot costs its address none of its rate
        assert slots.run(lambda: "done", 0.5, ("m4", "council:b"),
                         lambda: counted.append("m4")) == "done"
        assert counted == ["m4"]
    finally:
        release.set()


def test_a_rate_refusal_gives_its_slot_back() -> None:
    from scheduler.fetching import FetchSlots

    slots = FetchSlots(1)

    def refuse() -> None:
        raise Busy("too often", retry_after=5)

    with pytest.raises(Busy, match="too often"):
        slots.run(lambda: True, 0.2, ("m1", "council:a"), refuse)
    assert slots.run(lambda: "done", 0.5, ("m1", "council:a")) == "done"
