"""Where a calendar's one-off events end: its last non-recurring busy interval, wherever it
lies, found without expanding any series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component

from .budget import Budget
from .errors import CalendarError, CalendarLimitError
from .expand import event_length, expand_events, series_uid, to_aware
from .freebusy import freebusy_intervals
from .model import BusyInterval

__all__ = ["last_one_off"]

# an occurrence may end a little past where its DTSTART and length say (an all-day event
# written without an end, a floating time across a change of clocks): read that much around
_SLACK = dt.timedelta(days=2)
_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)
_Span = tuple[dt.datetime, dt.datetime]


def _instant(value: dt.date, zone: ZoneInfo) -> dt.datetime:
    """An aware time as it is (to compare, not to show), else as ``to_aware`` reads it."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    return to_aware(value, zone)


def _span(events: Sequence[Component], zone: ZoneInfo) -> _Span | None:
    """From the earliest DTSTART of one UID's components to the latest end they name (DTEND,
    else DTSTART plus its length), widened by the slack; None for one whose times cannot be
    computed (it is left out)."""
    try:
        starts: list[dt.datetime] = []
        ends: list[dt.datetime] = []
        for event in events:
            begin = getattr(event.get("DTSTART"), "dt", None)
            if not isinstance(begin, dt.date):
                continue
            first = _instant(begin, zone)
            finish = getattr(event.get("DTEND"), "dt", None)
            starts.append(first)
            ends.append(_instant(finish, zone) if isinstance(finish, dt.date)
                        else first + event_length(event))
        if not starts:
            return None
        return min(starts) - _SLACK, max(starts + ends) + _SLACK
    except (OverflowError, TypeError, ValueError):
        return None


def _latest(intervals: Iterable[BusyInterval | None]) -> BusyInterval | None:
    """The one-off interval of positive length that ends last (ties: the latest start, the
    strongest status, then the UID), or None."""
    kept = [i for i in intervals if i is not None and not i.recurring and i.end > i.start]
    return max(kept, key=lambda i: (i.end, i.start, i.status.rank, i.uid), default=None)


def last_one_off(calendar: Calendar, *, zone: ZoneInfo, email: str | None,
                 budget: Budget) -> BusyInterval | None:
    """The calendar's non-recurring busy interval of positive length that ends last,
    wherever it lies, exactly as ``expand_events`` and ``freebusy_intervals`` read it over
    any window that holds it; None when it has none.

    Nothing recurring is expanded: the events of UIDs with an RRULE or RDATE are left out,
    and the one-off events are read latest first, in batches that double, only until the
    latest busy one is found (events that leave their owner free, a holiday calendar's
    for instance, are read past). ``budget`` gives the deadline.
    """
    recurring = {series_uid(event) for event in calendar.walk("VEVENT")
                 if "RRULE" in event or "RDATE" in event}
    by_uid: dict[str, list[Component]] = {}
    for event in calendar.walk("VEVENT"):
        uid = series_uid(event)
        if uid not in recurring:
            by_uid.setdefault(uid, []).append(event)
    spans = sorted(((span, uid) for uid, events in by_uid.items()
                    if (span := _span(events, zone)) is not None),
                   key=lambda found: found[0][1], reverse=True)
    zones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]

    def read(batch: Sequence[tuple[_Span, str]]) -> list[BusyInterval]:
        """The busy intervals of the batch's events; a UID whose times cannot be read is
        left out (read alone, so that it leaves out no other)."""
        part = Calendar()
        part.subcomponents = [*zones, *(e for _span, uid in batch for e in by_uid[uid])]
        try:
            return expand_events(part, min(span[0] for span, _uid in batch),
                                 max(span[1] for span, _uid in batch), zone=zone,
                                 email=email, budget=budget, warnings=[])
        except CalendarLimitError:
            raise
        except CalendarError:  # times beyond what a date can hold
            return [] if len(batch) == 1 else [i for one in batch for i in read([one])]

    found = _latest(freebusy_intervals(calendar, _EARLIEST, _LATEST, zone=zone, warnings=[]))
    done, size = 0, 1
    while done < len(spans):
        batch = spans[done:done + size]
        if found is not None and batch[0][0][1] < found.end:
            break  # nothing from here on reaches as far
        found = _latest([found, *read(batch)])
        done, size = done + size, 2 * size
    return found
