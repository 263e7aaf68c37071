"""Hearing, without asking, that a write a feed may show was committed (PostgreSQL).

Every transaction that moves the feeds' change stamp also sends ``NOTIFY`` on
``CHANNEL`` (delivered when it commits). A ``ChangeWatch`` listens on a connection of its
own in a thread of its own and counts a *generation*: one more before and after anything
arriving on that connection is read, and whenever listening starts or stops. A process
may trust what it learned at generation g while the generation is still g, the watch is
listening and nothing waits unread on its connection; otherwise it asks the database. A
notification reaches every process within the time the database takes to pass it on
(well under a millisecond on one machine). The connection is checked every few seconds
of quiet with TCP keepalives and a time-out, so one that died silently stops the trust
within about half a minute; while the watch is not listening (not started, or lost and
not back yet) the process always asks. LISTEN needs a direct connection (or a pooler in
session mode).
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
_QUIET_S = 10  # with nothing heard for this long, the connection is checked
# a listening connection that stops answering is given up within about this long
_ALIVE = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 10,
          "keepalives_interval": 5, "keepalives_count": 3, "tcp_user_timeout": 30_000}

log = logging.getLogger(__name__)


def _readable(fd: int, seconds: float) -> bool:
    """True when ``fd`` has something to read within ``seconds`` (any descriptor number)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(seconds * 1000))


class ChangeWatch:
    """The generation of committed feed changes, for the process that asks."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.generation = 0
        self._counting = threading.Lock()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._listener: _Listener | None = None

    def current(self) -> int | None:
        """The generation, when what was learned at it may still be trusted; None when the
        database must be asked (not listening, or something arrived unread)."""
        if self._pid != os.getpid():  # forked: the parent's thread and connection stay its own
            self._after_fork()
        listener = self._listener or self._start()
        generation = self.generation
        if not listener.listening:
            return None
        try:
            waiting = _readable(listener.fileno, 0)
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
        self.moved()

    def moved(self) -> None:
        """Count one more generation (something arrived, or listening started or stopped)."""
        with self._counting:
            self.generation += 1

    def _after_fork(self) -> None:
        self._lock, self._counting = threading.Lock(), threading.Lock()
        self._listener, self._pid = None, os.getpid()
        self.moved()

    def _start(self) -> _Listener:
        with self._lock:
            if self._listener is None:
                self._listener = _Listener(self)
            return self._listener


class _Listener:
    """One thread listening on one connection until stopped, listening again after a
    failure."""

    def __init__(self, watch: ChangeWatch):
        self.watch = watch
        self.listening = False
        self.fileno = -1
        self.backend_pid: int | None = None
        self._failures = 0
        self._stopped = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="feed-change-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread and close what it holds (a thread stuck connecting ends within
        the connection's time-out, on its own)."""
        self._stopped.set()
        os.write(self._wake_write, b"x")
        self._thread.join(timeout=2)
        if not self._thread.is_alive():
            os.close(self._wake_read)
            os.close(self._wake_write)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._listen()
            except Exception as error:  # the database went away: ask it until it is back
                self._failures += 1
                log.warning("feed changes: not listening (%s); asking the database meanwhile",
                            type(error).__name__)
                _readable(self._wake_read, _RETRY_S[min(self._failures, len(_RETRY_S)) - 1])

    def _connect(self) -> Any:
        args, options = self.watch.engine.dialect.create_connect_args(self.watch.engine.url)
        connection = self.watch.engine.dialect.loaded_dbapi.connect(
            *args, **{**options, **_ALIVE}, autocommit=True)
        return connection

    def _listen(self) -> None:
        """Listen until the connection fails or the thread is stopped."""
        connection = self._connect()
        try:
            connection.execute(f"LISTEN {CHANNEL}")
            self.fileno, self.backend_pid = connection.fileno(), connection.info.backend_pid
            self.watch.moved()  # what was committed before listening is not known
            self.listening, self._failures = True, 0
            while not self._stopped.is_set():
                poller = select.poll()
                for fd in (self.fileno, self._wake_read):
                    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
                ready = {fd for fd, _ in poller.poll(_QUIET_S * 1000)}
                if self._stopped.is_set():
                    return
                if self.fileno in ready:
                    self.watch.moved()  # before it is read: never unread and uncounted
                    for _ in connection.notifies(timeout=0):
                        pass
                    self.watch.moved()  # and after: what arrived while reading is counted
                    if not _readable(self.fileno, 0):
                        continue
                # quiet for a while, or something that is not a notification: check the
                # connection, trusting nothing meanwhile (a lost one raises here)
                self.listening = False
                self.watch.moved()
                connection.execute("SELECT 1")
                self.watch.moved()
                self.listening = True
        finally:
            self.listening = False
            self.watch.moved()
            with contextlib.suppress(Exception):
                connection.close()
