"""A feed's version is kept in memory by each server process and checked by one indexed
read (on PostgreSQL, none while the process hears of no change: test_feed_watch): a
change or a rotated link made by another process shows (on SQLite at once), nothing is
worked out again while nothing changed, and only writes a feed may show move the stamp."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from api import create_app
from scheduler.storage.changes import written_table
from scheduler.storage.database import make_engine, upgrade
from scheduler.storage.links import LinkRepository

from .databases import ADMIN_URL, database, postgres_database_url

COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm",
    "parties": [{"id": "nora", "members": [
        {"name": "Anna Ek", "role": "representative"}, {"name": "Erik Ek", "role": "substitute"}]}],
}
OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def two(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Flask]]:
    """Two apps over one database, as two server processes would be."""
    with database(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        url = engine.url.render_as_string(hide_password=False)
        apps = [create_app({"DATABASE_URL": url, "TESTING": True}) for _ in range(2)]
        yield apps[0], apps[1]
        for app in apps:
            app.extensions["council_engine"].dispose()


def _setup(app: Flask) -> tuple[FlaskClient, dict[str, str], str, str, str]:
    """A council with a confirmed meeting: the client, the secretary's headers, the
    representative, the meeting and the path of the representative's feed."""
    client = app.test_client()
    services = app.extensions["council_services"]
    admin = {"Authorization": f"Bearer {services.create_token('admin')[1]}"}
    council = client.post("/api/councils", json=COUNCIL, headers=admin).get_json()
    secretary = {"Authorization": f"Bearer {services.create_token('secretary', council['id'])[1]}"}
    rep = council["parties"][0]["members"][0]["id"]
    proposal = client.post(f"/api/councils/{council['id']}/proposals", json=OPTIONS,
                           headers=secretary).get_json()
    meeting = client.post(f"/api/proposals/{proposal['id']}/confirm",
                          headers=secretary).get_json()["meetings"][0]["id"]
    url = client.get(f"/api/members/{rep}/feed", headers=secretary).get_json()["url"]
    return client, secretary, rep, meeting, url.removeprefix("http://localhost")


def stamp(app: Flask) -> int:
    with app.extensions["council_engine"].connect() as db:
        return int(db.exec_driver_sql("SELECT stamp FROM feed_changes WHERE id = 1").scalar_one())


def test_a_change_made_by_another_process_shows_and_so_does_a_rotated_link(
        two: tuple[Flask, Flask]) -> None:
    here, there = two
    _client, headers, rep, meeting, url = _setup(there)
    reader = here.test_client()
    first = reader.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304
    writer = there.test_client()
    assert writer.patch(f"/api/meetings/{meeting}", headers=headers,
                        json={"status": "cancelled"}).status_code == 200
    # SQLite: at once; PostgreSQL: once the database has passed the notification on
    changed = _soon(lambda: reader.get(url, headers={"If-None-Match": etag}), 200)
    assert changed.headers["ETag"] != etag
    assert b"STATUS:CANCELLED" in changed.data
    assert writer.post(f"/api/members/{rep}/feed/rotate", headers=headers).status_code == 200
    gone = _soon(lambda: reader.get(url, headers={"If-None-Match": changed.headers["ETag"]}), 404)
    assert gone.mimetype == "application/problem+json"


def _soon(answer: Callable[[], TestResponse], status: int, seconds: float = 5.0) -> TestResponse:
    """The first answer with ``status``, asking again until ``seconds`` have passed."""
    until = time.monotonic() + seconds
    while (found := answer()).status_code != status and time.monotonic() < until:
        time.sleep(0.01)
    assert found.status_code == status
    return found


def test_an_unchanged_feed_is_answered_without_working_its_version_out_again(
        two: tuple[Flask, Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    here, there = two
    _client, headers, rep, meeting, url = _setup(there)
    calls: list[Any] = []
    original = LinkRepository.feed_state

    def counted(self: LinkRepository, secret_hash: str, holds: bool) -> Any:
        calls.append(secret_hash)
        return original(self, secret_hash, holds)

    monkeypatch.setattr(LinkRepository, "feed_state", counted)
    reader = here.test_client()
    etag = reader.get(url).headers["ETag"]
    for _ in range(3):
        assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert reader.get(url).status_code == 200
    assert len(calls) == 1
    there.test_client().post(f"/api/meetings/{meeting}/attendance", headers=headers,
                             json={"member_id": rep, "state": "absent_notice"})
    assert reader.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert len(calls) == 2


def test_only_a_committed_write_that_a_feed_may_show_moves_the_stamp(
        two: tuple[Flask, Flask]) -> None:
    here, _there = two
    client, headers, _rep, meeting, _url = _setup(here)
    services = here.extensions["council_services"]
    before = stamp(here)
    services.create_token("admin")  # no feed shows a token
    client.get(f"/api/meetings/{meeting}", headers=headers)
    assert stamp(here) == before
    engine: sa.Engine = here.extensions["council_engine"]
    with engine.connect() as db, db.begin() as transaction:
        db.exec_driver_sql("UPDATE meetings SET sequence = sequence + 1")
        transaction.rollback()
    assert stamp(here) == before
    client.patch(f"/api/meetings/{meeting}", headers=headers, json={"status": "cancelled"})
    assert stamp(here) == before + 1


@pytest.mark.parametrize(("statement", "table"), [
    ("INSERT INTO meetings (id) VALUES (?)", "meetings"),
    ('  update "members" SET name=%(name)s', "members"),
    ("DELETE FROM attendance WHERE meeting_id = ?", "attendance"),
    ("INSERT OR REPLACE INTO calendars VALUES (?)", "calendars"),
    ("WITH x AS (SELECT 1) UPDATE councils SET name = 'a'", "councils"),
    ("SELECT updated_at FROM meetings", None),
    ("WITH link AS (SELECT member_id FROM feed_tokens) SELECT * FROM link", None),
    ("BEGIN IMMEDIATE", None),
])
def test_the_table_a_statement_writes_is_recognised(statement: str, table: str | None) -> None:
    assert written_table(statement) == table


def test_feeds_answer_again_after_the_database_dropped_every_connection(
        two: tuple[Flask, Flask]) -> None:
    here, there = two
    engine: sa.Engine = here.extensions["council_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("connections are dropped by a PostgreSQL server")
    _client, _headers, _rep, _meeting, url = _setup(there)
    reader = here.test_client()
    etag = reader.get(url).headers["ETag"]
    with engine.connect() as db:  # as when the server restarts: every other backend ends
        db.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert reader.get(url).status_code == 200



def _backends(name: str) -> int:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            return int(db.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)).scalar_one())
    finally:
        admin.dispose()


def test_no_connection_stays_open_once_the_engine_is_disposed() -> None:
    """The pool's and the feed checks' connections all end with the engine, so a server
    process that stops leaves no backend behind."""
    with postgres_database_url() as url:
        migrating = make_engine(url)
        upgrade(migrating)
        migrating.dispose()
        name = url.rsplit("/", 1)[1]
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        *_, feed = _setup(app)
        assert app.test_client().get(feed).status_code == 200
        assert _backends(name) >= 2  # a pooled connection and a feed check's
        app.extensions["council_engine"].dispose()
        assert _backends(name) == 0
