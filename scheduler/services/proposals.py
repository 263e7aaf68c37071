"""Use cases of proposals and meetings: propose, confirm, move, cancel, attendance."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from typing import Any

from ..cover import late_absences
from ..errors import Busy, Conflict, InputError, NotFound
from ..history import token_actor
from ..ids import is_record_id
from ..jobs.progress import ProgressCallback
from ..planning import period_window, propose
from ..ports import UnitOfWork
from ..proposal_request import parse_proposal_request
from ..records import MeetingRecord, ProposalRecord
from ..service_models import AttendanceRecord, MeetingChange
from ..validation import validated
from ..values import FIRST_YEAR, LAST_YEAR
from .councils import council_json
from .history import record_confirmed, record_meeting_change
from .mailing import MailingServices

__all__ = ["ProposalServices"]


class ProposalServices(MailingServices):
    """From a request to proposed dates, and from a proposal to meetings."""

    def create_proposal(self, council_id: str, options: Any) -> ProposalRecord:
        """Propose meetings from the stored calendars, and keep the answer. At most
        ``solves_at_once`` proposals are computed at a time; the request's time limit
        bounds the whole computation."""
        parse_proposal_request(options)  # bad input answers before a busy service does
        if not self.solves.acquire(timeout=self.solve_wait_s):
            raise Busy(f"{self.solves_at_once} proposals are being computed already; "
                       "try again in a moment", retry_after=10)
        try:
            document = self.compute_proposal(council_id, options)
        finally:
            self.solves.release()
        with self.uow() as uow:
            stored = self.keep_proposal(uow, council_id, options, document)
            uow.commit()
        return stored

    def compute_proposal(self, council_id: str, options: Any, *,
                         progress: ProgressCallback | None = None) -> dict[str, Any]:
        """The proposal document for a council and request, from the stored calendars,
        plans and statements (nothing is kept); ``progress`` hears how the solve goes."""
        request = parse_proposal_request(options)
        deadline = time.monotonic() + request.time_limit_s
        with self.reader() as uow:
            record = uow.councils.get(council_id)
            council = self.with_history(uow, record)
            busy, plans, warnings = self.known_time(uow, record,
                                                    *period_window(council, request))
            said = self.statement_map(uow, record)
        proposal = propose(council, request, busy=busy, deadline=deadline, plans=plans,
                           statements=said, progress=progress)
        document = proposal.as_json()
        if warnings:
            document["warnings"] = [*warnings, *document.get("warnings", [])]
        return document

    @staticmethod
    def keep_proposal(uow: UnitOfWork, council_id: str, options: Any,
                      document: dict[str, Any]) -> ProposalRecord:
        """Store a computed proposal in the caller's unit of work (not committed)."""
        return uow.plans.add_proposal(council_id, dict(options), document)

    def proposals(self, council_id: str) -> list[ProposalRecord]:
        """A council's proposals, newest first."""
        with self.reader() as uow:
            uow.councils.get(council_id)
            return uow.plans.proposals(council_id)

    def proposal(self, proposal_id: str) -> ProposalRecord:
        """One proposal as asked and answered."""
        with self.reader() as uow:
            return uow.plans.proposal(proposal_id)

    def confirm(self, proposal_id: str, *, by: str | None = None
                ) -> tuple[bool, list[MeetingRecord]]:
        """Turn a proposal into meetings, once: (True, meetings) the first time, (False,
        the same meetings) after. ``by``: the id of the token acting (None: the service
        itself), named in the meetings' histories."""
        with self.uow() as uow:
            proposal = uow.plans.proposal(proposal_id)
            if proposal.status == "infeasible":
                raise Conflict("an infeasible proposal has no meetings to confirm")
            slots = [(dt.datetime.fromisoformat(m["start"]), dt.datetime.fromisoformat(m["end"]))
                     for m in proposal.document["meetings"]]
            created, meetings = uow.plans.confirm(proposal_id, slots)
            if created:
                record = uow.councils.get(proposal.council_id)
                record_confirmed(uow, meetings, token_actor(by))
                self.mail_meeting(uow, record, meetings, "confirmed")
                self.settle_cover(uow, record, meetings, by=token_actor(by))
            uow.commit()
        self.mail_queued()
        return created, meetings

    def meetings(self, council_id: str) -> list[MeetingRecord]:
        """A council's meetings by start, cancelled ones included."""
        with self.reader() as uow:
            uow.councils.get(council_id)
            return uow.plans.meetings(council_id)

    def meeting(self, meeting_id: str) -> MeetingRecord:
        """One meeting."""
        with self.reader() as uow:
            return uow.plans.meeting(meeting_id)

    def change_meeting(self, meeting_id: str, changes: Any, *,
                       by: str | None = None) -> MeetingRecord:
        """Move a meeting (``start`` and ``end``) or cancel it (``status: cancelled``);
        ``by``: the id of the token acting (None: the service itself)."""
        change = validated(MeetingChange, changes)
        with self.uow() as uow:
            before = uow.plans.meeting(meeting_id)
            if change.status == "cancelled":
                changed = uow.plans.change_meeting(meeting_id, cancel=True)
            elif before.status == "cancelled":
                raise Conflict("a cancelled meeting cannot be moved", field="start")
            else:
                changed = uow.plans.change_meeting(meeting_id, start=change.start, end=change.end)
            if changed.sequence != before.sequence:
                record = uow.councils.get(changed.council_id)
                record_meeting_change(uow, before, changed, token_actor(by))
                self.settle_cover(uow, record, [changed], by=token_actor(by), tell=False)
                self.mail_meeting(uow, record, [changed],
                                  "cancelled" if changed.status == "cancelled" else "moved",
                                  previous=(before.start, before.end)
                                  if (before.start, before.end) != (changed.start, changed.end)
                                  else None)
                self.tell_at_once(uow, record, [changed])
            uow.commit()
        self.mail_queued()
        return changed

    def move_meeting_to(self, meeting_id: str, local_start: str, *,
                        by: str | None = None) -> MeetingRecord:
        """Move a meeting to a new start given in the council's local time (``2027-03-02T13:00``),
        keeping its length; ``by``: the id of the token acting."""
        with self.reader() as uow:
            meeting = uow.plans.meeting(meeting_id)
            zone = uow.councils.get(meeting.council_id).council.timezone
        try:
            start = dt.datetime.fromisoformat(local_start).replace(tzinfo=zoneinfo.ZoneInfo(zone))
        except ValueError:
            raise InputError(f"{local_start!r} is not a date and time", field="start") from None
        if not FIRST_YEAR <= start.year <= LAST_YEAR:  # before any arithmetic can overflow
            raise InputError(f"the date must be in the years {FIRST_YEAR} to {LAST_YEAR}",
                             field="start")
        end = start + (meeting.end - meeting.start)
        return self.change_meeting(meeting_id, {"start": start.isoformat(), "end": end.isoformat()},
                                   by=by)

    def record_attendance(self, meeting_id: str, body: Any, *, by: str | None = None) -> None:
        """A notice of absence before a meeting, or presence/absence after it; ``by``: the
        id of the token acting. A change goes in the meeting's history: a notice as
        ``absence`` (``{"absent": true, "notice": true}``), presence or absence as
        ``recorded`` (``{"state"}``)."""
        record = validated(AttendanceRecord, body)
        if not is_record_id(record.member_id):  # never issued: nothing to look up
            raise InputError(f"no member {record.member_id!r}", field="member_id")
        with self.uow() as uow:
            meeting = uow.plans.meeting(meeting_id)
            try:
                member_council = uow.councils.council_of_member(record.member_id)
            except NotFound:
                member_council = None
            if member_council != meeting.council_id:  # another council's member: as unknown
                raise InputError(f"no member {record.member_id!r}", field="member_id")
            was = uow.attendance.states([meeting_id]).get((meeting_id, record.member_id))
            uow.attendance.record(meeting_id, record.member_id, record.state)
            if was != record.state:
                uow.history.add(meeting_id, "absence" if record.state == "absent_notice"
                                else "recorded", member_id=record.member_id, by=token_actor(by),
                                detail={"absent": True, "notice": True}
                                if record.state == "absent_notice" else {"state": record.state})
            self.settle_cover(uow, uow.councils.get(meeting.council_id), [meeting],
                              by=token_actor(by))
            uow.commit()
        self.mail_queued()

    def council_overview(self, council_id: str, *, urls: bool = False) -> dict[str, Any]:
        """What a council's page shows: the council, its proposals, meetings and the
        attendance recorded for them, and who said they cannot come only after a meeting's
        answers had closed (``late``: meeting id, member id); ``urls``: with calendar URLs
        (redacted) and the words of fetch errors, for secretaries."""
        with self.reader() as uow:
            record = uow.councils.get(council_id)
            meetings = uow.plans.meetings(council_id)
            return {"council": council_json(uow, record, urls=urls),
                    "proposals": uow.plans.proposals(council_id), "meetings": meetings,
                    "recorded": uow.attendance.states([m.id for m in meetings]),
                    "late": late_absences(record.council, record.member_ids.values(), meetings,
                                          uow.statements.statements(
                                              list(record.member_ids.values()),
                                              record.council.timezone)),
                    "calendars": self.calendar_views(uow, record),
                    "polls": uow.polls.of_council(council_id), "mail": self.mail_on}
