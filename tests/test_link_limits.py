"""A member's link cannot flood anyone with mail nor get round the answer deadline: mail
about the cover tells the net change once it has settled (the feed says the truth at every
step), a link's changes are rate-limited (429 with Retry-After, in words on the page), and
an absence declared once a meeting's answers have closed is kept, shown to the secretary,
and calls nobody in."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections import Counter
from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from scheduler.errors import InputError
from scheduler.mail import MailSettings
from scheduler.rates import Rate
from scheduler.services.mailing import mail_quiet_from_env
from scheduler.services.member_own import link_rate_from_env
from scheduler.storage.tables import meetings

from .conftest import bearer

SECRETARY = "sekreterare@region.example"
REP, SUB = "asa@lindesberg.example", "per@lindesberg.example"
COUNCIL = {
    "name": "Samverkansråd kultur", "timezone": "Europe/Stockholm",
    "secretary_email": SECRETARY,
    "parties": [
        {"id": "lindesberg", "name": "Lindesbergs kommun", "members": [
            {"name": "Åsa Lind", "role": "representative", "email": REP},
            {"name": "Per Berg", "role": "substitute", "email": SUB}]},
        {"id": "askersund", "name": "Askersunds kommun", "members": [
            {"name": "Eva Ek", "role": "representative", "email": "eva@askersund.example"}]},
    ],
}
WEEK = {"from": "2027-03-08", "to": "2027-03-13", "meetings": 1, "duration": "3h",
        "step": "3h", "earliest": "09:00", "latest": "12:00", "time_limit_s": 10}


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Flask]:
    made = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                       "MAIL": MailSettings("127.0.0.1", 25, sender="kalender@region.example"),
                       "SEND_MAIL": False, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "tests",
                       "PUBLIC_URL": "https://moten.example"})
    yield made
    made.extensions["council_engine"].dispose()


def _set_up(app: Flask, week: dict[str, Any] = WEEK,
            **council: Any) -> tuple[FlaskClient, dict[str, Any], dict[str, str], dict[str, Any]]:
    client = app.test_client()
    headers = bearer(app)
    made = client.post("/api/councils", json={**COUNCIL, **council}, headers=headers)
    assert made.status_code == 201, made.json
    proposal = client.post(f"/api/councils/{made.json['id']}/proposals", json=week,
                           headers=headers)
    assert proposal.status_code == 201, proposal.json
    meeting = client.post(f"/api/proposals/{proposal.json['id']}/confirm",
                          headers=headers).json["meetings"][0]
    ids = {m["name"]: m["id"] for p in made.json["parties"] for m in p["members"]}
    return client, made.json, ids, meeting


def _own(client: FlaskClient, member_id: str) -> str:
    headers = bearer(client.application)
    return client.get(f"/api/members/{member_id}/link", headers=headers).json["url"].rsplit("/", 1)[1]


def _feed_path(client: FlaskClient, member_id: str) -> str:
    url = client.get(f"/api/members/{member_id}/feed",
                     headers=bearer(client.application)).json["url"]
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _event(client: FlaskClient, path: str) -> icalendar.Event:
    answer = client.get(path)
    assert answer.status_code == 200
    return icalendar.Calendar.from_ical(answer.data).walk("VEVENT")[0]


def _mails(app: Flask) -> list[Any]:
    services = app.extensions["council_services"]
    with services.reader() as uow:
        return uow.outbox.listing(limit=1000)


def _new(app: Flask, before: list[Any]) -> Counter[str]:
    """Recipients of the messages put in the outbox since ``before``, with their number."""
    seen = {m.id for m in before}
    return Counter(m.recipient for m in _mails(app) if m.id not in seen)


def _settle(app: Flask, after_s: float) -> int:
    """Tell the changes of cover whose quiet period is over ``after_s`` seconds from now."""
    services = app.extensions["council_services"]
    return services.tell_settled(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=after_s))


def _called(event: icalendar.Event) -> bool:
    return str(event["SUMMARY"]).startswith("Inkallad") and str(event["TRANSP"]) == "OPAQUE"


# finding 5: a toggle storm -----------------------------------------------------------------
@pytest.mark.parametrize("toggles", [30, 31])
def test_a_toggle_storm_on_a_link_mails_each_person_the_net_change_once_it_settles(
        app: Flask, toggles: int) -> None:
    services = app.extensions["council_services"]
    services.link_rate = Rate(100, 60.0)  # the storm is within the link's rate
    client, _council, ids, meeting = _set_up(app)
    before = _mails(app)  # the confirmation
    rep = _own(client, ids["Åsa Lind"])
    feed = _feed_path(client, ids["Per Berg"])
    sequence = int(_event(client, feed)["SEQUENCE"])
    for n in range(toggles):
        answer = "absent" if n % 2 == 0 else "coming"
        assert client.put(f"/api/my/{rep}/meetings/{meeting['id']}",
                          json={"answer": answer}).status_code == 204
        # every surface says the truth at once: the substitute's feed and own page
        event = _event(client, feed)
        assert _called(event) is (answer == "absent")
        assert int(event["SEQUENCE"]) > sequence
        sequence = int(event["SEQUENCE"])
        own = client.get(f"/api/my/{_own(client, ids['Per Berg'])}").json
        assert own["meetings"][0]["called_in"] is (answer == "absent")
        # and nobody is mailed while the changes go on
        assert _new(app, before) == Counter()
    # still nothing within the quiet period
    _settle(app, services.mail_quiet_s - 1)
    assert _new(app, before) == Counter()
    _settle(app, services.mail_quiet_s + 1)
    told = _new(app, before)
    if toggles % 2 == 0:  # absent, coming, ... coming: nothing changed on the whole
        assert told == Counter()
        return
    assert told == Counter({SUB: 1, REP: 1, SECRETARY: 1})
    called = next(m for m in _mails(app) if m.recipient == SUB and m.kind == "meeting_called_in")
    message = email.message_from_string(called.message, policy=email.policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    sent = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
    assert int(sent["SEQUENCE"]) == int(_event(client, feed)["SEQUENCE"])
    # told once: settling again tells nothing more
    _settle(app, services.mail_quiet_s + 60)
    assert _new(app, before) == told


def test_a_call_in_once_told_and_then_a_release_tell_the_substitute_each_and_the_secretary_once(
        app: Flask) -> None:
    services = app.extensions["council_services"]
    client, _council, ids, meeting = _set_up(app)
    before = _mails(app)
    rep = _own(client, ids["Åsa Lind"])
    put = f"/api/my/{rep}/meetings/{meeting['id']}"
    assert client.put(put, json={"answer": "absent"}).status_code == 204
    _settle(app, services.mail_quiet_s + 1)
    assert sorted(m.kind for m in _mails(app) if m.id not in {b.id for b in before}) == [
        "meeting_called_in", "representative_called_in", "secretary_called_in"]
    called = _mails(app)
    assert client.put(put, json={"answer": "coming"}).status_code == 204
    _settle(app, services.mail_quiet_s + 1)
    released = [m for m in _mails(app) if m.id not in {c.id for c in called}]
    # the substitute is told, and the representative that she is expected again (her
    # calendar, freed when she said she could not come, shows the meeting busy again);
    # the secretary is not told of a release, as ever
    assert sorted((m.recipient, m.kind) for m in released) == [
        (REP, "meeting_expected"), (SUB, "meeting_released")]
    # she cannot come after all: the substitute and she are told again (she last knew
    # herself coming); the secretary was last told of this very call-in
    assert client.put(put, json={"answer": "absent"}).status_code == 204
    _settle(app, services.mail_quiet_s + 1)
    again = [m for m in _mails(app) if m.id not in {r.id for r in [*called, *released]}]
    assert sorted((m.recipient, m.kind) for m in again) == [
        (REP, "representative_called_in"), (SUB, "meeting_called_in")]


def test_with_no_quiet_period_the_news_is_told_at_once(app: Flask) -> None:
    app.extensions["council_services"].mail_quiet_s = 0.0
    client, _council, ids, meeting = _set_up(app)
    before = _mails(app)
    rep = _own(client, ids["Åsa Lind"])
    assert client.put(f"/api/my/{rep}/meetings/{meeting['id']}",
                      json={"answer": "absent"}).status_code == 204
    assert _new(app, before) == Counter({SUB: 1, REP: 1, SECRETARY: 1})


def test_the_quiet_period_and_the_link_rate_come_from_the_environment() -> None:
    assert mail_quiet_from_env({}) == 120.0
    assert mail_quiet_from_env({"SCHEDULER_MAIL_QUIET_S": "0"}) == 0.0
    for bad in ("-1", "3601", "soon", "nan"):
        with pytest.raises(InputError) as caught:
            mail_quiet_from_env({"SCHEDULER_MAIL_QUIET_S": bad})
        assert caught.value.field == "SCHEDULER_MAIL_QUIET_S"
    assert link_rate_from_env({}) == Rate(20, 60.0)
    assert link_rate_from_env({"SCHEDULER_LINK_RATE": "5/10"}) == Rate(5, 10.0)
    with pytest.raises(InputError, match="SCHEDULER_LINK_RATE"):
        link_rate_from_env({"SCHEDULER_LINK_RATE": "often"})


# finding 5: the link's rate ----------------------------------------------------------------
def test_a_link_beyond_its_rate_is_answered_429_with_retry_after_and_nothing_changes(
        app: Flask) -> None:
    services = app.extensions["council_services"]
    services.link_rate = Rate(3, 60.0)
    client, _council, ids, meeting = _set_up(app)
    rep = _own(client, ids["Åsa Lind"])
    put = f"/api/my/{rep}/meetings/{meeting['id']}"
    for answer in ("absent", "coming", "absent"):
        assert client.put(put, json={"answer": answer}).status_code == 204
    refused = client.put(put, json={"answer": "coming"})
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "link" in refused.json["detail"]
    assert client.get(f"/api/my/{rep}").json["meetings"][0]["answer"] == "absent"
    for write in (lambda: client.put(f"/api/my/{rep}/absences", json=[]),
                  lambda: client.delete(f"/api/my/{rep}/calendar")):
        assert write().status_code == 429
    # another member's link has its own allowance
    other = _own(client, ids["Eva Ek"])
    assert client.put(f"/api/my/{other}/meetings/{meeting['id']}",
                      json={"answer": "coming"}).status_code == 204


@pytest.mark.parametrize(("language", "words"), [
    ("sv", "Du har gjort för många ändringar på kort tid (högst 2 på 60 sekunder). "
           "Ändringen sparades inte. Försök igen om"),
    ("en", "You have made too many changes in a short time (at most 2 in 60 seconds). "
           "The change was not saved. Please try again in")])
def test_the_member_page_says_the_links_limit_in_words_with_429(
        app: Flask, language: str, words: str) -> None:
    services = app.extensions["council_services"]
    services.link_rate = Rate(2, 60.0)
    client, _council, ids, meeting = _set_up(app)
    secret = _own(client, ids["Åsa Lind"])
    headers = {"Accept-Language": language}
    form = f"/my/{secret}/meetings/{meeting['id']}"
    for answer in ("absent", "coming"):
        assert client.post(form, data={"answer": answer}, headers=headers).status_code == 303
    page = client.post(form, data={"answer": "absent"}, headers=headers)
    assert page.status_code == 429
    assert page.mimetype == "text/html"
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    text = page.get_data(as_text=True)
    assert words in text and "<form" in text  # the member's page, not a bare error page
    added = client.post(f"/my/{secret}/absences", data={"from": "2027-03-01", "to": "2027-03-02"},
                        headers=headers)
    assert added.status_code == 429 and words in added.get_data(as_text=True)
    assert client.get(f"/api/my/{secret}").json["absences"] == []
    assert client.get(f"/api/my/{secret}").json["meetings"][0]["answer"] == "coming"


# finding 9: an absence after the answer deadline -------------------------------------------
@pytest.mark.parametrize("confirmed_days_ago", [0, 60])
def test_an_absence_after_the_answers_closed_is_kept_calls_nobody_in_and_the_secretary_sees_it(
        app: Flask, confirmed_days_ago: int) -> None:
    services = app.extensions["council_services"]
    today = dt.datetime.now(dt.UTC).date()
    week = {**WEEK, "from": (today + dt.timedelta(days=7)).isoformat(),
            "to": (today + dt.timedelta(days=14)).isoformat()}
    # answers close 30 working days before a meeting: this one's have closed already
    client, council, ids, meeting = _set_up(app, week, answer_days=30)
    if confirmed_days_ago:  # confirmed while its answers were open, and left since
        with app.extensions["council_engine"].begin() as db:
            db.execute(meetings.update().where(meetings.c.id == meeting["id"]).values(
                updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=confirmed_days_ago)))
    before = _mails(app)
    rep = _own(client, ids["Åsa Lind"])
    start = dt.date.fromisoformat(meeting["start"][:10])
    absence = [{"from": (start - dt.timedelta(days=1)).isoformat(),
                "to": (start + dt.timedelta(days=1)).isoformat()}]
    assert client.put(f"/api/my/{rep}/absences", json=absence).status_code == 204
    # kept
    assert client.get(f"/api/my/{rep}").json["absences"] == absence
    # on the member's page, the member is told that nobody is called in
    page = client.post(f"/my/{rep}/absences", data={"from": start.isoformat(),
                                                    "to": start.isoformat()},
                       follow_redirects=True)
    assert page.status_code == 200
    assert "ingen ersättare kallas in för dig" in page.get_data(as_text=True)
    absence = sorted([*absence, {"from": start.isoformat(), "to": start.isoformat()}],
                     key=lambda a: (a["from"], a["to"]))
    assert client.get(f"/api/my/{rep}").json["absences"] == absence
    # nobody called in: the substitute's feed, page and the chair's report say so
    feed = _feed_path(client, ids["Per Berg"])
    assert not _called(_event(client, feed))
    assert client.get(f"/api/my/{_own(client, ids['Per Berg'])}").json[
        "meetings"][0]["called_in"] is False
    # nobody is called in, whenever the news would be told: she is told only that her
    # calendar now shows her free, the substitute that he is likely needed (standby)
    _settle(app, services.mail_quiet_s + 3600)
    assert sorted((m.recipient, m.kind) for m in _mails(app)
                  if m.id not in {b.id for b in before}) == [
        (REP, "meeting_absent"), (SUB, "meeting_standby")]
    # the secretary sees it: in the report's JSON and on the council's page
    headers = bearer(app, "secretary", council["id"])
    report = client.get(f"/api/councils/{council['id']}/reports/conflicts", headers=headers).json
    row = next(r for r in report["meetings"] if r["id"] == meeting["id"])
    party = next(p for p in row["parties"] if p["party"] == "lindesberg")
    said = {m["name"]: m for m in party["members"]}
    assert said["Åsa Lind"]["said_late"] is True and said["Åsa Lind"]["called_in"] is False
    assert said["Per Berg"]["said_late"] is False and said["Per Berg"]["called_in"] is False
    pages = app.test_client()
    assert pages.post("/sign-in", data={"token": services.create_token(
        "secretary", council["id"])[1]}).status_code == 302
    text = pages.get(f"/councils/{council['id']}").get_data(as_text=True)
    assert ("Meddelade förhinder efter att svarstiden gått ut (ingen ersättare kallades in): "
            "Åsa Lind (Lindesbergs kommun)") in text


def test_an_absence_while_the_answers_are_open_still_calls_the_substitute_in(app: Flask) -> None:
    services = app.extensions["council_services"]
    client, _council, ids, _meeting = _set_up(app)
    before = _mails(app)
    rep = _own(client, ids["Åsa Lind"])
    assert client.put(f"/api/my/{rep}/absences",
                      json=[{"from": "2027-03-07", "to": "2027-03-14"}]).status_code == 204
    assert _called(_event(client, _feed_path(client, ids["Per Berg"])))
    _settle(app, services.mail_quiet_s + 1)
    assert _new(app, before) == Counter({SUB: 1, REP: 1, SECRETARY: 1})


def test_changes_that_never_settle_are_told_within_the_longest_wait(app: Flask) -> None:
    services = app.extensions["council_services"]
    services.mail_hold_max_s = 0.0  # the longest wait has passed as soon as anything changed
    client, _council, ids, meeting = _set_up(app)
    before = _mails(app)
    rep = _own(client, ids["Åsa Lind"])
    for answer in ("absent", "coming", "absent"):
        assert client.put(f"/api/my/{rep}/meetings/{meeting['id']}",
                          json={"answer": answer}).status_code == 204
    _settle(app, 1)  # well inside the quiet period, which the changes keep restarting
    assert _new(app, before) == Counter({SUB: 1, REP: 1, SECRETARY: 1})


def test_two_changes_at_once_through_one_link_settle_the_cover_once(tmp_path: Any) -> None:
    """Two requests of one member at the same moment (an answer and an absence) both
    succeed on PostgreSQL, and the substitute is called in once."""
    import threading

    from .databases import postgres_database_url

    with postgres_database_url() as url:
        made = create_app({"DATABASE_URL": url, "TESTING": True,
                           "MAIL": MailSettings("127.0.0.1", 25, sender="kalender@region.example"),
                           "SEND_MAIL": False, "SECRET_KEY": "tests",
                           "PUBLIC_URL": "https://moten.example"})
        try:
            services = made.extensions["council_services"]
            services.link_rate = Rate(1000, 60.0)
            statuses: list[int] = []
            for _round in range(6):  # each round a new meeting: the race is on its first rows
                client, _council, ids, meeting = _set_up(made)
                rep = _own(client, ids["Åsa Lind"])
                day = meeting["start"][:10]
                barrier = threading.Barrier(2)

                def answer(rep: str = rep, meeting_id: str = meeting["id"],
                           barrier: threading.Barrier = barrier) -> None:
                    barrier.wait()
                    statuses.append(made.test_client().put(
                        f"/api/my/{rep}/meetings/{meeting_id}",
                        json={"answer": "absent"}).status_code)

                def absent(rep: str = rep, day: str = day,
                           barrier: threading.Barrier = barrier) -> None:
                    barrier.wait()
                    statuses.append(made.test_client().put(
                        f"/api/my/{rep}/absences", json=[{"from": day, "to": day}]).status_code)

                threads = [threading.Thread(target=answer), threading.Thread(target=absent)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
                own = client.get(f"/api/my/{_own(client, ids['Per Berg'])}").json
                assert own["meetings"][0]["called_in"] is True
            assert statuses == [204] * 12
        finally:
            made.extensions["council_engine"].dispose()


@pytest.mark.parametrize(("language", "seconds", "words"), [
    ("sv", 1, "1 sekund"), ("sv", 30, "30 sekunder"), ("sv", 600, "10 minuter"),
    ("en", 1, "1 second"), ("en", 120, "120 seconds")])
def test_a_wait_is_written_as_people_read_it_one_second_included(
        app: Flask, language: str, seconds: int, words: str) -> None:
    from api.web import wait_words

    with app.test_request_context(headers={"Accept-Language": language}):
        assert wait_words(seconds) == words
