"""Use cases of members' own links: the feed to subscribe to and the personal page.

The two are separate secrets: a feed link (often pasted into calendar apps and shared
devices) opens no page and changes nothing. Each secret is derived from a random salt
with the server's key, so the database holds only salts and hashes, yet the current
link can be shown again; rotating makes a new salt and revokes the old links.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Any

from ..availability import presence
from ..council import Member
from ..cover import says_absent
from ..errors import NotFound
from ..feeds import FeedMeeting, member_feed
from ..member_states import ShownVersion, next_version
from ..ports import FeedCheck, UnitOfWork
from ..records import CouncilRecord, MeetingRecord
from ..tokens import secret_hash
from .member_calendars import CalendarServices

__all__ = ["LinkServices", "Reckoning", "ShownChange"]

_FEEDS_KEPT = 2048
_VERSION_TRIES = 8  # stores of what members are shown, each after another's came first
_VERSIONS_KEPT = 65536  # feed links whose version this process knows (about 200 bytes each)
FEED, PAGE = "feed", "page"


@dataclass(frozen=True)
class ShownChange:
    """What a member is shown of a meeting anew: stored ``before`` (None: nothing yet)
    and to be stored ``after``, under (meeting id, member id)."""

    key: tuple[str, str]
    before: ShownVersion | None
    after: ShownVersion


@dataclass(frozen=True)
class Reckoning:
    """The meetings as each member is to be shown them, and what to store of it."""

    meetings: dict[str, list[FeedMeeting]]  # member id -> the council's meetings
    changes: list[ShownChange]


@dataclass(frozen=True)
class _FeedWork:
    """What a member's feed is made of, read; and what to store before it is shown."""

    member_id: str
    member: Member
    council: str
    venue: str | None
    language: str
    items: list[FeedMeeting]
    changes: list[ShownChange]


