"""What members say themselves, in the database: absences, answers to confirmed meetings,
polls and their answers."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..errors import NotFound
from ..records import PollRecord
from ..statements import Statement, absence_span
from .rows import aware, now
from .tables import absences, meeting_answers, meetings, members, poll_answers, polls

__all__ = ["PollRepository", "StatementRepository"]


class StatementRepository:
    """Members' statements over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def absences(self, member_id: str) -> list[tuple[dt.date, dt.date, dt.datetime]]:
        """A member's absences (first day, last day, when stated), by first day."""
        rows = self.db.execute(sa.select(absences.c.starts_on, absences.c.ends_on,
                                         absences.c.stated_at)
                               .where(absences.c.member_id == member_id)
                               .order_by(absences.c.starts_on, absences.c.ends_on)).all()
        return [(r.starts_on, r.ends_on, aware(r.stated_at)) for r in rows]

    def set_absences(self, member_id: str, spans: Sequence[tuple[dt.date, dt.date]]) -> bool:
        """Make a member's absences exactly ``spans``; an absence already stated keeps when
        it was stated. True when anything changed."""
        if self.db.scalar(sa.select(members.c.id).where(members.c.id == member_id)) is None:
            raise NotFound(f"no member {member_id!r}")
        kept = {(first, last) for first, last, _at in self.absences(member_id)}
        wanted = set(spans)
        gone, new = kept - wanted, wanted - kept
        for first, last in gone:
            self.db.execute(absences.delete().where(absences.c.member_id == member_id)
                            .where(absences.c.starts_on == first)
                            .where(absences.c.ends_on == last))
        moment = now()
        for first, last in sorted(new):
            self.db.execute(absences.insert().values(member_id=member_id, starts_on=first,
                                                     ends_on=last, stated_at=moment))
        return bool(gone or new)

    def answer_meeting(self, meeting_id: str, member_id: str, answer: str) -> bool:
        """Record a member's answer to a meeting; True when it differs from the last one."""
        key = ((meeting_answers.c.meeting_id == meeting_id)
               & (meeting_answers.c.member_id == member_id))
        before = self.db.scalar(sa.select(meeting_answers.c.answer).where(key))
        if before == answer:
            return False
        values = {"answer": answer, "answered_at": now()}
        if before is None:
            self.db.execute(meeting_answers.insert().values(meeting_id=meeting_id,
                                                            member_id=member_id, **values))
        else:
            self.db.execute(meeting_answers.update().where(key).values(**values))
        return True

    def meeting_answers(self, meeting_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """(meeting id, member id) -> "coming" or "absent", for the given meetings."""
        if not meeting_ids:
            return {}
        rows = self.db.execute(sa.select(meeting_answers.c.meeting_id, meeting_answers.c.member_id,
                                         meeting_answers.c.answer)
                               .where(meeting_answers.c.meeting_id.in_(meeting_ids))).all()
        return {(r.meeting_id, r.member_id): r.answer for r in rows}

    def answer_poll(self, poll_id: str, member_id: str,
                    answers: Sequence[tuple[dt.datetime, dt.datetime, str]]) -> None:
        """Record a member's answers to slots of a poll (a later answer to a slot replaces
        the earlier one)."""
        moment = now()
        for given_start, given_end, answer in answers:
            start, end = given_start.astimezone(dt.UTC), given_end.astimezone(dt.UTC)
            key = ((poll_answers.c.poll_id == poll_id) & (poll_answers.c.member_id == member_id)
                   & (poll_answers.c.slot_start == start))
            before = self.db.scalar(sa.select(poll_answers.c.answer).where(key))
            if before == answer:
                continue
            if before is None:
                self.db.execute(poll_answers.insert().values(
                    poll_id=poll_id, member_id=member_id, slot_start=start, slot_end=end,
                    answer=answer, answered_at=moment))
            else:
                self.db.execute(poll_answers.update().where(key)
                                .values(answer=answer, answered_at=moment))

    def poll_answers(self, poll_id: str) -> dict[tuple[str, dt.datetime], str]:
        """(member id, slot start) -> answer, for one poll."""
        rows = self.db.execute(sa.select(poll_answers.c.member_id, poll_answers.c.slot_start,
                                         poll_answers.c.answer)
                               .where(poll_answers.c.poll_id == poll_id)).all()
        return {(r.member_id, aware(r.slot_start)): r.answer for r in rows}

    def statements(self, member_ids: Sequence[str], zone: str) -> dict[str, list[Statement]]:
        """Member id -> everything they said (absences in the council's zone ``zone``,
        answers to meetings not cancelled, poll answers)."""
        found: dict[str, list[Statement]] = {member_id: [] for member_id in member_ids}
        if not member_ids:
            return found
        for r in self.db.execute(sa.select(absences)
                                 .where(absences.c.member_id.in_(member_ids))):
            start, end = absence_span(r.starts_on, r.ends_on, zone)
            found[r.member_id].append(Statement(start, end, "absence", aware(r.stated_at)))
        answered = (sa.select(meeting_answers.c.member_id, meeting_answers.c.answer,
                              meeting_answers.c.answered_at, meetings.c.starts_at,
                              meetings.c.ends_at)
                    .join(meetings, meetings.c.id == meeting_answers.c.meeting_id)
                    .where(meeting_answers.c.member_id.in_(member_ids))
                    .where(meetings.c.status != "cancelled"))
        for r in self.db.execute(answered):
            found[r.member_id].append(Statement(aware(r.starts_at), aware(r.ends_at), r.answer,
                                                aware(r.answered_at)))
        for r in self.db.execute(sa.select(poll_answers)
                                 .where(poll_answers.c.member_id.in_(member_ids))):
            found[r.member_id].append(Statement(aware(r.slot_start), aware(r.slot_end), r.answer,
                                                aware(r.answered_at)))
        return found


def _poll(row: sa.Row[Any]) -> PollRecord:
    slots = tuple((dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"]))
                  for s in row.slots)
    return PollRecord(row.id, row.council_id, row.proposal_id, row.deadline, slots,
                      aware(row.created_at))


class PollRepository:
    """Polls over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def add(self, council_id: str, proposal_id: str | None, deadline: dt.date,
            slots: Sequence[tuple[dt.datetime, dt.datetime]]) -> PollRecord:
        """Open a poll over the slots, answered through ``deadline``."""
        record = PollRecord(secrets.token_hex(8), council_id, proposal_id, deadline,
                            tuple(slots), now())
        self.db.execute(polls.insert().values(
            id=record.id, council_id=council_id, proposal_id=proposal_id, deadline=deadline,
            slots=[{"start": s.isoformat(), "end": e.isoformat()} for s, e in slots],
            created_at=record.created_at))
        return record

    def get(self, poll_id: str) -> PollRecord:
        """One poll; NotFound if there is none."""
        row = self.db.execute(sa.select(polls).where(polls.c.id == poll_id)).first()
        if row is None:
            raise NotFound(f"no poll {poll_id!r}")
        return _poll(row)

    def of_council(self, council_id: str) -> list[PollRecord]:
        """A council's polls, newest first."""
        rows = self.db.execute(sa.select(polls).where(polls.c.council_id == council_id)
                               .order_by(polls.c.created_at.desc()))
        return [_poll(row) for row in rows]
