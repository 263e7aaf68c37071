"""On PostgreSQL a server process hears of every committed change a feed may show: while
nothing changes it answers a known feed link without a query, a change or a replaced link
made by another process shows as soon as the database passes the notification on, and a
lost listening connection only makes it ask the database again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from scheduler.storage.changes import FeedChecks

from .databases import database
from .test_feed_changes import _setup


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Flask]]:
    """Two apps over one PostgreSQL database, as two server processes would be."""
    with database("postgresql", tmp_path_factory.mktemp("watch")) as engine:
        url = engine.url.render_as_string(hide_password=False)
        apps = [create_app({"DATABASE_URL": url, "TESTING": True}) for _ in range(2)]
        yield apps[0], apps[1]
        for app in apps:
            app.extensions["council_engine"].dispose()


def _checks(app: Flask) -> FeedChecks:
    checks: FeedChecks = app.extensions["council_services"].feed_check
    return checks


def _soon(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """True once ``condition`` holds, trying until ``seconds`` have passed."""
    until = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > until:
            return False
        time.sleep(0.01)
    return True


def _listening(app: Flask) -> bool:
    watch = _checks(app).watch
    assert watch is not None
    return _soon(lambda: watch.current() is not None)


def _settled(app: Flask, ask: Callable[[], object]) -> bool:
    """True once asking twice in a row makes no query (late notices of the setup heard)."""
    def quiet() -> bool:
        ask()
        asked = _checks(app).queries
        ask()
        return _checks(app).queries == asked
    return _soon(quiet)


def _known_feed(here: Flask, there: Flask) -> tuple[FlaskClient, str, str, dict[str, str], str, str]:
    """A feed made through ``there`` and read through ``here`` once ``here`` listens: the
    reader, the feed's path and ETag, the secretary's headers, the member, the meeting."""
    _client, headers, rep, meeting, url = _setup(there)
    reader = here.test_client()
    etag = reader.get(url).headers["ETag"]
    assert _listening(here)
    return reader, url, etag, headers, rep, meeting


def test_a_known_link_is_answered_without_a_query_while_nothing_changes(
        two: tuple[Flask, Flask]) -> None:
    here, there = two
    reader, url, etag, *_ = _known_feed(here, there)
    assert _settled(here, lambda: reader.get(url, headers={"If-None-Match": etag}))
    asked = _checks(here).queries
    for _ in range(20):
        assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert reader.get(url).status_code == 200
    assert _checks(here).queries == asked


def test_a_change_and_a_replaced_link_from_another_process_are_heard(
        two: tuple[Flask, Flask]) -> None:
    here, there = two
    reader, url, etag, headers, rep, meeting = _known_feed(here, there)
    assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304
    writer = there.test_client()
    assert writer.patch(f"/api/meetings/{meeting}", headers=headers,
                        json={"status": "cancelled"}).status_code == 200
    assert _soon(lambda: reader.get(url, headers={"If-None-Match": etag}).status_code == 200)
    changed = reader.get(url)
    assert b"STATUS:CANCELLED" in changed.data and changed.headers["ETag"] != etag
    assert writer.post(f"/api/members/{rep}/feed/rotate", headers=headers).status_code == 200
    assert _soon(lambda: reader.get(url).status_code == 404)
    assert reader.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 404


def test_a_write_no_feed_shows_keeps_the_answers(two: tuple[Flask, Flask]) -> None:
    here, there = two
    reader, url, etag, *_ = _known_feed(here, there)
    assert _settled(here, lambda: reader.get(url, headers={"If-None-Match": etag}))
    there.extensions["council_services"].create_token("admin")  # no feed shows a token
    time.sleep(0.2)  # had it been told, the watch would have heard by now
    asked = _checks(here).queries
    assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert _checks(here).queries == asked


def test_a_lost_listening_connection_means_asking_until_it_listens_again(
        two: tuple[Flask, Flask]) -> None:
    here, there = two
    reader, url, etag, headers, rep, _meeting = _known_feed(here, there)
    watch = _checks(here).watch
    assert watch is not None and watch._listener is not None
    listener = watch._listener.backend_pid
    engine: sa.Engine = here.extensions["council_engine"]
    with engine.connect() as db:  # as when the server ends the listener's backend
        assert db.exec_driver_sql("SELECT pg_terminate_backend(%s)", (listener,)).scalar_one()
    assert there.test_client().post(f"/api/members/{rep}/feed/rotate",
                                    headers=headers).status_code == 200
    # heard before the end, or asked of the database after it: the replaced link is refused
    assert _soon(lambda: reader.get(url, headers={"If-None-Match": etag}).status_code == 404)
    assert _soon(lambda: watch._listener is not None and watch._listener.listening
                 and watch._listener.backend_pid != listener)  # and it listens again
    *_, other = _setup(there)
    assert reader.get(other).status_code == 200
