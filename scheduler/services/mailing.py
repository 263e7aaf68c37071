"""Mail about meetings, call-ins and links, put in the outbox in the same transaction as
the change it tells of; and who covers each party once members have said they cannot come.

Without mail settings nothing is queued: the service works as before and says mail is off.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from ..council import Member
from ..cover import cover, says_absent
from ..feeds import FeedMeeting, feed_event
from ..mail.messages import Reason, SecretaryNews, link_mail, meeting_mail, secretary_mail
from ..ports import UnitOfWork
from ..records import CouncilRecord, MeetingRecord, OutgoingMail
from .links import LinkServices

__all__ = ["MailingServices"]


class MailingServices(LinkServices):
    """Mail to members and secretaries, and substitutes called in."""

    @property
    def mail_on(self) -> bool:
        """Whether mail is set up (``SCHEDULER_SMTP_URL``)."""
        return self.mail is not None

    def queue(self, uow: UnitOfWork, mail: OutgoingMail) -> None:
        """Put a message in the outbox (nothing when mail is off); one to an address that
        cannot be sent to (stored before addresses were checked) is kept there as given
        up, with the reason, and the change it tells of goes on."""
        if self.mail is None:
            return
        mail_id = uow.outbox.add(mail)
        if mail_id is not None and mail.undeliverable:
            uow.outbox.failed(mail_id, f"recipient cannot be sent to: {mail.undeliverable}", None)

    def page_url(self, secret: str) -> str:
        """A member's own page as an absolute address (``SCHEDULER_PUBLIC_URL``)."""
        return f"{self.public_url or 'http://localhost:5000'}/my/{secret}"

    def mail_link(self, member_id: str, url: str, *, by: str | None = None) -> bool:
        """Mail a member their own link, at the address stored for them (no other); False
        when mail is off or they have no address. ``by``: the token asking, whose mail
        (and the council's) is limited: Busy when it is used up."""
        if self.mail is None:
            return False
        with self.reader() as uow:
            record, _party, member = uow.councils.member(member_id)
        if not member.email:
            return False
        self.limit_mail(record.id, by)
        with self.uow() as uow:
            record, _party, member = uow.councils.member(member_id)
            if not member.email:
                return False
            self.queue(uow, link_mail(sender=self.mail.sender, recipient=member.email,
                                      name=member.name, council=record.council.name, url=url,
                                      language=member.language or record.council.language))
            uow.commit()
        self.mail_queued()
        return True

    def limit_mail(self, council_id: str, by: str | None) -> None:
        """Take one mail action of the token ``by`` and of the council (a link mailed, a
        poll's reminders); Busy (HTTP 429 with Retry-After) when either has none left."""
        if self.mail is None:
            return
        if by is not None:
            self.limit(f"mail:token:{by}", self.mail.token_rate, "mail asked for by one token")
        self.limit(f"mail:council:{council_id}", self.mail.council_rate,
                   "mail asked for in one council")

    # meetings ---------------------------------------------------------------------------
    def meeting_event_for(self, uow: UnitOfWork, record: CouncilRecord, member_id: str,
                          meeting: MeetingRecord) -> tuple[Member, FeedMeeting]:
        """A meeting as a member's feed shows it (call-ins and their SEQUENCE included)."""
        party_id, index = record.member_key(member_id)
        party = record.council.party(party_id)
        team = [record.member_ids[(party_id, i)] for i in range(len(party.members))]
        calls = uow.call_ins.call_ins([meeting.id])
        active = {m for (mid, m), (on, _n) in calls.items() if mid == meeting.id and on}
        bump = calls.get((meeting.id, member_id), (False, 0))[1]
        called = (member_id in active) if active & set(team) else None
        item = FeedMeeting(meeting.id, meeting.start, meeting.end, meeting.status,
                           meeting.sequence + bump, meeting.updated_at, 1.0, False, called)
        return party.members[index], item

    def mail_meeting(self, uow: UnitOfWork, record: CouncilRecord, meetings: Sequence[MeetingRecord],
                     reason: Reason, *, only: Sequence[str] | None = None) -> None:
        """Mail every member with an address (or those in ``only``) a meeting request (or a
        cancellation) per meeting, with the UID and SEQUENCE of their feed."""
        if self.mail is None:
            return
        council = record.council
        for meeting in meetings:
            for member_id in only if only is not None else record.member_ids.values():
                member, item = self.meeting_event_for(uow, record, member_id, meeting)
                if not member.email:
                    continue
                if reason == "released":
                    item = dataclasses.replace(item, status="cancelled")
                language = member.language or council.language
                event = feed_event(item, member, council.name, council.venue, language=language)
                method = "CANCEL" if reason in ("cancelled", "released") else "REQUEST"
                self.queue(uow, meeting_mail(
                    sender=self.mail.sender, recipient=member.email, name=member.name,
                    language=language, council=council.name, event=event, method=method,
                    reason=reason, zone=council.timezone,
                    url=self.page_url(self.page_secret_in(uow, member_id)),
                    dedupe_key=f"{reason}:{meeting.id}:{member_id}:{item.sequence}"))

    def settle_cover(self, uow: UnitOfWork, record: CouncilRecord,
                     meetings: Sequence[MeetingRecord]) -> bool:
        """Call substitutes in (or release them) and mark parties uncovered (or covered
        again) at upcoming confirmed meetings as members' statements now say, mailing the
        people concerned and the secretary of each change. True when anything changed."""
        moment = dt.datetime.now(dt.UTC)
        live = [m for m in meetings if m.status == "confirmed" and m.end > moment]
        if not live:
            return False
        council = record.council
        said = uow.statements.statements(list(record.member_ids.values()), council.timezone)
        notices = uow.attendance.states([m.id for m in live])
        changed = False
        for meeting in live:
            for party in council.parties:
                ids = [record.member_ids[(party.id, i)] for i in range(len(party.members))]
                absent = {i: says_absent(said.get(member_id, []), meeting.start, meeting.end,
                                         notice=notices.get((meeting.id, member_id))
                                         == "absent_notice")
                          for i, member_id in enumerate(ids)}
                found = cover(party, absent)
                for i, member_id in enumerate(ids):
                    if party.members[i].role != "substitute":
                        continue
                    wanted = found.called == i
                    if uow.call_ins.set_call_in(meeting.id, member_id, wanted):
                        changed = True
                        self.mail_meeting(uow, record, [meeting],
                                          "called_in" if wanted else "released", only=[member_id])
                        if wanted:
                            self._tell_secretary(uow, record, meeting, party.id, "called_in",
                                                 party.members[i].name)
                if uow.call_ins.set_uncovered(meeting.id, party.id, found.uncovered):
                    changed = True
                    self._tell_secretary(uow, record, meeting, party.id,
                                         "uncovered" if found.uncovered else "covered_again", None)
        return changed

    def _tell_secretary(self, uow: UnitOfWork, record: CouncilRecord, meeting: MeetingRecord,
                        party_id: str, kind: SecretaryNews, substitute: str | None) -> None:
        council = record.council
        if self.mail is None or not council.secretary_email:
            return
        party = council.party(party_id)
        self.queue(uow, secretary_mail(
            sender=self.mail.sender, recipient=council.secretary_email, language=council.language,
            council=council.name, subject_kind=kind, meeting_start=meeting.start,
            meeting_end=meeting.end, zone=council.timezone, party=party.name,
            representative=party.representative.name, substitute=substitute,
            dedupe_key=None))
