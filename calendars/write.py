"""Events out as an iCalendar document (RFC 5545), knowing nothing of councils.

Times are written in UTC, so no VTIMEZONE is needed and every client reads them alike.
Every text value is escaped as RFC 5545 TEXT (line breaks become ``\\n``, control
characters are left out), so no name or place can end a line or start a component, and
every line is folded at 75 octets without cutting a character in two. The same events
give the same bytes. An event may name its organizer and attendees (for iTIP/iMIP,
RFC 5546): their addresses are checked, and a common name is always quoted with RFC 6868
escapes, so neither can add a parameter or a line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ["OutgoingEvent", "write_calendar"]

_PRODID = "-//council-scheduler//meetings//EN"
_STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})
# RFC 5545 section 3.2.16: what an attendee is asked to be (CHAIR is never ours to give)
_ROLES = frozenset({"REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT"})
_METHOD = re.compile(r"[A-Z][A-Z0-9-]*")
# Python's str.splitlines and some readers end a line at any of these: written as \n.
_LINE_BREAKS = re.compile("\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# RFC 5545 TEXT allows no other control character but HTAB.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f]")
_FOLD_AT = 75  # octets, RFC 5545 section 3.1
# A mail address as a calendar user address: one @, nothing that could end the value,
# start a parameter, or be read as another list item or URI part.
_ADDRESS = re.compile(r"[^\s\x00-\x1f\x7f\"<>()\[\]\\,;:@]+@[^\s\x00-\x1f\x7f\"<>()\[\]\\,;:@]+")
_MAILTO = re.compile("mailto:", re.IGNORECASE)
_URI = re.compile(r"https?://[\x21-\x7e]+", re.IGNORECASE)


@dataclass(frozen=True)
class OutgoingEvent:
    """One event to publish."""

    uid: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    status: str = "CONFIRMED"  # TENTATIVE, CONFIRMED or CANCELLED
    transparent: bool = False  # the event leaves its attendee's time free
    sequence: int = 0
    location: str | None = None
    description: str | None = None
    url: str | None = None  # an absolute http(s) address about the event (URL)
    stamp: dt.datetime | None = None  # when this event last changed; defaults to now
    organizer: str | None = None  # a mail address, with or without "mailto:"
    organizer_name: str | None = None  # the organizer's common name (CN)
    attendees: tuple[str, ...] = ()  # mail addresses, with or without "mailto:"
    attendee_role: str = "REQ-PARTICIPANT"  # or OPT-PARTICIPANT, NON-PARTICIPANT (for information)


def write_calendar(events: Sequence[OutgoingEvent], *, name: str, method: str = "PUBLISH",
                   stamp: dt.datetime | None = None, refresh: dt.timedelta | None = None) -> bytes:
    """The events as iCalendar bytes (UTF-8, CRLF, folded), with DTSTAMP on every event.

    ``name`` is the calendar's display name; ``refresh`` how often subscribers should
    fetch it again. A cancelled event stays in, marked cancelled and free. Raises
    ValueError for a time without a zone, an end not after its start, an unknown status,
    method or attendee role, a negative sequence, an organizer or attendee that is not a mail address,
    or a refresh that is not a positive whole number of minutes.
    """
    if not _METHOD.fullmatch(method):
        raise ValueError(f"method {method!r} is not an iCalendar method")
    stamp = _utc(stamp, "stamp") if stamp is not None else dt.datetime.now(dt.UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_PRODID}", f"METHOD:{method}",
             f"NAME:{_text(name)}", f"X-WR-CALNAME:{_text(name)}"]
    if refresh is not None:
        every = _duration(refresh)
        lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{every}", f"X-PUBLISHED-TTL:{every}"]
    for item in events:
        lines += _event(item, stamp)
    lines.append("END:VCALENDAR")
    return b"".join(_fold(line) for line in lines)


def _event(item: OutgoingEvent, stamp: dt.datetime) -> Iterator[str]:
    start, end = _utc(item.start, "start"), _utc(item.end, "end")
    if end <= start:
        raise ValueError(f"event {item.uid!r} ends at {end:%Y-%m-%d %H:%M:%S}Z, not after it starts")
    if item.status not in _STATUSES:
        raise ValueError(f"event {item.uid!r} has status {item.status!r}, not one of "
                         f"{', '.join(sorted(_STATUSES))}")
    if item.sequence < 0:
        raise ValueError(f"event {item.uid!r} has a negative sequence")
    if item.attendee_role not in _ROLES:
        raise ValueError(f"event {item.uid!r} has attendee role {item.attendee_role!r}, not one "
                         f"of {', '.join(sorted(_ROLES))}")
    free = item.transparent or item.status == "CANCELLED"
    yield "BEGIN:VEVENT"
    yield f"UID:{_text(item.uid)}"
    yield f"DTSTAMP:{_time(_utc(item.stamp, 'stamp') if item.stamp is not None else stamp)}"
    yield f"DTSTART:{_time(start)}"
    yield f"DTEND:{_time(end)}"
    yield f"SEQUENCE:{int(item.sequence)}"
    yield f"STATUS:{item.status}"
    yield f"SUMMARY:{_text(item.summary)}"
    if item.location:
        yield f"LOCATION:{_text(item.location)}"
    if item.description:
        yield f"DESCRIPTION:{_text(item.description)}"
    if item.url:
        yield f"URL:{_uri(item.url, item.uid)}"
    if item.organizer is not None:
        name = f";CN={_param(item.organizer_name)}" if item.organizer_name else ""
        yield f"ORGANIZER{name}:{_mailto(item.organizer, item.uid)}"
    for attendee in item.attendees:
        # no reply is asked for: a reply by mail would reach nobody who acts on it
        yield (f"ATTENDEE;ROLE={item.attendee_role};PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
               f"{_mailto(attendee, item.uid)}")
    yield f"TRANSP:{'TRANSPARENT' if free else 'OPAQUE'}"
    # Outlook's own word for the time, as documented in [MS-OXCICAL]: FREE, TENTATIVE, BUSY.
    busy = "FREE" if free else "TENTATIVE" if item.status == "TENTATIVE" else "BUSY"
    yield f"X-MICROSOFT-CDO-BUSYSTATUS:{busy}"
    yield "END:VEVENT"


def _utc(when: dt.datetime, what: str) -> dt.datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what} {when.isoformat()} has no time zone")
    return when.astimezone(dt.UTC).replace(microsecond=0)


def _time(when: dt.datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """``value`` as an RFC 5545 TEXT value (section 3.3.11), safe inside one line."""
    value = _CONTROLS.sub("", value).encode("utf-8", "replace").decode("utf-8")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _LINE_BREAKS.sub(r"\\n", value)


def _uri(value: str, uid: str) -> str:
    """``value`` as an RFC 5545 URI value: an http(s) address of printable ASCII only."""
    if not _URI.fullmatch(value):
        raise ValueError(f"event {uid!r}: the URL is not an http(s) address of printable ASCII")
    return value


def _param(value: str) -> str:
    """``value`` as a quoted parameter value (RFC 5545 section 3.2, RFC 6868 escapes):
    line breaks become spaces, control characters are left out."""
    value = _LINE_BREAKS.sub(" ", value)
    value = _CONTROLS.sub("", value.replace("\t", " ")).encode("utf-8", "replace").decode("utf-8")
    return '"' + value.replace("^", "^^").replace('"', "^'") + '"'


def _mailto(address: str, uid: str) -> str:
    """``address`` as a ``mailto:`` calendar user address; ValueError if it is none."""
    bare = address[len("mailto:"):] if _MAILTO.match(address) else address
    if not _ADDRESS.fullmatch(bare):
        raise ValueError(f"event {uid!r} names {address!r}, which is not a mail address")
    return f"mailto:{bare}"


def _duration(span: dt.timedelta) -> str:
    """``span`` as an RFC 5545 DURATION value (section 3.3.6), e.g. PT1H or P1DT2H5M.

    Whole minutes only: [MS-OXCICAL] gives X-PUBLISHED-TTL a granularity of minutes.
    """
    if span <= dt.timedelta(0) or span % dt.timedelta(minutes=1):
        raise ValueError(f"refresh {span} is not a positive whole number of minutes")
    hours, minutes = divmod(span.seconds // 60, 60)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return f"P{f'{span.days}D' if span.days else ''}{f'T{time}' if time else ''}"


def _fold(line: str) -> bytes:
    """One content line as octets ending in CRLF, folded at 75 octets between characters."""
    folded = bytearray()
    width = 0
    for char in line:
        octets = char.encode("utf-8", "replace")
        if width + len(octets) > _FOLD_AT:
            folded += b"\r\n "
            width = 1
        folded += octets
        width += len(octets)
    return bytes(folded + b"\r\n")
