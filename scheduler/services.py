"""The service layer: plain values in, plain values out, one transaction per change.

The HTTP app calls these; they call the domain, the calendars, the solver and storage.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from typing import Any

from calendars import read_busy
from calendars.fetch import FetchCache, FetchPolicy, fetch_calendar

from .council_file import council_from_mapping
from .errors import InputError
from .planning import BusyMap, propose
from .proposal_options import request_from_json
from .storage.plans import PlanStore, StoredMeeting, StoredProposal
from .storage.repository import CalendarState, Store, StoredCouncil

__all__ = ["Services"]

_PAST = dt.timedelta(days=31)
_FUTURE = dt.timedelta(days=2 * 366)


@dataclasses.dataclass
class Services:
    """Everything the service does, over one database."""

    store: Store
    plans: PlanStore
    fetch_policy: FetchPolicy = dataclasses.field(default_factory=FetchPolicy.from_env)
    fetch_cache: FetchCache = dataclasses.field(default_factory=FetchCache)

    # councils -------------------------------------------------------------------------
    def create_council(self, document: Any) -> StoredCouncil:
        """Store a council from its JSON document (calendars as URLs or absent)."""
        return self.store.add_council(council_from_mapping(document, base=None))

    def council_document(self, council_id: str) -> dict[str, Any]:
        """A council as JSON, with member ids and each calendar's state."""
        stored = self.store.council(council_id)
        council = stored.council
        return {
            "id": stored.id, "name": council.name, "timezone": council.timezone,
            "venue": council.venue,
            "parties": [{
                "id": party.id, "name": party.name,
                "travel_minutes": int(party.travel.total_seconds() // 60),
                "members": [self._member_document(stored.member_ids[(party.id, i)], member)
                            for i, member in enumerate(party.members)],
            } for party in council.parties],
        }

    def _member_document(self, member_id: str, member: Any) -> dict[str, Any]:
        state = self.store.calendar_state(member_id)
        return {"id": member_id, "name": member.name, "role": member.role, "email": member.email,
                "calendar": {"url": member.calendar,
                             "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None,
                             "last_error": state.last_error, "busy_intervals": state.intervals}}

    # calendars ------------------------------------------------------------------------
    def _window(self, council_id: str) -> tuple[dt.datetime, dt.datetime, str]:
        zone = self.store.council(council_id).council.timezone
        today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).replace(hour=0, minute=0, second=0,
                                                                  microsecond=0)
        return today - _PAST, today + _FUTURE, zone

    def upload_calendar(self, member_id: str, data: bytes) -> CalendarState:
        """Read an uploaded calendar and keep only its busy intervals and content hash.

        A calendar that cannot be read raises CalendarError and changes nothing stored.
        """
        council_id, member = self.store.member(member_id)
        start, end, zone = self._window(council_id)
        result = read_busy(data, start, end, zone=zone, email=member.email, source="calendar")
        self.store.save_busy(member_id, result.content_hash, (start, end), result.intervals)
        return self.store.calendar_state(member_id)

    def refresh_calendar(self, member_id: str) -> CalendarState:
        """Fetch a member's calendar URL again; a failure is recorded and raised."""
        council_id, member = self.store.member(member_id)
        if not member.calendar:
            raise InputError("this member has no calendar URL", field="calendar")
        start, end, zone = self._window(council_id)
        try:
            fetched = fetch_calendar(member.calendar, policy=self.fetch_policy,
                                     cache=self.fetch_cache)
            result = read_busy(fetched.content, start, end, zone=zone, email=member.email,
                               source=member.calendar)
        except ValueError as exc:  # CalendarError and its fetch error
            self.store.record_calendar_error(member_id, str(exc))
            raise
        self.store.save_busy(member_id, result.content_hash, (start, end), result.intervals)
        return self.store.calendar_state(member_id)

    # proposals and meetings ------------------------------------------------------------
    def create_proposal(self, council_id: str, options: Any) -> StoredProposal:
        """Propose meetings from the stored calendars, and keep the answer."""
        stored = self.store.council(council_id)
        request = request_from_json(options)
        zone = zoneinfo.ZoneInfo(stored.council.timezone)
        start = dt.datetime.combine(request.start, dt.time(), tzinfo=zone) - dt.timedelta(days=1)
        end = dt.datetime.combine(request.end, dt.time(), tzinfo=zone) + dt.timedelta(days=1)
        busy: BusyMap = {}
        for key, member_id in stored.member_ids.items():
            state = self.store.calendar_state(member_id)
            busy[key] = self.store.busy(member_id, start, end) if state.content_hash else None
        proposal = propose(stored.council, request, busy=busy)
        return self.plans.add_proposal(council_id, dict(options), proposal.as_json())

    def confirm(self, proposal_id: str) -> tuple[bool, list[StoredMeeting]]:
        """Turn a proposal into meetings, once."""
        proposal = self.plans.proposal(proposal_id)
        if proposal.status == "infeasible":
            raise InputError("an infeasible proposal has no meetings to confirm", field="id")
        slots = [(dt.datetime.fromisoformat(m["start"]), dt.datetime.fromisoformat(m["end"]))
                 for m in proposal.document["meetings"]]
        return self.plans.confirm(proposal_id, slots)
