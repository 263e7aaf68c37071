"""Generated member calendars in the styles of real exports, for the demo council.

Events are planned as plain values (:class:`Plan`), then written in one of four
styles: Outlook (Windows zone names, busy statuses, series with moved and deleted
occurrences), Google (UTC times, X-WR-TIMEZONE, cancelled occurrences), Apple
(Europe/Stockholm, tentative holds) and a published free/busy file. A body's meeting
plan (sammanträdesplan) is written as a municipality's web site publishes it: one event
per meeting. :func:`published` cuts a plan as Exchange publishes a calendar: one-off
events only some months ahead, series in full.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

__all__ = ["OUTLOOK_ZONE", "STAMP", "Plan", "Series", "Single", "published", "write_meeting_plan",
           "write_style"]

STAMP = "20261115T080000Z"
"""When the files say they were written, unless told otherwise."""

_STOCKHOLM = "Europe/Stockholm"


@dataclass
class Single:
    """A one-off event: timed (``start`` datetime) or all-day (``start`` date)."""

    uid: str
    title: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    status: str = "busy"  # busy | tentative | oof | free


@dataclass
class Series:
    """A weekly series with an interval, moved and deleted occurrences."""

    uid: str
    title: str
    first: dt.datetime
    duration: dt.timedelta
    interval: int
    until: dt.date
    deleted: list[dt.datetime] = field(default_factory=list)
    moved: dict[dt.datetime, dt.datetime] = field(default_factory=dict)


@dataclass
class Plan:
    """Everything in one member's calendar."""

    owner: str
    singles: list[Single] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)


