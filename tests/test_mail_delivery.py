"""Delivering the outbox to a real SMTP server (aiosmtpd): each message once, retried with
backoff while the server is away, given up when refused for good; logins, STARTTLS and
TLS; the settings read from the environment without ever showing the password."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import functools
import smtplib
import ssl
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from calendars.write import OutgoingEvent
from scheduler.errors import InputError
from scheduler.mail import (
    DrainResult,
    MailSettings,
    drain,
    link_mail,
    meeting_mail,
    retry_at,
    send_one,
)
from scheduler.rates import Rate
from scheduler.records import MailRecord, OutgoingMail
from scheduler.storage.unit_of_work import SqlUnitOfWork

from .databases import database
from .js.reader import ical_js
from .smtp_server import SmtpServer, self_signed

pytestmark = pytest.mark.network

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SENDER = "Kulturrådet <kalender@region.se>"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    with database(request.param, tmp_path) as made:
        yield made


@pytest.fixture
def uow(engine: sa.Engine) -> Callable[..., SqlUnitOfWork]:
    def factory(write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, write=write)
    return factory


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    made = SmtpServer().start()
    yield made
    made.stop()


def settings_for(server: SmtpServer, **changes: object) -> MailSettings:
    fields: dict[str, object] = {"host": "127.0.0.1", "port": server.port, "sender": SENDER,
                                 "timeout": 5.0}
    return MailSettings(**{**fields, **changes})  # type: ignore[arg-type]


def invitation(recipient: str = "asa@kumla.se", key: str | None = "m1:1") -> OutgoingMail:
    event = OutgoingEvent("m1@council-scheduler", dt.datetime(2027, 3, 2, 13, tzinfo=STOCKHOLM),
                          dt.datetime(2027, 3, 2, 16, tzinfo=STOCKHOLM), "Kulturrådet",
                          sequence=1)
    return meeting_mail(sender=SENDER, recipient=recipient, name="Åsa Öberg", language="sv",
                        council="Kulturrådet", zone="Europe/Stockholm", event=event,
                        method="REQUEST", reason="confirmed", dedupe_key=key)


def note(n: int) -> OutgoingMail:
    return link_mail(sender=SENDER, recipient=f"member{n}@kumla.se", name=f"Ledamot {n}",
                     language="sv", council="Kulturrådet", url=f"https://x/my/{n}",
                     dedupe_key=f"link:{n}")


def add(uow: Callable[..., SqlUnitOfWork], *mails: OutgoingMail) -> list[str]:
    with uow() as work:
        ids = [work.outbox.add(mail) for mail in mails]
        work.commit()
    assert None not in ids
    return [i for i in ids if i is not None]


def listing(uow: Callable[..., SqlUnitOfWork]) -> dict[str, MailRecord]:
    with uow(write=False) as work:
        return {mail.id: mail for mail in work.outbox.listing()}


def soon() -> dt.datetime:
    """A moment just after every message added so far is due."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)


def test_a_meeting_mail_arrives_at_the_server_with_its_imip_part(uow, server) -> None:
    (mail_id,) = add(uow, invitation())
    assert drain(uow, settings_for(server)) == DrainResult(sent=1)
    (received,) = server.received
    assert (received.sender, received.recipients) == ("kalender@region.se", ["asa@kumla.se"])
    message = received.message
    assert str(message["To"]) == "Åsa Öberg <asa@kumla.se>"
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == part.get_param("method") == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"]) == ("m1@council-scheduler", 1)
    assert ical_js(data)["events"][0]["uid"] == "m1@council-scheduler"
    record = listing(uow)[mail_id]
    assert (record.state, record.attempts, record.last_error) == ("sent", 1, None)
    assert record.sent_at is not None


def test_a_message_recorded_as_sent_is_never_sent_again(uow, server) -> None:
    add(uow, invitation())
    drain(uow, settings_for(server))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert drain(uow, settings_for(server), now=later) == DrainResult()
    assert server.count() == 1


def test_with_the_server_away_mail_waits_and_then_goes_out_exactly_once(uow, server) -> None:
    (mail_id,) = add(uow, invitation())
    server.stop()
    first = soon()
    assert drain(uow, settings_for(server), now=first) == DrainResult(failed=1)
    record = listing(uow)[mail_id]
    assert (record.state, record.attempts) == ("pending", 1)
    assert record.next_attempt_at == first.replace(microsecond=first.microsecond) + \
        dt.timedelta(minutes=1)
    assert record.last_error and "refused" in record.last_error.lower()
    server.start()
    assert drain(uow, settings_for(server), now=first + dt.timedelta(seconds=30)) == DrainResult()
    assert server.count() == 0
    assert drain(uow, settings_for(server), now=first + dt.timedelta(minutes=1)) == \
        DrainResult(sent=1)
    assert drain(uow, settings_for(server), now=first + dt.timedelta(hours=1)) == DrainResult()
    assert server.count() == 1
    assert listing(uow)[mail_id].state == "sent"


