"""A real SMTP server for tests (aiosmtpd) on 127.0.0.1 at a free port: it keeps what it
receives, can be stopped and started again on the same port, and can ask for a login
(PLAIN or LOGIN, without TLS), offer STARTTLS with a self-signed certificate, or speak
TLS from the start (as smtps:// servers do), and offer SMTPUTF8 (internationalised
addresses) or not."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """One message as the server got it."""

    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """The message, parsed."""
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.server.login is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address in self.server.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                                 bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 made with openssl (the certificate is its own CA)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class SmtpServer:
    """``start()``, ``stop()``, ``start()`` again on the same port; ``received`` keeps
    every message across restarts. ``login=(user, password)`` refuses mail without it;
    ``tls=(cert, key)`` offers STARTTLS and requires it, or with ``implicit_tls`` speaks
    TLS from the start; ``smtputf8`` offers SMTPUTF8."""

    def __init__(self, *, login: tuple[str, str] | None = None,
                 tls: tuple[Path, Path] | None = None, implicit_tls: bool = False,
                 smtputf8: bool = False):
        self.port = free_port()
        self.login = login
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.smtputf8 = smtputf8
        self.received: list[Received] = []
        self.refused: set[str] = set()
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        good = (isinstance(auth_data, LoginPassword) and self.login is not None
                and (auth_data.login.decode(), auth_data.password.decode()) == self.login)
        return AuthResult(success=good, handled=False)

    def start(self) -> SmtpServer:
        """Listen (again) on the port."""
        options: dict[str, Any] = {"enable_SMTPUTF8": self.smtputf8}
        if self.login is not None:
            options |= {"authenticator": self._authenticate, "auth_require_tls": False}
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, self.tls))
            options |= ({"ssl_context": context} if self.implicit_tls
                        else {"tls_context": context, "require_starttls": True})
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening; what was received is kept."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def count(self) -> int:
        """How many messages have arrived."""
        with self.lock:
            return len(self.received)
