"""The mail the service sends, composed and ready for the outbox; no database, no network.

Swedish unless the language is ``"en"``. Plain text in UTF-8; mail about one meeting adds
an iMIP ``text/calendar`` alternative (RFC 6047) with the same UID as the member's feed, so
mail programs show a meeting request or a cancellation. A confirmed plan of several
meetings is one mail per member naming every date, with the meetings attached as one
calendar file (``METHOD:PUBLISH``), which Outlook, Gmail and Apple Mail offer to add to a
calendar; Outlook and Gmail act on the first event only of an inline part with several.
Every message says it is
automatic (``Auto-Submitted``), and one composed with a dedupe key has a ``Message-ID``
derived from it, so a message sent again is recognisably the same.

Names (of councils, parties, members, places) are text, whatever they hold: every line
break and control character becomes a space, headers are built from parts and never parse
a name (``=?`` is kept from reading as an encoded word), the body is one ``text/plain``
part, and each message is read back before it is kept to be sure it has exactly the
headers and parts it was composed with.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Literal
from zoneinfo import ZoneInfo

from calendars.imip import invitation, publication
from calendars.write import OutgoingEvent

from ..addresses import MailAddress
from ..cover import RepresentativeNews
from ..member_states import MEMBER_STATES
from ..member_states import MemberState as Part
from ..records import OutgoingMail
from .headers import (
    attendees,
    check_reads_back,
    message_id,
    policy_for,
    recipient_address,
    sender_address,
    set_subject,
    to_header,
    utf8_text,
)
from .wording import day, one_line, short_day, span

__all__ = ["Cover", "Reason", "SecretaryNews", "link_mail", "meeting_mail", "plan_mail",
           "poll_mail", "representative_mail", "secretary_mail"]

Reason = Literal["confirmed", "moved", "cancelled", "called_in", "released", "standby",
                 "informed", "absent", "expected"]
SecretaryNews = Literal["called_in", "uncovered", "covered_again"]

_METHODS: dict[str, frozenset[str]] = {
    "confirmed": frozenset({"REQUEST"}), "moved": frozenset({"REQUEST"}),
    "called_in": frozenset({"REQUEST"}), "cancelled": frozenset({"CANCEL"}),
    "released": frozenset({"REQUEST"}), "standby": frozenset({"REQUEST"}),
    "informed": frozenset({"REQUEST"}), "absent": frozenset({"REQUEST"}),
    "expected": frozenset({"REQUEST"})}
# a change of a member's state whose words say the state itself (no part line after them)
_SAYS_THE_STATE = frozenset({"standby", "informed", "absent", "expected"})
# a member's state in a meeting (member_states.member_state); each has words
# "part.<state>" below, and those not taking part are no participants
_PARTS = frozenset(MEMBER_STATES)
_NOT_TAKING_PART = frozenset({"informed", "absent", "cancelled"})

_SV = {
    "hello": "Hej {name},", "hello_all": "Hej,",
    "footer": "Det här mejlet skickades automatiskt av rådets mötesplanering.",
    "place": "Plats: {place}",
    "answer": "Kan du inte komma? Svara via din personliga länk: {url}",
    "REQUEST": "Mötet finns med som kalenderinbjudan, så att du kan lägga in det i din kalender.",
    "CANCEL": "Avbokningen finns med, så att din kalender kan ta bort mötet.",
    "subject.confirmed": "Bekräftat sammanträde: {council} {date}",
    "subject.moved": "Flyttat sammanträde: {council} {date}",
    "subject.cancelled": "Inställt sammanträde: {council} {date}",
    "subject.called_in": "Du kallas in som ersättare: {council} {date}",
    "subject.released": "Du är inte längre inkallad som ersättare: {council} {date}",
    "confirmed": "Sammanträdet är bekräftat: {council}, {when}.",
    "moved": "Sammanträdet är flyttat: {council}, {when}.",
    "moved_from": "Sammanträdet är flyttat: {council}, {when} (tidigare {previous}).",
    "cancelled": "Sammanträdet är inställt: {council}, {when}.",
    "called_in": "Du kallas in som ersättare: {council}, {when}. Din ledamot har förhinder.",
    "released": "Du är inte längre inkallad som ersättare: {council}, {when}.",
    # a change of a member's own state (member_states.state_news)
    "subject.standby": "Räkna med att du behövs: {council} {date}",
    "subject.informed": "Du behövs troligen inte: {council} {date}",
    "subject.absent": "Ditt förhinder är noterat: {council} {date}",
    "subject.expected": "Du väntas komma: {council} {date}",
    "standby": ("Din ledamot kan troligen inte komma till sammanträdet {council}, {when} – "
                "räkna med att du behövs."),
    "informed": ("Du behövs troligen inte: din ledamot väntas komma till sammanträdet "
                 "{council}, {when}. För kännedom."),
    "informed_other": ("Du behövs inte: en annan ersättare är inkallad till sammanträdet "
                       "{council}, {when}. För kännedom."),
    "absent": ("Du har meddelat förhinder till sammanträdet {council}, {when}; i din kalender "
               "står det nu som ledigt."),
    "expected": ("Du väntas komma till sammanträdet {council}, {when}; i din kalender står "
                 "det nu som upptaget."),
    # a member's part in a meeting, by the part (state) the feed gives it
    "part.expected": "",
    "part.called_in": "Du är inkallad i stället för {representative}.",
    "part.standby": ("Du är i beredskap: din ledamot kan troligen inte komma – räkna med att "
                     "du behövs."),
    "part.informed": ("För kännedom: din ledamot väntas komma. Du behöver inte komma om "
                         "du inte kallas in."),
    "part.informed_other": ("För kännedom: en annan ersättare är inkallad. Du behöver inte "
                            "komma om du inte kallas in."),
    "part.absent": "Du har meddelat förhinder.",
    "part.cancelled": "Sammanträdet är inställt.",
    "substitute_for": "Du är ersättare för {representative}.",
    "your_representative": "din ledamot",
    "subject.plan": "Bekräftade sammanträden: {council} {first} – {last}",
    "plan": "Sammanträdena är bekräftade: {council}.",
    "plan.place": "Plats: {place}",
    "plan.answer": "Kan du inte komma till något av dem? Svara via din personliga länk: {url}",
    "PUBLISH": ("Alla sammanträdena finns i den bifogade kalenderfilen {file}: öppna den för "
                "att lägga in dem i din kalender. Ändras ett sammanträde får du en "
                "kalenderinbjudan om just det."),
    "plan.file": "sammantraden.ics",
    "subject.rep.called_in": "Din ersättare är inkallad: {council} {date}",
    "subject.rep.uncovered": "Ingen kan företräda {party}: {council} {date}",
    "rep.called_in": "Din ersättare {substitute} är inkallad till sammanträdet {when} ({council}).",
    "rep.uncovered": "Ingen kan företräda {party} vid sammanträdet {when} ({council}).",
    "rep.both_absent": "Både du och din ersättare {substitute} har meddelat förhinder.",
    "rep.no_substitute": "Du har meddelat förhinder, och det finns ingen ersättare.",
    "rep.secretary": "Sekreteraren har fått veta det.",
    "rep.answer": "Kan du komma ändå? Svara via din personliga länk: {url}",
    "subject.sec.called_in": "Ersättare inkallad: {council} {date}",
    "subject.sec.uncovered": "{party} saknar företrädare: {council} {date}",
    "subject.sec.covered_again": "{party} är företrädd igen: {council} {date}",
    "sec.called_in": ("{substitute} kallas in som ersättare för {representative} ({party}) "
                      "till sammanträdet: {council}, {when}."),
    "sec.uncovered": "{party} saknar företrädare vid sammanträdet: {council}, {when}.",
    "sec.both_absent": "Ledamoten {representative} och ersättaren {substitute} har meddelat förhinder.",
    "sec.no_substitute": ("Ledamoten {representative} har meddelat förhinder, och det finns "
                          "ingen ersättare."),
    "sec.covered_again": "{party} är företrädd igen vid sammanträdet: {council}, {when}.",
    "sec.people": "Ledamot: {representative}. Ersättare: {substitute}.",
    "nobody": "ingen",
    "subject.link": "Din personliga länk: {council}",
    "link": "Här är din personliga länk för {council}:",
    "link_uses": ("Med länken kan du\n"
                  "– se kommande sammanträden och svara om du kommer,\n"
                  "– meddela perioder då du inte kan delta,\n"
                  "– svara på vilka mötestider som passar dig,\n"
                  "– prenumerera på sammanträdena i din kalender."),
    "link_private": ("Länken är personlig och fungerar utan inloggning, så dela den inte "
                     "med någon annan."),
    "subject.poll": "Vilka tider passar dig? {council}",
    "subject.poll_reminder": "Påminnelse: vilka tider passar dig? {council}",
    "poll": "{council} planerar kommande sammanträden. Vilka av de här tiderna kan du komma på?",
    "poll_reminder": ("En påminnelse: {council} behöver ditt svar om kommande sammanträden. "
                      "Vilka av de här tiderna kan du komma på?"),
    "poll_deadline": "Svara senast {deadline}:",
}

_EN = {
    "hello": "Hello {name},", "hello_all": "Hello,",
    "footer": "This message was sent automatically by the council's meeting planner.",
    "place": "Place: {place}",
    "answer": "Cannot attend? Answer with your personal link: {url}",
    "REQUEST": "The meeting is attached as a calendar invitation for your calendar.",
    "CANCEL": "The cancellation is attached, so that your calendar can remove the meeting.",
    "subject.confirmed": "Meeting confirmed: {council}, {date}",
    "subject.moved": "Meeting moved: {council}, {date}",
    "subject.cancelled": "Meeting cancelled: {council}, {date}",
    "subject.called_in": "Called in as substitute: {council}, {date}",
    "subject.released": "No longer called in as substitute: {council}, {date}",
    "confirmed": "The meeting is confirmed: {council}, {when}.",
    "moved": "The meeting has moved: {council}, {when}.",
    "moved_from": "The meeting has moved: {council}, {when} (previously {previous}).",
    "cancelled": "The meeting is cancelled: {council}, {when}.",
    "called_in": ("You are called in as substitute: {council}, {when}. "
                  "Your representative cannot attend."),
    "released": "You are no longer called in as substitute: {council}, {when}.",
    "subject.standby": "Count on being needed: {council}, {date}",
    "subject.informed": "Probably not needed: {council}, {date}",
    "subject.absent": "Your apologies are noted: {council}, {date}",
    "subject.expected": "You are expected: {council}, {date}",
    "standby": ("Your representative is likely unable to attend the meeting {council}, "
                "{when} – count on being needed."),
    "informed": ("You are probably not needed: your representative is expected at the "
                 "meeting {council}, {when}. For information."),
    "informed_other": ("You are not needed: another substitute is called in to the meeting "
                       "{council}, {when}. For information."),
    "absent": ("You have said you cannot attend the meeting {council}, {when}; your "
               "calendar now shows the time as free."),
    "expected": ("You are expected at the meeting {council}, {when}; your calendar now "
                 "shows the time as busy."),
    "part.expected": "",
    "part.called_in": "You are called in to stand in for {representative}.",
    "part.standby": ("You are on standby: your representative is likely unable to come – "
                     "count on being needed."),
    "part.informed": ("For information: your representative is expected. You need not "
                         "come unless you are called in."),
    "part.informed_other": ("For information: another substitute is called in. You need "
                            "not come unless you are called in."),
    "part.absent": "You have said you cannot attend.",
    "part.cancelled": "The meeting is cancelled.",
    "substitute_for": "You are the substitute for {representative}.",
    "your_representative": "your representative",
    "subject.plan": "Meetings confirmed: {council}, {first} – {last}",
    "plan": "The meetings are confirmed: {council}.",
    "plan.place": "Place: {place}",
    "plan.answer": "Cannot attend one of them? Answer with your personal link: {url}",
    "PUBLISH": ("All the meetings are in the attached calendar file {file}: open it to add "
                "them to your calendar. If a meeting changes, you get a calendar invitation "
                "about that one."),
    "plan.file": "meetings.ics",
    "subject.rep.called_in": "Your substitute is called in: {council}, {date}",
    "subject.rep.uncovered": "Nobody can represent {party}: {council}, {date}",
    "rep.called_in": ("Your substitute {substitute} is called in to the meeting on {when} "
                      "({council})."),
    "rep.uncovered": "Nobody can represent {party} at the meeting on {when} ({council}).",
    "rep.both_absent": "Both you and your substitute {substitute} have said you cannot attend.",
    "rep.no_substitute": "You have said you cannot attend, and there is no substitute.",
    "rep.secretary": "The secretary has been told.",
    "rep.answer": "Can you come after all? Answer with your personal link: {url}",
    "subject.sec.called_in": "Substitute called in: {council}, {date}",
    "subject.sec.uncovered": "{party} not represented: {council}, {date}",
    "subject.sec.covered_again": "{party} represented again: {council}, {date}",
    "sec.called_in": ("{substitute} is called in as substitute for {representative} ({party}) "
                      "to the meeting: {council}, {when}."),
    "sec.uncovered": "{party} will not be represented at the meeting: {council}, {when}.",
    "sec.both_absent": ("The representative {representative} and the substitute {substitute} "
                        "have said they cannot attend."),
    "sec.no_substitute": ("The representative {representative} has said they cannot attend, "
                          "and there is no substitute."),
    "sec.covered_again": "{party} is represented again at the meeting: {council}, {when}.",
    "sec.people": "Representative: {representative}. Substitute: {substitute}.",
    "nobody": "none",
    "subject.link": "Your personal link: {council}",
    "link": "Here is your personal link for {council}:",
    "link_uses": ("With the link you can\n"
                  "– see the coming meetings and say whether you will attend,\n"
                  "– tell when you are away,\n"
                  "– say which meeting times suit you,\n"
                  "– subscribe to the meetings in your calendar."),
    "link_private": "The link is personal and needs no sign-in, so do not share it.",
    "subject.poll": "Which times suit you? {council}",
    "subject.poll_reminder": "Reminder: which times suit you? {council}",
    "poll": "{council} is planning its coming meetings. Which of these times can you attend?",
    "poll_reminder": ("A reminder: {council} needs your answer about its coming meetings. "
                      "Which of these times can you attend?"),
    "poll_deadline": "Please answer by {deadline}:",
}


def _words(language: str) -> tuple[str, dict[str, str]]:
    return ("en", _EN) if language == "en" else ("sv", _SV)


def _compose(*, sender: str, recipient: str, name: str | None, subject: str, body: str,
             language: str, key: str | None) -> EmailMessage:
    """The one place every message is put together. Headers are built from parts (an
    ``Address``, text made safe by ``header_text``); names in the body are plain text in
    a ``text/plain`` part. A recipient that is no address gets no ``To``: the message
    goes to the outbox given up, with the reason (see ``_mail``)."""
    message = EmailMessage()
    message["From"] = sender_address(sender)[0]
    to = recipient_address(recipient)
    if isinstance(to, MailAddress):
        message["To"] = to_header(sender, recipient, name, to)
    set_subject(message, subject)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC).replace(microsecond=0))
    message["Message-ID"] = message_id(key, sender)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"  # no out-of-office replies from Exchange
    message.set_content(utf8_text(body), charset="utf-8", cte="quoted-printable")
    return message


def _mail(message: EmailMessage, recipient: str, sender: str, kind: str, key: str | None,
          language: str) -> OutgoingMail:
    """The message as the outbox keeps it, read back to be sure it is exactly what was
    composed (the same headers and parts); in UTF-8 headers (RFC 6532) only when an
    address needs SMTPUTF8, else ASCII throughout."""
    message["Content-Language"] = language  # after the content, which replaces Content-*
    to = recipient_address(recipient)
    text = message.as_string(policy=policy_for(sender, recipient))
    check_reads_back(message, text)
    if isinstance(to, MailAddress):
        return OutgoingMail(recipient=recipient, subject=str(message["Subject"]), kind=kind,
                            message=text, dedupe_key=key)
    return OutgoingMail(recipient=one_line(recipient)[:320], subject=str(message["Subject"]),
                        kind=kind, message=text, dedupe_key=key, undeliverable=str(to))


def _paragraphs(*parts: str | None) -> str:
    return "\n\n".join(part for part in parts if part) + "\n"


def _part_said(words: dict[str, str], part: str, representative: str | None, *,
               other_called_in: bool = False) -> str | None:
    """What the mail says of a member's part in a meeting (None: nothing to say, as for the
    representative who is expected). ``representative``: whom the member is substitute for;
    ``other_called_in``: another substitute is called in (an informed one is told so, not
    that the representative comes)."""
    if part not in _PARTS:
        raise ValueError(f"unknown part {part!r}")
    key = "informed_other" if part == "informed" and other_called_in else part
    said = words[f"part.{key}"].format(representative=representative
                                        or words["your_representative"])
    return said or None


def _standing_in(words: dict[str, str], part: str, representative: str | None) -> str | None:
    """Whom a substitute stands in for, unless their part already says so."""
    if representative is None or part == "called_in":
        return None
    return words["substitute_for"].format(representative=representative)


@dataclass(frozen=True)
class Cover:
    """Who covers a representative's party at a meeting they cannot come to, told in the
    representative's own mail about it: their substitute called in (``called_in``,
    ``substitute`` named), or nobody (``uncovered``; ``substitute``: the one who cannot
    come either, None when there is none)."""

    kind: RepresentativeNews
    party: str
    substitute: str | None


def _cover_said(words: dict[str, str], cover: Cover, values: dict[str, str]) -> str:
    """The words of a representative's cover (``rep.*``), as ``representative_mail`` has them."""
    if cover.kind not in {"called_in", "uncovered"}:
        raise ValueError(f"unknown representative mail {cover.kind!r}")
    if cover.kind == "called_in" and not cover.substitute:
        raise ValueError("a substitute called in needs the substitute's name")
    said = [words[f"rep.{cover.kind}"].format(**values)]
    if cover.kind == "uncovered":
        said += [words["rep.both_absent" if cover.substitute else "rep.no_substitute"]
                 .format(**values), words["rep.secretary"]]
    return " ".join(said)


