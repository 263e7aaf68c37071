"""The member's own page, where a member answers meetings and polls, declares absences and
manages their calendar with nothing but their link; and the secretary's poll page.

First through Flask's test client (every route: what it stores, how a bad value is named
in Swedish and stores nothing, 404 for unknown links and for another council's meeting or
poll), then in a real headless browser against the demo server: a member on a phone
answers a poll and declares an absence while the secretary watches the grid change, and
axe-core finds no accessibility violations on the member page and the poll page in Swedish
and English."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape
from typing import Any

import httpx
import pytest

from api import create_app
from scheduler.mail import MailSettings

from . import test_pages
from .council_helpers import ics
from .local_server import serve
from .test_pages import AXE, shot, sign_in, violations

site = test_pages.site  # the demo server and the browser, as test_pages starts them
browser = test_pages.browser

TODAY = dt.date.today()  # the services take "now" from the clock too


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def council_document(name: str, prefix: str) -> dict[str, Any]:
    return {"name": name, "timezone": "Europe/Stockholm", "parties": [
        {"id": f"{prefix}a", "name": f"{name} Nora", "members": [
            {"name": f"{prefix.upper()} Anna Ek", "role": "representative",
             "email": "anna@nora.example"},
            {"name": f"{prefix.upper()} Erik Ek", "role": "substitute"}]},
        {"id": f"{prefix}b", "name": f"{name} Kumla", "members": [
            {"name": f"{prefix.upper()} Karin Berg", "role": "representative",
             "email": "karin@kumla.example"}]}]}


def make_app(tmp_path, **config: Any):
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "tests", **config})


def set_up(services, name: str, prefix: str) -> dict[str, Any]:
    """A council with two confirmed meetings three and six weeks ahead, and an open poll
    over a later proposal's dates."""
    council = services.create_council(council_document(name, prefix))
    confirmed = services.create_proposal(council["id"], {
        "from": day(20), "to": day(60), "meetings": 2, "min_gap_days": 14, "time_limit_s": 10})
    _made, meetings = services.confirm(confirmed.id)
    later = services.create_proposal(council["id"], {
        "from": day(70), "to": day(100), "meetings": 2, "min_gap_days": 7, "time_limit_s": 10})
    poll = services.open_poll(later.id, {"deadline": day(7)})
    members = {m["name"].split(" ", 1)[1]: m["id"] for p in council["parties"] for m in p["members"]}
    return {"council": council, "meetings": meetings, "proposal": later, "poll": poll,
            "members": members,
            "secrets": {n: services.page_secret(i) for n, i in members.items()}}


@pytest.fixture
def app(tmp_path):
    made = make_app(tmp_path)
    yield made
    made.extensions["council_engine"].dispose()


@pytest.fixture
def services(app):
    return app.extensions["council_services"]


@pytest.fixture
def world(services):
    return {"A": set_up(services, "Kulturrådet", "a"), "B": set_up(services, "Miljörådet", "b")}


@pytest.fixture
def client(app):
    return app.test_client()


def flashed(page) -> list[str]:
    """The flash messages of a page, as read."""
    return [unescape(m) for m in re.findall(r'<p class="flash [a-z]+" role="\w+">([^<]*)</p>',
                                            page.get_data(as_text=True))]


def sign_in_as(client, services, role: str, council_id: str) -> None:
    answer = client.post("/sign-in", data={"token": services.create_token(role, council_id)[1]})
    assert answer.status_code == 302


# the member's page -------------------------------------------------------------------------
def test_the_member_page_shows_meetings_polls_absences_the_calendar_and_what_is_known(client, world):
    secret = world["A"]["secrets"]["Anna Ek"]
    page = client.get(f"/my/{secret}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    for heading in ("Kommande sammanträden", "Omröstningar", "Frånvaro", "Din kalender",
                    "Vad tjänsten vet om dig", "Prenumerera på dina möten"):
        assert f">{heading}</h2>" in text
    assert text.count("Jag kommer</button>") == 2 and text.count("Jag kan inte komma</button>") == 2
    slots = len(world["A"]["poll"].slots)
    assert text.count('type="radio"') == 3 * slots and text.count("Om det behövs") == slots
    assert "95&nbsp;%" in text  # the default reliability, without history
    assert text.count('name="csrf_token"') == text.count("<form")  # on every form


