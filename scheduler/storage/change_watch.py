"""Hearing, without asking, that a write a feed may show was committed (PostgreSQL).

Every transaction that moves the feeds' change stamp also sends ``NOTIFY`` on
``CHANNEL`` (delivered when it commits). A ``ChangeWatch`` listens on a connection of its
own in a thread of its own and counts a *generation*: one more before and after anything
arriving on that connection is read, and whenever listening starts or stops. A
process may trust what it learned at generation g while the generation is still g, the
watch is listening and nothing waits unread on its connection; otherwise it asks the
database. A notification reaches every process within the time the database takes to
pass it on (well under a millisecond on one machine); a watch that is not listening (not
started yet, or its connection lost and not yet back) makes the process always ask.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from typing import Any

import sqlalchemy as sa

__all__ = ["CHANNEL", "ChangeWatch"]

CHANNEL = "council_feed_changes"
_RETRY_S = (0.5, 1.0, 2.0, 5.0, 10.0)  # waits before listening again, the last repeated
_QUIET_S = 60  # with nothing heard for this long, the connection is checked

log = logging.getLogger(__name__)


class ChangeWatch:
    """The generation of committed feed changes, for the process that asks."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.generation = 0
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._listener: _Listener | None = None

    def current(self) -> int | None:
        """The generation, when what was learned at it may still be trusted; None when the
        database must be asked (not listening, or something arrived unread)."""
        if self._pid != os.getpid():  # forked: the parent's thread and connection stay its own
            self._pid, self._lock, self._listener = os.getpid(), threading.Lock(), None
            self.generation += 1
        listener = self._listener or self._start()
        generation = self.generation
        if not listener.listening:
            return None
        try:
            waiting, _, _ = select.select([listener.fileno], [], [], 0)
        except (OSError, ValueError):
            return None
        if waiting or not listener.listening or self.generation != generation:
            return None
        return generation

    def close(self) -> None:
        """Stop listening in this process (a parent's listener is left alone); the next
        ``current`` starts again."""
        if self._pid != os.getpid():
            return
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
        self.generation += 1

    def _start(self) -> _Listener:
        with self._lock:
            if self._listener is None:
                self._listener = _Listener(self)
            return self._listener

    def moved(self) -> None:
        """Count one more generation (something arrived, or listening started or stopped)."""
        self.generation += 1


class _Listener:
    """One thread listening on one connection until stopped, listening again after a
    failure."""

    def __init__(self, watch: ChangeWatch):
        self.watch = watch
        self.listening = False
        self.fileno = -1
        self._stopped = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="feed-change-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread and close what it holds."""
        self._stopped.set()
        os.write(self._wake_write, b"x")
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            os.close(self._wake_read)
            os.close(self._wake_write)

    def _run(self) -> None:
        failures = 0
        while not self._stopped.is_set():
            try:
                self._listen()
            except Exception as error:  # the database went away: ask it until it is back
                failures += 1
                log.warning("feed changes: not listening (%s); asking the database meanwhile",
                            type(error).__name__)
                select.select([self._wake_read], [], [],
                              _RETRY_S[min(failures, len(_RETRY_S)) - 1])
            else:
                failures = 0

    def _listen(self) -> None:
        """Listen until the connection fails or the thread is stopped."""
        raw = self.watch.engine.raw_connection()
        raw.detach()  # ours until closed; never handed back to the pool
        connection: Any = raw.dbapi_connection
        try:
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self.fileno = connection.fileno()
            self.watch.moved()  # what was committed before listening is not known
            self.listening = True
            while not self._stopped.is_set():
                ready, _, _ = select.select([self.fileno, self._wake_read], [], [], _QUIET_S)
                if self.fileno in ready:
                    self.watch.moved()  # before it is read: never unread and uncounted
                    for _ in connection.notifies(timeout=0):
                        pass
                    if select.select([self.fileno], [], [], 0)[0]:  # not a notification:
                        connection.execute("SELECT 1")  # a lost connection raises here
                    self.watch.moved()  # and after: what arrived while reading is counted
                elif not ready:
                    connection.execute("SELECT 1")  # a quiet hour still finds a dead connection
                    self.watch.moved()
        finally:
            self.listening = False
            self.watch.moved()
            with contextlib.suppress(Exception):
                raw.close()
