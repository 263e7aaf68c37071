"""What the service layer guarantees through HTTP: stored calendars answer for any later
window, links and sessions behave as credentials should, bad bodies are 4xx problems,
and pages carry their security headers."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import bearer

COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm",
    "parties": [
        {"id": "nora", "name": "Nora kommun",
         "members": [{"name": "Anna Ek", "role": "representative",
                      "calendar": "https://anna:hemligt@cal.example.invalid/private-abc123/basic.ics"},
                     {"name": "Erik Ek", "role": "substitute"}]},
        {"id": "kumla", "name": "Kumla kommun",
         "members": [{"name": "Karin Berg", "role": "representative"}]},
    ],
}

WORKDAYS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:work\r\n"
            "DTSTART;TZID=Europe/Stockholm:{start}T080000\r\n"
            "DTEND;TZID=Europe/Stockholm:{start}T170000\r\n"
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def council(app, client):
    made = client.post("/api/councils", json=COUNCIL, headers=bearer(app))
    assert made.status_code == 201, made.json
    return made.json


def member(council, party, index=0):
    return next(p for p in council["parties"] if p["id"] == party)["members"][index]["id"]


def test_a_weekly_rule_uploaded_today_still_reads_busy_years_later(app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    body = WORKDAYS.format(start=monday.strftime("%Y%m%d"))
    assert client.put(f"/api/members/{member(council, 'kumla')}/calendar", data=body,
                      content_type="text/calendar", headers=secretary).status_code == 204
    made = client.post(f"/api/councils/{council['id']}/proposals", headers=secretary, json={
        "from": "2030-02-04", "to": "2030-02-09", "meetings": 1, "min_gap_days": 1})
    assert made.status_code == 201, made.json
    karin = made.json["meetings"][0]["parties"][1]["members"][0]
    assert (karin["name"], karin["status"]) == ("Karin Berg", "busy")


def test_the_feed_link_is_the_same_until_rotated_and_then_the_old_one_is_dead(app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    anna = member(council, "nora")
    first = client.get(f"/api/members/{anna}/feed", headers=secretary).json["url"]
    assert client.get(f"/api/members/{anna}/feed", headers=secretary).json["url"] == first
    path = first.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200
    rotated = client.post(f"/api/members/{anna}/feed/rotate", headers=secretary).json["url"]
    assert rotated != first
    assert client.get(f"/{path}").status_code == 404


def test_a_feed_link_opens_no_member_page(app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    url = client.get(f"/api/members/{member(council, 'nora')}/feed", headers=secretary).json["url"]
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert client.get(f"/my/{secret}").status_code == 404
    assert client.post(f"/my/{secret}/rotate").status_code in (400, 404)  # no page, no CSRF


def test_links_are_built_on_the_configured_public_address_not_the_host_header(app, client, council):
    app.config["PUBLIC_URL"] = "https://moten.example.se"
    secretary = bearer(app, "secretary", council["id"])
    answer = client.get(f"/api/members/{member(council, 'nora')}/feed",
                        headers={**secretary, "Host": "evil.example"})
    assert answer.json["url"].startswith("https://moten.example.se/feeds/")


def test_a_chair_sees_no_calendar_urls_and_a_secretary_sees_them_without_secrets(app, client, council):
    chair = client.get(f"/api/councils/{council['id']}",
                       headers=bearer(app, "chair", council["id"])).json
    assert "hemligt" not in str(chair) and "cal.example.invalid" not in str(chair)
    assert chair["parties"][0]["members"][0]["calendar"]["linked"] is True
    secretary = client.get(f"/api/councils/{council['id']}",
                           headers=bearer(app, "secretary", council["id"])).json
    url = secretary["parties"][0]["members"][0]["calendar"]["url"]
    assert "cal.example.invalid" in url
    assert "hemligt" not in url and "anna:" not in url and "abc123" not in url


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"name": ' * 50_000 + "1" + "}" * 50_000,
    '{"name": NaN}',
])
def test_json_that_cannot_be_read_is_a_400_problem(app, client, council, body):
    answer = client.patch(f"/api/councils/{council['id']}", data=body,
                          content_type="application/json",
                          headers=bearer(app, "secretary", council["id"]))
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"


def test_an_impossible_confirm_is_a_409_problem(app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    made = client.post(f"/api/councils/{council['id']}/proposals", headers=secretary, json={
        "from": "2027-01-11", "to": "2027-01-16", "meetings": 3, "min_gap_days": 4}).json
    assert made["status"] == "infeasible"
    answer = client.post(f"/api/proposals/{made['id']}/confirm", headers=secretary)
    assert answer.status_code == 409 and answer.mimetype == "application/problem+json"
    assert client.get(f"/api/councils/{council['id']}/meetings", headers=secretary).json == {
        "meetings": []}


# pages -------------------------------------------------------------------------------------
def sign_in(client, app, council_id, role="secretary", next_path=None, raw_query=None):
    secret = app.extensions["council_services"].create_token(role, council_id)[1]
    if raw_query is not None:
        return client.post(f"/sign-in?{raw_query}", data={"token": secret})
    query = {"next": next_path} if next_path is not None else {}
    return client.post("/sign-in", data={"token": secret}, query_string=query)


@pytest.fixture
def pages_app(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.mark.parametrize("query", [
    "next=/%09/evil.example", "next=//evil.example", "next=/%5Cevil.example",
    "next=%5C%5Cevil.example", "next=https://evil.example/", "next=%20//evil.example",
    "next=/%0A/evil.example", "next=/%0D%0A/evil.example", "next=javascript:alert(1)",
    "next=/%E2%80%A8/evil.example"])
def test_sign_in_never_redirects_to_another_site(pages_app, council, query):
    answer = sign_in(pages_app.test_client(), pages_app, council["id"], raw_query=query)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil.example" not in location and "javascript" not in location


def test_sign_in_returns_to_the_page_asked_for(pages_app, council):
    answer = sign_in(pages_app.test_client(), pages_app, council["id"],
                     next_path=f"/councils/{council['id']}")
    assert answer.headers["Location"] == f"/councils/{council['id']}"


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(pages_app, council):
    browser = pages_app.test_client()
    sign_in(browser, pages_app, council["id"])
    cookie = browser.get_cookie("session").value
    thief = pages_app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get(f"/councils/{council['id']}").status_code == 200
    browser.post("/sign-out")
    assert thief.get(f"/councils/{council['id']}").status_code == 302  # to the sign-in page


def test_pages_carry_security_headers(pages_app, council):
    client = pages_app.test_client()
    sign_in(client, pages_app, council["id"])
    answer = client.get(f"/councils/{council['id']}")
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_the_member_page_link_is_its_own_secret_and_can_renew_the_feed_link(pages_app, council):
    client = pages_app.test_client()
    sign_in(client, pages_app, council["id"])
    page = client.post(f"/members/{member(council, 'nora')}/link")
    assert page.status_code == 302 and "/my/" in page.headers["Location"]
    mine = page.headers["Location"].split("/my/", 1)[1]
    shown = client.get(f"/my/{mine}").get_data(as_text=True)
    feed_secret = shown.split("/feeds/", 1)[1].split(".ics", 1)[0]
    assert feed_secret != mine
    assert client.get(f"/feeds/{mine}.ics").status_code == 404
    assert client.get(f"/feeds/{feed_secret}.ics").status_code == 200
    client.post(f"/my/{mine}/rotate")
    assert client.get(f"/feeds/{feed_secret}.ics").status_code == 404
    assert client.get(f"/my/{mine}").status_code == 200


def test_only_trusted_host_names_are_answered_when_configured(tmp_path, monkeypatch):
    from api import create_app

    monkeypatch.setenv("SCHEDULER_TRUSTED_HOSTS", "moten.example.se")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite'}", "TESTING": True})
    client = app.test_client()
    assert client.get("/sign-in", headers={"Host": "moten.example.se"}).status_code == 200
    assert client.get("/sign-in", headers={"Host": "evil.example"}).status_code == 400
    app.extensions["council_engine"].dispose()


def test_the_secret_key_file_is_private_from_the_moment_it_exists(tmp_path, monkeypatch):
    import stat

    from scheduler.secret_key import server_key

    monkeypatch.delenv("SCHEDULER_SECRET_KEY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    first = server_key()
    path = tmp_path / "council-scheduler" / "secret-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert server_key() == first and len(first) >= 32


def confirmed_meeting(app, client, council):
    secretary = bearer(app, "secretary", council["id"])
    made = client.post(f"/api/councils/{council['id']}/proposals", headers=secretary, json={
        "from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1}).json
    assert client.post(f"/api/proposals/{made['id']}/confirm", headers=secretary).status_code == 201
    return secretary


def feed_text(client, secretary, member_id):
    url = client.get(f"/api/members/{member_id}/feed", headers=secretary).json["url"]
    return client.get("/" + url.split("://", 1)[1].split("/", 1)[1]).get_data(as_text=True)


def test_feeds_speak_swedish_by_default_and_the_language_a_member_or_council_chose(app, client,
                                                                                council):
    secretary = confirmed_meeting(app, client, council)
    erik = member(council, "nora", 1)
    assert "(ersättare)" in feed_text(client, secretary, erik)
    assert client.patch(f"/api/members/{erik}", json={"language": "en"},
                        headers=secretary).status_code == 204
    assert "(substitute)" in feed_text(client, secretary, erik)
    assert "(ledamot)" in feed_text(client, secretary, member(council, "nora"))
    assert client.patch(f"/api/councils/{council['id']}", json={"language": "en"},
                        headers=secretary).json["language"] == "en"
    assert "(representative)" in feed_text(client, secretary, member(council, "nora"))


@pytest.mark.parametrize(("path", "body", "field"), [
    ("council", {"language": "de"}, "language"),
    ("council", {"language": None}, "language"),
    ("member", {"language": "fi"}, "language"),
])
def test_a_language_other_than_swedish_or_english_is_refused_naming_it(app, client, council,
                                                                         path, body, field):
    secretary = bearer(app, "secretary", council["id"])
    url = (f"/api/councils/{council['id']}" if path == "council"
           else f"/api/members/{member(council, 'nora')}")
    answer = client.patch(url, json=body, headers=secretary)
    assert answer.status_code == 400 and answer.json["invalid-params"][0]["name"] == field
    assert client.get(f"/api/councils/{council['id']}", headers=secretary).json["language"] == "sv"


def test_a_council_file_names_its_language_and_a_bad_one_is_refused(app, client):
    made = client.post("/api/councils", json={**COUNCIL, "language": "en"}, headers=bearer(app))
    assert made.status_code == 201 and made.json["language"] == "en"
    bad = client.post("/api/councils", json={**COUNCIL, "language": "no"}, headers=bearer(app))
    assert bad.status_code == 400 and bad.json["invalid-params"][0]["name"] == "language"


@pytest.mark.parametrize(("form", "said"), [
    ({"meetings": "0"}, "Kontrollera Antal möten: måste vara minst 1"),
    ({"meetings": "2", "min_gap_days": "400"},
     "Kontrollera Minst så många dagar emellan: får vara högst 366"),
])
def test_the_proposal_form_names_a_bad_field_by_its_label_in_swedish(pages_app, council, form,
                                                                     said):
    client = pages_app.test_client()
    sign_in(client, pages_app, council["id"])
    answer = client.post(f"/councils/{council['id']}/proposals", follow_redirects=True,
                         data={"from": "2027-01-11", "to": "2027-01-16", **form})
    assert said in answer.get_data(as_text=True)


def test_an_admin_sees_every_council_by_name(client, app):
    from .conftest import bearer as _bearer

    made = client.post("/api/councils", headers=_bearer(app), json={
        "name": "Råd för kultur", "parties": [{"id": "p", "members": [
            {"name": "A", "role": "representative"}]}]}).json
    app.config["WTF_CSRF_ENABLED"] = False
    secret = app.extensions["council_services"].create_token("admin")[1]
    assert client.post("/sign-in", data={"token": secret}).status_code == 302
    page = client.get("/councils")
    assert page.status_code == 200
    assert "Råd för kultur" in page.text and f"/councils/{made['id']}" in page.text