def meeting_mail(*, sender: str, recipient: str, name: str, language: str, council: str,
                 zone: str, event: OutgoingEvent, method: str, reason: Reason,
                 dedupe_key: str | None, part: Part = "expected", url: str | None = None,
                 previous: tuple[dt.datetime, dt.datetime] | None = None,
                 representative: str | None = None, cover: Cover | None = None,
                 other_called_in: bool = False) -> OutgoingMail:
    """A member's mail about a meeting, with the meeting as an iMIP REQUEST or CANCEL.

    ``event`` is the meeting as in the member's feed (its UID, SEQUENCE, words and free or
    busy time) and ``part`` the member's part in it as the feed reckons it (a substitute's
    is said in the text); the sender becomes its organizer and the recipient its attendee,
    asked for no reply (and no participant when told for information only).
    ``reason``: what the mail tells (the meeting confirmed, moved or cancelled, or a change
    of the member's own state, ``member_states.state_news``).
    ``representative``: the name of the representative whose substitute the member is
    (None for the representative). ``url``: the member's own link, to say they cannot
    come (in the text, and as the event's URL and description; to say they can come after
    all, when they said they cannot); ``previous``: where a moved meeting was; ``cover``:
    for a representative who cannot come, who covers their party (the mail is then the
    news of it, ``representative_<kind>``); ``other_called_in``: another substitute of the
    party is called in (an informed substitute is told that, not that the representative
    comes). Raises ValueError for a method that does not
    fit the reason, or an unknown part. A recipient that is no address gives a message
    marked ``undeliverable`` (so do the other kinds of mail).
    """
    if method not in _METHODS.get(reason, frozenset()):
        raise ValueError(f"a {reason!r} meeting mail cannot be a {method!r}")
    language, words = _words(language)
    name, council = one_line(name), one_line(council)
    standing = one_line(representative) if representative is not None else None
    said = _part_said(words, part, standing, other_called_in=other_called_in)
    if reason in _SAYS_THE_STATE:  # the change says the state itself
        said = None
    organizer_name, organizer = parseaddr(sender)
    role = (" ".join(p for p in (_standing_in(words, part, standing), said) if p) or None
            if method == "REQUEST" else None)
    asked = "rep.answer" if reason == "absent" else "answer"
    answer = words[asked].format(url=url) if url and method == "REQUEST" else None
    event = dataclasses.replace(event, organizer=organizer or sender,
                                organizer_name=one_line(organizer_name or council),
                                attendees=attendees(recipient),
                                attendee_role="NON-PARTICIPANT" if part in _NOT_TAKING_PART
                                else "REQ-PARTICIPANT",
                                description="\n".join(p for p in (role, answer) if p) or None,
                                url=url if answer else None)
    when = span(event.start, event.end, zone, language)
    date = short_day(event.start.astimezone(ZoneInfo(zone)), language)
    headline = ("moved_from" if reason == "moved" and previous
                else "informed_other" if reason == "informed" and other_called_in else reason)
    told = words[headline].format(
        council=council, when=when,
        previous=span(*previous, zone, language) if previous else "")
    covered = None
    subject = words[f"subject.{reason}"].format(council=council, date=date)
    kind = f"meeting_{reason}"
    if cover is not None:
        values = {"council": council, "party": one_line(cover.party),
                  "substitute": one_line(cover.substitute or ""), "when": when, "date": date}
        covered = _cover_said(words, cover, values)
        subject = words[f"subject.rep.{cover.kind}"].format(**values)
        kind = f"representative_{cover.kind}"
    body = _paragraphs(words["hello"].format(name=name), told, covered, role,
                       words["place"].format(place=one_line(event.location))
                       if event.location else None,
                       answer, words[method], words["footer"])
    message = _compose(sender=sender, recipient=recipient, name=name, subject=subject,
                       body=body, language=language, key=dedupe_key)
    if event.attendees:  # else the recipient is no address and the message is given up
        message.add_alternative(invitation(event, method), maintype="text", subtype="calendar",
                                cte="base64", params={"method": method, "charset": "UTF-8"})
    return _mail(message, recipient, sender, kind, dedupe_key, language)


