"""What a member does with their own link, without an account: answer meetings and polls,
declare absences, connect or remove their calendar, and see what is kept about them.

Every change through a link takes one from the link's allowance (``SCHEDULER_LINK_RATE``,
default 20 a minute, key ``link:<member id>``): beyond it Busy (HTTP 429 with Retry-After).
An absence declared once a meeting's answers have closed is kept but calls nobody in."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from calendars import CalendarError, redact_url
from calendars.fetch import fetch_calendar

from ..council import Member
from ..cover import answers_closed_at, late_absences
from ..deadlines import answer_deadline, poll_closes
from ..errors import Conflict, InputError, NotFound
from ..history import member_actor
from ..member_models import AbsenceList, CalendarLink, MeetingAnswer, PollAnswers
from ..ports import UnitOfWork
from ..rates import Rate, rate_from_env
from ..records import CouncilRecord, PollRecord
from ..validation import validated
from .history import record_absences
from .links import PAGE
from .mailing import MailingServices

__all__ = ["LINK_RATE_VARIABLE", "AnswerOutcome", "Me", "MemberOwnServices",
           "link_rate_from_env"]

LINK_RATE_VARIABLE = "SCHEDULER_LINK_RATE"
_LINK_RATE = Rate(20, 60.0)
_SHOWN = dt.timedelta(days=183)  # how far ahead a member sees their busy time
_POLLS_KEPT = dt.timedelta(days=30)  # closed polls stay on the page this long


def link_rate_from_env(environ: Mapping[str, str] | None = None) -> Rate:
    """``SCHEDULER_LINK_RATE``: how many changes one member's link may make, as
    ``COUNT/SECONDS`` (default ``20/60``); InputError naming the variable otherwise."""
    return rate_from_env(LINK_RATE_VARIABLE, _LINK_RATE, environ)


@dataclasses.dataclass(frozen=True)
class Me:
    """The member behind a page link."""

    member_id: str
    record: CouncilRecord
    party_id: str
    member: Member


@dataclasses.dataclass(frozen=True)
class AnswerOutcome:
    """Who covers the member's party at a meeting once their answer is taken: the
    substitute called in (their name; None when none, or when it is the member), or
    nobody (``uncovered``: the secretary is told)."""

    called_in: str | None
    uncovered: bool


class MemberOwnServices(MailingServices):
    """A member's own link: their answers, absences and calendar."""

    link_rate: Rate = _LINK_RATE  # changes one member's link may make

    def _me(self, uow: UnitOfWork, secret: str) -> Me:
        member_id = self._member_of(uow, secret, PAGE)
        if member_id is None:
            raise NotFound("no such page (the link may have been replaced)")
        record, party_id, member = uow.councils.member(member_id)
        return Me(member_id, record, party_id, member)

    def page_member(self, secret: str) -> Me:
        """The member behind a page link; NotFound for an unknown or replaced one."""
        with self.reader() as uow:
            return self._me(uow, secret)

    def _writer(self, secret: str) -> str:
        """The member behind a page link that is about to change something: one of the
        link's allowance taken (Busy beyond it); NotFound for an unknown link."""
        return self._writing_me(secret).member_id

    def _writing_me(self, secret: str) -> Me:
        """As ``_writer``, with the member's council and party."""
        me = self.page_member(secret)
        self.limit(f"link:{me.member_id}", self.link_rate, "changes through a member's link")
        return me

    def my_overview(self, secret: str) -> dict[str, Any]:
        """Everything a member's own page shows and the API answers: meetings with their
        answers, polls, absences, their calendar and what the planner reads of it."""
        now = dt.datetime.now(dt.UTC)
        with self.reader() as uow:
            me = self._me(uow, secret)
            council = me.record.council
            meetings = [m for m in uow.plans.meetings(me.record.id) if m.end > now]
            answers = uow.statements.meeting_answers([m.id for m in meetings])
            calls = uow.call_ins.call_ins([m.id for m in meetings])
            shown = {item.id: item.state(me.member.role) for item in self.reckon_meetings(
                uow, me.record, [me.member_id], versions=False).meetings[me.member_id]}
            polls = [p for p in uow.polls.of_council(me.record.id)
                     if poll_closes(p.deadline, council.timezone) > now - _POLLS_KEPT]
            state = uow.calendars.states([me.member_id])[me.member_id]
            person = self.with_history(uow, me.record).party(me.party_id).members[
                me.record.member_key(me.member_id)[1]]
            own = CouncilRecord(me.record.id, me.record.council,
                                {me.record.member_key(me.member_id): me.member_id})
            start = self.today_start(council.timezone)
            busy, _warnings = self.busy_map(uow, own, start, start + _SHOWN)
            plans, _plan_warnings = self.plan_map(uow, own, start, start + _SHOWN)
            key = me.record.member_key(me.member_id)
            seen = sorted([*(busy.get(key) or ()), *plans.get(key, ())], key=lambda i: i.start)
            poll_views = [self._poll_view(uow, poll, me.member_id, now) for poll in polls]
            absences = uow.statements.absences(me.member_id)
            deadline_days = council.answer_days
        return {
            "member": {"id": me.member_id, "name": me.member.name, "role": me.member.role,
                       "party": {"id": me.party_id, "name": council.party(me.party_id).name},
                       "language": me.member.language or council.language,
                       "email": me.member.email},
            "council": {"id": me.record.id, "name": council.name, "timezone": council.timezone,
                        "venue": council.venue, "answer_days": deadline_days},
            "meetings": [{
                "id": m.id, "start": m.start.isoformat(), "end": m.end.isoformat(),
                "status": m.status, "state": shown[m.id],
                "answer": answers.get((m.id, me.member_id)),
                "answer_until": answer_deadline(m.start, deadline_days,
                                                council.timezone).isoformat(),
                "called_in": calls.get((m.id, me.member_id), (False, 0))[0]}
                for m in meetings],
            "polls": poll_views,
            "absences": [{"from": a.isoformat(), "to": b.isoformat()} for a, b, _at in absences],
            "calendar": {
                "linked": me.member.calendar is not None,
                "url": redact_url(me.member.calendar) if me.member.calendar else None,
                "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None,
                "last_error": state.last_error, "busy_intervals": state.intervals},
            "busy": [{"start": i.start.isoformat(), "end": i.end.isoformat(),
                      "status": str(i.status)} for i in seen[:1000]],
            "reliability": round(person.reliability(council.weights), 4),
            "attendance": {"invited": person.invited, "attended": person.attended},
            "mail": self.mail_on,
        }

    def my_absences(self, secret: str) -> list[dict[str, str]]:
        """The absences a member has declared, as ``{"from", "to"}`` dates."""
        with self.reader() as uow:
            me = self._me(uow, secret)
            return [{"from": a.isoformat(), "to": b.isoformat()}
                    for a, b, _at in uow.statements.absences(me.member_id)]

    @staticmethod
    def _poll_view(uow: UnitOfWork, poll: PollRecord, member_id: str,
                   now: dt.datetime) -> dict[str, Any]:
        answers = uow.statements.poll_answers(poll.id)
        zone = uow.councils.get(poll.council_id).council.timezone
        return {"id": poll.id, "deadline": poll.deadline.isoformat(),
                "open": now < poll_closes(poll.deadline, zone),
                "slots": [{"start": s.isoformat(), "end": e.isoformat(),
                           "answer": answers.get((member_id, s))} for s, e in poll.slots]}

    # answers ------------------------------------------------------------------------------
    def answer_meeting_as(self, secret: str, meeting_id: str, body: Any) -> AnswerOutcome:
        """A member's answer to one of their council's meetings; an absence calls their
        substitute in. A meeting of another council is not found; a cancelled or past
        meeting, or one whose answer deadline has passed, is a conflict. Who covers the
        member's party once the answer is taken (call-ins are settled at once; mail about
        them waits for the quiet period)."""
        self._writer(secret)
        answer = validated(MeetingAnswer, body).answer
        with self.uow() as uow:
            me = self._me(uow, secret)
            meeting = uow.plans.meeting(meeting_id)
            if meeting.council_id != me.record.id:
                raise NotFound(f"no meeting {meeting_id!r}")
            if meeting.status == "cancelled":
                raise Conflict("the meeting is cancelled", field="answer")
            closes = answer_deadline(meeting.start, me.record.council.answer_days,
                                     me.record.council.timezone)
            if dt.datetime.now(dt.UTC) >= closes:
                raise Conflict(f"answers to this meeting closed at {closes.isoformat()}",
                               field="answer")
            if uow.statements.answer_meeting(meeting_id, me.member_id, answer):
                by = member_actor(me.member_id)
                uow.history.add(meeting_id, "answered", member_id=me.member_id, by=by,
                                detail={"answer": answer})
                self.settle_cover(uow, me.record, [meeting], by=by)
            outcome = self._cover_of(uow, me, meeting_id)
            uow.commit()
        self.mail_queued()
        return outcome

    @staticmethod
    def _cover_of(uow: UnitOfWork, me: Me, meeting_id: str) -> AnswerOutcome:
        """Who covers the member's party at the meeting now, by the call-ins kept."""
        party = me.record.council.party(me.party_id)
        team = {me.record.member_ids[(me.party_id, i)]: member
                for i, member in enumerate(party.members)}
        called = [team[member_id].name for (mid, member_id), (on, _n)
                  in uow.call_ins.call_ins([meeting_id]).items()
                  if mid == meeting_id and on and member_id in team and member_id != me.member_id]
        return AnswerOutcome(called[0] if called else None,
                             (meeting_id, me.party_id) in uow.call_ins.uncovered([meeting_id]))

    def answer_poll_as(self, secret: str, poll_id: str, body: Any) -> None:
        """A member's answers to slots of a poll of their council (yes, if need be, no).
        A poll of another council is not found; a closed poll is a conflict; a start that
        is not one of the poll's slots is named."""
        self._writer(secret)
        answers = validated(PollAnswers, body).answers
        with self.uow() as uow:
            me = self._me(uow, secret)
            poll = uow.polls.get(poll_id)
            if poll.council_id != me.record.id:
                raise NotFound(f"no poll {poll_id!r}")
            closes = poll_closes(poll.deadline, me.record.council.timezone)
            if dt.datetime.now(dt.UTC) >= closes:
                raise Conflict(f"the poll closed on {poll.deadline.isoformat()}", field="answers")
            ends = dict(poll.slots)
            rows = []
            for i, given in enumerate(answers):
                end = ends.get(given.start)
                if end is None:
                    raise InputError(f"{given.start.isoformat()} is not a slot of this poll",
                                     field=f"answers[{i}].start")
                rows.append((given.start, end, given.answer))
            uow.statements.answer_poll(poll_id, me.member_id, rows)
            uow.commit()

    def set_absences_as(self, secret: str, body: Any) -> int:
        """Replace a member's declared absences; each one covering a confirmed meeting whose
        answers are still open calls their substitute in (once the answers have closed, an
        absence is kept and the secretary sees it, but it calls nobody in). How many
        upcoming meetings the member now says they cannot come to only after their answers
        closed."""
        self._writer(secret)
        spans = validated(AbsenceList, body).root
        for i, span in enumerate(spans):
            if span.to < span.from_:
                raise InputError("'to' is before 'from'", field=f"[{i}].to")
            if (span.to - span.from_).days > 366:
                raise InputError("an absence is at most a year long", field=f"[{i}].to")
        with self.uow() as uow:
            me = self._me(uow, secret)
            moment = dt.datetime.now(dt.UTC)
            upcoming = [m for m in uow.plans.meetings(me.record.id) if m.end > moment]
            before = [(a, b) for a, b, _at in uow.statements.absences(me.member_id)]
            after = [(s.from_, s.to) for s in spans]
            if uow.statements.set_absences(me.member_id, after):
                by = member_actor(me.member_id)
                record_absences(uow, me.member_id, me.record.council, before, after, upcoming, by)
                self.settle_cover(uow, me.record, [
                    m for m in upcoming if moment < answers_closed_at(m, me.record.council)],
                    by=by)
            zone = me.record.council.timezone
            late = late_absences(me.record.council, [me.member_id], upcoming,
                                 uow.statements.statements([me.member_id], zone))
            uow.commit()
        self.mail_queued()
        return len(late)

    # calendar -----------------------------------------------------------------------------
    def connect_calendar_as(self, secret: str, body: Any) -> bool:
        """Connect or replace a member's own calendar URL: it is fetched at once under the
        service's fetch rules, and kept only if it can be read. True when done; False when
        the fetch is still under way after its deadline and a second (the URL is kept if
        it can be read then). Busy (429) when the member asked too often, or every fetch
        slot of the process is taken."""
        url = validated(CalendarLink, body).url
        me = self._writing_me(secret)
        member_id = me.member_id

        def connect() -> bool:
            try:
                fetched = fetch_calendar(url, policy=self.fetch_policy, cache=self.fetch_cache)
                self.upload_calendar(member_id, fetched.content)
            except CalendarError as exc:
                raise InputError(f"the calendar could not be read: {exc}", field="url") from None
            with self.uow() as uow:
                uow.councils.update_member(member_id, {"calendar_url": url})
                uow.commit()
            return True

        return self.fetch_on_request(f"fetch:member:{member_id}", me.record.id,
                                     connect) is not None

    def upload_calendar_as(self, secret: str, data: bytes) -> None:
        """Replace a member's calendar with an uploaded file (their URL, if any, is kept)."""
        self.upload_calendar(self._writer(secret), data)

    def forget_calendar_as(self, secret: str) -> None:
        """Remove a member's calendar: its URL and everything read from it."""
        member_id = self._writer(secret)
        with self.uow() as uow:
            uow.calendars.forget(member_id)
            uow.councils.update_member(member_id, {"calendar_url": None})
            uow.commit()

    def rotate_page_as(self, secret: str) -> str:
        """A new page link for the member; the old one stops working at once."""
        return self.page_secret(self._writer(secret), rotate=True)

    def rotate_feed_as(self, secret: str) -> str:
        """From a member's own page: a new feed link; the old one stops working."""
        return self.feed_secret(self._writer(secret), rotate=True)
