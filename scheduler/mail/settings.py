"""Where mail goes: the SMTP server of ``SCHEDULER_SMTP_URL`` and the sender of
``SCHEDULER_MAIL_FROM``. Without an SMTP URL mail is off. How often a secretary may have
mail sent: ``SCHEDULER_MAIL_RATE_TOKEN`` (per token) and ``SCHEDULER_MAIL_RATE_COUNCIL``
(per council), each ``COUNT/SECONDS``.

``smtp://[user:pass@]host[:port][?starttls=true][&timeout=SECONDS]`` (port 25, or 587
with STARTTLS) or ``smtps://…`` (TLS from the start, port 465). User and password are
percent-decoded. No message, log line or repr shows the password.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from ..addresses import BadAddress, mail_address
from ..errors import InputError
from ..rates import Rate, rate_from_env

__all__ = ["MailSettings"]

URL_VARIABLE = "SCHEDULER_SMTP_URL"
FROM_VARIABLE = "SCHEDULER_MAIL_FROM"
SECRETARY_RATE_VARIABLE = "SCHEDULER_MAIL_RATE_TOKEN"
COUNCIL_RATE_VARIABLE = "SCHEDULER_MAIL_RATE_COUNCIL"
TOKEN_RATE = Rate(20, 600)
"""Mail a token may have sent (a link, a poll's reminders): 20 at once, then one per 30 s."""
COUNCIL_RATE = Rate(60, 3600)
"""Mail all tokens together may have sent for one council: 60 at once, then one a minute."""
_FALLBACK_SENDER = "kalender@localhost"
_DEFAULT_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})

Security = Literal["plain", "starttls", "ssl"]


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server, and who the mail is from."""

    host: str
    port: int
    security: Security = "plain"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = _FALLBACK_SENDER  # an address, or "Name <address>"
    timeout: float = 30.0  # seconds, for connecting and for each reply
    token_rate: Rate = TOKEN_RATE  # mail one token may have sent (links, reminders)
    council_rate: Rate = COUNCIL_RATE  # the same for all of a council's tokens together

    @property
    def sender_address(self) -> str:
        """The bare address of the sender (for the ORGANIZER), as given."""
        return parseaddr(self.sender)[1] or self.sender

    @property
    def envelope_sender(self) -> str:
        """The sender's address for the SMTP envelope: its domain as IDNA (``xn--…``)."""
        try:
            return mail_address(self.sender_address).wire
        except BadAddress:  # the local fallback, kalender@localhost
            return self.sender_address

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings | None:
        """The settings of the environment; None when mail is off (no SMTP URL).

        Raises InputError naming the variable for a URL or sender that cannot be used.
        """
        env = os.environ if environ is None else environ
        url = env.get(URL_VARIABLE, "").strip()
        if not url:
            return None
        settings = _parse_url(url)
        sender = env.get(FROM_VARIABLE, "").strip()
        if sender:
            _check_sender(sender)
        else:
            sender = _fallback_sender(settings.username)
        return cls(settings.host, settings.port, settings.security, settings.username,
                   settings.password, sender, settings.timeout,
                   rate_from_env(SECRETARY_RATE_VARIABLE, TOKEN_RATE, env),
                   rate_from_env(COUNCIL_RATE_VARIABLE, COUNCIL_RATE, env))

    def redacted(self) -> str:
        """The settings for a log line: the URL without its password, and the sender."""
        scheme = "smtps" if self.security == "ssl" else "smtp"
        user = f"{quote(self.username, safe='')}:***@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "?starttls=true" if self.security == "starttls" else ""
        return f"{scheme}://{user}{host}:{self.port}{query} (from {self.sender})"


def _fail(message: str, variable: str = URL_VARIABLE) -> InputError:
    return InputError(message, field=variable)


def _parse_url(url: str) -> MailSettings:
    """The URL's parts; every error says what is wrong without repeating the URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _fail("not an smtp:// or smtps:// URL with a host and a port from 1 to "
                    "65535 (percent-encode any of :/?#@ in the user name or password)") from None
    if port == 0:
        raise _fail("the port must be from 1 to 65535")
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtps"}:
        shown = scheme if re.fullmatch(r"[a-z][a-z0-9+.-]{0,20}", scheme) else "something else"
        raise _fail(f"the scheme must be smtp or smtps, not {shown}")
    if not parts.hostname:
        raise _fail("no host")
    if parts.path not in {"", "/"} or parts.fragment:
        raise _fail("a path or fragment has no meaning here (percent-encode any of /?# in "
                    "the user name or password)")
    try:
        query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
    except ValueError:
        raise _fail("the query is not name=value pairs") from None
    unknown = sorted(set(query) - {"starttls", "timeout"})
    if unknown:
        raise _fail(f"unknown option {unknown[0][:40]!r} (known: starttls, timeout)")
    security: Security = "ssl" if scheme == "smtps" else "plain"
    starttls = query.get("starttls", "false").lower()
    if starttls not in _TRUE | _FALSE:
        raise _fail("starttls must be true or false")
    if starttls in _TRUE:
        if security == "ssl":
            raise _fail("smtps:// is TLS from the start: starttls=true has no meaning there")
        security = "starttls"
    timeout = _timeout(query.get("timeout", "30"))
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise _fail("a password without a user name")
    return MailSettings(parts.hostname, port or _DEFAULT_PORTS[security], security, username,
                        password, _FALLBACK_SENDER, timeout)


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise _fail("timeout must be a number of seconds") from None
    if not 0 < seconds <= 600:
        raise _fail("timeout must be more than 0 and at most 600 seconds")
    return seconds


def _fallback_sender(username: str | None) -> str:
    """The user name when it is an address (most providers send only as the account),
    else a local address."""
    try:
        return username if username and mail_address(username) else _FALLBACK_SENDER
    except BadAddress:
        return _FALLBACK_SENDER


def _check_sender(sender: str) -> None:
    """One address, or ``Name <address>``; internationalised ones too (``rådet@örebro.example``:
    the domain goes as IDNA, the local part needs a server with SMTPUTF8)."""
    if re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", sender):
        raise _fail("the sender must be one line", FROM_VARIABLE)
    try:
        mail_address(parseaddr(sender)[1])
    except BadAddress as exc:
        raise _fail(f"{exc} (name@example.org or Name <name@example.org>)",
                    FROM_VARIABLE) from None
