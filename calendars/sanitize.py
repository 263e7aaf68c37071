"""Reduce a scanned calendar to what busy time needs, before icalendar sees it.

Titles, descriptions, locations, alarms, other people on the invitation and every
component other than events, free/busy and time zones are dropped here, so they are
never parsed, stored or shown (privacy) and cost no time (speed). Time-zone
identifiers are rewritten per :mod:`calendars.tzids`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .contentline import property_name, split_line
from .layout import Block, CalendarLayout
from .model import IngestWarning
from .tzids import normalize, plan_tzids

__all__ = ["SanitizedCalendar", "sanitize"]

_EVENT_PROPERTIES = frozenset({
    "UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE",
    "RECURRENCE-ID", "SEQUENCE", "STATUS", "TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS",
})
_FREEBUSY_PROPERTIES = frozenset({"UID", "DTSTART", "DTEND", "FREEBUSY"})
_CALENDAR_PROPERTIES = frozenset({"VERSION", "PRODID", "CALSCALE", "X-WR-TIMEZONE"})
_KEPT = {"VEVENT": _EVENT_PROPERTIES, "VFREEBUSY": _FREEBUSY_PROPERTIES}


@dataclass(frozen=True, slots=True)
class SanitizedCalendar:
    """Text of one VCALENDAR for icalendar, and the components it holds, in order."""

    header: str
    blocks: tuple[Block, ...]
    texts: tuple[str, ...]

    @property
    def text(self) -> str:
        """The whole VCALENDAR as iCalendar text."""
        return self.wrap(self.texts)

    def wrap(self, texts: tuple[str, ...] | list[str]) -> str:
        """Some of this calendar's component texts inside its VCALENDAR header."""
        return f"BEGIN:VCALENDAR\r\n{self.header}{''.join(texts)}END:VCALENDAR\r\n"


def _is_own_attendee(text: str, email: str | None) -> bool:
    if not email:
        return False
    line = split_line(text)
    return line is not None and line.value.strip().lower().removeprefix("mailto:") == email


def _top_level_lines(block: Block) -> list[str]:
    """The block's own property lines: subcomponents (VALARM) left out."""
    depth, kept = 0, []
    for line in block.lines[1:-1]:
        name = property_name(line.text)
        if name == "BEGIN":
            depth += 1
        elif name == "END":
            depth -= 1
        elif depth == 0:
            kept.append(line.text)
    return kept


def _used_tzids(blocks: list[Block]) -> set[str]:
    used: set[str] = set()
    for block in blocks:
        if block.name in _KEPT:
            for line in block.lines:
                if "TZID=" in line.text.upper():
                    parsed = split_line(line.text)
                    tzid = parsed.param("TZID") if parsed else None
                    if tzid:
                        used.add(normalize(tzid))
    return used


def sanitize(
    layout: CalendarLayout, zone: str, email: str | None, warnings: list[IngestWarning]
) -> SanitizedCalendar:
    """Keep only busy-time properties of events and free/busy, and the time zones."""
    email = email.strip().lower() if email else None
    candidates = [b for b in layout.blocks if b.name in _KEPT or b.name == "VTIMEZONE"]
    for block in candidates:
        if block.broken:
            warnings.append(IngestWarning(f"{block.name} skipped: {block.broken}",
                                          uid=block.uid, line=block.line))
    candidates = [b for b in candidates if not b.broken]
    plan = plan_tzids(candidates, _used_tzids(candidates), zone, warnings)
    blocks: list[Block] = []
    texts: list[str] = []
    for index, block in enumerate(candidates):
        if index in plan.dropped_zones:
            continue
        if block.name == "VTIMEZONE":
            body = [plan.rewrite(line.text) for line in block.lines]
        else:
            keep = _KEPT[block.name]
            body = [f"BEGIN:{block.name}"]
            for text in _top_level_lines(block):
                name = property_name(text)
                if name in keep or (name == "ATTENDEE" and _is_own_attendee(text, email)):
                    body.append(plan.rewrite(_requoted(text)))
            body.append(f"END:{block.name}")
        blocks.append(block)
        texts.append("\r\n".join(body) + "\r\n")
    header = "".join(
        f"{line.text}\r\n" for line in layout.properties
        if property_name(line.text) in _CALENDAR_PROPERTIES
    )
    return SanitizedCalendar(header, tuple(blocks), tuple(texts))


def _requoted(text: str) -> str:
    """The line with quoting repaired where a quoted parameter swallowed the value."""
    if '"' not in text:
        return text
    parsed = split_line(text)
    return parsed.render() if parsed is not None else text
