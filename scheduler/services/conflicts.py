"""The chair's conflict report as a use case, and one meeting seen the same way."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..availability import StatementMap
from ..bodies import PlanMap
from ..council import Council
from ..cover import late_absences
from ..planning import BusyMap
from ..ports import UnitOfWork
from ..records import CouncilRecord, MeetingRecord
from ..reports import ReportMeeting, conflict_report
from .links import LinkServices, holds_of

__all__ = ["ReportServices"]


class ReportServices(LinkServices):
    """Reports for the chair."""

    def conflict_report(self, council_id: str) -> dict[str, Any]:
        """The chair's report over the council's meetings and its newest open proposal."""
        with self.reader() as uow:
            record = uow.councils.get(council_id)
            report = self._report(uow, record, uow.plans.meetings(council_id), holds=True)
            views = self.calendar_views(uow, record)
        found = report.compute()
        found["calendars"] = [{"member_id": member_id, **view.as_json()}
                              for member_id, view in views.items()]
        return {"council_id": council_id, **found}

    def meeting_view(self, meeting_id: str) -> dict[str, Any]:
        """One meeting (id, start, end, status, sequence) and each party's coverage and
        members exactly as the conflict report gives them for it (``parties``; none for a
        cancelled meeting, which the report leaves out); NotFound for no such meeting."""
        with self.reader() as uow:
            meeting = uow.plans.meeting(meeting_id)
            record = uow.councils.get(meeting.council_id)
            report = self._report(uow, record, [meeting], holds=False)
        rows = [row for row in report.compute()["meetings"] if row["id"] == meeting.id]
        return {"id": meeting.id, "council_id": meeting.council_id,
                "start": meeting.start.isoformat(), "end": meeting.end.isoformat(),
                "status": meeting.status, "sequence": meeting.sequence,
                "parties": rows[0]["parties"] if rows else []}

    def _report(self, uow: UnitOfWork, record: CouncilRecord, meetings: Sequence[MeetingRecord],
                *, holds: bool) -> _Report:
        """Read, in the caller's unit of work, what the report over these meetings (and the
        newest open proposal's dates, with ``holds``) needs; computed when called."""
        by_member = {member_id: key for key, member_id in record.member_ids.items()}
        states = uow.attendance.states([m.id for m in meetings])
        calls = uow.call_ins.call_ins([m.id for m in meetings])
        alone = uow.call_ins.uncovered([m.id for m in meetings])
        late = late_absences(record.council, record.member_ids.values(), meetings,
                             uow.statements.statements(list(record.member_ids.values()),
                                                       record.council.timezone))
        shown_states: dict[str, dict[tuple[str, int], str]] = {}
        for member_id, shown in self.reckon_meetings(uow, record, versions=False).meetings.items():
            key = by_member[member_id]
            role = record.council.party(key[0]).members[key[1]].role
            for item in shown:
                shown_states.setdefault(item.id, {})[key] = item.state(role)
        items = []
        for meeting in meetings:
            notices = frozenset(by_member[member] for (mid, member), state in states.items()
                                if mid == meeting.id and state == "absent_notice")
            recorded = {by_member[member][0]: state for (mid, member), state in states.items()
                        if mid == meeting.id and state in ("present", "absent")}
            present = (frozenset(p for p, state in recorded.items() if state == "present")
                       if recorded else None)
            called = frozenset(by_member[member] for (mid, member), (on, _n) in calls.items()
                               if mid == meeting.id and on)
            items.append(ReportMeeting(meeting.id, meeting.start, meeting.end, meeting.status,
                                       notices, present, called,
                                       frozenset(p for mid, p in alone if mid == meeting.id),
                                       frozenset(by_member[member] for mid, member in late
                                                 if mid == meeting.id),
                                       shown_states.get(meeting.id, {})))
        if holds:
            items += [ReportMeeting(h.id, h.start, h.end, "proposed")
                      for h in holds_of(uow, record.id)]
        busy: BusyMap = {key: None for key in record.member_ids}
        plans: PlanMap = {}
        if items:
            start = min(m.start for m in items) - dt.timedelta(days=1)
            end = max(m.end for m in items) + dt.timedelta(days=1)
            busy, plans, _warnings = self.known_time(uow, record, start, end)
        return _Report(self.with_history(uow, record), items, busy, plans,
                       self.statement_map(uow, record), dict(record.member_ids))


@dataclasses.dataclass(frozen=True)
class _Report:
    """What a report needs, read; ``compute`` makes it (outside the unit of work)."""

    council: Council
    items: list[ReportMeeting]
    busy: BusyMap
    plans: PlanMap
    said: StatementMap
    member_ids: dict[tuple[str, int], str]

    def compute(self) -> dict[str, Any]:
        """The report as JSON (``reports.conflict_report``), members with their ids."""
        return conflict_report(self.council, self.items, self.busy, dt.datetime.now(dt.UTC),
                               self.plans, statements=self.said, member_ids=self.member_ids)
