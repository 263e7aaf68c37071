"""Subscription URLs: limits, redirects, conditional requests and address policy."""

from __future__ import annotations

import ipaddress
import re

import pytest

from calendars import CalendarError, CalendarFetchError, redact_url
from calendars.fetch import FetchCache, FetchedCalendar, FetchPolicy, fetch_calendar

from .local_server import CALENDAR, SECRET, serve

LOCAL = FetchPolicy(allow=frozenset({"localhost"}), timeout=1.0)


def local_resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"] if host == "localhost" else ["93.184.215.14"]


def fetch(url: str, **kwargs: object) -> FetchedCalendar:
    kwargs.setdefault("policy", LOCAL)
    kwargs.setdefault("resolver", local_resolver)
    return fetch_calendar(url, **kwargs)  # type: ignore[arg-type]


def test_an_allow_listed_local_server_is_fetched() -> None:
    with serve() as (base, seen):
        assert fetch(f"{base}/cal.ics").content == CALENDAR
        assert seen[0]["Host"] == base.removeprefix("http://")


def test_loopback_is_refused_unless_allow_listed(caplog: pytest.LogCaptureFixture) -> None:
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="not allowed") as err:
        fetch(f"{base}/cal.ics", policy=FetchPolicy(timeout=1.0))
    assert err.value.source == f"{base}/cal.ics"
    assert "127.0.0.1" not in str(err.value) and "loopback" not in str(err.value)
    assert "resolves to 127.0.0.1, a loopback address" in caplog.text  # for the operator


@pytest.mark.parametrize("address", ["10.0.0.7", "192.168.1.1", "169.254.169.254", "::1",
                                     "fd00::1", "0.0.0.0"])
def test_private_and_link_local_answers_are_refused(address: str) -> None:
    with pytest.raises(CalendarFetchError, match="refused"):
        fetch_calendar("https://calendar.example.com/x.ics",
                       resolver=lambda host, port: [address])


def test_a_redirect_to_a_non_allowed_address_is_refused_without_naming_it(
        caplog: pytest.LogCaptureFixture) -> None:
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="a redirect leads to an "
                                             "address that is not allowed") as err:
        fetch(f"{base}/to-loopback-literal")
    assert "127.0.0.1" not in err.value.message and "loopback" not in err.value.message
    assert "resolves to 127.0.0.1" in caplog.text


def test_up_to_five_redirects_are_followed_and_a_sixth_is_refused() -> None:
    with serve() as (base, _):
        assert fetch(f"{base}/hop/4").content == CALENDAR  # five redirects
        with pytest.raises(CalendarFetchError, match="more than 5 redirects"):
            fetch(f"{base}/hop/5")


def test_conditional_request_with_etag_returns_the_cached_bytes_on_304() -> None:
    cache = FetchCache()
    with serve() as (base, seen):
        first = fetch(f"{base}/cal.ics", cache=cache)
        second = fetch(f"{base}/cal.ics", cache=cache)
    assert not first.not_modified and second.not_modified
    assert second.content == CALENDAR
    assert seen[1]["If-None-Match"] == '"v1"'


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_a_body_over_the_size_limit_is_refused(path: str) -> None:
    policy = FetchPolicy(allow=frozenset({"localhost"}), max_bytes=2000, timeout=2.0)
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="larger than"):
        fetch(f"{base}{path}", policy=policy)


def test_a_slow_server_times_out_and_the_error_names_the_url() -> None:
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="timed out") as err:
        fetch(f"{base}/slow", policy=FetchPolicy(allow=frozenset({"localhost"}), timeout=0.3))
    assert "/slow" in str(err.value)


def test_http_errors_name_status_and_url() -> None:
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="HTTP 404") as err:
        fetch(f"{base}/missing.ics")
    assert f"{base}/missing.ics" in str(err.value)


def test_a_closed_port_is_a_clear_connection_error() -> None:
    with pytest.raises(CalendarFetchError, match="cannot connect"):
        fetch("http://localhost:9/cal.ics")