OUTLOOK_ZONE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE"""

_APPLE_ZONE = """BEGIN:VTIMEZONE
TZID:Europe/Stockholm
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:CEST
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:CET
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE"""


def _local(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


_CDO = {"busy": "BUSY", "tentative": "TENTATIVE", "oof": "OOF", "free": "FREE"}


def _outlook(plan: Plan, stamp: str) -> list[str]:
    tz = ";TZID=W. Europe Standard Time"
    out = ["PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN", "VERSION:2.0",
           "METHOD:PUBLISH", "X-WR-CALNAME:Kalender", OUTLOOK_ZONE]
    for s in plan.series:
        out += ["BEGIN:VEVENT", f"UID:{s.uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{s.title}",
                f"DTSTART{tz}:{_local(s.first)}", f"DTEND{tz}:{_local(s.first + s.duration)}",
                f"RRULE:FREQ=WEEKLY;INTERVAL={s.interval};UNTIL={_date(s.until)}T225959Z",
                *[f"EXDATE{tz}:{_local(d)}" for d in s.deleted],
                "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "END:VEVENT"]
        for old, new in s.moved.items():
            out += ["BEGIN:VEVENT", f"UID:{s.uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{s.title}",
                    f"RECURRENCE-ID{tz}:{_local(old)}", f"DTSTART{tz}:{_local(new)}",
                    f"DTEND{tz}:{_local(new + s.duration)}", "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
                    "END:VEVENT"]
    for e in plan.singles:
        if isinstance(e.start, dt.datetime):
            when = [f"DTSTART{tz}:{_local(e.start)}", f"DTEND{tz}:{_local(e.end)}"]  # type: ignore[arg-type]
        else:
            when = [f"DTSTART;VALUE=DATE:{_date(e.start)}", f"DTEND;VALUE=DATE:{_date(e.end)}"]
        out += ["BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{e.title}", *when,
                f"X-MICROSOFT-CDO-BUSYSTATUS:{_CDO[e.status]}", "BEGIN:VALARM", "TRIGGER:-PT15M",
                "ACTION:DISPLAY", "DESCRIPTION:Påminnelse", "END:VALARM", "END:VEVENT"]
    return out


def _google(plan: Plan, stamp: str) -> list[str]:
    out = ["PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0", "CALSCALE:GREGORIAN",
           "METHOD:PUBLISH", f"X-WR-CALNAME:{plan.owner}", f"X-WR-TIMEZONE:{_STOCKHOLM}"]
    for s in plan.series:
        out += ["BEGIN:VEVENT", f"DTSTART;TZID={_STOCKHOLM}:{_local(s.first)}",
                f"DTEND;TZID={_STOCKHOLM}:{_local(s.first + s.duration)}",
                f"RRULE:FREQ=WEEKLY;WKST=MO;INTERVAL={s.interval};UNTIL={_date(s.until)}T225959Z",
                f"DTSTAMP:{stamp}", f"UID:{s.uid}", f"SUMMARY:{s.title}", "END:VEVENT"]
        for old in s.deleted:  # Google writes a deleted occurrence as a cancelled override
            out += ["BEGIN:VEVENT", f"DTSTART:{_utc(old)}", f"DTEND:{_utc(old + s.duration)}",
                    f"RECURRENCE-ID:{_utc(old)}", f"DTSTAMP:{stamp}", f"UID:{s.uid}",
                    "STATUS:CANCELLED", "END:VEVENT"]
        for old, new in s.moved.items():
            out += ["BEGIN:VEVENT", f"DTSTART:{_utc(new)}", f"DTEND:{_utc(new + s.duration)}",
                    f"RECURRENCE-ID:{_utc(old)}", f"DTSTAMP:{stamp}", f"UID:{s.uid}",
                    f"SUMMARY:{s.title}", "END:VEVENT"]
    for e in plan.singles:
        if isinstance(e.start, dt.datetime):
            when = [f"DTSTART:{_utc(e.start)}", f"DTEND:{_utc(e.end)}"]  # type: ignore[arg-type]
        else:
            when = [f"DTSTART;VALUE=DATE:{_date(e.start)}", f"DTEND;VALUE=DATE:{_date(e.end)}"]
        extra = {"free": ["TRANSP:TRANSPARENT"], "tentative": ["STATUS:TENTATIVE"],
                 "oof": [], "busy": []}[e.status]
        out += ["BEGIN:VEVENT", *when, f"DTSTAMP:{stamp}", f"UID:{e.uid}", f"SUMMARY:{e.title}",
                *extra, "END:VEVENT"]
    return out


def _apple(plan: Plan, stamp: str) -> list[str]:
    tz = f";TZID={_STOCKHOLM}"
    out = ["VERSION:2.0", "PRODID:-//Apple Inc.//macOS 14.4//EN", "CALSCALE:GREGORIAN", _APPLE_ZONE]
    for s in plan.series:
        out += ["BEGIN:VEVENT", f"UID:{s.uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{s.title}",
                f"DTSTART{tz}:{_local(s.first)}", f"DTEND{tz}:{_local(s.first + s.duration)}",
                f"RRULE:FREQ=WEEKLY;INTERVAL={s.interval};UNTIL={_date(s.until)}T225959Z",
                *[f"EXDATE{tz}:{_local(d)}" for d in s.deleted], "END:VEVENT"]
        for old, new in s.moved.items():
            out += ["BEGIN:VEVENT", f"UID:{s.uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{s.title}",
                    f"RECURRENCE-ID{tz}:{_local(old)}", f"DTSTART{tz}:{_local(new)}",
                    f"DTEND{tz}:{_local(new + s.duration)}", "END:VEVENT"]
    for e in plan.singles:
        if isinstance(e.start, dt.datetime):
            when = [f"DTSTART{tz}:{_local(e.start)}", f"DTEND{tz}:{_local(e.end)}"]  # type: ignore[arg-type]
        else:
            when = [f"DTSTART;VALUE=DATE:{_date(e.start)}", f"DTEND;VALUE=DATE:{_date(e.end)}"]
        extra = {"free": ["TRANSP:TRANSPARENT"], "tentative": ["STATUS:TENTATIVE"],
                 "oof": ["X-MICROSOFT-CDO-BUSYSTATUS:OOF"], "busy": []}[e.status]
        out += ["BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{e.title}", *when,
                *extra, "END:VEVENT"]
    return out


def _occurrences(s: Series) -> list[tuple[dt.datetime, dt.datetime]]:
    found, moment = [], s.first
    while moment.date() <= s.until:
        if moment not in s.deleted:
            start = s.moved.get(moment, moment)
            found.append((start, start + s.duration))
        moment += dt.timedelta(weeks=s.interval)
    return found


def _freebusy(plan: Plan, stamp: str, zone: dt.tzinfo) -> list[str]:
    kinds = {"busy": "BUSY", "tentative": "BUSY-TENTATIVE", "oof": "BUSY-UNAVAILABLE"}
    periods: list[tuple[str, dt.datetime, dt.datetime]] = []
    for s in plan.series:
        periods += [("busy", a, b) for a, b in _occurrences(s)]
    for e in plan.singles:
        if e.status == "free":
            continue
        start = e.start if isinstance(e.start, dt.datetime) else \
            dt.datetime.combine(e.start, dt.time(), tzinfo=zone)
        end = e.end if isinstance(e.end, dt.datetime) else \
            dt.datetime.combine(e.end, dt.time(), tzinfo=zone)
        periods.append((e.status, start, end))
    periods.sort(key=lambda p: p[1])
    lines = ["VERSION:2.0", "PRODID:-//Kommunens kalenderserver//Fri-upptagen//SV", "METHOD:PUBLISH",
             "BEGIN:VFREEBUSY", f"UID:freebusy-{plan.owner}", f"DTSTAMP:{stamp}"]
    for kind, start, end in periods:
        lines.append(f"FREEBUSY;FBTYPE={kinds[kind]}:{_utc(start)}/{_utc(end)}")
    lines.append("END:VFREEBUSY")
    return lines


def _day_of(moment: dt.datetime | dt.date) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def published(plan: Plan, until: dt.date, *, series: bool = False) -> Plan:
    """``plan`` as a calendar that publishes events starting before ``until`` only: one-off
    events after it are left out; series go on in full unless ``series`` (a published
    free/busy file expands everything, so it ends there too)."""
    singles = [e for e in plan.singles if _day_of(e.start) < until]
    kept = list(plan.series)
    if series:
        last = until - dt.timedelta(days=1)
        kept = [dataclasses.replace(s, until=min(s.until, last),
                                    deleted=[d for d in s.deleted if d.date() <= last],
                                    moved={a: b for a, b in s.moved.items() if a.date() <= last})
                for s in plan.series if s.first.date() <= last]
    return Plan(plan.owner, singles, kept)


def write_meeting_plan(name: str, meetings: list[Single], stamp: str = STAMP) -> bytes:
    """A body's meeting plan as its web site publishes it: one event per meeting, local
    times in Europe/Stockholm; an all-day ``oof`` event (a school holiday) says so."""
    tz = f";TZID={_STOCKHOLM}"
    out = ["VERSION:2.0", "PRODID:-//Kommunens webbplats//Sammanträdesplan//SV", "METHOD:PUBLISH",
           "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{name}", f"X-WR-TIMEZONE:{_STOCKHOLM}", _APPLE_ZONE]
    for e in meetings:
        if isinstance(e.start, dt.datetime):
            when = [f"DTSTART{tz}:{_local(e.start)}", f"DTEND{tz}:{_local(e.end)}"]  # type: ignore[arg-type]
        else:
            when = [f"DTSTART;VALUE=DATE:{_date(e.start)}", f"DTEND;VALUE=DATE:{_date(e.end)}"]
        out += ["BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{e.title}", *when,
                f"X-MICROSOFT-CDO-BUSYSTATUS:{_CDO[e.status]}", "END:VEVENT"]
    return ("\r\n".join(["BEGIN:VCALENDAR", *out, "END:VCALENDAR"]) + "\r\n").encode("utf-8")


def write_style(plan: Plan, style: str, zone: dt.tzinfo, stamp: str = STAMP) -> bytes:
    """The plan as an .ics in ``style`` (outlook, google, apple or freebusy)."""
    body = {"outlook": lambda: _outlook(plan, stamp), "google": lambda: _google(plan, stamp),
            "apple": lambda: _apple(plan, stamp),
            "freebusy": lambda: _freebusy(plan, stamp, zone)}[style]()
    return ("\r\n".join(["BEGIN:VCALENDAR", *body, "END:VCALENDAR"]) + "\r\n").encode("utf-8")
