"""A server on loopback that answers every request with its status line at once and then
its headers one byte at a time, a byte every ``every`` seconds, for ``for_s`` seconds
before it ends them and sends a calendar (so a fetch without a deadline of its own
succeeds, late, instead of hanging the test)."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .local_server import CALENDAR


@dataclass
class Trickled:
    """What the server saw: connections taken, and those that ran to the end."""

    started: int = 0
    finished: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


@contextmanager
def trickle(every: float = 0.25, for_s: float = 8.0) -> Iterator[tuple[str, Trickled]]:
    """Serve on 127.0.0.1; yield the base URL and the counts. Leaving ends every
    connection still open."""
    seen = Trickled()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            with seen.lock:
                seen.started += 1
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                received += chunk
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                for _ in range(int(for_s / every)):
                    if seen.stop.wait(every):  # the pace of a trickle, not a wait for a state
                        return
                    conn.sendall(b"a")
                conn.sendall(b"\r\nContent-Type: text/calendar\r\nContent-Length: "
                             + str(len(CALENDAR)).encode() + b"\r\n\r\n" + CALENDAR)
            except OSError:  # the client gave up
                return
            with seen.lock:
                seen.finished += 1

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        seen.stop.set()
        server.shutdown()
        server.server_close()
        thread.join()
