"""Refreshes that overlap (cron's ``scheduler refresh`` twice, or the periodic refresh
asked by several workers), on SQLite and PostgreSQL: each calendar URL is asked once and
its failure counted once, a host's failure counted once, no write trips over another
(no duplicate keys), and the periodic refresh runs once a period however many workers
ask; its logs name members by id, never by name."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from scheduler.storage.jobs import JobRepository

from . import test_refresh
from .test_refresh import T0, Route

kind, hosts, world_at = test_refresh.kind, test_refresh.hosts, test_refresh.world_at  # fixtures

AT_ONCE = 4


def at_once(work, count: int = AT_ONCE) -> list[object]:
    """``work()`` in ``count`` threads let go together: what each returned or raised."""
    barrier = threading.Barrier(count)
    found: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            found[i] = work()
        except Exception as error:  # reported by the test
            found[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return found


def test_refreshes_at_once_ask_each_url_once_and_count_a_failure_once(world_at, hosts):
    down, up = hosts
    down.routes["/a.ics"] = Route(kind="error", status=503)
    up.routes["/b.ics"] = Route(etag='"b"')
    up.routes["/c.ics"] = Route(kind="error", status=404)
    world = world_at([("Anna Ek", down.url("/a.ics")), ("Bo Berg", up.url("/b.ics")),
                      ("Cecilia Dahl", up.url("/c.ics"))])
    found = at_once(lambda: world.services.refresh_due(T0))
    errors = [f for f in found if isinstance(f, Exception)]
    assert errors == []
    assert (down.hits["/a.ics"], up.hits["/b.ics"], up.hits["/c.ics"]) == (1, 1, 1)
    assert sum(f["fetched"] for f in found) == 1  # type: ignore[index]
    assert sum(f["not_due"] for f in found) == 3 * (AT_ONCE - 1)  # type: ignore[index]
    assert world.member("Anna Ek")["calendar"]["failures"] == 1
    assert world.member("Cecilia Dahl")["calendar"]["failures"] == 1
    with world.services.reader() as uow:
        [state] = uow.calendars.hosts().values()
    assert state.failures == 1


def test_a_host_failure_is_counted_once_by_refreshes_that_began_before_it(world_at):
    world = world_at([("Anna Ek", None)])
    with world.services.uow() as uow:
        first = uow.calendars.host_failed("h.example", "down", T0 + dt.timedelta(minutes=1))
        same_round = uow.calendars.host_failed("h.example", "down", T0)
        uow.commit()
    assert first.failures == same_round.failures == 1
    with world.services.uow() as uow:
        later = uow.calendars.host_failed("h.example", "down", first.retry_at)
        uow.commit()
    assert later.failures == 2


def test_the_periodic_refresh_runs_once_a_period_however_many_workers_ask(world_at,
                                                                           monkeypatch,
                                                                           caplog):
    world = world_at([("Anna Ek", None)])
    services = world.services
    calls: list[int] = []

    def refresh_due(**_options):
        calls.append(1)
        time.sleep(0.3)  # the others ask while it runs
        return {"fetched": 0, "unchanged": 0, "failed": 1, "skipped": 0, "not_due": 0,
                "errors": ["member 0123456789abcdef (p): HTTP 404"]}

    monkeypatch.setattr(services, "refresh_due", refresh_due)
    found = at_once(lambda: services.refresh_when_due(6))
    ran = [f for f in found if f is not None]
    assert len(ran) == 1 and calls == [1], found
    assert ran[0].state == "done" and ran[0].result["failed"] == 1  # type: ignore[attr-defined]
    assert services.refresh_when_due(6) is None and calls == [1]  # the same period

    clock = JobRepository.clock
    monkeypatch.setattr(JobRepository, "clock",
                        lambda self: clock(self) + dt.timedelta(hours=6))
    caplog.set_level(logging.INFO)
    from scheduler.jobs.tasks import refresh_calendars

    refresh_calendars(services, 6)  # the next period
    assert calls == [1, 1]
    assert "0 fetched, 0 unchanged, 1 failed" in caplog.text
    assert "member 0123456789abcdef" in caplog.text


def test_refresh_errors_name_members_by_id(world_at, hosts):
    host = hosts[0]
    host.routes["/a.ics"] = Route(kind="error", status=404)
    world = world_at([("Anna Ek", host.url("/a.ics"))])
    found = world.services.refresh_due(T0)
    assert found["failed"] == 1
    assert "Anna" not in found["errors"][0]
    assert world.members["Anna Ek"] in found["errors"][0]
