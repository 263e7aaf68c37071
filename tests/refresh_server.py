"""A local calendar host for the refresh tests: each path answers as the test sets it (a
calendar with an ETag or a Last-Modified, a server error, a web page, a body too large, a
slow answer), and every request is counted."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

STAMP = "Mon, 04 Jan 2027 10:00:00 GMT"


def calendar(*days: int) -> bytes:
    """A calendar busy 09:00-17:00 UTC on these days of February 2027."""
    events = "".join(f"BEGIN:VEVENT\r\nUID:d{d}\r\nDTSTART:202702{d:02d}T090000Z\r\n"
                     f"DTEND:202702{d:02d}T170000Z\r\nEND:VEVENT\r\n" for d in days)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{events}END:VCALENDAR\r\n".encode()


@dataclass
class Route:
    """What a path answers: ``kind`` one of calendar (with ``etag`` and/or
    ``last_modified``, honouring conditional requests), error (``status``), html, big, slow,
    binary (starts like a calendar, then NUL bytes)."""

    kind: str = "calendar"
    body: bytes = field(default_factory=lambda: calendar(1, 2))
    etag: str | None = None
    last_modified: str | None = None
    status: int = 503


@dataclass
class Host:
    """The server's routes and what it saw: requests per path, and their headers."""

    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    headers: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        host: Host = self.server.host  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        host.hits[path] += 1
        host.headers.append({"path": path, **dict(self.headers)})
        route = host.routes.get(path)
        if route is None:
            self._send(404)
        elif route.kind == "error":
            self._send(route.status, b"<html>down</html>", Content_Type="text/html")
        elif route.kind == "html":
            self._send(200, b"<!doctype html><html>sign in</html>", Content_Type="text/html")
        elif route.kind == "big":
            self._send(200, route.body + b" " * 50_000, Content_Type="text/calendar")
        elif route.kind == "binary":
            self._send(200, b"BEGIN:VCALENDAR\r\n\x00\x00\x00", Content_Type="text/calendar")
        elif route.kind == "slow":
            time.sleep(1.5)
            self._send(200, route.body, Content_Type="text/calendar")
        else:
            self._calendar(route)

    def _calendar(self, route: Route) -> None:
        validators = {}
        if route.etag:
            validators["ETag"] = route.etag
        if route.last_modified:
            validators["Last_Modified"] = route.last_modified
        same = ((route.etag and self.headers.get("If-None-Match") == route.etag)
                or (not route.etag and route.last_modified
                    and self.headers.get("If-Modified-Since") == route.last_modified))
        if same:
            self._send(304, **validators)
        else:
            self._send(200, route.body, Content_Type="text/calendar", **validators)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that hangs up early (size limit, time-out) is expected here


@contextmanager
def calendar_host() -> Iterator[Host]:
    """Run a host on 127.0.0.1 (a port of its own: another host to the fetcher)."""
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    host = Host(f"http://127.0.0.1:{server.server_address[1]}")
    server.host = host  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