def test_an_unknown_or_replaced_link_is_a_404_page_on_every_member_route(client, world):
    meeting, poll = world["A"]["meetings"][0].id, world["A"]["poll"].id
    for secret in ("cs_nonsense", world["A"]["secrets"]["Anna Ek"] + "x"):
        assert client.get(f"/my/{secret}").status_code == 404
        for path in (f"meetings/{meeting}", f"polls/{poll}", "absences", "absences/remove",
                     "calendar", "calendar/forget", "rotate", "rotate-page"):
            answer = client.post(f"/my/{secret}/{path}", data={"answer": "coming"})
            assert answer.status_code == 404, path
            assert answer.mimetype == "text/html"


def test_an_absent_representative_calls_the_substitute_in(client, services, world):
    a = world["A"]
    meeting = a["meetings"][0].id
    answer = client.post(f"/my/{a['secrets']['Anna Ek']}/meetings/{meeting}",
                         data={"answer": "absent"})
    assert answer.status_code == 303
    assert answer.location.endswith(f"#meeting-{meeting}")
    assert flashed(client.get(answer.location)) == ["Tack! Ditt svar är sparat.",
                                                    "A Erik Ek är inkallad."]
    mine = services.my_overview(a["secrets"]["Anna Ek"])["meetings"]
    assert [m["answer"] for m in mine] == ["absent", None]
    substitute = client.get(f"/my/{a['secrets']['Erik Ek']}").get_data(as_text=True)
    assert substitute.count("Du är inkallad – du ersätter A Anna Ek.") == 1
    client.post(f"/my/{a['secrets']['Anna Ek']}/meetings/{meeting}", data={"answer": "coming"})
    assert "inkallad" not in client.get(f"/my/{a['secrets']['Erik Ek']}").get_data(as_text=True)


def test_a_meeting_answer_that_is_not_coming_or_absent_is_named_and_not_stored(client, services,
                                                                              world):
    secret = world["A"]["secrets"]["Anna Ek"]
    answer = client.post(f"/my/{secret}/meetings/{world['A']['meetings'][0].id}",
                         data={"answer": "maybe"})
    assert answer.status_code == 400
    assert flashed(answer) == ["Kontrollera Ditt svar: välj ett av svarsalternativen"]
    assert [m["answer"] for m in services.my_overview(secret)["meetings"]] == [None, None]


def test_another_councils_meeting_or_poll_is_not_found_and_not_touched(client, services, world):
    secret = world["A"]["secrets"]["Anna Ek"]
    b = world["B"]
    assert client.post(f"/my/{secret}/meetings/{b['meetings'][0].id}",
                       data={"answer": "absent"}).status_code == 404
    start = b["poll"].slots[0][0].isoformat()
    assert client.post(f"/my/{secret}/polls/{b['poll'].id}",
                       data={"start": start, "answer-0": "no"}).status_code == 404
    assert len(services.poll_grid(b["poll"].id)["not_answered"]) == 3
    assert services.conflict_report(b["council"]["id"])["uncovered_stated"] == []


