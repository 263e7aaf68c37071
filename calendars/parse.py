"""Sanitised calendar text to icalendar components; broken components skipped, reported."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import warnings as pywarnings

import x_wr_timezone
from icalendar import Calendar, Component

from .errors import BEYOND_RANGE, CalendarError
from .layout import Block
from .model import IngestWarning
from .sanitize import SanitizedCalendar

__all__ = ["parse"]

_TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")
_LENIENT_DURATION = re.compile(
    r"^(?P<sign>[+-]?)PT?(?:(?P<w>\d+)W)?T?(?:(?P<d>\d+)D)?T?"
    r"(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?$"
)


def _from_ical(text: str) -> Calendar:
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")
        return Calendar.from_ical(text)


def _lenient_duration(text: str) -> dt.timedelta | None:
    """A duration written slightly wrong (``PT1W``, as Synology does), or None."""
    match = _LENIENT_DURATION.match(text.strip().upper())
    if not match or not any(match.group(k) for k in "wdhms"):
        return None
    parts = {k: int(match.group(k) or 0) for k in "wdhms"}
    value = dt.timedelta(weeks=parts["w"], days=parts["d"], hours=parts["h"],
                         minutes=parts["m"], seconds=parts["s"])
    return -value if match.group("sign") == "-" else value


def _problem(component: Component) -> str | None:
    """Why an event or free/busy component cannot be used, after repairs; None if fine."""
    for name, message in getattr(component, "errors", []):
        if name == "DURATION":
            repaired = _lenient_duration(str(component["DURATION"]))
            if repaired is not None:
                component.pop("DURATION")
                component.add("DURATION", repaired)
                continue
        if name in _TIME_PROPERTIES or name in ("RRULE", "RDATE", "EXDATE", "FREEBUSY"):
            return f"bad {name}: {message}"
    if component.name == "VEVENT":
        if "DTSTART" not in component:
            return "no DTSTART"
        duration = component.get("DURATION")
        if duration is not None and getattr(duration, "dt", dt.timedelta()) < dt.timedelta():
            return "negative DURATION"
    return None


def _parse_blocks(source: SanitizedCalendar, warnings: list[IngestWarning]) -> Calendar:
    """Parse component by component, keeping every one that parses on its own."""
    zones = [text for block, text in zip(source.blocks, source.texts, strict=True)
             if block.name == "VTIMEZONE"]
    good_zones = []
    for text in zones:
        with contextlib.suppress(Exception):  # a zone that does not parse is left out
            _from_ical(source.wrap([text]))
            good_zones.append(text)
    calendar = _from_ical(source.wrap(good_zones))
    for block, text in zip(source.blocks, source.texts, strict=True):
        if block.name == "VTIMEZONE":
            if text not in good_zones:
                warnings.append(IngestWarning("VTIMEZONE skipped: it does not parse",
                                              line=block.line))
            continue
        try:
            parsed = _from_ical(source.wrap([*good_zones, text]))
        except OverflowError:  # a value beyond what a date or time can be
            raise CalendarError(f"{block.name} {block.uid!r}: {BEYOND_RANGE}",
                                line=block.line) from None
        except Exception as exc:
            warnings.append(IngestWarning(f"{block.name} skipped: {exc}",
                                          uid=block.uid, line=block.line))
            continue
        for component in parsed.subcomponents:
            if component.name == block.name:
                calendar.add_component(component)
    return calendar


def _line_of(blocks: list[Block], component: Component, index: int) -> int | None:
    """The first line of the component's block, when the n-th block is indeed it."""
    if index >= len(blocks):
        return None
    uid = str(component["UID"]) if "UID" in component else None
    return blocks[index].line if blocks[index].uid == uid else None


def parse(source: SanitizedCalendar, warnings: list[IngestWarning]) -> Calendar:
    """Parse one sanitised VCALENDAR; X-WR-TIMEZONE applied; unusable components removed."""
    try:
        calendar = _from_ical(source.text)
    except Exception:
        calendar = _parse_blocks(source, warnings)
    if calendar.get("X-WR-TIMEZONE"):
        try:
            with pywarnings.catch_warnings():
                pywarnings.simplefilter("ignore")
                calendar = x_wr_timezone.to_standard(calendar)
        except Exception as exc:
            warnings.append(IngestWarning(f"X-WR-TIMEZONE not applied: {exc}"))
    content_blocks = [b for b in source.blocks if b.name != "VTIMEZONE"]
    kept: list[Component] = []
    index = 0
    for component in calendar.subcomponents:
        if component.name == "VTIMEZONE":
            kept.append(component)
            continue
        uid = str(component.get("UID")) if "UID" in component else None
        try:
            problem = _problem(component)
        except OverflowError:  # a value beyond what a date or time can be
            raise CalendarError(f"{component.name} {uid!r}: {BEYOND_RANGE}",
                                line=_line_of(content_blocks, component, index)) from None
        if problem is None:
            kept.append(component)
        else:
            warnings.append(IngestWarning(
                f"{component.name} skipped: {problem}",
                uid=uid, line=_line_of(content_blocks, component, index)))
        index += 1
    calendar.subcomponents = kept
    return calendar

