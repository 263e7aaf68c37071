"""The pages in a real headless browser (Debian's Chromium driven by Playwright) against a
real server with the demo council: a secretary proposes and confirms, a member subscribes,
the chair reads the report. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
SCHEDULER = str(Path(sys.executable).with_name("scheduler"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    port = _free_port()
    env = {**os.environ, "SCHEDULER_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}",
           "SCHEDULER_CACHE_DIR": "off", "SCHEDULER_SECRET_KEY": "test-secret",
           "SCHEDULER_INSECURE_COOKIES": "1"}
    process = subprocess.Popen([SCHEDULER, "serve", "--port", str(port), "--demo"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        lines.append(process.stdout.readline())
        if lines[-1].startswith("serving on"):
            break
    tokens = {p[0]: p[1] for p in (line.split() for line in lines)
              if len(p) == 2 and p[0] in ("admin", "secretary", "chair")}
    yield f"http://127.0.0.1:{port}", tokens
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI: scripts/test installs it")
        pytest.skip("Chromium is not installed (scripts/browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield launched
        launched.close()


def page_for(browser, language: str = "sv-SE"):
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    return context, context.new_page()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, token: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Nyckel").fill(token)
    page.get_by_role("button", name="Logga in").click()


def test_a_secretary_signs_in_proposes_and_confirms(site, browser):
    base, tokens = site
    context, page = page_for(browser)
    sign_in(page, base, tokens["secretary"])
    assert page.get_by_role("heading", level=1).inner_text().startswith("Specifika")
    shot(page, "secretary-council")
    page.get_by_label("Från").fill("2027-09-01")
    page.get_by_label("Till (inte med)").fill("2027-12-01")
    page.get_by_label("Antal möten").fill("2")
    page.get_by_label("Minst så många dagar emellan").fill("28")
    page.get_by_label("Rättvist: förväntade möten som den sämst ställda parten får avstå").fill("0.1")
    page.get_by_role("button", name="Föreslå", exact=True).click()
    page.wait_for_url("**/proposals/**")
    assert "Bevisat bästa datum" in page.content()
    assert "tolerans 0,10" in page.content() and "bästa möjliga" in page.content()
    grid = page.locator("table.grid-table")
    assert grid.locator("tbody tr").count() == 13
    assert grid.locator("thead th").count() == 3  # the party column and two meetings
    assert page.locator(".heatmap .day").count() > 60
    shot(page, "secretary-proposal")
    page.get_by_role("button", name="Bekräfta dessa datum").click()
    page.wait_for_url("**/councils/**")
    assert "Mötena är bekräftade" in page.content()
    assert page.get_by_role("button", name="Ställ in mötet").count() == 2
    page.locator("details summary").first.click()
    page.locator("details select").first.select_option("absent_notice")
    page.get_by_role("button", name="Spara närvaro").first.click()
    assert "Närvaro registrerad för 1 ledamöter" in page.content()
    page.locator("details summary").first.click()
    assert page.locator("details select").first.input_value() == "absent_notice"
    context.close()


def test_an_impossible_request_shows_its_reason(site, browser):
    base, tokens = site
    context, page = page_for(browser)
    sign_in(page, base, tokens["secretary"])
    page.get_by_label("Från").fill("2027-03-01")
    page.get_by_label("Till (inte med)").fill("2027-05-01")
    page.get_by_label("Antal möten").fill("4")
    page.get_by_label("Minst så många dagar emellan").fill("60")
    page.get_by_role("button", name="Föreslå", exact=True).click()
    page.wait_for_url("**/proposals/**")
    alert = page.get_by_role("alert")
    assert "4 möten med 60 dagars mellanrum ryms inte mellan 1 mars 2027 och" in alert.inner_text()
    shot(page, "secretary-impossible")
    context.close()


def test_the_member_page_gives_a_working_feed_link(site, browser):
    base, tokens = site
    context, page = page_for(browser)
    sign_in(page, base, tokens["secretary"])
    page.get_by_role("button", name="Ledamotssida för").first.click()
    page.wait_for_url("**/my/**")
    url = page.get_by_label("Eller kopiera den här länken").input_value()
    assert page.locator("#webcal").get_attribute("href").startswith("webcal://")
    assert page.locator(".qr svg").count() == 1
    feed = httpx.get(url)
    assert feed.status_code == 200
    listed = page.locator("#upcoming li").count()
    assert feed.text.count("BEGIN:VEVENT") == listed
    shot(page, "member")
    page.get_by_role("button", name="Skapa en ny länk").click()
    assert httpx.get(url).status_code == 404
    context.close()


def test_the_chair_reads_the_report_and_downloads_its_csv(site, browser):
    base, tokens = site
    context, page = page_for(browser)
    sign_in(page, base, tokens["chair"])
    page.get_by_role("link", name="Konfliktrapport").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Konfliktrapport"
    assert page.locator("svg.chart:not(#uncovered) rect").count() == 39
    assert page.locator("#uncovered rect").count() == 13
    widths = [float(w) for w in page.locator("svg.chart rect.upcoming").evaluate_all(
        "bars => bars.map(b => b.getAttribute('width'))")]
    assert all(w > 0 for w in widths)  # two confirmed meetings are upcoming
    shot(page, "chair-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner som CSV").click()
    text = Path(download.value.path()).read_text()
    assert text.startswith("meeting_start,meeting_end,state,party")
    context.close()


def test_english_readers_get_english_pages(site, browser):
    base, _ = site
    context, page = page_for(browser, "en-GB")
    page.goto(f"{base}/sign-in")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()


def test_a_form_without_its_csrf_token_is_refused(site):
    base, tokens = site
    answer = httpx.post(f"{base}/sign-in", data={"token": tokens["chair"]})
    assert answer.status_code == 400


@pytest.mark.parametrize("path", ["/sign-in", "/councils/{council}", "/councils/{council}/report"])
def test_pages_fit_a_phone_screen(site, browser, path):
    base, tokens = site
    context = browser.new_context(locale="sv-SE", viewport={"width": 390, "height": 844},
                                  is_mobile=True)
    page = context.new_page()
    if path != "/sign-in":
        sign_in(page, base, tokens["secretary"])
        council = page.url.rstrip("/").rsplit("/", 1)[1]
        page.goto(base + path.format(council=council))
    else:
        page.goto(base + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # wide tables scroll inside their own box, the page does not
    shot(page, "phone" + path.replace("/", "-").replace("{council}", "council"))
    context.close()


def test_keyboard_users_can_skip_to_the_content_and_reach_the_form(site, browser):
    base, _ = site
    context, page = page_for(browser)
    page.goto(f"{base}/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hoppa till innehållet"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "token"
    context.close()


def test_the_council_page_tells_what_each_calendar_shows_and_takes_a_declared_horizon(site, browser):
    base, tokens = site
    context, page = page_for(browser)
    sign_in(page, base, tokens["secretary"])
    members = page.locator("section[aria-labelledby=members]")
    assert members.get_by_text("kalendern visar till").count() > 0
    assert members.get_by_text("ingen kalender; räknas som okänd").count() == 2
    bodies = page.locator("section[aria-labelledby=bodies]")
    assert bodies.get_by_text("Lindesbergs kommunfullmäktige", exact=True).count() == 1
    assert bodies.get_by_text("Ingen sammanträdesplan").count() == 0  # every plan is kept
    page.get_by_label("Kalendern publicerad till").first.fill("2027-02-01")
    page.get_by_role("button", name="Spara horisonten för").first.click()
    assert page.get_by_text("Horisonten är sparad.").count() == 1
    assert page.get_by_text("kalendern visar till 1 februari 2027 (angivet)").count() == 1
    shot(page, "secretary-council-horizons")
    context.close()


def test_the_chairs_report_tells_what_each_calendar_shows(site, browser):
    base, tokens = site
    context, page = page_for(browser)
    sign_in(page, base, tokens["chair"])
    page.get_by_role("link", name="Konfliktrapport").click()
    assert page.get_by_role("heading", name="Vad kalendrarna visar").count() == 1
    assert page.get_by_text("sammanträdesplaner: Lindesbergs kommunfullmäktige").count() >= 1
    context.close()


AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"


def violations(page) -> list[str]:
    """axe-core's WCAG A/AA violations on the page, one line each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations
        .map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ')')""")
    return list(found)


def test_every_page_has_no_accessibility_violations(site, browser):
    if not AXE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("axe-core is required in CI: scripts/test installs it with npm")
        pytest.skip("axe-core is not installed (npm ci in tests/js)")
    base, tokens = site
    context = browser.new_context(locale="sv-SE", bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    found = {"sign-in": violations(page)}
    sign_in(page, base, tokens["secretary"])
    found["council"] = violations(page)
    page.get_by_label("Från").fill("2027-03-01")
    page.get_by_label("Till (inte med)").fill("2027-06-01")
    page.get_by_label("Antal möten").fill("2")
    page.get_by_role("button", name="Föreslå", exact=True).click()
    page.wait_for_url("**/proposals/**")
    found["proposal"] = violations(page)
    page.goto(base + "/")
    page.get_by_role("button", name="Ledamotssida för").first.click()
    page.wait_for_url("**/my/**")
    found["member"] = violations(page)
    chair = context.new_page()
    sign_in(chair, base, tokens["chair"])
    chair.get_by_role("link", name="Konfliktrapport").click()
    found["report"] = violations(chair)
    assert found == {name: [] for name in found}
    context.close()
