"""What every use case shares: a unit of work per call and the service's settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import zoneinfo
from collections.abc import Callable
from typing import TypeVar

from calendars.fetch import FetchCache, FetchPolicy

from ..council import Council
from ..fetching import FetchSettings, FetchSlots
from ..mail.settings import MailSettings
from ..ports import UnitOfWork
from ..rates import MemoryRates, Rate, RateStore, limit
from ..records import CouncilRecord

__all__ = ["ServiceBase", "UnitOfWorkFactory"]

T = TypeVar("T")
UnitOfWorkFactory = Callable[..., UnitOfWork]  # (write: bool = True) -> UnitOfWork


class ServiceBase:
    """Settings and helpers of the service; the use cases are in the mixins beside it."""

    def __init__(self, uow: UnitOfWorkFactory, *, link_key: str,
                 fetch_policy: FetchPolicy | None = None, fetch_cache: FetchCache | None = None,
                 fetching: FetchSettings | None = None, solves_at_once: int = 2,
                 solve_wait_s: float = 2.0,
                 mail: MailSettings | None = None, public_url: str | None = None,
                 rates: RateStore | None = None):
        self.uow = uow
        self.rates: RateStore = rates or MemoryRates()
        self.link_key = link_key.encode()
        self.fetching = fetching or FetchSettings.from_env()
        self.fetch_policy = fetch_policy or self.fetching.policy
        self.fetch_slots = FetchSlots(self.fetching.at_once)  # fetches requests may run at once
        self.fetch_cache = fetch_cache or FetchCache()
        self.solves = threading.BoundedSemaphore(solves_at_once)
        self.solves_at_once = solves_at_once
        self.solve_wait_s = solve_wait_s
        self.feed_cache: dict[str, bytes] = {}
        self.feed_lock = threading.Lock()
        self.mail = mail  # None: mail is off
        self.public_url = (public_url or "").rstrip("/") or None  # where members' links point
        self.mail_queued: Callable[[], None] = lambda: None  # told after mail was queued

    def fetch_on_request(self, key: str, work: Callable[[], T]) -> T | None:
        """Run a fetch a person asked for (``work``, which returns something other than
        None): counted against ``key``'s rate, in one of the process's fetch slots, and
        waited for no longer than the fetch deadline and a second. Return its result, or
        None when it is still running (it keeps what it finds); Busy (429) when ``key``
        fetched too often or every slot is taken."""
        self.limit(key, self.fetching.rate, "fetches of this calendar address")
        return self.fetch_slots.run(work, self.fetch_policy.timeout)

    def limit(self, key: str, rate: Rate, what: str) -> None:
        """Take one action of ``key`` at ``rate`` (kept whatever the use case does next);
        Busy (HTTP 429 with Retry-After) when its allowance is used up."""
        limit(self.rates, key, rate, what)

    def reader(self) -> UnitOfWork:
        """A unit of work for a use case that only reads."""
        return self.uow(write=False)

    @staticmethod
    def today_start(zone: str) -> dt.datetime:
        """Midnight today in the zone."""
        return dt.datetime.now(zoneinfo.ZoneInfo(zone)).replace(hour=0, minute=0, second=0,
                                                                 microsecond=0)

    @staticmethod
    def with_history(uow: UnitOfWork, record: CouncilRecord) -> Council:
        """The council with recorded attendance added to each member's history."""
        history = uow.attendance.history(list(record.member_ids.values()))
        parties = []
        for party in record.council.parties:
            members = []
            for i, member in enumerate(party.members):
                invited, attended = history.get(record.member_ids[(party.id, i)], (0, 0))
                members.append(dataclasses.replace(member, invited=member.invited + invited,
                                                   attended=member.attended + attended))
            parties.append(dataclasses.replace(party, members=tuple(members)))
        return dataclasses.replace(record.council, parties=tuple(parties))
