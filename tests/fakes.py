"""In-memory storage for fast tests of the use cases: every repository protocol of
``scheduler.ports`` over plain dicts and lists, and a unit of work that keeps nothing
unless it commits. They answer as the SQL repositories do, NotFound and InputError
included; what the database's schema itself would refuse (NOT NULL, a foreign key, a
column that does not exist) raises ``Refused``."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from calendars import BusyInterval
from scheduler.council import Body, Council, Member, Party, Weights
from scheduler.cover import news_due
from scheduler.errors import InputError, NotFound
from scheduler.fetch_state import FetchMark, FetchState, HostState, backoff, short_error
from scheduler.history import KINDS
from scheduler.jobs.fair import Turns, Waiting
from scheduler.jobs.records import JobRecord, NewJob
from scheduler.member_states import ShownVersion
from scheduler.records import (
    CalendarState,
    CouncilRecord,
    CoverNews,
    HistoryRecord,
    MailRecord,
    MeetingRecord,
    OutgoingMail,
    PlanState,
    PollRecord,
    ProposalRecord,
    RoundRecord,
    SessionRecord,
    UntoldState,
)
from scheduler.services import Services
from scheduler.statements import Statement, absence_span
from scheduler.tokens import ROLES, Token, new_secret, secret_hash

__all__ = ["FakeStore", "FakeUnitOfWork", "Refused", "fake_services"]

STATES = ("absent_notice", "present", "absent")


class Refused(Exception):
    """A change the database's schema would refuse (NOT NULL, foreign key, no such column)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _json(value: Any) -> Any:
    """A value as a JSON column gives it back (TypeError for what JSON cannot hold)."""
    return json.loads(json.dumps(value))


def _set(row: dict[str, Any], values: dict[str, object], not_null: Sequence[str], table: str) -> None:
    for key, value in values.items():
        if key not in row:
            raise Refused(f"{table} has no column {key!r}")
        if value is None and key in not_null:
            raise Refused(f"NOT NULL constraint failed: {table}.{key}")
    row.update(values)


@dataclasses.dataclass
class FakeStore:
    """Every table as a dict or list; ``last_row`` numbers parties as an autoincrement does."""

    councils: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    parties: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    members: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    calendars: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    busy: dict[str, list[BusyInterval]] = dataclasses.field(default_factory=dict)
    proposals: dict[str, ProposalRecord] = dataclasses.field(default_factory=dict)
    meetings: dict[str, MeetingRecord] = dataclasses.field(default_factory=dict)
    attendance: dict[tuple[str, str], tuple[str, dt.datetime]] = dataclasses.field(default_factory=dict)
    links: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    tokens: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    sessions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    bodies: dict[tuple[str, str], dict[str, Any]] = dataclasses.field(default_factory=dict)
    absences: dict[str, list[tuple[dt.date, dt.date, dt.datetime]]] = dataclasses.field(
        default_factory=dict)
    meeting_answers: dict[tuple[str, str], tuple[str, dt.datetime]] = dataclasses.field(
        default_factory=dict)
    polls: dict[str, PollRecord] = dataclasses.field(default_factory=dict)
    poll_answers: dict[tuple[str, str, dt.datetime], tuple[dt.datetime, str, dt.datetime]] = \
        dataclasses.field(default_factory=dict)
    call_ins: dict[tuple[str, str], tuple[bool, int]] = dataclasses.field(default_factory=dict)
    uncovered: dict[tuple[str, str], bool] = dataclasses.field(default_factory=dict)
    # (meeting id, about) -> (told, due at, changes held)
    cover_told: dict[tuple[str, str], tuple[str | None, dt.datetime | None, int]] = \
        dataclasses.field(default_factory=dict)
    cover_first_held: dict[tuple[str, str], dt.datetime] = dataclasses.field(default_factory=dict)
    history: list[HistoryRecord] = dataclasses.field(default_factory=list)
    # (meeting id, member id) -> what the member was last shown of the meeting
    event_versions: dict[tuple[str, str], ShownVersion] = dataclasses.field(default_factory=dict)
    # (meeting id, member id) -> (state last mailed, its SEQUENCE, untold since, changed at)
    event_told: dict[tuple[str, str], tuple[str, int, dt.datetime | None, dt.datetime]] = \
        dataclasses.field(default_factory=dict)
    outbox: dict[str, MailRecord] = dataclasses.field(default_factory=dict)
    outbox_keys: dict[str, str] = dataclasses.field(default_factory=dict)
    rounds: dict[str, RoundRecord] = dataclasses.field(default_factory=dict)
    fetch_hosts: dict[str, HostState] = dataclasses.field(default_factory=dict)
    jobs: dict[str, JobRecord] = dataclasses.field(default_factory=dict)
    last_row: int = 0

    # what the foreign keys' ON DELETE CASCADE does ------------------------------------------
    def drop_member(self, member_id: str) -> None:
        self.members.pop(member_id, None)
        self.calendars.pop(member_id, None)
        self.busy.pop(member_id, None)
        self.links[:] = [link for link in self.links if link["member_id"] != member_id]
        for key in [k for k in self.attendance if k[1] == member_id]:
            del self.attendance[key]
        for key in [k for k in self.event_versions if k[1] == member_id]:
            del self.event_versions[key]
            self.event_told.pop(key, None)

    def drop_token(self, token_id: str) -> None:
        self.tokens.pop(token_id, None)
        self.sessions[:] = [s for s in self.sessions if s["token_id"] != token_id]

    def drop_council(self, council_id: str) -> None:
        for row, party in list(self.parties.items()):
            if party["council_id"] == council_id:
                for member_id in [m for m, v in self.members.items() if v["party_row"] == row]:
                    self.drop_member(member_id)
                del self.parties[row]
        for token_id in [t for t, v in self.tokens.items() if v["token"].council_id == council_id]:
            self.drop_token(token_id)
        for meeting_id in [m for m, v in self.meetings.items() if v.council_id == council_id]:
            del self.meetings[meeting_id]
            for key in [k for k in self.attendance if k[0] == meeting_id]:
                del self.attendance[key]
            self.history[:] = [h for h in self.history if h.meeting_id != meeting_id]
            for key in [k for k in self.event_versions if k[0] == meeting_id]:
                del self.event_versions[key]
                self.event_told.pop(key, None)
        for proposal_id in [p for p, v in self.proposals.items() if v.council_id == council_id]:
            del self.proposals[proposal_id]
        for key in [k for k in self.bodies if k[0] == council_id]:
            del self.bodies[key]
        del self.councils[council_id]


