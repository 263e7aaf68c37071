"""The mail the service sends, composed and ready for the outbox; no database, no network.

Swedish unless the language is ``"en"``. Plain text in UTF-8; mail about a meeting adds an
iMIP ``text/calendar`` alternative (RFC 6047) with the same UID as the member's feed, so
mail programs show a meeting request or a cancellation. Every message says it is
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
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Literal
from zoneinfo import ZoneInfo

from calendars.imip import invitation
from calendars.write import OutgoingEvent

from ..addresses import MailAddress
from ..member_states import MEMBER_STATES
from ..member_states import MemberState as Part
from ..records import OutgoingMail
from .headers import (
    attendees,
    check_reads_back,
    header_text,
    message_id,
    policy_for,
    recipient_address,
    sender_address,
    to_header,
    utf8_text,
)
from .wording import day, one_line, short_day, span

__all__ = ["Reason", "SecretaryNews", "link_mail", "meeting_mail", "poll_mail", "secretary_mail"]

Reason = Literal["confirmed", "moved", "cancelled", "called_in", "released"]
SecretaryNews = Literal["called_in", "uncovered", "covered_again"]

_METHODS: dict[str, frozenset[str]] = {
    "confirmed": frozenset({"REQUEST"}), "moved": frozenset({"REQUEST"}),
    "called_in": frozenset({"REQUEST"}), "cancelled": frozenset({"CANCEL"}),
    "released": frozenset({"REQUEST"})}
_PARTS = frozenset(MEMBER_STATES)

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
    "part.called_in": "Du är inkallad: du ersätter din ledamot.",
    "part.standby": ("Du är ersättare. Din ledamot kan troligen inte komma – räkna med att "
                     "du behövs."),
    "part.absent": "Du har meddelat förhinder.",
    "part.informed": ("För kännedom: din ledamot väntas komma. Du är ersättare och behöver "
                      "inte komma om du inte kallas in."),
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
    "part.called_in": "You are called in: you stand in for your representative.",
    "part.standby": ("You are the substitute. Your representative is likely unavailable – "
                     "count on being needed."),
    "part.absent": "You sent your apologies.",
    "part.informed": ("For information: your representative is expected. You are the "
                      "substitute and need not come unless you are called in."),
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
    message["Subject"] = header_text(subject)
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


def meeting_mail(*, sender: str, recipient: str, name: str, language: str, council: str,
                 zone: str, event: OutgoingEvent, method: str, reason: Reason,
                 dedupe_key: str | None, part: Part = "expected", url: str | None = None,
                 previous: tuple[dt.datetime, dt.datetime] | None = None) -> OutgoingMail:
    """A member's mail about a meeting, with the meeting as an iMIP REQUEST or CANCEL.

    ``event`` is the meeting as in the member's feed (its UID, SEQUENCE, words and free or
    busy time) and ``part`` the member's part in it as the feed reckons it (a substitute's
    is said in the text); the sender becomes its organizer and the recipient its attendee,
    asked for no reply. ``url``: the member's own link, to say they cannot come (in the
    text, and as the event's URL and description); ``previous``: where a moved meeting
    was. Raises ValueError for a method that does not fit the reason, or an unknown part.
    A recipient that is no address gives a message marked ``undeliverable`` (so do the
    other kinds of mail).
    """
    if method not in _METHODS.get(reason, frozenset()):
        raise ValueError(f"a {reason!r} meeting mail cannot be a {method!r}")
    if part not in _PARTS:
        raise ValueError(f"unknown part {part!r}")
    language, words = _words(language)
    name, council = one_line(name), one_line(council)
    organizer_name, organizer = parseaddr(sender)
    role = (words[f"part.{part}"] if part not in ("expected", "cancelled") and method == "REQUEST"
            else None)
    answer = words["answer"].format(url=url) if url and method == "REQUEST" else None
    event = dataclasses.replace(event, organizer=organizer or sender,
                                organizer_name=one_line(organizer_name or council),
                                attendees=attendees(recipient),
                                description="\n".join(p for p in (role, answer) if p) or None,
                                url=url if answer else None)
    when = span(event.start, event.end, zone, language)
    said = words["moved_from" if reason == "moved" and previous else reason].format(
        council=council, when=when,
        previous=span(*previous, zone, language) if previous else "")
    body = _paragraphs(words["hello"].format(name=name), said, role,
                       words["place"].format(place=one_line(event.location))
                       if event.location else None,
                       answer, words[method], words["footer"])
    subject = words[f"subject.{reason}"].format(
        council=council, date=short_day(event.start.astimezone(ZoneInfo(zone)), language))
    message = _compose(sender=sender, recipient=recipient, name=name, subject=subject,
                       body=body, language=language, key=dedupe_key)
    if event.attendees:  # else the recipient is no address and the message is given up
        message.add_alternative(invitation(event, method), maintype="text", subtype="calendar",
                                cte="base64", params={"method": method, "charset": "UTF-8"})
    return _mail(message, recipient, sender, f"meeting_{reason}", dedupe_key, language)


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
