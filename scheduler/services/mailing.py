"""Mail about meetings, call-ins and links, put in the outbox in the same transaction as
the change it tells of; and who covers each party once members have said they cannot come.

Each member is told the net change of their own state in an upcoming confirmed meeting
(``member_states``: called in, released, on standby, not needed, absent, expected again),
whatever changed it (an answer, an absence, a calendar, a body's plan): the change is kept
at once (feeds and pages show it; ``sweep_states`` finds it every minute without anyone
reading a feed), and the mail waits ``SCHEDULER_MAIL_QUIET_S`` (default 120 s) after the
last change of the member's state, at most ``SCHEDULER_MAIL_HOLD_MAX_S`` after the first
one not yet told. It is one mail for the meeting whose iMIP part is the member's feed
event at that moment (the same UID, SEQUENCE and busy or free time), or none when the
state is the one last mailed to them (the mail of a confirmation, move or cancellation
counts). A representative who cannot come is told in that same mail who covers for them.

The news of a party's cover (a substitute called in, the party uncovered or covered again,
told to the secretary; to the representative when it changes while their own state does
not) waits the same way and is composed when it is told, or not at all when the person
was last told the same.

Without mail settings nothing is queued: the service works as before and says mail is off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ..cover import (
    REPRESENTATIVE,
    UNCOVERED,
    RepresentativeNews,
    answers_closed_at,
    cover,
    representative_news,
    says_absent,
    secretary_news,
    substitute_state,
)
from ..env_settings import seconds_setting
from ..errors import NotFound
from ..feeds import feed_event
from ..history import SYSTEM
from ..mail.messages import (
    Cover,
    SecretaryNews,
    link_mail,
    meeting_mail,
    plan_mail,
    representative_mail,
    secretary_mail,
)
from ..member_states import state_news
from ..ports import UnitOfWork
from ..records import CouncilRecord, CoverNews, MeetingRecord, OutgoingMail, UntoldState
from .history import record_cover
from .links import LinkServices

__all__ = ["HOLD_VARIABLE", "QUIET_VARIABLE", "MailingServices", "mail_hold_from_env",
           "mail_quiet_from_env"]

QUIET_VARIABLE = "SCHEDULER_MAIL_QUIET_S"
_QUIET_S = 120.0
_QUIET_MAX_S = 3600.0
HOLD_VARIABLE = "SCHEDULER_MAIL_HOLD_MAX_S"
_HOLD_S = 900.0
_HOLD_MAX_S = 86400.0
MeetingNews = Literal["confirmed", "moved", "cancelled"]


def mail_quiet_from_env(environ: Mapping[str, str] | None = None) -> float:
    """``SCHEDULER_MAIL_QUIET_S``: how long mail about the cover at a meeting waits after
    the last change to it, in seconds (default 120, 0 to 3600; 0 tells at once);
    InputError naming the variable otherwise."""
    return seconds_setting(os.environ if environ is None else environ, QUIET_VARIABLE,
                           _QUIET_S, 0, _QUIET_MAX_S)


def mail_hold_from_env(environ: Mapping[str, str] | None = None) -> float:
    """``SCHEDULER_MAIL_HOLD_MAX_S``: the longest that mail about the cover at a meeting
    waits after the first change not yet told, however often it changes again (default
    900, 0 to 86400); InputError naming the variable otherwise."""
    return seconds_setting(os.environ if environ is None else environ, HOLD_VARIABLE,
                           _HOLD_S, 0, _HOLD_MAX_S)


class MailingServices(LinkServices):
    """Mail to members and secretaries, and substitutes called in."""

    mail_quiet_s: float = _QUIET_S  # mail about the cover waits this long after a change
    mail_hold_max_s: float = _HOLD_S  # and at most this long after the first change untold

    @property
    def mail_on(self) -> bool:
        """Whether mail is set up (``SCHEDULER_SMTP_URL``)."""
        return self.mail is not None

    def queue(self, uow: UnitOfWork, mail: OutgoingMail) -> None:
        """Put a message in the outbox (nothing when mail is off); one to an address that
        cannot be sent to (stored before addresses were checked) is kept there as given
        up, with the reason, and the change it tells of goes on."""
        self.queue_about(uow, mail, ())

    def queue_about(self, uow: UnitOfWork, mail: OutgoingMail,
                    about: Sequence[tuple[str, str | None, dict[str, Any]]]) -> None:
        """Put a message in the outbox as ``queue`` does, and note it in the history of each
        meeting it is about: ``(meeting id, member id or None for the secretary, detail)``.
        A message the outbox already holds (the same news) is not noted again."""
        if self.mail is None:
            return
        mail_id = uow.outbox.add(mail)
        if mail_id is None:
            return
        if mail.undeliverable:
            uow.outbox.failed(mail_id, f"recipient cannot be sent to: {mail.undeliverable}", None)
        for meeting_id, member_id, detail in about:
            uow.history.add(meeting_id, "mailed", member_id=member_id, by=SYSTEM, detail=detail)

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
    def mail_meeting(self, uow: UnitOfWork, record: CouncilRecord, meetings: Sequence[MeetingRecord],
                     reason: MeetingNews, *,
                     previous: tuple[dt.datetime, dt.datetime] | None = None) -> None:
        """Mail every member with an address about the meetings (confirmed, moved or
        cancelled), each with the event, the member's part in it and its SEQUENCE as their
        feed shows them now (``feed_meetings``, ``feed_event``, ``FeedMeeting.state``): a
        plan of several meetings confirmed at once is one mail per member naming them all,
        with the meetings attached as one calendar file; otherwise a meeting request per
        meeting (a cancellation for a cancelled one). ``previous``: where a moved meeting
        was. What each member is told is noted as the state last mailed to them
        (``tell_states`` tells later changes)."""
        if self.mail is None:
            return
        council = record.council
        likely: dict[str, list[float]] = {}
        wanted = {meeting.id for meeting in meetings}
        for member_id in list(record.member_ids.values()):
            party_id, index = record.member_key(member_id)
            party = council.party(party_id)
            member = party.members[index]
            if not member.email:
                continue
            language = member.language or council.language
            url = self.page_url(self.page_secret_in(uow, member_id))
            standing_in = party.representative.name if member.role != "representative" else None
            items = [item for item in self.feed_meetings(uow, record, member_id, likely=likely)
                     if item.id in wanted]
            if reason == "confirmed" and len(items) > 1:
                told = ",".join(f"{item.id}:{item.sequence}" for item in items)
                self.queue_about(uow, plan_mail(
                    sender=self.mail.sender, recipient=member.email, name=member.name,
                    language=language, council=council.name, zone=council.timezone,
                    meetings=[(feed_event(item, member, council.name, council.venue,
                                          language=language), item.state(member.role))
                              for item in items],
                    url=url, representative=standing_in,
                    dedupe_key=f"{reason}:{member_id}:"
                               f"{hashlib.sha256(told.encode()).hexdigest()[:32]}"),
                    [(item.id, member_id, {"reason": reason, "sequence": item.sequence,
                                           "part": item.state(member.role)})
                     for item in items])
                for item in items:
                    uow.event_versions.mark_told((item.id, member_id), item.state(member.role),
                                                 item.sequence)
                continue
            for item in items:
                event = feed_event(item, member, council.name, council.venue, language=language)
                method = "CANCEL" if item.status == "cancelled" else "REQUEST"
                part = item.state(member.role)
                self.queue_about(uow, meeting_mail(
                    sender=self.mail.sender, recipient=member.email, name=member.name,
                    language=language, council=council.name, event=event, method=method,
                    reason=reason, part=part, zone=council.timezone,
                    url=url, representative=standing_in, other_called_in=item.called_in is False,
                    previous=previous if reason == "moved" else None,
                    dedupe_key=f"{reason}:{item.id}:{member_id}:{item.sequence}"),
                    [(item.id, member_id, {"reason": reason, "sequence": item.sequence,
                                           "part": part})])
                uow.event_versions.mark_told((item.id, member_id), part, item.sequence)

    def settle_cover(self, uow: UnitOfWork, record: CouncilRecord,
                     meetings: Sequence[MeetingRecord], *, by: str = SYSTEM,
                     tell: bool = True) -> bool:
        """Call substitutes in (or release them) and mark parties uncovered (or covered
        again) at upcoming confirmed meetings as members' statements made before each
        meeting's answers closed now say, and hold the news for the representatives and
        the secretary until the change has settled (the members whose state it changes
        are told by ``tell_states``). True when anything changed. Each change goes in the
        meeting's history, by ``system`` after ``by`` (the author of the change it follows
        from). Without a quiet period, what is due is told at once unless ``tell`` is
        False (the caller mails the meetings itself, then calls ``tell_at_once``)."""
        moment = dt.datetime.now(dt.UTC)
        live = [m for m in meetings if m.status == "confirmed" and m.end > moment]
        if not live:
            return False
        council = record.council
        uow.call_ins.lock_cover([m.id for m in live])
        said = uow.statements.statements(list(record.member_ids.values()), council.timezone)
        notices = uow.attendance.states([m.id for m in live])
        changed = False
        for meeting in live:
            before = answers_closed_at(meeting, council)
            for party in council.parties:
                ids = [record.member_ids[(party.id, i)] for i in range(len(party.members))]
                absent = {i: says_absent(said.get(member_id, []), meeting.start, meeting.end,
                                         notice=notices.get((meeting.id, member_id))
                                         == "absent_notice", before=before)
                          for i, member_id in enumerate(ids)}
                found = cover(party, absent)
                moved = False
                for i, member_id in enumerate(ids):
                    if party.members[i].role != "substitute":
                        continue
                    if uow.call_ins.set_call_in(meeting.id, member_id, found.called == i):
                        moved = True
                        record_cover(uow, meeting.id, "called_in" if found.called == i
                                     else "released", party.id, by, member_id=member_id)
                if uow.call_ins.set_uncovered(meeting.id, party.id, found.uncovered):
                    moved = True
                    record_cover(uow, meeting.id, "uncovered" if found.uncovered
                                 else "covered_again", party.id, by)
                if moved:
                    changed = True
                    self._hold(uow, meeting, f"party:{party.id}", moment)
                    self._hold(uow, meeting, f"representative:{party.id}", moment)
        if tell:
            self.tell_at_once(uow, record, live)
        return changed

    def tell_at_once(self, uow: UnitOfWork, record: CouncilRecord,
                     meetings: Sequence[MeetingRecord]) -> None:
        """Without a quiet period (``SCHEDULER_MAIL_QUIET_S`` 0), tell in the caller's unit
        of work what changed at these meetings of the council: each member's state, and
        the news of the cover. Nothing otherwise (the minute's ``tell_settled`` tells it)."""
        if self.mail is None or self.mail_quiet_s > 0 or not meetings:
            return
        found = self.reckon_meetings(uow, record)
        if found.changes:
            self.store_shown(uow, found.changes)
        moment = dt.datetime.now(dt.UTC)  # after what changed was stored
        ids = [m.id for m in meetings]
        self.tell_states(uow, moment, ids)
        self.tell_news(uow, moment, ids)

    def _hold(self, uow: UnitOfWork, meeting: MeetingRecord, about: str,
              moment: dt.datetime) -> None:
        if self.mail is not None:
            uow.call_ins.hold(meeting.id, about, moment, dt.timedelta(seconds=self.mail_quiet_s),
                              dt.timedelta(seconds=self.mail_hold_max_s))

    def tell_settled(self, at: dt.datetime | None = None) -> int:
        """Put in the outbox the mail about every change whose quiet period is over at
        ``at`` (default now): first each member's state at upcoming confirmed meetings is
        reckoned and what changed stored (``sweep_states``: nobody need read a feed for a
        change to be found), then each member whose state differs from the one last mailed
        to them is told (``tell_states``), then the news of the cover (``tell_news``): the
        net change, or nothing when it is what the person was last told. How many members'
        states and news were taken."""
        if self.mail is None:
            return 0
        moment = at or dt.datetime.now(dt.UTC)
        self.sweep_states(moment)
        with self.uow() as uow:
            told = self.tell_states(uow, moment) + self.tell_news(uow, moment)
            uow.commit()
        if told:
            self.mail_queued()
        return told

    def sweep_states(self, at: dt.datetime) -> int:
        """Reckon every member's state at the meetings of each council with a confirmed
        meeting ending after ``at``, and store what changed (each council in a short
        transaction of its own), so that a change is found, and its quiet period counted,
        without anyone reading a feed. Skipped while nothing a feed may show was written
        since the last sweep of this process on the same day (``changes_stamp``). How
        many members' showings changed."""
        with self.reader() as uow:
            stamp = uow.links.changes_stamp()
            councils = uow.plans.councils_meeting_after(at)
        day = dt.datetime.now(dt.UTC).date()
        swept: dict[str, tuple[int, dt.date]] = vars(self).setdefault("_swept", {})
        if stamp is not None and swept.get("at") == (stamp, day):
            return 0
        changed = 0
        for council_id in councils:
            begun = dt.datetime.now(dt.UTC)  # what it reads has changed by this moment
            with self.uow() as uow:
                try:
                    record = uow.councils.get(council_id)
                except NotFound:  # deleted since
                    continue
                found = self.reckon_meetings(uow, record)
                if found.changes:
                    self.store_shown(uow, found.changes, at=begun)
                    uow.commit()
                    changed += len(found.changes)
        if stamp is not None:  # read before the sweep: a write since moves it on
            swept["at"] = (stamp, day)
        return changed

    def tell_states(self, uow: UnitOfWork, at: dt.datetime,
                    meeting_ids: Sequence[str] | None = None) -> int:
        """Tell, in the caller's unit of work, each member whose state in an upcoming
        confirmed meeting (of the given meetings only) differs from the one last mailed to
        them, once it has not changed for the quiet period (or first differed the longest
        wait ago): one mail for the meeting, whose iMIP part is their feed's event now,
        with words for the change (``member_states.state_news``). A representative who
        cannot come is told in the same mail who covers for them. How many were taken."""
        quiet = at - dt.timedelta(seconds=self.mail_quiet_s)
        held = at - dt.timedelta(seconds=self.mail_hold_max_s)
        records: dict[str, CouncilRecord] = {}
        likely: dict[str, dict[str, list[float]]] = {}
        taken = 0
        for untold in uow.event_versions.untold(quiet, held):
            if meeting_ids is not None and untold.meeting_id not in meeting_ids:
                continue
            meeting = uow.plans.meeting(untold.meeting_id)
            if meeting.council_id not in records:
                records[meeting.council_id] = uow.councils.get(meeting.council_id)
            taken += self._tell_state(uow, records[meeting.council_id], meeting, untold, at,
                                      likely.setdefault(meeting.council_id, {}))
        return taken

    def _tell_state(self, uow: UnitOfWork, record: CouncilRecord, meeting: MeetingRecord,
                    untold: UntoldState, at: dt.datetime,
                    likely: dict[str, list[float]]) -> bool:
        key = (meeting.id, untold.member_id)
        was = (untold.told_state, untold.told_sequence)
        council = record.council
        party_id, index = record.member_key(untold.member_id)
        party = council.party(party_id)
        member = party.members[index]
        if self.mail is None or meeting.status != "confirmed" or meeting.end <= at \
                or not member.email:  # its own mail told it, it is over, or nobody to tell
            return uow.event_versions.mark_told(key, untold.state, untold.sequence, was=was)
        (item,) = [item for item in self.feed_meetings(uow, record, untold.member_id,
                                                        likely=likely) if item.id == meeting.id]
        state = item.state(member.role)
        if (state, item.sequence) != (untold.state, untold.sequence):
            return False  # it changed since: that change waits its own quiet period
        news = state_news(untold.told_state, state)
        if not uow.event_versions.mark_told(key, state, item.sequence, was=was):
            return False  # another sender told it first
        if news is None:
            return True
        cover: Cover | None = None
        if member.role == "representative":
            cover = self._representative_cover(uow, record, meeting, party_id, news)
        language = member.language or council.language
        self.queue_about(uow, meeting_mail(
            sender=self.mail.sender, recipient=member.email, name=member.name,
            language=language, council=council.name, zone=council.timezone,
            event=feed_event(item, member, council.name, council.venue, language=language),
            method="REQUEST", reason=news, part=state,
            url=self.page_url(self.page_secret_in(uow, untold.member_id)),
            representative=party.representative.name if member.role != "representative"
            else None, cover=cover, other_called_in=item.called_in is False,
            dedupe_key=f"state:{meeting.id}:{untold.member_id}:{item.sequence}"),
            [(meeting.id, untold.member_id, {"reason": cover.kind if cover else news,
                                             "sequence": item.sequence, "part": state})])
        return True

    def _representative_cover(self, uow: UnitOfWork, record: CouncilRecord,
                              meeting: MeetingRecord, party_id: str,
                              news: str) -> Cover | None:
        """Who covers a representative's party, for their own mail about their absence
        (None when nobody is called in and the party is not uncovered, or they come);
        what it tells is noted as told them, so that no other mail tells it again."""
        state, substitute = self._party_cover(uow, record, meeting, party_id)
        if news == "absent" or state == REPRESENTATIVE:  # what their mail tells them
            uow.call_ins.lock_cover([meeting.id])
            uow.call_ins.told_now(meeting.id, f"representative:{party_id}", state)
        if news != "absent" or state == REPRESENTATIVE:
            return None
        return Cover("uncovered" if state == UNCOVERED else "called_in",
                     record.council.party(party_id).name, substitute)

    def tell_news(self, uow: UnitOfWork, at: dt.datetime,
                  meeting_ids: Sequence[str] | None = None) -> int:
        """Tell, in the caller's unit of work, the news due at ``at`` (of the given meetings
        only), each composed as things are now; how many were taken."""
        records: dict[str, CouncilRecord] = {}
        taken = 0
        for news in uow.call_ins.due(at, meeting_ids):
            meeting = uow.plans.meeting(news.meeting_id)
            if meeting.council_id not in records:
                records[meeting.council_id] = uow.councils.get(meeting.council_id)
            taken += self._tell_one(uow, records[meeting.council_id], meeting, news, at)
        return taken

    def _tell_one(self, uow: UnitOfWork, record: CouncilRecord, meeting: MeetingRecord,
                  news: CoverNews, at: dt.datetime) -> bool:
        kind, _, subject = news.about.partition(":")
        if meeting.status != "confirmed" or meeting.end <= at:  # the meeting's mail told it
            return uow.call_ins.take(news, None)
        if subject not in {party.id for party in record.council.parties}:
            return uow.call_ins.take(news, None)  # a party removed, or an older kind of news
        state, substitute = self._party_cover(uow, record, meeting, subject)
        if kind == "representative":
            party = record.council.party(subject)
            representative = record.member_ids[(subject, party.members.index(party.representative))]
            if uow.event_versions.untold_of([(meeting.id, representative)]):
                # their own state changed too: the mail telling it tells the cover with it
                return uow.call_ins.take(news, None)
            told = representative_news(news.told, state)
            if not uow.call_ins.take(news, state):  # they know it now, told or not
                return False
            if told is not None:
                self._tell_representative(uow, record, meeting, subject, told, substitute)
            return True
        secretary = secretary_news(news.told, state)
        if not uow.call_ins.take(news, state if secretary is not None else None):
            return False
        if secretary is not None:
            self._tell_secretary(uow, record, meeting, subject, secretary, substitute)
        return True

    @staticmethod
    def _party_cover(uow: UnitOfWork, record: CouncilRecord, meeting: MeetingRecord,
                     party_id: str) -> tuple[str, str | None]:
        """A party's cover at a meeting now, and the name of the substitute it concerns
        (the one called in; when nobody covers the party, its first substitute)."""
        party = record.council.party(party_id)
        calls = uow.call_ins.call_ins([meeting.id])
        substitutes = [(record.member_ids[(party_id, i)], member.name)
                       for i, member in enumerate(party.members) if member.role == "substitute"]
        if (meeting.id, party_id) in uow.call_ins.uncovered([meeting.id]):
            return UNCOVERED, substitutes[0][1] if substitutes else None
        for member_id, name in substitutes:
            if calls.get((meeting.id, member_id), (False, 0))[0]:
                return substitute_state(member_id), name
        return REPRESENTATIVE, None

    def _tell_secretary(self, uow: UnitOfWork, record: CouncilRecord, meeting: MeetingRecord,
                        party_id: str, kind: SecretaryNews, substitute: str | None) -> None:
        council = record.council
        if self.mail is None or not council.secretary_email:
            return
        party = council.party(party_id)
        self.queue_about(uow, secretary_mail(
            sender=self.mail.sender, recipient=council.secretary_email, language=council.language,
            council=council.name, subject_kind=kind, meeting_start=meeting.start,
            meeting_end=meeting.end, zone=council.timezone, party=party.name,
            representative=party.representative.name, substitute=substitute,
            dedupe_key=None), [(meeting.id, None, {"reason": kind, "party": party_id,
                                                    "to": "secretary"})])

    def _tell_representative(self, uow: UnitOfWork, record: CouncilRecord,
                             meeting: MeetingRecord, party_id: str, kind: RepresentativeNews,
                             substitute: str | None) -> None:
        """Tell the representative who said they cannot come what became of their party's
        cover: their substitute called in, or nobody to represent the party (the secretary
        is told that too)."""
        council = record.council
        party = council.party(party_id)
        member = party.representative
        if self.mail is None or not member.email:
            return
        member_id = record.member_ids[(party_id, party.members.index(member))]
        self.queue_about(uow, representative_mail(
            sender=self.mail.sender, recipient=member.email, name=member.name,
            language=member.language or council.language, council=council.name, kind=kind,
            meeting_start=meeting.start, meeting_end=meeting.end, zone=council.timezone,
            party=party.name, substitute=substitute,
            url=self.page_url(self.page_secret_in(uow, member_id)), dedupe_key=None),
            [(meeting.id, member_id, {"reason": kind, "party": party_id})])