def plan_mail(*, sender: str, recipient: str, name: str, language: str, council: str,
              zone: str, meetings: Sequence[tuple[OutgoingEvent, Part]], dedupe_key: str | None,
              url: str | None = None, representative: str | None = None) -> OutgoingMail:
    """A member's one mail about a confirmed plan of meetings: every date and time in the
    council's zone, its place and the member's part in it, and all the meetings attached
    as one calendar file (iCalendar ``METHOD:PUBLISH``) to add to a calendar.

    ``meetings``: each meeting as in the member's feed (UID, SEQUENCE, words, free or busy
    time) with the member's part in it; the sender becomes each event's organizer, and no
    attendee is named (RFC 5546 asks none of a PUBLISH: nobody is asked to reply; the
    member's own link ``url`` is where they answer, in the text and in each event).
    ``representative``: as for ``meeting_mail``. Raises ValueError for no meetings or an
    unknown part.
    """
    if not meetings:
        raise ValueError("a plan mail names at least one meeting")
    language, words = _words(language)
    name, council = one_line(name), one_line(council)
    standing = one_line(representative) if representative is not None else None
    organizer_name, organizer = parseaddr(sender)
    answer = words["plan.answer"].format(url=url) if url else None
    events: list[OutgoingEvent] = []
    listed: list[str] = []
    for event, part in sorted(meetings, key=lambda m: m[0].start):
        said = _part_said(words, part, standing)
        lines = [f"– {span(event.start, event.end, zone, language)}"]
        if event.location:
            lines.append("  " + words["plan.place"].format(place=one_line(event.location)))
        if said:
            lines.append(f"  {said}")
        listed.append("\n".join(lines))
        role = " ".join(p for p in (_standing_in(words, part, standing), said) if p)
        event_answer = words["answer"].format(url=url) if url else None
        events.append(dataclasses.replace(
            event, organizer=organizer or sender, organizer_name=one_line(organizer_name or council),
            attendees=(), description="\n".join(p for p in (role, event_answer) if p) or None,
            url=url or None))
    tz = ZoneInfo(zone)
    attached = words["plan.file"]
    body = _paragraphs(words["hello"].format(name=name), words["plan"].format(council=council),
                       words["substitute_for"].format(representative=standing)
                       if standing else None, "\n".join(listed), answer,
                       words["PUBLISH"].format(file=attached), words["footer"])
    subject = words["subject.plan"].format(
        council=council, first=short_day(events[0].start.astimezone(tz), language),
        last=short_day(events[-1].start.astimezone(tz), language))
    message = _compose(sender=sender, recipient=recipient, name=name, subject=subject,
                       body=body, language=language, key=dedupe_key)
    message.add_attachment(publication(events, name=council), maintype="text",
                           subtype="calendar", filename=attached, cte="base64",
                           params={"method": "PUBLISH", "charset": "UTF-8"})
    return _mail(message, recipient, sender, "meetings_confirmed", dedupe_key, language)


