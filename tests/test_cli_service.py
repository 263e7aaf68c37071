"""``scheduler db upgrade`` and ``scheduler token``: the contract's last-line token."""

from __future__ import annotations

from scheduler.cli import main
from scheduler.services import open_services
from scheduler.storage.database import head_revision


def test_db_upgrade_then_tokens_created_listed_and_revoked(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert f"revision {head_revision()}" in capsys.readouterr().out
    assert main(["token", "create", "--role", "admin", "--label", "drift"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    token = open_services(url, link_key='tests')[0].authenticate(secret)
    assert token is not None and token.role == "admin"
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert token.id in listing and secret not in listing
    assert main(["token", "revoke", token.id]) == 0
    assert open_services(url, link_key='tests')[0].authenticate(secret) is None


def test_token_errors_exit_2_naming_the_option(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert main(["token", "create", "--role", "secretary"]) == 2
    assert capsys.readouterr().err == "error: --council: a secretary token needs a council\n"
    assert main(["token", "revoke", "nope"]) == 2
    assert capsys.readouterr().err == "error: ID: no active token 'nope'\n"


def test_an_unreachable_database_is_one_line_and_exit_1(monkeypatch, capsys):
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["token", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: OperationalError") and err.count("\n") == 1
