"""Subscription URLs to calendar bytes, safely.

- ``webcal://`` is read as ``https://``; only http and https are fetched;
- every hop (at most ``max_redirects`` redirects) is resolved first, refused when any
  address is loopback, private, link-local or otherwise not global unless the host or
  its network is allow-listed, and then connected to *that* address (with the original
  Host header and TLS server name), so a DNS answer cannot change between check and use;
- time-out per request, a size limit while streaming, conditional requests (ETag,
  Last-Modified) against a cache of earlier answers.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from .errors import CalendarFetchError

__all__ = ["FetchCache", "FetchPolicy", "FetchedCalendar", "fetch_calendar"]

Resolver = Callable[[str, int], list[str]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class FetchPolicy:
    """Limits and permissions for fetching calendar URLs."""

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
        """True when ``address`` (of ``host``) may be contacted."""
        ip = ipaddress.ip_address(address)
        if ip.is_global and not ip.is_multicast:
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
class FetchedCalendar:
    """The bytes behind a URL, with the validators for the next conditional request."""

    url: str
    content: bytes
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


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


def _normalise(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        scheme = "https"
    if scheme not in ("http", "https") or not parts.hostname:
        raise CalendarFetchError("only http, https and webcal URLs can be fetched", source=url)
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _pinned(url: str, policy: FetchPolicy, resolver: Resolver) -> tuple[str, str, str]:
    """(URL with the checked address in place of the host, Host header, server name)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))] if _is_ip(host) else resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise CalendarFetchError(f"cannot resolve host {host!r}: {exc}", source=url) from exc
    if not addresses:
        raise CalendarFetchError(f"host {host!r} has no address", source=url)
    for address in addresses:
        if not policy.allows(host, address):
            raise CalendarFetchError(
                f"refused: {host} resolves to {address}, a private, loopback or "
                "link-local address (allow it with SCHEDULER_FETCH_ALLOW)", source=url)
    address = addresses[0]
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), host_header, host


def fetch_calendar(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    cache: FetchCache | None = None,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver = _system_resolver,
) -> FetchedCalendar:
    """Fetch the bytes of a calendar URL under ``policy``; errors name the URL."""
    policy = policy or FetchPolicy()
    original = url
    url = _normalise(url)
    earlier = cache.get(url) if cache else None
    headers = {"User-Agent": policy.user_agent, "Accept": "text/calendar, */*;q=0.5"}
    if earlier and earlier.etag:
        headers["If-None-Match"] = earlier.etag
    if earlier and earlier.last_modified:
        headers["If-Modified-Since"] = earlier.last_modified
    with httpx.Client(transport=transport, timeout=policy.timeout, follow_redirects=False,
                      trust_env=False) as client:
        for _hop in range(policy.max_redirects + 1):
            target, host_header, server_name = _pinned(url, policy, resolver)
            request = client.build_request(
                "GET", target, headers={**headers, "Host": host_header},
                extensions={"sni_hostname": server_name})
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise CalendarFetchError(f"timed out after {policy.timeout:g} s",
                                         source=original) from exc
            except httpx.HTTPError as exc:
                raise CalendarFetchError(f"cannot connect: {exc}", source=original) from exc
            try:
                if response.status_code == 304 and earlier is not None:
                    return FetchedCalendar(url, earlier.content, earlier.etag,
                                           earlier.last_modified, not_modified=True)
                if response.status_code in _REDIRECTS and "Location" in response.headers:
                    url = _normalise(urljoin(url, response.headers["Location"]))
                    continue
                if response.status_code >= 400:
                    raise CalendarFetchError(
                        f"HTTP {response.status_code} {response.reason_phrase}", source=original)
                content = _read_limited(response, policy, original)
            finally:
                response.close()
            fetched = FetchedCalendar(url, content, response.headers.get("ETag"),
                                      response.headers.get("Last-Modified"))
            if cache is not None:
                cache.put(fetched)
            return fetched
    raise CalendarFetchError(f"more than {policy.max_redirects} redirects", source=original)


def _read_limited(response: httpx.Response, policy: FetchPolicy, url: str) -> bytes:
    declared = response.headers.get("Content-Length")
    too_big = CalendarFetchError(
        f"the calendar is larger than the limit of {policy.max_bytes / 1e6:g} MB", source=url)
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + policy.timeout
    try:
        for chunk in response.iter_bytes():
            if time.monotonic() > deadline:
                raise CalendarFetchError(
                    f"timed out after {policy.timeout:g} s (body too slow)", source=url)
            size += len(chunk)
            if size > policy.max_bytes:
                raise too_big
            chunks.append(chunk)
    except httpx.TimeoutException as exc:
        raise CalendarFetchError(f"timed out after {policy.timeout:g} s", source=url) from exc
    except httpx.HTTPError as exc:
        raise CalendarFetchError(f"transfer failed: {exc}", source=url) from exc
    return b"".join(chunks)