def representative_mail(*, sender: str, recipient: str, name: str, language: str, council: str,
                        kind: RepresentativeNews, meeting_start: dt.datetime, meeting_end: dt.datetime,
                        zone: str, party: str, substitute: str | None, url: str | None = None,
                        dedupe_key: str | None = None) -> OutgoingMail:
    """A representative's mail about their party's cover at a meeting they said they cannot
    come to: their substitute is called in (``called_in``), or nobody can represent the
    party (``uncovered``; ``substitute``: the one who cannot come either, None when there is
    none) and the secretary has been told. ``url``: their own link, to say they can come
    after all. Raises ValueError for an unknown kind, or ``called_in`` without a substitute."""
    language, words = _words(language)
    name = one_line(name)
    values = {"council": one_line(council), "party": one_line(party),
              "substitute": one_line(substitute or ""),
              "when": span(meeting_start, meeting_end, zone, language),
              "date": short_day(meeting_start.astimezone(ZoneInfo(zone)), language)}
    said = _cover_said(words, Cover(kind, party, substitute), values)
    body = _paragraphs(words["hello"].format(name=name), said,
                       words["rep.answer"].format(url=url) if url else None, words["footer"])
    message = _compose(sender=sender, recipient=recipient, name=name,
                       subject=words[f"subject.rep.{kind}"].format(**values), body=body,
                       language=language, key=dedupe_key)
    return _mail(message, recipient, sender, f"representative_{kind}", dedupe_key, language)


