"""Subscription URLs to calendar bytes, safely.

- ``webcal://`` is read as ``https://``; only http and https are fetched;
- every hop (at most ``max_redirects`` redirects) is resolved first, refused when any
  address is loopback, private, link-local or otherwise not global unless the host or
  its network is allow-listed, and then connected to *that* address (with the original
  Host header and TLS server name), so a DNS answer cannot change between check and use;
- an address that carries an IPv4 address (IPv4-mapped, -compatible, -translated,
  NAT64, 6to4, Teredo) is judged by the IPv4 address it carries;
- one deadline (the policy's time-out) for the whole exchange, every redirect, name
  look-up, connection, TLS handshake, header and body read included, kept by the wall
  clock however slowly a server trickles (``deadline``); a size limit while streaming;
  conditional requests (ETag, Last-Modified) from validators kept by the caller
  (``Validators``) or from a cache of earlier answers (``FetchCache``); a 304 answer
  says the kept content still holds;
- a host that does not answer usefully (no address, no connection, a time-out, a broken
  transfer, HTTP 5xx, 408 or 429) raises ``HostUnavailable``, so callers can back off
  from that host (``host_key``) while the others are still fetched;
- an answer whose first line is not BEGIN:VCALENDAR is refused by its kind (a web page,
  JSON, ...);
- error messages are one line, name the URL through ``redact_url`` (no password, token
  or private path) and never quote what the server sent: not its body, headers, status
  phrase or redirect target; a refused address is never named unless it was typed as
  such (how a name resolves, or where a redirect leads, goes to the log only).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from .addresses import refusal
from .answers import kind_of_answer, starts_like_a_calendar
from .deadline import Deadline, deadline_transport
from .errors import CalendarError, CalendarFetchError
from .redact import redact_url

__all__ = ["FetchCache", "FetchPolicy", "FetchedCalendar", "HostUnavailable", "Validators",
           "fetch_calendar", "host_key"]

log = logging.getLogger(__name__)
Resolver = Callable[[str, int], list[str]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HOST_STATUSES = frozenset({408, 429})  # with every 5xx: the host's trouble, not the URL's


class HostUnavailable(CalendarFetchError):
    """The host did not answer usefully: no address, no connection, a time-out, a broken
    transfer or a server error. Worth trying again later; other URLs of the host likely
    fail alike."""


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@functools.cache
def _tls() -> ssl.SSLContext:
    """The process's TLS settings (httpx's default: certifi's authorities), made once:
    making them costs more than a whole conditional request to a nearby server."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _failure(message: str, url: str, *, host: bool = False) -> CalendarFetchError:
    """A fetch error on one line, naming ``url`` without its secrets; ``host``: the host's
    trouble (HostUnavailable)."""
    kind = HostUnavailable if host else CalendarFetchError
    return kind(" ".join(message.split()), source=redact_url(url))


@dataclass(frozen=True)
class FetchPolicy:
    """Limits and permissions for fetching calendar URLs; ``timeout``: seconds for the
    whole exchange, redirects included."""

    timeout: float = 10.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    allow: frozenset[str] = frozenset()
    user_agent: str = "council-scheduler (calendar subscription)"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> FetchPolicy:
        """A policy with ``SCHEDULER_FETCH_ALLOW`` (comma-separated hosts or networks)."""
        env = os.environ if environ is None else environ
        allowed = frozenset(a.strip() for a in env.get("SCHEDULER_FETCH_ALLOW", "").split(",")
                            if a.strip())
        return cls(allow=allowed)

    def allows(self, host: str, address: str) -> bool:
        """True when ``address`` (of ``host``) may be contacted: a public address, or one
        whose host or network is allow-listed."""
        ip = ipaddress.ip_address(address)
        if refusal(ip) is None:
            return True
        for entry in self.allow:
            if entry.lower() == host.lower():
                return True
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False


