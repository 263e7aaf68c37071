"""The chair's conflict report: who can come to each meeting, who covers each party, and
each party's expected against recorded attendance. Never an event's title: only statuses."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .availability import PlanMap, StatementMap, presence
from .council import Council
from .formats import csv_text
from .planning import BusyMap, member_views
from .proposal import explain

__all__ = ["ReportMeeting", "conflict_report", "report_csv"]


@dataclass(frozen=True)
class ReportMeeting:
    """A meeting to report on: confirmed, cancelled or only proposed."""

    id: str
    start: dt.datetime
    end: dt.datetime
    state: str  # confirmed | proposed | cancelled
    notices: frozenset[tuple[str, int]] = frozenset()  # members who gave notice of absence
    present: frozenset[str] | None = None  # parties recorded present, after the meeting
    called_in: frozenset[tuple[str, int]] = frozenset()  # substitutes called in
    uncovered: frozenset[str] = frozenset()  # parties whose members all said they cannot come
    late: frozenset[tuple[str, int]] = frozenset()  # said so after the answers closed
    # each member's state in a confirmed meeting (member_states.member_state), by position
    states: Mapping[tuple[str, int], str] = field(default_factory=dict)


def conflict_report(council: Council, meetings: Sequence[ReportMeeting], busy: BusyMap,
                    now: dt.datetime, plans: PlanMap | None = None,
                    statements: StatementMap | None = None,
                    member_ids: Mapping[tuple[str, int], str] | None = None) -> dict[str, Any]:
    """The report as JSON: first the parties that nobody can represent at an upcoming
    meeting by their members' own word; then upcoming and proposed meetings with coverage
    (substitutes called in marked, and members who said they cannot come only after the
    answers closed: ``said_late``, nobody called in for them), and per party the expected against the recorded
    attendance of past meetings. ``busy`` should carry what each whole calendar
    says of its horizon and habits (``CalendarServices.known_time``); members are read as
    the proposal reads them (``planning.member_views``). Each member has their ``id``
    (from ``member_ids``: (party id, position) -> member id) and, at a confirmed meeting,
    their ``state`` as every other surface shows it (``ReportMeeting.states``; None
    elsewhere)."""
    ids = member_ids or {}
    live = [m for m in meetings if m.state != "cancelled"]
    available = presence(council, [(m.start, m.end) for m in live], busy, plans=plans,
                         statements=statements)
    rows: list[dict[str, Any]] = []
    present = np.empty((len(council.parties), len(live)))  # with notices of absence
    for column, meeting in enumerate(live):
        parties = []
        for p, party in enumerate(council.parties):
            members = member_views(party, available, column, meeting.notices)
            present[p, column] = 1 - math.prod(1 - m.probability for m in members)
            found = explain(members)
            parties.append({"party": party.id, "name": party.name,
                            "covered_by": found.covered_by, "why": found.why,
                            "reasons": [r.as_json() for r in found.reasons],
                            "presence": round(float(present[p, column]), 4),
                            "members": [{"id": ids.get((party.id, i)), "name": m.name,
                                         "role": m.role,
                                         "state": (meeting.states.get((party.id, i))
                                                   if meeting.state == "confirmed" else None),
                                         "status": m.status,
                                         "probability": round(m.probability, 4),
                                         "notice_of_absence": m.notice,
                                         "called_in": (party.id, i) in meeting.called_in,
                                         "said_late": (party.id, i) in meeting.late}
                                        for i, m in enumerate(members)],
                            "stated_uncovered": party.id in meeting.uncovered})
        rows.append({"id": meeting.id, "start": meeting.start.isoformat(),
                     "end": meeting.end.isoformat(), "state": meeting.state,
                     "past": meeting.end <= now,
                     "expected_parties": round(float(present[:, column].sum()), 4),
                     "uncovered": [x["party"] for x in parties if x["covered_by"] == "uncovered"],
                     "parties": parties})
    past = [(c, m) for c, m in enumerate(live)
            if m.state == "confirmed" and m.end <= now and m.present is not None]
    upcoming = [c for c, m in enumerate(live) if m.state == "confirmed" and m.end > now]
    attendance = [{
        "party": party.id, "name": party.name, "meetings": len(past),
        "expected": round(float(sum(present[p, c] for c, _ in past)), 4),
        "upcoming": len(upcoming),
        "expected_upcoming": round(float(sum(present[p, c] for c in upcoming)), 4),
        "recorded": sum(party.id in (m.present or ()) for _, m in past),
        "uncovered_upcoming": sum(party.id in r["uncovered"] for r in rows if not r["past"]),
    } for p, party in enumerate(council.parties)]
    alone = [{"meeting": m.id, "start": m.start.isoformat(), "end": m.end.isoformat(),
              "party": party.id, "name": party.name,
              "members": [member.name for member in party.members]}
             for m in live if m.state == "confirmed" and m.end > now
             for party in council.parties if party.id in m.uncovered]
    return {"uncovered_stated": alone, "council": council.name,
            "generated_at": now.isoformat(), "meetings": rows,
            "attendance": attendance}


def report_csv(report: dict[str, Any]) -> str:
    """One row per meeting and party: coverage and why, and each member's state and status (the
    first substitute in ``substitute_*``, further ones in ``substitute_2_*`` and on).
    No text cell can start a spreadsheet formula."""
    records = []
    for meeting in report["meetings"]:
        for party in meeting["parties"]:
            row = {"meeting_start": meeting["start"], "meeting_end": meeting["end"],
                   "state": meeting["state"], "party": party["party"],
                   "party_name": party["name"], "covered_by": party["covered_by"],
                   "why": party["why"] or "", "presence": party["presence"]}
            seen: dict[str, int] = {}
            for member in party["members"]:
                seen[member["role"]] = seen.get(member["role"], 0) + 1
                prefix = member["role"] + (f"_{seen[member['role']]}" if seen[member["role"]] > 1
                                           else "")
                row[f"{prefix}_name"] = member["name"]
                row[f"{prefix}_state"] = member.get("state") or ""
                row[f"{prefix}_status"] = member["status"]
                row[f"{prefix}_probability"] = member["probability"]
                row[f"{prefix}_notice_of_absence"] = member.get("notice_of_absence", False)
            records.append(row)
    columns = list(dict.fromkeys(key for row in records for key in row))
    return csv_text(records, columns)
