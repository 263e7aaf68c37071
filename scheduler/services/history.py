"""A meeting's history as use cases: what the write sites append (in the caller's unit of
work, so a change and its record are kept together or not at all), and the history read
back for the API and the pages, with who made each change named."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..council import Council
from ..cover import answers_closed_at
from ..history import SYSTEM, absence_detail, actor_of
from ..ports import UnitOfWork
from ..records import CouncilRecord, HistoryRecord, MeetingRecord
from ..tokens import Token
from .base import ServiceBase

__all__ = ["HistoryServices", "MeetingHistories", "record_absences", "record_confirmed",
           "record_cover", "record_meeting_change"]


def _times(meeting: MeetingRecord) -> dict[str, str]:
    return {"start": meeting.start.isoformat(), "end": meeting.end.isoformat()}


def record_confirmed(uow: UnitOfWork, meetings: Sequence[MeetingRecord], by: str) -> None:
    """Each meeting of a proposal confirmed: ``confirmed`` with its start and end."""
    for meeting in meetings:
        uow.history.add(meeting.id, "confirmed", by=by, detail=_times(meeting))


def record_meeting_change(uow: UnitOfWork, before: MeetingRecord, after: MeetingRecord,
                          by: str) -> None:
    """A meeting cancelled (``cancelled``) or moved (``moved``: old and new start and end);
    nothing when it was cancelled already or kept its times."""
    if after.status == "cancelled":
        if before.status != "cancelled":
            uow.history.add(after.id, "cancelled", by=by, detail=_times(after))
    elif (after.start, after.end) != (before.start, before.end):
        uow.history.add(after.id, "moved", by=by, detail={
            "old_start": before.start.isoformat(), "old_end": before.end.isoformat(),
            **_times(after)})


def record_absences(uow: UnitOfWork, member_id: str, council: Council,
                    before: Sequence[tuple[dt.date, dt.date]],
                    after: Sequence[tuple[dt.date, dt.date]],
                    meetings: Sequence[MeetingRecord], by: str) -> None:
    """A member's absences replaced: ``absence`` at each confirmed meeting where what they
    say of it changed (``{"absent": true, "from", "to"}``, with ``"late": true`` once the
    meeting's answers have closed; ``{"absent": false}`` when withdrawn)."""
    moment = dt.datetime.now(dt.UTC)
    for meeting in meetings:
        if meeting.status != "confirmed":
            continue
        old = absence_detail(before, meeting, council.timezone)
        new = absence_detail(after, meeting, council.timezone)
        if old == new:
            continue
        detail = new or {"absent": False}
        if new is not None and moment >= answers_closed_at(meeting, council):
            detail["late"] = True
        uow.history.add(meeting.id, "absence", member_id=member_id, by=by, detail=detail)


def record_cover(uow: UnitOfWork, meeting_id: str, kind: str, party_id: str, after: str, *,
                 member_id: str | None = None) -> None:
    """A substitute called in or released, or a party uncovered or covered again: by
    ``system``, after the change made by ``after`` (left out when that is the system)."""
    detail = {"party": party_id}
    if after != SYSTEM:
        detail["after"] = after
    uow.history.add(meeting_id, kind, member_id=member_id, by=SYSTEM, detail=detail)


@dataclasses.dataclass(frozen=True)
class MeetingHistories:
    """A council's meetings and their histories (entries as the API gives them, oldest
    first), with the names the pages show them by and the council's time zone."""

    meetings: list[MeetingRecord]
    entries: dict[str, list[dict[str, Any]]]
    members: dict[str, str]  # member id -> name
    parties: dict[str, str]  # party id -> name
    zone: str


def _actor_json(by: str, members: Mapping[str, str],
                tokens: Mapping[str, Token]) -> dict[str, Any]:
    kind, found = actor_of(by)
    if kind == "token" and found is not None:
        token = tokens.get(found)
        return {"kind": "token", "id": found, "role": token.role if token else None,
                "label": token.label if token else None}
    if kind == "member" and found is not None:
        return {"kind": "member", "id": found, "name": members.get(found)}
    return {"kind": "system"}


def _entry_json(entry: HistoryRecord, members: Mapping[str, str],
                tokens: Mapping[str, Token]) -> dict[str, Any]:
    detail = dict(entry.detail)
    if isinstance(detail.get("after"), str):
        detail["after"] = _actor_json(detail["after"], members, tokens)
    found: dict[str, Any] = {"at": entry.at.isoformat(), "kind": entry.kind}
    if entry.member_id is not None:
        found["member_id"] = entry.member_id
    found["by"] = _actor_json(entry.by, members, tokens)
    found["detail"] = detail
    return found


def _names(record: CouncilRecord) -> dict[str, str]:
    council = record.council
    return {member_id: council.party(party_id).members[index].name
            for (party_id, index), member_id in record.member_ids.items()}


class HistoryServices(ServiceBase):
    """Meetings' histories, read."""

    def meeting_history(self, meeting_id: str) -> list[dict[str, Any]]:
        """Every change to a meeting and to its members' parts, oldest first:
        ``{"at", "kind", "member_id"?, "by", "detail"}``; NotFound for no such meeting."""
        with self.reader() as uow:
            meeting = uow.plans.meeting(meeting_id)
            record = uow.councils.get(meeting.council_id)
            return self._entries(uow, record, [meeting_id]).get(meeting_id, [])

    def council_history(self, council_id: str) -> MeetingHistories:
        """Every meeting of a council with its history, for the pages."""
        with self.reader() as uow:
            record = uow.councils.get(council_id)
            meetings = uow.plans.meetings(council_id)
            entries = self._entries(uow, record, [m.id for m in meetings])
        return MeetingHistories(meetings, entries, _names(record),
                                {p.id: p.name for p in record.council.parties},
                                record.council.timezone)

    @staticmethod
    def _entries(uow: UnitOfWork, record: CouncilRecord,
                 meeting_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        found = uow.history.of_meetings(meeting_ids)
        token_ids = {actor_of(e.by)[1] or "" for e in found if actor_of(e.by)[0] == "token"}
        token_ids |= {actor_of(e.detail["after"])[1] or "" for e in found
                      if isinstance(e.detail.get("after"), str)
                      and actor_of(e.detail["after"])[0] == "token"}
        tokens = uow.tokens.by_ids(sorted(token_ids))
        names = _names(record)
        entries: dict[str, list[dict[str, Any]]] = {}
        for entry in found:
            entries.setdefault(entry.meeting_id, []).append(_entry_json(entry, names, tokens))
        return entries