@dataclass(frozen=True)
class Validators:
    """What a conditional request sends: the ETag and Last-Modified of the answer kept."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class FetchedCalendar:
    """The bytes behind a URL, with the validators for the next conditional request.

    ``not_modified``: the server answered 304, so what the caller kept still holds;
    ``content`` is then the cached bytes, or empty when the caller gave the validators.
    """

    url: str
    content: bytes
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False

    @property
    def validators(self) -> Validators:
        """The validators for the next conditional request of this URL."""
        return Validators(self.etag, self.last_modified)


@dataclass
class FetchCache:
    """Earlier answers by URL, for conditional requests."""

    entries: dict[str, FetchedCalendar] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, url: str) -> FetchedCalendar | None:
        """The last answer for ``url``."""
        with self.lock:
            return self.entries.get(url)

    def put(self, fetched: FetchedCalendar) -> None:
        """Remember an answer that carries a validator."""
        if fetched.etag or fetched.last_modified:
            with self.lock:
                self.entries[fetched.url] = fetched


# URLs and hops ------------------------------------------------------------------------

def _normalise(url: str) -> str | None:
    """``url`` as an http(s) URL (webcal read as https); None when it is not one."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        scheme = "https"
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def host_key(url: str) -> str | None:
    """The host (and port, when not the scheme's) a URL is fetched from, in lower case, as
    ``fetch_calendar`` reads it (webcal as https); None when it is no http(s) URL."""
    normalised = _normalise(url)
    if normalised is None:
        return None
    parts = urlsplit(normalised)
    host = (parts.hostname or "").lower()
    default = 443 if parts.scheme == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _pinned(url: str, hop: int, original: str, policy: FetchPolicy,
            resolver: Resolver, deadline: Deadline) -> tuple[str, str, str]:
    """(URL with the checked address in place of the host, Host header, server name).

    A refusal names only what the user typed: the address when the URL holds one, else
    that the host's address, or a redirect's, is not allowed; what it resolved to is
    logged for the operator, never told to whoever gave the URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    named = host if hop == 0 else "the host a redirect leads to"
    try:
        addresses = ([str(ipaddress.ip_address(host))] if _is_ip(host)
                     else deadline.call(lambda: resolver(host, port)))
    except UnicodeError as exc:
        raise _failure("cannot resolve the host: its name is not valid", original) from exc
    except TimeoutError as exc:
        raise _failure(f"timed out after {policy.timeout:g} s without an answer", original,
                       host=True) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise _failure(f"cannot resolve {named}: {reason}", original, host=True) from exc
    if not addresses:
        raise _failure(f"{named} has no address", original, host=True)
    for address in addresses:
        if not policy.allows(host, address):
            ip = ipaddress.ip_address(address)
            log.warning("fetch of %s refused: %s (hop %d) resolves to %s, %s; allow it with "
                        "SCHEDULER_FETCH_ALLOW", redact_url(original), host, hop, ip, refusal(ip))
            if hop == 0 and _is_ip(host):  # the user's own words
                raise _failure(f"refused: {ip} is {refusal(ip)}, which is not allowed", original)
            where = f"the address of {host}" if hop == 0 else "a redirect leads to an address that"
            raise _failure(f"refused: {where} is not allowed (only public addresses are fetched)",
                           original)
    address = addresses[0]
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), host_header, host


def _status(code: int) -> str:
    """``HTTP 404 Not Found``: the standard phrase, never the server's own words."""
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _transport_problem(exc: httpx.HTTPError, policy: FetchPolicy, *, started: bool) -> str:
    """What went wrong in words of our own: library messages can quote the server."""
    if isinstance(exc, httpx.TimeoutException):
        if started:
            return f"timed out after {policy.timeout:g} s before the whole answer arrived"
        return f"timed out after {policy.timeout:g} s without an answer"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {_connect_reason(exc)}"
    if isinstance(exc, httpx.ProtocolError):
        return "the server's answer is not valid HTTP"
    if isinstance(exc, httpx.DecodingError):
        return "the answer is compressed in a way that cannot be read"
    if isinstance(exc, httpx.NetworkError):
        return "the connection broke off"
    return f"the transfer failed ({type(exc).__name__})"


