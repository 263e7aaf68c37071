"""Knowing cheaply that nothing a feed shows has changed, in every process at once.

Every transaction that writes to a table members' feeds may show (any table but the
few listed below) adds one to ``feed_changes.stamp`` as it commits. A server process
that has worked out a feed's version at some stamp may answer with it while one indexed
read finds the same stamp and the link still active; any write, by any process on any
machine, moves the stamp, and the next request works the version out again.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from typing import Any

import sqlalchemy as sa

from .change_watch import CHANNEL, ChangeWatch

__all__ = ["FeedChecks", "count_changes"]

# tables no feed reads: writing them leaves every feed's version as it was
QUIET_TABLES = frozenset({
    "feed_changes", "jobs", "outbox", "sessions", "api_tokens", "alembic_version",
    "fetch_hosts", "uncovered", "rate_limits",
})
# tables where a new row changes no feed's version, only a changed one does: a member's
# first showing of a meeting is stored at the SEQUENCE the feed showed already
QUIET_INSERTS = frozenset({"member_event_versions"})
_WRITE = re.compile(r"\s*(?:insert(?:\s+or\s+\w+)?\s+into|update|delete\s+from|replace\s+into)"
                    r"\s+[\"`]?(\w+)", re.IGNORECASE)
_WRITE_AFTER_WITH = re.compile(r"\b(?:insert\s+into|update|delete\s+from)\s+[\"`]?(\w+)",
                               re.IGNORECASE)
_BUMP = "UPDATE feed_changes SET stamp = stamp + 1 WHERE id = 1"
_BUMP_AND_TELL = _BUMP + f" RETURNING pg_notify('{CHANNEL}', '')"  # sent as it commits
_FLAG = "council_feed_changed"


def written_table(statement: str) -> str | None:
    """The table a statement writes to, or None for one that only reads."""
    found = _WRITE.match(statement)
    if found is None and statement.lstrip()[:4].lower() == "with":
        found = _WRITE_AFTER_WITH.search(statement)
    return found.group(1).lower() if found else None


def _note_write(connection: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    table = written_table(statement)
    if table is None or table in QUIET_TABLES:
        return
    if table in QUIET_INSERTS and statement.lstrip()[:6].lower() == "insert":
        return
    connection.info[_FLAG] = True


def _forget(connection: sa.Connection, *_args: Any) -> None:
    connection.info.pop(_FLAG, None)


def _count_on_commit(connection: sa.Connection) -> None:
    if connection.info.pop(_FLAG, False):
        cursor = connection.connection.cursor()  # the same transaction, just before COMMIT
        try:
            cursor.execute(_BUMP_AND_TELL if connection.dialect.name == "postgresql" else _BUMP)
        finally:
            cursor.close()


def count_changes(engine: sa.Engine) -> None:
    """Make every transaction on ``engine`` that writes what a feed may show move the
    stamp as it commits (once per transaction; its row is locked only for the commit)."""
    if sa.event.contains(engine, "commit", _count_on_commit):
        return
    sa.event.listen(engine, "before_cursor_execute", _note_write)
    sa.event.listen(engine, "begin", _forget)
    sa.event.listen(engine, "rollback", _forget)
    sa.event.listen(engine, "commit", _count_on_commit)


_CHECK = ("SELECT t.member_id, (SELECT c.stamp FROM feed_changes c WHERE c.id = 1) "
          "FROM feed_tokens t WHERE t.token_hash = {0} AND t.purpose = 'feed' "
          "AND t.revoked_at IS NULL")


class FeedChecks:
    """The one indexed read behind every feed request: the member of an active feed link
    and the current stamp. It runs outside any transaction on a few connections of its
    own (no pool check-out, no BEGIN and ROLLBACK), opened in the process that uses them.

    On PostgreSQL, an answer is also kept while a ``ChangeWatch`` hears of no committed
    change (any write a feed may show, a revoked or replaced link among them): then the
    feed request makes no query at all."""

    def __init__(self, engine: sa.Engine, connections: int = 4, kept: int = 10_000):
        self.engine = engine
        self.sql = _CHECK.format("?" if engine.dialect.paramstyle == "qmark" else "%s")
        self.connections = connections
        self.kept = kept
        self.queries = 0  # asked of the database so far, in this process
        self.watch = ChangeWatch(engine) if engine.dialect.name == "postgresql" else None
        self._failure: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._take_over()
        sa.event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def member_and_stamp(self, secret_hash: str) -> tuple[str, int] | None:
        """The member behind an active feed link with this hash and the stamp now; None
        for an unknown or revoked link."""
        if self._pid != os.getpid():
            self._take_over()
        generation = self.watch.current() if self.watch is not None else None
        if generation is not None:
            known = self._known.get(secret_hash)
            if known is not None and known[2] == generation:
                return known[0], known[1]
        found = self._ask(secret_hash)
        if generation is not None:  # learned at a generation read before asking
            self._keep(secret_hash, found, generation)
        return found

    def _keep(self, secret_hash: str, found: tuple[str, int] | None, generation: int) -> None:
        with self._keeping:
            if found is None:
                self._known.pop(secret_hash, None)
                return
            self._known[secret_hash] = (found[0], found[1], generation)
            while len(self._known) > self.kept:
                self._known.pop(next(iter(self._known)))

    def _ask(self, secret_hash: str) -> tuple[str, int] | None:
        self.queries += 1
        if not self._slots.acquire(timeout=30):
            raise TimeoutError("no connection for feed checks within 30 s")
        try:
            for attempt in (1, 2):  # connections the database dropped are replaced once
                try:
                    held = self._free.pop()
                except IndexError:
                    held = self._open()
                try:
                    held[1].execute(self.sql, (secret_hash,))
                    row = held[1].fetchone()
                except self._failure:
                    self._close(held)
                    while self._free:  # the server dropped one: the others went with it
                        self._close(self._free.pop())
                    if attempt == 2:
                        raise
                    continue
                self._free.append(held)
                return None if row is None else (str(row[0]), int(row[1]))
            raise AssertionError("unreachable")
        finally:
            self._slots.release()

    def _take_over(self) -> None:
        """Start afresh in this process (after a fork the parent's connections stay the
        parent's: they are neither used nor closed here)."""
        self._free: list[tuple[Any, Any]] = []  # (connection, its cursor), last used on top
        self._known: dict[str, tuple[str, int, int]] = {}  # hash: member, stamp, generation
        self._keeping = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.connections)
        self._pid = os.getpid()

    def _open(self) -> tuple[Any, Any]:
        connection = self.engine.raw_connection()
        connection.detach()  # ours until closed; never handed back to the pool
        if self.engine.dialect.name != "sqlite":  # SQLite's connections already autocommit
            setattr(connection.dbapi_connection, "autocommit", True)  # noqa: B010
        return connection, connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    @staticmethod
    def _close(held: tuple[Any, Any]) -> None:
        """Close a cursor and its connection; a broken one is closed as far as it can be."""
        for closeable in held[::-1]:
            with contextlib.suppress(Exception):  # already broken: the connection is closed next
                closeable.close()

    def close(self) -> None:
        """Close the connections of this process (those of a parent are left alone)."""
        if self.watch is not None:
            self.watch.close()
        if self._pid != os.getpid():
            self._take_over()
            return
        while self._free:
            self._close(self._free.pop())