@pytest.mark.parametrize("url", ["ftp://example.com/x.ics", "file:///etc/passwd", "not a url"])
def test_only_http_https_and_webcal_are_fetched(url: str) -> None:
    with pytest.raises(CalendarFetchError, match="only http"):
        fetch(url)


def test_webcal_is_fetched_over_https() -> None:
    seen: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        seen.append(f"{host}:{port}")
        raise OSError("stop here")

    with pytest.raises(CalendarFetchError, match="cannot resolve"):
        fetch_calendar("webcal://calendar.example.com/feed.ics", resolver=resolver)
    assert seen == ["calendar.example.com:443"]


def test_the_allow_list_is_read_from_the_environment() -> None:
    policy = FetchPolicy.from_env({"SCHEDULER_FETCH_ALLOW": "localhost, 10.0.0.0/8"})
    assert policy.allows("intranet", "10.1.2.3")
    assert policy.allows("localhost", "127.0.0.1")
    assert not policy.allows("other", "192.168.0.1")


# answers that are not calendars: say what came back, quote none of it ------------------

@pytest.mark.parametrize(("path", "kind"), [
    ("/html", r"a web page \(text/html\)"),
    ("/json", r"JSON data \(application/json\)"),
    ("/text", r"text \(text/plain\)"),
    ("/binary", r"binary data \(application/octet-stream\)"),
    ("/odd-type", r"an answer of an unknown type"),
    ("/empty", r"an empty answer"),
])
def test_an_answer_that_is_not_a_calendar_is_named_by_its_kind_and_never_quoted(path: str, kind: str) -> None:
    with serve() as (base, _), pytest.raises(CalendarError) as err:
        fetch(f"{base}{path}")
    assert err.type is CalendarError  # fetched fine, but not a calendar
    assert re.search(f"the address answered with {kind}, not a calendar", str(err.value))
    assert SECRET not in str(err.value) and "<" not in str(err.value)
    assert err.value.source == f"{base}{path}"


@pytest.mark.parametrize("path", ["/plain-calendar", "/untyped-calendar", "/utf16-calendar"])
def test_a_calendar_is_accepted_whatever_type_it_is_served_as(path: str) -> None:
    with serve() as (base, _):
        assert fetch(f"{base}{path}").content.strip()


@pytest.mark.parametrize(("path", "problem"), [
    ("/reason", r"HTTP 403 Forbidden"),
    ("/garbage", r"the server's answer is not valid HTTP"),
    ("/to-ftp", r"refused: redirected to an address that is not http or https"),
    ("/to-nowhere", r"HTTP 302 Found without a Location"),
])
def test_status_lines_headers_and_redirect_targets_are_never_quoted(path: str, problem: str) -> None:
    with serve() as (base, _), pytest.raises(CalendarFetchError, match=problem) as err:
        fetch(f"{base}{path}")
    assert SECRET not in str(err.value)
    assert err.value.source == f"{base}{path}"


# credentials and secret tokens in URLs -----------------------------------------------

