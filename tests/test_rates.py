"""Rates: the arithmetic by hand, and the database store shared by threads and engines on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from scheduler.errors import Busy, InputError
from scheduler.rates import MemoryRates, Rate, admit, limit, rate_from_env
from scheduler.storage.database import make_engine
from scheduler.storage.rates import SqlRates

from .databases import database


def test_a_burst_of_count_then_one_every_interval() -> None:
    rate = Rate(3, 60.0)  # one every 20 s, three at once
    full_at = None
    for _ in range(3):
        full_at, wait = admit(full_at, 1000.0, rate)
        assert wait == 0
    assert full_at == pytest.approx(1060.0)
    refused, wait = admit(full_at, 1000.0, rate)
    assert refused is None and wait == 20
    refused, wait = admit(full_at, 1019.5, rate)
    assert refused is None and wait == 1  # rounded up, never 0
    after, wait = admit(full_at, 1020.0, rate)
    assert wait == 0 and after == pytest.approx(1080.0)
    # a key left alone long enough has its whole burst again
    for _ in range(3):
        full_at, wait = admit(full_at, 5000.0, rate)
        assert wait == 0


def test_limit_says_what_and_how_long() -> None:
    store = MemoryRates()
    rate = Rate(2, 60.0)
    limit(store, "k", rate, "mail", clock=lambda: 10.0)
    limit(store, "k", rate, "mail", clock=lambda: 10.0)
    limit(store, "other", rate, "mail", clock=lambda: 10.0)  # keys are apart
    with pytest.raises(Busy) as raised:
        limit(store, "k", rate, "mail", clock=lambda: 10.0)
    assert raised.value.retry_after == 30
    assert raised.value.message == "mail: at most 2 per minute; try again in 30 s"


@pytest.mark.parametrize("text", ["", "5", "5/", "/60", "0/60", "5/0", "-1/60", "5/60/2",
                                  "x/60", "5/1e3", "9999999/1"])
def test_malformed_rates_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        Rate.parse(text)


def test_a_rate_from_the_environment_names_its_variable() -> None:
    assert rate_from_env("X_RATE", Rate(1, 1.0), {}) == Rate(1, 1.0)
    assert rate_from_env("X_RATE", Rate(1, 1.0), {"X_RATE": " 20 / 60 "}) == Rate(20, 60.0)
    with pytest.raises(InputError, match=r"^X_RATE: "):
        rate_from_env("X_RATE", Rate(1, 1.0), {"X_RATE": "lots"})


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_threads_and_engines_share_one_allowance(kind: str, tmp_path) -> None:
    with database(kind, tmp_path) as engine:
        other = make_engine(engine.url.render_as_string(hide_password=False))
        stores = [SqlRates(engine), SqlRates(other)]
        rate = Rate(5, 3600.0)
        waits: list[int] = []
        lock = threading.Lock()

        def take(store: SqlRates) -> None:
            wait = store.take("link:m1", rate, 1000.0)
            with lock:
                waits.append(wait)

        threads = [threading.Thread(target=take, args=(stores[i % 2],)) for i in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        other.dispose()
        assert sorted(waits)[:5] == [0] * 5
        assert all(wait > 0 for wait in sorted(waits)[5:])
        assert SqlRates(engine).take("link:m2", rate, 1000.0) == 0  # another key
        assert SqlRates(engine).take("link:m1", rate, 1000.0 + 720.0) == 0  # one came back