def test_with_the_server_away_a_drain_stops_at_the_first_failure(uow, server) -> None:
    add(uow, *(note(n) for n in range(3)))
    server.stop()
    assert drain(uow, settings_for(server), now=soon()) == DrainResult(failed=1)
    assert sorted(m.attempts for m in listing(uow).values()) == [0, 0, 1]
    server.start()
    assert drain(uow, settings_for(server), now=soon() + dt.timedelta(minutes=1)) == \
        DrainResult(sent=3)
    assert server.count() == 3


def test_two_drains_at_once_deliver_every_message_once(uow, server) -> None:
    add(uow, *(note(n) for n in range(12)))
    results: list[DrainResult] = []

    def slow(settings: MailSettings, mail: MailRecord) -> None:
        time.sleep(0.02)
        send_one(settings, mail)

    threads = [threading.Thread(target=lambda: results.append(
        drain(uow, settings_for(server), sender=slow))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(r.sent for r in results) == 12
    ids = [r.message["Message-ID"] for r in server.received]
    assert len(ids) == len(set(ids)) == 12
    assert sorted(r.recipients[0] for r in server.received) == sorted(
        f"member{n}@kumla.se" for n in range(12))


def test_a_message_leased_by_a_sender_that_died_waits_for_its_lease(uow, server) -> None:
    add(uow, invitation())
    start = soon()
    with uow() as work:
        assert work.outbox.claim(start, dt.timedelta(minutes=5)) is not None
        work.commit()  # and then the sender died before sending
    assert drain(uow, settings_for(server), now=start + dt.timedelta(minutes=4)) == DrainResult()
    assert drain(uow, settings_for(server), now=start + dt.timedelta(minutes=6)) == \
        DrainResult(sent=1)
    assert server.count() == 1


def test_retries_back_off_doubling_to_six_hours_and_give_up_after_twelve_tries(uow) -> None:
    (mail_id,) = add(uow, note(1))

    def down(settings: MailSettings, mail: MailRecord) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    settings = MailSettings("127.0.0.1", 1)
    at, waits = soon(), []
    for _ in range(11):
        assert drain(uow, settings, now=at, sender=down) == DrainResult(failed=1)
        record = listing(uow)[mail_id]
        waits.append(record.next_attempt_at - at)
        at = record.next_attempt_at
    assert [w // dt.timedelta(minutes=1) for w in waits] == [
        1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]
    assert drain(uow, settings, now=at, sender=down) == DrainResult(dead=1)
    record = listing(uow)[mail_id]
    assert (record.state, record.attempts) == ("dead", 12)
    assert "Connection refused" in (record.last_error or "")
    assert drain(uow, settings, now=at + dt.timedelta(days=9), sender=down) == DrainResult()
    assert retry_at(40, at, OSError()) is None


def test_a_recipient_refused_for_good_is_given_up_and_the_rest_go_out(uow, server) -> None:
    server.refused.add("gone@kumla.se")
    gone, kept = add(uow, invitation("gone@kumla.se", "gone"), invitation("asa@kumla.se", "kept"))
    assert drain(uow, settings_for(server)) == DrainResult(sent=1, dead=1)
    records = listing(uow)
    assert records[gone].state == "dead"
    assert "550" in (records[gone].last_error or "")
    assert records[kept].state == "sent"
    assert [r.recipients for r in server.received] == [["asa@kumla.se"]]


def test_a_login_is_used_when_the_settings_have_a_user(uow) -> None:
    server = SmtpServer(login=("kalender", "hemligt ord")).start()
    try:
        add(uow, invitation())
        wrong = settings_for(server, username="kalender", password="fel")
        assert drain(uow, wrong, now=soon()) == DrainResult(failed=1)
        (record,) = listing(uow).values()
        assert record.last_error and "535" in record.last_error and "fel" not in record.last_error
        without = settings_for(server)
        assert drain(uow, without, now=soon() + dt.timedelta(minutes=1)) == DrainResult(failed=1)
        right = settings_for(server, username="kalender", password="hemligt ord")
        assert drain(uow, right, now=soon() + dt.timedelta(minutes=5)) == DrainResult(sent=1)
        assert server.count() == 1
    finally:
        server.stop()


def test_starttls_is_used_when_asked_and_the_certificate_is_checked(uow, tmp_path) -> None:
    cert, key = self_signed(tmp_path)
    server = SmtpServer(tls=(cert, key)).start()
    try:
        add(uow, invitation())
        trusted = ssl.create_default_context(cafile=str(cert))
        plain = settings_for(server)
        assert drain(uow, plain, now=soon()) == DrainResult(failed=1)  # the server wants TLS
        starttls = settings_for(server, security="starttls")
        assert drain(uow, starttls, now=soon() + dt.timedelta(minutes=1)) == DrainResult(failed=1)
        (record,) = listing(uow).values()
        assert "certificate" in (record.last_error or "").lower()
        assert drain(uow, starttls, now=soon() + dt.timedelta(minutes=5),
                     sender=functools.partial(send_one, context=trusted)) == DrainResult(sent=1)
        assert server.count() == 1
    finally:
        server.stop()


def test_smtps_speaks_tls_from_the_start(uow, tmp_path) -> None:
    cert, key = self_signed(tmp_path)
    server = SmtpServer(tls=(cert, key), implicit_tls=True).start()
    try:
        add(uow, invitation())
        trusted = ssl.create_default_context(cafile=str(cert))
        assert drain(uow, settings_for(server, security="ssl"), now=soon(),
                     sender=functools.partial(send_one, context=trusted)) == DrainResult(sent=1)
        assert server.received[0].recipients == ["asa@kumla.se"]
    finally:
        server.stop()


# settings ---------------------------------------------------------------------------------
def test_mail_is_off_without_an_smtp_url() -> None:
    assert MailSettings.from_env({}) is None
    assert MailSettings.from_env({"SCHEDULER_SMTP_URL": "  "}) is None


def test_an_smtp_url_gives_host_port_security_and_a_percent_decoded_login() -> None:
    settings = MailSettings.from_env({
        "SCHEDULER_SMTP_URL": "smtp://kalender%40region.se:p%C3%A5%3A%2F%40ss@mail.region.se:587"
                              "?starttls=true",
        "SCHEDULER_MAIL_FROM": "Kulturrådet <kultur@region.se>"})
    assert settings == MailSettings("mail.region.se", 587, "starttls", "kalender@region.se",
                                    "på:/@ss", "Kulturrådet <kultur@region.se>", 30.0)
    assert settings.sender_address == "kultur@region.se"
    assert "på" not in repr(settings) and "ss" not in settings.redacted()
    assert settings.redacted() == ("smtp://kalender%40region.se:***@mail.region.se:587"
                                   "?starttls=true (from Kulturrådet <kultur@region.se>)")


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://localhost", ("localhost", 25, "plain", None, "kalender@localhost")),
    ("smtp://localhost:2525?starttls=false", ("localhost", 2525, "plain", None,
                                              "kalender@localhost")),
    ("smtps://bo@mail.example.org", ("mail.example.org", 465, "ssl", "bo", "kalender@localhost")),
    ("SMTP://u%40x.se:pw@[::1]:25", ("::1", 25, "plain", "u@x.se", "u@x.se")),
])
def test_ports_and_the_sender_have_sensible_defaults(url: str, expected: tuple[object, ...]) -> None:
    settings = MailSettings.from_env({"SCHEDULER_SMTP_URL": url})
    assert settings is not None
    assert (settings.host, settings.port, settings.security, settings.username,
            settings.sender) == expected


