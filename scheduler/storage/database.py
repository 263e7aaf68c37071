"""Which database, how to connect, and bringing its schema up to date."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from platformdirs import user_data_dir

__all__ = ["current_revision", "database_url", "make_engine", "upgrade"]

_MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(environ: dict[str, str] | None = None) -> str:
    """``SCHEDULER_DATABASE_URL``, else an SQLite file in the user's data folder."""
    env = os.environ if environ is None else environ
    url = env.get("SCHEDULER_DATABASE_URL", "").strip()
    if url:
        return url
    folder = Path(user_data_dir("council-scheduler", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'scheduler.sqlite'}"


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    connection.isolation_level = None  # transactions are begun by _sqlite_begin
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    """A use case that writes takes the write lock when it starts, so a read followed by a
    write cannot fail halfway because another writer came in between (SQLITE_BUSY)."""
    write = connection.info.get("write", True)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> sa.Engine:
    """An engine for the URL; SQLite in WAL mode with foreign keys enforced."""
    engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine) -> str:
    """Apply every migration not yet applied; return the revision now current."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), "head")
    return current_revision(engine) or ""


def current_revision(engine: sa.Engine) -> str | None:
    """The schema revision the database is at (None when never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision the code knows."""
    with make_engine("sqlite://").connect() as connection:
        head = ScriptDirectory.from_config(_config(connection)).get_current_head()
    return head or ""
