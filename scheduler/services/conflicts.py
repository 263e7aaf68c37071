"""The chair's conflict report as a use case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..bodies import PlanMap
from ..cover import late_absences
from ..planning import BusyMap
from ..reports import ReportMeeting, conflict_report
from .links import LinkServices, holds_of

__all__ = ["ReportServices"]



class ReportServices(LinkServices):
    """Reports for the chair."""

    def conflict_report(self, council_id: str) -> dict[str, Any]:
        """The chair's report over the council's meetings and its newest open proposal."""
        with self.reader() as uow:
            record = uow.councils.get(council_id)
            by_member = {member_id: key for key, member_id in record.member_ids.items()}
            meetings = uow.plans.meetings(council_id)
            states = uow.attendance.states([m.id for m in meetings])
            calls = uow.call_ins.call_ins([m.id for m in meetings])
            alone = uow.call_ins.uncovered([m.id for m in meetings])
            late = late_absences(record.council, record.member_ids.values(), meetings,
                                 uow.statements.statements(list(record.member_ids.values()),
                                                           record.council.timezone))
            reckoned = self.reckon_meetings(uow, record, versions=False)
            shown_states: dict[str, dict[tuple[str, int], str]] = {}
            for member_id, shown in reckoned.meetings.items():
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
            items += [ReportMeeting(h.id, h.start, h.end, "proposed")
                      for h in holds_of(uow, council_id)]
            busy: BusyMap = {key: None for key in record.member_ids}
            plans: PlanMap = {}
            if items:
                start = min(m.start for m in items) - dt.timedelta(days=1)
                end = max(m.end for m in items) + dt.timedelta(days=1)
                busy, plans, _warnings = self.known_time(uow, record, start, end)
            council = self.with_history(uow, record)
            views = self.calendar_views(uow, record)
            said = self.statement_map(uow, record)
        report = conflict_report(council, items, busy, dt.datetime.now(dt.UTC), plans,
                                 statements=said, member_ids=record.member_ids)
        report["calendars"] = [{"member_id": member_id, **view.as_json()}
                               for member_id, view in views.items()]
        return {"council_id": council_id, **report}