@pytest.mark.parametrize(("url", "shown"), [
    ("https://alice:pa55@calendar.example.com/feed.ics",
     "https://calendar.example.com/feed.ics"),
    ("https://calendar.google.com/calendar/ical/alice%40example.com/"
     "private-0123456789abcdef0123456789abcdef/basic.ics",
     "https://calendar.google.com/calendar/ical/…/basic.ics"),
    ("https://example.com/cal.ics?token=hunter2&s=abc", "https://example.com/cal.ics?token=…&s=…"),
    ("webcal://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIz",
     "webcal://p52-caldav.icloud.com/published/2/…"),
    ("https://outlook.office365.com/owa/calendar/0f1e2d3c4b5a6978@example.org/"
     "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678/calendar.ics",
     "https://outlook.office365.com/owa/calendar/…/calendar.ics"),
    ("http://localhost:8080/cal.ics#hunter2", "http://localhost:8080/cal.ics"),
    ("https://example.com/calendars/team-2027.ics?export", "https://example.com/calendars/team-2027.ics?export"),
])
def test_redact_url_drops_credentials_and_hides_secret_looking_parts(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize("url", ["http://alice:pa55@[::1/x", "http://alice:pa55@host:port/x"])
def test_redact_url_hides_credentials_even_in_a_broken_url(url: str) -> None:
    assert "pa55" not in redact_url(url)


SECRET_URLS = [
    "http://alice:pa55@{host}{path}?token=hunter2",
    "http://{host}/private-0123456789abcdef0123456789abcdef{path}",
]


@pytest.mark.parametrize("form", SECRET_URLS)
@pytest.mark.parametrize(("path", "policy"), [
    ("/missing.ics", LOCAL),
    ("/html", LOCAL),
    ("/big", FetchPolicy(allow=frozenset({"localhost"}), max_bytes=2000, timeout=2.0)),
    ("/slow", FetchPolicy(allow=frozenset({"localhost"}), timeout=0.3)),
    ("/loop", LOCAL),
    ("/to-ftp", LOCAL),
    ("/garbage", LOCAL),
    ("/cal.ics", FetchPolicy(timeout=1.0)),  # loopback refused
])
def test_no_error_shows_credentials_or_secret_tokens_of_the_url(form: str, path: str,
                                                                 policy: FetchPolicy) -> None:
    with serve() as (base, _), pytest.raises(CalendarError) as err:
        fetch(form.format(host=base.removeprefix("http://"), path=path), policy=policy)
    text = f"{err.value} {err.value.source}"
    for secret in ("alice", "pa55", SECRET, "0123456789abcdef"):
        assert secret not in text
    assert "\n" not in str(err.value)


def test_a_closed_port_error_shows_no_credentials() -> None:
    with pytest.raises(CalendarFetchError, match="cannot connect") as err:
        fetch("http://alice:pa55@localhost:9/cal.ics?token=hunter2")
    assert "pa55" not in str(err.value) and SECRET not in str(err.value)


# redirect, size and time-out errors: the URL and what is wrong, in one line -------------

@pytest.mark.parametrize(("path", "policy", "problem"), [
    ("/loop", LOCAL, r"more than 5 redirects \(the limit\)"),
    ("/big", FetchPolicy(allow=frozenset({"localhost"}), max_bytes=2000, timeout=2.0),
     r"the answer is larger than the limit of 0\.002 MB"),
    ("/big-chunked", FetchPolicy(allow=frozenset({"localhost"}), max_bytes=2000, timeout=2.0),
     r"the answer is larger than the limit of 0\.002 MB"),
    ("/slow", FetchPolicy(allow=frozenset({"localhost"}), timeout=0.3),
     r"timed out after 0\.3 s without an answer"),
])
def test_redirect_size_and_time_out_errors_are_one_line_naming_the_url(path: str, policy: FetchPolicy,
                                                                       problem: str) -> None:
    with serve() as (base, _), pytest.raises(CalendarFetchError) as err:
        fetch(f"http://alice:pa55@{base.removeprefix('http://')}{path}?token=hunter2",
              policy=policy)
    assert re.fullmatch(f"{re.escape(base)}{path}\\?token=…: {problem}", str(err.value))


# addresses: IPv6 spellings that carry an IPv4 address, and site-local ----------------

EMBEDDED = [
    ("64:ff9b::7f00:1", "127.0.0.1", "a loopback", "NAT64"),
    ("64:ff9b::127.0.0.1", "127.0.0.1", "a loopback", "NAT64"),
    ("64:ff9b::a00:7", "10.0.0.7", "a private", "NAT64"),
    ("64:ff9b::169.254.169.254", "169.254.169.254", "a link-local", "NAT64"),
    ("64:ff9b::6440:1", "100.64.0.1", "a shared (carrier-grade NAT)", "NAT64"),
    ("64:ff9b::0.1.2.3", "0.1.2.3", "an unspecified", "NAT64"),
    ("64:ff9b::e000:1", "224.0.0.1", "a multicast", "NAT64"),
    ("64:ff9b::f000:1", "240.0.0.1", "a reserved", "NAT64"),
    ("2002:7f00:1::", "127.0.0.1", "a loopback", "6to4"),
    ("2002:a00:7:1::1", "10.0.0.7", "a private", "6to4"),
    ("2002:a9fe:a9fe::", "169.254.169.254", "a link-local", "6to4"),
    ("2002:6440:1::", "100.64.0.1", "a shared (carrier-grade NAT)", "6to4"),
    ("::127.0.0.1", "127.0.0.1", "a loopback", "IPv4-compatible"),
    ("::7f00:1", "127.0.0.1", "a loopback", "IPv4-compatible"),
    ("::192.168.1.1", "192.168.1.1", "a private", "IPv4-compatible"),
    ("::ffff:127.0.0.1", "127.0.0.1", "a loopback", "IPv4-mapped"),
    ("::ffff:7f00:1", "127.0.0.1", "a loopback", "IPv4-mapped"),
    ("::ffff:169.254.169.254", "169.254.169.254", "a link-local", "IPv4-mapped"),
    ("::ffff:100.64.0.1", "100.64.0.1", "a shared (carrier-grade NAT)", "IPv4-mapped"),
    ("::ffff:0:127.0.0.1", "127.0.0.1", "a loopback", "IPv4-translated"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1", "a loopback", "Teredo"),
    ("2001::f5ff:fff8", "10.0.0.7", "a private", "Teredo"),
]


@pytest.mark.parametrize(("address", "embedded", "kind", "form"), EMBEDDED)
def test_an_ipv6_address_carrying_a_refused_ipv4_address_is_refused(
        address: str, embedded: str, kind: str, form: str, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(CalendarFetchError, match="refused") as err:
        fetch_calendar("https://calendar.example.com/x.ics", resolver=lambda host, port: [address])
    shown = ipaddress.ip_address(address)
    assert f"resolves to {shown}, {kind} address ({embedded} in {form} form)" in caplog.text
    assert str(shown) not in str(err.value) and embedded not in str(err.value)


@pytest.mark.parametrize(("address", "embedded", "kind", "form"), EMBEDDED)
def test_an_ipv6_literal_carrying_a_refused_ipv4_address_is_refused(address: str, embedded: str,
                                                                    kind: str, form: str) -> None:
    with pytest.raises(CalendarFetchError, match=re.escape(f"{kind} address ({embedded} in {form} form)")):
        fetch_calendar(f"https://[{address}]/x.ics", resolver=local_resolver)


@pytest.mark.parametrize(("address", "kind"), [
    ("fec0::1", "a site-local address"),
    ("feff:ffff::1", "a site-local address"),
    ("64:ff9b:1::808:808", "a local-use NAT64 address"),
    ("64:ff9b:1:2::7f00:1", "a local-use NAT64 address"),
    ("100.64.0.1", "a shared (carrier-grade NAT) address"),
    ("100.127.255.254", "a shared (carrier-grade NAT) address"),
    ("0.1.2.3", "an unspecified address"),
    ("224.0.0.251", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("255.255.255.255", "a reserved address"),
    ("127.1.2.3", "a loopback address"),
    ("::", "an unspecified address"),
    ("ff02::1", "a multicast address"),
])
def test_site_local_local_use_nat64_and_other_non_public_addresses_are_refused(
        address: str, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(CalendarFetchError, match="refused") as err:
        fetch_calendar("https://calendar.example.com/x.ics", resolver=lambda host, port: [address])
    assert f"resolves to {ipaddress.ip_address(address)}, {kind}" in caplog.text
    assert str(ipaddress.ip_address(address)) not in str(err.value)
    assert "calendar.example.com is not allowed" in str(err.value)


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "64:ff9b::93.184.215.14", "2002:808:808::1",
                                     "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_in_every_form_are_allowed(address: str) -> None:
    assert FetchPolicy().allows("calendar.example.com", address)


def test_an_allow_listed_network_still_admits_its_addresses() -> None:
    policy = FetchPolicy(allow=frozenset({"fec0::/10", "100.64.0.0/10"}))
    assert policy.allows("intranet", "fec0::1") and policy.allows("intranet", "100.64.0.9")
    assert not policy.allows("intranet", "64:ff9b::7f00:1")
