"""A member whose calendar address keeps failing, as the secretary sees it on the council
page in a real browser (Chromium, axe-core): a line per member in words, in Swedish and in
English, gone once the address answers again."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time

import pytest

from calendars.fetch import FetchPolicy
from scheduler.council_file import council_from_mapping
from scheduler.services import open_services

from .refresh_server import Route, calendar_host
from .test_pages import AXE, SCHEDULER, _free_port, browser, page_for, shot, sign_in, violations

__all__ = ["browser"]  # the fixture, shared with the page tests

T0 = dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC)


def test_a_calendar_that_keeps_failing_is_flagged_on_the_council_page(tmp_path, browser):
    if not AXE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("axe-core is required in CI: scripts/test installs it with npm")
        pytest.skip("axe-core is not installed (npm ci in tests/js)")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    services, engine = open_services(url, link_key="tests")
    services.fetch_policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=1.0)
    port = _free_port()
    env = {**os.environ, "SCHEDULER_DATABASE_URL": url, "SCHEDULER_CACHE_DIR": "off",
           "SCHEDULER_SECRET_KEY": "test-secret", "SCHEDULER_INSECURE_COOKIES": "1"}
    with calendar_host() as host:
        host.routes["/anna.ics"] = Route(kind="error", status=503)
        host.routes["/bo.ics"] = Route(etag='"b"')
        document = services.add_council(council_from_mapping({
            "name": "Kulturrådet", "parties": [{"id": "nora", "name": "Nora kommun", "members": [
                {"name": "Anna Ek", "role": "representative", "calendar": host.url("/anna.ics")},
                {"name": "Bo Ek", "role": "substitute", "calendar": host.url("/bo.ics")}]}]},
            None))
        for hours in (0, 3, 6):
            services.refresh_due(T0 + dt.timedelta(hours=hours))
        secret = services.create_token("secretary", document["id"])[1]
        process = subprocess.Popen([SCHEDULER, "serve", "--port", str(port)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                if process.stdout.readline().startswith("serving on"):
                    break
            base = f"http://127.0.0.1:{port}"
            context = browser.new_context(locale="sv-SE", bypass_csp=True)
            page = context.new_page()
            sign_in(page, base, secret)
            flagged = page.locator("#calendars-failing")
            assert flagged.get_by_text("Kalenderadresser som inte går att hämta").count() == 1
            lines = flagged.locator("li")
            assert lines.count() == 1
            assert lines.first.inner_text() == (
                "Anna Ek: kalenderadressen har misslyckats 3 gånger i rad sedan sön 10 jan 2027 "
                "13:00; den sparade kalendern kan vara inaktuell.")
            row = page.get_by_role("row").filter(has_text="Anna Ek")
            assert "Går inte att hämta" in row.inner_text()
            assert "HTTP 503" in row.inner_text()
            assert "Går inte att hämta" not in page.get_by_role("row").filter(
                has_text="Bo Ek").inner_text()
            assert violations(page) == []
            shot(page, "council-calendar-failing")
            context.close()

            english, page = page_for(browser, "en-GB")
            page.goto(f"{base}/sign-in")
            page.get_by_label("Token").fill(secret)
            page.get_by_role("button", name="Sign in").click()
            assert "Anna Ek: the calendar address has failed 3 times in a row since" in \
                page.locator("#calendars-failing").inner_text()
            english.close()

            host.routes["/anna.ics"] = Route(etag='"a"')
            services.refresh_due(T0 + dt.timedelta(hours=9))
            context, page = page_for(browser)
            sign_in(page, base, secret)
            assert page.locator("#calendars-failing").count() == 0
            assert "Går inte att hämta" not in page.content()
            context.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout:
                process.stdout.close()
            engine.dispose()
