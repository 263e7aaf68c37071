"""Use cases of members' calendars: upload, fetch again, and busy time for any window."""

from __future__ import annotations

import datetime as dt

from calendars import CalendarError, busy_time_calendar, read_busy
from calendars.fetch import fetch_calendar

from ..calendar_sources import ingest_cache
from ..errors import InputError
from ..planning import BusyMap
from ..ports import UnitOfWork
from ..records import CalendarState, CouncilRecord
from .base import ServiceBase

__all__ = ["CalendarServices"]

_PAST = dt.timedelta(days=31)
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
