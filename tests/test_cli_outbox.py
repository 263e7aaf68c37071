"""``scheduler outbox list|send``: the mail not yet delivered, one line each, and sending it
through the server of SCHEDULER_SMTP_URL; without it, mail is off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scheduler.cli import main
from scheduler.mail import link_mail
from scheduler.storage.database import make_engine, upgrade
from scheduler.storage.unit_of_work import SqlUnitOfWork

from .smtp_server import SmtpServer

pytestmark = pytest.mark.network


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    """An empty, migrated SQLite database named by SCHEDULER_DATABASE_URL; mail off."""
    made = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", made)
    monkeypatch.delenv("SCHEDULER_SMTP_URL", raising=False)
    monkeypatch.delenv("SCHEDULER_MAIL_FROM", raising=False)
    return made


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    made = SmtpServer().start()
    yield made
    made.stop()


def add_mail(url: str, *recipients: str) -> list[str]:
    engine = make_engine(url)
    upgrade(engine)
    with SqlUnitOfWork(engine) as uow:
        ids = [uow.outbox.add(link_mail(sender="kalender@region.se", recipient=recipient,
                                        name="Åsa Öberg", language="sv", council="Kulturrådet",
                                        url="https://x/my/1")) for recipient in recipients]
        uow.commit()
    engine.dispose()
    return [i for i in ids if i is not None]


def test_list_shows_each_waiting_message_on_one_line(url, capsys) -> None:
    (mail_id,) = add_mail(url, "asa@kumla.se")
    assert main(["outbox", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{mail_id}  pending   0  asa@kumla.se  Din personliga länk: Kulturrådet",
                     "1 pending, 0 given up, 0 sent"]


def test_list_of_an_empty_outbox_says_so(url, capsys) -> None:
    assert main(["outbox", "list"]) == 0
    assert capsys.readouterr().out == "0 pending, 0 given up, 0 sent\n"


def test_send_without_smtp_says_mail_is_off_and_exits_2(url, capsys) -> None:
    add_mail(url, "asa@kumla.se")
    assert main(["outbox", "send"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "mail is off: set SCHEDULER_SMTP_URL\n")


def test_send_delivers_what_is_due_and_list_all_shows_it_sent(url, server, monkeypatch,
                                                             capsys) -> None:
    ids = add_mail(url, "asa@kumla.se", "bo@nora.se")
    monkeypatch.setenv("SCHEDULER_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    monkeypatch.setenv("SCHEDULER_MAIL_FROM", "Kulturrådet <kalender@region.se>")
    assert main(["outbox", "send"]) == 0
    assert capsys.readouterr().out == "2 sent, 0 failed\n"
    assert sorted(r.recipients[0] for r in server.received) == ["asa@kumla.se", "bo@nora.se"]
    assert {r.sender for r in server.received} == {"kalender@region.se"}
    assert main(["outbox", "send"]) == 0
    assert capsys.readouterr().out == "0 sent, 0 failed\n"
    assert server.count() == 2
    assert main(["outbox", "list"]) == 0
    assert capsys.readouterr().out == "0 pending, 0 given up, 2 sent\n"
    assert main(["outbox", "list", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[0] for line in lines[:-1]) == sorted(ids)
    assert all("  sent      1  " in line for line in lines[:-1])


def test_send_with_the_server_away_fails_softly_and_the_mail_waits(url, server, monkeypatch,
                                                                  capsys) -> None:
    (mail_id,) = add_mail(url, "asa@kumla.se")
    monkeypatch.setenv("SCHEDULER_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    server.stop()
    assert main(["outbox", "send"]) == 1
    assert capsys.readouterr().out == "0 sent, 1 failed\n"
    assert main(["outbox", "list"]) == 0
    (line, total) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{mail_id}  pending   1  asa@kumla.se  Din personliga länk")
    assert "(ConnectionRefusedError: [Errno 111] Connection refused)" in line
    assert total == "1 pending, 0 given up, 0 sent"


def test_a_malformed_smtp_url_is_one_line_without_the_password(url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SCHEDULER_SMTP_URL", "smtp://kalender:s3cret@mail.region.se:port")
    assert main(["outbox", "send"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: SCHEDULER_SMTP_URL: ") and err.count("\n") == 1
    assert "s3cret" not in err