def test_a_cancelled_meeting_or_one_past_its_answer_deadline_is_a_409(client, services, world,
                                                                     monkeypatch):
    secret = world["A"]["secrets"]["Anna Ek"]
    first, second = world["A"]["meetings"]
    services.change_meeting(first.id, {"status": "cancelled"})
    answer = client.post(f"/my/{secret}/meetings/{first.id}", data={"answer": "absent"})
    assert answer.status_code == 409 and flashed(answer) == ["Mötet är inställt."]
    monkeypatch.setattr("scheduler.services.member_own.answer_deadline",
                        lambda *_args: dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    answer = client.post(f"/my/{secret}/meetings/{second.id}", data={"answer": "absent"})
    assert answer.status_code == 409
    assert flashed(answer) == ["Det går inte längre att svara om sammanträdet: sista svarsdagen "
                               "har passerat."]
    assert [m["answer"] for m in services.my_overview(secret)["meetings"]] == [None, None]


def test_a_member_answers_a_poll_and_dates_left_blank_stay_unanswered(client, services, world):
    a = world["A"]
    secret, poll = a["secrets"]["Anna Ek"], a["poll"]
    starts = [s.isoformat() for s, _e in poll.slots]
    answer = client.post(f"/my/{secret}/polls/{poll.id}",
                         data={"start": starts, "answer-0": "yes", "answer-2": "if_need_be"})
    assert answer.status_code == 303 and answer.location.endswith(f"#poll-{poll.id}")
    mine = services.my_overview(secret)["polls"][0]["slots"]
    assert [s["answer"] for s in mine][:3] == ["yes", None, "if_need_be"]
    page = client.get(f"/my/{secret}").get_data(as_text=True)
    assert 'name="answer-0" value="yes" checked' in page
    assert 'name="answer-2" value="if_need_be" checked' in page
    grid = services.poll_grid(poll.id)
    assert grid["slots"][0]["parties"][0]["coverage"] == "yes"
    assert {m["name"] for m in grid["not_answered"]} == {"A Erik Ek", "A Karin Berg"}


@pytest.mark.parametrize(("form", "said"), [
    ({}, "Kontrollera Dina svar: välj minst ett svar"),
    ({"start": "2031-01-01T10:00:00+01:00", "answer-0": "yes"},
     "Kontrollera Dina svar: ett datum hör inte till omröstningen"),
    ({"start": "tomorrow", "answer-0": "yes"}, "Kontrollera Dina svar: "),
    ({"start": "FIRST", "answer-0": "perhaps"}, "Kontrollera Dina svar: välj ett av svarsalternativen"),
], ids=["nothing chosen", "not a date of the poll", "not a date", "not an answer"])
def test_a_poll_answer_that_cannot_be_used_is_named_and_nothing_is_stored(client, services, world,
                                                                          form, said):
    secret, poll = world["A"]["secrets"]["Anna Ek"], world["A"]["poll"]
    if form.get("start") == "FIRST":
        form = {**form, "start": poll.slots[0][0].isoformat()}
    answer = client.post(f"/my/{secret}/polls/{poll.id}", data=form)
    assert answer.status_code == 400
    assert len(flashed(answer)) == 1 and flashed(answer)[0].startswith(said)
    assert len(services.poll_grid(poll.id)["not_answered"]) == 3


def test_a_closed_poll_takes_no_answers(client, services, world, monkeypatch):
    secret, poll = world["A"]["secrets"]["Anna Ek"], world["A"]["poll"]
    monkeypatch.setattr("scheduler.services.member_own.poll_closes",
                        lambda *_args: dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    answer = client.post(f"/my/{secret}/polls/{poll.id}",
                         data={"start": poll.slots[0][0].isoformat(), "answer-0": "yes"})
    assert answer.status_code == 409
    assert flashed(answer) == ["Omröstningen är stängd: sista svarsdagen har passerat."]
    assert len(services.poll_grid(poll.id)["not_answered"]) == 3


def test_absences_are_added_and_removed_one_at_a_time(client, services, world):
    secret = world["A"]["secrets"]["Anna Ek"]
    first = {"from": day(19), "to": day(45)}  # over both confirmed meetings
    for span in (first, {"from": "2027-07-01", "to": "2027-07-31"}):
        answer = client.post(f"/my/{secret}/absences", data=span)
        assert answer.status_code == 303 and answer.location.endswith("#absence")
    assert services.my_overview(secret)["absences"] == [first, {"from": "2027-07-01",
                                                                "to": "2027-07-31"}]
    page = client.get(f"/my/{secret}").get_data(as_text=True)
    assert "Ta bort frånvaron tors 1 juli 2027 – lör 31 juli 2027" in page
    substitute = client.get(f"/my/{world['A']['secrets']['Erik Ek']}").get_data(as_text=True)
    assert substitute.count("Du är inkallad – du ersätter A Anna Ek.") == 2
    answer = client.post(f"/my/{secret}/absences/remove", data=first)
    assert answer.status_code == 303
    assert flashed(client.get(answer.location)) == ["Frånvaron är borttagen."]
    assert services.my_overview(secret)["absences"] == [{"from": "2027-07-01", "to": "2027-07-31"}]
    substitute = client.get(f"/my/{world['A']['secrets']['Erik Ek']}").get_data(as_text=True)
    assert "Du är inkallad" not in substitute


@pytest.mark.parametrize(("span", "said"), [
    ({"from": "2027-07-10", "to": "2027-07-01"}, "Kontrollera Till och med: är före första dagen"),
    ({"from": "", "to": "2027-07-01"}, "Kontrollera Från och med: ange ett datum (ÅÅÅÅ-MM-DD)"),
    ({"from": "2027-07-01", "to": "31/7"}, "Kontrollera Till och med: ange ett datum (ÅÅÅÅ-MM-DD)"),
    ({"from": "2027-01-01", "to": "2028-06-01"},
     "Kontrollera Till och med: en frånvaro får vara högst ett år lång"),
], ids=["to before from", "no first day", "not a date", "longer than a year"])
def test_an_absence_that_cannot_be_used_is_named_kept_in_the_form_and_not_stored(client, services,
                                                                                 world, span, said):
    secret = world["A"]["secrets"]["Anna Ek"]
    answer = client.post(f"/my/{secret}/absences", data=span)
    assert answer.status_code == 400
    assert flashed(answer) == [said]
    text = answer.get_data(as_text=True)
    assert f'name="to" type="date" required value="{span["to"]}"' in text
    assert services.my_overview(secret)["absences"] == []


def test_a_member_uploads_their_calendar_sees_only_its_statuses_and_deletes_it(client, services,
                                                                              world):
    secret = world["A"]["secrets"]["Karin Berg"]
    calendar = ics(("a", f"{day(3).replace('-', '')}T090000", f"{day(3).replace('-', '')}T120000"),
                   ("b", f"{day(4).replace('-', '')}T130000", f"{day(4).replace('-', '')}T150000",
                    "OOF"))
    calendar = calendar.replace("UID:a\r\n", "UID:a\r\nSUMMARY:Hemligt samtal\r\n")
    answer = client.post(f"/my/{secret}/calendar", content_type="multipart/form-data",
                         data={"calendar": (io.BytesIO(calendar.encode()), "min.ics")})
    assert answer.status_code == 303 and answer.location.endswith("#calendar")
    page = client.get(f"/my/{secret}").get_data(as_text=True)
    assert "Kalendern är inläst." in page
    assert "09:00–12:00 upptagen" in page and "13:00–15:00 borta" in page
    assert "Hemligt" not in page
    assert services.my_overview(secret)["calendar"]["busy_intervals"] == 2
    answer = client.post(f"/my/{secret}/calendar/forget")
    assert answer.status_code == 303
    assert flashed(client.get(answer.location)) == ["Din kalender är raderad från tjänsten."]
    known = services.my_overview(secret)
    assert known["busy"] == [] and known["calendar"]["busy_intervals"] == 0


def test_a_calendar_that_cannot_be_used_is_named_and_nothing_is_stored(client, services, world):
    secret = world["A"]["secrets"]["Karin Berg"]
    answer = client.post(f"/my/{secret}/calendar", data={"url": "ftp://example.org/cal.ics"})
    assert answer.status_code == 400
    assert flashed(answer) == ["Kontrollera Adressen till din kalender: ange en adress som börjar "
                               "med https:// eller webcal://"]
    assert 'value="ftp://example.org/cal.ics"' in answer.get_data(as_text=True)
    answer = client.post(f"/my/{secret}/calendar", data={"url": "https://127.0.0.1/cal.ics"})
    assert answer.status_code == 400
    assert flashed(answer)[0].startswith("Kontrollera Adressen till din kalender: kalendern kunde "
                                         "inte läsas (")
    answer = client.post(f"/my/{secret}/calendar", content_type="multipart/form-data",
                         data={"calendar": (io.BytesIO(b"<html>no</html>"), "x.ics")})
    assert answer.status_code == 400
    assert flashed(answer)[0].startswith("Filen är ingen användbar kalender")
    assert services.my_overview(secret)["calendar"] == {
        "linked": False, "url": None, "fetched_at": None, "last_error": None, "busy_intervals": 0}


def test_a_member_connects_their_calendar_by_its_address(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "localhost")
    app = make_app(tmp_path)
    services = app.extensions["council_services"]
    council = services.create_council(council_document("Kulturrådet", "a"))
    secret = services.page_secret(council["parties"][1]["members"][0]["id"])
    with serve() as (base, seen):
        answer = app.test_client().post(f"/my/{secret}/calendar",
                                        data={"url": f"{base}/cal.ics?token=hunter2"})
        assert answer.status_code == 303, answer.get_data(as_text=True)
        assert seen
    known = services.my_overview(secret)["calendar"]
    assert known["linked"] and known["busy_intervals"] == 1
    assert "hunter2" not in app.test_client().get(f"/my/{secret}").get_data(as_text=True)
    app.extensions["council_engine"].dispose()


def test_a_new_page_address_replaces_the_old_one_at_once(client, world):
    secret = world["A"]["secrets"]["Anna Ek"]
    answer = client.post(f"/my/{secret}/rotate-page")
    assert answer.status_code == 303
    new = answer.location.rsplit("/my/", 1)[1]
    assert new != secret
    assert client.get(f"/my/{secret}").status_code == 404
    page = client.get(f"/my/{new}")
    assert page.status_code == 200
    assert flashed(page) == ["Sidan har fått en ny adress: spara den som bokmärke; den gamla "
                             "fungerar inte längre."]


def test_a_new_feed_link_keeps_the_page_and_stops_the_old_feed(client, world):
    secret = world["A"]["secrets"]["Anna Ek"]
    feed = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"',
                     client.get(f"/my/{secret}").get_data(as_text=True))[1]
    path = feed.split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    answer = client.post(f"/my/{secret}/rotate")
    assert answer.status_code == 303 and answer.location.endswith("#subscribe")
    assert client.get(path).status_code == 404
    assert client.get(f"/my/{secret}").status_code == 200


def test_every_member_form_is_refused_without_its_csrf_token(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    services = app.extensions["council_services"]
    a = set_up(services, "Kulturrådet", "a")
    client = app.test_client()
    secret = a["secrets"]["Anna Ek"]
    for path in (f"meetings/{a['meetings'][0].id}", f"polls/{a['poll'].id}", "absences",
                 "absences/remove", "calendar", "calendar/forget", "rotate", "rotate-page"):
        assert client.post(f"/my/{secret}/{path}", data={"answer": "absent"}).status_code == 400
    assert client.get(f"/my/{secret}").status_code == 200  # the link still works
    assert [m["answer"] for m in services.my_overview(secret)["meetings"]] == [None, None]
    app.extensions["council_engine"].dispose()


def test_english_readers_get_the_member_page_in_english(client, world):
    page = client.get(f"/my/{world['A']['secrets']['Anna Ek']}",
                      headers={"Accept-Language": "en-GB,en;q=0.9"})
    text = page.get_data(as_text=True)
    assert '<html lang="en">' in text
    assert ">Upcoming meetings</h2>" in text and "I cannot come</button>" in text
    assert "If need be" in text and "95%" in text
    answer = client.post(f"/my/{world['A']['secrets']['Anna Ek']}/absences",
                         data={"from": "2027-07-10", "to": "2027-07-01"},
                         headers={"Accept-Language": "en"})
    assert flashed(answer) == ["Please check Through (inclusive): is before the first day"]


# the secretary's side ----------------------------------------------------------------------
def test_a_secretary_opens_a_poll_from_a_proposal_and_reads_the_grid(client, services, world):
    a = world["A"]
    sign_in_as(client, services, "secretary", a["council"]["id"])
    assert 'action="/proposals/{}/poll"'.format(a["proposal"].id) in \
        client.get(f"/proposals/{a['proposal'].id}").get_data(as_text=True)
    answer = client.post(f"/proposals/{a['proposal'].id}/poll", data={"deadline": day(10)})
    assert answer.status_code == 302 and answer.location.startswith("/polls/")
    poll_id = answer.location.rsplit("/", 1)[1]
    page = client.get(answer.location)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert flashed(page) == ["Omröstningen är öppen."]  # mail is off
    assert text.count('<th scope="row">') == 2  # a row per party
    assert text.count('<td class="ans unanswered">') == 2 * len(a["poll"].slots)
    assert "Har inte svarat ännu (3)" in text
    assert "E-post är avstängd: påminnelser kan inte skickas." in text
    assert f'href="/councils/{a["council"]["id"]}#new-proposal"' in text
    start = services.poll_grid(poll_id)["slots"][0]["start"]
    client.post(f"/my/{a['secrets']['Erik Ek']}/polls/{poll_id}",
                data={"start": start, "answer-0": "if_need_be"})
    text = client.get(f"/polls/{poll_id}").get_data(as_text=True)
    assert '<td class="ans if_need_be"><strong>om det behövs</strong>' in text
    assert "A Erik Ek: om det behövs" in text and "Har inte svarat ännu (2)" in text
    council = client.get(f"/councils/{a['council']['id']}").get_data(as_text=True)
    assert council.count('href="/polls/') == 2 and f'href="/polls/{poll_id}"' in council


@pytest.mark.parametrize(("deadline", "said"), [
    ("2020-01-01", "Kontrollera Svara senast: datumet har redan passerat"),
    ("", "Kontrollera Svara senast: ange ett datum (ÅÅÅÅ-MM-DD)"),
])
def test_a_poll_deadline_that_cannot_be_used_is_named_and_no_poll_is_opened(client, services,
                                                                            world, deadline, said):
    a = world["A"]
    sign_in_as(client, services, "secretary", a["council"]["id"])
    answer = client.post(f"/proposals/{a['proposal'].id}/poll", data={"deadline": deadline})
    assert answer.status_code == 302
    assert answer.location == f"/proposals/{a['proposal'].id}#poll"
    assert flashed(client.get(answer.location)) == [said]
    assert len(services.polls(a["council"]["id"])) == 1


def test_reminders_say_that_mail_is_off(client, services, world):
    a = world["A"]
    sign_in_as(client, services, "secretary", a["council"]["id"])
    answer = client.post(f"/polls/{a['poll'].id}/remind")
    assert answer.status_code == 302 and answer.location == f"/polls/{a['poll'].id}"
    assert flashed(client.get(answer.location)) == ["Inga påminnelser skickades: e-post är avstängd."]
    answer = client.post(f"/members/{a['members']['Anna Ek']}/link/mail")
    assert flashed(client.get(answer.location)) == ["Länken skickades inte: e-post är avstängd."]
    assert "Skicka länken" not in client.get(f"/councils/{a['council']['id']}").get_data(as_text=True)


def test_with_mail_on_reminders_are_counted_and_members_get_their_link(tmp_path):
    app = make_app(tmp_path, MAIL=MailSettings("127.0.0.1", 25), SEND_MAIL=False,
                   PUBLIC_URL="https://moten.example")
    services = app.extensions["council_services"]
    client = app.test_client()
    a = set_up(services, "Kulturrådet", "a")
    sign_in_as(client, services, "secretary", a["council"]["id"])
    app.test_client().post(f"/my/{a['secrets']['Anna Ek']}/polls/{a['poll'].id}",
                           data={"start": [s.isoformat() for s, _e in a["poll"].slots],
                                 **{f"answer-{n}": "yes" for n in range(len(a["poll"].slots))}})
    answer = client.post(f"/polls/{a['poll'].id}/remind")
    # Karin has not answered; Anna has, and Erik has no address
    assert flashed(client.get(answer.location)) == ["Skickade påminnelser: 1."]
    council = client.get(f"/councils/{a['council']['id']}").get_data(as_text=True)
    assert council.count("Skicka länken</button>") == 3
    answer = client.post(f"/members/{a['members']['Karin Berg']}/link/mail")
    assert answer.location == f"/councils/{a['council']['id']}"
    assert flashed(client.get(answer.location)) == ["Länken är på väg med e-post."]
    answer = client.post(f"/members/{a['members']['Erik Ek']}/link/mail")
    assert flashed(client.get(answer.location)) == ["Länken skickades inte: ledamoten har ingen "
                                                   "e-postadress."]
    app.extensions["council_engine"].dispose()


def test_a_secretary_finds_no_poll_page_of_another_council_and_a_chair_none_at_all(client,
                                                                                   services, world):
    a, b = world["A"], world["B"]
    sign_in_as(client, services, "secretary", a["council"]["id"])
    assert client.get(f"/polls/{b['poll'].id}").status_code == 404
    assert client.post(f"/polls/{b['poll'].id}/remind").status_code == 404
    assert client.post(f"/proposals/{b['proposal'].id}/poll",
                       data={"deadline": day(10)}).status_code == 404
    assert client.post(f"/members/{b['members']['Anna Ek']}/link/mail").status_code == 404
    assert client.post(f"/members/{b['members']['Anna Ek']}/link").status_code == 404
    assert len(services.polls(b["council"]["id"])) == 1
    client.post("/sign-out")
    sign_in_as(client, services, "chair", a["council"]["id"])
    assert client.get(f"/polls/{a['poll'].id}").status_code == 403
    assert client.post(f"/proposals/{a['proposal'].id}/poll",
                       data={"deadline": day(10)}).status_code == 403
    client.post("/sign-out")
    assert client.get(f"/polls/{a['poll'].id}").location.startswith("/sign-in")


def test_the_chairs_report_names_uncovered_parties_first_and_marks_substitutes_called_in(
        client, services, world):
    a = world["A"]
    first, second = a["meetings"]
    for who in ("Anna Ek", "Erik Ek"):
        client.post(f"/my/{a['secrets'][who]}/meetings/{first.id}", data={"answer": "absent"})
    client.post(f"/my/{a['secrets']['Anna Ek']}/meetings/{second.id}", data={"answer": "absent"})
    sign_in_as(client, services, "chair", a["council"]["id"])
    text = client.get(f"/councils/{a['council']['id']}/report").get_data(as_text=True)
    main = text.split('<main id="main">', 1)[1]
    assert main.index("Parter som ingen kan företräda") < main.index("<svg")
    listed = re.search(r'<ul class="plain" id="uncovered-list">(.*?)</ul>', main, re.S)[1]
    assert listed.count("<li") == 1
    assert "Kulturrådet Nora – A Anna Ek, A Erik Ek" in unescape(listed)
    assert main.count("A Erik Ek inkallad") == 1


# in a real browser -------------------------------------------------------------------------
def _needs_axe() -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci in tests/js)")


def _prepare(site_url: str, tokens: dict[str, str], browser) -> dict[str, str]:
    """Through the secretary's pages: two confirmed meetings, a new proposal with a poll;
    the first member's page link and the poll page's address."""
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    sign_in(page, site_url, tokens["secretary"])
    council_url = page.url
    for first, last in (("2027-09-01", "2027-11-01"), ("2027-11-08", "2027-12-20")):
        page.goto(council_url)
        page.get_by_label("Från").fill(first)
        page.get_by_label("Till (inte med)").fill(last)
        page.get_by_label("Antal möten").fill("2")
        page.get_by_label("Minst så många dagar emellan").fill("21")
        page.get_by_role("button", name="Föreslå", exact=True).click()
        page.wait_for_url("**/proposals/**")
        if first == "2027-09-01":
            page.get_by_role("button", name="Bekräfta dessa datum").click()
            page.wait_for_url("**/councils/**")
    page.get_by_label("Svara senast").fill((TODAY + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Starta en omröstning").click()
    page.wait_for_url("**/polls/**")
    poll_url = page.url
    page.goto(council_url)
    page.get_by_role("button", name="Ledamotssida för").first.click()
    page.wait_for_url("**/my/**")
    member_url = page.url
    context.close()
    return {"council": council_url, "poll": poll_url, "member": member_url}


@pytest.fixture(scope="module")
def prepared(site, browser):
    base, tokens = site
    return _prepare(base, tokens, browser)


def test_a_member_on_a_phone_answers_a_poll_and_declares_an_absence_and_the_secretary_sees_it(
        site, browser, prepared):
    base, tokens = site
    secretary = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    grid = secretary.new_page()
    sign_in(grid, base, tokens["secretary"])
    grid.goto(prepared["poll"])
    cell = grid.locator("table.poll-grid tbody tr").first.locator("td").first
    assert cell.locator("strong").inner_text() == "inte besvarat"
    waiting = grid.locator("#not-answered li").count()

    phone = browser.new_context(locale="sv-SE", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(prepared["member"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first = page.locator("#polls fieldset").first
    first.get_by_label("Ja", exact=True).check()
    page.locator("#polls fieldset").nth(1).get_by_label("Om det behövs", exact=True).check()
    page.get_by_role("button", name="Skicka mina svar").click()
    page.wait_for_url("**#poll-*")
    assert page.get_by_role("status").first.inner_text() == "Tack! Dina svar är sparade."
    assert page.locator("#polls fieldset").first.get_by_label("Ja", exact=True).is_checked()

    page.get_by_label("Från och med").fill("2027-07-01")
    page.get_by_label("Till och med").fill("2027-07-14")
    page.get_by_role("button", name="Lägg till frånvaro").click()
    page.wait_for_url("**#absence")
    assert page.locator("#absences li").count() == 1
    assert "1 juli 2027" in page.locator("#absences li").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "phone-member-answered")

    page.get_by_label("Från och med").fill("2027-08-10")
    page.get_by_label("Till och med").fill("2027-08-01")
    page.get_by_role("button", name="Lägg till frånvaro").click()
    assert page.get_by_role("alert").inner_text() == \
        "Kontrollera Till och med: är före första dagen"
    assert page.locator("#absences li").count() == 1

    grid.reload()
    assert cell.locator("strong").inner_text() == "ja"
    assert grid.locator("#not-answered li").count() == waiting - 1
    shot(grid, "secretary-poll")
    phone.close()
    secretary.close()


@pytest.mark.parametrize("language", ["sv-SE", "en-GB"])
def test_the_member_page_and_the_poll_page_have_no_accessibility_violations(site, browser,
                                                                           prepared, language):
    _needs_axe()
    base, tokens = site
    context = browser.new_context(locale=language, bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    page.goto(prepared["member"])
    if page.locator("#absences form").count() == 0:  # an absence on the page, to be checked too
        page.locator("#absence-from").fill("2027-12-20")
        page.locator("#absence-to").fill("2027-12-31")
        page.locator("#absence form.card button").click()
        page.wait_for_url("**#absence")
    assert page.locator("#upcoming li.item").count() >= 2
    assert page.locator("#polls fieldset").count() >= 2
    assert page.locator("#absences form").count() >= 1
    assert page.locator("#known details").count() == 1  # a calendar, and busy time from it
    page.locator("#known details summary").click()  # the busy time, open
    found = {"member": violations(page)}
    _sign_in(page, base, tokens["secretary"], language)
    page.goto(prepared["poll"])
    assert page.locator("html").get_attribute("lang") == language[:2]
    found["poll"] = violations(page)
    page.goto(prepared["council"])
    found["council"] = violations(page)
    assert found == {name: [] for name in found}
    context.close()


def _sign_in(page, base: str, token: str, language: str) -> None:
    if language.startswith("sv"):
        sign_in(page, base, token)
        return
    page.goto(f"{base}/sign-in")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_the_member_page_link_works_over_real_http(site, prepared):
    answer = httpx.get(prepared["member"])
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
