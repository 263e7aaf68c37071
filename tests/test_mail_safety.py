"""Mail through the HTTP API with a real SMTP server: names that look like encoded words
reach members as text only; addresses are checked when stored (400 naming the field,
nothing stored); an address the server refuses, or one stored before the checks, is
given up in the outbox while the click that caused it answers 2xx; and the mail a
secretary may ask for is limited per token and per council (429 with Retry-After)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from scheduler.cli import main
from scheduler.mail import MailSettings, drain
from scheduler.rates import Rate

from .conftest import bearer
from .smtp_server import SmtpServer

ENCODED = ("=?utf-8?q?x=0D=0AReply-To:_evil@example.org=0D=0AContent-Type:_text/html"
           "=0D=0A=0D=0A<b>Logga_in</b>?=")
SECRETARY = "sekreterare@region.example"
COUNCIL: dict[str, Any] = {
    "name": f"Kulturrådet {ENCODED}", "timezone": "Europe/Stockholm",
    "venue": f"Länsmuseet {ENCODED}", "secretary_email": SECRETARY,
    "parties": [
        {"id": "lindesberg", "name": f"Lindesberg {ENCODED}", "members": [
            {"name": f"Åsa {ENCODED}", "role": "representative", "email": "asa@lindesberg.example"},
            {"name": "Per Berg", "role": "substitute", "email": "per@lindesberg.example"}]},
        {"id": "askersund", "name": "Askersunds kommun", "members": [
            {"name": "Eva Ek", "role": "representative", "email": "eva@askersund.example"}]},
    ],
}
WEEK = {"from": "2027-03-08", "to": "2027-03-13", "meetings": 1, "duration": "3h",
        "step": "3h", "earliest": "09:00", "latest": "12:00", "time_limit_s": 10}
HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
           "X-Auto-Response-Suppress", "MIME-Version", "Content-Type", "Content-Language"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def _app(tmp_path: Path, smtp: SmtpServer, *, send: bool = False, **rates: Rate) -> Flask:
    settings = MailSettings("127.0.0.1", smtp.port, sender="Kalendern <kalender@region.example>",
                            timeout=5, **rates)  # type: ignore[arg-type]
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                       "MAIL": settings, "SEND_MAIL": send, "WTF_CSRF_ENABLED": False,
                       "SECRET_KEY": "tests", "PUBLIC_URL": "https://moten.example"})


@pytest.fixture
def mail_app(tmp_path: Path, smtp: SmtpServer) -> Iterator[Flask]:
    made = _app(tmp_path, smtp)
    yield made
    made.extensions["council_engine"].dispose()


def _council(client: FlaskClient, headers: dict[str, str],
             document: dict[str, Any] = COUNCIL) -> dict[str, Any]:
    made = client.post("/api/councils", json=document, headers=headers)
    assert made.status_code == 201, made.json
    return made.json


def _members(council: dict[str, Any]) -> dict[str, str]:
    return {m["email"]: m["id"] for p in council["parties"] for m in p["members"]}


def _outbox(app: Flask) -> list[Any]:
    with app.extensions["council_services"].reader() as uow:
        return uow.outbox.listing()


# names ------------------------------------------------------------------------------------
def test_encoded_words_in_council_party_member_and_place_names_reach_members_as_text_only(
        mail_app: Flask, smtp: SmtpServer) -> None:
    client = mail_app.test_client()
    headers = bearer(mail_app)
    council = _council(client, headers)
    ids = _members(council)
    proposal = client.post(f"/api/councils/{council['id']}/proposals", json=WEEK, headers=headers)
    assert proposal.status_code == 201, proposal.json
    assert client.post(f"/api/proposals/{proposal.json['id']}/poll",
                       json={"deadline": "2027-03-01"}, headers=headers).status_code == 201
    assert client.post(f"/api/proposals/{proposal.json['id']}/confirm",
                       headers=headers).status_code == 201
    assert client.post(f"/api/members/{ids['asa@lindesberg.example']}/link/mail",
                       headers=headers).json == {"queued": True, "mail": True}
    services = mail_app.extensions["council_services"]
    drain(services.uow, services.mail)
    kinds = {mail.kind for mail in _outbox(mail_app)}
    assert {"poll", "meeting_confirmed", "link"} <= kinds
    assert len(smtp.received) == len(_outbox(mail_app)) >= 7
    for received in smtp.received:
        message = received.message
        parts = [p.get_content_type() for p in message.walk()]
        assert parts in (["text/plain"], ["multipart/alternative", "text/plain", "text/calendar"])
        expected = HEADERS | ({"Content-Transfer-Encoding"} if len(parts) == 1 else set())
        assert set(message.keys()) == expected and len(message.keys()) == len(expected)
        assert message["Reply-To"] is None and not message.defects
        assert [a.addr_spec for a in message["To"].addresses] == received.recipients
        assert "Kulturrådet =\u200b?utf-8?q?x=0D=0AReply-To:" in str(message["Subject"])
        text = message.get_body(("plain",)).get_content()
        assert ENCODED in text  # in the body the name is text, as written
    asa = [r.message for r in smtp.received if r.recipients == ["asa@lindesberg.example"]]
    assert {str(m["To"].addresses[0].display_name).startswith("Åsa =\u200b?") for m in asa} == {True}


# addresses --------------------------------------------------------------------------------
def _with_member_email(address: str) -> dict[str, Any]:
    parties = [{**COUNCIL["parties"][0], "members": [
        {**COUNCIL["parties"][0]["members"][0], "email": address},
        COUNCIL["parties"][0]["members"][1]]}, COUNCIL["parties"][1]]
    return {**COUNCIL, "parties": parties}


@pytest.mark.parametrize("address", ["anna", "anna@kumla", "anna @kumla.se", "anna@kumla..se",
                                     "Anna <anna@kumla.se>", "anna@x.invalid", "a@[127.0.0.1]"])
def test_a_bad_address_is_refused_with_400_naming_the_field_and_nothing_is_stored(
        mail_app: Flask, address: str) -> None:
    client = mail_app.test_client()
    headers = bearer(mail_app)
    answer = client.post("/api/councils", json=_with_member_email(address), headers=headers)
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.json["invalid-params"][0]["name"] == "parties[0].members[0].email"
    assert mail_app.extensions["council_services"].council_names() == []
    council = _council(client, headers)
    member = _members(council)["asa@lindesberg.example"]
    changed = client.patch(f"/api/members/{member}", json={"email": address}, headers=headers)
    assert changed.status_code == 400
    assert changed.json["invalid-params"][0]["name"] == "email"
    secretary = client.patch(f"/api/councils/{council['id']}",
                             json={"secretary_email": address}, headers=headers)
    assert secretary.status_code == 400
    assert secretary.json["invalid-params"][0]["name"] == "secretary_email"
    added = client.post(f"/api/councils/{council['id']}/members", headers=headers, json={
        "party": "lindesberg", "name": "Ny Ersättare", "email": address})
    assert added.status_code == 400 and added.json["invalid-params"][0]["name"] == "email"
    after = client.get(f"/api/councils/{council['id']}", headers=headers).json
    assert _members(after) == _members(council)
    assert after["secretary_email"] == SECRETARY


def test_internationalised_addresses_are_stored(mail_app: Flask) -> None:
    client = mail_app.test_client()
    headers = bearer(mail_app)
    council = _council(client, headers, _with_member_email("åsa@örebro.example"))
    assert "åsa@örebro.example" in _members(council)
    changed = client.patch(f"/api/councils/{council['id']}",
                           json={"secretary_email": "rådet@örebro.example"}, headers=headers)
    assert changed.status_code == 200 and changed.json["secretary_email"] == "rådet@örebro.example"


def test_a_council_file_with_a_bad_address_exits_2_with_one_line_naming_the_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "council.toml"
    path.write_text('name = "Kulturrådet"\nsecretary_email = "kansliet"\n[[parties]]\n'
                    'id = "nora"\n[[parties.members]]\nname = "Anna"\n'
                    'role = "representative"\nemail = "anna@nora.example"\n', encoding="utf-8")
    assert main(["propose", str(path), "--from", "2027-01-11", "--to", "2027-01-16",
                 "--meetings", "1"]) == 2
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "secretary_email" in said[0] and "e-mail" in said[0]


def test_a_refused_recipient_and_an_address_from_before_checks_are_given_up_as_clicks_answer_2xx(
        tmp_path: Path, smtp: SmtpServer) -> None:
    app = _app(tmp_path, smtp, send=True)  # mail sent at once, as the click's job
    client = app.test_client()
    headers = bearer(app)
    smtp.refused.add("per@lindesberg.example")
    council = _council(client, headers)
    ids = _members(council)
    services = app.extensions["council_services"]
    with services.uow() as uow:  # as stored before addresses were checked
        uow.councils.update_member(ids["eva@askersund.example"], {"email": "eva.askersund.example"})
        uow.commit()
    for member in ids.values():
        answer = client.post(f"/api/members/{member}/link/mail", headers=headers)
        assert answer.status_code == 200 and answer.json == {"queued": True, "mail": True}
    proposal = client.post(f"/api/councils/{council['id']}/proposals", json=WEEK, headers=headers)
    assert proposal.status_code == 201, proposal.json
    poll = client.post(f"/api/proposals/{proposal.json['id']}/poll",
                       json={"deadline": "2027-03-01"}, headers=headers)
    assert poll.status_code == 201, poll.json
    assert client.post(f"/api/polls/{poll.json['id']}/reminders", headers=headers).status_code == 200
    confirmed = client.post(f"/api/proposals/{proposal.json['id']}/confirm", headers=headers)
    assert confirmed.status_code == 201, confirmed.json
    meeting = confirmed.json["meetings"][0]
    moved = client.patch(f"/api/meetings/{meeting['id']}", headers=headers, json={
        "start": "2027-03-09T09:00:00+01:00", "end": "2027-03-09T12:00:00+01:00"})
    assert moved.status_code < 300, moved.json
    outbox = _outbox(app)
    by_recipient: dict[str, set[str]] = {}
    for mail in outbox:
        by_recipient.setdefault(mail.recipient, set()).add(mail.state)
    assert by_recipient == {"asa@lindesberg.example": {"sent"}, "per@lindesberg.example": {"dead"},
                            "eva.askersund.example": {"dead"}}
    for mail in outbox:
        if mail.recipient == "per@lindesberg.example":
            assert "550" in (mail.last_error or "")
        if mail.recipient == "eva.askersund.example":
            assert (mail.last_error or "").startswith("recipient cannot be sent to: not an e-mail")
            assert mail.attempts == 0
    assert {r.recipients[0] for r in smtp.received} == {"asa@lindesberg.example"}
    app.extensions["council_engine"].dispose()


# how much mail ----------------------------------------------------------------------------
def test_mail_a_secretary_asks_for_is_limited_per_token_and_per_council(
        tmp_path: Path, smtp: SmtpServer) -> None:
    app = _app(tmp_path, smtp, token_rate=Rate(3, 3600), council_rate=Rate(5, 3600))
    client = app.test_client()
    council = _council(client, bearer(app))
    member = _members(council)["asa@lindesberg.example"]
    first, second = (bearer(app, "secretary", council["id"]) for _ in range(2))
    for _ in range(3):
        assert client.post(f"/api/members/{member}/link/mail", headers=first).status_code == 200
    limited = client.post(f"/api/members/{member}/link/mail", headers=first)
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600
    assert "one token" in limited.json["detail"]
    for _ in range(2):  # another token of the council, up to the council's limit
        assert client.post(f"/api/members/{member}/link/mail", headers=second).status_code == 200
    council_limited = client.post(f"/api/members/{member}/link/mail", headers=second)
    assert council_limited.status_code == 429 and "council" in council_limited.json["detail"]
    assert int(council_limited.headers["Retry-After"]) >= 1
    assert [m.kind for m in _outbox(app)] == ["link"] * 5
    other = _council(client, bearer(app))  # another council's mail is its own
    other_member = _members(other)["asa@lindesberg.example"]
    assert client.post(f"/api/members/{other_member}/link/mail",
                       headers=bearer(app, "secretary", other["id"])).status_code == 200
    app.extensions["council_engine"].dispose()


def test_a_page_says_in_swedish_when_mail_is_limited(tmp_path: Path, smtp: SmtpServer) -> None:
    app = _app(tmp_path, smtp, token_rate=Rate(1, 3600))
    client = app.test_client()
    council = _council(client, bearer(app))
    member = _members(council)["asa@lindesberg.example"]
    secretary = bearer(app, "secretary", council["id"])
    assert client.post(f"/api/members/{member}/link/mail", headers=secretary).status_code == 200
    secret = secretary["Authorization"].removeprefix("Bearer ")
    assert client.post("/sign-in", data={"token": secret}).status_code == 302
    answer = client.post(f"/members/{member}/link/mail", follow_redirects=True,
                         headers={"Accept-Language": "sv"})
    assert answer.status_code == 200
    assert "för mycket e-post" in answer.get_data(as_text=True)
    assert len(_outbox(app)) == 1
    app.extensions["council_engine"].dispose()

