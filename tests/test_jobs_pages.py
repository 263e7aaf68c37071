"""The job page: state, stage and progress in Swedish (English when preferred), reloading
itself without JavaScript while the job runs (the reader can stop that), then leading to
the proposal; the council page's form sends the secretary there; axe-core finds nothing
in Chromium."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from api import create_app

from .conftest import bearer
from .test_api import COUNCIL, OPTIONS
from .test_pages import AXE, CHROMIUM, browser, sign_in, violations  # noqa: F401 - a fixture
from .test_queue_servers import SCHEDULER, free_port, redis_server


def make_app(tmp_path, **config):
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "tests", **config})


def signed_in(app, role: str, council_id: str | None):
    client = app.test_client()
    secret = app.extensions["council_services"].create_token(role, council_id)[1]
    assert client.post("/sign-in", data={"token": secret}).status_code == 302
    return client


FORM = {"from": "2027-01-11", "to": "2027-01-16", "meetings": "1", "min_gap_days": "1"}


def test_the_form_sends_the_secretary_to_the_job_page_which_leads_to_the_proposal(tmp_path):
    app = make_app(tmp_path)
    try:
        cid = app.test_client().post("/api/councils", json=COUNCIL, headers=bearer(app)).json["id"]
        client = signed_in(app, "secretary", cid)
        posted = client.post(f"/councils/{cid}/proposals", data=FORM)
        assert posted.status_code == 302 and posted.location.startswith("/jobs/")
        page = client.get(posted.location)
        assert page.status_code == 200
        proposal = app.extensions["council_services"].proposals(cid)[0]
        assert f'content="0; url=/proposals/{proposal.id}"' in page.text
        assert "Klart." in page.text and "Visa förslaget" in page.text
        assert 'value="100"' in page.text
    finally:
        app.extensions["council_engine"].dispose()


def test_a_job_under_way_reloads_itself_until_the_reader_stops_it(tmp_path):
    app = make_app(tmp_path, QUEUE_URL="", RUN_WORKER=False)  # nobody runs the job
    try:
        services = app.extensions["council_services"]
        cid = app.test_client().post("/api/councils", json=COUNCIL, headers=bearer(app)).json["id"]
        job, _ = services.submit_proposal(cid, OPTIONS)
        chair = signed_in(app, "chair", cid)
        page = chair.get(f"/jobs/{job.id}")
        assert page.status_code == 200
        assert '<meta http-equiv="refresh" content="2">' in page.text
        assert "Väntar på sin tur" in page.text and "<progress" in page.text
        assert "Sluta ladda om" in page.text
        still = chair.get(f"/jobs/{job.id}?refresh=off")
        assert "http-equiv" not in still.text and "Ladda om sidan" in still.text
        with services.uow() as uow:  # a worker is at the solver's first stage
            import datetime as dt

            uow.jobs.claim(job.id, "w1", dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
            uow.jobs.progress(job.id, "w1", 0.42, "stage 1: worst-off party",
                              {"bound": 8.23, "best": 8.05, "gap": 0.0219})
            uow.commit()
        running = chair.get(f"/jobs/{job.id}")
        assert "Steg 1: den sämst ställda parten" in running.text and 'value="42"' in running.text
        assert "42 % klart" in running.text and "2,2\u00a0%" in running.text
        english = chair.get(f"/jobs/{job.id}", headers={"Accept-Language": "en"})
        assert "Step 1: the worst-off party" in english.text and "42 % done" in english.text
        with services.uow() as uow:
            uow.jobs.fail(job.id, "w1", {"type": "about:blank", "title": "Bad Request",
                                         "status": 400, "detail": "inga datum kvar"})
            uow.commit()
        failed = chair.get(f"/jobs/{job.id}")
        assert "inga datum kvar" in failed.text and "http-equiv" not in failed.text
        other = app.test_client().post("/api/councils", json=COUNCIL, headers=bearer(app)).json
        assert signed_in(app, "secretary", other["id"]).get(f"/jobs/{job.id}").status_code == 404
        assert app.test_client().get(f"/jobs/{job.id}").status_code == 302  # sign in first
    finally:
        app.extensions["council_engine"].dispose()


def test_the_job_page_has_no_accessibility_violations(tmp_path, browser):  # noqa: F811
    if not AXE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("axe-core is required in CI: scripts/test installs it with npm")
        pytest.skip("axe-core is not installed (npm ci in tests/js)")
    with redis_server(tmp_path) as redis:  # a queue without a worker: the job stays queued
        port = free_port()
        env = {**os.environ, "SCHEDULER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
               "SCHEDULER_CACHE_DIR": "off", "SCHEDULER_SECRET_KEY": "test-secret",
               "SCHEDULER_INSECURE_COOKIES": "1", "SCHEDULER_QUEUE_URL": redis.url}
        process = subprocess.Popen([SCHEDULER, "serve", "--port", str(port), "--demo"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert process.stdout is not None
            lines: list[str] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                lines.append(process.stdout.readline())
                if lines[-1].startswith("serving on"):
                    break
            tokens = {p[0]: p[1] for p in (line.split() for line in lines) if len(p) == 2}
            base = f"http://127.0.0.1:{port}"
            context = browser.new_context(locale="sv-SE", bypass_csp=True)
            page = context.new_page()
            sign_in(page, base, tokens["secretary"])
            page.get_by_label("Från").fill("2027-03-01")
            page.get_by_label("Till (inte med)").fill("2027-06-01")
            page.get_by_label("Antal möten").fill("2")
            with page.expect_navigation(url="**/jobs/**", timeout=60_000):
                page.get_by_role("button", name="Föreslå", exact=True).click()
            assert page.locator("progress").count() == 1
            # reloading by itself (WCAG 2.2.1) is allowed with a way to stop it: the link
            page.get_by_role("link", name="Sluta ladda om").click()
            page.wait_for_url("**refresh=off")
            found = violations(page)
            assert found == []
            context.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()


def test_a_rounds_job_page_leads_back_to_the_readers_own_council(tmp_path):
    from .test_api_rounds import _round, _two

    app = make_app(tmp_path)
    try:
        admin = bearer(app)
        first, second = _two(app.test_client(), admin)
        job, _ = app.extensions["council_services"].submit_round(_round(first, second))
        page = signed_in(app, "secretary", second).get(f"/jobs/{job.id}")
        assert page.status_code == 200
        assert f'href="/councils/{second}"' in page.text and f"/councils/{first}" not in page.text
        own = signed_in(app, "secretary", first).get(f"/jobs/{job.id}")
        assert f'href="/councils/{first}"' in own.text
    finally:
        app.extensions["council_engine"].dispose()
