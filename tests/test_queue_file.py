"""The embedded queue's file is the database's own: beside an SQLite file whatever its
dialect's name, and for another database a file named by a hash of its URL without the
password, so two deployments on different databases never share one queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.jobs import queue_url
from scheduler.jobs.queue_url import queue_target


@pytest.fixture
def data_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setattr(queue_url, "user_data_dir", lambda *_a, **_k: str(folder))
    return folder


def embedded(database_url: str) -> Path:
    target = queue_target("", database_url)
    assert target.kind == "embedded"
    return Path(target.location)


@pytest.mark.parametrize("dialect", ["sqlite", "sqlite+pysqlite"])
def test_the_queue_lies_beside_an_sqlite_file_of_any_dialect(tmp_path, data_folder, dialect):
    assert embedded(f"{dialect}:///{tmp_path}/app.sqlite") == tmp_path / "app-queue.sqlite"
    assert embedded(f"{dialect}:///{tmp_path}/app.sqlite?timeout=5") == \
        tmp_path / "app-queue.sqlite"
    assert not data_folder.exists()


def test_databases_on_a_server_have_queues_of_their_own(data_folder):
    one = embedded("postgresql+psycopg://app:pw@db.example:5432/one")
    other = embedded("postgresql+psycopg://app:pw@db.example:5432/two")
    elsewhere = embedded("postgresql+psycopg://app:pw@db2.example:5432/one")
    assert len({one, other, elsewhere}) == 3
    assert {one.parent, other.parent, elsewhere.parent} == {data_folder}
    assert one.name.startswith("queue-") and "pw" not in one.name and "one" not in one.name
    # the password (in the URL or its query) does not make it another database
    assert embedded("postgresql+psycopg://app:secret@db.example:5432/one") == one
    assert embedded("postgresql+psycopg://app@db.example:5432/one?password=pw") == one


def test_a_database_in_memory_gets_a_queue_of_this_process(data_folder):
    found = embedded("sqlite://")
    assert found != embedded("postgresql+psycopg://app@db.example/one")
    assert found == embedded("sqlite:///:memory:")
