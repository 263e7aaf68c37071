"""A generated member calendar as Outlook would export it: titles, attendees, alarms."""

from __future__ import annotations

import datetime as dt
import random

from scheduler.demo_calendars import OUTLOOK_ZONE


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def member_calendar(events: int = 2000, series: int = 200, year: int = 2027, seed: int = 7) -> bytes:
    """An .ics of ``events`` VEVENTs, ``series`` of them recurring, over ``year``."""
    rng = random.Random(seed)
    out = ["BEGIN:VCALENDAR", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
           "VERSION:2.0", "METHOD:PUBLISH", OUTLOOK_ZONE]
    tz = ";TZID=W. Europe Standard Time"
    for n in range(events):
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))
        start = dt.datetime.combine(day, dt.time(rng.choice(range(7, 18)), rng.choice((0, 30))))
        end = start + dt.timedelta(minutes=rng.choice((30, 60, 90, 120, 180)))
        lines = ["BEGIN:VEVENT", f"UID:040000008200E00074C5B7101A82E008{n:08d}",
                 f"DTSTAMP:{year - 1}1201T080000Z",
                 f"DTSTART{tz}:{_stamp(start)}", f"DTEND{tz}:{_stamp(end)}",
                 f"SUMMARY;LANGUAGE=sv-SE:Sammanträde {n} om budget och verksamhetsplan",
                 f"LOCATION:Sessionssalen\\, Stadshuset plan {n % 5}",
                 "DESCRIPTION:" + "Dagordning: " + "ärende\\, beslut\\, information. " * 6,
                 f"X-MICROSOFT-CDO-BUSYSTATUS:{rng.choice(['BUSY'] * 8 + ['TENTATIVE', 'OOF'])}",
                 "ORGANIZER;CN=Kansliet:mailto:kansli@example.invalid"]
        lines += [f"ATTENDEE;CN=Ledamot {a};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE:"
                  f"mailto:ledamot{a}@example.invalid" for a in range(rng.randrange(2, 12))]
        if n < series:
            freq = rng.choice(["WEEKLY", "WEEKLY;INTERVAL=2", "MONTHLY", "DAILY;COUNT=5"])
            lines.append(f"RRULE:FREQ={freq}")
            if n % 3 == 0:
                skipped = start + dt.timedelta(weeks=2)
                lines.append(f"EXDATE{tz}:{_stamp(skipped)}")
        lines += ["BEGIN:VALARM", "TRIGGER:-PT15M", "ACTION:DISPLAY", "DESCRIPTION:Reminder",
                  "END:VALARM", "END:VEVENT"]
        out += lines
    out.append("END:VCALENDAR")
    return ("\r\n".join(out) + "\r\n").encode()