@pytest.mark.parametrize("url", [
    "http://u:s3cret@host:25", "smtp://u:s3cret@host:99999", "smtp://u:s3cret@host:port",
    "smtp://u:s3cret@:25", "smtp://u:s3cret@host:25/path", "smtp://u:s3cret@host:25?tls=yes",
    "smtp://u:s3cret@host:25?starttls=maybe", "smtps://u:s3cret@host?starttls=true",
    "smtp://u:s3cret@host:25?timeout=-1", "smtp://:s3cret@host:25", "smtp://u:s3cret@[host:25",
    "s3cret", "smtp://u:s3cret@host:0", "smtp://u:s3cr/et@host:25"])
def test_a_malformed_smtp_url_names_the_variable_and_never_the_password(url: str) -> None:
    with pytest.raises(InputError) as caught:
        MailSettings.from_env({"SCHEDULER_SMTP_URL": url})
    said = str(caught.value)
    assert said.startswith("SCHEDULER_SMTP_URL: ")
    assert "s3cr" not in said and "cr/et" not in said
    shown = "".join(traceback.format_exception(caught.value))  # as a log would show it
    assert "s3cr" not in shown and "cr/et" not in shown


@pytest.mark.parametrize("sender", ["kalender", "a@b\r\nBcc: eve@x.se", "<>", "Name <a b@c>"])
def test_a_sender_that_is_not_one_address_is_refused(sender: str) -> None:
    with pytest.raises(InputError, match=r"^SCHEDULER_MAIL_FROM: "):
        MailSettings.from_env({"SCHEDULER_SMTP_URL": "smtp://localhost:25",
                               "SCHEDULER_MAIL_FROM": sender})