class LinkServices(CalendarServices):
    """Members' feeds and pages."""

    feed_check: FeedCheck | None = None  # set over a real database: feeds checked cheaply

    def _secret(self, purpose: str, salt: str) -> str:
        digest = hmac.new(self.link_key, f"{purpose}:{salt}".encode(), hashlib.sha256).digest()
        return "cs_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def _link(self, member_id: str, purpose: str, *, rotate: bool) -> str:
        with self.uow() as uow:
            salt = None if rotate else uow.links.current_salt(member_id, purpose)
            if salt is None:
                salt = secrets.token_hex(16)
                uow.links.add(member_id, purpose, salt, secret_hash(self._secret(purpose, salt)),
                              rotate=rotate)
                uow.commit()
            else:
                uow.councils.council_of_member(member_id)  # NotFound for an unknown member
        return self._secret(purpose, salt)

    def feed_secret(self, member_id: str, *, rotate: bool = False) -> str:
        """The member's feed link secret (made once); ``rotate``: a new one, and every
        earlier link stops working."""
        return self._link(member_id, FEED, rotate=rotate)

    def page_secret(self, member_id: str, *, rotate: bool = False) -> str:
        """The member's personal-page link secret (made once); ``rotate`` as for feeds."""
        return self._link(member_id, PAGE, rotate=rotate)

    def page_secret_in(self, uow: UnitOfWork, member_id: str) -> str:
        """The member's page link secret inside a unit of work (made there if none yet)."""
        salt = uow.links.current_salt(member_id, PAGE)
        if salt is None:
            salt = secrets.token_hex(16)
            uow.links.add(member_id, PAGE, salt, secret_hash(self._secret(PAGE, salt)))
        return self._secret(PAGE, salt)

    def _member_of(self, uow: UnitOfWork, secret: str, purpose: str) -> str | None:
        return uow.links.member_of(secret_hash(secret), purpose)

    def feed_version(self, secret: str, *, holds: bool = False) -> str | None:
        """The current version (an ETag) of the feed behind a secret; None if unknown."""
        with self.reader() as uow:
            found = uow.links.feed_state(secret_hash(secret), holds)
        return None if found is None else found[1]

    def feed(self, secret: str, *, holds: bool = False) -> tuple[bytes, str] | None:
        """The feed behind a secret and its version, or None for an unknown or revoked one."""
        found = self.feed_unless(secret, holds=holds)
        return None if found is None or found[0] is None else (found[0], found[1])

    def feed_unless(self, secret: str, *, holds: bool = False,
                    known: Container[str] = ()) -> tuple[bytes | None, str] | None:
        """The feed behind a secret and its version, the feed None when the caller already
        has that version (``known``); None for an unknown or revoked link.

        With ``feed_check``, one indexed read (none while a PostgreSQL process hears of no
        change) tells that the link is active and whether anything changed since this
        process last worked the version out; otherwise (and after a change) one query
        tells the link and the version. Built feeds are kept by version, so an unchanged
        feed is built once."""
        hashed = secret_hash(secret)
        stamp: int | None = None
        day = dt.datetime.now(dt.UTC).date()  # the version changes with the date too
        if self.feed_check is not None:
            checked = self.feed_check.member_and_stamp(hashed)
            if checked is None:
                return None
            stamp = checked[1]
            kept = self._kept_versions().get((hashed, holds))
            if kept is not None and kept[:2] == (stamp, day):
                if kept[2] in known:
                    return None, kept[2]
                body = self.feed_cache.get(kept[2])
                if body is not None:
                    return body, kept[2]
        work: _FeedWork | None = None
        with self.reader() as uow:
            found = uow.links.feed_state(hashed, holds)
            if found is None:
                return None
            member_id, version = found
            if stamp is not None:  # read before the version: a later write moves it on
                self._keep_version((hashed, holds), (stamp, day, version))
            if version in known:
                return None, version
            body = self.feed_cache.get(version)
            if body is None:
                work = self._reckon_feed(uow, member_id, holds)
        if body is None:
            assert work is not None
            body = self._render_feed(work)
            with self.feed_lock:
                self.feed_cache[version] = body
                while len(self.feed_cache) > _FEEDS_KEPT:
                    self.feed_cache.pop(next(iter(self.feed_cache)))
        return body, version

    def _kept_versions(self) -> dict[tuple[str, bool], tuple[int, dt.date, str]]:
        kept: dict[tuple[str, bool], tuple[int, dt.date, str]] = vars(self).setdefault(
            "_feed_versions", {})
        return kept

    def _keep_version(self, key: tuple[str, bool], value: tuple[int, dt.date, str]) -> None:
        kept = self._kept_versions()
        with self.feed_lock:
            kept[key] = value
            while len(kept) > _VERSIONS_KEPT:
                kept.pop(next(iter(kept)))

    def _reckon_feed(self, uow: UnitOfWork, member_id: str, holds: bool) -> _FeedWork:
        """Everything a member's feed is made of, read in the caller's (reading) unit of
        work; what the member is shown anew is stored by ``_render_feed``."""
        record, _party_id, member = uow.councils.member(member_id)
        council = record.council
        found = self.reckon_meetings(uow, record, [member_id])
        items = found.meetings[member_id]
        if holds:
            items += holds_of(uow, record.id)
        return _FeedWork(member_id, member, council.name, council.venue,
                         member.language or council.language, items, found.changes)

    def _render_feed(self, work: _FeedWork) -> bytes:
        """The feed's bytes, once what the member is shown anew is stored (in a short
        transaction of its own, after the reading one has ended)."""
        items = work.items
        if work.changes:
            with self.uow() as uow:
                shown = self.store_shown(uow, work.changes)
                uow.commit()
            items = [dataclasses.replace(item, sequence=shown[(item.id, work.member_id)])
                     if (item.id, work.member_id) in shown else item for item in items]
        return member_feed(work.member, work.council, work.venue, items,
                           dt.datetime.now(dt.UTC), language=work.language)

    def feed_meetings(self, uow: UnitOfWork, record: CouncilRecord, member_id: str, *,
                      likely: dict[str, list[float]] | None = None) -> list[FeedMeeting]:
        """The council's meetings as the member's feed shows them, and as mail about them
        tells them (``reckon_meetings``), with what the member is shown anew stored in the
        caller's unit of work (one that writes: ValueError otherwise), so that the
        SEQUENCE told is the one the feed shows from then on."""
        found = self.reckon_meetings(uow, record, [member_id], likely=likely)
        items = found.meetings[member_id]
        if not found.changes:
            return items
        if not uow.write:
            raise ValueError("what a member is shown anew is stored by a unit of work that writes")
        shown = self.store_shown(uow, found.changes)
        return [dataclasses.replace(item, sequence=shown[(item.id, member_id)])
                if (item.id, member_id) in shown else item for item in items]

    @staticmethod
    def store_shown(uow: UnitOfWork, changes: Sequence[ShownChange], *,
                    at: dt.datetime | None = None) -> dict[tuple[str, str], int]:
        """Store what members are shown anew (compare-and-set; where another transaction
        stored something first, the change is worked out again from what it stored) and
        give the SEQUENCE each (meeting id, member id) is shown with. ``at``: when the
        changes were found (default now)."""
        final: dict[tuple[str, str], int] = {}
        todo = list(changes)
        for _attempt in range(_VERSION_TRIES):
            lost = []
            for change in todo:
                if uow.event_versions.record(change.key, change.before, change.after, at=at):
                    final[change.key] = change.after.sequence
                else:
                    lost.append(change)
            if not lost:
                return final
            stored = uow.event_versions.shown([change.key for change in lost])
            todo = []
            for change in lost:
                before = stored.get(change.key)
                after = next_version(before, change.after.state, change.after.floor)
                if after == before:
                    final[change.key] = after.sequence
                else:
                    todo.append(ShownChange(change.key, before, after))
            if not todo:
                return final
        raise RuntimeError("what members are shown kept changing under this transaction")

    def reckon_meetings(self, uow: UnitOfWork, record: CouncilRecord,
                        member_ids: Sequence[str] | None = None, *,
                        likely: dict[str, list[float]] | None = None,
                        versions: bool = True) -> Reckoning:
        """The council's meetings as each member (default: every member) is to be shown
        them: the one reckoning of who is called in, who said they cannot come, whether
        each representative is likely to come, and so each member's state
        (``FeedMeeting.state``), for the feed, the mail, the pages and the report alike.

        With ``versions``, each confirmed or cancelled meeting carries the SEQUENCE the
        member is to be shown (``member_states.next_version`` from what they were last
        shown), and the changes to store come with them (nothing is written here);
        without, it carries the least SEQUENCE it may have. ``likely``: the
        representatives' probabilities already reckoned in this unit of work, by party
        (filled in here)."""
        council = record.council
        wanted = list(record.member_ids.values()) if member_ids is None else list(member_ids)
        found = uow.plans.meetings(record.id)
        ids = [m.id for m in found]
        states = uow.attendance.states(ids)
        calls = uow.call_ins.call_ins(ids)
        known = likely if likely is not None else {}
        parties = list(dict.fromkeys(record.member_key(member_id)[0] for member_id in wanted))
        missing = [party_id for party_id in parties if party_id not in known]
        known.update(self._representative_probabilities(uow, record, missing, found))
        representatives = {}
        for party_id in parties:
            party = council.party(party_id)
            representatives[party_id] = record.member_ids[
                (party_id, party.members.index(party.representative))]
        said = uow.statements.statements(
            list(dict.fromkeys([*wanted, *representatives.values()])), council.timezone)
        stored = uow.event_versions.shown(
            [(m.id, member_id) for m in found for member_id in wanted]) if versions else {}

        def absent(member_id: str, meeting: MeetingRecord) -> bool:
            return says_absent(said.get(member_id, []), meeting.start, meeting.end,
                               notice=states.get((meeting.id, member_id)) == "absent_notice")

        shown: dict[str, list[FeedMeeting]] = {}
        changes: list[ShownChange] = []
        for member_id in wanted:
            party_id, index = record.member_key(member_id)
            role = council.party(party_id).members[index].role
            team = {record.member_ids[(party_id, i)]
                    for i in range(len(council.party(party_id).members))}
            rep_id = representatives[party_id]
            items = []
            for meeting, probability in zip(found, known[party_id], strict=True):
                active = {m for (mid, m), (on, _n) in calls.items()
                          if mid == meeting.id and on and m in team}
                floor = meeting.sequence + calls.get((meeting.id, member_id), (False, 0))[1]
                item = FeedMeeting(
                    meeting.id, meeting.start, meeting.end, meeting.status, floor,
                    meeting.updated_at, probability, absent(rep_id, meeting),
                    (member_id in active) if active else None, absent(member_id, meeting))
                if versions:
                    key = (meeting.id, member_id)
                    before = stored.get(key)
                    after = next_version(before, item.state(role), floor)
                    if after != before:
                        changes.append(ShownChange(key, before, after))
                    item = dataclasses.replace(item, sequence=after.sequence)
                items.append(item)
            shown[member_id] = items
        return Reckoning(shown, changes)

    def _representative_probabilities(self, uow: UnitOfWork, record: CouncilRecord,
                                      party_ids: Sequence[str],
                                      meetings: list[MeetingRecord]) -> dict[str, list[float]]:
        """MODEL.md's probability that each party's representative comes to each meeting:
        their calendar, its horizon and habits, the bodies' plans, their statements and
        their history."""
        if not party_ids:
            return {}
        if not meetings:
            return {party_id: [] for party_id in party_ids}
        council = self.with_history(uow, record)
        chosen = set(party_ids)
        own = dataclasses.replace(council, parties=tuple(p for p in council.parties
                                                         if p.id in chosen))
        team = CouncilRecord(record.id, own, {key: member_id for key, member_id
                                              in record.member_ids.items() if key[0] in chosen})
        start = min(m.start for m in meetings) - dt.timedelta(days=1)
        end = max(m.end for m in meetings) + dt.timedelta(days=1)
        busy, plans, _warnings = self.known_time(uow, team, start, end)
        found = presence(own, [(m.start, m.end) for m in meetings], busy, plans=plans,
                         statements=self.statement_map(uow, team))
        return {party.id: [float(p) for p in found.probability[
                    (party.id, party.members.index(party.representative))]]
                for party in own.parties}

    def member_page(self, secret: str) -> dict[str, Any] | None:
        """What a member's own page shows, or None for an unknown or revoked page link."""
        with self.reader() as uow:
            member_id = self._member_of(uow, secret, PAGE)
            if member_id is None:
                return None
            record, party_id, member = uow.councils.member(member_id)
            now = dt.datetime.now(dt.UTC)
            upcoming = [m for m in uow.plans.meetings(record.id) if m.end > now]
            party = record.council.party(party_id)
        return {"member_id": member_id, "member": member, "party": party, "council": record.council,
                "meetings": upcoming, "feed_secret": self.feed_secret(member_id)}

    def rotate_feed_from_page(self, secret: str) -> str:
        """From a member's own page: a new feed link; the old one stops working."""
        with self.reader() as uow:
            member_id = self._member_of(uow, secret, PAGE)
        if member_id is None:
            raise NotFound("no such page (the link may have been replaced)")
        return self.feed_secret(member_id, rotate=True)


def holds_of(uow: UnitOfWork, council_id: str) -> list[FeedMeeting]:
    """The newest unconfirmed proposal's dates, as preliminary holds."""
    for proposal in uow.plans.proposals(council_id):
        if proposal.confirmed_at is None and proposal.status != "infeasible":
            return [FeedMeeting(f"{proposal.id}-{n}", dt.datetime.fromisoformat(m["start"]),
                                dt.datetime.fromisoformat(m["end"]), "proposed", 0,
                                proposal.created_at, 1.0, False)
                    for n, m in enumerate(proposal.document["meetings"])]
    return []
