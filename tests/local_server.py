"""A small threaded HTTP server on loopback that serves calendars and misbehaves on cue."""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CALENDAR = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:served\r\n"
            b"DTSTART:20270110T100000Z\r\nDTEND:20270110T110000Z\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")
ETAG = '"v1"'
SECRET = "hunter2"  # served by the answers below; must never appear in an error message

# path: (Content-Type or None, body) for plain 200 answers
ANSWERS: dict[str, tuple[str | None, bytes]] = {
    "/html": ("text/html", b"<!doctype html><html>Log in hunter2</html>"),
    "/json": ("application/json", b'{"password": "hunter2"}'),
    "/text": ("text/plain", b"db_password=hunter2\n"),
    "/binary": ("application/octet-stream", b"\x00\x01hunter2"),
    "/odd-type": ("x-hunter2/secret", b"hunter2"),
    "/empty": ("text/calendar", b""),
    "/plain-calendar": ("text/plain; charset=utf-8", CALENDAR),
    "/untyped-calendar": (None, b"\r\n\r\n" + CALENDAR),
    "/utf16-calendar": ("text/calendar", codecs.BOM_UTF16_LE + CALENDAR.decode().encode("utf-16-le")),
}


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
        path = urlsplit(self.path).path
        if path in ANSWERS:
            content_type, body = ANSWERS[path]
            self._send(200, body, **({"Content_Type": content_type} if content_type else {}))
        elif path == "/cal.ics":
            if self.headers.get("If-None-Match") == ETAG:
                self._send(304)
            else:
                self._send(200, CALENDAR, ETag=ETAG, Content_Type="text/calendar")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = "/cal.ics" if left == 0 else f"/hop/{left - 1}"
            self._send(302, Location=target)
        elif path == "/to-loopback-literal":
            port = self.server.server_address[1]  # type: ignore[index]
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
        elif path == "/loop":
            self._send(302, Location="/loop?token=hunter2")
        elif path == "/to-ftp":
            self._send(302, Location="ftp://intranet/hunter2.ics")
        elif path == "/to-nowhere":
            self._send(302, b"moved to hunter2")
        elif path == "/reason":
            self.send_response(403, "hunter2")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/garbage":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Secret hunter2\r\nContent-Length: 3\r\n\r\nabc")
            self.close_connection = True
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
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}", server.seen  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
