"""The periodic refresh against real local HTTP hosts: conditional requests (ETag and
Last-Modified: a 304 reads nothing again and changes nothing stored), each failing host
backing off alone, a member flagged after failing again and again (and cleared by a
success), and bad answers that never change what is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from api import create_app
from calendars.fetch import FetchPolicy
from scheduler.council_file import council_from_mapping
from scheduler.fetch_state import backoff, is_failing
from scheduler.services import member_calendars

from .conftest import bearer
from .databases import database
from .refresh_server import STAMP, Host, Route, calendar, calendar_host

T0 = dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC)
# one deadline for a whole fetch, with room for a loaded machine ("slow" takes 1.5 s)
LOCAL = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=1.0, max_bytes=20_000)


@dataclass
class World:
    """The app over a database, and the council with members whose calendars are URLs."""

    app: Any
    council_id: str
    members: dict[str, str]  # name -> member id

    @property
    def services(self) -> Any:
        return self.app.extensions["council_services"]

    def member(self, name: str) -> dict[str, Any]:
        """The member as the council's JSON (GET /api/councils/{id}) has them."""
        headers = bearer(self.app, "secretary", self.council_id)
        document = self.app.test_client().get(f"/api/councils/{self.council_id}",
                                              headers=headers).json
        return next(m for p in document["parties"] for m in p["members"] if m["name"] == name)

    def stored(self, name: str) -> tuple[Any, ...]:
        """Everything kept of a member's calendar besides when it was checked."""
        member_id = self.members[name]
        with self.services.reader() as uow:
            state = uow.calendars.state(member_id)
            fetch = uow.calendars.fetch_states([member_id]).get(member_id)
            busy = uow.calendars.busy(member_id, T0 - dt.timedelta(days=400),
                                      T0 + dt.timedelta(days=800))
            text = uow.calendars.sanitised(member_id)
        return (state.content_hash, state.fetched_at, state.window, tuple(busy), text,
                fetch and (fetch.source, fetch.etag, fetch.last_modified))

    def refresh(self, at: dt.datetime, **options: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.services.refresh_due(at, **options)
        return found


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def hosts() -> Iterator[tuple[Host, Host]]:
    with calendar_host() as first, calendar_host() as second:
        yield first, second


def make_world(url: str, members: list[tuple[str, str]],
               bodies: list[tuple[str, str]] = ()) -> World:  # type: ignore[assignment]
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    services = app.extensions["council_services"]
    services.fetch_policy = LOCAL
    council = council_from_mapping({
        "name": "Kulturrådet", "bodies": [{"id": b, "name": b.upper(), "calendar": u}
                                          for b, u in bodies],
        "parties": [{"id": "p", "members": [
            {"name": name, "role": "representative" if i == 0 else "substitute",
             "calendar": calendar_url} for i, (name, calendar_url) in enumerate(members)]}]},
        None)
    document = services.add_council(council)
    ids = {m["name"]: m["id"] for p in document["parties"] for m in p["members"]}
    return World(app, document["id"], ids)


@pytest.fixture
def world_at(tmp_path, kind):  # type: ignore[no-untyped-def]
    """A function: the world over a database of ``kind`` with these members."""
    made: list[World] = []
    with database(kind, tmp_path) as engine:
        url = engine.url.render_as_string(hide_password=False)

        def make(members: list[tuple[str, str]], bodies: list[tuple[str, str]] = ()) -> World:  # type: ignore[assignment]
            made.append(make_world(url, members, bodies))
            return made[-1]
        yield make
        for world in made:
            world.app.extensions["council_engine"].dispose()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many calendars the service has read (parsed) so far."""
    count = [0]
    real = member_calendars.read_busy

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(member_calendars, "read_busy", counted)
    return count


# conditional requests --------------------------------------------------------------------

@pytest.mark.parametrize(("validators", "header"), [
    ({"etag": '"v1"'}, "If-None-Match"),
    ({"last_modified": STAMP}, "If-Modified-Since"),
])
def test_a_304_reads_nothing_again_and_changes_nothing_stored(world_at, hosts, reads,
                                                              validators, header) -> None:
    host = hosts[0]
    host.routes["/anna.ics"] = Route(**validators)
    world = world_at([("Anna", host.url("/anna.ics"))])
    assert world.refresh(T0) == {"fetched": 1, "unchanged": 0, "failed": 0, "skipped": 0,
                                 "not_due": 0, "errors": []}
    assert reads[0] == 1 and header not in host.headers[0]
    kept = world.stored("Anna")
    assert kept[3] and kept[5][1:] == (validators.get("etag"), validators.get("last_modified"))

    later = T0 + dt.timedelta(hours=3)
    assert world.refresh(later)["unchanged"] == 1
    assert host.headers[1][header] == next(iter(validators.values()))
    assert reads[0] == 1  # the 304 was not read again
    assert world.stored("Anna") == kept
    assert world.member("Anna")["calendar"]["checked_at"] == later.isoformat()

    host.routes["/anna.ics"] = Route(body=calendar(3), etag='"v2"')  # the calendar changed
    assert world.refresh(later + dt.timedelta(hours=3))["fetched"] == 1
    assert reads[0] == 2 and len(world.stored("Anna")[3]) == 1
    assert world.stored("Anna")[5][1] == '"v2"'


def test_a_calendar_checked_within_the_hour_is_not_due(world_at, hosts) -> None:
    host = hosts[0]
    host.routes["/anna.ics"] = Route(etag='"v1"')
    world = world_at([("Anna", host.url("/anna.ics"))])
    world.refresh(T0)
    assert world.refresh(T0 + dt.timedelta(minutes=30))["not_due"] == 1
    assert world.refresh(T0 + dt.timedelta(minutes=30), fresh_for=dt.timedelta(0))["unchanged"] == 1
    assert host.hits["/anna.ics"] == 2


def test_validators_of_another_url_are_not_sent(world_at, hosts) -> None:
    host = hosts[0]
    host.routes["/old.ics"] = Route(etag='"same"')
    host.routes["/new.ics"] = Route(body=calendar(5, 6, 7), etag='"same"')
    world = world_at([("Anna", host.url("/old.ics"))])
    world.refresh(T0)
    world.services.change_member(world.members["Anna"], {"calendar": host.url("/new.ics")})
    assert world.refresh(T0 + dt.timedelta(hours=2))["fetched"] == 1
    assert "If-None-Match" not in host.headers[-1] and len(world.stored("Anna")[3]) == 3


def test_a_body_plan_url_is_refreshed_conditionally_too(world_at, hosts, reads) -> None:
    host = hosts[0]
    host.routes["/kf.ics"] = Route(etag='"kf1"')
    world = world_at([("Anna", None)], bodies=[("kf", host.url("/kf.ics"))])  # type: ignore[list-item]
    assert world.refresh(T0)["fetched"] == 1
    assert world.refresh(T0 + dt.timedelta(hours=2))["unchanged"] == 1
    assert host.headers[1]["If-None-Match"] == '"kf1"' and reads[0] == 1
    plan = world.services.council_document(world.council_id)["bodies"][0]["plan"]
    assert plan["kept"] and plan["last_error"] is None


# hosts that fail -------------------------------------------------------------------------

def test_a_failing_host_backs_off_while_another_host_is_still_fetched(world_at, hosts) -> None:
    down, up = hosts
    down.routes["/a.ics"] = Route(kind="error", status=503)
    down.routes["/b.ics"] = Route(kind="error", status=503)
    up.routes["/c.ics"] = Route(etag='"c"')
    world = world_at([("A", down.url("/a.ics")), ("B", down.url("/b.ics")),
                      ("C", up.url("/c.ics"))])
    first = world.refresh(T0)
    # the host's first URL failed: its second was not asked in the same run
    assert (first["fetched"], first["failed"], first["skipped"]) == (1, 1, 1)
    assert sum(down.hits.values()) == 1 and "HTTP 503" in first["errors"][0]

    within = world.refresh(T0 + dt.timedelta(minutes=4), fresh_for=dt.timedelta(0))
    assert (within["skipped"], within["unchanged"]) == (2, 1)
    assert sum(down.hits.values()) == 1 and up.hits["/c.ics"] == 2  # the other host still asked

    after = world.refresh(T0 + dt.timedelta(minutes=6), fresh_for=dt.timedelta(0))
    assert after["failed"] == 1 and sum(down.hits.values()) == 2
    with world.services.reader() as uow:
        waiting = uow.calendars.hosts()
    [state] = waiting.values()
    assert state.failures == 2
    assert state.retry_at == T0 + dt.timedelta(minutes=6) + dt.timedelta(minutes=10)  # doubled
    assert "HTTP 503" in (state.last_error or "")


def test_backoff_doubles_from_five_minutes_to_at_most_a_day() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 6)] == [5, 10, 20, 40, 80]
    assert backoff(9) == dt.timedelta(minutes=5 * 256) < dt.timedelta(hours=24)
    assert backoff(10) == backoff(40) == dt.timedelta(hours=24) and backoff(0) == dt.timedelta(0)


def test_an_error_of_one_url_does_not_hold_back_its_host(world_at, hosts) -> None:
    host = hosts[0]
    host.routes["/broken.ics"] = Route(kind="error", status=500)
    host.routes["/fine.ics"] = Route(etag='"f"')
    world = world_at([("Broken", host.url("/broken.ics")), ("Fine", host.url("/fine.ics"))])
    world.refresh(T0)  # the host's first URL failed: it backs off
    second = world.refresh(T0 + dt.timedelta(minutes=10), fresh_for=dt.timedelta(0))
    # the one that never failed goes first; the host answered it, so it does not back off
    assert (second["unchanged"] + second["fetched"], second["failed"]) == (1, 1)
    with world.services.reader() as uow:
        assert uow.calendars.hosts() == {}
    third = world.refresh(T0 + dt.timedelta(minutes=15), fresh_for=dt.timedelta(0))
    assert third["skipped"] == 0 and host.hits["/broken.ics"] == 3


# members flagged -------------------------------------------------------------------------

def test_three_failures_flag_the_member_and_a_success_clears_it(world_at, hosts) -> None:
    host = hosts[0]
    host.routes["/anna.ics"] = Route(etag='"v1"')
    world = world_at([("Anna", host.url("/anna.ics"))])
    world.refresh(T0)
    kept = world.stored("Anna")
    host.routes["/anna.ics"] = Route(kind="error", status=502)
    at = T0 + dt.timedelta(hours=3)
    for _ in range(3):
        assert not world.member("Anna")["calendar_failing"]
        assert world.refresh(at)["failed"] == 1
        at += dt.timedelta(hours=3)
    member = world.member("Anna")
    assert member["calendar_failing"] is True
    assert member["calendar"]["failures"] == 3
    assert member["calendar"]["failing_since"] == (T0 + dt.timedelta(hours=3)).isoformat()
    error = member["calendar"]["last_error"]
    assert "HTTP 502 Bad Gateway" in error and len(error) <= 300 and "down" not in error
    assert world.stored("Anna") == kept  # the calendar kept stays as it was

    host.routes["/anna.ics"] = Route(etag='"v1"')
    assert world.refresh(at)["unchanged"] == 1
    member = world.member("Anna")
    assert member["calendar_failing"] is False and member["calendar"]["failures"] == 0
    assert member["calendar"]["failing_since"] is None and member["calendar"]["last_error"] is None


def test_failing_for_more_than_a_day_flags_as_well() -> None:
    since = T0
    assert not is_failing(2, since, since + dt.timedelta(hours=24))
    assert is_failing(2, since, since + dt.timedelta(hours=25))
    assert is_failing(3, since, since) and not is_failing(0, None, since)


# bad answers -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kind_of_answer", "words"), [
    ("html", "a web page"),
    ("big", "larger than the limit"),
    ("binary", "binary"),
    ("slow", "timed out"),
])
def test_a_bad_answer_never_changes_what_is_stored(world_at, hosts, kind_of_answer,
                                                   words) -> None:
    host = hosts[0]
    host.routes["/anna.ics"] = Route(etag='"v1"')
    world = world_at([("Anna", host.url("/anna.ics"))])
    world.refresh(T0)
    kept = world.stored("Anna")
    host.routes["/anna.ics"] = Route(kind=kind_of_answer, body=calendar(9))
    found = world.refresh(T0 + dt.timedelta(hours=2))
    assert found["failed"] == 1 and words in found["errors"][0]
    assert world.stored("Anna") == kept
    calendar_json = world.member("Anna")["calendar"]
    assert calendar_json["failures"] == 1 and words in calendar_json["last_error"]
    assert "sign in" not in calendar_json["last_error"]  # nothing the server sent is quoted


def test_a_single_refresh_is_conditional_and_records_its_failure(world_at, hosts) -> None:
    host = hosts[0]
    host.routes["/anna.ics"] = Route(etag='"v1"')
    world = world_at([("Anna", host.url("/anna.ics"))])
    anna = world.members["Anna"]
    headers = bearer(world.app, "secretary", world.council_id)
    client = world.app.test_client()
    assert client.post(f"/api/members/{anna}/calendar/refresh", headers=headers).status_code == 200
    kept = world.stored("Anna")
    assert client.post(f"/api/members/{anna}/calendar/refresh", headers=headers).status_code == 200
    assert host.headers[1]["If-None-Match"] == '"v1"' and world.stored("Anna") == kept
    host.routes["/anna.ics"] = Route(kind="html")
    answer = client.post(f"/api/members/{anna}/calendar/refresh", headers=headers)
    assert answer.status_code == 400 and world.stored("Anna") == kept
    assert world.member("Anna")["calendar"]["failures"] == 1
