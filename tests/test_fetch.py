"""Subscription URLs: limits, redirects, conditional requests and address policy."""

from __future__ import annotations

import pytest

from calendars import CalendarFetchError
from calendars.fetch import FetchCache, FetchPolicy, fetch_calendar

from .local_server import CALENDAR, serve

LOCAL = FetchPolicy(allow=frozenset({"localhost"}), timeout=1.0)


def local_resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"] if host == "localhost" else ["93.184.215.14"]


def fetch(url: str, **kwargs: object):
    kwargs.setdefault("policy", LOCAL)
    kwargs.setdefault("resolver", local_resolver)
    return fetch_calendar(url, **kwargs)  # type: ignore[arg-type]


def test_an_allow_listed_local_server_is_fetched():
    with serve() as (base, seen):
        assert fetch(f"{base}/cal.ics").content == CALENDAR
        assert seen[0]["Host"] == base.removeprefix("http://")


def test_loopback_is_refused_unless_allow_listed():
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="loopback") as err:
        fetch(f"{base}/cal.ics", policy=FetchPolicy(timeout=1.0))
    assert err.value.source == f"{base}/cal.ics"


@pytest.mark.parametrize("address", ["10.0.0.7", "192.168.1.1", "169.254.169.254", "::1",
                                     "fd00::1", "0.0.0.0"])
def test_private_and_link_local_answers_are_refused(address: str):
    with pytest.raises(CalendarFetchError, match="refused"):
        fetch_calendar("https://calendar.example.com/x.ics",
                       resolver=lambda host, port: [address])


def test_a_redirect_to_a_non_allowed_address_is_refused():
    with serve() as (base, _), pytest.raises(CalendarFetchError, match=r"127\.0\.0\.1"):
        fetch(f"{base}/to-loopback-literal")


def test_up_to_five_redirects_are_followed_and_a_sixth_is_refused():
    with serve() as (base, _):
        assert fetch(f"{base}/hop/4").content == CALENDAR  # five redirects
        with pytest.raises(CalendarFetchError, match="more than 5 redirects"):
            fetch(f"{base}/hop/5")


def test_conditional_request_with_etag_returns_the_cached_bytes_on_304():
    cache = FetchCache()
    with serve() as (base, seen):
        first = fetch(f"{base}/cal.ics", cache=cache)
        second = fetch(f"{base}/cal.ics", cache=cache)
    assert not first.not_modified and second.not_modified
    assert second.content == CALENDAR
    assert seen[1]["If-None-Match"] == '"v1"'


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_a_body_over_the_size_limit_is_refused(path: str):
    policy = FetchPolicy(allow=frozenset({"localhost"}), max_bytes=2000, timeout=2.0)
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="larger than"):
        fetch(f"{base}{path}", policy=policy)


def test_a_slow_server_times_out_and_the_error_names_the_url():
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="timed out") as err:
        fetch(f"{base}/slow", policy=FetchPolicy(allow=frozenset({"localhost"}), timeout=0.3))
    assert "/slow" in str(err.value)


def test_http_errors_name_status_and_url():
    with serve() as (base, _), pytest.raises(CalendarFetchError, match="HTTP 404") as err:
        fetch(f"{base}/missing.ics")
    assert f"{base}/missing.ics" in str(err.value)


def test_a_closed_port_is_a_clear_connection_error():
    with pytest.raises(CalendarFetchError, match="cannot connect"):
        fetch("http://localhost:9/cal.ics")


@pytest.mark.parametrize("url", ["ftp://example.com/x.ics", "file:///etc/passwd", "not a url"])
def test_only_http_https_and_webcal_are_fetched(url: str):
    with pytest.raises(CalendarFetchError, match="only http"):
        fetch(url)


def test_webcal_is_fetched_over_https():
    seen: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        seen.append(f"{host}:{port}")
        raise OSError("stop here")

    with pytest.raises(CalendarFetchError, match="cannot resolve"):
        fetch_calendar("webcal://calendar.example.com/feed.ics", resolver=resolver)
    assert seen == ["calendar.example.com:443"]


def test_the_allow_list_is_read_from_the_environment():
    policy = FetchPolicy.from_env({"SCHEDULER_FETCH_ALLOW": "localhost, 10.0.0.0/8"})
    assert policy.allows("intranet", "10.1.2.3")
    assert policy.allows("localhost", "127.0.0.1")
    assert not policy.allows("other", "192.168.0.1")
