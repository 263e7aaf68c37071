"""Bodies' meeting plans (sammanträdesplaner) as busy time for the members who sit in them.

A municipal council or a board adopts next year's meeting plan late in the year, long
before its meetings reach the members' own calendars (which publish one-off events only
some months ahead). A plan is read as it is, also beyond a member's own horizon: each of
its intervals is marked ``recurring`` (known in advance, like a series), and a plan
marked draft counts as tentative at most.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from calendars import BusyInterval, BusyStatus, CalendarError, read_busy, redact_url

from .calendar_sources import calendar_bytes, calendar_limits, ingest_cache
from .council import Body, Council
from .errors import InputError
from .validation import is_calendar_url

__all__ = ["PlanMap", "as_plan", "load_plans", "plans_for_members"]

PlanMap = dict[tuple[str, int], list[BusyInterval]]
"""(party id, member index) -> the plan intervals of every body the member sits in."""

Loader = Callable[[str], bytes]


def as_plan(body: Body, intervals: Iterable[BusyInterval]) -> list[BusyInterval]:
    """``intervals`` of ``body``'s calendar as its meeting plan: each marked recurring,
    and tentative when the plan is a draft. Marking twice changes nothing."""
    marked = []
    for interval in intervals:
        status = BusyStatus.TENTATIVE if body.draft else interval.status
        marked.append(dataclasses.replace(interval, status=status, recurring=True))
    return marked


def plans_for_members(council: Council,
                      body_intervals: Mapping[str, Iterable[BusyInterval]]) -> PlanMap:
    """Every member's plan intervals, from the busy intervals of each body's calendar
    (by body id, as read or as stored), marked by :func:`as_plan` and sorted by start.

    Every member of the council has an entry; one who sits in no body (or only in bodies
    without intervals here) has an empty list.
    """
    marked = {body.id: as_plan(body, body_intervals.get(body.id, ())) for body in council.bodies}
    plans: PlanMap = {}
    for party in council.parties:
        for i, member in enumerate(party.members):
            found = [interval for body_id in member.bodies for interval in marked.get(body_id, [])]
            plans[(party.id, i)] = sorted(found, key=lambda interval: (interval.start, interval.end))
    return plans


def load_plans(council: Council, start: dt.datetime, end: dt.datetime,
               loader: Loader = calendar_bytes) -> tuple[PlanMap, list[str]]:
    """Every member's plan intervals over [start, end), and warnings in words.

    Each body calendar that some member sits in is read once (through the process's
    ingestion cache). A plan that cannot be read – not fetched, gone, not a calendar –
    gives nothing and a warning naming the body; its members are counted as without it.
    Every member has an entry (empty when they sit in no body): see
    :func:`plans_for_members`.
    """
    seated = {body_id for party in council.parties for member in party.members
              for body_id in member.bodies}
    read: dict[str, list[BusyInterval]] = {}
    warnings: list[str] = []
    for body in council.bodies:
        if body.id not in seated:
            continue
        if body.calendar is None:
            warnings.append(f"{body.name}: no meeting plan is given; its members are counted "
                            "without it")
            continue
        source = redact_url(body.calendar) if is_calendar_url(body.calendar) else body.calendar
        try:
            data = loader(body.calendar)
            result = read_busy(data, start, end, zone=council.timezone, source=source,
                               limits=calendar_limits(), cache=ingest_cache())
        except (CalendarError, InputError) as exc:
            warnings.append(f"{body.name}: the meeting plan could not be read ({_reason(exc, source)}); "
                            "its members are counted without it")
            continue
        read[body.id] = list(result.intervals)
        warnings += [f"{body.name}: {warning}" for warning in result.warnings]
    return plans_for_members(council, read), warnings


def _reason(error: CalendarError | InputError, source: str) -> str:
    where = error.source or source
    if is_calendar_url(where):
        where = redact_url(where)
    line = f"line {error.line}: " if error.line else ""
    return f"{where}: {line}{error.message}"
