"""Which queue: ``SCHEDULER_QUEUE_URL`` unset is the embedded default (an SQLite file, no
server), ``redis://HOST:PORT/DB`` is Redis (any number of workers on any machines), and
``immediate:`` runs each task at once in the caller (tests)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import InputError

__all__ = ["QueueTarget", "queue_target", "queue_url", "redacted_url"]

QueueKind = Literal["embedded", "redis", "immediate"]


@dataclass(frozen=True)
class QueueTarget:
    """A queue to open: its kind, and the SQLite file (embedded) or Redis URL."""

    kind: QueueKind
    location: str  # a file path, a redis:// URL, or "" (immediate)

    def redacted(self) -> str:
        """Where the queue is, for logs: its kind and location without a user, password,
        query or fragment."""
        return f"{self.kind} {redacted_url(self.location)}".strip()


def redacted_url(url: str) -> str:
    """A URL (or a file path) fit for a log: the scheme, host, port and path only; the
    user and password, the query (it may hold a password) and the fragment are left out."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a port: the whole network location is left out
        port = None
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    where = f"{host}:{port}" if port is not None else host
    return f"{parts.scheme}://{where}{parts.path}"


def queue_url(environ: Mapping[str, str] | None = None) -> str:
    """``SCHEDULER_QUEUE_URL`` ("" when unset)."""
    env = os.environ if environ is None else environ
    return env.get("SCHEDULER_QUEUE_URL", "").strip()


def _embedded_file(database_url: str | None) -> Path:
    """The embedded queue's file, one per database: beside the database's SQLite file
    (``NAME-queue.sqlite``, any SQLite dialect); for an SQLite database in memory, one of
    this process in the temporary folder; for any other database, in the user's data
    folder under a short hash of its URL without the password (so deployments on other
    databases never share a queue)."""
    try:
        url = make_url(database_url) if database_url else None
    except ArgumentError:
        url = None
    if url is None:
        return _data_folder() / "queue.sqlite"
    if url.get_backend_name() == "sqlite":
        database = (url.database or "").removeprefix("file:").split("?", 1)[0]
        if database and database != ":memory:" and url.query.get("mode") != "memory":
            path = Path(database)
            return path.with_name(f"{path.stem}-queue.sqlite")
        return Path(tempfile.gettempdir()) / f"council-scheduler-queue-{os.getpid()}.sqlite"
    query = {key: value for key, value in url.query.items() if key.lower() != "password"}
    plain = URL.create(url.drivername, url.username, None, url.host, url.port, url.database,
                       query).render_as_string(hide_password=False)
    digest = hashlib.sha256(plain.encode("utf-8")).hexdigest()[:12]
    return _data_folder() / f"queue-{digest}.sqlite"


def _data_folder() -> Path:
    folder = Path(user_data_dir("council-scheduler", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def queue_target(url: str, database_url: str | None = None) -> QueueTarget:
    """The queue a URL names (InputError naming SCHEDULER_QUEUE_URL for one it cannot)."""
    url = url.strip()
    if not url:
        return QueueTarget("embedded", str(_embedded_file(database_url)))
    if url == "immediate:":
        return QueueTarget("immediate", "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return QueueTarget("redis", url)
    raise InputError("must be empty (the embedded queue), redis://HOST:PORT/DB or immediate:",
                     field="SCHEDULER_QUEUE_URL")
