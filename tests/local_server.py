"""A small threaded HTTP server on loopback that serves calendars and misbehaves on cue."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CALENDAR = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:served\r\n"
            b"DTSTART:20270110T100000Z\r\nDTEND:20270110T110000Z\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")
ETAG = '"v1"'


class _Handler(BaseHTTPRequestHandler):
    requests: list[dict[str, str]]

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
        self.server.seen.append({"path": self.path, **dict(self.headers)})  # type: ignore[attr-defined]
        path = self.path
        if path == "/cal.ics":
            if self.headers.get("If-None-Match") == ETAG:
                self._send(304)
            else:
                self._send(200, CALENDAR, ETag=ETAG, Content_Type="text/calendar")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = "/cal.ics" if left == 0 else f"/hop/{left - 1}"
            self._send(302, Location=target)
        elif path == "/to-loopback-literal":
            port = self.server.server_address[1]
            self._send(302, Location=f"http://127.0.0.1:{port}/cal.ics")
        elif path == "/big":
            self._send(200, CALENDAR + b" " * 5000)
        elif path == "/big-chunked":
            self.send_response(200)
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"X" * 1000)
        elif path == "/slow":
            time.sleep(1.5)
            self._send(200, CALENDAR)
        elif path == "/html":
            self._send(200, b"<!doctype html><html>Log in</html>", Content_Type="text/html")
        else:
            self._send(404, b"not found")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that hangs up early (size limit, time-out) is expected here


@contextmanager
def serve() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Run the server; yield its base URL (http://localhost:PORT) and the requests seen."""
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.seen = []  # type: ignore[attr-defined]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}", server.seen  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