def secretary_mail(*, sender: str, recipient: str, language: str, council: str,
                   subject_kind: SecretaryNews, meeting_start: dt.datetime,
                   meeting_end: dt.datetime, zone: str, party: str, representative: str,
                   substitute: str | None, dedupe_key: str | None) -> OutgoingMail:
    """The secretary's mail: a substitute called in for a representative, a party that no
    one can represent at a meeting (and who said they cannot come), or a party represented
    again. Raises ValueError for an unknown kind, or ``called_in`` without a substitute."""
    if subject_kind not in {"called_in", "uncovered", "covered_again"}:
        raise ValueError(f"unknown secretary mail {subject_kind!r}")
    if subject_kind == "called_in" and not substitute:
        raise ValueError("a substitute called in needs the substitute's name")
    language, words = _words(language)
    values = {"council": one_line(council), "party": one_line(party),
              "representative": one_line(representative),
              "substitute": one_line(substitute or "") or words["nobody"],
              "when": span(meeting_start, meeting_end, zone, language),
              "date": short_day(meeting_start.astimezone(ZoneInfo(zone)), language)}
    said = [words[f"sec.{subject_kind}"].format(**values)]
    if subject_kind == "uncovered":
        said.append(words["sec.both_absent" if substitute else "sec.no_substitute"].format(**values))
    elif subject_kind == "covered_again":
        said.append(words["sec.people"].format(**values))
    body = _paragraphs(words["hello_all"], " ".join(said), words["footer"])
    subject = words[f"subject.sec.{subject_kind}"].format(**values)
    message = _compose(sender=sender, recipient=recipient, name=None, subject=subject, body=body,
                       language=language, key=dedupe_key)
    return _mail(message, recipient, sender, f"secretary_{subject_kind}", dedupe_key, language)


