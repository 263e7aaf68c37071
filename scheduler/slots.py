"""Candidate meeting slots: weekdays and times of a request, minus holidays and blackouts."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import holidays

from .council import PlanningRequest

__all__ = ["CandidateSlot", "candidate_slots", "swedish_days_off"]

CandidateSlot = tuple[dt.datetime, dt.datetime]


@functools.cache
def swedish_days_off(year: int) -> frozenset[dt.date]:
    """Swedish public holidays and the de facto ones (Midsummer, Christmas and New
    Year's Eves, and the like) of a year. Sundays are not holidays here."""
    days = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))
    return frozenset(days)


def _blocked(day: dt.date, blackouts: tuple[tuple[dt.date, dt.date], ...]) -> bool:
    return any(first <= day <= last for first, last in blackouts)


def candidate_slots(request: PlanningRequest, zone: str,
                    blackouts: tuple[tuple[dt.date, dt.date], ...] = ()) -> list[CandidateSlot]:
    """Every start from ``earliest`` by ``step`` whose meeting ends by ``latest``, on the
    allowed weekdays of [start, end) in the council's zone, skipping Swedish holidays,
    their eves and every blackout range (inclusive)."""
    tz = zoneinfo.ZoneInfo(zone)
    blocked = request.blackouts + blackouts
    slots: list[CandidateSlot] = []
    day = request.start
    while day < request.end:
        if (day.weekday() in request.weekdays and day not in swedish_days_off(day.year)
                and not _blocked(day, blocked)):
            start = dt.datetime.combine(day, request.earliest, tzinfo=tz)
            last_end = dt.datetime.combine(day, request.latest, tzinfo=tz)
            while start + request.duration <= last_end:
                slots.append((start, start + request.duration))
                start += request.step
        day += dt.timedelta(days=1)
    return slots