def test_send_one_raises_when_the_server_refuses(server) -> None:
    server.refused.add("gone@kumla.se")
    mail = invitation("gone@kumla.se")
    record = MailRecord("x", dt.datetime.now(dt.UTC), mail.recipient, mail.subject, mail.kind,
                        mail.message, "pending", 1, dt.datetime.now(dt.UTC), None, None)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_one(settings_for(server), record)


# internationalised and bad addresses ---------------------------------------------------------
IDN_SENDER = "Rådet <rådet@örebro.example>"


def link_to(recipient: str, sender: str = SENDER, key: str | None = None) -> OutgoingMail:
    return link_mail(sender=sender, recipient=recipient, name="Åsa", language="sv",
                     council="Kulturrådet", url="https://moten.example/my/cs_x", dedupe_key=key)


@pytest.mark.parametrize("sender", ["rådet@örebro.example", IDN_SENDER,
                                    "Kalendern <kalender@xn--rebro-iua.example>"])
def test_an_internationalised_sender_is_accepted(sender: str) -> None:
    settings = MailSettings.from_env({"SCHEDULER_SMTP_URL": "smtp://localhost:25",
                                      "SCHEDULER_MAIL_FROM": sender})
    assert settings is not None and settings.sender == sender
    assert settings.envelope_sender.endswith("@xn--rebro-iua.example")


def test_internationalised_addresses_go_out_with_smtputf8_and_the_domain_as_idna(uow) -> None:
    server = SmtpServer(smtputf8=True).start()
    try:
        add(uow, link_to("åsa@örebro.example", IDN_SENDER, "a"),
            link_to("asa@örebro.example", IDN_SENDER, "b"))
        assert drain(uow, settings_for(server, sender=IDN_SENDER)) == DrainResult(sent=2)
        got = {r.recipients[0]: r for r in server.received}
        assert set(got) == {"åsa@xn--rebro-iua.example", "asa@xn--rebro-iua.example"}
        assert {r.sender for r in got.values()} == {"rådet@xn--rebro-iua.example"}
        message = email.message_from_string(got["åsa@xn--rebro-iua.example"].data.decode(),
                                            policy=email.policy.default)  # UTF-8 headers
        assert message["To"].addresses[0].addr_spec == "åsa@örebro.example"
        assert message["From"].addresses[0].display_name == "Rådet"
    finally:
        server.stop()


def test_without_smtputf8_an_idn_domain_goes_as_idna_and_a_local_part_beyond_ascii_is_given_up(
        uow, server) -> None:
    utf8, idna = add(uow, link_to("åsa@örebro.example", key="a"),
                     link_to("asa@örebro.example", key="b"))
    assert drain(uow, settings_for(server)) == DrainResult(sent=1, dead=1)
    records = listing(uow)
    assert records[utf8].state == "dead" and records[utf8].attempts == 1
    assert "SMTPUTF8" in (records[utf8].last_error or "")
    assert records[idna].state == "sent"
    assert [r.recipients for r in server.received] == [["asa@xn--rebro-iua.example"]]
    assert server.received[0].data.isascii()


def test_an_address_that_cannot_be_one_is_given_up_at_its_first_try_and_never_sent(
        uow, server) -> None:
    good = link_to("asa@kumla.se")
    stored_before = OutgoingMail("anna@kumla", good.subject, good.kind, good.message, "x")
    bad, kept = add(uow, stored_before, link_to("asa@kumla.se", key="y"))
    assert drain(uow, settings_for(server)) == DrainResult(sent=1, dead=1)
    records = listing(uow)
    assert (records[bad].state, records[bad].attempts) == ("dead", 1)
    assert (records[bad].last_error or "").startswith("recipient cannot be sent to: not an e-mail")
    assert records[kept].state == "sent"
    assert [r.recipients for r in server.received] == [["asa@kumla.se"]]


def test_a_mail_rate_is_read_from_the_environment_and_a_malformed_one_names_its_variable() -> None:
    env = {"SCHEDULER_SMTP_URL": "smtp://localhost:25", "SCHEDULER_MAIL_RATE_TOKEN": "3/60",
           "SCHEDULER_MAIL_RATE_COUNCIL": "10/3600"}
    settings = MailSettings.from_env(env)
    assert settings is not None
    assert (settings.token_rate, settings.council_rate) == (Rate(3, 60), Rate(10, 3600))
    default = MailSettings.from_env({"SCHEDULER_SMTP_URL": "smtp://localhost:25"})
    assert default is not None and default.token_rate == Rate(20, 600)
    with pytest.raises(InputError, match=r"^SCHEDULER_MAIL_RATE_COUNCIL: "):
        MailSettings.from_env({**env, "SCHEDULER_MAIL_RATE_COUNCIL": "often"})
