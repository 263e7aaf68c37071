"""The mail the service composes: Swedish unless English is asked for, times in the
council's zone, names as given but never breaking a header, and meeting mail with an iMIP
part that Outlook, icalendar and ical.js read as the same meeting as the member's feed."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from email.header import Header
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars.write import OutgoingEvent
from scheduler.mail import (
    link_mail,
    meeting_mail,
    plan_mail,
    poll_mail,
    representative_mail,
    secretary_mail,
)
from scheduler.mail.messages import Cover
from scheduler.records import OutgoingMail

from .js.reader import ical_js

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ZONE = "Europe/Stockholm"
SENDER = "Kulturrådet <kalender@region.se>"
START = dt.datetime(2027, 3, 2, 13, tzinfo=STOCKHOLM)
END = dt.datetime(2027, 3, 2, 16, tzinfo=STOCKHOLM)
EVENT = OutgoingEvent("m1@council-scheduler", START, END, "Samverkansrådet för kultur",
                      sequence=2, location="Länsmuseet, Örebro")
INJECTED = "Åsa Öberg\r\nBcc: eve@example.org\r\nSubject: gratis"


def parsed(mail: OutgoingMail) -> EmailMessage:
    message = email.message_from_string(mail.message, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(mail: OutgoingMail) -> str:
    part = parsed(mail).get_body(preferencelist=("plain",))
    assert part is not None
    text: str = part.get_content()  # type: ignore[attr-defined]
    return text


def calendar_part(mail: OutgoingMail) -> EmailMessage:
    (part,) = [p for p in parsed(mail).walk() if p.get_content_type() == "text/calendar"]
    assert isinstance(part, EmailMessage)
    return part


def meeting(**changes: Any) -> OutgoingMail:
    fields: dict[str, Any] = {
        "sender": SENDER, "recipient": "asa.oberg@kumla.se", "name": "Åsa Öberg",
        "language": "sv", "council": "Samverkansrådet för kultur", "zone": ZONE,
        "event": EVENT, "method": "REQUEST", "reason": "confirmed", "dedupe_key": "m1:2:asa"}
    return meeting_mail(**{**fields, **changes})


def test_a_confirmed_meeting_is_a_swedish_mail_with_an_imip_request() -> None:
    mail = meeting()
    message = parsed(mail)
    assert (mail.recipient, mail.kind, mail.dedupe_key) == ("asa.oberg@kumla.se",
                                                            "meeting_confirmed", "m1:2:asa")
    assert str(message["From"]) == SENDER
    assert str(message["To"]) == "Åsa Öberg <asa.oberg@kumla.se>"
    assert str(message["Subject"]) == mail.subject == (
        "Bekräftat sammanträde: Samverkansrådet för kultur 2 mars 2027")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "sv"
    assert message["Date"].datetime is not None
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/calendar"]
    text = body(mail)
    assert text.startswith("Hej Åsa Öberg,\n")
    assert ("Sammanträdet är bekräftat: Samverkansrådet för kultur, tisdag 2 mars 2027 "
            "kl. 13.00–16.00.") in text
    assert "Plats: Länsmuseet, Örebro" in text


def test_the_calendar_part_is_the_feeds_meeting_with_the_method_of_its_content_type() -> None:
    part = calendar_part(meeting())
    assert part.get_param("method") == "REQUEST"
    assert str(part.get_param("charset")).lower() == "utf-8"
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "m1@council-scheduler"
    assert event["SEQUENCE"] == 2
    assert str(event["ORGANIZER"]) == "mailto:kalender@region.se"
    assert str(event["ORGANIZER"].params["CN"]) == "Kulturrådet"
    assert str(event["ATTENDEE"]) == "mailto:asa.oberg@kumla.se"
    assert event["DTSTART"].dt == START
    js = ical_js(data)
    assert js["method"] == "REQUEST"
    assert [(e["uid"], e["sequence"]) for e in js["events"]] == [("m1@council-scheduler", 2)]


def test_a_cancelled_meeting_carries_a_cancel_with_status_cancelled() -> None:
    mail = meeting(method="CANCEL", reason="cancelled")
    part = calendar_part(mail)
    assert part.get_param("method") == "CANCEL"
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 2)
    assert ical_js(data)["method"] == "CANCEL"
    assert mail.subject == "Inställt sammanträde: Samverkansrådet för kultur 2 mars 2027"
    assert "Sammanträdet är inställt: Samverkansrådet för kultur, tisdag 2 mars 2027" in body(mail)


@pytest.mark.parametrize(("reason", "method", "sv", "en"), [
    ("confirmed", "REQUEST", "Sammanträdet är bekräftat: Kulturrådet, tisdag 2 mars 2027 kl. "
     "13.00–16.00.", "The meeting is confirmed: Kulturrådet, Tuesday 2 March 2027, 13:00–16:00."),
    ("moved", "REQUEST", "Sammanträdet är flyttat: Kulturrådet, tisdag 2 mars 2027 kl. "
     "13.00–16.00.", "The meeting has moved: Kulturrådet, Tuesday 2 March 2027, 13:00–16:00."),
    ("cancelled", "CANCEL", "Sammanträdet är inställt: Kulturrådet, tisdag 2 mars 2027 kl. "
     "13.00–16.00.", "The meeting is cancelled: Kulturrådet, Tuesday 2 March 2027, 13:00–16:00."),
    ("called_in", "REQUEST", "Du kallas in som ersättare: Kulturrådet, tisdag 2 mars 2027 kl. "
     "13.00–16.00. Din ledamot har förhinder.", "You are called in as substitute: Kulturrådet, "
     "Tuesday 2 March 2027, 13:00–16:00. Your representative cannot attend."),
    ("released", "REQUEST", "Du är inte längre inkallad som ersättare: Kulturrådet, tisdag "
     "2 mars 2027 kl. 13.00–16.00.", "You are no longer called in as substitute: "
     "Kulturrådet, Tuesday 2 March 2027, 13:00–16:00."),
])
def test_each_reason_is_said_in_swedish_by_default_and_in_english_on_request(
        reason: str, method: str, sv: str, en: str) -> None:
    swedish = meeting(council="Kulturrådet", reason=reason, method=method)
    english = meeting(council="Kulturrådet", reason=reason, method=method, language="en")
    assert sv in body(swedish)
    assert en in body(english)
    assert parsed(english)["Content-Language"] == "en"
    assert body(english).startswith("Hello Åsa Öberg,\n")
    assert swedish.kind == english.kind == f"meeting_{reason}"
    assert calendar_part(swedish).get_param("method") == method


def test_a_moved_meeting_says_where_it_was() -> None:
    before = (dt.datetime(2027, 2, 23, 9, tzinfo=STOCKHOLM),
              dt.datetime(2027, 2, 23, 12, tzinfo=STOCKHOLM))
    text = body(meeting(council="Kulturrådet", reason="moved", previous=before))
    assert ("Sammanträdet är flyttat: Kulturrådet, tisdag 2 mars 2027 kl. 13.00–16.00 "
            "(tidigare tisdag 23 februari 2027 kl. 09.00–12.00).") in text


def test_the_personal_link_is_offered_to_say_one_cannot_come() -> None:
    text = body(meeting(url="https://kalender.example/my/cs_abc"))
    assert "Kan du inte komma? Svara via din personliga länk: https://kalender.example/my/cs_abc" in text


def test_times_are_in_the_councils_zone_whatever_zone_they_come_in() -> None:
    summer = OutgoingEvent("m2@council-scheduler", dt.datetime(2027, 7, 1, 7, tzinfo=dt.UTC),
                           dt.datetime(2027, 7, 1, 10, tzinfo=dt.UTC), "Kulturrådet")
    assert "torsdag 1 juli 2027 kl. 09.00–12.00" in body(meeting(event=summer))
    assert "Thursday 1 July 2027, 08:00–11:00" in body(
        meeting(event=summer, language="en", zone="Europe/Dublin"))


@pytest.mark.parametrize(("reason", "method"), [("cancelled", "REQUEST"), ("confirmed", "CANCEL"),
                                                ("released", "CANCEL"),
                                                ("called_in", "PUBLISH"), ("other", "REQUEST")])
def test_a_method_that_does_not_fit_the_reason_is_refused(reason: str, method: str) -> None:
    with pytest.raises(ValueError):
        meeting(reason=reason, method=method)


def test_the_message_id_comes_from_the_dedupe_key_so_a_resend_is_recognisable() -> None:
    first, again = parsed(meeting()), parsed(meeting())
    other = parsed(meeting(dedupe_key="m1:3:asa"))
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].endswith("@region.se>")
    unkeyed = [parsed(link_mail(sender=SENDER, recipient="a@b.se", name="A", language="sv",
                                council="R", url="https://x"))["Message-ID"] for _ in range(2)]
    assert unkeyed[0] != unkeyed[1]


def test_a_name_with_line_breaks_cannot_add_a_header() -> None:
    mail = meeting(name=INJECTED, council="Kulturrådet\nBcc: eve@example.org")
    message = parsed(mail)
    assert message["Bcc"] is None
    assert sorted(message.keys()) == sorted([
        "From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
        "X-Auto-Response-Suppress", "MIME-Version", "Content-Type", "Content-Language"])
    assert str(message["To"]).endswith("<asa.oberg@kumla.se>")
    assert message["To"].addresses[0].display_name == (
        "Åsa Öberg Bcc: eve@example.org Subject: gratis")
    assert str(message["Subject"]).startswith("Bekräftat sammanträde: Kulturrådet Bcc:")
    assert "\n" not in str(message["Subject"])
    assert body(mail).startswith("Hej Åsa Öberg Bcc: eve@example.org Subject: gratis,\n")


def test_every_message_is_plain_ascii_on_the_wire_so_any_server_takes_it() -> None:
    mails = [meeting(), meeting(language="en", method="CANCEL", reason="cancelled"),
             link_mail(sender=SENDER, recipient="a@b.se", name="Örjan", language="sv",
                       council="Kulturrådet", url="https://x/å")]
    assert all(mail.message.isascii() for mail in mails)


@pytest.mark.parametrize("recipient", ["", "anna", "anna@kumla.se\r\nBcc: eve@example.org",
                                       "Anna <anna@kumla.se>", "anna@kumla"])
def test_a_recipient_that_is_not_one_address_gives_a_message_marked_undeliverable(
        recipient: str) -> None:
    for mail in (meeting(recipient=recipient), secretary("uncovered", recipient=recipient),
                 link_mail(sender=SENDER, recipient=recipient, name="A", language="sv",
                           council="R", url="https://x")):
        assert mail.undeliverable and mail.undeliverable.startswith("not an e-mail address")
        assert parsed(mail)["To"] is None
        assert "\n" not in mail.recipient and len(mail.recipient) <= 320


def secretary(kind: str, substitute: str | None = "Örjan Åkesson", **changes: Any) -> OutgoingMail:
    fields: dict[str, Any] = {
        "sender": SENDER, "recipient": "sekreterare@region.se", "language": "sv",
        "council": "Kulturrådet", "subject_kind": kind, "meeting_start": START,
        "meeting_end": END, "zone": ZONE, "party": "Ljusnarsbergs kommun",
        "representative": "Åke Lindén", "substitute": substitute, "dedupe_key": f"sec:{kind}"}
    return secretary_mail(**{**fields, **changes})


def test_the_secretary_is_told_who_is_called_in_for_whom() -> None:
    mail = secretary("called_in")
    assert mail.kind == "secretary_called_in"
    assert mail.subject == "Ersättare inkallad: Kulturrådet 2 mars 2027"
    assert ("Örjan Åkesson kallas in som ersättare för Åke Lindén (Ljusnarsbergs kommun) till "
            "sammanträdet: Kulturrådet, tisdag 2 mars 2027 kl. 13.00–16.00.") in body(mail)
    assert ("Örjan Åkesson is called in as substitute for Åke Lindén (Ljusnarsbergs kommun) to "
            "the meeting: Kulturrådet, Tuesday 2 March 2027, 13:00–16:00.") in body(
        secretary("called_in", language="en"))
    assert not [p for p in parsed(mail).walk() if p.get_content_type() == "text/calendar"]


def test_the_secretary_is_told_a_party_is_uncovered_and_who_cannot_come() -> None:
    both = body(secretary("uncovered"))
    assert ("Ljusnarsbergs kommun saknar företrädare vid sammanträdet: Kulturrådet, tisdag 2 mars "
            "2027 kl. 13.00–16.00. Ledamoten Åke Lindén och ersättaren Örjan Åkesson har "
            "meddelat förhinder.") in both
    alone = body(secretary("uncovered", substitute=None))
    assert ("Ledamoten Åke Lindén har meddelat förhinder, och det finns ingen ersättare."
            in alone)
    english = secretary("uncovered", language="en")
    assert english.subject == "Ljusnarsbergs kommun not represented: Kulturrådet, 2 March 2027"
    assert ("The representative Åke Lindén and the substitute Örjan Åkesson have said they "
            "cannot attend.") in body(english)


def test_the_secretary_is_told_a_party_is_covered_again() -> None:
    mail = secretary("covered_again")
    assert mail.subject == "Ljusnarsbergs kommun är företrädd igen: Kulturrådet 2 mars 2027"
    assert ("Ljusnarsbergs kommun är företrädd igen vid sammanträdet: Kulturrådet, tisdag 2 mars "
            "2027 kl. 13.00–16.00. Ledamot: Åke Lindén. Ersättare: Örjan Åkesson.") in body(mail)


def test_secretary_mail_refuses_an_unknown_kind_or_a_call_in_without_a_substitute() -> None:
    with pytest.raises(ValueError):
        secretary("called_in", substitute=None)
    with pytest.raises(ValueError):
        secretary("gossip")


def test_a_party_name_with_line_breaks_stays_in_its_header() -> None:
    message = parsed(secretary("uncovered", party="Nora\r\nBcc: eve@example.org"))
    assert message["Bcc"] is None
    assert str(message["Subject"]).startswith("Nora Bcc: eve@example.org saknar företrädare")


def test_a_member_gets_their_link_and_what_it_is_for() -> None:
    mail = link_mail(sender=SENDER, recipient="asa.oberg@kumla.se", name="Åsa Öberg",
                     language="sv", council="Kulturrådet", url="https://kalender.example/my/cs_x",
                     dedupe_key="link:asa")
    assert (mail.kind, mail.subject) == ("link", "Din personliga länk: Kulturrådet")
    text = body(mail)
    assert "Här är din personliga länk för Kulturrådet:\nhttps://kalender.example/my/cs_x\n" in text
    assert "– se kommande sammanträden och svara om du kommer," in text
    assert "dela den inte med någon annan" in text
    english = link_mail(sender=SENDER, recipient="a@b.se", name="Åsa", language="en",
                        council="Kulturrådet", url="https://x")
    assert english.subject == "Your personal link: Kulturrådet"
    assert "Here is your personal link for Kulturrådet:\nhttps://x\n" in body(english)


def test_a_poll_lists_its_slots_in_the_councils_zone_with_the_deadline() -> None:
    slots = [(START, END), (dt.datetime(2027, 3, 9, 8, tzinfo=dt.UTC),
                            dt.datetime(2027, 3, 9, 11, tzinfo=dt.UTC))]
    fields: dict[str, Any] = {
        "sender": SENDER, "recipient": "asa.oberg@kumla.se", "name": "Åsa Öberg",
        "language": "sv", "council": "Kulturrådet", "url": "https://kalender.example/my/cs_x",
        "deadline": dt.date(2027, 1, 15), "slots": slots, "zone": ZONE}
    invitation = poll_mail(**fields, reminder=False)
    reminder = poll_mail(**fields, reminder=True)
    assert (invitation.kind, reminder.kind) == ("poll", "poll_reminder")
    assert invitation.subject == "Vilka tider passar dig? Kulturrådet"
    assert reminder.subject == "Påminnelse: vilka tider passar dig? Kulturrådet"
    text = body(invitation)
    assert ("– tisdag 2 mars 2027 kl. 13.00–16.00\n– tisdag 9 mars 2027 kl. 09.00–12.00\n"
            in text)
    assert "Svara senast fredag 15 januari 2027:\nhttps://kalender.example/my/cs_x\n" in text
    assert body(reminder).count("påminnelse") == 1
    english = body(poll_mail(**{**fields, "language": "en"}, reminder=False))
    assert "– Tuesday 2 March 2027, 13:00–16:00\n" in english
    assert "Please answer by Friday 15 January 2027:" in english


# names are text, whatever they hold --------------------------------------------------------
ENCODED = ("=?utf-8?q?x=0D=0AReply-To:_evil@example.org=0D=0AContent-Type:_text/html"
           "=0D=0A=0D=0A<b>Logga_in</b>?=")
HOSTILE = [ENCODED, "=?utf-8?b?eA0KUmVwbHktVG86IGV2aWxAZXhhbXBsZS5vcmc=?=",
           "Åsa\r\nReply-To: evil@example.org", "Åsa\nContent-Type: text/html\n\n<b>x</b>",
           "Åsa\x00Bcc: eve@example.org", "Åsa\u2028Bcc: eve@example.org", "Åsa\u2029\x85Cc: eve@x.se",
           '"Åsa" <eve@example.org>, =?utf-8?q?=22?= boundary="==x"']
TOP = ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
       "X-Auto-Response-Suppress", "Content-Language"]
SINGLE = sorted([*TOP, "Content-Type", "Content-Transfer-Encoding", "MIME-Version"])
MULTI = sorted([*TOP, "Content-Type", "MIME-Version"])


def shown(text: str) -> str:
    """A name as a header shows it: one line, and ``=?`` never an encoded word."""
    line = re.sub(r"[\s\x00-\x1f\x7f\x85\u2028\u2029]+", " ", text).strip()
    return line.replace("=?", "=\u200b?")


def spaceless(value: object) -> str:
    return "".join(str(value).split())


LAYOUTS: dict[str | None, list[tuple[str, list[str]]]] = {
    None: [("text/plain", SINGLE)],
    # one meeting: the text, or the invitation
    "alternative": [("multipart/alternative", MULTI),
                    ("text/plain", ["Content-Transfer-Encoding", "Content-Type"]),
                    ("text/calendar", ["Content-Transfer-Encoding", "Content-Type",
                                       "MIME-Version"])],
    # a plan: the text, and the meetings as an attached file
    "attached": [("multipart/mixed", MULTI),
                 ("text/plain", ["Content-Transfer-Encoding", "Content-Type"]),
                 ("text/calendar", ["Content-Disposition", "Content-Transfer-Encoding",
                                    "Content-Type", "MIME-Version"])],
}


def assert_only_text(mail: OutgoingMail, *, calendar: str | None, name: str | None,
                     named: bool = True) -> EmailMessage:
    """The message has exactly its headers and parts (``calendar``: how a calendar part is
    laid out, None: none), and nothing a name could add; ``named``: the To shows the name
    (else it may show the address alone)."""
    message = parsed(mail)
    assert sorted(message.keys()) == (MULTI if calendar else SINGLE)
    assert not message.defects
    parts = [(p.get_content_type(), sorted(p.keys())) for p in message.walk()]
    assert parts == LAYOUTS[calendar]
    (to,) = message["To"].addresses
    assert to.addr_spec == "asa.oberg@kumla.se"
    if name is not None:
        assert spaceless(to.display_name) in ({spaceless(shown(name))} if named
                                              else {spaceless(shown(name)), ""})
    assert [a.addr_spec for a in message["From"].addresses] == ["kalender@region.se"]
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    return message


def every_mail(name: str) -> list[tuple[OutgoingMail, str | None, str | None, str]]:
    """Each kind of mail with ``name`` in every name it shows: (mail, how a calendar part
    is laid out, the member's name in To, the council's name as shown)."""
    event = OutgoingEvent("m1@council-scheduler", START, END, name, sequence=2, location=name)
    later = OutgoingEvent("m2@council-scheduler", START + dt.timedelta(days=7),
                          END + dt.timedelta(days=7), name, sequence=1, location=name)
    member = {"sender": SENDER, "recipient": "asa.oberg@kumla.se", "name": name,
              "language": "sv", "council": name}
    slots = [(START, END)]
    return [
        (meeting(name=name, council=name, event=event), "alternative", name, name),
        (meeting(name=name, council=name, event=event, method="CANCEL", reason="cancelled"),
         "alternative", name, name),
        (meeting(name=name, council=name, event=event, reason="moved", previous=(START, END)),
         "alternative", name, name),
        (meeting(name=name, council=name, event=event, part="called_in", representative=name),
         "alternative", name, name),
        (plan(name=name, council=name, representative=name,
              meetings=[(event, "standby"), (later, "called_in")]), "attached", name, name),
        (representative_mail(**member, kind="called_in", meeting_start=START, meeting_end=END,
                             zone=ZONE, party=name, substitute=name + "x", url="https://x/my/cs_x"),
         None, name, name),
        (representative_mail(**member, kind="uncovered", meeting_start=START, meeting_end=END,
                             zone=ZONE, party=name, substitute=name), None, name, name),
        (secretary("called_in", substitute=name + "x", council=name, party=name, representative=name,
                   recipient="asa.oberg@kumla.se"), None, None, name),
        (secretary("uncovered", substitute=name, council=name, party=name, representative=name,
                   recipient="asa.oberg@kumla.se"), None, None, name),
        (secretary("covered_again", substitute=None, council=name, party=name,
                   representative=name, recipient="asa.oberg@kumla.se"), None, None, name),
        (link_mail(**member, url="https://x/my/cs_x"), None, name, name),
        (poll_mail(**member, url="https://x/my/cs_x", deadline=dt.date(2027, 1, 15),
                   slots=slots, zone=ZONE, reminder=False), None, name, name),
        (poll_mail(**member, url="https://x/my/cs_x", deadline=dt.date(2027, 1, 15),
                   slots=slots, zone=ZONE, reminder=True), None, name, name),
    ]


@pytest.mark.parametrize("name", HOSTILE)
def test_encoded_words_and_line_breaks_in_any_name_never_become_a_header_a_part_or_markup(
        name: str) -> None:
    for mail, calendar, member, council in every_mail(name):
        message = assert_only_text(mail, calendar=calendar, name=member)
        assert message["Reply-To"] is None and message["Bcc"] is None
        assert shown(council) in str(message["Subject"]) or mail.kind == "secretary_called_in"
        text = body(mail)
        assert " ".join(shown(name).replace("\u200b", "").split()) in text or member is None
        assert "<b>" not in text or "<b>" in name  # the name as given, as plain text


def test_a_name_that_is_an_encoded_word_shows_as_written_in_the_subject() -> None:
    mail = link_mail(sender=SENDER, recipient="asa.oberg@kumla.se", name="Åsa",
                     language="sv", council=ENCODED, url="https://x")
    assert parsed(mail)["Subject"] == "Din personliga länk: " + ENCODED.replace("=?", "=\u200b?")


_NAMES = st.one_of(st.text(max_size=120),
                   st.text(max_size=60).map(lambda t: Header(t, "utf-8").encode()),
                   st.lists(st.sampled_from(["=?", "?=", "utf-8?q?", "=0D=0A", "\r\n", "\u2028",
                                             "\x00", '"', "\\", "<", ">", ",", ";", ":",
                                             "(", ")", "Reply-To: e@x.se", "Å", " "]),
                            max_size=20).map("".join))


@settings(max_examples=60, deadline=None)
@given(name=_NAMES)
def test_any_text_as_names_gives_exactly_the_headers_and_parts_composed(name: str) -> None:
    for mail, calendar, member, _council in every_mail(name):
        assert_only_text(mail, calendar=calendar, name=member, named=False)
        assert mail.message.isascii()


def test_an_internationalised_sender_and_recipient_are_written_as_such() -> None:
    idn = link_mail(sender="Rådet <radet@örebro.example>", recipient="asa@örebro.example",
                    name="Åsa", language="sv", council="R", url="https://x")
    assert idn.message.isascii()  # the domain as IDNA: any server takes it
    message = parsed(idn)
    assert message["From"].addresses[0].addr_spec == "radet@xn--rebro-iua.example"
    assert message["To"].addresses[0].addr_spec == "asa@xn--rebro-iua.example"
    assert idn.recipient == "asa@örebro.example" and idn.undeliverable is None
    utf8 = link_mail(sender="rådet@örebro.example", recipient="åsa@örebro.example",
                     name="Åsa", language="sv", council="R", url="https://x")
    message = parsed(utf8)  # a local part beyond ASCII: UTF-8 headers (RFC 6532)
    assert message["From"].addresses[0].addr_spec == "rådet@örebro.example"
    assert message["To"].addresses[0].addr_spec == "åsa@örebro.example"


def test_a_long_name_of_quotes_commas_and_colons_never_turns_the_to_into_other_addresses() -> None:
    name = ("Reply-To: e@x.se " + '"') * 4 + ("Reply-To: e@x.se" + ",") * 4 + "x\\y:z"
    for mail, calendar, member, _council in every_mail(name):
        message = assert_only_text(mail, calendar=calendar, name=member, named=False)
        assert [a.addr_spec for a in message["To"].addresses] == ["asa.oberg@kumla.se"]


@pytest.mark.parametrize(("part", "sv", "en", "role"), [
    ("standby", "Du är ersättare för Åke Lindén. Du är i beredskap: din ledamot kan troligen "
     "inte komma – räkna med att du behövs.", "You are the substitute for Åke Lindén. You are "
     "on standby: your representative is likely unable to come – count on being needed.",
     "REQ-PARTICIPANT"),
    ("informed", "Du är ersättare för Åke Lindén. För kännedom: din ledamot väntas komma.",
     "You are the substitute for Åke Lindén. For information: your representative is "
     "expected.", "NON-PARTICIPANT"),
    ("called_in", "Du är inkallad i stället för Åke Lindén.",
     "You are called in to stand in for Åke Lindén.", "REQ-PARTICIPANT"),
    ("absent", "Du är ersättare för Åke Lindén. Du har meddelat förhinder.",
     "You are the substitute for Åke Lindén. You have said you cannot attend.",
     "NON-PARTICIPANT"),
])
def test_a_substitutes_part_is_said_plainly_in_the_text_and_the_invitation(
        part: str, sv: str, en: str, role: str) -> None:
    url = "https://kalender.example/my/cs_abc"
    swedish = meeting(part=part, url=url, representative="Åke Lindén")
    assert sv in body(swedish)
    assert en in body(meeting(part=part, url=url, language="en", representative="Åke Lindén"))
    (event,) = icalendar.Calendar.from_ical(
        calendar_part(swedish).get_payload(decode=True)).walk("VEVENT")
    assert sv in str(event["DESCRIPTION"]) and url in str(event["DESCRIPTION"])
    assert str(event["URL"]) == url and event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert event["ATTENDEE"].params["ROLE"] == role


def test_a_substitute_called_in_without_a_name_stands_in_for_their_representative() -> None:
    assert "Du är inkallad i stället för din ledamot." in body(meeting(part="called_in"))


def test_a_representative_is_not_told_a_substitutes_part() -> None:
    text = body(meeting(url="https://kalender.example/my/cs_abc"))
    assert "ersättare" not in text and "kännedom" not in text
    with pytest.raises(ValueError):
        meeting(part="chair")


# a change of a member's own state ----------------------------------------------------------
@pytest.mark.parametrize(("reason", "part", "sv", "en", "subject"), [
    ("standby", "standby",
     "Din ledamot kan troligen inte komma till sammanträdet Kulturrådet, tisdag 2 mars 2027 "
     "kl. 13.00–16.00 – räkna med att du behövs.",
     "Your representative is likely unable to attend the meeting Kulturrådet, Tuesday "
     "2 March 2027, 13:00–16:00 – count on being needed.",
     "Räkna med att du behövs: Kulturrådet"),
    ("informed", "informed",
     "Du behövs troligen inte: din ledamot väntas komma till sammanträdet Kulturrådet, "
     "tisdag 2 mars 2027 kl. 13.00–16.00. För kännedom.",
     "You are probably not needed: your representative is expected at the meeting "
     "Kulturrådet, Tuesday 2 March 2027, 13:00–16:00. For information.",
     "Du behövs troligen inte: Kulturrådet"),
    ("absent", "absent",
     "Du har meddelat förhinder till sammanträdet Kulturrådet, tisdag 2 mars 2027 "
     "kl. 13.00–16.00; i din kalender står det nu som ledigt.",
     "You have said you cannot attend the meeting Kulturrådet, Tuesday 2 March 2027, "
     "13:00–16:00; your calendar now shows the time as free.",
     "Ditt förhinder är noterat: Kulturrådet"),
])
def test_a_change_of_a_substitutes_state_is_said_once_in_plain_words(
        reason: str, part: str, sv: str, en: str, subject: str) -> None:
    url = "https://kalender.example/my/cs_abc"
    swedish = meeting(council="Kulturrådet", reason=reason, part=part, url=url,
                      representative="Åke Lindén")
    text = body(swedish)
    assert sv in text and "Du är ersättare för Åke Lindén." in text
    said = {"standby": "räkna med att du behövs", "informed": "kännedom",
            "absent": "förhinder"}[reason]
    assert text.lower().count(said) == 1  # the change says the state: no second line of it
    assert en in body(meeting(council="Kulturrådet", reason=reason, part=part, url=url,
                              language="en", representative="Åke Lindén"))
    assert str(parsed(swedish)["Subject"]).startswith(subject)
    assert swedish.kind == f"meeting_{reason}"
    assert calendar_part(swedish).get_param("method") == "REQUEST"
    answer = ("Kan du komma ändå? Svara via din personliga länk: " if reason == "absent"
              else "Kan du inte komma? Svara via din personliga länk: ")
    assert answer + url in text


def test_a_substitute_not_needed_because_another_is_called_in_is_told_so() -> None:
    text = body(meeting(council="Kulturrådet", reason="informed", part="informed",
                        representative="Åke Lindén", other_called_in=True))
    assert ("Du behövs inte: en annan ersättare är inkallad till sammanträdet Kulturrådet, "
            "tisdag 2 mars 2027 kl. 13.00–16.00. För kännedom.") in text
    assert "väntas komma" not in text
    moved = body(meeting(council="Kulturrådet", reason="moved", part="informed",
                         representative="Åke Lindén", other_called_in=True, language="en"))
    assert "For information: another substitute is called in." in moved
    assert "expected" not in moved


def test_a_representative_back_from_an_absence_is_told_they_are_expected() -> None:
    text = body(meeting(council="Kulturrådet", reason="expected", part="expected"))
    assert ("Du väntas komma till sammanträdet Kulturrådet, tisdag 2 mars 2027 kl. 13.00–16.00; "
            "i din kalender står det nu som upptaget.") in text
    assert "ersättare" not in text


@pytest.mark.parametrize(("cover", "said", "kind", "subject"), [
    (Cover("called_in", "Kumla kommun", "Åke Lindén"),
     ["Din ersättare Åke Lindén är inkallad till sammanträdet tisdag 2 mars 2027 "
      "kl. 13.00–16.00 (Kulturrådet)."],
     "representative_called_in", "Din ersättare är inkallad: Kulturrådet"),
    (Cover("uncovered", "Kumla kommun", "Åke Lindén"),
     ["Ingen kan företräda Kumla kommun vid sammanträdet",
      "Både du och din ersättare Åke Lindén har meddelat förhinder.",
      "Sekreteraren har fått veta det."],
     "representative_uncovered", "Ingen kan företräda Kumla kommun: Kulturrådet"),
    (Cover("uncovered", "Kumla kommun", None),
     ["Du har meddelat förhinder, och det finns ingen ersättare."],
     "representative_uncovered", "Ingen kan företräda Kumla kommun: Kulturrådet"),
])
def test_a_representatives_absence_and_who_covers_for_them_are_one_mail_with_the_meeting_freed(
        cover: Cover, said: list[str], kind: str, subject: str) -> None:
    free = OutgoingEvent(EVENT.uid, START, END, "Kulturrådet (du har meddelat förhinder)",
                         sequence=3, transparent=True)
    mail = meeting(council="Kulturrådet", reason="absent", part="absent", event=free,
                   cover=cover, url="https://kalender.example/my/cs_abc")
    text = body(mail)
    assert "Du har meddelat förhinder till sammanträdet Kulturrådet" in text
    for words in said:
        assert words in text
    assert "Kan du komma ändå? Svara via din personliga länk: https://kalender.example/my/cs_abc" \
        in text
    assert mail.kind == kind and str(parsed(mail)["Subject"]).startswith(subject)
    (event,) = icalendar.Calendar.from_ical(
        calendar_part(mail).get_payload(decode=True)).walk("VEVENT")
    assert (str(event["TRANSP"]), int(event["SEQUENCE"])) == ("TRANSPARENT", 3)
    assert event["ATTENDEE"].params["ROLE"] == "NON-PARTICIPANT"
    with pytest.raises(ValueError):
        meeting(reason="absent", part="absent", cover=Cover("called_in", "Kumla kommun", None))


# a confirmed plan: one mail per member ---------------------------------------------------
LATER = OutgoingEvent("m2@council-scheduler", dt.datetime(2027, 4, 13, 9, tzinfo=STOCKHOLM),
                      dt.datetime(2027, 4, 13, 12, tzinfo=STOCKHOLM),
                      "Samverkansrådet för kultur (för kännedom: din ledamot väntas komma)",
                      transparent=True, sequence=1, location="Länsmuseet, Örebro")
URL = "https://kalender.example/my/cs_abc"


def plan(**changes: Any) -> OutgoingMail:
    fields: dict[str, Any] = {
        "sender": SENDER, "recipient": "asa.oberg@kumla.se", "name": "Åsa Öberg",
        "language": "sv", "council": "Kulturrådet", "zone": ZONE,
        "meetings": [(LATER, "informed"), (EVENT, "standby")], "url": URL,
        "representative": "Åke Lindén", "dedupe_key": "plan:asa"}
    return plan_mail(**{**fields, **changes})


def attached(mail: OutgoingMail) -> bytes:
    (part,) = [p for p in parsed(mail).walk() if p.get_content_type() == "text/calendar"]
    assert part.get_content_disposition() == "attachment"
    assert part.get_param("method") == "PUBLISH"
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data


def test_a_confirmed_plan_is_one_mail_naming_every_date_place_and_part_in_order() -> None:
    mail = plan()
    assert (mail.kind, mail.dedupe_key) == ("meetings_confirmed", "plan:asa")
    assert mail.subject == "Bekräftade sammanträden: Kulturrådet 2 mars 2027 – 13 april 2027"
    text = body(mail)
    assert text.startswith("Hej Åsa Öberg,\n\nSammanträdena är bekräftade: Kulturrådet.\n\n"
                           "Du är ersättare för Åke Lindén.\n\n")
    assert ("– tisdag 2 mars 2027 kl. 13.00–16.00\n"
            "  Plats: Länsmuseet, Örebro\n"
            "  Du är i beredskap: din ledamot kan troligen inte komma – räkna med att du behövs.\n"
            "– tisdag 13 april 2027 kl. 09.00–12.00\n"
            "  Plats: Länsmuseet, Örebro\n"
            "  För kännedom: din ledamot väntas komma.") in text
    assert f"Svara via din personliga länk: {URL}" in text
    assert "bifogade kalenderfilen sammantraden.ics" in text
    english = plan(language="en")
    assert english.subject == "Meetings confirmed: Kulturrådet, 2 March 2027 – 13 April 2027"
    assert ("– Tuesday 2 March 2027, 13:00–16:00\n  Place: Länsmuseet, Örebro\n"
            "  You are on standby: your representative is likely unable to come – count on "
            "being needed.\n") in body(english)
    assert "meetings.ics" in body(english)


def test_the_plans_meetings_are_attached_as_one_publication_of_the_feeds_events() -> None:
    mail = plan()
    message = parsed(mail)
    assert message.get_content_type() == "multipart/mixed"
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "sammantraden.ics"
    data = attached(mail)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert [(str(e["UID"]), e["SEQUENCE"], str(e["TRANSP"])) for e in events] == [
        ("m1@council-scheduler", 2, "OPAQUE"), ("m2@council-scheduler", 1, "TRANSPARENT")]
    assert str(events[1]["SUMMARY"]) == LATER.summary
    for event in events:  # nobody is asked anything: no attendee, no reply buttons
        assert "ATTENDEE" not in event
        assert str(event["ORGANIZER"]) == "mailto:kalender@region.se"
        assert str(event["URL"]) == URL and URL in str(event["DESCRIPTION"])
    assert "räkna med att du behövs" in str(events[0]["DESCRIPTION"])
    strict = ical_js(data)
    assert strict["method"] == "PUBLISH"
    assert [(e["uid"], e["sequence"], e["transp"]) for e in strict["events"]] == [
        ("m1@council-scheduler", 2, "OPAQUE"), ("m2@council-scheduler", 1, "TRANSPARENT")]


def test_a_representatives_plan_says_nothing_of_a_substitutes_part() -> None:
    mail = plan(meetings=[(EVENT, "expected"), (LATER, "expected")],
                representative=None)
    text = body(mail)
    assert "ersättare" not in text and "kännedom" not in text and "behövs" not in text
    assert "– tisdag 2 mars 2027 kl. 13.00–16.00\n  Plats: Länsmuseet, Örebro\n– " in text
    assert "Du har meddelat förhinder." in body(
        plan(meetings=[(EVENT, "absent"), (LATER, "expected")], representative=None))


def test_a_plan_needs_meetings_of_known_parts() -> None:
    with pytest.raises(ValueError):
        plan(meetings=[])
    with pytest.raises(ValueError):
        plan(meetings=[(EVENT, "chair")])


# the representative told of their cover -----------------------------------------------------
def cover(kind: str, substitute: str | None = "Örjan Åkesson", **changes: Any) -> OutgoingMail:
    fields: dict[str, Any] = {
        "sender": SENDER, "recipient": "ake.linden@ljusnarsberg.se", "name": "Åke Lindén",
        "language": "sv", "council": "Kulturrådet", "kind": kind, "meeting_start": START,
        "meeting_end": END, "zone": ZONE, "party": "Ljusnarsbergs kommun",
        "substitute": substitute, "url": URL}
    return representative_mail(**{**fields, **changes})


def test_a_representative_is_told_their_substitute_is_called_in() -> None:
    mail = cover("called_in")
    assert (mail.kind, mail.subject) == ("representative_called_in",
                                         "Din ersättare är inkallad: Kulturrådet 2 mars 2027")
    text = body(mail)
    assert text.startswith("Hej Åke Lindén,\n")
    assert ("Din ersättare Örjan Åkesson är inkallad till sammanträdet tisdag 2 mars 2027 "
            "kl. 13.00–16.00 (Kulturrådet).") in text
    assert f"Kan du komma ändå? Svara via din personliga länk: {URL}" in text
    assert not [p for p in parsed(mail).walk() if p.get_content_type() == "text/calendar"]
    assert ("Your substitute Örjan Åkesson is called in to the meeting on Tuesday 2 March 2027, "
            "13:00–16:00 (Kulturrådet).") in body(cover("called_in", language="en"))


def test_a_representative_is_told_nobody_can_represent_the_party_and_the_secretary_knows() -> None:
    both = body(cover("uncovered"))
    assert ("Ingen kan företräda Ljusnarsbergs kommun vid sammanträdet tisdag 2 mars 2027 "
            "kl. 13.00–16.00 (Kulturrådet). Både du och din ersättare Örjan Åkesson har "
            "meddelat förhinder. Sekreteraren har fått veta det.") in both
    alone = body(cover("uncovered", substitute=None))
    assert "Du har meddelat förhinder, och det finns ingen ersättare." in alone
    assert cover("uncovered").subject == "Ingen kan företräda Ljusnarsbergs kommun: Kulturrådet 2 mars 2027"
    assert "The secretary has been told." in body(cover("uncovered", language="en"))


def test_representative_mail_refuses_an_unknown_kind_or_a_call_in_without_a_substitute() -> None:
    with pytest.raises(ValueError):
        cover("called_in", substitute=None)
    with pytest.raises(ValueError):
        cover("covered_again")


# a long subject keeps its spaces where it is folded ---------------------------------------
LONG_COUNCIL = "Specifika samverkansrådet för kultur, Region Örebro län"


@pytest.mark.parametrize("kind", ["called_in", "uncovered", "covered_again"])
def test_a_long_swedish_subject_reads_back_with_every_space(kind: str) -> None:
    mail = secretary(kind, council=LONG_COUNCIL, party="Ljusnarsbergs kommun")
    read = str(parsed(mail)["Subject"])
    assert LONG_COUNCIL in read  # not "samverkansrådetför" where the line was folded
    assert read == mail.subject
    assert all(len(line) <= 78 for line in mail.message.split("\n\n")[0].splitlines())
    assert mail.message.isascii()
