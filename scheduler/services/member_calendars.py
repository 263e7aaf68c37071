"""Use cases of members' calendars: upload, fetch again, and busy time for any window."""

from __future__ import annotations

import datetime as dt

from calendars import BusyInterval, CalendarError, busy_time_calendar, read_busy
from calendars.fetch import fetch_calendar

from ..availability import StatementMap, presence
from ..bodies import PlanMap, plans_for_members
from ..calendar_sources import ingest_cache
from ..council import Body
from ..errors import InputError, NotFound
from ..horizon import HISTORY
from ..planning import BusyMap, calendar_views
from ..ports import UnitOfWork
from ..proposal import CalendarView
from ..records import CalendarState, CouncilRecord, PlanState
from .base import ServiceBase

__all__ = ["CalendarServices"]

_PAST = dt.timedelta(days=31)
_YEAR = dt.timedelta(days=365)
_FUTURE = dt.timedelta(days=2 * 366)


class CalendarServices(ServiceBase):
    """Members' calendars in, busy time out."""

    def upload_calendar(self, member_id: str, data: bytes) -> CalendarState:
        """Read an uploaded calendar and keep its busy time only (never titles or
        descriptions). A calendar that cannot be read raises CalendarError and changes
        nothing stored."""
        with self.reader() as uow:
            record, _party, member = uow.councils.member(member_id)
        zone = record.council.timezone
        start = self.today_start(zone) - _PAST
        end = start + _PAST + _FUTURE
        result = read_busy(data, start, end, zone=zone, email=member.email, source="calendar")
        kept = busy_time_calendar(data, zone=zone, email=member.email)
        with self.uow() as uow:
            uow.calendars.save(member_id, result.content_hash, (start, end), result.intervals, kept)
            uow.commit()
            return uow.calendars.state(member_id)

    def refresh_calendar(self, member_id: str) -> CalendarState:
        """Fetch a member's calendar URL again; a failure is recorded and raised."""
        with self.reader() as uow:
            _record, _party, member = uow.councils.member(member_id)
        if not member.calendar:
            raise InputError("this member has no calendar URL", field="calendar")
        try:
            fetched = fetch_calendar(member.calendar, policy=self.fetch_policy,
                                     cache=self.fetch_cache)
            return self.upload_calendar(member_id, fetched.content)
        except ValueError as exc:  # CalendarError and its fetch error
            with self.uow() as uow:
                uow.calendars.record_error(member_id, str(exc))
                uow.commit()
            raise

    def refresh_all(self) -> tuple[int, list[str]]:
        """Fetch every member's calendar URL again; return how many and the errors."""
        with self.reader() as uow:
            linked = [(member_id, f"{member.name} ({party.id})")
                      for record in map(uow.councils.get, uow.councils.ids())
                      for party in record.council.parties
                      for i, member in enumerate(party.members)
                      if member.calendar
                      for member_id in [record.member_ids[(party.id, i)]]]
        done, errors = 0, []
        for member_id, who in linked:
            try:
                self.refresh_calendar(member_id)
                done += 1
            except CalendarError as exc:
                errors.append(f"{who}: {exc}")
        return done, errors

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
        return busy, plans, warnings + plan_warnings

    # bodies' meeting plans --------------------------------------------------------------
    def upload_plan(self, council_id: str, body_id: str, data: bytes) -> PlanState:
        """Keep a body's meeting plan as busy time only; a file that is not a calendar
        raises CalendarError and changes nothing."""
        with self.reader() as uow:
            record = uow.councils.get(council_id)
        body = _body(record, body_id)
        zone = record.council.timezone
        start = self.today_start(zone) - _PAST
        result = read_busy(data, start, start + _PAST + _FUTURE, zone=zone, source=body.name)
        kept = busy_time_calendar(data, zone=zone)
        with self.uow() as uow:
            uow.bodies.save_plan(council_id, body_id, result.content_hash, kept)
            uow.commit()
            return uow.bodies.states(council_id)[body_id]

    def refresh_plan(self, council_id: str, body_id: str) -> PlanState:
        """Fetch a body's meeting-plan URL again; a failure is recorded and raised."""
        with self.reader() as uow:
            body = _body(uow.councils.get(council_id), body_id)
        if not body.calendar:
            raise InputError("this body has no calendar URL", field="calendar")
        try:
            fetched = fetch_calendar(body.calendar, policy=self.fetch_policy,
                                     cache=self.fetch_cache)
            return self.upload_plan(council_id, body_id, fetched.content)
        except ValueError as exc:
            with self.uow() as uow:
                uow.bodies.record_error(council_id, body_id, str(exc))
                uow.commit()
            raise

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
            read[body.id] = list(read_busy(kept[body.id].encode("utf-8"), start, end,
                                           zone=council.timezone, cache=ingest_cache()).intervals)
        return plans_for_members(council, read), warnings

    @staticmethod
    def busy_map(uow: UnitOfWork, record: CouncilRecord, start: dt.datetime,
                 end: dt.datetime) -> tuple[BusyMap, list[str]]:
        """Every member's busy intervals over [start, end): stored ones inside the window
        they were read for, the kept busy-time calendar read again outside it; a member
        whose calendar cannot answer for the window counts as unknown, with a warning."""
        states = uow.calendars.states(list(record.member_ids.values()))
        busy: BusyMap = {}
        warnings: list[str] = []
        for (party_id, index), member_id in record.member_ids.items():
            state = states[member_id]
            member = record.council.party(party_id).members[index]
            if not state.known:
                busy[(party_id, index)] = None
            elif state.window and state.window[0] <= start and end <= state.window[1]:
                busy[(party_id, index)] = uow.calendars.busy(member_id, start, end)
            elif (text := uow.calendars.sanitised(member_id)) is not None:
                busy[(party_id, index)] = read_busy(
                    text.encode("utf-8"), start, end, zone=record.council.timezone,
                    email=member.email, cache=ingest_cache()).intervals
            else:
                busy[(party_id, index)] = None
                reach = f" up to {state.window[1]:%Y-%m-%d}" if state.window else ""
                warnings.append(f"{member.name} ({party_id}): the stored calendar covers only"
                                f"{reach}; counted as unknown — upload or fetch it again")
        return busy, warnings


def _body(record: CouncilRecord, body_id: str) -> Body:
    for body in record.council.bodies:
        if body.id == body_id:
            return body
    raise NotFound(f"no body {body_id!r} in council {record.id!r}")
