"""Use cases of members' calendars: upload, fetch again (one, or every URL that is due,
conditionally and backing off from failing hosts), and busy time for any window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calendars import BusyInterval, CalendarError, busy_time_calendar, read_busy
from calendars.fetch import FetchedCalendar, HostUnavailable, Validators
from solver.progress import Progress, Reporter

from ..availability import StatementMap, presence
from ..bodies import PlanMap, plans_for_members
from ..calendar_sources import Answer, Wanted, calendar_limits, fetch_by_host, ingest_cache
from ..council import Body, Member
from ..errors import InputError, NotFound
from ..fetch_state import FRESH_FOR, FetchMark, FetchState, HostState, source_key
from ..horizon import HISTORY, missing_history, whole_calendar
from ..planning import BusyMap, calendar_views
from ..ports import UnitOfWork
from ..proposal import CalendarView
from ..records import CalendarState, CouncilRecord, PlanState
from .base import ServiceBase

__all__ = ["CalendarServices"]

_PAST = dt.timedelta(days=31)
_YEAR = dt.timedelta(days=365)
_FUTURE = dt.timedelta(days=2 * 366)
REFRESHING = "refreshing calendars"


@dataclass(frozen=True)
class _Source:
    """A calendar URL the service keeps: a member's ("member", member_id) or a body's plan
    ("plan", council_id, body_id), named by its ids for logs (never a member's name),
    and how fetching it went."""

    key: tuple[str, ...]
    who: str
    url: str
    state: FetchState

    def wanted(self) -> Wanted:
        """The URL to fetch, conditional on what is kept when it came from this URL."""
        state = self.state
        same = state.source == source_key(self.url)
        known = Validators(state.etag, state.last_modified) if same else None
        return Wanted(self.key, self.url, known or None)


class CalendarServices(ServiceBase):
    """Members' calendars in, busy time out."""

    def upload_calendar(self, member_id: str, data: bytes) -> CalendarState:
        """Read an uploaded calendar and keep its busy time only (never titles or
        descriptions). A calendar that cannot be read raises CalendarError and changes
        nothing stored."""
        return self._keep_calendar(member_id, data, None)

    def _keep_calendar(self, member_id: str, data: bytes, mark: FetchMark | None
                       ) -> CalendarState:
        """Keep a calendar's busy time; ``mark``: it came from the member's URL, checked so."""
        with self.reader() as uow:
            record, _party, member = uow.councils.member(member_id)
        zone = record.council.timezone
        start = self.today_start(zone) - _PAST
        end = start + _PAST + _FUTURE
        limits = calendar_limits()
        result = read_busy(data, start, end, zone=zone, email=member.email, source="calendar",
                           limits=limits)
        kept = busy_time_calendar(data, zone=zone, email=member.email, limits=limits)
        with self.uow() as uow:
            uow.calendars.save(member_id, result.content_hash, (start, end), result.intervals, kept)
            if mark is not None:
                uow.calendars.checked(member_id, mark)
            uow.commit()
            return uow.calendars.state(member_id)

    def refresh_calendar(self, member_id: str) -> CalendarState | None:
        """Fetch a member's calendar URL again (conditionally: a 304 keeps what is stored);
        a failure is recorded and raised. None when the fetch is still under way after its
        deadline and a second (what comes of it is recorded then); Busy (429) when the
        URL was asked for too often, or every fetch slot of the process is taken."""
        with self.reader() as uow:
            record, party_id, member = uow.councils.member(member_id)
            states = uow.calendars.fetch_states([member_id])
        if not member.calendar:
            raise InputError("this member has no calendar URL", field="calendar")
        source = _Source(("member", member_id), f"member {member_id} ({party_id})",
                         member.calendar, states.get(member_id, FetchState()))

        def refresh() -> CalendarState:
            self._refresh_one(source)
            with self.reader() as uow:
                return uow.calendars.state(member_id)

        return self.fetch_on_request(f"fetch:member:{member_id}", record.id, refresh)

    def _refresh_one(self, source: _Source) -> None:
        """Fetch one URL now, whether its host backs off or not; raise its error."""
        errors: list[CalendarError] = []
        with self.reader() as uow:
            hosts = uow.calendars.hosts()
        self._fetch([source], _now(), hosts,
                    lambda _answer, error: errors.extend([error] if error else []))
        if errors:
            raise errors[0]

    def refresh_due(self, now: dt.datetime | None = None, *, fresh_for: dt.timedelta = FRESH_FOR,
                    progress: Callable[[Progress], None] | None = None) -> dict[str, Any]:
        """Fetch every member's calendar URL and body's plan URL not checked within
        ``fresh_for``, conditionally (a 304 keeps what is stored), each host's one after
        another and several hosts at once; a host that failed waits (doubling, up to a day)
        while the others are fetched. Return how many were ``fetched``, ``unchanged``,
        ``failed``, ``skipped`` (their host backs off) and ``not_due`` (or taken by another
        refresh under way), with the ``errors`` in words (naming members by id)."""
        now = now or _now()
        with self.reader() as uow:
            sources = self._sources(uow)
            hosts = uow.calendars.hosts()
        summary: dict[str, Any] = {"fetched": 0, "unchanged": 0, "failed": 0, "skipped": 0,
                                   "not_due": 0, "errors": []}
        wanted: dict[tuple[str, ...], _Source] = {}
        for source in sources:
            waiting = hosts.get(source.wanted().host)
            if source.state.checked_at and now - source.state.checked_at < fresh_for:
                summary["not_due"] += 1
            elif waiting is not None and waiting.retry_at > now:
                summary["skipped"] += 1
            else:
                wanted[source.key] = source
        with self.uow() as uow:  # each URL asked by one refresh, even when refreshes overlap
            taken = [key for key in wanted
                     if uow.calendars.claim_check(key, now, now - fresh_for)]
            uow.commit()
        summary["not_due"] += len(wanted) - len(taken)  # another refresh has them
        wanted = {key: wanted[key] for key in taken}
        unasked: list[_Source] = []
        report = Reporter(progress)
        report.stage(REFRESHING, done=0.0)
        done = 0

        def count(answer: Answer, error: CalendarError | None) -> None:
            nonlocal done
            if answer.skipped:
                summary["skipped"] += 1
                unasked.append(wanted[answer.wanted.key])
            elif error is not None:
                summary["failed"] += 1
                summary["errors"].append(f"{wanted[answer.wanted.key].who}: {error}")
            else:
                summary["unchanged" if answer.fetched and answer.fetched.not_modified
                        else "fetched"] += 1
            done += 1
            report.update(done=done / len(wanted))

        self._fetch(list(wanted.values()), now, hosts, count)
        if unasked:  # its host backed off meanwhile: due again as it was
            with self.uow() as uow:
                for source in unasked:
                    uow.calendars.release_check(source.key, now, source.state.checked_at)
                uow.commit()
        report.finish()
        return summary

    def _fetch(self, sources: list[_Source], now: dt.datetime, hosts: dict[str, HostState],
               told: Callable[[Answer, CalendarError | None], None]) -> None:
        """Fetch the sources (those that failed least first, host by host) and keep what
        came of each; then a host that answered at all stops backing off, and one that
        only failed (HostUnavailable) backs off longer."""
        ordered = sorted(sources, key=lambda source: source.state.failures)
        by_key = {source.key: source for source in ordered}
        answered: set[str] = set()
        failed: dict[str, str] = {}
        for answer in fetch_by_host([source.wanted() for source in ordered], self.fetch_policy):
            error = self._take(answer, by_key[answer.wanted.key], now)
            host = answer.wanted.host
            if isinstance(error, HostUnavailable):
                failed.setdefault(host, str(error))
            elif not answer.skipped:
                answered.add(host)
            told(answer, error)
        with self.uow() as uow:
            for host in answered & set(hosts):
                uow.calendars.host_answered(host)
            for host, why in failed.items():
                if host and host not in answered:
                    uow.calendars.host_failed(host, why, now)
            uow.commit()

    def _sources(self, uow: UnitOfWork) -> list[_Source]:
        """Every calendar URL kept: members' and bodies' plans, with how fetching went."""
        found = []
        for record in map(uow.councils.get, uow.councils.ids()):
            states = uow.calendars.fetch_states(list(record.member_ids.values()))
            for (party_id, i), member_id in record.member_ids.items():
                member = record.council.party(party_id).members[i]
                if member.calendar:
                    found.append(_Source(("member", member_id),
                                         f"member {member_id} ({party_id})", member.calendar,
                                         states.get(member_id, FetchState())))
            plans = uow.calendars.plan_fetch_states(record.id)
            found += [_Source(("plan", record.id, body.id),
                              f"meeting plan {body.id} of council {record.id}",
                              body.calendar, plans.get(body.id, FetchState()))
                      for body in record.council.bodies if body.calendar]
        return found

    def _take(self, answer: Answer, source: _Source, now: dt.datetime) -> CalendarError | None:
        """Keep what came of a fetched URL: new content read and stored with its validators,
        a 304 noted, a failure counted; nothing is kept of an answer that cannot be read.
        Return the error, if any."""
        if answer.skipped:
            return None
        error = answer.error
        if answer.fetched is not None:
            try:
                self._keep_fetched(source, answer.fetched, now)
                return None
            except CalendarError as exc:  # fetched, but not a calendar that can be read
                error = exc
        assert error is not None
        with self.uow() as uow:
            if source.key[0] == "member":
                uow.calendars.fetch_failed(source.key[1], str(error), now)
            else:
                uow.calendars.plan_fetch_failed(source.key[1], source.key[2], str(error), now)
            uow.commit()
        return error

    def _keep_fetched(self, source: _Source, fetched: FetchedCalendar, now: dt.datetime) -> None:
        mark = FetchMark(source_key(source.url), fetched.etag, fetched.last_modified, now)
        if source.key[0] == "member" and not fetched.not_modified:
            self._keep_calendar(source.key[1], fetched.content, mark)
        elif not fetched.not_modified:
            self._keep_plan(source.key[1], source.key[2], fetched.content, mark)
        else:
            with self.uow() as uow:
                if source.key[0] == "member":
                    uow.calendars.checked(source.key[1], mark)
                else:
                    uow.calendars.plan_checked(source.key[1], source.key[2], mark)
                uow.commit()

    def forget_calendar(self, member_id: str) -> None:
        """Remove everything stored of a member's calendar."""
        with self.uow() as uow:
            uow.calendars.forget(member_id)
            uow.commit()

    def calendar_views(self, uow: UnitOfWork, record: CouncilRecord
                       ) -> dict[str, CalendarView]:
        """Member id -> what their calendar shows over the coming year, and what is read
        beyond its horizon (for the council page and the chair's report)."""
        start = self.today_start(record.council.timezone)
        end = start + _YEAR
        busy, plans, _warnings = self.known_time(uow, record, start, end)
        available = presence(record.council, [], busy, plans=plans)
        views = calendar_views(record.council, available, busy, end, every=True)
        members = [record.member_ids[(party.id, i)] for party in record.council.parties
                   for i in range(len(party.members))]
        return dict(zip(members, views, strict=True))

    @staticmethod
    def statement_map(uow: UnitOfWork, record: CouncilRecord) -> StatementMap:
        """(party id, member position) -> what the member said themselves."""
        said = uow.statements.statements(list(record.member_ids.values()),
                                         record.council.timezone)
        return {key: said[member_id] for key, member_id in record.member_ids.items()
                if said.get(member_id)}

    def known_time(self, uow: UnitOfWork, record: CouncilRecord, start: dt.datetime,
                   end: dt.datetime) -> tuple[BusyMap, PlanMap, list[str]]:
        """Every member's busy intervals and bodies' plans for the period [start, end), read
        from half a year before it (their habits are learned there), with warnings."""
        busy, warnings = self.busy_map(uow, record, start - HISTORY, end)
        plans, plan_warnings = self.plan_map(uow, record, start - HISTORY, end)
        return self.whole_calendars(uow, record, busy, start - HISTORY, end), plans, \
            warnings + plan_warnings

    @classmethod
    def whole_calendars(cls, uow: UnitOfWork, record: CouncilRecord, busy: BusyMap,
                        start: dt.datetime, end: dt.datetime) -> BusyMap:
        """``busy`` (read over [start, end)) with what each member's horizon and habits need
        from the whole stored calendar: its last one-off interval (wherever it lies, so the
        horizon is where the calendar stops speaking, not where the window stops) and the
        half year before the horizon (the weeks the habits are learned from), by the rule
        the command line reads calendar files by (``horizon.missing_history``). Neither
        changes a status inside the window; each member costs at most one more read of
        half a year."""
        states = uow.calendars.states(list(record.member_ids.values()))
        zone = record.council.timezone
        whole: BusyMap = {}
        for key, intervals in busy.items():
            member_id = record.member_ids[key]
            if intervals is None:
                whole[key] = None
                continue
            member = record.council.party(key[0]).members[key[1]]
            last = uow.calendars.last_one_off(member_id)
            more: list[BusyInterval] = []
            for begin, finish in missing_history(intervals, last, member.horizon, zone,
                                                 start, end):
                read, _warning = cls._read(uow, states[member_id], member_id, member, key[0],
                                           zone, begin, finish)
                more += read or ()
            whole[key] = whole_calendar(intervals, last, more)
        return whole

    # bodies' meeting plans --------------------------------------------------------------
    def upload_plan(self, council_id: str, body_id: str, data: bytes) -> PlanState:
        """Keep a body's meeting plan as busy time only; a file that is not a calendar
        raises CalendarError and changes nothing."""
        return self._keep_plan(council_id, body_id, data, None)

    def _keep_plan(self, council_id: str, body_id: str, data: bytes, mark: FetchMark | None
                   ) -> PlanState:
        """Keep a body's plan; ``mark``: it came from the body's URL, checked so."""
        with self.reader() as uow:
            record = uow.councils.get(council_id)
        body = _body(record, body_id)
        zone = record.council.timezone
        start = self.today_start(zone) - _PAST
        limits = calendar_limits()
        result = read_busy(data, start, start + _PAST + _FUTURE, zone=zone, source=body.name,
                           limits=limits)
        kept = busy_time_calendar(data, zone=zone, limits=limits)
        with self.uow() as uow:
            uow.bodies.save_plan(council_id, body_id, result.content_hash, kept)
            uow.calendars.plan_checked(council_id, body_id, mark)
            uow.commit()
            return uow.bodies.states(council_id)[body_id]

    def refresh_plan(self, council_id: str, body_id: str) -> PlanState | None:
        """Fetch a body's meeting-plan URL again (conditionally); a failure is recorded
        and raised. None when the fetch is still under way after its deadline and a second
        (what comes of it is recorded then); Busy (429) when the URL was asked for too
        often, or every fetch slot of the process is taken."""
        with self.reader() as uow:
            record = uow.councils.get(council_id)
            body = _body(record, body_id)
            state = uow.calendars.plan_fetch_states(council_id).get(body_id, FetchState())
        if not body.calendar:
            raise InputError("this body has no calendar URL", field="calendar")
        source = _Source(("plan", council_id, body_id),
                         f"meeting plan {body_id} of council {council_id}", body.calendar, state)

        def refresh() -> PlanState:
            self._refresh_one(source)
            with self.reader() as uow:
                return uow.bodies.states(council_id)[body_id]

        return self.fetch_on_request(f"fetch:plan:{council_id}:{body_id}", council_id, refresh)

    @staticmethod
    def plan_map(uow: UnitOfWork, record: CouncilRecord, start: dt.datetime,
                 end: dt.datetime) -> tuple[PlanMap, list[str]]:
        """Every member's intervals from the kept plans of the bodies they sit in, over
        [start, end); a body some member sits in without a kept plan is warned of."""
        council = record.council
        kept = uow.bodies.plans(record.id)
        seated = {b for party in council.parties for m in party.members for b in m.bodies}
        read: dict[str, list[BusyInterval]] = {}
        warnings = []
        for body in council.bodies:
            if body.id not in seated:
                continue
            if body.id not in kept:
                warnings.append(f"{body.name}: no meeting plan is kept; its members are "
                                "counted without it")
                continue
            try:
                read[body.id] = list(read_busy(kept[body.id].encode("utf-8"), start, end,
                                               zone=council.timezone, limits=calendar_limits(),
                                               cache=ingest_cache()).intervals)
            except CalendarError as exc:  # over a limit for this window
                warnings.append(f"{body.name}: the kept meeting plan cannot be read for this "
                                f"period ({exc.message}); its members are counted without it")
        return plans_for_members(council, read), warnings

    @staticmethod
    def busy_map(uow: UnitOfWork, record: CouncilRecord, start: dt.datetime,
                 end: dt.datetime) -> tuple[BusyMap, list[str]]:
        """Every member's busy intervals over [start, end): stored ones inside the window
        they were read for, the kept busy-time calendar read again outside it; a member
        whose calendar cannot answer for the window (not kept so far, or over a limit of
        reading for it) counts as unknown, with a warning."""
        states = uow.calendars.states(list(record.member_ids.values()))
        busy: BusyMap = {}
        warnings: list[str] = []
        for (party_id, index), member_id in record.member_ids.items():
            member = record.council.party(party_id).members[index]
            busy[(party_id, index)], warning = CalendarServices._read(
                uow, states[member_id], member_id, member, party_id, record.council.timezone,
                start, end)
            if warning:
                warnings.append(warning)
        return busy, warnings

    @staticmethod
    def _read(uow: UnitOfWork, state: CalendarState, member_id: str, member: Member,
              party_id: str, zone: str, start: dt.datetime, end: dt.datetime
              ) -> tuple[list[BusyInterval] | None, str | None]:
        """One member's busy intervals over [start, end) (None: unknown) and why not."""
        if not state.known:
            return None, None
        if state.window and state.window[0] <= start and end <= state.window[1]:
            return uow.calendars.busy(member_id, start, end), None
        if (text := uow.calendars.sanitised(member_id)) is not None:
            try:
                return list(read_busy(text.encode("utf-8"), start, end, zone=zone,
                                      email=member.email, limits=calendar_limits(),
                                      cache=ingest_cache()).intervals), None
            except CalendarError as exc:  # over a limit for this window
                return None, (f"{member.name} ({party_id}): the stored calendar cannot be read for this "
                              f"period ({exc.message}); counted as unknown")
        reach = f" up to {state.window[1]:%Y-%m-%d}" if state.window else ""
        return None, (f"{member.name} ({party_id}): the stored calendar covers only{reach}; counted as "
                      "unknown — upload or fetch it again")


def _body(record: CouncilRecord, body_id: str) -> Body:
    for body in record.council.bodies:
        if body.id == body_id:
            return body
    raise NotFound(f"no body {body_id!r} in council {record.id!r}")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