def link_mail(*, sender: str, recipient: str, name: str, language: str, council: str, url: str,
              dedupe_key: str | None = None) -> OutgoingMail:
    """A member's personal link and what they can do with it."""
    language, words = _words(language)
    name, council = one_line(name), one_line(council)
    body = _paragraphs(words["hello"].format(name=name),
                       words["link"].format(council=council) + "\n" + url,
                       words["link_uses"], words["link_private"], words["footer"])
    message = _compose(sender=sender, recipient=recipient, name=name,
                       subject=words["subject.link"].format(council=council), body=body,
                       language=language, key=dedupe_key)
    return _mail(message, recipient, sender, "link", dedupe_key, language)


def poll_mail(*, sender: str, recipient: str, name: str, language: str, council: str, url: str,
              deadline: dt.date, slots: Sequence[tuple[dt.datetime, dt.datetime]], zone: str,
              reminder: bool, dedupe_key: str | None = None) -> OutgoingMail:
    """An invitation to say which of the slots suit the member, or a reminder of it."""
    language, words = _words(language)
    name, council = one_line(name), one_line(council)
    kind = "poll_reminder" if reminder else "poll"
    listed = "\n".join(f"– {span(start, end, zone, language)}" for start, end in slots)
    body = _paragraphs(words["hello"].format(name=name), words[kind].format(council=council),
                       listed, words["poll_deadline"].format(deadline=day(deadline, language))
                       + "\n" + url, words["footer"])
    message = _compose(sender=sender, recipient=recipient, name=name,
                       subject=words[f"subject.{kind}"].format(council=council), body=body,
                       language=language, key=dedupe_key)
    return _mail(message, recipient, sender, kind, dedupe_key, language)