class _Repository:
    def __init__(self, store: FakeStore):
        self.s = store

    def _require_member(self, member_id: str) -> dict[str, Any]:
        if member_id not in self.s.members:
            raise NotFound(f"no member {member_id!r}")
        return self.s.members[member_id]


class FakeCouncils(_Repository):
    def add(self, council: Council) -> CouncilRecord:
        council_id = secrets.token_hex(6)
        self.s.councils[council_id] = {
            "name": council.name, "timezone": council.timezone, "venue": council.venue,
            "weights": dataclasses.asdict(council.weights), "language": council.language,
            "secretary_email": council.secretary_email, "answer_days": council.answer_days,
            "blackouts": _json([[a.isoformat(), b.isoformat()] for a, b in council.blackouts])}
        ids: dict[tuple[str, int], str] = {}
        for position, body in enumerate(council.bodies):
            self.s.bodies[(council_id, body.id)] = {
                "name": body.name, "calendar_url": body.calendar, "draft": body.draft,
                "position": position, "sanitised": None, "content_hash": None,
                "fetched_at": None, "last_error": None}
        for position, party in enumerate(council.parties):
            for index, member_id in self._insert_party(council_id, party, position).items():
                ids[(party.id, index)] = member_id
        return CouncilRecord(council_id, council, ids)

    def _insert_party(self, council_id: str, party: Party, position: int) -> dict[int, str]:
        self.s.last_row += 1
        row = self.s.last_row
        self.s.parties[row] = {"council_id": council_id, "key": party.id, "name": party.name,
                               "position": position,
                               "travel_minutes": int(party.travel.total_seconds() // 60)}
        ids = {index: secrets.token_hex(8) for index in range(len(party.members))}
        for index, member in enumerate(party.members):
            self.s.members[ids[index]] = self._member_row(member, row, index)
        return ids

    @staticmethod
    def _member_row(member: Member, party_row: int, position: int) -> dict[str, Any]:
        return {"party_row": party_row, "name": member.name, "role": member.role,
                "email": member.email, "calendar_url": member.calendar, "invited": member.invited,
                "attended": member.attended, "position": position, "language": member.language,
                "horizon": member.horizon, "bodies": _json(list(member.bodies)) or None,
                "person": member.person}

    def _team(self, party_row: int) -> list[tuple[str, dict[str, Any]]]:
        return sorted(((m, v) for m, v in self.s.members.items() if v["party_row"] == party_row),
                      key=lambda item: item[1]["position"])

    def _parties_of(self, council_id: str) -> list[tuple[int, dict[str, Any]]]:
        return sorted(((r, p) for r, p in self.s.parties.items() if p["council_id"] == council_id),
                      key=lambda item: item[1]["position"])

    def get(self, council_id: str) -> CouncilRecord:
        row = self.s.councils.get(council_id)
        if row is None:
            raise NotFound(f"no council {council_id!r}")
        ids: dict[tuple[str, int], str] = {}
        built = []
        for party_row, p in self._parties_of(council_id):
            team = self._team(party_row)
            for index, (member_id, _m) in enumerate(team):
                ids[(p["key"], index)] = member_id
            built.append(Party(p["key"], p["name"], tuple(
                Member(m["name"], m["role"], m["calendar_url"], m["email"], m["invited"],
                       m["attended"], m["language"], m["horizon"], tuple(m["bodies"] or ()),
                       m.get("person"))
                for _id, m in team),
                dt.timedelta(minutes=p["travel_minutes"])))
        blackouts = tuple((dt.date.fromisoformat(a), dt.date.fromisoformat(b))
                          for a, b in row["blackouts"])
        bodies = sorted(((k[1], b) for k, b in self.s.bodies.items() if k[0] == council_id),
                        key=lambda item: item[1]["position"])
        council = Council(row["name"], row["timezone"], tuple(built), Weights(**row["weights"]),
                          row["venue"], blackouts, language=row["language"] or "sv",
                          secretary_email=row.get("secretary_email"),
                          answer_days=row.get("answer_days"),
                          bodies=tuple(Body(key, b["name"], b["calendar_url"], b["draft"])
                                       for key, b in bodies))
        return CouncilRecord(council_id, council, ids)

    def ids(self) -> list[str]:
        return list(self.s.councils)

    def council_of_member(self, member_id: str) -> str:
        member = self._require_member(member_id)
        return str(self.s.parties[member["party_row"]]["council_id"])

    def member(self, member_id: str) -> tuple[CouncilRecord, str, Member]:
        record = self.get(self.council_of_member(member_id))
        party, index = record.member_key(member_id)
        return record, party, record.council.party(party).members[index]

    def update(self, council_id: str, values: dict[str, object]) -> None:
        if council_id not in self.s.councils:
            raise NotFound(f"no council {council_id!r}")
        _set(self.s.councils[council_id], values, ("name", "timezone", "language"), "councils")

    def update_member(self, member_id: str, values: dict[str, object]) -> None:
        _set(self._require_member(member_id), values,
             ("name", "role", "invited", "attended", "position"), "members")

    def add_party(self, council_id: str, party: Party) -> dict[int, str]:
        if council_id not in self.s.councils:
            raise NotFound(f"no council {council_id!r}")
        existing = self._parties_of(council_id)
        if any(p["key"] == party.id for _r, p in existing):
            raise InputError(f"party {party.id!r} exists already", field="id")
        position = max((p["position"] for _r, p in existing), default=-1) + 1
        return self._insert_party(council_id, party, position)

    def _party_row(self, council_id: str, party_key: str) -> int:
        for row, p in self._parties_of(council_id):
            if p["key"] == party_key:
                return row
        raise NotFound(f"no party {party_key!r} in council {council_id!r}")

    def remove_party(self, council_id: str, party_key: str) -> None:
        row = self._party_row(council_id, party_key)
        if len(self._parties_of(council_id)) == 1:
            raise InputError("a council keeps at least one party", field="party")
        for member_id, _m in self._team(row):
            self.s.drop_member(member_id)
        del self.s.parties[row]

    def add_substitute(self, council_id: str, party_key: str, member: Member) -> str:
        row = self._party_row(council_id, party_key)
        position = max((m["position"] for _id, m in self._team(row)), default=-1) + 1
        member_id = secrets.token_hex(8)
        substitute = Member(member.name, "substitute", member.calendar, member.email,
                            language=member.language)
        self.s.members[member_id] = self._member_row(substitute, row, position)
        return member_id

    def remove_substitute(self, member_id: str) -> None:
        if self._require_member(member_id)["role"] == "representative":
            raise InputError("a party's representative cannot be removed; change them instead",
                             field="member_id")
        self.s.drop_member(member_id)

    def delete(self, council_id: str) -> None:
        if council_id not in self.s.councils:
            raise NotFound(f"no council {council_id!r}")
        self.s.drop_council(council_id)


class FakeCalendars(_Repository):
    def save(self, member_id: str, content_hash: str, window: tuple[dt.datetime, dt.datetime],
             intervals: Sequence[BusyInterval], sanitised: str | None) -> None:
        self._require_member(member_id)
        self.s.busy[member_id] = [dataclasses.replace(i, start=_utc(i.start), end=_utc(i.end))
                                  for i in intervals]
        self._upsert(member_id, {"content_hash": content_hash, "window": (_utc(window[0]),
                                                                           _utc(window[1])),
                                 "fetched_at": _now(), "last_error": None, "sanitised": sanitised})
        row = self.s.calendars[member_id]  # what is kept now came from no URL's answer
        row["fetch"] = dataclasses.replace(row.get("fetch", FetchState()), source=None, etag=None,
                                           last_modified=None)

    def record_error(self, member_id: str, error: str) -> None:
        self._require_member(member_id)
        self._upsert(member_id, {"last_error": error[:2000]})

    def forget(self, member_id: str) -> None:
        self._require_member(member_id)
        self.s.busy.pop(member_id, None)
        self.s.calendars.pop(member_id, None)

    def busy(self, member_id: str, start: dt.datetime, end: dt.datetime) -> list[BusyInterval]:
        found = [i for i in self.s.busy.get(member_id, []) if i.start < end and i.end >= start]
        return sorted(found, key=lambda i: i.start)

    def last_one_off(self, member_id: str) -> BusyInterval | None:
        one_offs = [i for i in self.s.busy.get(member_id, []) if not i.recurring and i.end > i.start]
        return max(one_offs, key=lambda i: i.end, default=None)

    def sanitised(self, member_id: str) -> str | None:
        row = self.s.calendars.get(member_id)
        return None if row is None else row["sanitised"]

    def state(self, member_id: str) -> CalendarState:
        return self.states([member_id])[member_id]

    def states(self, member_ids: Sequence[str]) -> dict[str, CalendarState]:
        for member_id in member_ids:
            self._require_member(member_id)
        found = {}
        for member_id in member_ids:
            row = self.s.calendars.get(member_id)
            if row is None:
                found[member_id] = CalendarState(member_id, None, None, None, 0)
                continue
            fetch = row.get("fetch", FetchState())
            found[member_id] = CalendarState(
                member_id, row["content_hash"], row["fetched_at"], row["last_error"],
                len(self.s.busy.get(member_id, [])), row["window"], row["sanitised"] is not None,
                fetch.checked_at, fetch.failures, fetch.failing_since)
        return found

    def _upsert(self, member_id: str, values: dict[str, object]) -> None:
        row = self.s.calendars.setdefault(member_id, {
            "content_hash": None, "window": None, "fetched_at": None, "last_error": None,
            "sanitised": None})
        row.update(values)

    # fetching calendar URLs: the fetch state as a FetchState beside each row
    def fetch_states(self, member_ids: Sequence[str]) -> dict[str, FetchState]:
        return {m: _known(self.s.calendars[m]) for m in member_ids if m in self.s.calendars}

    def checked(self, member_id: str, mark: FetchMark) -> None:
        self._require_member(member_id)
        self._upsert(member_id, {"fetch": _checked(mark), "last_error": None})

    def fetch_failed(self, member_id: str, error: str, at: dt.datetime) -> None:
        self._require_member(member_id)
        self._upsert(member_id, {})
        row = self.s.calendars[member_id]
        row["fetch"] = _failed(row.get("fetch", FetchState()), error, at)
        row["last_error"] = short_error(error)

    def plan_fetch_states(self, council_id: str) -> dict[str, FetchState]:
        return {k[1]: _known(b) for k, b in self.s.bodies.items() if k[0] == council_id}

    def plan_checked(self, council_id: str, body_id: str, mark: FetchMark | None) -> None:
        row = FakeBodies(self.s)._row(council_id, body_id)
        row["fetch"] = _checked(mark) if mark else dataclasses.replace(
            row.get("fetch", FetchState()), source=None, etag=None, last_modified=None)
        row["last_error"] = None if mark else row["last_error"]

    def plan_fetch_failed(self, council_id: str, body_id: str, error: str,
                          at: dt.datetime) -> None:
        row = FakeBodies(self.s)._row(council_id, body_id)
        row["fetch"] = _failed(row.get("fetch", FetchState()), error, at)
        row["last_error"] = short_error(error)

    def _fetch_row(self, key: tuple[str, ...]) -> dict[str, Any] | None:
        if key[0] == "member":
            if key[1] not in self.s.members:
                return None
            self._upsert(key[1], {})
            return self.s.calendars[key[1]]
        return self.s.bodies.get((key[1], key[2]))

    def claim_check(self, key: tuple[str, ...], at: dt.datetime,
                    due_before: dt.datetime) -> bool:
        row = self._fetch_row(key)
        if row is None:
            return False
        state = row.get("fetch", FetchState())
        if state.checked_at is not None and state.checked_at > due_before:
            return False
        row["fetch"] = dataclasses.replace(state, checked_at=at)
        return True

    def release_check(self, key: tuple[str, ...], at: dt.datetime,
                      checked_at: dt.datetime | None) -> None:
        row = self._fetch_row(key)
        state = FetchState() if row is None else row.get("fetch", FetchState())
        if row is not None and state.checked_at == at:
            row["fetch"] = dataclasses.replace(state, checked_at=checked_at)

    def hosts(self) -> dict[str, HostState]:
        return dict(self.s.fetch_hosts)

    def host_failed(self, host: str, error: str, at: dt.datetime) -> HostState:
        known = self.s.fetch_hosts.get(host)
        if known is not None and known.retry_at > at:  # counted by another refresh
            return known
        failures = self.s.fetch_hosts[host].failures + 1 if host in self.s.fetch_hosts else 1
        self.s.fetch_hosts[host] = HostState(host, failures, at + backoff(failures),
                                             short_error(error))
        return self.s.fetch_hosts[host]

    def host_answered(self, host: str) -> None:
        self.s.fetch_hosts.pop(host, None)


def _known(row: dict[str, Any]) -> FetchState:
    state: FetchState = row.get("fetch", FetchState())
    if row.get("content_hash") is None:  # nothing kept to fall back on: no validators
        state = dataclasses.replace(state, source=None, etag=None, last_modified=None)
    return dataclasses.replace(state, last_error=row.get("last_error"))


def _checked(mark: FetchMark) -> FetchState:
    return FetchState(mark.source, mark.etag, mark.last_modified, mark.at)


def _failed(state: FetchState, error: str, at: dt.datetime) -> FetchState:
    return dataclasses.replace(state, checked_at=at, failures=state.failures + 1,
                               failing_since=state.failing_since or at,
                               last_error=short_error(error))


class FakePlans(_Repository):
    def add_proposal(self, council_id: str, request: dict[str, Any],
                     document: dict[str, Any]) -> ProposalRecord:
        record = ProposalRecord(secrets.token_hex(8), council_id, _json(request), _json(document),
                                str(document.get("status", "")), _now(), None)
        if council_id not in self.s.councils:
            raise NotFound(f"no council {council_id!r}")
        self.s.proposals[record.id] = record
        return record

    def proposal(self, proposal_id: str) -> ProposalRecord:
        if proposal_id not in self.s.proposals:
            raise NotFound(f"no proposal {proposal_id!r}")
        return self.s.proposals[proposal_id]

    def proposals(self, council_id: str) -> list[ProposalRecord]:
        return sorted((p for p in self.s.proposals.values() if p.council_id == council_id),
                      key=lambda p: p.created_at, reverse=True)

    def confirm(self, proposal_id: str, slots: Sequence[tuple[dt.datetime, dt.datetime]]
                ) -> tuple[bool, list[MeetingRecord]]:
        proposal = self.proposal(proposal_id)
        won = proposal.confirmed_at is None
        if won:
            moment = _now()
            self.s.proposals[proposal_id] = dataclasses.replace(proposal, confirmed_at=moment)
            for start, end in slots:
                meeting = MeetingRecord(secrets.token_hex(8), proposal.council_id, proposal_id,
                                        _utc(start), _utc(end), "confirmed", 0, moment)
                self.s.meetings[meeting.id] = meeting
        made = [m for m in self.s.meetings.values() if m.proposal_id == proposal_id]
        return won, sorted(made, key=lambda m: m.start)

    def meetings(self, council_id: str) -> list[MeetingRecord]:
        return sorted((m for m in self.s.meetings.values() if m.council_id == council_id),
                      key=lambda m: m.start)

    def councils_meeting_after(self, at: dt.datetime) -> list[str]:
        return sorted({m.council_id for m in self.s.meetings.values()
                       if m.status == "confirmed" and m.end > at})

    def meeting(self, meeting_id: str) -> MeetingRecord:
        if meeting_id not in self.s.meetings:
            raise NotFound(f"no meeting {meeting_id!r}")
        return self.s.meetings[meeting_id]

    def change_meeting(self, meeting_id: str, *, start: dt.datetime | None = None,
                       end: dt.datetime | None = None, cancel: bool = False) -> MeetingRecord:
        meeting = self.meeting(meeting_id)
        changes: dict[str, Any] = {"sequence": meeting.sequence + 1, "updated_at": _now()}
        if start is not None and end is not None:
            changes.update(start=_utc(start), end=_utc(end))
        if cancel:
            changes["status"] = "cancelled"
        self.s.meetings[meeting_id] = dataclasses.replace(meeting, **changes)
        return self.s.meetings[meeting_id]


class FakeAttendance(_Repository):
    def record(self, meeting_id: str, member_id: str, state: str) -> None:
        if state not in STATES:
            raise ValueError(state)
        if meeting_id not in self.s.meetings:
            raise NotFound(f"no meeting {meeting_id!r}")
        if member_id not in self.s.members:
            raise Refused("FOREIGN KEY constraint failed: attendance.member_id")
        self.s.attendance[(meeting_id, member_id)] = (state, _now())

    def history(self, member_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for (_meeting, member_id), (state, _at) in self.s.attendance.items():
            if member_id in member_ids and state in ("present", "absent"):
                recorded, present = found.get(member_id, (0, 0))
                found[member_id] = (recorded + 1, present + (state == "present"))
        return found

    def states(self, meeting_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        return {key: state for key, (state, _at) in self.s.attendance.items()
                if key[0] in meeting_ids}


class FakeLinks(_Repository):
    def changes_stamp(self) -> int | None:
        return None  # not counted: every sweep reckons afresh

    def add(self, member_id: str, purpose: str, salt: str, secret_hash: str, *,
            rotate: bool = False) -> None:
        self._require_member(member_id)
        moment = _now()
        if rotate:
            for link in self.s.links:
                if (link["member_id"], link["purpose"], link["revoked_at"]) == (member_id, purpose,
                                                                                  None):
                    link["revoked_at"] = moment
        self.s.links.append({"member_id": member_id, "purpose": purpose, "salt": salt,
                             "hash": secret_hash, "revoked_at": None})

    def current_salt(self, member_id: str, purpose: str) -> str | None:
        for link in reversed(self.s.links):  # newest first
            if ((link["member_id"], link["purpose"], link["revoked_at"]) == (member_id, purpose, None)
                    and link["salt"] is not None):
                return str(link["salt"])
        return None

    def member_of(self, secret_hash: str, purpose: str) -> str | None:
        for link in self.s.links:
            if link["hash"] == secret_hash:
                if link["revoked_at"] is not None or link["purpose"] != purpose:
                    return None
                return str(link["member_id"])
        return None

    def feed_state(self, secret_hash: str, holds: bool) -> tuple[str, str] | None:
        member_id = self.member_of(secret_hash, "feed")
        return None if member_id is None else (member_id, self.feed_version(member_id, holds))

    def feed_version(self, member_id: str, holds: bool) -> str:
        member = self._require_member(member_id)
        party = self.s.parties[member["party_row"]]
        council_id = party["council_id"]
        team = sorted(m for m, v in self.s.members.items() if v["party_row"] == member["party_row"])
        meetings = [m for m in self.s.meetings.values() if m.council_id == council_id]
        recorded = [at for (_mt, m), (_s, at) in self.s.attendance.items() if m in team]
        parts: list[object] = [
            member, party, self.s.councils[council_id],
            [(m, self.s.members[m]["role"], self.s.members[m]["invited"],
              self.s.members[m]["attended"], self.s.members[m]["horizon"],
              self.s.members[m]["bodies"]) for m in team],
            sorted((k[1], b["draft"], b["content_hash"]) for k, b in self.s.bodies.items()
                   if k[0] == council_id),
            [(m, self.s.calendars[m]["content_hash"]) for m in team if m in self.s.calendars],
            (len(meetings), max((m.updated_at for m in meetings), default=None)),
            (len(recorded), max(recorded, default=None)),
            # what the party's members said, and who was called in
            sorted((m, a) for m, a in self.s.absences.items() if m in team),
            sorted((k, v) for k, v in self.s.meeting_answers.items() if k[1] in team),
            sorted((k, v) for k, v in self.s.poll_answers.items() if k[1] in team),
            sorted((k, v) for k, v in self.s.call_ins.items() if k[1] in team),
            sum(v.sequence - v.floor for (_mt, m), v in self.s.event_versions.items()
                if m == member_id),
            _now().date(),
        ]
        if holds:
            newest = FakePlans(self.s).proposals(council_id)[:1]
            parts.append([(p.id, p.confirmed_at) for p in newest])
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


class FakeTokens(_Repository):
    def create(self, role: str, council_id: str | None = None,
               label: str | None = None) -> tuple[Token, str]:
        if role not in ROLES:
            raise InputError(f"must be one of {', '.join(ROLES)}", field="role")
        if role == "admin" and council_id is not None:
            raise InputError("an admin token is not scoped to a council", field="council")
        if role != "admin" and council_id is None:
            raise InputError(f"a {role} token needs a council", field="council")
        if council_id is not None and council_id not in self.s.councils:
            raise InputError(f"no council {council_id!r}", field="council")
        secret = new_secret()
        token = Token(secrets.token_hex(8), role, council_id, label, _now())  # type: ignore[arg-type]
        self.s.tokens[token.id] = {"hash": secret_hash(secret), "token": token}
        return token, secret

    def authenticate(self, secret: str) -> Token | None:
        wanted = secret_hash(secret)
        for row in self.s.tokens.values():
            if row["hash"] == wanted:
                return row["token"] if row["token"].active else None  # type: ignore[no-any-return]
        return None

    def get(self, token_id: str) -> Token | None:
        row = self.s.tokens.get(token_id)
        return None if row is None or not row["token"].active else row["token"]  # type: ignore[no-any-return]

    def by_ids(self, token_ids: Sequence[str]) -> dict[str, Token]:
        return {t: self.s.tokens[t]["token"] for t in token_ids if t in self.s.tokens}

    def all(self) -> list[Token]:
        return sorted((row["token"] for row in self.s.tokens.values()),
                      key=lambda t: t.created_at, reverse=True)

    def revoke(self, token_id: str) -> None:
        row = self.s.tokens.get(token_id)
        if row is None or not row["token"].active:
            raise NotFound(f"no active token {token_id!r}")
        moment = _now()
        row["token"] = dataclasses.replace(row["token"], revoked_at=moment)
        for session in self.s.sessions:
            if session["token_id"] == token_id and session["ended_at"] is None:
                session["ended_at"] = moment

    def start_session(self, token_id: str) -> str:
        if token_id not in self.s.tokens:
            raise Refused("FOREIGN KEY constraint failed: sessions.token_id")
        secret = new_secret()
        self.s.sessions.append({"id": secrets.token_hex(8), "hash": secret_hash(secret),
                                "token_id": token_id, "created_at": _now(), "ended_at": None})
        return secret

    def session(self, secret: str, max_age: dt.timedelta) -> SessionRecord | None:
        wanted = secret_hash(secret)
        for row in self.s.sessions:
            if row["hash"] == wanted:
                if row["ended_at"] is not None or row["created_at"] < _now() - max_age:
                    return None
                return SessionRecord(row["id"], row["token_id"], row["created_at"])
        return None

    def end_session(self, secret: str) -> None:
        wanted = secret_hash(secret)
        for row in self.s.sessions:
            if row["hash"] == wanted and row["ended_at"] is None:
                row["ended_at"] = _now()


class FakeBodies(_Repository):
    def _row(self, council_id: str, body_id: str) -> dict[str, Any]:
        row = self.s.bodies.get((council_id, body_id))
        if row is None:
            raise NotFound(f"no body {body_id!r} in council {council_id!r}")
        return row

    def save_plan(self, council_id: str, body_id: str, content_hash: str, sanitised: str) -> None:
        self._row(council_id, body_id).update(sanitised=sanitised, content_hash=content_hash,
                                              fetched_at=_now(), last_error=None)

    def record_error(self, council_id: str, body_id: str, error: str) -> None:
        self._row(council_id, body_id)["last_error"] = error[:2000]

    def plans(self, council_id: str) -> dict[str, str]:
        return {k[1]: b["sanitised"] for k, b in self.s.bodies.items()
                if k[0] == council_id and b["sanitised"] is not None}

    def states(self, council_id: str) -> dict[str, PlanState]:
        rows = sorted(((k[1], b) for k, b in self.s.bodies.items() if k[0] == council_id),
                      key=lambda item: item[1]["position"])
        return {key: PlanState(b["content_hash"] is not None, b["fetched_at"], b["last_error"])
                for key, b in rows}


class FakeStatements(_Repository):
    def absences(self, member_id: str) -> list[tuple[dt.date, dt.date, dt.datetime]]:
        return sorted(self.s.absences.get(member_id, []))

    def set_absences(self, member_id: str, spans: Sequence[tuple[dt.date, dt.date]]) -> bool:
        self._require_member(member_id)
        kept = {(a, b): at for a, b, at in self.s.absences.get(member_id, [])}
        moment = _now()
        self.s.absences[member_id] = [(a, b, kept.get((a, b), moment)) for a, b in set(spans)]
        return set(kept) != set(spans)

    def answer_meeting(self, meeting_id: str, member_id: str, answer: str) -> bool:
        before = self.s.meeting_answers.get((meeting_id, member_id))
        if before and before[0] == answer:
            return False
        self.s.meeting_answers[(meeting_id, member_id)] = (answer, _now())
        return True

    def meeting_answers(self, meeting_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        return {k: v[0] for k, v in self.s.meeting_answers.items() if k[0] in meeting_ids}

    def answer_poll(self, poll_id: str, member_id: str,
                    answers: Sequence[tuple[dt.datetime, dt.datetime, str]]) -> None:
        for start, end, answer in answers:
            before = self.s.poll_answers.get((poll_id, member_id, start))
            if not before or before[1] != answer:
                self.s.poll_answers[(poll_id, member_id, start)] = (end, answer, _now())

    def poll_answers(self, poll_id: str) -> dict[tuple[str, dt.datetime], str]:
        return {(k[1], k[2]): v[1] for k, v in self.s.poll_answers.items() if k[0] == poll_id}

    def statements(self, member_ids: Sequence[str], zone: str) -> dict[str, list[Statement]]:
        found: dict[str, list[Statement]] = {m: [] for m in member_ids}
        for member_id in member_ids:
            for a, b, at in self.s.absences.get(member_id, []):
                found[member_id].append(Statement(*absence_span(a, b, zone), "absence", at))
        for (meeting_id, member_id), (answer, at) in self.s.meeting_answers.items():
            meeting = self.s.meetings.get(meeting_id)
            if member_id in found and meeting and meeting.status != "cancelled":
                found[member_id].append(Statement(meeting.start, meeting.end, answer, at))
        for (_poll, member_id, start), (end, answer, at) in self.s.poll_answers.items():
            if member_id in found:
                found[member_id].append(Statement(start, end, answer, at))
        return found


class FakePolls(_Repository):
    def add(self, council_id: str, proposal_id: str | None, deadline: dt.date,
            slots: Sequence[tuple[dt.datetime, dt.datetime]]) -> PollRecord:
        record = PollRecord(secrets.token_hex(8), council_id, proposal_id, deadline,
                            tuple(slots), _now())
        self.s.polls[record.id] = record
        return record

    def get(self, poll_id: str) -> PollRecord:
        if poll_id not in self.s.polls:
            raise NotFound(f"no poll {poll_id!r}")
        return self.s.polls[poll_id]

    def of_council(self, council_id: str) -> list[PollRecord]:
        return sorted((p for p in self.s.polls.values() if p.council_id == council_id),
                      key=lambda p: p.created_at, reverse=True)


class FakeCallIns(_Repository):
    def call_ins(self, meeting_ids: Sequence[str]) -> dict[tuple[str, str], tuple[bool, int]]:
        return {k: v for k, v in self.s.call_ins.items() if k[0] in meeting_ids}

    def set_call_in(self, meeting_id: str, member_id: str, active: bool) -> bool:
        before = self.s.call_ins.get((meeting_id, member_id))
        if (before is None and not active) or (before is not None and before[0] == active):
            return False
        self.s.call_ins[(meeting_id, member_id)] = (active, (before[1] if before else 0) + 1)
        return True

    def uncovered(self, meeting_ids: Sequence[str]) -> set[tuple[str, str]]:
        return {k for k, active in self.s.uncovered.items() if active and k[0] in meeting_ids}

    def set_uncovered(self, meeting_id: str, party_key: str, active: bool) -> bool:
        if self.s.uncovered.get((meeting_id, party_key), False) == active:
            return False
        self.s.uncovered[(meeting_id, party_key)] = active
        return True

    def lock_cover(self, meeting_ids: Sequence[str]) -> None:
        pass  # one fake store, one thread

    def hold(self, meeting_id: str, about: str, at: dt.datetime, quiet: dt.timedelta,
             longest: dt.timedelta) -> None:
        told, due, held = self.s.cover_told.get((meeting_id, about), (None, None, 0))
        waiting = self.s.cover_first_held.get((meeting_id, about)) if due is not None else None
        due, first = news_due(at, waiting, quiet, longest)
        self.s.cover_first_held[(meeting_id, about)] = first
        self.s.cover_told[(meeting_id, about)] = (told, due, held + 1)

    def due(self, at: dt.datetime, meeting_ids: Sequence[str] | None = None,
            limit: int = 200) -> list[CoverNews]:
        found = sorted(((due, CoverNews(meeting_id, about, told, held))
                        for (meeting_id, about), (told, due, held) in self.s.cover_told.items()
                        if due is not None and due <= at
                        and (meeting_ids is None or meeting_id in meeting_ids)),
                       key=lambda pair: pair[0])
        return [news for _due, news in found[:limit]]

    def take(self, news: CoverNews, told: str | None) -> bool:
        before, due, held = self.s.cover_told.get((news.meeting_id, news.about), (None, None, 0))
        if due is None or held != news.held:
            return False
        self.s.cover_told[(news.meeting_id, news.about)] = (
            before if told is None else told, None, held)
        return True

    def told_now(self, meeting_id: str, about: str, told: str) -> None:
        _before, _due, held = self.s.cover_told.get((meeting_id, about), (None, None, 0))
        self.s.cover_told[(meeting_id, about)] = (told, None, held)


class FakeHistory(_Repository):
    def add(self, meeting_id: str, kind: str, *, by: str, member_id: str | None = None,
            detail: Mapping[str, Any] | None = None) -> HistoryRecord:
        if kind not in KINDS:
            raise ValueError(f"no history kind {kind!r}")
        if meeting_id not in self.s.meetings:
            raise Refused("FOREIGN KEY constraint failed: meeting_history.meeting_id")
        made = HistoryRecord(len(self.s.history) + 1, meeting_id, _now(), kind, member_id, by,
                             _json(dict(detail or {})))
        self.s.history.append(made)
        return made

    def of_meetings(self, meeting_ids: Sequence[str]) -> list[HistoryRecord]:
        return [h for h in self.s.history if h.meeting_id in meeting_ids]


class FakeEventVersions(_Repository):
    def shown(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ShownVersion]:
        return {key: self.s.event_versions[key] for key in keys if key in self.s.event_versions}

    def record(self, key: tuple[str, str], before: ShownVersion | None,
               after: ShownVersion, *, at: dt.datetime | None = None) -> bool:
        if self.s.event_versions.get(key) != before:
            return False
        moment = at or _now()
        self.s.event_versions[key] = after
        if before is None:
            self.s.event_told[key] = (after.state, after.sequence, None, moment)
            return True
        told, told_sequence, untold, _changed = self.s.event_told[key]
        self.s.event_told[key] = (told, told_sequence,
                                  None if told == after.state else (untold or moment), moment)
        return True

    def _untold(self, key: tuple[str, str]) -> UntoldState:
        shown, (told, told_sequence, _u, _c) = self.s.event_versions[key], self.s.event_told[key]
        return UntoldState(key[0], key[1], shown.state, shown.sequence, told, told_sequence)

    def untold(self, quiet_since: dt.datetime, held_since: dt.datetime,
               limit: int = 200) -> list[UntoldState]:
        found = sorted((untold, key) for key, (_t, _s, untold, changed) in self.s.event_told.items()
                       if untold is not None and (changed <= quiet_since or untold <= held_since))
        return [self._untold(key) for _untold, key in found[:limit]]

    def untold_of(self, keys: Sequence[tuple[str, str]]
                  ) -> dict[tuple[str, str], UntoldState]:
        return {key: self._untold(key) for key in keys
                if key in self.s.event_told and self.s.event_told[key][2] is not None}

    def mark_told(self, key: tuple[str, str], state: str, sequence: int, *,
                  was: tuple[str, int] | None = None) -> bool:
        shown = self.s.event_versions.get(key)
        if shown is None or (shown.state, shown.sequence) != (state, sequence):
            return False
        told, told_sequence, _untold, changed = self.s.event_told[key]
        if was is not None and (told, told_sequence) != was:
            return False
        self.s.event_told[key] = (state, sequence, None, changed)
        return True


class FakeOutbox(_Repository):
    def add(self, mail: OutgoingMail) -> str | None:
        if mail.dedupe_key is not None and mail.dedupe_key in self.s.outbox_keys:
            return None
        moment = _now()
        record = MailRecord(secrets.token_hex(8), moment, mail.recipient, mail.subject, mail.kind,
                            mail.message, "pending", 0, moment, None, None)
        self.s.outbox[record.id] = record
        if mail.dedupe_key is not None:
            self.s.outbox_keys[mail.dedupe_key] = record.id
        return record.id

    def claim(self, at: dt.datetime, lease: dt.timedelta) -> MailRecord | None:
        for record in sorted(self.s.outbox.values(), key=lambda r: r.next_attempt_at):
            if record.state == "pending" and record.next_attempt_at <= at:
                claimed = dataclasses.replace(record, attempts=record.attempts + 1,
                                              next_attempt_at=at + lease)
                self.s.outbox[record.id] = claimed
                return claimed
        return None

    def sent(self, mail_id: str, at: dt.datetime) -> None:
        self.s.outbox[mail_id] = dataclasses.replace(self.s.outbox[mail_id], state="sent",
                                                     sent_at=at, last_error=None)

    def failed(self, mail_id: str, error: str, retry_at: dt.datetime | None) -> None:
        record = self.s.outbox[mail_id]
        self.s.outbox[mail_id] = dataclasses.replace(
            record, last_error=error, state="dead" if retry_at is None else "pending",
            next_attempt_at=retry_at or record.next_attempt_at)

    def listing(self, states: Sequence[str] | None = None, limit: int = 200) -> list[MailRecord]:
        found = [r for r in self.s.outbox.values() if not states or r.state in states]
        return sorted(found, key=lambda r: r.created_at, reverse=True)[:limit]

    def counts(self) -> dict[str, int]:
        found = {"pending": 0, "sent": 0, "dead": 0}
        for record in self.s.outbox.values():
            found[record.state] += 1
        return found


class FakeRounds(_Repository):
    def add(self, name: str, council_ids: Sequence[str], request: dict[str, Any],
            document: dict[str, Any], status: str) -> RoundRecord:
        record = RoundRecord(secrets.token_hex(8), name, tuple(council_ids), _json(request),
                             _json(document), status, _now())
        self.s.rounds[record.id] = record
        return record

    def get(self, round_id: str) -> RoundRecord:
        if round_id not in self.s.rounds:
            raise NotFound(f"no round {round_id!r}")
        return self.s.rounds[round_id]

    def of_council(self, council_id: str) -> list[RoundRecord]:
        return sorted((r for r in self.s.rounds.values() if council_id in r.council_ids),
                      key=lambda r: r.created_at, reverse=True)


class FakeJobs(_Repository):
    def add(self, job: NewJob) -> JobRecord | None:
        if job.idempotency_key is not None and self.by_key(job.requester, job.idempotency_key):
            return None
        moment = _now()
        record = JobRecord(secrets.token_hex(8), job.kind, tuple(job.council_ids),
                           _json(job.payload), job.requester, job.idempotency_key,
                           job.request_hash, "queued", 0.0, None, None, None, None, 0, None, None,
                           moment, moment, moment, None, None)
        self.s.jobs[record.id] = record
        return record

    def get(self, job_id: str) -> JobRecord:
        if job_id not in self.s.jobs:
            raise NotFound(f"no job {job_id!r}")
        return self.s.jobs[job_id]

    def by_key(self, requester: str | None, key: str) -> JobRecord | None:
        return next((j for j in self.s.jobs.values()
                     if j.requester == requester and j.idempotency_key == key), None)

    def clock(self) -> dt.datetime:
        return _now()

    def withdraw(self, job_id: str) -> bool:
        if job_id not in self.s.jobs or self.s.jobs[job_id].state != "queued":
            return False
        del self.s.jobs[job_id]
        return True

    def _change(self, job_id: str, **values: Any) -> JobRecord:
        changed = dataclasses.replace(self.s.jobs[job_id], updated_at=_now(), **values)
        self.s.jobs[job_id] = changed
        return changed

    def claim(self, job_id: str, owner: str, at: dt.datetime, lease: dt.timedelta) -> JobRecord | None:
        job = self.s.jobs.get(job_id)
        if job is None or job.state != "queued":
            return None
        return self._change(job_id, state="running", lease_owner=owner, lease_until=at + lease,
                            attempts=job.attempts + 1, started_at=job.started_at or at)

    def waiting(self, limit: int = 200) -> list[Waiting]:
        found = sorted((j for j in self.s.jobs.values() if j.state == "queued"),
                       key=lambda j: (j.created_at, j.id))[:limit]
        return [Waiting(j.id, j.council_ids, j.created_at) for j in found]

    def turns(self, since: dt.datetime) -> Turns:
        seen = [j for j in self.s.jobs.values()
                if j.state == "running" or (j.started_at is not None and j.started_at >= since)]
        return Turns.of((j.council_ids for j in seen if j.state == "running"),
                        ((j.council_ids, j.started_at) for j in seen if j.started_at is not None))

    def in_flight(self, requester: str | None, council_ids: tuple[str, ...]) -> tuple[int, int]:
        busy = [j for j in self.s.jobs.values() if j.state in ("queued", "running")]
        mine = sum(1 for j in busy if requester is not None and j.requester == requester)
        return mine, max((sum(1 for j in busy if c in j.council_ids) for c in council_ids),
                         default=0)

    def _holds(self, job_id: str, owner: str) -> bool:
        job = self.s.jobs.get(job_id)
        return job is not None and job.state == "running" and job.lease_owner == owner

    def heartbeat(self, job_id: str, owner: str, until: dt.datetime) -> bool:
        if not self._holds(job_id, owner):
            return False
        self._change(job_id, lease_until=until)
        return True

    def progress(self, job_id: str, owner: str, progress: float, stage: str | None,
                 detail: dict[str, Any] | None) -> bool:
        if not self._holds(job_id, owner):
            return False
        self._change(job_id, progress=min(max(progress, 0.0), 1.0), stage=stage,
                     detail=_json(detail))
        return True

    def finish(self, job_id: str, owner: str, result: dict[str, Any]) -> bool:
        if not self._holds(job_id, owner):
            return False
        self._change(job_id, state="done", result=_json(result), progress=1.0, lease_owner=None,
                     lease_until=None, finished_at=_now())
        return True

    def fail(self, job_id: str, owner: str | None, error: dict[str, Any]) -> bool:
        job = self.s.jobs.get(job_id)
        if job is None or (not self._holds(job_id, owner) if owner is not None
                           else job.state not in ("queued", "running")):
            return False
        self._change(job_id, state="failed", error=_json(error), lease_owner=None,
                     lease_until=None, finished_at=_now())
        return True

    def reap(self, at: dt.datetime, max_attempts: int,
             error: dict[str, Any]) -> tuple[list[str], list[str]]:
        again, given_up = [], []
        for job in list(self.s.jobs.values()):
            if job.state != "running" or job.lease_until is None or job.lease_until >= at:
                continue
            if job.attempts >= max_attempts:
                self._change(job.id, state="failed", error=_json(error), lease_owner=None,
                             lease_until=None, finished_at=at)
                given_up.append(job.id)
            else:
                self._change(job.id, state="queued", lease_owner=None, lease_until=None,
                             enqueued_at=at)
                again.append(job.id)
        return again, given_up

    def stale(self, before: dt.datetime, at: dt.datetime, limit: int = 500) -> list[str]:
        found = sorted((j for j in self.s.jobs.values()
                        if j.state == "queued" and j.enqueued_at < before),
                       key=lambda j: j.enqueued_at)[:limit]
        for job in found:
            self._change(job.id, enqueued_at=at)
        return [j.id for j in found]

    def expire(self, before: dt.datetime, at: dt.datetime, error: dict[str, Any],
               limit: int = 500) -> list[str]:
        found = sorted((j for j in self.s.jobs.values()
                        if j.state == "queued" and j.updated_at < before),
                       key=lambda j: j.updated_at)[:limit]
        for job in found:
            self._change(job.id, state="failed", error=_json(error), finished_at=at)
        return [j.id for j in found]

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(("queued", "running", "done", "failed"), 0)
        for job in self.s.jobs.values():
            found[job.state] += 1
        return found


class FakeUnitOfWork:
    """A transaction over a ``FakeStore``: the repositories work on a copy taken on enter,
    and ``commit`` makes the copy the store's state; leaving without it keeps nothing."""

    def __init__(self, store: FakeStore, *, write: bool = True):
        self.store = store
        self.write = write
        self.committed = False
        self._work: FakeStore | None = None

    def __enter__(self) -> FakeUnitOfWork:
        work = copy.deepcopy(self.store)
        self._work = work
        self.councils = FakeCouncils(work)
        self.calendars = FakeCalendars(work)
        self.plans = FakePlans(work)
        self.attendance = FakeAttendance(work)
        self.bodies = FakeBodies(work)
        self.links = FakeLinks(work)
        self.tokens = FakeTokens(work)
        self.statements = FakeStatements(work)
        self.polls = FakePolls(work)
        self.call_ins = FakeCallIns(work)
        self.history = FakeHistory(work)
        self.event_versions = FakeEventVersions(work)
        self.outbox = FakeOutbox(work)
        self.rounds = FakeRounds(work)
        self.jobs = FakeJobs(work)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._work = None

    def commit(self) -> None:
        """Keep everything this unit of work did."""
        if self._work is None:
            raise RuntimeError("commit outside the unit of work")
        for table in dataclasses.fields(FakeStore):
            setattr(self.store, table.name, copy.deepcopy(getattr(self._work, table.name)))
        self.committed = True


def fake_services(store: FakeStore | None = None) -> Services:
    """The services over a fresh (or the given) in-memory store; ``services.store`` is it,
    ``services.units`` every unit of work they opened."""
    kept = FakeStore() if store is None else store
    units: list[FakeUnitOfWork] = []

    def unit_of_work(write: bool = True) -> FakeUnitOfWork:
        units.append(FakeUnitOfWork(kept, write=write))
        return units[-1]

    made = Services(unit_of_work, link_key="tests")
    made.store = kept  # type: ignore[attr-defined]
    made.units = units  # type: ignore[attr-defined]
    return made
