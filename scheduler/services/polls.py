"""Polls: a proposal's dates and alternatives put to the council's members, their answers
as a grid per date and party, and reminders to those who have not answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..deadlines import poll_closes
from ..errors import InputError
from ..mail.messages import poll_mail
from ..member_models import PollRequest
from ..ports import UnitOfWork
from ..records import PollRecord
from ..validation import validated
from .mailing import MailingServices

__all__ = ["PollServices"]


class PollServices(MailingServices):
    """Open polls, read their answers, remind members."""

    def open_poll(self, proposal_id: str, body: Any) -> PollRecord:
        """A poll over a proposal's dates and their alternatives, answered through the
        deadline (today or later); members with an address get mail when mail is on."""
        deadline = validated(PollRequest, body).deadline
        with self.uow() as uow:
            proposal = uow.plans.proposal(proposal_id)
            record = uow.councils.get(proposal.council_id)
            if poll_closes(deadline, record.council.timezone) <= dt.datetime.now(dt.UTC):
                raise InputError("the deadline has passed", field="deadline")
            slots: dict[dt.datetime, dt.datetime] = {}
            for meeting in proposal.document.get("meetings", []):
                for item in [meeting, *meeting.get("alternatives", [])]:
                    slots.setdefault(dt.datetime.fromisoformat(item["start"]),
                                     dt.datetime.fromisoformat(item["end"]))
            if not slots:
                raise InputError("the proposal has no dates to ask about", field="proposal")
            poll = uow.polls.add(record.id, proposal_id, deadline, sorted(slots.items()))
            self._mail_poll(uow, record.id, poll, reminder=False, only_unanswered=False)
            uow.commit()
        self.mail_queued()
        return poll

    def poll_grid(self, poll_id: str) -> dict[str, Any]:
        """A poll with every member's answer per slot, and per slot and party whether the
        party can come (a yes from anyone), only if need be, cannot, or has not answered."""
        with self.reader() as uow:
            poll = uow.polls.get(poll_id)
            record = uow.councils.get(poll.council_id)
            answers = uow.statements.poll_answers(poll_id)
        council = record.council
        slots = []
        for start, end in poll.slots:
            parties = []
            for party in council.parties:
                members = []
                for i, member in enumerate(party.members):
                    member_id = record.member_ids[(party.id, i)]
                    members.append({"id": member_id, "name": member.name, "role": member.role,
                                    "answer": answers.get((member_id, start))})
                given = {m["answer"] for m in members}
                coverage = ("yes" if "yes" in given else "if_need_be" if "if_need_be" in given
                            else "no" if given == {"no"} else "unanswered")
                parties.append({"party": party.id, "name": party.name, "coverage": coverage,
                                "members": members})
            slots.append({"start": start.isoformat(), "end": end.isoformat(),
                          "parties_yes": sum(p["coverage"] == "yes" for p in parties),
                          "parties": parties})
        answered = {member_id for member_id, _start in answers}
        waiting = [{"id": member_id, "name": council.party(key[0]).members[key[1]].name,
                    "party": key[0]}
                   for key, member_id in record.member_ids.items() if member_id not in answered]
        return {"id": poll.id, "council_id": poll.council_id, "proposal_id": poll.proposal_id,
                "deadline": poll.deadline.isoformat(),
                "open": dt.datetime.now(dt.UTC) < poll_closes(poll.deadline, council.timezone),
                "created_at": poll.created_at.isoformat(), "slots": slots,
                "not_answered": waiting}

    def polls(self, council_id: str) -> list[PollRecord]:
        """A council's polls, newest first."""
        with self.reader() as uow:
            uow.councils.get(council_id)
            return uow.polls.of_council(council_id)

    def remind_poll(self, poll_id: str, *, by: str | None = None) -> int:
        """Mail a reminder to every member with an address who has not answered every slot;
        how many were queued (0 when mail is off). ``by``: the token asking, limited as for
        ``mail_link``."""
        if self.mail is not None:
            with self.reader() as uow:
                council_id = uow.polls.get(poll_id).council_id
            self.limit_mail(council_id, by)
        with self.uow() as uow:
            poll = uow.polls.get(poll_id)
            count = self._mail_poll(uow, poll.council_id, poll, reminder=True,
                                    only_unanswered=True)
            uow.commit()
        self.mail_queued()
        return count

    def _mail_poll(self, uow: UnitOfWork, council_id: str, poll: PollRecord, *, reminder: bool,
                   only_unanswered: bool) -> int:
        if self.mail is None:
            return 0
        record = uow.councils.get(council_id)
        council = record.council
        answers = uow.statements.poll_answers(poll.id) if only_unanswered else {}
        count = 0
        for (party_id, index), member_id in record.member_ids.items():
            member = council.party(party_id).members[index]
            done = all((member_id, start) in answers for start, _end in poll.slots)
            if not member.email or (only_unanswered and done):
                continue
            self.queue(uow, poll_mail(
                sender=self.mail.sender, recipient=member.email, name=member.name,
                language=member.language or council.language, council=council.name,
                url=self.page_url(self.page_secret_in(uow, member_id)), deadline=poll.deadline,
                slots=list(poll.slots), zone=council.timezone, reminder=reminder))
            count += 1
        return count
