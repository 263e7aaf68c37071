"""The service layer: plain values in, plain values out, one transaction per change.

The HTTP app calls these; they call the domain, the calendars, the solver and storage.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import zoneinfo
from typing import Any

from calendars import read_busy
from calendars.fetch import FetchCache, FetchPolicy, fetch_calendar

from .council import Council, Member
from .council_file import council_from_mapping
from .errors import InputError
from .feeds import FeedMeeting, member_feed, representative_probability
from .planning import BusyMap, propose
from .proposal_options import request_from_json
from .reports import ReportMeeting, conflict_report
from .service_models import (
    AttendanceRecord,
    CouncilChange,
    MeetingChange,
    MemberChange,
    NewSubstitute,
    validated,
)
from .storage.feeds import FeedStore
from .storage.plans import PlanStore, StoredMeeting, StoredProposal
from .storage.repository import CalendarState, NotFound, Store, StoredCouncil

__all__ = ["Services"]


_FEEDS_KEPT = 2048
_PAST = dt.timedelta(days=31)
_FUTURE = dt.timedelta(days=2 * 366)


@dataclasses.dataclass
class Services:
    """Everything the service does, over one database."""

    store: Store
    plans: PlanStore
    feeds: FeedStore
    fetch_policy: FetchPolicy = dataclasses.field(default_factory=FetchPolicy.from_env)
    fetch_cache: FetchCache = dataclasses.field(default_factory=FetchCache)
    feed_cache: dict[str, bytes] = dataclasses.field(default_factory=dict)
    feed_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    # councils -------------------------------------------------------------------------
    def create_council(self, document: Any) -> StoredCouncil:
        """Store a council from its JSON document (calendars as URLs or absent)."""
        return self.store.add_council(council_from_mapping(document, base=None))

    def change_council(self, council_id: str, body: Any) -> dict[str, Any]:
        """Rename a council or change its venue."""
        change = validated(CouncilChange, body)
        values = change.model_dump(exclude_unset=True)
        if not values:
            raise InputError("nothing to change", field="body")
        self.store.update_council(council_id, values)
        return self.council_document(council_id)

    def change_member(self, member_id: str, body: Any) -> None:
        """Change a member's name, e-mail or calendar URL."""
        change = validated(MemberChange, body)
        values = change.model_dump(exclude_unset=True)
        if not values:
            raise InputError("nothing to change", field="body")
        if "calendar" in values:
            values["calendar_url"] = values.pop("calendar")
        self.store.update_member(member_id, values)

    def add_party(self, council_id: str, body: Any) -> None:
        """Add a party (as in the council file: id, name, travel, members)."""
        existing = self.store.council(council_id).council
        document = {"name": existing.name, "timezone": existing.timezone, "parties": [body]}
        try:
            party = council_from_mapping(document, base=None).parties[0]
        except InputError as exc:  # name the field in the party body, not in a council
            exc.field = (exc.field or "").removeprefix("parties[0]").removeprefix(".") or "body"
            raise
        self.store.add_party(council_id, party)

    def add_substitute(self, council_id: str, body: Any) -> str:
        """Add a substitute to one of the council's parties."""
        new = validated(NewSubstitute, body)
        return self.store.add_substitute(council_id, new.party,
                                         Member(new.name, "substitute", new.calendar, new.email))

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

    # feeds -----------------------------------------------------------------------------
    def feed_secret(self, member_id: str, *, rotate: bool = False) -> str:
        """A new feed link secret for the member (``rotate``: the old links stop working)."""
        return self.feeds.issue(member_id, rotate=rotate)

    def feed_version(self, secret: str, *, holds: bool = False) -> str | None:
        """The current version (an ETag) of the feed behind a secret; None if unknown."""
        member_id = self.feeds.member_of(secret)
        return None if member_id is None else self.feeds.version(member_id, holds)

    def feed(self, secret: str, *, holds: bool = False) -> tuple[bytes, str] | None:
        """The feed behind a secret and its version, or None for an unknown or revoked one.
        Built feeds are kept by version, so an unchanged feed is built once."""
        member_id = self.feeds.member_of(secret)
        if member_id is None:
            return None
        version = self.feeds.version(member_id, holds)
        body = self.feed_cache.get(version)
        if body is None:
            body = self._build_feed(member_id, holds)
            with self.feed_lock:
                self.feed_cache[version] = body
                while len(self.feed_cache) > _FEEDS_KEPT:
                    self.feed_cache.pop(next(iter(self.feed_cache)))
        return body, version

    def _build_feed(self, member_id: str, holds: bool) -> bytes:
        council_id, member = self.store.member(member_id)
        stored = self.store.council(council_id)
        party_id = next(p for (p, _), m in stored.member_ids.items() if m == member_id)
        party = stored.council.party(party_id)
        rep_id = stored.member_ids[(party_id, party.members.index(party.representative))]
        found = self.plans.meetings(council_id)
        states = self.feeds.states([m.id for m in found])
        rep_known = self.store.calendar_state(rep_id).content_hash is not None
        items = []
        for meeting in found:
            busy = self.store.busy(rep_id, meeting.start - dt.timedelta(days=1),
                                   meeting.end + dt.timedelta(days=1)) if rep_known else None
            items.append(FeedMeeting(
                meeting.id, meeting.start, meeting.end, meeting.status, meeting.sequence,
                meeting.updated_at,
                representative_probability(party, busy, stored.council.weights, meeting.start,
                                           meeting.end),
                states.get((meeting.id, rep_id)) in ("absent_notice", "absent")))
        if holds:
            items += self._holds(council_id)
        return member_feed(member, stored.council.name, stored.council.venue, items,
                           dt.datetime.now(dt.UTC))

    def _holds(self, council_id: str) -> list[FeedMeeting]:
        """The newest unconfirmed proposal's dates, as preliminary holds."""
        for proposal in self.plans.proposals(council_id):
            if proposal.confirmed_at is None and proposal.status != "infeasible":
                return [FeedMeeting(f"{proposal.id}-{n}", dt.datetime.fromisoformat(m["start"]),
                                    dt.datetime.fromisoformat(m["end"]), "proposed", 0,
                                    proposal.created_at, 1.0, False)
                        for n, m in enumerate(proposal.document["meetings"])]
        return []

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
        proposal = propose(self._with_history(stored), request, busy=busy)
        return self.plans.add_proposal(council_id, dict(options), proposal.as_json())

    def change_meeting(self, meeting_id: str, changes: Any) -> StoredMeeting:
        """Move a meeting (``start`` and ``end``) or cancel it (``status: cancelled``)."""
        change = validated(MeetingChange, changes)
        if change.status == "cancelled":
            return self.plans.change_meeting(meeting_id, cancel=True)
        if self.plans.meeting(meeting_id).status == "cancelled":
            raise InputError("a cancelled meeting cannot be moved", field="start")
        return self.plans.change_meeting(meeting_id, start=change.start, end=change.end)

    def record_attendance(self, meeting_id: str, body: Any) -> None:
        """A notice of absence before a meeting, or presence/absence after it."""
        record = validated(AttendanceRecord, body)
        meeting = self.plans.meeting(meeting_id)
        try:
            member_council = self.store.member_council(record.member_id)
        except NotFound:
            raise InputError(f"no member {record.member_id!r}", field="member_id") from None
        if member_council != meeting.council_id:
            raise InputError("the member is not of this meeting's council", field="member_id")
        self.feeds.record(meeting_id, record.member_id, record.state)

    def conflict_report(self, council_id: str) -> dict[str, Any]:
        """The chair's report over the council's meetings and its newest open proposal."""
        stored = self.store.council(council_id)
        by_member = {member_id: key for key, member_id in stored.member_ids.items()}
        meetings = self.plans.meetings(council_id)
        states = self.feeds.states([m.id for m in meetings])
        items = []
        for meeting in meetings:
            notices = frozenset(by_member[member] for (mid, member), state in states.items()
                                if mid == meeting.id and state == "absent_notice")
            recorded = {by_member[member][0]: state for (mid, member), state in states.items()
                        if mid == meeting.id and state in ("present", "absent")}
            present = (frozenset(p for p, state in recorded.items() if state == "present")
                       if recorded else None)
            items.append(ReportMeeting(meeting.id, meeting.start, meeting.end, meeting.status,
                                       notices, present))
        items += [ReportMeeting(h.id, h.start, h.end, "proposed") for h in self._holds(council_id)]
        busy: BusyMap = {key: None for key in stored.member_ids}
        if items:
            start = min(m.start for m in items) - dt.timedelta(days=1)
            end = max(m.end for m in items) + dt.timedelta(days=1)
            for key, member_id in stored.member_ids.items():
                if self.store.calendar_state(member_id).content_hash:
                    busy[key] = self.store.busy(member_id, start, end)
        report = conflict_report(self._with_history(stored), items, busy, dt.datetime.now(dt.UTC))
        return {"council_id": council_id, **report}

    def _with_history(self, stored: StoredCouncil) -> Council:
        """The council with recorded attendance added to each member's history."""
        history = self.feeds.history(list(stored.member_ids.values()))
        parties = []
        for party in stored.council.parties:
            members = []
            for i, member in enumerate(party.members):
                invited, attended = history.get(stored.member_ids[(party.id, i)], (0, 0))
                members.append(dataclasses.replace(member, invited=member.invited + invited,
                                                   attended=member.attended + attended))
            parties.append(dataclasses.replace(party, members=tuple(members)))
        return dataclasses.replace(stored.council, parties=tuple(parties))

    def confirm(self, proposal_id: str) -> tuple[bool, list[StoredMeeting]]:
        """Turn a proposal into meetings, once."""
        proposal = self.plans.proposal(proposal_id)
        if proposal.status == "infeasible":
            raise InputError("an infeasible proposal has no meetings to confirm", field="id")
        slots = [(dt.datetime.fromisoformat(m["start"]), dt.datetime.fromisoformat(m["end"]))
                 for m in proposal.document["meetings"]]
        return self.plans.confirm(proposal_id, slots)
