"""Real databases for storage tests: an SQLite file, and PostgreSQL on 127.0.0.1:5432.

PostgreSQL tests get a database of their own, created and dropped around them. Where
the server is absent they are skipped, but in CI (CI=true) that is a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from api import create_app
from scheduler.services import Services, open_services
from scheduler.storage.database import make_engine, upgrade

from .fakes import fake_services

ADMIN_URL = os.environ.get("SCHEDULER_TEST_POSTGRES",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


@contextmanager
def database(kind: str, folder: Path) -> Iterator[sa.Engine]:
    """A migrated, empty database of the given kind (``sqlite`` or ``postgresql``)."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'test.sqlite'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    with postgres_database_url() as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_database_url() -> Iterator[str]:
    """The URL of an empty PostgreSQL database of the caller's own, dropped afterwards (its
    admin connections check themselves before use, so the server may restart meanwhile)."""
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"cs_test_{secrets.token_hex(4)}"
    try:
        with admin.connect() as db:
            db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}")
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as db:
            db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def services_over(kind: str, folder: Path) -> Iterator[Services]:
    """Services over a migrated, empty database of the given kind (``fake``: in memory)."""
    if kind == "fake":
        yield fake_services()
        return
    with database(kind, folder) as engine:
        made, own = open_services(engine.url.render_as_string(hide_password=False),
                                  link_key="tests")
        try:
            yield made
        finally:
            own.dispose()


@contextmanager
def app_over(kind: str, folder: Path) -> Iterator[Flask]:
    """A test app over a migrated, empty database of the given kind."""
    with database(kind, folder) as engine:
        made = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                           "TESTING": True})
        try:
            yield made
        finally:
            made.extensions["council_engine"].dispose()