def _connect_reason(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return f"the server's certificate is not trusted ({seen.verify_message})"
        if isinstance(seen, ssl.SSLError):
            return "the secure connection (TLS) could not be set up"
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
        seen = seen.__cause__ or seen.__context__
    return "no connection to the server"


def _read_limited(response: httpx.Response, policy: FetchPolicy, original: str,
                  deadline: Deadline) -> bytes:
    too_big = _failure(f"the answer is larger than the limit of {policy.max_bytes / 1e6:g} MB",
                       original)
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            if deadline.passed:
                raise _failure(f"timed out after {policy.timeout:g} s before the whole answer "
                               "arrived", original, host=True)
            size += len(chunk)
            if size > policy.max_bytes:
                raise too_big
            chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise _failure(_transport_problem(exc, policy, started=True), original,
                       host=True) from exc
    return b"".join(chunks)


def fetch_calendar(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    cache: FetchCache | None = None,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver = _system_resolver,
    known: Validators | None = None,
) -> FetchedCalendar:
    """Fetch the bytes of a calendar URL under ``policy``.

    ``known``: the validators of the answer the caller keeps; they are sent (before any
    in ``cache``), and a 304 answer comes back as ``not_modified`` with empty content.

    The whole exchange, every redirect included, ends within ``policy.timeout`` seconds
    by the wall clock (``transport``, for tests, is not held to it).

    Raises CalendarFetchError when it cannot be fetched (HostUnavailable when the host is
    at fault) and CalendarError when what came back is not a calendar; messages name the
    URL through ``redact_url`` and never quote anything the server sent.
    """
    policy = policy or FetchPolicy()
    deadline = Deadline(policy.timeout)
    original = url
    normalised = _normalise(url)
    if normalised is None:
        raise _failure("only http, https and webcal URLs can be fetched", original)
    url = normalised
    earlier = cache.get(url) if cache and not known else None
    if known:
        earlier = FetchedCalendar(url, b"", known.etag, known.last_modified)
    headers = {"User-Agent": policy.user_agent, "Accept": "text/calendar, */*;q=0.5"}
    if earlier and earlier.etag:
        headers["If-None-Match"] = earlier.etag
    if earlier and earlier.last_modified:
        headers["If-Modified-Since"] = earlier.last_modified
    with httpx.Client(transport=transport or deadline_transport(deadline, _tls()),
                      timeout=policy.timeout, follow_redirects=False, trust_env=False,
                      verify=_tls()) as client:
        for hop in range(policy.max_redirects + 1):
            target, host_header, server_name = _pinned(url, hop, original, policy, resolver,
                                                       deadline)
            request = client.build_request(
                "GET", target, headers={**headers, "Host": host_header},
                extensions={"sni_hostname": server_name})
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise _failure(_transport_problem(exc, policy, started=False), original,
                               host=True) from exc
            try:
                status = response.status_code
                if status == 304 and earlier is not None:
                    return FetchedCalendar(
                        url, earlier.content, response.headers.get("ETag") or earlier.etag,
                        response.headers.get("Last-Modified") or earlier.last_modified,
                        not_modified=True)
                if status in _REDIRECTS and "Location" in response.headers:
                    url = _redirect_target(url, response.headers["Location"], original)
                    continue
                if not 200 <= status < 300:
                    missing = " without a Location" if status in _REDIRECTS else ""
                    raise _failure(f"{_status(status)}{missing}", original,
                                   host=status >= 500 or status in _HOST_STATUSES)
                content = _read_limited(response, policy, original, deadline)
            finally:
                response.close()
            if not starts_like_a_calendar(content):
                kind = kind_of_answer(content, response.headers.get("Content-Type"))
                raise CalendarError(f"the address answered with {kind}, not a calendar",
                                    source=redact_url(original))
            fetched = FetchedCalendar(url, content, response.headers.get("ETag"),
                                      response.headers.get("Last-Modified"))
            if cache is not None:
                cache.put(fetched)
            return fetched
    raise _failure(f"more than {policy.max_redirects} redirects (the limit)", original)


def _redirect_target(url: str, location: str, original: str) -> str:
    try:
        joined = urljoin(url, location)
    except ValueError:
        joined = ""
    target = _normalise(joined) if joined else None
    if target is None or urlsplit(joined).scheme.lower() not in ("http", "https"):
        raise _failure("refused: redirected to an address that is not http or https", original)
    return target
